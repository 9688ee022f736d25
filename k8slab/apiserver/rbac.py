"""The RBAC authorizer as kube-apiserver runs it: rule matching, bindings indexed by subject, denials, escalation checks."""

from __future__ import annotations

from typing import Iterable, Iterator, Mapping, Sequence

from .authn import ALL_AUTHENTICATED, SYSTEM_PRIVILEGED_GROUP, UserInfo, make_username, service_account_user
from .rbac_rules import (Attributes, Decision, Denial, _aggregate, _Rule, api_group_matches, forbidden_error,
                         forbidden_message, go_list, go_quote, non_resource_url_matches, resource_matches,
                         resource_name_matches, rule_allows, verb_matches)

__all__ = [
    "Attributes",
    "Decision",
    "Denial",
    "RBACAuthorizer",
    "verb_matches",
    "api_group_matches",
    "resource_matches",
    "resource_name_matches",
    "non_resource_url_matches",
    "rule_allows",
    "forbidden_message",
    "forbidden_error",
    "go_quote",
    "go_list",
    "parse_resource_verb",
]

RBAC_GROUP = "rbac.authorization.k8s.io"


# ---------------------------------------------------------------- subjects and sources

def _describe_subject(s: Mapping, binding_namespace: str) -> str:
    # upstream: pkg/registry/rbac/validation/rule.go describeSubject
    kind, name = s.get("kind", ""), s.get("name", "")
    if kind == "ServiceAccount":
        return f"{kind} {go_quote(name + '/' + (s.get('namespace') or binding_namespace))}"
    return f"{kind} {go_quote(name)}"


def _describe_source(binding: Mapping, subject: Mapping) -> str:
    # upstream: rule.go clusterRoleBindingDescriber / roleBindingDescriber
    meta, ref = binding.get("metadata", {}), binding.get("roleRef", {})
    if binding.get("kind") == "ClusterRoleBinding":
        return (f"ClusterRoleBinding {go_quote(meta.get('name', ''))} of {ref.get('kind', '')} "
                f"{go_quote(ref.get('name', ''))} to {_describe_subject(subject, '')}")
    ns = meta.get("namespace", "")
    return (f"RoleBinding {go_quote(meta.get('name', '') + '/' + ns)} of {ref.get('kind', '')} "
            f"{go_quote(ref.get('name', ''))} to {_describe_subject(subject, ns)}")


def _applies_to(user: UserInfo, subjects: Sequence[Mapping], namespace: str) -> Mapping | None:
    """The first subject of a binding that matches the user (upstream ``appliesTo``), or None."""
    for s in subjects:
        kind = s.get("kind")
        if kind == "User":
            if user.name == s.get("name"):
                return s
        elif kind == "Group":
            if s.get("name") in user.groups:
                return s
        elif kind == "ServiceAccount":
            sa_namespace = s.get("namespace") or namespace
            if sa_namespace and user.name == make_username(sa_namespace, s.get("name", "")):
                return s
    return None


def _subject_keys(binding: Mapping) -> set[tuple[str, str]]:
    """Index keys of a binding's subjects: (User, name), (Group, name), (SA, username)."""
    ns = binding.get("metadata", {}).get("namespace", "") if binding.get("kind") == "RoleBinding" else ""
    keys = set()
    for s in binding.get("subjects") or ():
        kind, name = s.get("kind"), s.get("name", "")
        if kind in ("User", "Group"):
            keys.add((kind, name))
        elif kind == "ServiceAccount":
            sa_ns = s.get("namespace") or ns
            if sa_ns:  # a ClusterRoleBinding to a ServiceAccount without namespace matches nobody
                keys.add(("SA", make_username(sa_ns, name)))
    return keys


def _user_keys(user: UserInfo) -> list[tuple[str, str]]:
    return [("User", user.name), ("SA", user.name)] + [("Group", g) for g in user.groups]


def parse_resource_verb(spec) -> tuple[str, str, str, str, str]:
    """``"get pods/log"`` -> (verb, api_group, resource, subresource, path).

    Accepts ``"VERB RESOURCE[.GROUP][/SUBRESOURCE]"``, ``"VERB /non-resource/path"`` or a tuple
    ``(verb, resource)`` / ``(verb, resource, api_group)``.

    Examples
    --------
    >>> parse_resource_verb("create deployments.apps")
    ('create', 'apps', 'deployments', '', '')
    >>> parse_resource_verb("get pods/log")
    ('get', '', 'pods', 'log', '')
    >>> parse_resource_verb("get /metrics")
    ('get', '', '', '', '/metrics')
    """
    if isinstance(spec, str):
        verb, _, target = spec.strip().partition(" ")
        target = target.strip()
        group = ""
    else:
        verb, target = spec[0], spec[1]
        group = spec[2] if len(spec) > 2 else None
    if target.startswith("/"):
        return verb, "", "", "", target
    resource, _, sub = target.partition("/")
    if group is None or isinstance(spec, str):
        resource, _, group = resource.partition(".")
    return verb, group, resource, sub, ""


# ---------------------------------------------------------------- the authorizer

_WATCHED_KINDS = ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")


class RBACAuthorizer:
    """Roles and bindings held in memory, indexed by subject, answering like kube-apiserver.

    Faithful to upstream ``plugin/pkg/auth/authorizer/rbac/rbac.go`` and
    ``pkg/registry/rbac/validation/rule.go``: ClusterRoleBindings are visited first, then the
    RoleBindings of the request's namespace; a RoleBinding may reference a ClusterRole (its rules
    then apply in that namespace only); a binding whose role is missing grants nothing and its
    error becomes the denial reason. Ahead of RBAC sits the privileged-group authorizer: members of
    ``system:masters`` are allowed everything. Bindings are visited in name order (upstream's
    informer order is unspecified; the lab fixes it so reasons are deterministic).

    Feed it objects with `add` / `update` / `remove`, or with `on_event` from a watch.

    Examples
    --------
    >>> authz = RBACAuthorizer()
    >>> authz.add({"kind": "Role", "metadata": {"name": "pod-reader", "namespace": "dev"},
    ...            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]})
    >>> authz.add({"kind": "RoleBinding", "metadata": {"name": "read-pods", "namespace": "dev"},
    ...            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
    ...            "subjects": [{"kind": "User", "name": "alice"}]})
    >>> alice = UserInfo("alice", ("system:authenticated",))
    >>> authz.authorize(Attributes(alice, "list", "dev", "", "pods")).reason
    'RBAC: allowed by RoleBinding "read-pods/dev" of Role "pod-reader" to User "alice"'
    >>> authz.can(alice, "list", "pods", namespace="prod")
    False
    """

    def __init__(self, objects: Iterable[Mapping] = (), privileged_groups: Sequence[str] = (SYSTEM_PRIVILEGED_GROUP,)):
        self.privileged_groups = tuple(privileged_groups)
        self._roles: dict[tuple[str, str], tuple[Mapping, tuple[_Rule, ...]]] = {}
        self._cluster_roles: dict[str, tuple[Mapping, tuple[_Rule, ...]]] = {}
        self._crbs: dict[str, Mapping] = {}
        self._rbs: dict[tuple[str, str], Mapping] = {}
        self._crb_index: dict[tuple[str, str], set[str]] = {}
        self._rb_index: dict[tuple[str, tuple[str, str]], set[str]] = {}
        #: (user name, groups, namespace, plural) -> the rules visited, dropped on every change of the policy
        self._visits: dict[tuple, list] = {}
        for obj in objects:
            self.add(obj)

    def copy(self) -> "RBACAuthorizer":
        """An independent authorizer holding the same objects (compiled rules are shared: they never change)."""
        other = RBACAuthorizer(privileged_groups=self.privileged_groups)
        other._roles, other._cluster_roles = dict(self._roles), dict(self._cluster_roles)
        other._crbs, other._rbs = dict(self._crbs), dict(self._rbs)
        other._crb_index = {k: set(v) for k, v in self._crb_index.items()}
        other._rb_index = {k: set(v) for k, v in self._rb_index.items()}
        return other

    def __repr__(self):
        return (f"<RBACAuthorizer {len(self._cluster_roles)} clusterroles, {len(self._roles)} roles, "
                f"{len(self._crbs)} clusterrolebindings, {len(self._rbs)} rolebindings>")

    # ---- keeping objects
    def add(self, obj: Mapping) -> None:
        """Add or replace a Role, ClusterRole, RoleBinding or ClusterRoleBinding (dict form)."""
        self._visits.clear()
        kind, meta = obj.get("kind"), obj.get("metadata", {})
        name, ns = meta.get("name", ""), meta.get("namespace", "")
        if kind not in _WATCHED_KINDS:
            raise ValueError(f"RBACAuthorizer keeps {', '.join(_WATCHED_KINDS)}, not {kind!r}")
        self.remove(kind, name, ns)
        if kind == "Role":
            self._roles[(ns, name)] = (obj, tuple(_Rule(r) for r in obj.get("rules") or ()))
        elif kind == "ClusterRole":
            self._cluster_roles[name] = (obj, tuple(_Rule(r) for r in obj.get("rules") or ()))
        elif kind == "ClusterRoleBinding":
            self._crbs[name] = obj
            for key in _subject_keys(obj):
                self._crb_index.setdefault(key, set()).add(name)
        else:
            self._rbs[(ns, name)] = obj
            for key in _subject_keys(obj):
                self._rb_index.setdefault((ns, key), set()).add(name)

    update = add

    def remove(self, kind: str, name: str, namespace: str = "") -> None:
        """Forget an object; unknown objects are ignored."""
        self._visits.clear()
        if kind == "Role":
            self._roles.pop((namespace, name), None)
        elif kind == "ClusterRole":
            self._cluster_roles.pop(name, None)
        elif kind == "ClusterRoleBinding":
            old = self._crbs.pop(name, None)
            for key in _subject_keys(old) if old else ():
                self._crb_index.get(key, set()).discard(name)
        elif kind == "RoleBinding":
            old = self._rbs.pop((namespace, name), None)
            for key in _subject_keys(old) if old else ():
                self._rb_index.get((namespace, key), set()).discard(name)

    def on_event(self, kind: str, type: str, obj: Mapping) -> None:
        """Apply a watch event (``ADDED`` / ``MODIFIED`` / ``DELETED``); other kinds are ignored."""
        if kind not in _WATCHED_KINDS:
            return
        if type == "DELETED":
            meta = obj.get("metadata", {})
            self.remove(kind, meta.get("name", ""), meta.get("namespace", ""))
        else:
            self.add(dict(obj, kind=kind))

    def get(self, kind: str, name: str, namespace: str = "") -> Mapping | None:
        """The stored object, or None."""
        if kind == "Role":
            return (self._roles.get((namespace, name)) or (None,))[0]
        if kind == "ClusterRole":
            return (self._cluster_roles.get(name) or (None,))[0]
        if kind == "ClusterRoleBinding":
            return self._crbs.get(name)
        if kind == "RoleBinding":
            return self._rbs.get((namespace, name))
        return None

    def objects(self, kind: str) -> list[Mapping]:
        """All stored objects of a kind, sorted by namespace and name."""
        if kind == "Role":
            return [v[0] for _, v in sorted(self._roles.items())]
        if kind == "ClusterRole":
            return [v[0] for _, v in sorted(self._cluster_roles.items())]
        if kind == "ClusterRoleBinding":
            return [v for _, v in sorted(self._crbs.items())]
        return [v for _, v in sorted(self._rbs.items())]

    # ---- resolving rules
    def _role_ref_rules(self, ref: Mapping, namespace: str, plural: bool = False):
        """upstream: rule.go GetRoleReferenceRules -> (rules, error message)."""
        kind, name = ref.get("kind"), ref.get("name", "")
        if kind == "Role":
            hit = self._roles.get((namespace, name))
            resource = "roles" if plural else "role"
        elif kind == "ClusterRole":
            hit = self._cluster_roles.get(name)
            resource = "clusterroles" if plural else "clusterrole"
        else:
            return (), f"unsupported role reference kind: {go_quote(kind or '')}"
        if hit is None:
            # the authorizer reads listers (singular resource); the registry reads storage (plural)
            return (), f"{resource}.{RBAC_GROUP} {go_quote(name)} not found"
        return hit[1], None

    def visit_rules_for(self, user: UserInfo, namespace: str, plural: bool = False
                        ) -> Iterator[tuple[Mapping | None, Mapping | None, _Rule | None, str | None]]:
        """Yield (binding, subject, rule, error) in upstream's order (``VisitRulesFor``).

        The list for a (user, namespace) is kept until the policy changes: repeated checks by the same
        identity (a kubectl session, can-i, a who-can matrix) do not walk the bindings again.
        """
        key = (user.name, user.groups, namespace, plural)
        visited = self._visits.get(key)
        if visited is None:
            visited = list(self._visit(user, namespace, plural))
            if len(self._visits) >= 4096:
                self._visits.clear()
            self._visits[key] = visited
        return iter(visited)

    def _visit(self, user: UserInfo, namespace: str, plural: bool = False):
        keys = _user_keys(user)
        names: set[str] = set()
        for key in keys:
            names |= self._crb_index.get(key, set())
        for name in sorted(names):
            binding = self._crbs[name]
            subject = _applies_to(user, binding.get("subjects") or (), "")
            if subject is None:
                continue
            rules, err = self._role_ref_rules(binding.get("roleRef", {}), "", plural)
            if err:
                yield None, None, None, err
                continue
            for rule in rules:
                yield binding, subject, rule, None
        if not namespace:
            return
        names = set()
        for key in keys:
            names |= self._rb_index.get((namespace, key), set())
        for name in sorted(names):
            binding = self._rbs[(namespace, name)]
            subject = _applies_to(user, binding.get("subjects") or (), namespace)
            if subject is None:
                continue
            rules, err = self._role_ref_rules(binding.get("roleRef", {}), namespace, plural)
            if err:
                yield None, None, None, err
                continue
            for rule in rules:
                yield binding, subject, rule, None

    def authorize(self, attrs: Attributes) -> Decision:
        """Decide a request: privileged group first, then RBAC (upstream ``RBACAuthorizer.Authorize``)."""
        # upstream: authorizerfactory.NewPrivilegedGroups(user.SystemPrivilegedGroup), first in the union
        for g in attrs.user.groups:
            if g in self.privileged_groups:
                return Decision(True, "", "Privileged")
        errors = []
        for binding, subject, rule, err in self.visit_rules_for(attrs.user, attrs.namespace):
            if rule is not None and rule.allows(attrs):
                return Decision(True, "RBAC: allowed by " + _describe_source(binding, subject))
            if err:
                errors.append(err)
        return Decision(False, "RBAC: " + _aggregate(errors) if errors else "")

    def can(self, user: UserInfo, verb: str, resource: str = "", namespace: str = "",
            api_group: str = "", subresource: str = "", name: str = "", path: str = "") -> bool:
        """Shorthand for ``authorize(Attributes(...)).allowed``."""
        return self.authorize(Attributes(user, verb, namespace, api_group, resource, subresource,
                                         name, path)).allowed

    def rules_for(self, user: UserInfo, namespace: str = "") -> dict:
        """What ``user`` may do in ``namespace``: a SubjectRulesReview status (camelCase dict).

        upstream: ``RBACAuthorizer.RulesFor`` as served by SelfSubjectRulesReview, which is what
        ``kubectl auth can-i --list`` prints. Resolution errors go to ``evaluationError``;
        ``incomplete`` stays false as RBAC reports it.
        """
        resource_rules, non_resource_rules, errors = [], [], []
        for _, _, rule, err in self.visit_rules_for(user, namespace):
            if err:
                errors.append(err)
                continue
            r = rule.obj
            if r.get("resources"):
                out = {"verbs": list(r.get("verbs") or ())}
                for key in ("apiGroups", "resources", "resourceNames"):
                    if r.get(key):
                        out[key] = list(r[key])
                resource_rules.append(out)
            if r.get("nonResourceURLs"):
                non_resource_rules.append({"verbs": list(r.get("verbs") or ()),
                                           "nonResourceURLs": list(r["nonResourceURLs"])})
        status = {"resourceRules": resource_rules, "nonResourceRules": non_resource_rules,
                  "incomplete": False}
        if errors:
            status["evaluationError"] = _aggregate(errors)
        return status

    def who_can_matrix(self, subjects: Sequence, resource_verbs: Sequence, namespace: str = ""):
        """A boolean matrix subjects x resource-verbs, for a heatmap.

        ``subjects`` are `UserInfo` objects or RBAC subject dicts (a ``User`` is taken as an
        authenticated user, a ``Group`` as a member with no other group, a ``ServiceAccount`` with
        its upstream groups); ``resource_verbs`` are strings such as ``"get pods"``,
        ``"create deployments.apps"``, ``"get pods/log"`` or ``"get /healthz"`` (see
        `parse_resource_verb`).

        Examples
        --------
        >>> authz = RBACAuthorizer()
        >>> m = authz.who_can_matrix([UserInfo("root", ("system:masters",)), UserInfo("nobody")],
        ...                          ["get pods", "delete nodes"], namespace="dev")
        >>> m.tolist()
        [[True, True], [False, False]]
        """
        import numpy as np

        users = [_subject_user(s) for s in subjects]
        specs = [parse_resource_verb(rv) for rv in resource_verbs]
        out = np.zeros((len(users), len(specs)), dtype=bool)
        for i, user in enumerate(users):
            if any(g in self.privileged_groups for g in user.groups):
                out[i, :] = True
                continue
            rules = [r for _, _, r, _ in self.visit_rules_for(user, namespace) if r is not None]
            for j, (verb, group, resource, sub, path) in enumerate(specs):
                a = Attributes(user, verb, namespace, group, resource, sub, "", path,
                               resource_request=not path)
                out[i, j] = any(r.allows(a) for r in rules)
        return out

    # ---- escalation prevention (pkg/registry/rbac/*/policybased/storage.go), in rbac_escalation
    def confirm_no_escalation(self, user: UserInfo, namespace: str, rules: Sequence[Mapping]) -> str | None:
        """None if ``user`` already holds every rule, else upstream's message (see `rbac_escalation`)."""
        from .rbac_escalation import confirm_no_escalation

        return confirm_no_escalation(self, user, namespace, rules)

    def check_role_write(self, user: UserInfo, obj: Mapping, old: Mapping | None = None) -> Denial | None:
        """Escalation check on writing a Role or ClusterRole; None when allowed (see `rbac_escalation`)."""
        from .rbac_escalation import check_role_write

        return check_role_write(self, user, obj, old)

    def check_binding_write(self, user: UserInfo, obj: Mapping) -> Denial | None:
        """Escalation check on writing a RoleBinding or ClusterRoleBinding; None when allowed."""
        from .rbac_escalation import check_binding_write

        return check_binding_write(self, user, obj)



def _subject_user(s) -> UserInfo:
    if isinstance(s, UserInfo):
        return s
    kind, name = s.get("kind"), s.get("name", "")
    if kind == "Group":
        return UserInfo("", (name,))
    if kind == "ServiceAccount":
        return service_account_user(s.get("namespace", ""), name)
    return UserInfo(name, (ALL_AUTHENTICATED,))
