"""kubectl auth can-i / whoami against the lab, as kubectl prints them (upstream cani.go, whoami.go)."""

import pytest

import k8slab as kl

RBAC = "rbac.authorization.k8s.io/v1"


@pytest.fixture(scope="module")
def lab():
    lab = kl.Cluster(seed=0, components=[])
    lab.kubectl("create namespace dev")
    lab.apply(f"""
apiVersion: {RBAC}
kind: Role
metadata: {{name: pod-reader, namespace: dev}}
rules:
- apiGroups: [""]
  resources: [pods, pods/log]
  verbs: [get, list, watch]
- apiGroups: [apps]
  resources: [deployments]
  resourceNames: [web]
  verbs: [update]
---
apiVersion: {RBAC}
kind: RoleBinding
metadata: {{name: alice, namespace: dev}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}}
subjects: [{{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}}]
""")
    return lab


CAN_I = [
    ("a verb her role grants", "auth can-i list pods -n dev", 0, "yes\n", ""),
    ("outside her namespace", "auth can-i list pods", 1, "no\n", ""),
    ("a subresource she holds", "auth can-i get pods --subresource=log -n dev", 0, "yes\n", ""),
    ("a subresource she does not hold", "auth can-i get pods --subresource=exec -n dev", 1, "no\n", ""),
    ("a named object", "auth can-i update deployments.apps/web -n dev", 0, "yes\n", ""),
    ("another name", "auth can-i update deployments/api -n dev", 1, "no\n", ""),
    ("a short name resolves", "auth can-i update deploy/web -n dev", 0, "yes\n", ""),
    ("a non-resource URL", "auth can-i get /healthz", 0, "yes\n", ""),
    ("quiet", "auth can-i delete pods -n dev -q", 1, "", ""),
    ("a cluster-scoped resource in a namespace", "auth can-i list nodes -n dev", 1, "no\n",
     "Warning: resource 'nodes' is not namespace scoped\n"),
    ("an unknown verb", "auth can-i fly pods -n dev", 1, "no\n", "Warning: verb 'fly' is not a known verb\n"),
    ("an unknown resource", "auth can-i get widgets -n dev", 1, "no\n",
     "Warning: the server doesn't have a resource type 'widgets'\n"),
    ("one argument", "auth can-i list", 1, "",
     "error: you must specify two arguments: verb resource or verb resource/resourceName.\n"
     "See 'kubectl auth can-i -h' for help and examples.\n"),
]


@pytest.mark.parametrize("case,command,rc,out,err", CAN_I, ids=[c[0] for c in CAN_I])
def test_can_i(lab, case, command, rc, out, err):
    r = lab.kubectl(command, as_user="alice")
    assert (r.rc, r.stdout, r.stderr) == (rc, out, err)


def test_the_admin_can_do_anything(lab):
    assert lab.kubectl("auth can-i '*' '*' -A").stdout == "yes\n"


def test_can_i_list_shows_the_rules_in_kubectls_order(lab):
    out = lab.kubectl("auth can-i --list -n dev", as_user="alice").stdout
    lines = out.splitlines()
    assert lines[0] == "Resources                                       Non-Resource URLs   Resource Names   Verbs"
    assert "pods/log                                        []                  []               [get list watch]" in lines
    assert "deployments.apps                                []                  [web]            [update]" in lines
    assert lines.index("selfsubjectreviews.authentication.k8s.io        []                  []               [create]") == 1


def test_can_i_list_refuses_arguments_and_some_flags(lab):
    assert lab.kubectl("auth can-i --list get pods").stderr == "error: list option must be specified with no arguments\n"
    assert lab.kubectl("auth can-i --list -A").stderr == (
        "error: list option can't be specified with neither quiet, all-namespaces nor subresource options\n")


def test_whoami_shows_the_impersonated_identity(lab):
    r = lab.kubectl("auth whoami", as_user="alice", groups=["developers"])
    assert r.stdout == ("ATTRIBUTE   VALUE\nUsername    alice\nGroups      [developers system:authenticated]\n")
    assert lab.kubectl("auth whoami -o yaml").stdout == (
        "apiVersion: authentication.k8s.io/v1\nkind: SelfSubjectReview\nmetadata:\n  creationTimestamp: null\n"
        "status:\n  userInfo:\n    groups:\n    - system:masters\n    - system:authenticated\n"
        "    username: kubernetes-admin\n")


def test_anonymous_may_not_ask(lab):
    r = lab.kubectl("auth can-i get pods", as_user="system:anonymous")
    assert r.stderr == ('Error from server (Forbidden): selfsubjectaccessreviews.authorization.k8s.io is forbidden: '
                        'User "system:anonymous" cannot create resource "selfsubjectaccessreviews" in API group '
                        '"authorization.k8s.io" at the cluster scope\n')
    assert lab.kubectl("auth whoami", as_user="system:anonymous").stderr == (
        "error: the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it\n")


def test_a_service_account_token_acts_as_the_service_account(lab):
    token = lab.access.create_token("dev", "default")
    assert token.count(".") == 2
    with lab.access.use_token(token):
        assert lab.kubectl("auth whoami").stdout.splitlines()[1] == "Username    system:serviceaccount:dev:default"
    with pytest.raises(kl.K8sLabError, match="Unauthorized"):
        lab.access.use_token("not-a-token")


def test_describe_role_prints_the_policy_rules_as_kubectl_does(lab):
    # upstream: kubectl/pkg/describe/describe.go RoleDescriber (rules broken down, compacted, sorted)
    assert lab.kubectl("describe role pod-reader -n dev").stdout == (
        "Name:         pod-reader\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "PolicyRule:\n"
        "  Resources         Non-Resource URLs  Resource Names  Verbs\n"
        "  ---------         -----------------  --------------  -----\n"
        "  pods/log          []                 []              [get list watch]\n"
        "  pods              []                 []              [get list watch]\n"
        "  deployments.apps  []                 [web]           [update]\n")


def test_describe_rolebinding_lists_role_and_subjects(lab):
    assert lab.kubectl("describe rolebinding alice -n dev").stdout == (
        "Name:         alice\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "Role:\n"
        "  Kind:  Role\n"
        "  Name:  pod-reader\n"
        "Subjects:\n"
        "  Kind  Name   Namespace\n"
        "  ----  ----   ---------\n"
        "  User  alice  \n")
