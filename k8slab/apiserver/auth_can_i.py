"""What ``kubectl auth can-i`` and ``kubectl auth whoami`` print, from authorizer answers."""

from __future__ import annotations

from typing import Mapping, Sequence

from .authn import UserInfo
from .rbac import go_list

__all__ = [
    "tabwrite",
    "format_can_i",
    "format_can_i_list",
    "format_whoami",
    "can_i_warnings",
    "kubectl_breakdown_rule",
    "kubectl_compact_rules",
    "policy_rule_string",
    "combine_resource_group",
    "RESOURCE_VERBS",
    "NON_RESOURCE_URL_VERBS",
    "CAN_I_ARGS_ERROR",
    "CAN_I_LIST_ARGS_ERROR",
    "CAN_I_LIST_FLAGS_ERROR",
    "WHOAMI_FORBIDDEN_ERROR",
]

# upstream: staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go
RESOURCE_VERBS = frozenset({"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection",
                            "use", "bind", "impersonate", "*", "approve", "sign", "escalate", "attest"})
NON_RESOURCE_URL_VERBS = frozenset({"get", "put", "post", "head", "options", "delete", "patch", "*"})
CAN_I_ARGS_ERROR = ("you must specify two arguments: verb resource or verb resource/resourceName.\n"
                    "See 'kubectl auth can-i -h' for help and examples.")
CAN_I_LIST_ARGS_ERROR = "list option must be specified with no arguments"
CAN_I_LIST_FLAGS_ERROR = "list option can't be specified with neither quiet, all-namespaces nor subresource options"
# upstream: staging/src/k8s.io/kubectl/pkg/cmd/auth/whoami.go
WHOAMI_FORBIDDEN_ERROR = "the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it"


def tabwrite(rows: Sequence[Sequence[str]], minwidth: int = 6, padding: int = 3) -> str:
    """Align tab-separated cells as kubectl's tab writer does (Go text/tabwriter).

    kubectl uses ``printers.GetNewTabWriter``: minwidth 6, padding 3, space padding. Every cell
    but the last of a line is padded to its column's width; the last is written as is.

    Examples
    --------
    >>> print(tabwrite([["ATTRIBUTE", "VALUE"], ["Username", "alice"]]), end="")
    ATTRIBUTE   VALUE
    Username    alice
    """
    lines = [[str(c) for c in row] for row in rows]
    out: list[str] = []
    widths: list[int] = []

    def write_lines(a: int, b: int):
        for line in lines[a:b]:
            parts = []
            for j, cell in enumerate(line):
                parts.append(cell + " " * (widths[j] - len(cell)) if j < len(widths) else cell)
            out.append("".join(parts) + "\n")

    def fmt(line0: int, line1: int):
        # upstream: Go text/tabwriter (*Writer).format — column blocks of consecutive lines
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            write_lines(line0, this)
            line0 = this
            width = minwidth
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            widths.append(width)
            fmt(line0, this)
            widths.pop()
            line0 = this
        write_lines(line0, line1)

    fmt(0, len(lines))
    return "".join(out)


def format_can_i(allowed: bool, reason: str = "", evaluation_error: str = "",
                 quiet: bool = False) -> tuple[int, str]:
    """Exit code and stdout of ``kubectl auth can-i VERB RESOURCE``.

    upstream: cani.go RunAccessCheck — ``yes`` (rc 0), or ``no`` followed by `` - reason`` and
    `` - evaluationError`` when the review has them (rc 1); ``--quiet`` prints nothing.

    Examples
    --------
    >>> format_can_i(True)
    (0, 'yes\\n')
    >>> format_can_i(False, 'RBAC: role.rbac.authorization.k8s.io "dev" not found')
    (1, 'no - RBAC: role.rbac.authorization.k8s.io "dev" not found\\n')
    """
    rc = 0 if allowed else 1
    if quiet:
        return rc, ""
    if allowed:
        return rc, "yes\n"
    text = "no"
    if reason:
        text += f" - {reason}"
    if evaluation_error:
        text += f" - {evaluation_error}"
    return rc, text + "\n"


def kubectl_breakdown_rule(rule: Mapping) -> list[dict]:
    """kubectl's BreakdownRule: one group, resource, verb (and name) per rule.

    upstream: staging/src/k8s.io/kubectl/pkg/util/rbac/rbac.go (same as the apiserver's).

    Examples
    --------
    >>> kubectl_breakdown_rule({"verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez"]})
    [{'verbs': ['get'], 'nonResourceURLs': ['/healthz']}, {'verbs': ['get'], 'nonResourceURLs': ['/livez']}]
    """
    out = []
    names = rule.get("resourceNames") or ()
    for g in rule.get("apiGroups") or ():
        for r in rule.get("resources") or ():
            for v in rule.get("verbs") or ():
                base = {"verbs": [v], "apiGroups": [g], "resources": [r]}
                out += [dict(base, resourceNames=[n]) for n in names] if names else [base]
    for u in rule.get("nonResourceURLs") or ():
        for v in rule.get("verbs") or ():
            out.append({"verbs": [v], "nonResourceURLs": [u]})
    return out


def kubectl_compact_rules(rules: Sequence[Mapping]) -> list[dict]:
    """kubectl's CompactRules: merge rules of one group, resource (and at most one name) by verb.

    upstream: kubectl/pkg/util/rbac/rbac.go; verbs are not repeated (kubernetes PR #91264).

    Examples
    --------
    >>> kubectl_compact_rules([{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]},
    ...                        {"verbs": ["list"], "apiGroups": [""], "resources": ["pods"]},
    ...                        {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}])
    [{'verbs': ['get', 'list'], 'apiGroups': [''], 'resources': ['pods']}]
    """
    compacted, simple = [], {}
    for r in rules:
        names = r.get("resourceNames") or ()
        if (len(names) <= 1 and not r.get("nonResourceURLs") and len(r.get("apiGroups") or ()) == 1
                and len(r.get("resources") or ()) == 1):
            key = (r["apiGroups"][0], r["resources"][0], bool(names), names[0] if names else "")
            if key in simple:
                verbs = simple[key]["verbs"]
                verbs += [v for v in r.get("verbs") or () if v not in verbs]
            else:
                simple[key] = {k: list(v) for k, v in r.items()}
                simple[key].setdefault("verbs", [])
        else:
            compacted.append(dict(r))
    return compacted + list(simple.values())


def policy_rule_string(rule: Mapping) -> str:
    """``PolicyRule.String()`` from k8s.io/api (kubectl sorts ``--list`` rows by it).

    Examples
    --------
    >>> policy_rule_string({"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]})
    '&PolicyRule{Verbs:[get],APIGroups:[],Resources:[pods],ResourceNames:[],NonResourceURLs:[],}'
    """
    return ("&PolicyRule{"
            f"Verbs:{go_list(rule.get('verbs') or ())},"
            f"APIGroups:{go_list(rule.get('apiGroups') or ())},"
            f"Resources:{go_list(rule.get('resources') or ())},"
            f"ResourceNames:{go_list(rule.get('resourceNames') or ())},"
            f"NonResourceURLs:{go_list(rule.get('nonResourceURLs') or ())},"
            "}")


def combine_resource_group(resources: Sequence[str], groups: Sequence[str]) -> str:
    """``resource.group/subresource`` as the first column of ``can-i --list`` shows it.

    upstream: staging/src/k8s.io/kubectl/pkg/describe/describe.go CombineResourceGroup

    Examples
    --------
    >>> combine_resource_group(["deployments/scale"], ["apps"])
    'deployments.apps/scale'
    >>> combine_resource_group(["pods"], [""])
    'pods'
    """
    if not resources:
        return ""
    resource, _, sub = resources[0].partition("/")
    combined = resource
    if groups and groups[0] != "":
        combined += "." + groups[0]
    if "/" in resources[0]:
        combined += "/" + sub
    return combined


def format_can_i_list(status: Mapping, no_headers: bool = False) -> str:
    """The table of ``kubectl auth can-i --list`` from a SubjectRulesReview status.

    upstream: cani.go printStatus — rules broken down, compacted, sorted by their ``String()``
    (so by verbs first), then printed with the tab writer.

    Examples
    --------
    >>> status = {"resourceRules": [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]}],
    ...           "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}]}
    >>> print(format_can_i_list(status), end="")
    Resources   Non-Resource URLs   Resource Names   Verbs
    pods        []                  []               [get list]
                [/healthz]          []               [get]
    """
    rules = []
    for r in status.get("resourceRules") or ():
        rules.append({"verbs": list(r.get("verbs") or ()), "apiGroups": list(r.get("apiGroups") or ()),
                      "resources": list(r.get("resources") or ()),
                      "resourceNames": list(r.get("resourceNames") or ())})
    for r in status.get("nonResourceRules") or ():
        rules.append({"verbs": list(r.get("verbs") or ()), "nonResourceURLs": list(r.get("nonResourceURLs") or ())})
    broken = [sub for rule in rules for sub in kubectl_breakdown_rule(rule)]
    compact = sorted(kubectl_compact_rules(broken), key=policy_rule_string)
    rows = [] if no_headers else [["Resources", "Non-Resource URLs", "Resource Names", "Verbs"]]
    for r in compact:
        rows.append([combine_resource_group(r.get("resources") or (), r.get("apiGroups") or ()),
                     go_list(r.get("nonResourceURLs") or ()), go_list(r.get("resourceNames") or ()),
                     go_list(r.get("verbs") or ())])
    return tabwrite(rows)


def format_whoami(user: UserInfo) -> str:
    """The table of ``kubectl auth whoami`` (upstream whoami.go printTableSelfSubjectAccessReview).

    Examples
    --------
    >>> print(format_whoami(UserInfo("kubernetes-admin", ("system:masters", "system:authenticated"))), end="")
    ATTRIBUTE   VALUE
    Username    kubernetes-admin
    Groups      [system:masters system:authenticated]
    """
    rows = [["ATTRIBUTE", "VALUE"]]
    if user.name:
        rows.append(["Username", user.name])
    if user.uid:
        rows.append(["UID", user.uid])
    if user.groups:
        rows.append(["Groups", go_list(user.groups)])
    for key in sorted(user.extra):
        rows.append([f"Extra: {key}", go_list(user.extra[key])])
    return tabwrite(rows)


def can_i_warnings(verb: str, resource: str = "", api_group: str = "", *, non_resource_url: str = "",
                   resource_known: bool = True, namespaced: bool | None = True,
                   all_namespaces: bool = False) -> str:
    """The ``Warning:`` lines ``kubectl auth can-i`` writes to stderr before asking.

    upstream: cani.go resourceFor (unknown type, except ``users``/``groups``) and Validate
    (cluster-scoped resource checked in a namespace, unknown verb).

    Examples
    --------
    >>> print(can_i_warnings("get", "nodes", namespaced=False), end="")
    Warning: resource 'nodes' is not namespace scoped
    >>> print(can_i_warnings("fly", "pods"), end="")
    Warning: verb 'fly' is not a known verb
    """
    out = []
    if non_resource_url:
        if verb not in NON_RESOURCE_URL_VERBS:
            out.append(f"verb '{verb}' is not a known verb")
        return "".join(f"Warning: {w}\n" for w in out)
    group_resource = resource + ("." + api_group if api_group else "")
    if not resource_known and resource != "*" and group_resource not in ("users", "groups"):
        out.append(f"the server doesn't have a resource type '{resource}'" if not api_group else
                   f"the server doesn't have a resource type '{resource}' in group '{api_group}'")
    if resource and not all_namespaces:
        if resource_known and namespaced is False and resource != "*":
            out.append(f"resource '{resource}' is not namespace scoped" if not api_group else
                       f"resource '{resource}' is not namespace scoped in group '{api_group}'")
        if verb not in RESOURCE_VERBS:
            out.append(f"verb '{verb}' is not a known verb")
    return "".join(f"Warning: {w}\n" for w in out)
