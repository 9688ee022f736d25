"""NodeAffinity: nodeSelector and required node affinity filter nodes; preferred terms add their weights."""

from __future__ import annotations

import numpy as np

from ..status import MAX_NODE_SCORE, Code, Status
from .base import Plugin, default_normalize_score, default_normalize_score_vec

__all__ = [
    "NodeAffinity",
    "ERR_REASON_POD",
    "ERR_REASON_ENFORCED",
    "requirement_matches",
    "node_selector_term_matches",
    "required_node_affinity_matches",
    "preferred_node_affinity_score",
]

# upstream: pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go
ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"
ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity"


def _int64(s: str) -> int | None:
    try:
        v = int(s, 10)
    except (TypeError, ValueError):
        return None
    return v if -(2**63) <= v < 2**63 else None


def _valid(req: dict, field: bool = False) -> bool:
    op = req.get("operator")
    vals = req.get("values") or []
    if field:
        return req.get("key") == "metadata.name" and op in ("In", "NotIn") and len(vals) == 1
    if op in ("In", "NotIn"):
        return len(vals) > 0
    if op in ("Exists", "DoesNotExist"):
        return len(vals) == 0
    if op in ("Gt", "Lt"):
        return len(vals) == 1 and _int64(vals[0]) is not None
    return False


def requirement_matches(req: dict, labels: dict) -> bool:
    """Whether node labels satisfy one NodeSelectorRequirement (In, NotIn, Exists, DoesNotExist, Gt, Lt).

    upstream: staging/src/k8s.io/apimachinery/pkg/labels/selector.go Requirement.Matches

    Examples
    --------
    >>> requirement_matches({"key": "zone", "operator": "In", "values": ["a", "b"]}, {"zone": "b"})
    True
    >>> requirement_matches({"key": "zone", "operator": "NotIn", "values": ["a"]}, {})
    True
    >>> requirement_matches({"key": "cores", "operator": "Gt", "values": ["4"]}, {"cores": "8"})
    True
    >>> requirement_matches({"key": "cores", "operator": "Lt", "values": ["4"]}, {"cores": "x"})
    False
    """
    key, op, vals = req.get("key", ""), req.get("operator"), req.get("values") or []
    if op == "In":
        return key in labels and labels[key] in vals
    if op == "NotIn":
        return key not in labels or labels[key] not in vals
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    if op in ("Gt", "Lt"):
        if key not in labels:
            return False
        have, want = _int64(labels[key]), _int64(vals[0])
        if have is None or want is None:
            return False
        return have > want if op == "Gt" else have < want
    return False


def node_selector_term_matches(term: dict, labels: dict, name: str) -> bool:
    """Whether a NodeSelectorTerm matches (expressions ANDed; an empty or invalid term matches nothing).

    upstream: staging/src/k8s.io/component-helpers/scheduling/corev1/nodeaffinity/nodeaffinity.go

    Examples
    --------
    >>> node_selector_term_matches({}, {"a": "1"}, "n1")
    False
    >>> node_selector_term_matches({"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]},
    ...                            {}, "n1")
    True
    """
    exprs = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not exprs and not fields:
        return False
    if not all(_valid(r) for r in exprs) or not all(_valid(r, True) for r in fields):
        return False
    if not all(requirement_matches(r, labels) for r in exprs):
        return False
    return all(requirement_matches({**r, "key": "f"}, {"f": name}) for r in fields)


def required_node_affinity_matches(node_selector: dict, required: dict | None, labels: dict, name: str) -> bool:
    """nodeSelector (every pair) AND required node affinity (any term).

    upstream: nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)

    Examples
    --------
    >>> required_node_affinity_matches({"disk": "ssd"}, None, {"disk": "ssd"}, "n")
    True
    >>> required_node_affinity_matches({}, {"nodeSelectorTerms": []}, {}, "n")
    False
    """
    for k, v in node_selector.items():
        if labels.get(k) != v:
            return False
    if required is None:
        return True
    return any(node_selector_term_matches(t, labels, name) for t in required.get("nodeSelectorTerms") or [])


def preferred_node_affinity_score(terms: list[dict], labels: dict, name: str) -> int:
    """Sum of the weights of preferred terms the node matches.

    upstream: nodeaffinity.PreferredSchedulingTerms.Score

    Examples
    --------
    >>> preferred_node_affinity_score([{"weight": 5, "preference": {"matchExpressions": [
    ...     {"key": "zone", "operator": "In", "values": ["a"]}]}}], {"zone": "a"}, "n")
    5
    """
    return sum(int(t.get("weight") or 0) for t in terms
               if t.get("weight") and node_selector_term_matches(t.get("preference") or {}, labels, name))


# ---- vectorized forms over the cache's label columns ----

def _req_mask(snap, req: dict, field: bool = False) -> np.ndarray:
    n = len(snap.names)
    op, vals = req.get("operator"), req.get("values") or []
    if field:
        m = np.zeros(n, dtype=bool)
        i = snap.index.get(vals[0])
        if i is not None:
            m[i] = True
        return m if op == "In" else ~m
    col, codes = snap.label_column(req.get("key", ""))
    if op in ("In", "NotIn"):
        m = np.zeros(n, dtype=bool)
        for v in vals:
            c = codes.get(v)
            if c is not None:
                m |= col == c
        return m if op == "In" else ~m
    if op == "Exists":
        return col >= 0
    if op == "DoesNotExist":
        return col < 0
    want = _int64(vals[0])
    table = np.zeros(len(codes) + 1, dtype=bool)
    for v, c in codes.items():
        have = _int64(v)
        table[c] = have is not None and (have > want if op == "Gt" else have < want)
    return table[col]  # col == -1 picks the trailing False


def _term_mask(snap, term: dict) -> np.ndarray:
    exprs = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    n = len(snap.names)
    if (not exprs and not fields) or not all(_valid(r) for r in exprs) or not all(_valid(r, True) for r in fields):
        return np.zeros(n, dtype=bool)
    m = np.ones(n, dtype=bool)
    for r in exprs:
        m &= _req_mask(snap, r)
    for r in fields:
        m &= _req_mask(snap, r, True)
    return m


def _required_mask(snap, node_selector: dict, required: dict | None) -> np.ndarray:
    m = np.ones(len(snap.names), dtype=bool)
    for k, v in node_selector.items():
        col, codes = snap.label_column(k)
        c = codes.get(v)
        m &= (col == c) if c is not None else False
    if required is not None:
        any_term = np.zeros(len(snap.names), dtype=bool)
        for t in required.get("nodeSelectorTerms") or []:
            any_term |= _term_mask(snap, t)
        m &= any_term
    return m


class NodeAffinity(Plugin):
    """Filter on nodeSelector / required node affinity; score preferred node affinity.

    ``args`` may hold ``addedAffinity`` (NodeAffinityArgs), applied to every pod of the profile.
    """

    name = "NodeAffinity"
    points = ("filter", "score")

    def _added(self):
        return self.args.get("addedAffinity") or {}

    def pre_filter(self, state, pod, snap):
        added = self._added().get("requiredDuringSchedulingIgnoredDuringExecution")
        if not pod.node_selector and pod.required_node_affinity is None and added is None:
            return Status(Code.Skip)
        return None

    def filter(self, state, pod, ni):
        added = self._added().get("requiredDuringSchedulingIgnoredDuringExecution")
        if added is not None and not required_node_affinity_matches({}, added, ni.labels, ni.name):
            return Status(Code.UnschedulableAndUnresolvable, ERR_REASON_ENFORCED)
        if not required_node_affinity_matches(pod.node_selector, pod.required_node_affinity, ni.labels, ni.name):
            return Status(Code.UnschedulableAndUnresolvable, ERR_REASON_POD)
        return None

    def filter_vec(self, state, pod, snap):
        added = self._added().get("requiredDuringSchedulingIgnoredDuringExecution")
        fail = ~_required_mask(snap, pod.node_selector, pod.required_node_affinity)
        if added is not None:
            fail |= ~_required_mask(snap, {}, added)
        return fail

    def _terms(self, pod):
        return list(pod.preferred_node_affinity) + list(
            self._added().get("preferredDuringSchedulingIgnoredDuringExecution") or [])

    def pre_score(self, state, pod, snap, idx):
        if not self._terms(pod):
            return Status(Code.Skip)
        return None

    def score(self, state, pod, ni):
        return preferred_node_affinity_score(self._terms(pod), ni.labels, ni.name)

    def score_vec(self, state, pod, snap, idx):
        total = np.zeros(len(idx), dtype=np.int64)
        for t in self._terms(pod):
            w = int(t.get("weight") or 0)
            if w:
                total += w * _term_mask(snap, t.get("preference") or {})[idx]
        return total

    def normalize(self, state, scores):
        return default_normalize_score(MAX_NODE_SCORE, False, scores)

    def normalize_vec(self, state, scores):
        return default_normalize_score_vec(MAX_NODE_SCORE, False, scores)
