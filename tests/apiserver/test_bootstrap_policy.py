"""Default RBAC policy and ClusterRole aggregation, checked with upstream's own tests."""

import copy

import pytest

from k8slab.apiserver.authn import KUBEADM_ADMIN, UserInfo, anonymous_user, service_account_user
from k8slab.apiserver.bootstrap_policy import (aggregate, cluster_role_bindings, cluster_roles, default_policy,
                                                selector_matches)
from k8slab.apiserver.rbac import RBACAuthorizer
from k8slab.apiserver.rbac_escalation import covers

READ = ["get", "list", "watch"]
READ_WRITE = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"]


def _roles():
    return {r["metadata"]["name"]: r for r in aggregate(cluster_roles())}


# ---------------------------------------------------------------- upstream TestSyncClusterRole

# upstream: pkg/controller/clusterroleaggregation/clusterroleaggregation_controller_test.go TestSyncClusterRole
HAMMER = [{"verbs": ["hammer"], "resources": ["nails"]}, {"verbs": ["hammer"], "resources": ["wedges"]}]
CHISEL = [{"verbs": ["chisel"], "resources": ["mortises"]}]
SAW = [{"verbs": ["saw"], "resources": ["boards"]}]


def crole(name, labels, rules):
    return {"kind": "ClusterRole", "metadata": {"name": name, "labels": labels}, "rules": rules}


def combined(selectors, *rules):
    return {"kind": "ClusterRole", "metadata": {"name": "combined"},
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": s} for s in selectors]},
            "rules": [r for group in rules for r in group]}


SYNC = [
    ("remove dead rules", [crole("hammer", {"foo": "bar"}, HAMMER), combined([{"foo": "bar"}], SAW)], HAMMER),
    ("strip rules", [crole("hammer", {"foo": "not-bar"}, HAMMER), combined([{"foo": "bar"}], HAMMER)], []),
    ("select properly and put in order",
     [crole("hammer", {"foo": "bar"}, HAMMER), crole("chisel", {"foo": "bar"}, CHISEL),
      crole("saw", {"foo": "not-bar"}, SAW), combined([{"foo": "bar"}])], CHISEL + HAMMER),
    ("select properly with multiple selectors",
     [crole("hammer", {"foo": "bar"}, HAMMER), crole("chisel", {"foo": "bar"}, CHISEL),
      crole("saw", {"foo": "not-bar"}, SAW), combined([{"foo": "bar"}, {"foo": "not-bar"}])],
     CHISEL + HAMMER + SAW),
    ("select properly remove duplicates",
     [crole("hammer", {"foo": "bar"}, HAMMER), crole("chisel", {"foo": "bar"}, CHISEL),
      crole("saw", {"foo": "bar"}, SAW), crole("other-saw", {"foo": "not-bar"}, SAW),
      combined([{"foo": "bar"}, {"foo": "not-bar"}])], CHISEL + HAMMER + SAW),
    ("no diff skip", [crole("hammer", {"foo": "bar"}, HAMMER), combined([{"foo": "bar"}], HAMMER)], HAMMER),
]


@pytest.mark.parametrize("case,roles,expected", SYNC, ids=[c[0] for c in SYNC])
def test_aggregation_controller_sync(case, roles, expected):
    before = copy.deepcopy(roles)
    out = {r["metadata"]["name"]: r for r in aggregate(roles)}
    assert out["combined"]["rules"] == expected
    assert roles == before  # pure: the input is untouched


def test_aggregation_chains_view_into_edit_into_admin():
    roles = _roles()
    ok, missing = covers(roles["edit"]["rules"], roles["view"]["rules"])
    assert ok, missing
    ok, missing = covers(roles["admin"]["rules"], roles["edit"]["rules"])
    assert ok, missing
    assert [len(roles[n]["rules"]) for n in ("view", "edit", "admin")] == [10, 23, 25]


def test_aggregation_picks_up_a_custom_role_labelled_aggregate_to_view():
    crd_viewer = crole("crontabs-view", {"rbac.authorization.k8s.io/aggregate-to-view": "true"},
                       [{"apiGroups": ["stable.example.com"], "resources": ["crontabs"], "verbs": READ}])
    roles = {r["metadata"]["name"]: r for r in aggregate(cluster_roles() + [crd_viewer])}
    for name in ("view", "edit", "admin"):
        assert crd_viewer["rules"][0] in roles[name]["rules"], name


SELECTORS = [
    ("empty selector selects everything", {}, {"a": "b"}, True),
    ("matchLabels must all match", {"matchLabels": {"a": "b", "c": "d"}}, {"a": "b"}, False),
    ("In", {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web", "api"]}]}, {"tier": "api"}, True),
    ("NotIn with the key missing matches", {"matchExpressions": [{"key": "t", "operator": "NotIn", "values": ["x"]}]},
     {}, True),
    ("Exists", {"matchExpressions": [{"key": "t", "operator": "Exists"}]}, {"t": ""}, True),
    ("DoesNotExist", {"matchExpressions": [{"key": "t", "operator": "DoesNotExist"}]}, {"t": ""}, False),
    ("a nil selector selects nothing", None, {}, False),
]


@pytest.mark.parametrize("case,selector,labels,expected", SELECTORS, ids=[c[0] for c in SELECTORS])
def test_label_selector(case, selector, labels, expected):
    assert selector_matches(selector, labels) is expected


# ---------------------------------------------------------------- upstream policy_test.go

# upstream: plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy_test.go additionalAdminPowers
ADDITIONAL_ADMIN_POWERS = [
    {"apiGroups": ["authorization.k8s.io"], "resources": ["localsubjectaccessreviews"], "verbs": ["create"]},
    {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings"], "verbs": READ_WRITE},
    {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles"], "verbs": READ_WRITE},
]


def test_admin_edit_relationship():
    # upstream: policy_test.go TestAdminEditRelationship (on the aggregated roles)
    roles = _roles()
    for rule in ADDITIONAL_ADMIN_POWERS:
        assert not covers(roles["edit"]["rules"], [rule])[0], f"edit has extra powers: {rule}"
    edit = roles["edit"]["rules"] + ADDITIONAL_ADMIN_POWERS
    assert covers(roles["admin"]["rules"], edit)[0]
    ok, missing = covers(edit, roles["admin"]["rules"])
    assert ok, missing


# upstream: policy_test.go viewEscalatingNamespaceResources
VIEW_ESCALATING = [{"apiGroups": [""], "resources": [r], "verbs": READ}
                   for r in ("pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy")]
# edit's read access the view role leaves out besides those: leases come with edit's read-write
# rule for coordination.k8s.io (cluster-roles.yaml), and view has no leases rule
EDIT_ONLY_READS = [{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": READ}]


def test_edit_view_relationship():
    # upstream: policy_test.go TestEditViewRelationship
    roles = _roles()
    edit_read_only = [dict(r, verbs=[v for v in r["verbs"] if v in READ]) for r in roles["edit"]["rules"]]
    for rule in VIEW_ESCALATING:
        assert not covers(roles["view"]["rules"], [rule])[0], f"view has extra powers: {rule}"
    view = roles["view"]["rules"] + VIEW_ESCALATING
    assert covers(edit_read_only, view)[0]
    ok, missing = covers(view + EDIT_ONLY_READS, edit_read_only)
    assert ok, missing


def test_every_default_object_is_labelled_and_auto_updated():
    # upstream: policy_test.go TestClusterRoleLabel (plus the autoupdate annotation of addDefaultMetadata)
    for obj in cluster_roles() + cluster_role_bindings():
        assert obj["metadata"]["labels"]["kubernetes.io/bootstrapping"] == "rbac-defaults"
        assert obj["metadata"]["annotations"] == {"rbac.authorization.kubernetes.io/autoupdate": "true"}


def test_default_role_names():
    names = {r["metadata"]["name"] for r in cluster_roles()}
    assert {"cluster-admin", "admin", "edit", "view", "system:basic-user", "system:discovery",
            "system:public-info-viewer", "system:monitoring", "system:kube-scheduler", "system:node",
            "system:node-proxier", "system:kube-controller-manager", "system:aggregate-to-admin",
            "system:aggregate-to-edit", "system:aggregate-to-view"} <= names
    assert len(names) == 31


# ---------------------------------------------------------------- what the defaults grant

AUTHZ = RBACAuthorizer(default_policy())
ALICE = UserInfo("alice", ("system:authenticated",))
GRANTS = [
    ("the kubeadm admin may delete nodes", KUBEADM_ADMIN, "delete", "nodes", "", "", True),
    ("any authenticated user may create a SelfSubjectAccessReview", ALICE, "create", "selfsubjectaccessreviews",
     "authorization.k8s.io", "", True),
    ("any authenticated user may read /version", ALICE, "get", "", "", "/version", True),
    ("anonymous may read /healthz (public-info-viewer)", anonymous_user(), "get", "", "", "/healthz", True),
    ("anonymous may not read /api (discovery is for authenticated users)", anonymous_user(), "get", "", "",
     "/api", False),
    ("an authenticated user may not list pods", ALICE, "list", "pods", "", "", False),
    ("the scheduler may bind pods", UserInfo("system:kube-scheduler", ("system:authenticated",)), "create",
     "pods/binding", "", "", True),
    ("kube-proxy may watch endpointslices", UserInfo("system:kube-proxy", ("system:authenticated",)), "watch",
     "endpointslices", "discovery.k8s.io", "", True),
    ("service accounts may read the OIDC discovery document", service_account_user("dev", "app"), "get", "", "",
     "/.well-known/openid-configuration", True),
    ("system:monitoring may read /metrics", UserInfo("prometheus", ("system:monitoring", "system:authenticated")),
     "get", "", "", "/metrics", True),
    ("a node identity gets nothing from RBAC (the Node authorizer is separate)",
     UserInfo("system:node:n1", ("system:nodes", "system:authenticated")), "get", "pods", "", "", False),
]


@pytest.mark.parametrize("case,user,verb,resource,group,path,expected", GRANTS, ids=[c[0] for c in GRANTS])
def test_default_policy_grants(case, user, verb, resource, group, path, expected):
    assert AUTHZ.can(user, verb, resource, api_group=group, path=path) is expected
