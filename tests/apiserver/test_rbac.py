"""RBAC authorizer: upstream's test tables, reasons, Forbidden texts, index updates, escalation, can-i output."""

import pytest

from k8slab.apiserver.auth_can_i import (can_i_warnings, format_can_i, format_can_i_list, format_whoami,
                                          tabwrite)
from k8slab.apiserver.authn import KUBEADM_ADMIN, UserInfo, service_account_user
from k8slab.apiserver.bootstrap_policy import default_policy
from k8slab.apiserver.rbac_escalation import compact_string, covers
from k8slab.apiserver.rbac import (Attributes, RBACAuthorizer, _applies_to, api_group_matches,
                                   forbidden_error, forbidden_message,
                                   non_resource_url_matches, parse_resource_verb, resource_matches,
                                   resource_name_matches, rule_allows, verb_matches)

RBAC = "rbac.authorization.k8s.io"


# ---------------------------------------------------------------- helpers mirroring rbac_test.go

def new_rule(verbs, groups, resources, urls):
    """upstream rbac_test.go newRule: comma lists, each split (so "" is [""])."""
    return {"verbs": verbs.split(","), "apiGroups": groups.split(","), "resources": resources.split(","),
            "nonResourceURLs": urls.split(",")}


def cluster_role(name, *rules):
    return {"kind": "ClusterRole", "metadata": {"name": name}, "rules": list(rules)}


def role(name, namespace, *rules):
    return {"kind": "Role", "metadata": {"name": name, "namespace": namespace}, "rules": list(rules)}


def _subjects(subjects):
    out = []
    for s in subjects:
        kind, name = s.split(":", 1)
        out.append({"kind": kind, "name": name, **({"apiGroup": RBAC} if kind != "ServiceAccount" else {})})
    return out


def crb(role_name, *subjects, name=None):
    return {"kind": "ClusterRoleBinding", "metadata": {"name": name or role_name},
            "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": role_name}, "subjects": _subjects(subjects)}


def rb(namespace, role_name, ref_kind, *subjects, name=None):
    return {"kind": "RoleBinding", "metadata": {"name": name or role_name, "namespace": namespace},
            "roleRef": {"apiGroup": RBAC, "kind": ref_kind, "name": role_name}, "subjects": _subjects(subjects)}


def attrs(user, groups, verb, resource, subresource, namespace, api_group):
    """upstream rbac_test.go defaultAttributes (groups split on ',' so '' is one empty group)."""
    return Attributes(UserInfo(user, tuple(groups.split(","))), verb, namespace, api_group, resource, subresource)


def nonres(verb, path, name="", groups=()):
    return Attributes(UserInfo(name, tuple(groups)), verb, path=path)


# ---------------------------------------------------------------- upstream TestAuthorizer

# upstream: plugin/pkg/auth/authorizer/rbac/rbac_test.go TestAuthorizer
AUTHORIZER_CASES = [
    ("a RoleBinding to a ClusterRole grants in its namespace only",
     [cluster_role("admin", new_rule("*", "*", "*", "*")),
      rb("ns1", "admin", "ClusterRole", "User:admin", "Group:admins")],
     [attrs("admin", "", "get", "Pods", "", "ns1", ""),
      attrs("admin", "", "watch", "Pods", "", "ns1", ""),
      attrs("admin", "group1", "watch", "Foobar", "", "ns1", ""),
      attrs("joe", "admins", "watch", "Foobar", "", "ns1", ""),
      attrs("joe", "group1,admins", "watch", "Foobar", "", "ns1", "")],
     [attrs("admin", "", "GET", "Pods", "", "ns2", ""),
      attrs("admin", "", "GET", "Nodes", "", "", ""),
      attrs("admin", "admins", "GET", "Pods", "", "ns2", ""),
      attrs("admin", "admins", "GET", "Nodes", "", "", "")]),
    ("non-resource URLs by exact path, star verb and trailing-star prefix",
     [cluster_role("non-resource-url-getter", new_rule("get", "", "", "/apis")),
      cluster_role("non-resource-url", new_rule("*", "", "", "/apis")),
      cluster_role("non-resource-url-prefix", new_rule("get", "", "", "/apis/*")),
      crb("non-resource-url-getter", "User:foo", "Group:bar"),
      crb("non-resource-url", "User:admin", "Group:admin"),
      crb("non-resource-url-prefix", "User:prefixed", "Group:prefixed")],
     [nonres("get", "/apis", "foo"), nonres("get", "/apis", groups=["bar"]),
      nonres("get", "/apis", "admin"), nonres("get", "/apis", groups=["admin"]),
      nonres("watch", "/apis", "admin"), nonres("watch", "/apis", groups=["admin"]),
      nonres("get", "/apis/v1", "prefixed"), nonres("get", "/apis/v1", groups=["prefixed"]),
      nonres("get", "/apis/v1/foobar", "prefixed"), nonres("get", "/apis/v1/foorbar", groups=["prefixed"])],
     [nonres("watch", "/apis", "foo"), nonres("watch", "/apis", groups=["bar"]),
      nonres("get", "/api/v1", "foo"), nonres("get", "/api/v1", groups=["bar"]),
      nonres("get", "/api/v1", "admin"), nonres("get", "/api/v1", groups=["admin"]),
      nonres("get", "/api/v1", "prefixed"), nonres("get", "/api/v1", groups=["prefixed"])]),
    ("a rule for pods does not cover pods/status",
     [cluster_role("admin", new_rule("*", "*", "pods", "*")),
      rb("ns1", "admin", "ClusterRole", "User:admin", "Group:admins")],
     [attrs("admin", "", "get", "pods", "", "ns1", "")],
     [attrs("admin", "", "get", "pods", "status", "ns1", "")]),
    ("a rule for pods/status does not cover pods",
     [cluster_role("admin", new_rule("*", "*", "pods/status", "*")),
      rb("ns1", "admin", "ClusterRole", "User:admin", "Group:admins")],
     [attrs("admin", "", "get", "pods", "status", "ns1", "")],
     [attrs("admin", "", "get", "pods", "", "ns1", "")]),
    ("a rule for */status covers the status of any resource",
     [cluster_role("admin", new_rule("*", "*", "*/status", "*")),
      rb("ns1", "admin", "ClusterRole", "User:admin", "Group:admins")],
     [attrs("admin", "", "get", "pods", "status", "ns1", "")],
     [attrs("admin", "", "get", "pods", "", "ns1", "")]),
]


@pytest.mark.parametrize("case,objects,should_pass,should_fail", AUTHORIZER_CASES,
                         ids=[c[0] for c in AUTHORIZER_CASES])
def test_authorizer_table(case, objects, should_pass, should_fail):
    authz = RBACAuthorizer(objects)
    for a in should_pass:
        assert authz.authorize(a).allowed, f"incorrectly restricted {a}"
    for a in should_fail:
        assert not authz.authorize(a).allowed, f"incorrectly passed {a}"


# ---------------------------------------------------------------- upstream TestRuleMatches

def res(verb, group, resource, subresource=""):
    return Attributes(UserInfo(""), verb, "", group, resource, subresource, resource_request=True)


# upstream: rbac_test.go TestRuleMatches
RULE_MATCHES = [
    ("star verb, exact match other", {"verbs": ["*"], "apiGroups": ["group1"], "resources": ["resource1"]}, [
        (res("verb1", "group1", "resource1"), True), (res("verb1", "group2", "resource1"), False),
        (res("verb1", "group1", "resource2"), False), (res("verb1", "group2", "resource2"), False),
        (res("verb2", "group1", "resource1"), True), (res("verb2", "group2", "resource1"), False),
        (res("verb2", "group1", "resource2"), False), (res("verb2", "group2", "resource2"), False)]),
    ("star group, exact match other", {"verbs": ["verb1"], "apiGroups": ["*"], "resources": ["resource1"]}, [
        (res("verb1", "group1", "resource1"), True), (res("verb1", "group2", "resource1"), True),
        (res("verb1", "group1", "resource2"), False), (res("verb1", "group2", "resource2"), False),
        (res("verb2", "group1", "resource1"), False), (res("verb2", "group2", "resource1"), False),
        (res("verb2", "group1", "resource2"), False), (res("verb2", "group2", "resource2"), False)]),
    ("star resource, exact match other", {"verbs": ["verb1"], "apiGroups": ["group1"], "resources": ["*"]}, [
        (res("verb1", "group1", "resource1"), True), (res("verb1", "group2", "resource1"), False),
        (res("verb1", "group1", "resource2"), True), (res("verb1", "group2", "resource2"), False),
        (res("verb2", "group1", "resource1"), False), (res("verb2", "group2", "resource1"), False),
        (res("verb2", "group1", "resource2"), False), (res("verb2", "group2", "resource2"), False)]),
    ("tuple expansion", {"verbs": ["verb1", "verb2"], "apiGroups": ["group1", "group2"],
                         "resources": ["resource1", "resource2"]},
     [(res(v, g, r), True) for v in ("verb1", "verb2") for g in ("group1", "group2")
      for r in ("resource1", "resource2")]),
    ("subresource expansion", {"verbs": ["*"], "apiGroups": ["*"], "resources": ["resource1/subresource1"]}, [
        (res("verb1", "group1", "resource1", "subresource1"), True),
        (res("verb1", "group2", "resource1", "subresource2"), False),
        (res("verb1", "group1", "resource2", "subresource1"), False),
        (res("verb1", "group2", "resource2", "subresource1"), False),
        (res("verb2", "group1", "resource1", "subresource1"), True),
        (res("verb2", "group2", "resource1", "subresource2"), False),
        (res("verb2", "group1", "resource2", "subresource1"), False),
        (res("verb2", "group2", "resource2", "subresource1"), False)]),
    ("star nonresource, exact match other", {"verbs": ["verb1"], "nonResourceURLs": ["*"]},
     [(nonres("verb1", u), True) for u in ("/foo", "/foo/bar", "/foo/baz", "/foo/bar/one", "/foo/baz/one")]
     + [(nonres("verb2", u), False) for u in ("/foo", "/foo/bar", "/foo/baz", "/foo/bar/one", "/foo/baz/one")]),
    ("star nonresource subpath", {"verbs": ["verb1"], "nonResourceURLs": ["/foo/*"]}, [
        (nonres("verb1", "/foo"), False), (nonres("verb1", "/foo/bar"), True), (nonres("verb1", "/foo/baz"), True),
        (nonres("verb1", "/foo/bar/one"), True), (nonres("verb1", "/foo/baz/one"), True),
        (nonres("verb1", "/notfoo"), False), (nonres("verb1", "/notfoo/bar"), False),
        (nonres("verb1", "/notfoo/baz"), False), (nonres("verb1", "/notfoo/bar/one"), False),
        (nonres("verb1", "/notfoo/baz/one"), False)]),
    ("star verb, exact nonresource", {"verbs": ["*"], "nonResourceURLs": ["/foo", "/foo/bar/one"]}, [
        (nonres(v, u), u in ("/foo", "/foo/bar/one")) for v in ("verb1", "verb2")
        for u in ("/foo", "/foo/bar", "/foo/baz", "/foo/bar/one", "/foo/baz/one")]),
]


@pytest.mark.parametrize("case,rule,requests", RULE_MATCHES, ids=[c[0] for c in RULE_MATCHES])
def test_rule_matches(case, rule, requests):
    for request, expected in requests:
        assert rule_allows(request, rule) is expected, request


# upstream: pkg/apis/rbac/v1/evaluation_helpers.go, one row per branch of each function
HELPERS = [
    ("star verb matches any verb", verb_matches({"verbs": ["*"]}, "escalate"), True),
    ("verbs are case sensitive", verb_matches({"verbs": ["get"]}, "GET"), False),
    ("star group matches the core group", api_group_matches({"apiGroups": ["*"]}, ""), True),
    ("core group does not match apps", api_group_matches({"apiGroups": [""]}, "apps"), False),
    ("star resource matches a subresource", resource_matches({"resources": ["*"]}, "pods/log", "log"), True),
    ("exact subresource matches", resource_matches({"resources": ["pods/log"]}, "pods/log", "log"), True),
    ("*/scale matches deployments/scale", resource_matches({"resources": ["*/scale"]}, "deployments/scale", "scale"),
     True),
    ("*/scale does not match the parent", resource_matches({"resources": ["*/scale"]}, "deployments", ""), False),
    ("*/ alone matches no subresource", resource_matches({"resources": ["*/", "test1"]}, "x/test2", "test2"), False),
    ("*/sc does not match scale", resource_matches({"resources": ["*/sc"]}, "deployments/scale", "scale"), False),
    ("no resourceNames allows every name", resource_name_matches({"resourceNames": []}, "any"), True),
    ("listed name matches", resource_name_matches({"resourceNames": ["web"]}, "web"), True),
    ("a list request has no name so named rules miss", resource_name_matches({"resourceNames": ["web"]}, ""), False),
    ("star URL matches anything", non_resource_url_matches({"nonResourceURLs": ["*"]}, "/x"), True),
    ("trailing star is a prefix", non_resource_url_matches({"nonResourceURLs": ["/healthz*"]}, "/healthzz"), True),
    ("exact URL only", non_resource_url_matches({"nonResourceURLs": ["/healthz"]}, "/healthz/etcd"), False),
]


@pytest.mark.parametrize("case,got,expected", HELPERS, ids=[c[0] for c in HELPERS])
def test_evaluation_helpers(case, got, expected):
    assert got is expected


# ---------------------------------------------------------------- upstream TestAppliesTo

# upstream: pkg/registry/rbac/validation/rule_test.go TestAppliesTo
APPLIES_TO = [
    ("single subject that matches username", [{"kind": "User", "name": "foobar"}], UserInfo("foobar"), "", True),
    ("multiple subjects, one that matches username",
     [{"kind": "User", "name": "barfoo"}, {"kind": "User", "name": "foobar"}], UserInfo("foobar"), "", True),
    ("multiple subjects, none that match username",
     [{"kind": "User", "name": "barfoo"}, {"kind": "User", "name": "foobar"}], UserInfo("zimzam"), "", False),
    ("multiple subjects, one that match group",
     [{"kind": "User", "name": "barfoo"}, {"kind": "Group", "name": "foobar"}],
     UserInfo("zimzam", ("foobar",)), "", True),
    ("multiple subjects, one that match group, should ignore namespace",
     [{"kind": "User", "name": "barfoo"}, {"kind": "Group", "name": "foobar"}],
     UserInfo("zimzam", ("foobar",)), "namespace1", True),
    ("multiple subjects with a service account that matches",
     [{"kind": "User", "name": "barfoo"}, {"kind": "Group", "name": "foobar"},
      {"kind": "ServiceAccount", "namespace": "kube-system", "name": "default"}],
     UserInfo("system:serviceaccount:kube-system:default"), "default", True),
    ("* user subject name doesn't match all users", [{"kind": "User", "name": "*"}], UserInfo("foobar"), "default",
     False),
    ("binding to all authenticated and unauthenticated subjects matches authenticated user",
     [{"kind": "Group", "name": "system:authenticated"}, {"kind": "Group", "name": "system:unauthenticated"}],
     UserInfo("foobar", ("system:authenticated",)), "default", True),
    ("binding to all authenticated and unauthenticated subjects matches anonymous user",
     [{"kind": "Group", "name": "system:authenticated"}, {"kind": "Group", "name": "system:unauthenticated"}],
     UserInfo("system:anonymous", ("system:unauthenticated",)), "default", True),
    ("a service account without namespace takes the binding's namespace",
     [{"kind": "ServiceAccount", "name": "ci"}], UserInfo("system:serviceaccount:dev:ci"), "dev", True),
    ("a service account without namespace in a cluster binding matches nobody",
     [{"kind": "ServiceAccount", "name": "ci"}], UserInfo("system:serviceaccount:dev:ci"), "", False),
]


@pytest.mark.parametrize("case,subjects,user,namespace,expected", APPLIES_TO, ids=[c[0] for c in APPLIES_TO])
def test_applies_to(case, subjects, user, namespace, expected):
    assert (_applies_to(user, subjects, namespace) is not None) is expected


def _index_agrees(subjects, user, namespace):
    """The subject index must find exactly the bindings appliesTo accepts."""
    authz = RBACAuthorizer([cluster_role("all", {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]})])
    binding = ({"kind": "RoleBinding", "metadata": {"name": "b", "namespace": namespace}} if namespace
               else {"kind": "ClusterRoleBinding", "metadata": {"name": "b"}})
    binding.update(roleRef={"apiGroup": RBAC, "kind": "ClusterRole", "name": "all"}, subjects=subjects)
    authz.add(binding)
    return authz.can(user, "get", "pods", namespace=namespace or "anything")


@pytest.mark.parametrize("case,subjects,user,namespace,expected", APPLIES_TO, ids=[c[0] for c in APPLIES_TO])
def test_subject_index_agrees_with_applies_to(case, subjects, user, namespace, expected):
    assert _index_agrees(subjects, user, namespace) is expected


# ---------------------------------------------------------------- upstream TestDefaultRuleResolver

READ_PODS = {"verbs": ["GET", "WATCH"], "apiGroups": ["v1"], "resources": ["pods"]}
READ_SERVICES = {"verbs": ["GET", "WATCH"], "apiGroups": ["v1"], "resources": ["services"]}
WRITE_NODES = {"verbs": ["PUT", "CREATE", "UPDATE"], "apiGroups": ["v1"], "resources": ["nodes"]}
ADMIN = {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}
STATIC_ROLES_1 = [
    role("readthings", "namespace1", READ_PODS, READ_SERVICES),
    cluster_role("cluster-admin", ADMIN), cluster_role("write-nodes", WRITE_NODES),
    rb("namespace1", "readthings", "Role", "User:foobar", "Group:group1"),
    crb("cluster-admin", "User:admin", "Group:admin"),
]
# upstream: pkg/registry/rbac/validation/rule_test.go TestDefaultRuleResolver
RULE_RESOLVER = [
    ("a user bound in namespace1 gets the role's rules there", UserInfo("foobar"), "namespace1",
     [READ_PODS, READ_SERVICES]),
    ("the same user has nothing in namespace2", UserInfo("foobar"), "namespace2", []),
    ("without a namespace only cluster rules apply", UserInfo("foobar", ("admin",)), "", [ADMIN]),
    ("an empty user has nothing", UserInfo(""), "", []),
]


@pytest.mark.parametrize("case,user,namespace,expected", RULE_RESOLVER, ids=[c[0] for c in RULE_RESOLVER])
def test_rules_for_as_default_rule_resolver(case, user, namespace, expected):
    status = RBACAuthorizer(STATIC_ROLES_1).rules_for(user, namespace)
    assert status["resourceRules"] == expected
    assert status["nonResourceRules"] == [] and status["incomplete"] is False


# ---------------------------------------------------------------- reasons and messages

ALICE = UserInfo("alice", ("system:authenticated",))
POD_READER = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}


def test_reason_names_the_cluster_role_binding_and_subject():
    authz = RBACAuthorizer([cluster_role("reader", POD_READER), crb("reader", "Group:system:authenticated",
                                                                     "User:alice", name="x")])
    assert authz.authorize(Attributes(ALICE, "list", "dev", "", "pods")).reason == \
        'RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "reader" to Group "system:authenticated"'


def test_reason_names_a_service_account_with_its_namespace():
    authz = RBACAuthorizer([cluster_role("reader", POD_READER), rb("dev", "reader", "ClusterRole", "ServiceAccount:ci")])
    d = authz.authorize(Attributes(service_account_user("dev", "ci"), "get", "dev", "", "pods"))
    assert d.reason == 'RBAC: allowed by RoleBinding "reader/dev" of ClusterRole "reader" to ServiceAccount "ci/dev"'


def test_system_masters_is_allowed_everything_without_a_reason():
    d = RBACAuthorizer().authorize(Attributes(KUBEADM_ADMIN, "delete", "", "", "nodes", name="n1"))
    assert (d.allowed, d.reason, d.authorizer) == (True, "", "Privileged")


def test_binding_to_a_missing_role_authorizes_nothing_and_says_why():
    authz = RBACAuthorizer([rb("dev", "ghost", "Role", "User:alice"), rb("dev", "phantom", "ClusterRole", "User:alice")])
    d = authz.authorize(Attributes(ALICE, "list", "dev", "", "pods"))
    assert not d.allowed
    # bindings visited in name order; utilerrors aggregate keeps that order and brackets two or more
    assert d.reason == ('RBAC: [role.rbac.authorization.k8s.io "ghost" not found, '
                        'clusterrole.rbac.authorization.k8s.io "phantom" not found]')
    assert authz.rules_for(ALICE, "dev")["evaluationError"] == (
        '[role.rbac.authorization.k8s.io "ghost" not found, clusterrole.rbac.authorization.k8s.io "phantom" not found]')


def test_a_plain_denial_has_no_reason():
    assert RBACAuthorizer().authorize(Attributes(ALICE, "list", "dev", "", "pods")).reason == ""


# upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go + apierrors.NewForbidden
FORBIDDEN = [
    ("namespaced list", Attributes(ALICE, "list", "dev", "", "pods"), "",
     'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "dev"'),
    ("cluster scope with a group", Attributes(ALICE, "list", "", "apps", "deployments"), "",
     'deployments.apps is forbidden: User "alice" cannot list resource "deployments" in API group "apps" '
     'at the cluster scope'),
    ("named object", Attributes(ALICE, "get", "dev", "", "secrets", name="db"), "",
     'secrets "db" is forbidden: User "alice" cannot get resource "secrets" in API group "" in the namespace "dev"'),
    ("subresource", Attributes(ALICE, "create", "dev", "", "pods", "exec", "web"), "",
     'pods "web" is forbidden: User "alice" cannot create resource "pods/exec" in API group "" '
     'in the namespace "dev"'),
    ("non-resource path", Attributes(ALICE, "get", path="/metrics"), "",
     'forbidden: User "alice" cannot get path "/metrics"'),
    ("with the authorizer's reason", Attributes(ALICE, "list", "dev", "", "pods"),
     'RBAC: role.rbac.authorization.k8s.io "ghost" not found',
     'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "dev": '
     'RBAC: role.rbac.authorization.k8s.io "ghost" not found'),
    ("HTML-like characters are escaped", Attributes(UserInfo("<b>"), "get", path="/x&y"), "",
     'forbidden: User "&lt;b&gt;" cannot get path "/x&amp;y"'),
    ("service account user", Attributes(service_account_user("ci", "deployer"), "create", "prod", "apps",
                                        "deployments"), "",
     'deployments.apps is forbidden: User "system:serviceaccount:ci:deployer" cannot create resource '
     '"deployments" in API group "apps" in the namespace "prod"'),
]


@pytest.mark.parametrize("case,a,reason,expected", FORBIDDEN, ids=[c[0] for c in FORBIDDEN])
def test_forbidden_error_reads_like_the_apiserver(case, a, reason, expected):
    assert forbidden_error(a, reason) == expected


def test_forbidden_message_for_impersonation():
    a = Attributes(ALICE, "impersonate", "", "", "users", name="bob")
    assert forbidden_message(a) == 'User "alice" cannot impersonate resource "users" in API group "" at the cluster scope'


# ---------------------------------------------------------------- keeping objects up to date

def test_watch_events_add_modify_and_delete_bindings():
    authz = RBACAuthorizer()
    authz.on_event("ClusterRole", "ADDED", {"metadata": {"name": "reader"}, "rules": [POD_READER]})
    binding = rb("dev", "reader", "ClusterRole", "User:alice", name="b")
    authz.on_event("RoleBinding", "ADDED", binding)
    assert authz.can(ALICE, "list", "pods", namespace="dev")
    moved = dict(binding, subjects=_subjects(["User:bob"]))
    authz.on_event("RoleBinding", "MODIFIED", moved)
    assert not authz.can(ALICE, "list", "pods", namespace="dev")
    assert authz.can(UserInfo("bob"), "list", "pods", namespace="dev")
    authz.on_event("RoleBinding", "DELETED", moved)
    assert not authz.can(UserInfo("bob"), "list", "pods", namespace="dev")
    authz.on_event("Pod", "ADDED", {"metadata": {"name": "ignored"}})
    assert repr(authz) == "<RBACAuthorizer 1 clusterroles, 0 roles, 0 clusterrolebindings, 0 rolebindings>"


def test_updating_a_role_changes_what_its_bindings_grant():
    authz = RBACAuthorizer([role("r", "dev", POD_READER), rb("dev", "r", "Role", "User:alice")])
    assert authz.can(ALICE, "get", "pods", namespace="dev")
    authz.update(role("r", "dev", {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}))
    assert not authz.can(ALICE, "get", "pods", namespace="dev")
    authz.remove("Role", "r", "dev")
    assert authz.authorize(Attributes(ALICE, "get", "dev", "", "configmaps")).reason == \
        'RBAC: role.rbac.authorization.k8s.io "r" not found'


def test_add_refuses_other_kinds():
    with pytest.raises(ValueError):
        RBACAuthorizer().add({"kind": "Pod", "metadata": {"name": "x"}})


# ---------------------------------------------------------------- who-can matrix

def test_who_can_matrix_over_bootstrap_roles():
    objects = default_policy() + [rb("dev", "view", "ClusterRole", "Group:viewers", name="viewers"),
                                  rb("dev", "edit", "ClusterRole", "ServiceAccount:ci", name="ci")]
    authz = RBACAuthorizer(objects)
    subjects = [KUBEADM_ADMIN, {"kind": "Group", "name": "viewers"},
                {"kind": "ServiceAccount", "namespace": "dev", "name": "ci"}, {"kind": "User", "name": "alice"}]
    columns = ["get pods", "get pods/log", "get secrets", "create deployments.apps", "create rolebindings."
               + RBAC, "get /healthz"]
    m = authz.who_can_matrix(subjects, columns, namespace="dev")
    assert m.shape == (4, 6) and m.dtype == bool
    assert m.tolist() == [[True] * 6,
                          [True, True, False, False, False, False],
                          [True, True, True, True, False, True],
                          [False, False, False, False, False, True]]


PARSE = [("get pods", ("get", "", "pods", "", "")), ("get pods/log", ("get", "", "pods", "log", "")),
         ("patch deployments.apps/scale", ("patch", "apps", "deployments", "scale", "")),
         ("get /healthz", ("get", "", "", "", "/healthz")), (("list", "jobs", "batch"), ("list", "batch", "jobs", "", ""))]


@pytest.mark.parametrize("spec,expected", PARSE, ids=[str(p[0]) for p in PARSE])
def test_parse_resource_verb(spec, expected):
    assert parse_resource_verb(spec) == expected


# ---------------------------------------------------------------- upstream Covers tests

# upstream: staging/src/k8s.io/component-helpers/auth/rbac/validation/policy_comparator_test.go
def R(groups, verbs, resources, names=None, urls=None):
    rule = {}
    if groups is not None:
        rule["apiGroups"] = groups
    rule["verbs"] = verbs
    if resources is not None:
        rule["resources"] = resources
    if names is not None:
        rule["resourceNames"] = names
    if urls is not None:
        rule["nonResourceURLs"] = urls
    return rule


COVERS = [
    ("TestCoversExactMatch", [R(["v1"], ["get"], ["builds"])], [R(["v1"], ["get"], ["builds"])], True, []),
    ("TestCoversSubresourceWildcard", [R(["v1"], ["get"], ["*/scale"])], [R(["v1"], ["get"], ["foo/scale"])], True, []),
    ("TestCoversMultipleRulesCoveringSingleRule",
     [R(["v1"], ["delete"], ["deployments"]), R(["v1"], ["delete"], ["builds"]),
      R(["v1"], ["update"], ["builds", "deployments"])],
     [R(["v1"], ["delete", "update"], ["builds", "deployments"])], True, []),
    ("TestCoversMultipleAPIGroupsCoveringSingleRule",
     [R([g], v, r) for g in ("group1", "group2") for v, r in
      ((["delete"], ["deployments"]), (["delete"], ["builds"]), (["update"], ["builds", "deployments"]))],
     [R(["group1", "group2"], ["delete", "update"], ["builds", "deployments"])], True, []),
    ("TestCoversSingleAPIGroupsCoveringMultiple",
     [R(["group1", "group2"], ["delete", "update"], ["builds", "deployments"])],
     [R([g], v, r) for g in ("group1", "group2") for v, r in
      ((["delete"], ["deployments"]), (["delete"], ["builds"]), (["update"], ["builds", "deployments"]))], True, []),
    ("TestCoversMultipleRulesMissingSingleVerbResourceCombination",
     [R(["v1"], ["delete", "update"], ["builds", "deployments"]), R(["v1"], ["delete"], ["pods"])],
     [R(["v1"], ["delete", "update"], ["builds", "deployments", "pods"])], False, [R(["v1"], ["update"], ["pods"])]),
    ("TestCoversAPIGroupStarCoveringMultiple", [R(["*"], ["get"], ["roles"])],
     [R(["group1", "group2"], ["get"], ["roles"])], True, []),
    ("TestCoversEnumerationNotCoveringAPIGroupStar", [R(["dummy-group"], ["get"], ["roles"])],
     [R(["*"], ["get"], ["roles"])], False, [R(["*"], ["get"], ["roles"])]),
    ("TestCoversAPIGroupStarCoveringStar", [R(["*"], ["get"], ["roles"])], [R(["*"], ["get"], ["roles"])], True, []),
    ("TestCoversVerbStarCoveringMultiple", [R(["v1"], ["*"], ["roles"])], [R(["v1"], ["watch", "list"], ["roles"])],
     True, []),
    ("TestCoversEnumerationNotCoveringVerbStar",
     [R(["v1"], ["get", "list", "watch", "create", "update", "delete", "exec"], ["roles"])],
     [R(["v1"], ["*"], ["roles"])], False, [R(["v1"], ["*"], ["roles"])]),
    ("TestCoversVerbStarCoveringStar", [R(["v1"], ["*"], ["roles"])], [R(["v1"], ["*"], ["roles"])], True, []),
    ("TestCoversResourceStarCoveringMultiple", [R(["v1"], ["get"], ["*"])],
     [R(["v1"], ["get"], ["resourcegroup:deployments"])], True, []),
    ("TestCoversEnumerationNotCoveringResourceStar", [R(["v1"], ["get"], ["roles", "resourcegroup:deployments"])],
     [R(["v1"], ["get"], ["*"])], False, [R(["v1"], ["get"], ["*"])]),
    ("TestCoversResourceStarCoveringStar", [R(["v1"], ["get"], ["*"])], [R(["v1"], ["get"], ["*"])], True, []),
    ("TestCoversResourceNameEmptyCoveringMultiple", [R(["v1"], ["get"], ["pods"], names=[])],
     [R(["v1"], ["get"], ["pods"], names=["foo", "bar"])], True, []),
    ("TestCoversEnumerationNotCoveringResourceNameEmpty", [R(["v1"], ["get"], ["pods"], names=["foo", "bar"])],
     [R(["v1"], ["get"], ["pods"], names=[])], False, [R(["v1"], ["get"], ["pods"])]),
    ("TestCoversNonResourceURLs", [R(None, ["*"], None, urls=["/apis"])], [R(None, ["*"], None, urls=["/apis"])],
     True, []),
    ("TestCoversNonResourceURLsStar", [R(None, ["*"], None, urls=["*"])],
     [R(None, ["*"], None, urls=["/apis", "/apis/v1", "/"])], True, []),
    ("TestCoversNonResourceURLsStarAfterPrefixDoesntCover", [R(None, ["*"], None, urls=["/apis/*"])],
     [R(None, ["get"], None, urls=["/apis", "/apis/v1"])], False, [R(None, ["get"], None, urls=["/apis"])]),
    ("TestCoversNonResourceURLsStarAfterPrefix", [R(None, ["*"], None, urls=["/apis/*"])],
     [R(None, ["get"], None, urls=["/apis/v1/foo", "/apis/v1"])], True, []),
    ("TestCoversNonResourceURLsWithOtherFields", [R(["v1"], ["get"], ["builds"], urls=["/apis"])],
     [R(["v1"], ["get"], ["builds"], urls=["/apis"])], True, []),
    ("TestCoversNonResourceURLsWithOtherFieldsFailure", [R(["v1"], ["get"], ["builds"])],
     [R(["v1"], ["get"], ["builds"], urls=["/apis"])], False, [R(None, ["get"], None, urls=["/apis"])]),
]


def _canon(rules):
    return sorted(sorted((k, tuple(v)) for k, v in r.items() if v) for r in rules)


@pytest.mark.parametrize("case,owner,servant,expected,uncovered", COVERS, ids=[c[0] for c in COVERS])
def test_covers(case, owner, servant, expected, uncovered):
    ok, missing = covers(owner, servant)
    assert ok is expected
    assert _canon(missing) == _canon(uncovered)


# upstream: policy_comparator_test.go TestNonResourceURLCovers
URL_COVERS = [("*", "", True), ("*", "/", True), ("*", "/api", True), ("/*", "", False), ("/*", "/", True),
              ("/*", "/foo", True), ("/api", "/api", True), ("/apis", "/api", False), ("/api/v1", "/api", False),
              ("/api/v1", "/api/v1", True), ("/api/*", "/api/v1", True), ("/api/*", "/api", False),
              ("/api/*/*", "/api/v1", False), ("/*/v1/*", "/api/v1", False)]


@pytest.mark.parametrize("owner,requested,want", URL_COVERS, ids=[f"{o!r} covers {r!r}" for o, r, _ in URL_COVERS])
def test_non_resource_url_covers(owner, requested, want):
    assert covers([{"verbs": ["get"], "nonResourceURLs": [owner]}],
                  [{"verbs": ["get"], "nonResourceURLs": [requested]}])[0] is want


# ---------------------------------------------------------------- escalation prevention

def _escalation_lab():
    return RBACAuthorizer(default_policy() + [
        rb("dev", "edit", "ClusterRole", "User:alice", name="alice-edit"),
        role("escalator", "dev", {"apiGroups": [RBAC], "resources": ["roles"], "verbs": ["create", "escalate"]}),
        rb("dev", "escalator", "Role", "User:carol", name="carol"),
        role("binder", "dev", {"apiGroups": [RBAC], "resources": ["clusterroles"], "verbs": ["bind"],
                               "resourceNames": ["admin"]}),
        rb("dev", "binder", "Role", "User:dave", name="dave"),
    ])


def test_granting_what_you_hold_is_allowed():
    authz = _escalation_lab()
    r = role("pod-reader", "dev", {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]})
    assert authz.check_role_write(ALICE, r) is None


def test_granting_more_than_you_hold_is_forbidden_with_upstream_message():
    authz = _escalation_lab()
    r = role("secret-admin", "dev", {"apiGroups": [""], "resources": ["secrets", "nodes"], "verbs": ["get", "list"]},
             {"apiGroups": [RBAC], "resources": ["roles"], "verbs": ["escalate"]})
    denial = authz.check_role_write(ALICE, r)
    assert denial.reason == "Forbidden"
    assert denial.message == (
        'roles.rbac.authorization.k8s.io "secret-admin" is forbidden: user "alice" '
        '(groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n'
        '{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}\n'
        '{APIGroups:["rbac.authorization.k8s.io"], Resources:["roles"], Verbs:["escalate"]}')
    assert denial.kubectl_message.startswith("Error from server (Forbidden): roles.rbac")


def test_the_escalate_verb_lifts_the_check():
    authz = _escalation_lab()
    carol = UserInfo("carol", ("system:authenticated",))
    r = role("anything", "dev", {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]})
    assert authz.check_role_write(carol, r) is None
    assert authz.check_role_write(carol, dict(r, metadata={"name": "x", "namespace": "prod"})) is not None


def test_system_masters_may_grant_anything():
    assert RBACAuthorizer().check_role_write(KUBEADM_ADMIN, cluster_role("god", ADMIN)) is None


def test_binding_a_role_you_do_not_hold_is_forbidden_unless_you_may_bind_it():
    authz = _escalation_lab()
    binding = rb("dev", "admin", "ClusterRole", "User:eve", name="eve-admin")
    denial = authz.check_binding_write(ALICE, binding)
    assert denial.reason == "Forbidden"
    assert denial.message.startswith(
        'rolebindings.rbac.authorization.k8s.io "eve-admin" is forbidden: user "alice" (groups=["system:authenticated"]) '
        'is attempting to grant RBAC permissions not currently held:\n')
    assert '{APIGroups:["rbac.authorization.k8s.io"], Resources:["roles"], Verbs:["create"' in denial.message
    dave = UserInfo("dave", ("system:authenticated",))
    assert authz.check_binding_write(dave, binding) is None  # bind on clusterroles/admin in dev
    assert authz.check_binding_write(dave, rb("dev", "cluster-admin", "ClusterRole", "User:eve")) is not None


def test_binding_what_you_hold_is_allowed():
    authz = _escalation_lab()
    assert authz.check_binding_write(ALICE, rb("dev", "view", "ClusterRole", "User:eve", name="eve-view")) is None


def test_binding_to_a_missing_role_is_not_found_for_non_admins():
    denial = _escalation_lab().check_binding_write(ALICE, rb("dev", "ghost", "ClusterRole", "User:eve"))
    assert denial.reason == "NotFound"
    assert denial.message == 'clusterroles.rbac.authorization.k8s.io "ghost" not found'


def test_aggregation_rule_needs_cluster_admin():
    # alice holds every rule of the new role (none) but not '*' on everything, nor 'escalate'
    authz = RBACAuthorizer([cluster_role("reader", POD_READER), crb("reader", "User:alice")])
    agg = {"kind": "ClusterRole", "metadata": {"name": "agg"}, "rules": [],
           "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"x": "y"}}]}}
    denial = authz.check_role_write(ALICE, agg)
    assert denial.message == ('clusterroles.rbac.authorization.k8s.io "agg" is forbidden: '
                              'must have cluster-admin privileges to use the aggregationRule')


def test_compact_string_as_in_escalation_messages():
    assert compact_string({"apiGroups": [""], "resources": ["pods"], "resourceNames": ["web"], "verbs": ["get"]}) == \
        '{APIGroups:[""], Resources:["pods"], ResourceNames:["web"], Verbs:["get"]}'


# ---------------------------------------------------------------- kubectl auth can-i / whoami output

def test_can_i_yes_and_no():
    assert format_can_i(True) == (0, "yes\n")
    assert format_can_i(False) == (1, "no\n")
    assert format_can_i(False, quiet=True) == (1, "")
    assert format_can_i(False, "r", "e") == (1, "no - r - e\n")


def test_can_i_list_for_an_authenticated_user_matches_a_fresh_cluster():
    status = RBACAuthorizer(default_policy()).rules_for(ALICE, "default")
    expected = (
        "Resources                                       Non-Resource URLs   Resource Names   Verbs\n"
        "selfsubjectreviews.authentication.k8s.io        []                  []               [create]\n"
        "selfsubjectaccessreviews.authorization.k8s.io   []                  []               [create]\n"
        "selfsubjectrulesreviews.authorization.k8s.io    []                  []               [create]\n"
        "                                                [/api/*]            []               [get]\n"
        "                                                [/api]              []               [get]\n"
        "                                                [/apis/*]           []               [get]\n"
        "                                                [/apis]             []               [get]\n"
        "                                                [/healthz]          []               [get]\n"
        "                                                [/healthz]          []               [get]\n"
        "                                                [/livez]            []               [get]\n"
        "                                                [/livez]            []               [get]\n"
        "                                                [/openapi/*]        []               [get]\n"
        "                                                [/openapi]          []               [get]\n"
        "                                                [/readyz]           []               [get]\n"
        "                                                [/readyz]           []               [get]\n"
        "                                                [/version/]         []               [get]\n"
        "                                                [/version/]         []               [get]\n"
        "                                                [/version]          []               [get]\n"
        "                                                [/version]          []               [get]\n")
    assert format_can_i_list(status) == expected


def test_can_i_list_merges_verbs_and_shows_names_and_groups():
    authz = RBACAuthorizer([
        role("r", "dev", {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
             {"apiGroups": [""], "resources": ["pods"], "verbs": ["watch", "get"]},
             {"apiGroups": ["apps"], "resources": ["deployments/scale"], "verbs": ["patch"]},
             {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["app"], "verbs": ["update"]}),
        rb("dev", "r", "Role", "User:alice")])
    assert format_can_i_list(authz.rules_for(ALICE, "dev"), no_headers=True) == (
        "pods                     []    []      [get list watch]\n"
        "deployments.apps/scale   []    []      [patch]\n"
        "configmaps               []    [app]   [update]\n")


def test_whoami_table_with_uid_and_extra():
    user = UserInfo("system:serviceaccount:ci:deployer", ("system:serviceaccounts", "system:authenticated"), "42",
                    {"authentication.kubernetes.io/pod-name": ("runner-1",)})
    assert format_whoami(user) == (
        "ATTRIBUTE                                      VALUE\n"
        "Username                                       system:serviceaccount:ci:deployer\n"
        "UID                                            42\n"
        "Groups                                         [system:serviceaccounts system:authenticated]\n"
        "Extra: authentication.kubernetes.io/pod-name   [runner-1]\n")


def test_whoami_columns_align_on_the_widest_attribute():
    user = UserInfo("u", (), "42", {"k": ("v",)})
    assert format_whoami(user) == ("ATTRIBUTE   VALUE\n"
                                   "Username    u\n"
                                   "UID         42\n"
                                   "Extra: k    [v]\n")


TABWRITER = [
    ("min width 6 and padding 3", [["a", "b"], ["ccc", "d", "e"]], "a     b\nccc   d     e\n"),
    ("a line without the column ends the block", [["x", "y"], ["only"], ["longer-cell", "z"]],
     "x     y\nonly\nlonger-cell   z\n"),
    ("empty cells still pad", [["", "b"], ["", "c"]], "      b\n      c\n"),
]


@pytest.mark.parametrize("case,rows,expected", TABWRITER, ids=[c[0] for c in TABWRITER])
def test_tabwriter_like_go(case, rows, expected):
    assert tabwrite(rows) == expected


CAN_I_WARNINGS = [
    ("cluster-scoped resource in a namespace", dict(verb="list", resource="nodes", namespaced=False),
     "Warning: resource 'nodes' is not namespace scoped\n"),
    ("cluster-scoped resource of a group", dict(verb="list", resource="storageclasses", api_group="storage.k8s.io",
                                                namespaced=False),
     "Warning: resource 'storageclasses' is not namespace scoped in group 'storage.k8s.io'\n"),
    ("unknown verb", dict(verb="fly", resource="pods"), "Warning: verb 'fly' is not a known verb\n"),
    ("unknown resource", dict(verb="get", resource="widgets", resource_known=False, namespaced=None),
     "Warning: the server doesn't have a resource type 'widgets'\n"),
    ("users are not discoverable but known", dict(verb="impersonate", resource="users", resource_known=False,
                                                  namespaced=None), ""),
    ("all namespaces skips the scope warning", dict(verb="list", resource="nodes", namespaced=False,
                                                    all_namespaces=True), ""),
    ("non-resource URL verb", dict(verb="list", non_resource_url="/logs/"),
     "Warning: verb 'list' is not a known verb\n"),
]


@pytest.mark.parametrize("case,kwargs,expected", CAN_I_WARNINGS, ids=[c[0] for c in CAN_I_WARNINGS])
def test_can_i_warnings(case, kwargs, expected):
    assert can_i_warnings(**kwargs) == expected
