"""TaintToleration: NoSchedule/NoExecute taints must be tolerated; untolerated PreferNoSchedule taints lower the score."""

from __future__ import annotations

import numpy as np

from ..status import MAX_NODE_SCORE, Code, Status
from .base import Plugin, default_normalize_score, default_normalize_score_vec

__all__ = [
    "TaintToleration",
    "ERR_REASON_UNTOLERATED",
    "toleration_tolerates_taint",
    "tolerations_tolerate_taint",
    "find_untolerated_taint",
    "count_intolerable_prefer_no_schedule",
]

# upstream: pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go
ERR_REASON_UNTOLERATED = "node(s) had untolerated taint(s)"
_DO_NOT_SCHEDULE = ("NoSchedule", "NoExecute")


def toleration_tolerates_taint(tol: dict, taint: dict) -> bool:
    """Whether one toleration tolerates one taint (operators Equal and Exists).

    upstream: staging/src/k8s.io/api/core/v1/toleration.go ToleratesTaint

    Examples
    --------
    >>> t = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
    >>> toleration_tolerates_taint({"key": "dedicated", "operator": "Equal", "value": "gpu"}, t)
    True
    >>> toleration_tolerates_taint({"key": "dedicated", "operator": "Equal", "value": "db"}, t)
    False
    >>> toleration_tolerates_taint({"operator": "Exists"}, t)
    True
    >>> toleration_tolerates_taint({"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}, t)
    False
    """
    effect = tol.get("effect") or ""
    if effect and effect != taint.get("effect", ""):
        return False
    key = tol.get("key") or ""
    if key and key != taint.get("key", ""):
        return False
    op = tol.get("operator") or "Equal"
    if op == "Equal":
        return (tol.get("value") or "") == (taint.get("value") or "")
    if op == "Exists":
        return True
    # Gt/Lt belong to the alpha TaintTolerationComparisonOperators gate, off by default in 1.35.
    return False


def tolerations_tolerate_taint(tolerations: list[dict], taint: dict) -> bool:
    """Whether any toleration tolerates the taint.

    Examples
    --------
    >>> tolerations_tolerate_taint([], {"key": "a", "effect": "NoSchedule"})
    False
    """
    return any(toleration_tolerates_taint(t, taint) for t in tolerations)


def find_untolerated_taint(taints: list[dict], tolerations: list[dict]) -> dict | None:
    """First NoSchedule/NoExecute taint not tolerated, or None.

    upstream: pkg/apis/core/v1/helper/helpers.go FindMatchingUntoleratedTaint with DoNotScheduleTaintsFilterFunc

    Examples
    --------
    >>> find_untolerated_taint([{"key": "a", "effect": "PreferNoSchedule"}, {"key": "b", "effect": "NoExecute"}], [])
    {'key': 'b', 'effect': 'NoExecute'}
    """
    for taint in taints:
        if taint.get("effect") in _DO_NOT_SCHEDULE and not tolerations_tolerate_taint(tolerations, taint):
            return taint
    return None


def count_intolerable_prefer_no_schedule(taints: list[dict], tolerations: list[dict]) -> int:
    """Number of PreferNoSchedule taints not tolerated by tolerations with effect PreferNoSchedule or empty.

    upstream: taint_toleration.go countIntolerableTaintsPreferNoSchedule, getAllTolerationPreferNoSchedule

    Examples
    --------
    >>> count_intolerable_prefer_no_schedule([{"key": "a", "value": "1", "effect": "PreferNoSchedule"}], [])
    1
    """
    tols = [t for t in tolerations if not t.get("effect") or t.get("effect") == "PreferNoSchedule"]
    return sum(1 for taint in taints
               if taint.get("effect") == "PreferNoSchedule" and not tolerations_tolerate_taint(tols, taint))


def _as_dicts(sig: tuple) -> list[dict]:
    return [{"key": k, "value": v, "effect": e} for k, v, e in sig]


_TOL_KEYS: dict[tuple, tuple] = {}  # one shared tuple per distinct set of tolerations (most pods have the defaults)


def _tol_key(pod) -> tuple:
    key = pod._cache.get("tol_key")
    if key is None:  # a PodInfo's tolerations do not change: computed once per pod
        key = tuple(tuple(sorted((k, str(v)) for k, v in t.items())) for t in pod.tolerations)
        if len(_TOL_KEYS) > 4096:
            _TOL_KEYS.clear()
        key = pod._cache["tol_key"] = _TOL_KEYS.setdefault(key, key)
    return key


class TaintToleration(Plugin):
    """Filter and score on node taints against pod tolerations."""

    name = "TaintToleration"
    points = ("filter", "score")

    def filter(self, state, pod, ni):
        if find_untolerated_taint(ni.taints, pod.tolerations) is None:
            return None
        return Status(Code.UnschedulableAndUnresolvable, ERR_REASON_UNTOLERATED)

    def filter_vec(self, state, pod, snap):
        key = ("TaintToleration.filter", _tol_key(pod))
        fail = snap.derived.get(key)
        if fail is None:
            bad = np.array([find_untolerated_taint(_as_dicts(s), pod.tolerations) is not None
                            for s in snap.taint_sets], dtype=bool)
            fail = snap.derived[key] = bad[snap.taint_sig]
        return fail

    def score(self, state, pod, ni):
        return count_intolerable_prefer_no_schedule(ni.taints, pod.tolerations)

    def score_vec(self, state, pod, snap, idx):
        key = ("TaintToleration.score", _tol_key(pod))
        per_sig = snap.derived.get(key)
        if per_sig is None:
            per_sig = snap.derived[key] = np.array(
                [count_intolerable_prefer_no_schedule(_as_dicts(s), pod.tolerations) for s in snap.taint_sets],
                dtype=np.int64)
        return per_sig[snap.taint_sig[idx]]

    def normalize(self, state, scores):
        return default_normalize_score(MAX_NODE_SCORE, True, scores)

    def normalize_vec(self, state, scores):
        return default_normalize_score_vec(MAX_NODE_SCORE, True, scores)
