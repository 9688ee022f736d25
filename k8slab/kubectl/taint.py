"""``kubectl taint nodes NAME key=value:Effect`` and ``key:Effect-``, with kubectl's parsing, checks and messages."""

# upstream: staging/src/k8s.io/kubectl/pkg/cmd/taint/taint.go (Complete, Validate, validateFlags, RunTaint,
# updateTaints) and utils.go (parseTaints, parseTaint, reorganizeTaints, addTaints, deleteTaints)

from __future__ import annotations

import copy
from dataclasses import dataclass

from k8slab.api.names import is_qualified_name, is_valid_label_value
from k8slab.errors import K8sLabError
from k8slab.kubectl import KubectlResult, command, error_text

__all__ = ["Taint", "parse_taints", "reorganize_taints", "taint", "TaintSpecError"]

MODIFIED, TAINTED, UNTAINTED = "modified", "tainted", "untainted"
_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


class TaintSpecError(ValueError):
    """A taint argument kubectl refuses before sending anything."""


@dataclass(frozen=True)
class Taint:
    """One taint as kubectl parses it: key, value, effect (effect "" means "any effect", for removal)."""

    key: str
    value: str = ""
    effect: str = ""

    def to_string(self) -> str:
        """upstream: staging/src/k8s.io/api/core/v1/taint.go ToString

        Examples
        --------
        >>> Taint("dedicated", "gpu", "NoSchedule").to_string(), Taint("dedicated", effect="NoSchedule").to_string()
        ('dedicated=gpu:NoSchedule', 'dedicated:NoSchedule')
        """
        if not self.effect:
            return self.key if not self.value else f"{self.key}={self.value}:"
        return f"{self.key}:{self.effect}" if not self.value else f"{self.key}={self.value}:{self.effect}"

    def go_value(self) -> str:
        """How Go's ``%v`` prints a Taint struct (TimeAdded is nil): ``{key value Effect <nil>}``."""
        return f"{{{self.key} {self.value} {self.effect} <nil>}}"

    def matches(self, other: dict) -> bool:
        """Same key and effect (upstream Taint.MatchTaint)."""
        return self.key == other.get("key", "") and self.effect == other.get("effect", "")

    def as_dict(self) -> dict:
        d = {"key": self.key, "effect": self.effect}
        if self.value:
            d["value"] = self.value
        return d


def _parse_taint(st: str) -> Taint:
    # upstream: utils.go parseTaint: '<key>=<value>:<effect>', '<key>:<effect>', or '<key>'
    parts = st.split(":")
    value, effect = "", ""
    if len(parts) == 1:
        key = parts[0]
    elif len(parts) == 2:
        effect = parts[1]
        if effect not in _EFFECTS:
            raise TaintSpecError(f"invalid taint effect: {effect}, unsupported taint effect")
        kv = parts[0].split("=")
        if len(kv) > 2:
            raise TaintSpecError(f"invalid taint spec: {st}")
        key = kv[0]
        if len(kv) == 2:
            value = kv[1]
            errs = is_valid_label_value(value)
            if errs:
                raise TaintSpecError(f"invalid taint spec: {st}, {'; '.join(errs)}")
    else:
        raise TaintSpecError(f"invalid taint spec: {st}")
    errs = is_qualified_name(key)
    if errs:
        raise TaintSpecError(f"invalid taint spec: {st}, {'; '.join(errs)}")
    return Taint(key, value, effect)


def parse_taints(specs: list[str]) -> tuple[list[Taint], list[Taint]]:
    """Taints to add and taints to remove (``key:Effect-`` or ``key-``), checked as kubectl checks them.

    upstream: staging/src/k8s.io/kubectl/pkg/cmd/taint/utils.go parseTaints

    Examples
    --------
    >>> parse_taints(["dedicated=gpu:NoSchedule", "spot:NoExecute-", "old-"])
    ([Taint(key='dedicated', value='gpu', effect='NoSchedule')], [Taint(key='spot', value='', effect='NoExecute'), Taint(key='old', value='', effect='')])
    >>> parse_taints(["dedicated"])
    Traceback (most recent call last):
    ...
    k8slab.kubectl.taint.TaintSpecError: invalid taint spec: dedicated
    """
    add, remove = [], []
    seen: dict[str, set[str]] = {}
    for spec in specs:
        if spec.endswith("-"):
            t = _parse_taint(spec[:-1])
            remove.append(Taint(t.key, "", t.effect))
            continue
        t = _parse_taint(spec)
        if not t.effect:
            raise TaintSpecError(f"invalid taint spec: {spec}")
        if t.key in seen.get(t.effect, ()):
            raise TaintSpecError(f"duplicated taints with the same key and effect: {t.go_value()}")
        seen.setdefault(t.effect, set()).add(t.key)
        add.append(t)
    return add, remove


def reorganize_taints(old: list[dict], overwrite: bool, to_add: list[Taint], to_remove: list[Taint]
                      ) -> tuple[str, list[dict], list[str]]:
    """The node's new taints, the word kubectl prints (tainted / untainted / modified) and "not found" errors.

    upstream: staging/src/k8s.io/kubectl/pkg/cmd/taint/utils.go reorganizeTaints (with its quirks: the verb
    depends on whether the list grew, and on the *last* removal only)

    Examples
    --------
    >>> reorganize_taints([{"key": "foo", "value": "bar", "effect": "NoSchedule"}], False,
    ...                   [Taint("foo_1", effect="NoExecute")], [])
    ('tainted', [{'key': 'foo_1', 'effect': 'NoExecute'}, {'key': 'foo', 'value': 'bar', 'effect': 'NoSchedule'}], [])
    """
    new = [t.as_dict() for t in to_add]
    for o in old:  # addTaints: keep old taints no new one matches
        if not any(t.matches(o) for t in to_add):
            new.append(copy.deepcopy(o))
    added = len(old) != len(new)
    errors, deleted = [], False
    for r in to_remove:  # deleteTaints
        before = len(new)
        if r.effect:
            new = [t for t in new if not r.matches(t)]
        else:
            new = [t for t in new if t.get("key", "") != r.key]
        deleted = len(new) != before
        if not deleted:
            errors.append(f'taint "{r.to_string()}" not found')
    if (added and deleted) or overwrite:
        return MODIFIED, new, errors
    return (TAINTED if added else UNTAINTED), new, errors


def _usage(msg: str) -> KubectlResult:
    # upstream: cmdutil.UsageErrorf + CheckErr
    return KubectlResult(1, "", f"error: {msg}\nSee 'kubectl taint -h' for help and examples\n")


def _error(msg: str) -> KubectlResult:
    return KubectlResult(1, "", f"error: {msg}\n")


@command("taint")
def taint(lab, args, stdin=None) -> KubectlResult:
    """``kubectl taint nodes NAME... KEY=VAL:EFFECT ... [KEY:EFFECT-] [--overwrite] [-l selector | --all]``.

    Examples
    --------
    >>> from k8slab.cluster import Cluster
    >>> lab = Cluster.from_preset("kind-1node")
    >>> lab.kubectl("taint nodes kind-control-plane dedicated=gpu:NoSchedule")
    node/kind-control-plane tainted
    >>> lab.kubectl("taint nodes kind-control-plane dedicated:NoSchedule-")
    node/kind-control-plane untainted
    """
    from k8slab.api.labels import parse_selector
    from k8slab.kubectl.commands import _dry, _user

    dry, suffix = _dry(args)
    resources, specs = [], []
    for s in args.words[1:]:  # upstream Complete: resources first, then taint changes
        is_taint = "=" in s or ":" in s or s.endswith("-")
        if is_taint:
            specs.append(s)
        elif specs:
            return _error(f"all resources must be specified before taint changes: {s}")
        else:
            resources.append(s)
    if not resources:
        return _error("one or more resources must be specified as <resource> <name>")
    if not specs:
        return _error("at least one taint update is required")
    try:
        to_add, to_remove = parse_taints(specs)
    except TaintSpecError as e:
        return _usage(str(e))
    # upstream Validate
    res = lab.api.resource(resources[0].lower())  # raises "the server doesn't have a resource type"
    if res.kind != "Node":
        return _error(f"invalid resource type {resources[0].lower()}, only node types are supported")
    conflicts = [f'{{"{r.key}":"{r.effect}"}}' for a in to_add for r in to_remove
                 if a.key == r.key and (not r.effect or a.effect == r.effect)]
    if conflicts:
        return _error("can not both modify and remove the following taint(s) in the same command: "
                      + ", ".join(conflicts))
    selector, select_all = args.get("selector"), args.has("all")
    if select_all and selector:
        return _error("setting 'all' parameter with a non empty selector is prohibited")
    if not select_all and not selector and len(resources) < 2:
        return _error("at least one resource name must be specified since 'all' parameter is not set")
    # upstream RunTaint: visit each node, print per node, keep going after an error
    if select_all or selector:
        sel = parse_selector(selector or "")
        names = [n["metadata"]["name"] for n in lab.api.list(res)
                 if sel.matches(n["metadata"].get("labels") or {})]
    else:
        names = resources[1:]
    out, err = [], []
    for name in names:
        try:
            node = copy.deepcopy(lab.api.get(res, None, name))
        except K8sLabError as e:
            err.append(error_text(e))
            continue
        spec = node.setdefault("spec", {})
        old = spec.get("taints") or []
        if not args.has("overwrite"):
            exists = ",".join(t.key for t in to_add for o in old if t.matches(o))
            if exists:
                err.append(f"error: node {name} already has {exists} taint(s) with same effect(s) and "
                           "--overwrite is false")
                continue
        operation, new, errors = reorganize_taints(old, args.has("overwrite"), to_add, to_remove)
        if errors:
            err.append("error: " + (errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"))
            continue
        if new:
            spec["taints"] = new
        else:
            spec.pop("taints", None)
        if not (dry and suffix == " (dry run)"):
            try:
                lab.api.update(node, dry_run=dry, user=_user(lab, args))
            except K8sLabError as e:
                err.append(error_text(e))
                continue
        out.append(f"node/{name} {operation}{suffix}")
    return KubectlResult(1 if err else 0, "".join(f"{line}\n" for line in out), "".join(f"{e}\n" for e in err))
