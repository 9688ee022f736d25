"""RBAC escalation prevention: what a writer of Roles and bindings must already hold (Covers, ConfirmNoEscalation)."""

from __future__ import annotations

from typing import Mapping, Sequence

from .authn import SYSTEM_PRIVILEGED_GROUP, UserInfo
from .rbac import RBAC_GROUP, RBACAuthorizer
from .rbac_rules import API_GROUP_ALL, RESOURCE_ALL, VERB_ALL, Attributes, Denial, _aggregate, go_list, go_quote

__all__ = [
    "escalation_allowed",
    "confirm_no_escalation",
    "check_role_write",
    "check_binding_write",
    "breakdown_rule",
    "covers",
    "compact_rules",
    "compact_string",
]


def escalation_allowed(user: UserInfo) -> bool:
    """``system:masters`` may grant anything (upstream ``rbacregistry.EscalationAllowed``).

    Examples
    --------
    >>> escalation_allowed(UserInfo("kubernetes-admin", ("system:masters",)))
    True
    """
    return SYSTEM_PRIVILEGED_GROUP in user.groups


_FULL_AUTHORITY = ({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                   {"nonResourceURLs": ["*"], "verbs": ["*"]})


# ---------------------------------------------------------------- ConfirmNoEscalation and the registry checks

def confirm_no_escalation(authz: RBACAuthorizer, user: UserInfo, namespace: str, rules: Sequence[Mapping]) -> str | None:
    """None if ``user`` already holds every rule, else upstream's ConfirmNoEscalation message.

    upstream: pkg/registry/rbac/validation/rule.go ``ConfirmNoEscalation``.
    """
    owner, errors = [], []
    for _, _, rule, err in authz.visit_rules_for(user, namespace, plural=True):
        if err:
            errors.append(err)
        else:
            owner.append(rule.obj)
    ok, missing = covers(owner, rules)
    if ok:
        return None
    descriptions = sorted({compact_string(r) for r in compact_rules(missing)})
    msg = (f"user {go_quote(user.name)} (groups={go_list(user.groups, quote=True)}) is attempting "
           f"to grant RBAC permissions not currently held:\n" + "\n".join(descriptions))
    if errors:
        msg += f"; resolution errors: [{_aggregate(errors)}]"
    return msg


def check_role_write(authz: RBACAuthorizer, user: UserInfo, obj: Mapping, old: Mapping | None = None) -> Denial | None:
    """Escalation check on creating/updating a Role or ClusterRole; None when allowed.

    upstream: pkg/registry/rbac/role/policybased/storage.go and clusterrole/policybased —
    ``system:masters`` or the ``escalate`` verb on the role skip the check; otherwise the
    writer must hold every rule; an ``aggregationRule`` needs full authority.
    """
    kind, meta = obj.get("kind"), obj.get("metadata", {})
    resource = "roles" if kind == "Role" else "clusterroles"
    ns = meta.get("namespace", "") if kind == "Role" else ""
    name = meta.get("name", "")
    if escalation_allowed(user) or authz.authorize(Attributes(
            user, "escalate", ns, RBAC_GROUP, resource, "", name, resource_request=True)).allowed:
        return None
    forbidden = f"{resource}.{RBAC_GROUP} {go_quote(name)} is forbidden: "
    err = confirm_no_escalation(authz, user, ns, obj.get("rules") or ())
    if err:
        return Denial("Forbidden", forbidden + err)
    if kind == "ClusterRole" and (obj.get("aggregationRule") or (old or {}).get("aggregationRule")):
        if confirm_no_escalation(authz, user, "", _FULL_AUTHORITY):
            return Denial("Forbidden", forbidden + "must have cluster-admin privileges to use the aggregationRule")
    return None


def check_binding_write(authz: RBACAuthorizer, user: UserInfo, obj: Mapping) -> Denial | None:
    """Escalation check on creating/updating a RoleBinding or ClusterRoleBinding; None when allowed.

    upstream: pkg/registry/rbac/rolebinding/policybased/storage.go and clusterrolebinding —
    ``system:masters`` or the ``bind`` verb on the referenced role skip the check; otherwise
    the referenced role must exist and the writer must hold all of its rules.
    """
    kind, meta = obj.get("kind"), obj.get("metadata", {})
    ns = meta.get("namespace", "") if kind == "RoleBinding" else ""
    ref = obj.get("roleRef", {})
    if escalation_allowed(user):
        return None
    # upstream: pkg/registry/rbac/escalation_check.go BindingAuthorized
    ref_resource = {"ClusterRole": "clusterroles", "Role": "roles"}.get(ref.get("kind"))
    if ref_resource and authz.authorize(Attributes(
            user, "bind", ns, ref.get("apiGroup", ""), ref_resource, "", ref.get("name", ""),
            resource_request=True)).allowed:
        return None
    rules, err = authz._role_ref_rules(ref, ns, plural=True)
    if err:
        return Denial("NotFound" if err.endswith("not found") else "InternalError", err)
    resource = "rolebindings" if kind == "RoleBinding" else "clusterrolebindings"
    err = confirm_no_escalation(authz, user, ns, [r.obj for r in rules])
    if err:
        return Denial("Forbidden", f"{resource}.{RBAC_GROUP} {go_quote(meta.get('name', ''))} is forbidden: {err}")
    return None


# ---------------------------------------------------------------- Covers (escalation comparison)

def breakdown_rule(rule: Mapping) -> list[dict]:
    """Split a rule into rules of one group, resource, verb (and name); URLs pair with verbs.

    upstream: staging/src/k8s.io/component-helpers/auth/rbac/validation/policy_comparator.go

    Examples
    --------
    >>> breakdown_rule({"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]})
    [{'apiGroups': [''], 'resources': ['pods'], 'verbs': ['get']}, {'apiGroups': [''], 'resources': ['pods'], 'verbs': ['list']}]
    """
    out = []
    names = rule.get("resourceNames") or ()
    for g in rule.get("apiGroups") or ():
        for r in rule.get("resources") or ():
            for v in rule.get("verbs") or ():
                if names:
                    out += [{"apiGroups": [g], "resources": [r], "verbs": [v], "resourceNames": [n]} for n in names]
                else:
                    out.append({"apiGroups": [g], "resources": [r], "verbs": [v]})
    for u in rule.get("nonResourceURLs") or ():
        for v in rule.get("verbs") or ():
            out.append({"nonResourceURLs": [u], "verbs": [v]})
    return out


def _resource_covers_all(owned: Sequence[str], wanted: Sequence[str]) -> bool:
    if RESOURCE_ALL in owned or all(w in owned for w in wanted):
        return True
    for path in wanted:
        if path in owned:
            continue
        if "/" not in path:
            return False
        if "*/" + path.split("/", 1)[1] not in owned:
            return False
    return True


def _url_covers(owner: str, sub: str) -> bool:
    return owner == sub or (owner.endswith("*") and sub.startswith(owner.rstrip("*")))


def _rule_covers(owner: Mapping, sub: Mapping) -> bool:
    # upstream: policy_comparator.go ruleCovers
    ov, og = owner.get("verbs") or (), owner.get("apiGroups") or ()
    verbs = VERB_ALL in ov or all(v in ov for v in sub.get("verbs") or ())
    groups = API_GROUP_ALL in og or all(g in og for g in sub.get("apiGroups") or ())
    resources = _resource_covers_all(owner.get("resources") or (), sub.get("resources") or ())
    urls = all(any(_url_covers(o, p) for o in owner.get("nonResourceURLs") or ())
               for p in sub.get("nonResourceURLs") or ())
    on, sn = owner.get("resourceNames") or (), sub.get("resourceNames") or ()
    names = not on if not sn else (not on or all(n in on for n in sn))
    return verbs and groups and resources and names and urls


def covers(owner_rules: Sequence[Mapping], servant_rules: Sequence[Mapping]) -> tuple[bool, list[dict]]:
    """Whether ``owner_rules`` allow everything ``servant_rules`` do, and the uncovered pieces.

    upstream: policy_comparator.go ``Covers``.

    Examples
    --------
    >>> covers([{"apiGroups": ["v1"], "verbs": ["get"], "resources": ["*/scale"]}],
    ...        [{"apiGroups": ["v1"], "verbs": ["get"], "resources": ["foo/scale"]}])
    (True, [])
    """
    missing = []
    for servant in servant_rules:
        for sub in breakdown_rule(servant):
            if not any(_rule_covers(o, sub) for o in owner_rules):
                missing.append(sub)
    return not missing, missing


def compact_rules(rules: Sequence[Mapping]) -> list[dict]:
    """Merge rules of one group and one resource that differ only by verb (registry's CompactRules).

    upstream: pkg/registry/rbac/validation/policy_compact.go (simple rules keep first-seen order).

    Examples
    --------
    >>> compact_rules([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]},
    ...                {"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}])
    [{'apiGroups': [''], 'resources': ['pods'], 'verbs': ['get', 'list']}]
    """
    compacted, simple = [], {}
    for r in rules:
        is_simple = (not r.get("resourceNames") and not r.get("nonResourceURLs")
                     and len(r.get("apiGroups") or ()) == 1 and len(r.get("resources") or ()) == 1)
        if is_simple:
            key = (r["apiGroups"][0], r["resources"][0])
            if key in simple:
                simple[key]["verbs"] += list(r.get("verbs") or ())
            else:
                simple[key] = {"apiGroups": list(r["apiGroups"]), "resources": list(r["resources"]),
                               "verbs": list(r.get("verbs") or ())}
        else:
            compacted.append(dict(r))
    return compacted + list(simple.values())


def compact_string(rule: Mapping) -> str:
    """upstream: evaluation_helpers.go ``CompactString`` (as in escalation messages).

    Examples
    --------
    >>> compact_string({"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]})
    '{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}'
    """
    parts = []
    for key, label in (("apiGroups", "APIGroups"), ("resources", "Resources"),
                       ("nonResourceURLs", "NonResourceURLs"), ("resourceNames", "ResourceNames"),
                       ("verbs", "Verbs")):
        if rule.get(key):
            parts.append(f"{label}:{go_list(rule[key], quote=True)}")
    return "{" + ", ".join(parts) + "}"
