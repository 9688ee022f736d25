"""PodTopologySpread: keep matching pods within maxSkew across topology domains (filter) and spread them (score)."""

from __future__ import annotations

import math

import numpy as np

from k8slab.api.labels import selector_from

from ..status import MAX_NODE_SCORE, Code, Status
from .base import Plugin
from .node_affinity import required_node_affinity_matches
from .taint_toleration import find_untolerated_taint

__all__ = ["PodTopologySpread", "ERR_REASON_CONSTRAINTS", "ERR_REASON_NODE_LABEL", "SYSTEM_DEFAULT_CONSTRAINTS",
           "Constraint", "topology_normalizing_weight"]

# upstream: pkg/scheduler/framework/plugins/podtopologyspread/filtering.go
ERR_REASON_CONSTRAINTS = "node(s) didn't match pod topology spread constraints"
ERR_REASON_NODE_LABEL = ERR_REASON_CONSTRAINTS + " (missing required label)"
# upstream: pkg/scheduler/framework/plugins/podtopologyspread/plugin.go systemDefaultConstraints
SYSTEM_DEFAULT_CONSTRAINTS = (
    {"topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway", "maxSkew": 3},
    {"topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway", "maxSkew": 5},
)
HOSTNAME = "kubernetes.io/hostname"


class Constraint:
    """A parsed topologySpreadConstraint (selector merged with matchLabelKeys, inclusion policies defaulted)."""

    __slots__ = ("max_skew", "key", "selector", "min_domains", "affinity_policy", "taints_policy")

    def __init__(self, c: dict, pod_labels: dict, selector=None):
        self.max_skew = int(c.get("maxSkew") or 1)
        self.key = c.get("topologyKey", "")
        if selector is None:
            sel = c.get("labelSelector")
            merged = {"matchLabels": dict((sel or {}).get("matchLabels") or {}),
                      "matchExpressions": list((sel or {}).get("matchExpressions") or [])}
            for k in c.get("matchLabelKeys") or ():
                if k in pod_labels:
                    merged["matchExpressions"].append({"key": k, "operator": "In", "values": [pod_labels[k]]})
            selector = None if sel is None and not c.get("matchLabelKeys") else selector_from(merged)
        self.selector = selector
        self.min_domains = int(c.get("minDomains") or 1)
        self.affinity_policy = c.get("nodeAffinityPolicy") or "Honor"
        self.taints_policy = c.get("nodeTaintsPolicy") or "Ignore"

    def matches(self, labels: dict) -> bool:
        return self.selector is not None and self.selector.matches(labels)

    def includes(self, pod, ni) -> bool:
        """upstream: common.go matchNodeInclusionPolicies"""
        if self.affinity_policy == "Honor" and not required_node_affinity_matches(
                pod.node_selector, pod.required_node_affinity, ni.labels, ni.name):
            return False
        if self.taints_policy == "Honor" and find_untolerated_taint(ni.taints, pod.tolerations) is not None:
            return False
        return True


def topology_normalizing_weight(size: int) -> float:
    """log(size + 2), the weight of a constraint by its number of domains.

    upstream: pkg/scheduler/framework/plugins/podtopologyspread/scoring.go topologyNormalizingWeight

    Examples
    --------
    >>> round(topology_normalizing_weight(3), 4)
    1.6094
    """
    return math.log(size + 2)


def _counter(cons: list[Constraint], namespace: str, kept: dict | None = None):
    """``count(ni, j)``: pods on ``ni`` in ``namespace`` that ``cons[j]`` selects, terminating pods not counted.

    upstream: common.go countPodsMatchSelector

    Performance only: the system default constraints share one selector, so each node's pods are counted once,
    not once per constraint and again in score; pods with the same labels (a ReplicaSet's) are matched once.
    ``kept`` (the plugin's, across cycles) maps (selector, namespace) to node name -> (pods_version, count): a node
    whose pod set has not changed since is not counted again (a PodInfo's labels, namespace and deletion never
    change once built: a pod changing those is a new PodInfo).
    """
    sels: list = []
    sel_of = []  # constraint index -> index in sels
    for c in cons:
        k = next((k for k, s in enumerate(sels) if s is c.selector or (s is not None and s == c.selector)), None)
        if k is None:
            k = len(sels)
            sels.append(c.selector)
        sel_of.append(k)
    memo: list[dict] = [{} for _ in sels]  # labels items -> whether the selector matches them
    counts: list[dict] = [{} for _ in sels]  # node name -> count, this call
    if kept is not None and len(kept) + len(sels) > 16:
        kept.clear()  # a few selectors are in use at a time; forget old ones rather than grow
    known: list[dict] = [kept.setdefault((s, namespace), {}) if kept is not None else {} for s in sels]

    def count(ni, j: int) -> int:
        k = sel_of[j]
        got = counts[k].get(ni.name)
        if got is None:
            seen = known[k].get(ni.name)
            if seen is not None and seen[0] == ni.pods_version:
                got = seen[1]
            else:
                sel, m = sels[k], memo[k]
                got = 0
                for p in ni.pods.values():
                    if p.terminating or p.namespace != namespace:
                        continue
                    items = tuple(p.labels.items())
                    hit = m.get(items)
                    if hit is None:
                        hit = m[items] = sel is not None and sel.matches(p.labels)
                    got += hit
                known[k][ni.name] = (ni.pods_version, got)
            counts[k][ni.name] = got
        return got

    def per_node(snap, j: int) -> np.ndarray:
        """``count(ni, j)`` for every node of ``snap``, in its order; only nodes whose pods changed since the last
        call are counted again (the array is kept with the per-node counts, under the key None)."""
        k = sel_of[j]
        entry = known[k].get(None)
        versions = snap.pods_version
        if entry is None or entry[0] is not snap.names:
            entry = known[k][None] = (snap.names, versions.copy(),
                                      np.array([count(ni, j) for ni in snap.infos], dtype=np.int64))
        else:
            stale = np.flatnonzero(entry[1] != versions)
            for i in stale.tolist():
                entry[2][i] = count(snap.infos[i], j)
            entry[1][stale] = versions[stale]
        return entry[2]

    count.per_node = per_node
    return count


class PodTopologySpread(Plugin):
    """Filter on DoNotSchedule constraints, score on ScheduleAnyway ones (or the system defaults).

    ``args`` follow PodTopologySpreadArgs: ``defaultingType`` ("System" or "List") and ``defaultConstraints``.
    The default selector (services, ReplicaSets... selecting the pod) comes from ``state["default_selector"]``.
    """

    name = "PodTopologySpread"
    points = ("filter", "score")

    def _constraints(self, state, pod, action: str) -> list[Constraint]:
        if pod.spread_constraints:
            return [Constraint(c, pod.labels) for c in pod.spread_constraints
                    if (c.get("whenUnsatisfiable") or "DoNotSchedule") == action]
        wanted = self._defaults(action)
        if not wanted:
            return []
        sel = state.get("default_selector")
        if not sel:
            return []  # upstream: buildDefaultConstraints returns nil when the default selector is empty
        selector = selector_from(sel)
        return [Constraint(c, pod.labels, selector) for c in wanted]

    def _defaults(self, action: str) -> list[dict]:
        """The default constraints with this whenUnsatisfiable (the args do not change: computed once)."""
        cache = self.__dict__.setdefault("_wanted", {})
        if action not in cache:
            defaults = (SYSTEM_DEFAULT_CONSTRAINTS if (self.args.get("defaultingType") or "System") == "System"
                        else self.args.get("defaultConstraints") or ())
            cache[action] = [c for c in defaults if c.get("whenUnsatisfiable") == action]
        return cache[action]

    # ---- filter ----
    def pre_filter(self, state, pod, snap):
        cons = self._constraints(state, pod, "DoNotSchedule")
        if not cons:
            return Status(Code.Skip)
        counts = [dict() for _ in cons]
        count = _counter(cons, pod.namespace, self.__dict__.setdefault("_kept", {}))
        for ni in snap.infos:
            if not all(c.key in ni.labels for c in cons):
                continue
            for i, c in enumerate(cons):
                if not c.includes(pod, ni):
                    continue
                v = ni.labels[c.key]
                counts[i][v] = counts[i].get(v, 0) + count(ni, i)
        mins = [min(m.values()) if m else 2**31 - 1 for m in counts]
        state[self.name] = (cons, counts, mins)
        return None

    def _min(self, state, i):
        cons, counts, mins = state[self.name]
        return 0 if len(counts[i]) < cons[i].min_domains else mins[i]

    def filter(self, state, pod, ni):
        cons, counts, _ = state[self.name]
        for i, c in enumerate(cons):
            if c.key not in ni.labels:
                return Status(Code.UnschedulableAndUnresolvable, ERR_REASON_NODE_LABEL)
            self_match = 1 if c.matches(pod.labels) else 0
            skew = counts[i].get(ni.labels[c.key], 0) + self_match - self._min(state, i)
            if skew > c.max_skew:
                return Status(Code.Unschedulable, ERR_REASON_CONSTRAINTS)
        return None

    def filter_vec(self, state, pod, snap):
        cons, counts, _ = state[self.name]
        fail = np.zeros(len(snap.names), dtype=bool)
        for i, c in enumerate(cons):
            col, codes = snap.label_column(c.key)
            table = np.zeros(len(codes) + 1, dtype=np.int64)
            for v, code in codes.items():
                table[code] = counts[i].get(v, 0)
            self_match = 1 if c.matches(pod.labels) else 0
            skew = table[col] + self_match - self._min(state, i)
            fail |= (col < 0) | (skew > c.max_skew)
        return fail

    # ---- score ----
    def pre_score(self, state, pod, snap, idx):
        cons = self._constraints(state, pod, "ScheduleAnyway")
        if not cons or len(idx) == 0:
            return Status(Code.Skip)
        system_defaulted = (self.args.get("defaultingType") or "System") == "System"
        require_all = bool(pod.spread_constraints) or not system_defaulted
        ignored = set()
        pair_counts: dict[tuple[str, str], int] = {}
        topo_size = [0] * len(cons)
        for i in idx:
            ni = snap.infos[i]
            if require_all and not all(c.key in ni.labels for c in cons):
                ignored.add(ni.name)
                continue
            for j, c in enumerate(cons):
                if c.key == HOSTNAME:
                    continue
                pair = (c.key, ni.labels.get(c.key, ""))
                if pair not in pair_counts:
                    pair_counts[pair] = 0
                    topo_size[j] += 1
        weights = []
        for j, c in enumerate(cons):
            sz = len(idx) - len(ignored) if c.key == HOSTNAME else topo_size[j]
            weights.append(topology_normalizing_weight(sz))
        count = _counter(cons, pod.namespace, self.__dict__.setdefault("_kept", {}))
        # constraints with the same inclusion policies (the system defaults) include a node alike: ask once per node
        policy = [(c.affinity_policy, c.taints_policy) for c in cons]
        same_policy = len(set(policy)) == 1
        # nothing to exclude when node affinity is honoured but the pod has none, and taints are ignored
        everywhere = same_policy and cons[0].taints_policy != "Honor" and (
            cons[0].affinity_policy != "Honor" or (not pod.node_selector and not pod.required_node_affinity))
        if everywhere and not require_all:  # every node counts: sum per label value with numpy
            for j, c in enumerate(cons):
                if c.key == HOSTNAME:
                    continue
                col, codes = snap.label_column(c.key)
                sums = np.bincount(col + 1, weights=count.per_node(snap, j), minlength=len(codes) + 1)
                for v, code in (("", -1), *codes.items()):  # a node without the label has the value ""
                    pair = (c.key, v)
                    if pair in pair_counts:
                        pair_counts[pair] += int(sums[code + 1])
            state[self.name + "/score"] = (cons, ignored, pair_counts, weights, count)
            return None
        for ni in snap.infos:
            if require_all and not all(c.key in ni.labels for c in cons):
                continue
            included = cons[0].includes(pod, ni) if same_policy else None
            for j, c in enumerate(cons):
                if not (included if same_policy else c.includes(pod, ni)):
                    continue
                pair = (c.key, ni.labels.get(c.key, ""))
                if pair in pair_counts:
                    pair_counts[pair] += count(ni, j)
        # score's per-node counts (hostname) reuse this call's counter: same pods, same snapshot
        state[self.name + "/score"] = (cons, ignored, pair_counts, weights, count)
        return None

    def score(self, state, pod, ni):
        cons, ignored, pair_counts, weights, count = state[self.name + "/score"]
        if ni.name in ignored:
            return 0
        score = 0.0
        for j, c in enumerate(cons):
            if c.key in ni.labels:
                if c.key == HOSTNAME:
                    cnt = count(ni, j)
                else:
                    cnt = pair_counts[(c.key, ni.labels[c.key])]
                score += cnt * weights[j] + (c.max_skew - 1)
        return int(math.floor(score + 0.5))

    def score_vec(self, state, pod, snap, idx):
        """``score`` for the nodes ``idx`` at once: same terms added in the same order, so the same floats."""
        cons, ignored, pair_counts, weights, count = state[self.name + "/score"]
        idx = np.asarray(idx, dtype=np.intp)
        total = np.zeros(len(idx))
        for j, c in enumerate(cons):
            col, codes = snap.label_column(c.key)
            col = col[idx]
            if c.key == HOSTNAME:
                cnt = np.where(col >= 0, count.per_node(snap, j)[idx], 0).astype(np.float64)
            else:
                table = np.zeros(len(codes) + 1)
                for v, code in codes.items():
                    table[code] = pair_counts.get((c.key, v), 0)
                cnt = table[col]
            total = np.where(col >= 0, total + (cnt * weights[j] + (c.max_skew - 1)), total)
        out = np.floor(total + 0.5).astype(np.int64)
        if ignored:
            out[[snap.infos[i].name in ignored for i in idx.tolist()]] = 0
        return out

    def normalize(self, state, scores):
        ignored = state[self.name + "/score"][1]
        names = [state["snap"].names[i] for i in state["score_idx"]]
        valid = [s for s, n in zip(scores, names) if n not in ignored]
        if not valid:
            return [0] * len(scores)
        lo, hi = min(valid), max(0, max(valid))
        out = []
        for s, n in zip(scores, names):
            if n in ignored:
                out.append(0)
            elif hi == 0:
                out.append(MAX_NODE_SCORE)
            else:
                out.append(MAX_NODE_SCORE * (hi + lo - s) // hi)
        return out

    def normalize_vec(self, state, scores):
        return np.array(self.normalize(state, scores.tolist()), dtype=np.int64)
