"""RBAC's vocabulary: request attributes and decisions, rule matching, and the apiserver's Forbidden texts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from .authn import UserInfo

__all__ = [
    "Attributes",
    "Decision",
    "Denial",
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
]

# upstream: staging/src/k8s.io/api/rbac/v1/types.go
VERB_ALL, API_GROUP_ALL, RESOURCE_ALL, NON_RESOURCE_ALL = "*", "*", "*", "*"


# ---------------------------------------------------------------- Go formatting helpers

def go_quote(s: str) -> str:
    """Go's ``%q`` of a string (what upstream messages use to quote names).

    Examples
    --------
    >>> go_quote('pods')
    '"pods"'
    >>> go_quote('a"b')
    '"a\\\\"b"'
    """
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_list(items: Iterable[str], quote: bool = False) -> str:
    """Go's ``%v`` (or ``%q`` with ``quote=True``) of a ``[]string``.

    Examples
    --------
    >>> go_list(["get", "list"])
    '[get list]'
    >>> go_list(["system:authenticated"], quote=True)
    '["system:authenticated"]'
    """
    return "[" + " ".join(go_quote(i) if quote else i for i in items) + "]"


def _aggregate(errors: Sequence[str]) -> str:
    """``utilerrors.NewAggregate(errs).Error()``: one message, or ``[a, b]`` deduplicated."""
    seen: list[str] = []
    for e in errors:
        if e not in seen:
            seen.append(e)
    if len(seen) == 1:
        return seen[0]
    return "[" + ", ".join(seen) + "]"


# ---------------------------------------------------------------- request attributes and decisions

@dataclass(frozen=True, slots=True)
class Attributes:
    """What the authorizer is asked (upstream ``authorizer.AttributesRecord``).

    A resource request names ``resource`` (plural, lower case) and optionally ``api_group``,
    ``subresource``, ``name`` and ``namespace``; a non-resource request names a ``path`` such as
    ``/healthz``. ``resource_request`` defaults to "no path given".

    Examples
    --------
    >>> a = Attributes(UserInfo("alice"), "list", namespace="dev", resource="pods")
    >>> a.is_resource_request
    True
    >>> Attributes(UserInfo("alice"), "get", path="/healthz").is_resource_request
    False
    """

    user: UserInfo
    verb: str
    namespace: str = ""
    api_group: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    path: str = ""
    resource_request: bool | None = None

    @property
    def is_resource_request(self) -> bool:
        if self.resource_request is not None:
            return self.resource_request
        return not self.path


@dataclass(frozen=True, slots=True)
class Decision:
    """An authorization answer: ``allowed`` and upstream's reason string.

    ``authorizer`` says which authorizer of the chain decided: ``"Privileged"`` (the
    ``system:masters`` group authorizer, which gives no reason) or ``"RBAC"``.
    """

    allowed: bool
    reason: str = ""
    authorizer: str = "RBAC"

    def __bool__(self):
        return self.allowed


@dataclass(frozen=True, slots=True)
class Denial:
    """A write refused by the RBAC registry: API status ``reason`` and the apiserver's message."""

    reason: str
    message: str

    @property
    def kubectl_message(self) -> str:
        return f"Error from server ({self.reason}): {self.message}"


def forbidden_message(attrs: Attributes) -> str:
    """The text kube-apiserver writes for a denied request (upstream ``forbiddenMessage``).

    upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go

    Examples
    --------
    >>> forbidden_message(Attributes(UserInfo("alice"), "list", "dev", "", "pods"))
    'User "alice" cannot list resource "pods" in API group "" in the namespace "dev"'
    >>> forbidden_message(Attributes(UserInfo("alice"), "get", path="/metrics"))
    'User "alice" cannot get path "/metrics"'
    """
    username = go_quote(attrs.user.name if attrs.user is not None else "")
    if not attrs.is_resource_request:
        return f"User {username} cannot {attrs.verb} path {go_quote(attrs.path)}"
    resource = attrs.resource
    if attrs.subresource:
        resource = resource + "/" + attrs.subresource
    if attrs.namespace:
        return (f"User {username} cannot {attrs.verb} resource {go_quote(resource)} in API group "
                f"{go_quote(attrs.api_group)} in the namespace {go_quote(attrs.namespace)}")
    return (f"User {username} cannot {attrs.verb} resource {go_quote(resource)} in API group "
            f"{go_quote(attrs.api_group)} at the cluster scope")


_SANITIZE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def forbidden_error(attrs: Attributes, reason: str = "") -> str:
    """The whole Forbidden status message (``apierrors.NewForbidden`` around `forbidden_message`).

    kubectl prints it after ``Error from server (Forbidden): ``. The authorizer's reason, when
    there is one (for example a binding to a missing role), follows a colon.

    Examples
    --------
    >>> forbidden_error(Attributes(UserInfo("alice"), "list", "dev", "", "pods"))
    'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "dev"'
    >>> forbidden_error(Attributes(UserInfo("bob"), "get", "", "apps", "deployments", "scale", "web"))
    'deployments.apps "web" is forbidden: User "bob" cannot get resource "deployments/scale" in API group "apps" at the cluster scope'
    """
    msg = forbidden_message(attrs).translate(_SANITIZE)
    err = f"{msg}: {reason}" if reason else msg
    group_resource = attrs.resource + ("." + attrs.api_group if attrs.api_group else "")
    if not attrs.api_group and not attrs.resource:
        return f"forbidden: {err}"
    if not attrs.name:
        return f"{group_resource} is forbidden: {err}"
    return f"{group_resource} {go_quote(attrs.name)} is forbidden: {err}"


# ---------------------------------------------------------------- rule matching

class _Rule:
    """A PolicyRule compiled once for matching; keeps the original dict for output."""

    __slots__ = ("verbs", "api_groups", "resources", "resource_names", "urls", "url_prefixes", "obj")

    def __init__(self, rule: Mapping):
        self.obj = rule
        self.verbs = frozenset(rule.get("verbs") or ())
        self.api_groups = frozenset(rule.get("apiGroups") or ())
        self.resources = frozenset(rule.get("resources") or ())
        self.resource_names = frozenset(rule.get("resourceNames") or ())
        self.urls = frozenset(rule.get("nonResourceURLs") or ())
        self.url_prefixes = tuple(u.rstrip("*") for u in (rule.get("nonResourceURLs") or ())
                                  if u.endswith("*"))

    def allows(self, a: Attributes) -> bool:
        # upstream: plugin/pkg/auth/authorizer/rbac/rbac.go RuleAllows
        verbs = self.verbs
        if VERB_ALL not in verbs and a.verb not in verbs:
            return False
        if a.is_resource_request:
            groups = self.api_groups
            if API_GROUP_ALL not in groups and a.api_group not in groups:
                return False
            resources = self.resources
            sub = a.subresource
            combined = a.resource + "/" + sub if sub else a.resource
            if not (RESOURCE_ALL in resources or combined in resources
                    or (sub and "*/" + sub in resources)):
                return False
            return not self.resource_names or a.name in self.resource_names
        url = a.path
        if NON_RESOURCE_ALL in self.urls or url in self.urls:
            return True
        return any(url.startswith(p) for p in self.url_prefixes)


def _as_rule(rule) -> _Rule:
    return rule if isinstance(rule, _Rule) else _Rule(rule)


def verb_matches(rule: Mapping, verb: str) -> bool:
    """upstream: pkg/apis/rbac/v1/evaluation_helpers.go VerbMatches (``*`` or exact).

    Examples
    --------
    >>> verb_matches({"verbs": ["get", "list"]}, "list"), verb_matches({"verbs": ["*"]}, "escalate")
    (True, True)
    """
    verbs = rule.get("verbs") or ()
    return VERB_ALL in verbs or verb in verbs


def api_group_matches(rule: Mapping, group: str) -> bool:
    """upstream: evaluation_helpers.go APIGroupMatches (``*`` or exact; core group is ``""``).

    Examples
    --------
    >>> api_group_matches({"apiGroups": [""]}, ""), api_group_matches({"apiGroups": [""]}, "apps")
    (True, False)
    """
    groups = rule.get("apiGroups") or ()
    return API_GROUP_ALL in groups or group in groups


def resource_matches(rule: Mapping, combined_resource: str, subresource: str) -> bool:
    """upstream: evaluation_helpers.go ResourceMatches (``*``, ``pods/log``, ``*/scale``).

    Examples
    --------
    >>> resource_matches({"resources": ["*/scale"]}, "deployments/scale", "scale")
    True
    >>> resource_matches({"resources": ["pods"]}, "pods/log", "log")
    False
    """
    for r in rule.get("resources") or ():
        if r == RESOURCE_ALL or r == combined_resource:
            return True
        if not subresource:
            continue
        if len(r) == len(subresource) + 2 and r.startswith("*/") and r.endswith(subresource):
            return True
    return False


def resource_name_matches(rule: Mapping, name: str) -> bool:
    """upstream: evaluation_helpers.go ResourceNameMatches (no names in the rule = any name).

    Examples
    --------
    >>> resource_name_matches({}, "web"), resource_name_matches({"resourceNames": ["db"]}, "web")
    (True, False)
    """
    names = rule.get("resourceNames") or ()
    return not names or name in names


def non_resource_url_matches(rule: Mapping, url: str) -> bool:
    """upstream: evaluation_helpers.go NonResourceURLMatches (``*``, exact, or trailing ``*`` prefix).

    Examples
    --------
    >>> non_resource_url_matches({"nonResourceURLs": ["/apis/*"]}, "/apis/apps")
    True
    >>> non_resource_url_matches({"nonResourceURLs": ["/apis/*"]}, "/apis")
    False
    """
    for u in rule.get("nonResourceURLs") or ():
        if u == NON_RESOURCE_ALL or u == url:
            return True
        if u.endswith("*") and url.startswith(u.rstrip("*")):
            return True
    return False


def rule_allows(attrs: Attributes, rule: Mapping) -> bool:
    """Whether one PolicyRule allows the request (upstream ``RuleAllows``).

    Examples
    --------
    >>> rule = {"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get"]}
    >>> rule_allows(Attributes(UserInfo("a"), "get", "dev", "", "pods", "log"), rule)
    True
    >>> rule_allows(Attributes(UserInfo("a"), "get", "dev", "", "pods", "exec"), rule)
    False
    """
    return _as_rule(rule).allows(attrs)
