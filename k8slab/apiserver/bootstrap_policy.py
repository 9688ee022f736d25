"""The default ClusterRoles and ClusterRoleBindings of kube-apiserver, and ClusterRole aggregation."""

from __future__ import annotations

import copy
from typing import Iterable, Mapping, Sequence

__all__ = [
    "cluster_roles",
    "cluster_role_bindings",
    "default_policy",
    "aggregate",
    "selector_matches",
    "AUTOUPDATE_ANNOTATION",
    "BOOTSTRAP_LABEL",
]

# upstream: plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go, transcribed from its golden
# file testdata/cluster-roles.yaml (commit 025f2834). Rules are as RuleOrDie leaves them: sorted.
# Roles that exist only behind alpha/beta feature gates (cluster-roles-featuregates.yaml) are left out.
AUTOUPDATE_ANNOTATION = "rbac.authorization.kubernetes.io/autoupdate"
BOOTSTRAP_LABEL = {"kubernetes.io/bootstrapping": "rbac-defaults"}
_API = "rbac.authorization.k8s.io/v1"
_READ = ["get", "list", "watch"]
_WRITE = ["create", "delete", "deletecollection", "patch", "update"]
_RW = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
_EVENTS = {"apiGroups": ["", "events.k8s.io"], "resources": ["events"], "verbs": ["create", "patch", "update"]}


def _r(groups: str, resources: str, verbs: Sequence[str] | str, names: str = "") -> dict:
    """A resource rule from space-separated lists ('-' is the core group "")."""
    rule = {"apiGroups": ["" if g == "-" else g for g in groups.split()],
            "resources": resources.split(),
            "verbs": list(verbs.split() if isinstance(verbs, str) else verbs)}
    if names:
        rule["resourceNames"] = names.split()
    return rule


def _u(urls: str, verbs: str = "get") -> dict:
    return {"nonResourceURLs": urls.split(), "verbs": verbs.split()}


def _agg(to: str) -> dict:
    return {"clusterRoleSelectors": [{"matchLabels": {f"rbac.authorization.k8s.io/aggregate-to-{to}": "true"}}]}


_ROLES: list[tuple[str, dict, list | None, dict | None]] = [
    # name, extra labels, rules, aggregationRule
    ("admin", {}, None, _agg("admin")),
    ("cluster-admin", {}, [_r("*", "*", "*"), _u("*", "*")], None),
    ("edit", {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}, None, _agg("edit")),
    ("system:aggregate-to-admin", {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}, [
        _r("authorization.k8s.io", "localsubjectaccessreviews", "create"),
        _r("rbac.authorization.k8s.io", "rolebindings roles", _RW),
    ], None),
    ("system:aggregate-to-edit", {"rbac.authorization.k8s.io/aggregate-to-edit": "true"}, [
        _r("-", "pods/attach pods/exec pods/portforward pods/proxy secrets services/proxy", _READ),
        _r("-", "serviceaccounts", "impersonate"),
        _r("-", "pods pods/attach pods/exec pods/portforward pods/proxy", _WRITE),
        _r("-", "pods/eviction", "create"),
        _r("-", "configmaps events persistentvolumeclaims replicationcontrollers replicationcontrollers/scale "
                "secrets serviceaccounts services services/proxy", _WRITE),
        _r("-", "serviceaccounts/token", "create"),
        _r("apps", "daemonsets deployments deployments/rollback deployments/scale replicasets "
                   "replicasets/scale statefulsets statefulsets/scale", _WRITE),
        _r("autoscaling", "horizontalpodautoscalers", _WRITE),
        _r("batch", "cronjobs jobs", _WRITE),
        _r("extensions", "daemonsets deployments deployments/rollback deployments/scale ingresses "
                         "networkpolicies replicasets replicasets/scale replicationcontrollers/scale", _WRITE),
        _r("policy", "poddisruptionbudgets", _WRITE),
        _r("networking.k8s.io", "ingresses networkpolicies", _WRITE),
        _r("coordination.k8s.io", "leases", _RW),
    ], None),
    ("system:aggregate-to-view", {"rbac.authorization.k8s.io/aggregate-to-view": "true"}, [
        _r("-", "configmaps endpoints persistentvolumeclaims persistentvolumeclaims/status pods "
                "replicationcontrollers replicationcontrollers/scale serviceaccounts services services/status", _READ),
        _r("-", "bindings events limitranges namespaces/status pods/log pods/status "
                "replicationcontrollers/status resourcequotas resourcequotas/status", _READ),
        _r("-", "namespaces", _READ),
        _r("discovery.k8s.io", "endpointslices", _READ),
        _r("apps", "controllerrevisions daemonsets daemonsets/status deployments deployments/scale "
                   "deployments/status replicasets replicasets/scale replicasets/status statefulsets "
                   "statefulsets/scale statefulsets/status", _READ),
        _r("autoscaling", "horizontalpodautoscalers horizontalpodautoscalers/status", _READ),
        _r("batch", "cronjobs cronjobs/status jobs jobs/status", _READ),
        _r("extensions", "daemonsets daemonsets/status deployments deployments/scale deployments/status "
                         "ingresses ingresses/status networkpolicies replicasets replicasets/scale "
                         "replicasets/status replicationcontrollers/scale", _READ),
        _r("policy", "poddisruptionbudgets poddisruptionbudgets/status", _READ),
        _r("networking.k8s.io", "ingresses ingresses/status networkpolicies", _READ),
    ], None),
    ("system:auth-delegator", {}, [
        _r("authentication.k8s.io", "tokenreviews", "create"),
        _r("authorization.k8s.io", "subjectaccessreviews", "create"),
    ], None),
    ("system:basic-user", {}, [
        _r("authorization.k8s.io", "selfsubjectaccessreviews selfsubjectrulesreviews", "create"),
        _r("authentication.k8s.io", "selfsubjectreviews", "create"),
    ], None),
    ("system:certificates.k8s.io:certificatesigningrequests:nodeclient", {}, [
        _r("certificates.k8s.io", "certificatesigningrequests/nodeclient", "create")], None),
    ("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", {}, [
        _r("certificates.k8s.io", "certificatesigningrequests/selfnodeclient", "create")], None),
    ("system:certificates.k8s.io:kube-apiserver-client-approver", {}, [
        _r("certificates.k8s.io", "signers", "approve", "kubernetes.io/kube-apiserver-client")], None),
    ("system:certificates.k8s.io:kube-apiserver-client-kubelet-approver", {}, [
        _r("certificates.k8s.io", "signers", "approve", "kubernetes.io/kube-apiserver-client-kubelet")], None),
    ("system:certificates.k8s.io:kubelet-serving-approver", {}, [
        _r("certificates.k8s.io", "signers", "approve", "kubernetes.io/kubelet-serving")], None),
    ("system:certificates.k8s.io:legacy-unknown-approver", {}, [
        _r("certificates.k8s.io", "signers", "approve", "kubernetes.io/legacy-unknown")], None),
    ("system:discovery", {}, [
        _u("/api /api/* /apis /apis/* /healthz /livez /openapi /openapi/* /readyz /version /version/")], None),
    ("system:heapster", {}, [
        _r("-", "events namespaces nodes pods", _READ),
        _r("extensions", "deployments", _READ)], None),
    ("system:kube-aggregator", {}, [_r("-", "endpoints services", _READ)], None),
    ("system:kube-controller-manager", {}, [
        _EVENTS,
        _r("coordination.k8s.io", "leases", "create"),
        _r("coordination.k8s.io", "leases", "get update", "kube-controller-manager"),
        _r("-", "secrets serviceaccounts", "create"),
        _r("-", "secrets", "delete"),
        _r("-", "configmaps namespaces secrets serviceaccounts", "get"),
        _r("-", "secrets serviceaccounts", "update"),
        _r("authentication.k8s.io", "tokenreviews", "create"),
        _r("authorization.k8s.io", "subjectaccessreviews", "create"),
        _r("*", "*", "list watch"),
        _r("-", "serviceaccounts/token", "create"),
    ], None),
    ("system:kube-dns", {}, [_r("-", "endpoints services", "list watch")], None),
    ("system:kube-scheduler", {}, [
        _EVENTS,
        _r("coordination.k8s.io", "leases", "create"),
        _r("coordination.k8s.io", "leases", "get update", "kube-scheduler"),
        _r("-", "nodes", _READ),
        _r("-", "pods", "delete get list watch"),
        _r("-", "bindings pods/binding", "create"),
        _r("-", "pods/status", "patch update"),
        _r("-", "replicationcontrollers services", _READ),
        _r("apps extensions", "replicasets", _READ),
        _r("apps", "statefulsets", _READ),
        _r("policy", "poddisruptionbudgets", _READ),
        _r("-", "persistentvolumeclaims persistentvolumes", _READ),
        _r("authentication.k8s.io", "tokenreviews", "create"),
        _r("authorization.k8s.io", "subjectaccessreviews", "create"),
        _r("storage.k8s.io", "csinodes", _READ),
        _r("-", "namespaces", _READ),
        _r("storage.k8s.io", "csidrivers", _READ),
        _r("storage.k8s.io", "csistoragecapacities", _READ),
    ], None),
    ("system:kubelet-api-admin", {}, [
        _r("-", "nodes", _READ),
        _r("-", "nodes", "proxy"),
        _r("-", "nodes/log nodes/metrics nodes/proxy nodes/stats", "*"),
    ], None),
    ("system:monitoring", {}, [
        _u("/healthz /healthz/* /livez /livez/* /metrics /metrics/slis /readyz /readyz/*")], None),
    ("system:node", {}, [
        _r("authentication.k8s.io", "tokenreviews", "create"),
        _r("authorization.k8s.io", "localsubjectaccessreviews subjectaccessreviews", "create"),
        _r("-", "services", _READ),
        _r("-", "nodes", "create get list watch"),
        _r("-", "nodes/status", "patch update"),
        _r("-", "nodes", "patch update"),
        _r("-", "events", "create patch update"),
        _r("-", "pods", _READ),
        _r("-", "pods", "create delete"),
        _r("-", "pods/status", "patch update"),
        _r("-", "pods/eviction", "create"),
        _r("-", "configmaps secrets", _READ),
        _r("-", "persistentvolumeclaims persistentvolumes", "get"),
        _r("-", "endpoints", "get"),
        _r("certificates.k8s.io", "certificatesigningrequests", "create get list watch"),
        _r("coordination.k8s.io", "leases", "create delete get patch update"),
        _r("storage.k8s.io", "volumeattachments", "get"),
        _r("-", "serviceaccounts/token", "create"),
        _r("-", "persistentvolumeclaims/status", "get patch update"),
        _r("storage.k8s.io", "csidrivers", _READ),
        _r("storage.k8s.io", "csinodes", "create delete get patch update"),
        _r("node.k8s.io", "runtimeclasses", _READ),
    ], None),
    ("system:node-bootstrapper", {}, [
        _r("certificates.k8s.io", "certificatesigningrequests", "create get list watch")], None),
    ("system:node-problem-detector", {}, [
        _r("-", "nodes", "get"), _r("-", "nodes/status", "patch"), _EVENTS], None),
    ("system:node-proxier", {}, [
        _r("-", "endpoints services", "list watch"),
        _r("-", "nodes", _READ),
        _EVENTS,
        _r("discovery.k8s.io", "endpointslices", "list watch"),
    ], None),
    ("system:persistent-volume-provisioner", {}, [
        _r("-", "persistentvolumes", "create delete get list watch"),
        _r("-", "persistentvolumeclaims", "get list update watch"),
        _r("storage.k8s.io", "storageclasses", _READ),
        _r("-", "events", "watch"),
        _EVENTS,
    ], None),
    ("system:public-info-viewer", {}, [_u("/healthz /livez /readyz /version /version/")], None),
    ("system:service-account-issuer-discovery", {}, [
        _u("/.well-known/openid-configuration /openid/v1/jwks")], None),
    ("system:volume-scheduler", {}, [
        _r("-", "persistentvolumes", "get list patch update watch"),
        _r("storage.k8s.io", "storageclasses", _READ),
        _r("-", "persistentvolumeclaims", "get list patch update watch"),
    ], None),
    ("view", {"rbac.authorization.k8s.io/aggregate-to-edit": "true"}, None, _agg("view")),
]

# upstream: policy.go ClusterRoleBindings() (system:discovery and system:basic-user bind only
# system:authenticated since 1.14; system:node keeps no subjects — the Node authorizer replaced it)
_BINDINGS: list[tuple[str, list[tuple[str, str]]]] = [
    ("cluster-admin", [("Group", "system:masters")]),
    ("system:monitoring", [("Group", "system:monitoring")]),
    ("system:discovery", [("Group", "system:authenticated")]),
    ("system:basic-user", [("Group", "system:authenticated")]),
    ("system:public-info-viewer", [("Group", "system:authenticated"), ("Group", "system:unauthenticated")]),
    ("system:node-proxier", [("User", "system:kube-proxy")]),
    ("system:kube-controller-manager", [("User", "system:kube-controller-manager")]),
    ("system:kube-dns", [("ServiceAccount", "kube-system/kube-dns")]),
    ("system:kube-scheduler", [("User", "system:kube-scheduler")]),
    ("system:volume-scheduler", [("User", "system:kube-scheduler")]),
    ("system:node", []),
    ("system:service-account-issuer-discovery", [("Group", "system:serviceaccounts")]),
]


def _meta(name: str, labels: Mapping[str, str]) -> dict:
    return {"name": name, "labels": {**BOOTSTRAP_LABEL, **labels},
            "annotations": {AUTOUPDATE_ANNOTATION: "true"}}


def cluster_roles() -> list[dict]:
    """The default ClusterRoles, as created by kube-apiserver (before aggregation).

    ``admin``, ``edit`` and ``view`` start with no rules and an ``aggregationRule``; `aggregate`
    fills them from ``system:aggregate-to-*`` (and ``view`` into ``edit``, ``edit`` into ``admin``).

    Examples
    --------
    >>> roles = {r["metadata"]["name"]: r for r in cluster_roles()}
    >>> roles["cluster-admin"]["rules"]
    [{'apiGroups': ['*'], 'resources': ['*'], 'verbs': ['*']}, {'nonResourceURLs': ['*'], 'verbs': ['*']}]
    >>> roles["view"]["aggregationRule"]
    {'clusterRoleSelectors': [{'matchLabels': {'rbac.authorization.k8s.io/aggregate-to-view': 'true'}}]}
    """
    out = []
    for name, labels, rules, agg in _ROLES:
        role = {"apiVersion": _API, "kind": "ClusterRole", "metadata": _meta(name, labels)}
        if agg is not None:
            role["aggregationRule"] = copy.deepcopy(agg)
        role["rules"] = copy.deepcopy(rules) if rules is not None else []
        out.append(role)
    return out


def cluster_role_bindings() -> list[dict]:
    """The default ClusterRoleBindings (each binds the ClusterRole of the same name).

    Examples
    --------
    >>> crb = cluster_role_bindings()[0]
    >>> crb["metadata"]["name"], crb["roleRef"]["name"], crb["subjects"]
    ('cluster-admin', 'cluster-admin', [{'apiGroup': 'rbac.authorization.k8s.io', 'kind': 'Group', 'name': 'system:masters'}])
    """
    out = []
    for name, subjects in _BINDINGS:
        subs = []
        for kind, subject in subjects:
            if kind == "ServiceAccount":
                ns, sa = subject.split("/")
                subs.append({"kind": "ServiceAccount", "name": sa, "namespace": ns})
            else:
                subs.append({"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": subject})
        binding = {"apiVersion": _API, "kind": "ClusterRoleBinding", "metadata": _meta(name, {}),
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name}}
        if subs:
            binding["subjects"] = subs
        out.append(binding)
    return out


def default_policy() -> list[dict]:
    """Aggregated default ClusterRoles followed by the default ClusterRoleBindings.

    Examples
    --------
    >>> from k8slab.apiserver.rbac import RBACAuthorizer
    >>> from k8slab.apiserver.authn import UserInfo
    >>> authz = RBACAuthorizer(default_policy())
    >>> authz.can(UserInfo("alice", ("system:authenticated",)), "get", path="/healthz")
    True
    """
    return aggregate(cluster_roles()) + cluster_role_bindings()


def selector_matches(selector: Mapping | None, labels: Mapping[str, str]) -> bool:
    """Whether a metav1.LabelSelector matches ``labels`` (``LabelSelectorAsSelector`` semantics).

    An empty selector matches everything; ``None`` matches nothing; ``matchExpressions`` support
    ``In``, ``NotIn``, ``Exists``, ``DoesNotExist``.

    Examples
    --------
    >>> selector_matches({"matchLabels": {"team": "a"}}, {"team": "a", "x": "y"})
    True
    >>> selector_matches({"matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["a"]}]}, {})
    True
    """
    if selector is None:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or ():
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or ()
        if op == "In" and not (key in labels and labels[key] in values):
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def _aggregate_one(role: Mapping, roles: Sequence[Mapping]) -> list[dict]:
    # upstream: pkg/controller/clusterroleaggregation/clusterroleaggregation_controller.go syncClusterRole
    new_rules: list[dict] = []
    normalized: list[dict] = []
    for selector in role["aggregationRule"].get("clusterRoleSelectors") or ():
        matched = sorted((r for r in roles if selector_matches(selector, r.get("metadata", {}).get("labels") or {})),
                         key=lambda r: r["metadata"]["name"])
        for other in matched:
            if other["metadata"]["name"] == role["metadata"]["name"]:
                continue
            for rule in other.get("rules") or ():
                norm = _normalize(rule)
                if norm not in normalized:  # ruleExists with equality.Semantic (nil == empty)
                    normalized.append(norm)
                    new_rules.append(copy.deepcopy(dict(rule)))
    return new_rules


def _normalize(rule: Mapping) -> dict:
    return {k: list(v) for k, v in rule.items() if v}


def aggregate(roles: Iterable[Mapping]) -> list[dict]:
    """What the clusterrole-aggregation controller makes of a set of ClusterRoles.

    Each ClusterRole with an ``aggregationRule`` gets, as its rules, the rules of every other
    ClusterRole its selectors match — selectors in order, matched roles by name, duplicates
    dropped. The controller re-syncs after every change, so this repeats until nothing changes
    (``view`` flows into ``edit`` and then into ``admin``). Input is not modified.

    Examples
    --------
    >>> roles = aggregate(cluster_roles())
    >>> admin = next(r for r in roles if r["metadata"]["name"] == "admin")
    >>> any("pods/log" in r.get("resources", []) for r in admin["rules"])
    True
    """
    roles = [copy.deepcopy(dict(r)) for r in roles]
    for _ in range(len(roles) + 1):
        changed = False
        for role in roles:
            if role.get("aggregationRule") is None:
                continue
            new_rules = _aggregate_one(role, roles)
            if [_normalize(r) for r in new_rules] != [_normalize(r) for r in role.get("rules") or ()]:
                role["rules"] = new_rules
                changed = True
        if not changed:
            break
    return roles
