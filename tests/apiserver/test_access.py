"""RBAC wired into the lab's apiserver: Forbidden texts per verb, escalation, impersonation, bootstrap policy."""

import pytest

import k8slab as kl
from k8slab.apiserver.authn import UserInfo

RBAC = "rbac.authorization.k8s.io/v1"


@pytest.fixture
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
---
apiVersion: {RBAC}
kind: RoleBinding
metadata: {{name: alice-reads-pods, namespace: dev}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}}
subjects: [{{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}}]
""")
    return lab


POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: dev}\nspec: {containers: [{name: web, image: nginx}]}\n"

FORBIDDEN = [
    ("list in another namespace", "get pods -n default",
     'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in '
     'the namespace "default"\n'),
    ("list at the cluster scope", "get pods -A",
     'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" at '
     "the cluster scope\n"),
    ("get a named object", "get deploy web -n dev",
     'Error from server (Forbidden): deployments.apps "web" is forbidden: User "alice" cannot get resource '
     '"deployments" in API group "apps" in the namespace "dev"\n'),
    ("a cluster-scoped resource", "get nodes",
     'Error from server (Forbidden): nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at '
     "the cluster scope\n"),
    ("delete", "delete pod web -n dev",
     'Error from server (Forbidden): pods "web" is forbidden: User "alice" cannot delete resource "pods" in API group '
     '"" in the namespace "dev"\n'),
]


@pytest.mark.parametrize("case,command,stderr", FORBIDDEN, ids=[c[0] for c in FORBIDDEN])
def test_denials_read_exactly_like_the_apiserver(lab, case, command, stderr):
    r = lab.kubectl(command, as_user="alice")
    assert (r.rc, r.stdout, r.stderr) == (1, "", stderr)


def test_alice_may_do_what_her_role_grants(lab):
    lab.kubectl("apply -f -", stdin=POD)
    assert lab.kubectl("get pods -n dev", as_user="alice").stdout.startswith("NAME   READY")


def test_create_names_no_object_in_the_message_and_changes_nothing(lab):
    before = lab.etcd.revision
    r = lab.kubectl("create -f -", stdin=POD, as_user="alice")
    assert r.stderr == ('Error from server (Forbidden): error when creating "STDIN": pods is forbidden: User "alice" '
                        'cannot create resource "pods" in API group "" in the namespace "dev"\n')
    assert lab.etcd.revision == before
    step = lab.api.last_trace[-1]
    assert (step.stage, step.outcome) == ("authorization", "denied")


def test_groups_from_as_group_are_used(lab):
    lab.apply(f"""
apiVersion: {RBAC}
kind: RoleBinding
metadata: {{name: devs-edit, namespace: dev}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}}
subjects: [{{kind: Group, name: developers, apiGroup: rbac.authorization.k8s.io}}]
""")
    assert lab.kubectl("create -f -", stdin=POD, as_user="bob", groups=["developers"]).ok
    assert not lab.kubectl("delete pod web -n dev", as_user="bob").ok


def test_a_binding_to_a_missing_role_authorizes_nothing_and_says_why(lab):
    lab.apply(f"""
apiVersion: {RBAC}
kind: RoleBinding
metadata: {{name: ghost, namespace: dev}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: ghost}}
subjects: [{{kind: User, name: carol, apiGroup: rbac.authorization.k8s.io}}]
""")
    r = lab.kubectl("get pods -n dev", as_user="carol")
    assert r.stderr == ('Error from server (Forbidden): pods is forbidden: User "carol" cannot list resource "pods" in '
                        'API group "" in the namespace "dev": RBAC: role.rbac.authorization.k8s.io "ghost" not found\n')


def test_service_account_usernames_get_their_groups(lab):
    lab.apply(f"""
apiVersion: {RBAC}
kind: RoleBinding
metadata: {{name: all-sa-read, namespace: dev}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}}
subjects: [{{kind: Group, name: "system:serviceaccounts:dev", apiGroup: rbac.authorization.k8s.io}}]
""")
    assert lab.kubectl("get pods -n dev", as_user="system:serviceaccount:dev:default").ok


def test_a_role_granting_more_than_its_writer_holds_is_refused(lab):
    lab.apply(f"""
apiVersion: {RBAC}
kind: RoleBinding
metadata: {{name: alice-admin, namespace: dev}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}}
subjects: [{{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}}]
""")
    role = f"""
apiVersion: {RBAC}
kind: Role
metadata: {{name: node-reader, namespace: dev}}
rules: [{{apiGroups: [""], resources: [nodes], verbs: [get]}}, {{apiGroups: [""], resources: [pods], verbs: [get]}}]
"""
    r = lab.kubectl("create -f -", stdin=role, as_user="alice")
    assert r.stderr == (
        'Error from server (Forbidden): error when creating "STDIN": roles.rbac.authorization.k8s.io "node-reader" is '
        'forbidden: user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not '
        'currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}\n')
    binding = f"""
apiVersion: {RBAC}
kind: RoleBinding
metadata: {{name: eve-admin, namespace: dev}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}}
subjects: [{{kind: User, name: eve, apiGroup: rbac.authorization.k8s.io}}]
"""
    r = lab.kubectl("create -f -", stdin=binding, as_user="alice")
    assert r.stderr.startswith('Error from server (Forbidden): error when creating "STDIN": rolebindings.rbac.'
                               'authorization.k8s.io "eve-admin" is forbidden: user "alice" (groups=["system:'
                               'authenticated"]) is attempting to grant RBAC permissions not currently held:\n')
    assert lab.etcd.get("/registry/rolebindings/dev/eve-admin") is None
    ok = binding.replace("cluster-admin", "view").replace("eve-admin", "eve-view")
    assert lab.kubectl("create -f -", stdin=ok, as_user="alice").ok


def test_impersonation_needs_the_impersonate_verb(lab):
    with lab.access.use(UserInfo("alice", ("system:authenticated",))):
        r = lab.kubectl("get pods", as_user="bob")
    assert r.stderr == ('Error from server (Forbidden): users "bob" is forbidden: User "alice" cannot impersonate '
                        'resource "users" in API group "" at the cluster scope\n')


def test_the_default_policy_is_in_the_store_and_aggregates_new_roles(lab):
    names = lab.kubectl("get clusterroles -o name").stdout.split()
    assert {"clusterrole.rbac.authorization.k8s.io/cluster-admin", "clusterrole.rbac.authorization.k8s.io/view"} <= set(names)
    lab.apply(f"""
apiVersion: {RBAC}
kind: ClusterRole
metadata:
  name: widgets-view
  labels: {{rbac.authorization.k8s.io/aggregate-to-view: "true"}}
rules: [{{apiGroups: [example.com], resources: [widgets], verbs: [get, list, watch]}}]
""")
    for role in ("view", "edit", "admin"):
        rules = lab.get("clusterrole", role).model_dump(by_alias=True)["rules"]
        assert {"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["get", "list", "watch"]} in [
            {k: v for k, v in r.items() if v} for r in rules], role


def test_a_saved_lab_keeps_its_rbac(lab, tmp_path):
    path = lab.save(tmp_path / "lab.json")
    again = kl.Cluster.load(path)
    assert again.kubectl("get pods -n dev", as_user="alice").ok
    assert not again.kubectl("get pods -n default", as_user="alice").ok

