"""kubectl auth can-i / whoami, and the identity every kubectl command acts as (``--as``, ``--as-group``)."""

from __future__ import annotations

from contextlib import contextmanager

from k8slab.api.resources import resolve_resource
from k8slab.apiserver.auth_can_i import (CAN_I_ARGS_ERROR, CAN_I_LIST_ARGS_ERROR, CAN_I_LIST_FLAGS_ERROR,
                                         WHOAMI_FORBIDDEN_ERROR, can_i_warnings, format_can_i, format_can_i_list,
                                         format_whoami)
from k8slab.apiserver.rbac import Attributes, forbidden_error
from k8slab.errors import Forbidden
from k8slab.kubectl import KubectlResult, command

__all__ = ["Session", "auth", "can_i", "whoami"]


class Session:
    """One kubectl invocation: the identity its requests carry and the server warnings it prints.

    kubectl sends every request of a command with the same credentials (the kubeconfig user, or the
    ``--as`` impersonation headers); the apiserver's ``Warning:`` headers go to stderr, each once.
    """

    def __init__(self, lab):
        self.lab = lab
        self.api = getattr(lab, "api", None)
        self._seen = len(getattr(self.api, "warnings", ()))

    @contextmanager
    def acting_as(self, args):
        identity_for = getattr(self.lab, "identity_for", None)
        if identity_for is None or self.api is None:
            yield None
            return
        user = identity_for(args.get("as"), args.get("as-group") or [])
        previous, self.api.caller = self.api.caller, user
        try:
            yield user
        finally:
            self.api.caller = previous

    def with_warnings(self, result: KubectlResult) -> KubectlResult:
        warnings = list(getattr(self.api, "warnings", ()))[self._seen:]
        if not warnings:
            return result
        lines = "".join(f"Warning: {w}\n" for w in dict.fromkeys(warnings))  # client-go deduplicates
        return KubectlResult(result.rc, result.stdout, lines + result.stderr)


def _identity(lab):
    caller = getattr(lab.api, "caller", None)
    if caller is not None:
        return caller
    return lab.identity_for(None, []) if hasattr(lab, "identity_for") else None


def _require(lab, user, resource: str, group: str = "authorization.k8s.io") -> None:
    """The review APIs need ``create`` on themselves (granted to system:authenticated by system:basic-user)."""
    access = getattr(lab, "access", None)
    if access is None or user is None:
        return
    attrs = Attributes(user, "create", "", group, resource, resource_request=True)
    decision = access.authorizer.authorize(attrs)
    if not decision.allowed:
        raise Forbidden(forbidden_error(attrs, decision.reason))


@command("auth")
def auth(lab, args, stdin=None) -> KubectlResult:
    words = args.words[1:]
    if not words:
        return KubectlResult(1, "", "error: you must specify a subcommand: can-i, reconcile or whoami\n")
    if words[0] == "can-i":
        return can_i(lab, args, words[1:])
    if words[0] == "whoami":
        return whoami(lab, args)
    if words[0] == "reconcile":
        from k8slab.kubectl.commands import not_simulated

        return not_simulated("auth reconcile", "apply the Roles and bindings with kubectl apply -f")
    return KubectlResult(1, "", f'error: unknown command "{words[0]}" for "kubectl auth"\n')


def can_i(lab, args, words: list[str]) -> KubectlResult:
    """``kubectl auth can-i VERB RESOURCE[/NAME] | VERB /URL``, ``--list``, ``-n``, ``-A``, ``--subresource``, ``-q``.

    upstream: staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go (a SelfSubjectAccessReview, or a
    SelfSubjectRulesReview for ``--list``, answered by the lab's authorizer).
    """
    user = _identity(lab)
    all_ns = args.has("all-namespaces")
    namespace = "" if all_ns else (args.get("namespace") or getattr(lab, "namespace", "default"))
    sub = args.get("subresource") or ""
    quiet = args.has("quiet")
    if args.has("list"):
        if words:
            return KubectlResult(1, "", f"error: {CAN_I_LIST_ARGS_ERROR}\n")
        if quiet or all_ns or sub:
            return KubectlResult(1, "", f"error: {CAN_I_LIST_FLAGS_ERROR}\n")
        _require(lab, user, "selfsubjectrulesreviews")
        status = lab.access.authorizer.rules_for(user, namespace)
        out = format_can_i_list(status, no_headers=args.has("no-headers"))
        err = f"error: {status['evaluationError']}\n" if status.get("evaluationError") else ""
        return KubectlResult(0, out, err)
    if len(words) != 2:
        return KubectlResult(1, "", f"error: {CAN_I_ARGS_ERROR}\n")
    verb, target = words
    _require(lab, user, "selfsubjectaccessreviews")
    if target.startswith("/"):
        warn = can_i_warnings(verb, non_resource_url=target)
        attrs = Attributes(user, verb, path=target)
    else:
        resource_arg, _, name = target.partition("/")
        group, resource, known, namespaced = _resource_for(resource_arg)
        warn = can_i_warnings(verb, resource, group, resource_known=known, namespaced=namespaced,
                              all_namespaces=all_ns)
        attrs = Attributes(user, verb, namespace, group, resource, sub, name, resource_request=True)
    decision = lab.access.authorizer.authorize(attrs)
    reason = "" if decision.allowed else decision.reason
    rc, out = format_can_i(decision.allowed, reason, quiet=quiet)
    return KubectlResult(rc, out, warn)


def _resource_for(arg: str) -> tuple[str, str, bool, bool | None]:
    """(group, resource, known, namespaced) as kubectl's RESTMapper resolves a can-i resource argument."""
    if arg == "*":
        return "", "*", True, None
    res = resolve_resource(arg)
    if res is not None:
        return res.group, res.name, True, res.namespaced
    resource, _, group = arg.partition(".")
    return group, resource, False, None


def whoami(lab, args) -> KubectlResult:
    """``kubectl auth whoami``: the identity the apiserver sees (a SelfSubjectReview). ``-o yaml|json`` as kubectl."""
    user = _identity(lab)
    try:
        _require(lab, user, "selfsubjectreviews", "authentication.k8s.io")
    except Forbidden:
        return KubectlResult(1, "", f"error: {WHOAMI_FORBIDDEN_ERROR}\n")
    output = args.get("output") or ""
    if output in ("yaml", "json"):
        from k8slab.kubectl.output import to_json, to_yaml

        review = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
                  "metadata": {"creationTimestamp": None}, "status": {"userInfo": user.to_dict()}}
        return KubectlResult(0, to_yaml(review) if output == "yaml" else to_json(review))
    return KubectlResult(0, format_whoami(user))


# -- kubectl describe for RBAC objects (registered with the describe command) ----------------------------------------
def _rbac_meta(lines: list[str], obj: dict) -> None:
    from k8slab.apiserver.server import LAST_APPLIED
    from k8slab.kubectl.describe import _map

    meta = obj["metadata"]
    lines.append(f"Name:\t{meta['name']}")
    _map(lines, "Labels", meta.get("labels"))
    _map(lines, "Annotations", {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED})


def describe_role(lab, obj: dict, now: float) -> list[str]:
    """upstream: staging/src/k8s.io/kubectl/pkg/describe/describe.go RoleDescriber / ClusterRoleDescriber."""
    from k8slab.apiserver.auth_can_i import (combine_resource_group, kubectl_breakdown_rule, kubectl_compact_rules,
                                             policy_rule_string)
    from k8slab.apiserver.rbac import go_list

    lines: list[str] = []
    _rbac_meta(lines, obj)
    broken = [sub for rule in obj.get("rules") or () for sub in kubectl_breakdown_rule(rule)]
    rules = sorted(kubectl_compact_rules(broken), key=policy_rule_string)
    lines += ["PolicyRule:", "  Resources\tNon-Resource URLs\tResource Names\tVerbs",
              "  ---------\t-----------------\t--------------\t-----"]
    for r in rules:
        lines.append(f"  {combine_resource_group(r.get('resources') or (), r.get('apiGroups') or ())}\t"
                     f"{go_list(r.get('nonResourceURLs') or ())}\t{go_list(r.get('resourceNames') or ())}\t"
                     f"{go_list(r.get('verbs') or ())}")
    return lines


def describe_binding(lab, obj: dict, now: float) -> list[str]:
    """upstream: describe.go RoleBindingDescriber / ClusterRoleBindingDescriber."""
    lines: list[str] = []
    _rbac_meta(lines, obj)
    ref = obj.get("roleRef") or {}
    lines += ["Role:", f"  Kind:\t{ref.get('kind', '')}", f"  Name:\t{ref.get('name', '')}", "Subjects:",
              "  Kind\tName\tNamespace", "  ----\t----\t---------"]
    lines += [f"  {s.get('kind', '')}\t{s.get('name', '')}\t{s.get('namespace', '')}" for s in obj.get("subjects") or ()]
    return lines


def _register_describers() -> None:
    from k8slab.kubectl.describe import DESCRIBERS

    DESCRIBERS.setdefault("Role", describe_role)
    DESCRIBERS.setdefault("ClusterRole", describe_role)
    DESCRIBERS.setdefault("RoleBinding", describe_binding)
    DESCRIBERS.setdefault("ClusterRoleBinding", describe_binding)


_register_describers()
