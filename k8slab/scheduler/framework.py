"""The scheduling framework: runs a profile's plugins over the cache (fast numpy path or plain per node)."""

from __future__ import annotations

import numpy as np

from .nodeinfo import Cache, NodeInfo
from .plugins import REGISTRY
from .podinfo import PodInfo
from .profile import Profile, num_feasible_nodes_to_find
from .report import NodeVerdict, SchedulingReport, fit_error_message
from .status import Code, Status

__all__ = ["Framework", "CycleResult", "ERR_NO_NODES"]

# upstream: pkg/scheduler/schedule_one.go ErrNoNodesAvailable
ERR_NO_NODES = "no nodes available to schedule pods"
_FIXED_REASON = ("NodeUnschedulable", "NodeName", "TaintToleration", "NodePorts")


class CycleResult:
    """Outcome of one scheduling attempt: the selected node, or the FitError diagnosis."""

    __slots__ = ("pod", "selected", "feasible", "processed", "statuses", "message", "scores", "totals",
                 "num_to_find", "skipped", "fail_first", "all_passing", "filters")

    def __init__(self, pod):
        self.pod = pod
        self.selected: int | None = None
        self.feasible = np.zeros(0, dtype=np.int64)
        self.processed = 0
        self.statuses: dict[int, Status] = {}
        self.message = ""
        self.scores: dict[str, tuple] = {}
        self.totals = None
        self.num_to_find = 0
        self.skipped: list[str] = []
        self.fail_first = None
        self.all_passing = None
        self.filters: list = []


class Framework:
    """A profile instantiated: plugin objects in upstream order, with weights.

    Examples
    --------
    >>> fw = Framework(Profile())
    >>> [p.name for p in fw.filters][:4]
    ['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity']
    >>> [(p.name, w) for p, w in fw.scorers]
    [('TaintToleration', 3), ('NodeAffinity', 2), ('NodeResourcesFit', 1), ('PodTopologySpread', 2), ('InterPodAffinity', 2), ('NodeResourcesBalancedAllocation', 1), ('ImageLocality', 1)]
    """

    def __init__(self, profile: Profile):
        self.profile = profile
        self.plugins = {}
        for name in profile.plugins:
            cls = REGISTRY.get(name)
            if cls is not None:
                self.plugins[name] = cls(profile.plugin_args.get(name))
        self.filters = [p for n, p in self.plugins.items()
                        if "filter" in p.points and profile.enabled(n, "filter")]
        self.scorers = [(p, profile.weight(n)) for n, p in self.plugins.items()
                        if "score" in p.points and profile.enabled(n, "score")]
        self.preemption = profile.enabled("DefaultPreemption", "postFilter")
        # extension-point methods looked up once, not on every cycle
        self._pre_filters = [(p, getattr(p, "pre_filter", None)) for p in self.filters]
        self._score_steps = [(p, w, getattr(p, "pre_score", None), getattr(p, "normalize_vec", None))
                             for p, w in self.scorers]

    # ---- filter ----
    def _pre_filter(self, state, pod, snap) -> list:
        active = []
        for p, pf in self._pre_filters:
            if getattr(p, "simulated", True) is False:  # volume plugins: switched on when a lab provides storage
                continue
            if pf is not None:
                st = pf(state, pod, snap)
                if st is not None and st.code == Code.Skip:
                    continue
            active.append(p)
        return active

    def filter_node(self, state, pod, ni: NodeInfo, active=None) -> Status:
        """Run the filters on one node, in order; the first failure wins (upstream RunFilterPlugins)."""
        for p in (active if active is not None else self.filters):
            st = p.filter(state, pod, ni)
            if st is not None and not st.is_success:
                return st.with_plugin(p.name)
        return Status()

    def _node_for(self, state, snap, i) -> NodeInfo:
        nom = state.get("nominated")
        if nom and i in nom:
            return nom[i]
        return snap.infos[i]

    def _status_of(self, state, pod, snap, i, plugin) -> Status:
        st = plugin.filter(state, pod, self._node_for(state, snap, i))
        return (st or Status()).with_plugin(plugin.name)

    def find_feasible(self, state, pod, snap: Cache, start: int, k: int, res: CycleResult,
                      vectorized: bool = True, diagnose: bool = False) -> None:
        """Filter nodes from ``start`` round-robin until ``k`` feasible ones are found.

        upstream: pkg/scheduler/schedule_one.go findNodesThatPassFilters (sequential order, deterministic)
        """
        n = len(snap.names)
        active = self._pre_filter(state, pod, snap)
        res.filters = active
        if not vectorized:
            feas = []
            for j in range(n):
                i = (start + j) % n
                st = self.filter_node(state, pod, self._node_for(state, snap, i), active)
                if st.is_success:
                    if len(feas) == k:  # the (k+1)-th feasible node stops the search, uncounted
                        break
                    feas.append(i)
                else:
                    res.statuses[i] = st
            res.feasible = np.array(feas, dtype=np.int64)
            res.processed = len(feas) + len(res.statuses)
            if diagnose:
                passing = np.ones(n, dtype=bool)
                first = np.full(n, -1, dtype=np.int64)
                for i in range(n):
                    st = self.filter_node(state, pod, self._node_for(state, snap, i), active)
                    if not st.is_success:
                        passing[i] = False
                        first[i] = [p.name for p in active].index(st.plugin)
                res.all_passing, res.fail_first = passing, first
            return
        masks = []
        passing = np.ones(n, dtype=bool)
        for p in active:
            f = p.filter_vec(state, pod, snap)
            masks.append(f)
            passing &= ~f
        feas = np.flatnonzero(passing)
        s = int(np.searchsorted(feas, start))
        order = np.concatenate((feas[s:], feas[:s])) if s else feas
        if len(order) > k:
            # upstream stops when it finds the (k+1)-th feasible node; nodes before it were processed
            processed = (int(order[k]) - start) % n
            order = order[:k]
        else:
            processed = n
        res.feasible = order
        res.processed = processed
        if diagnose or len(order) == 0:
            first = np.full(n, -1, dtype=np.int64)
            for j in range(len(masks) - 1, -1, -1):
                first[masks[j]] = j
            res.fail_first, res.all_passing = first, passing
            fixed: dict[int, Status] = {}
            if processed == n:
                positions = np.arange(n)
            else:
                positions = (start + np.arange(processed)) % n
            for i in positions[first[positions] >= 0].tolist():
                p = active[first[i]]
                if p.name in _FIXED_REASON:
                    st = fixed.get(first[i])
                    if st is None:
                        st = fixed[first[i]] = self._status_of(state, pod, snap, i, p)
                    res.statuses[i] = st
                else:
                    res.statuses[i] = self._status_of(state, pod, snap, i, p)

    # ---- score ----
    def prioritize(self, state, pod, snap: Cache, idx: np.ndarray, res: CycleResult, vectorized: bool = True):
        """Run PreScore/Score/NormalizeScore and weights over the feasible nodes; returns totals.

        upstream: pkg/scheduler/schedule_one.go prioritizeNodes, framework/runtime RunScorePlugins
        """
        totals = np.zeros(len(idx), dtype=np.int64)
        if not self.scorers:
            return totals + 1
        state["image_nodes"] = snap.image_nodes
        state["total_nodes"] = len(snap.names)
        state["score_idx"] = idx
        state["snap"] = snap
        for p, w, ps, nv in self._score_steps:
            if ps is not None:
                st = ps(state, pod, snap, idx)
                if st is not None and st.code == Code.Skip:
                    res.skipped.append(p.name)
                    continue
            if vectorized:
                raw = p.score_vec(state, pod, snap, idx)
                norm = nv(state, raw) if nv is not None else raw
            else:
                raw_l = [p.score(state, pod, snap.infos[i]) for i in idx.tolist()]
                raw = np.array(raw_l, dtype=np.int64)
                norm = (np.array(p.normalize(state, raw_l), dtype=np.int64) if hasattr(p, "normalize")
                        else raw)
            weighted = norm * w
            totals += weighted
            res.scores[p.name] = (raw, norm, weighted)
        return totals

    # ---- one cycle ----
    def schedule(self, pod: PodInfo, snap: Cache, state: dict, start: int, rng, *, vectorized: bool = True,
                 diagnose: bool = False) -> CycleResult:
        """Filter, score and select a host for one pod (no side effects).

        upstream: pkg/scheduler/schedule_one.go schedulePod, findNodesThatFitPod, selectHost
        """
        res = CycleResult(pod)
        n = len(snap.names)
        if n == 0:
            res.message = ERR_NO_NODES
            return res
        k = num_feasible_nodes_to_find(self.profile.percentage_of_nodes_to_score, n)
        res.num_to_find = k
        # upstream: evaluateNominatedNode - a pod with a nominated node tries it first
        nominated = pod.nominated_node_name
        if nominated and nominated in snap.index and not diagnose:
            i = snap.index[nominated]
            active = self._pre_filter(state, pod, snap)
            if self.filter_node(state, pod, self._node_for(state, snap, i), active).is_success:
                res.feasible = np.array([i], dtype=np.int64)
                res.processed = 0  # upstream returns before findNodesThatPassFilters: nextStartNodeIndex unchanged
                res.selected = i
                return res
        self.find_feasible(state, pod, snap, start, k, res, vectorized, diagnose)
        feas = res.feasible
        if len(feas) == 0:
            res.message = fit_error_message(n, list(res.statuses.values()))
            return res
        if len(feas) == 1:  # upstream: "When only one node after predicate, just use it." 
            res.selected = int(feas[0])
            return res
        totals = self.prioritize(state, pod, snap, feas, res, vectorized)
        res.totals = totals
        res.selected = select_host(feas, totals, rng)
        return res

    # ---- explanation ----
    def report(self, res: CycleResult, snap: Cache, state: dict) -> SchedulingReport:
        """Turn a diagnosed cycle into a :class:`SchedulingReport`."""
        pod = res.pod
        names = snap.names
        n = len(names)
        start = state.get("start", 0)
        evaluated = np.zeros(n, dtype=bool)
        if n:
            evaluated[(start + np.arange(res.processed)) % n] = True
        nodes: dict[str, NodeVerdict] = {}
        active = res.filters
        for i, name in enumerate(names):
            if res.all_passing is not None and not res.all_passing[i]:
                st = res.statuses.get(i)
                if st is None:
                    st = self._status_of(state, pod, snap, i, active[res.fail_first[i]])
                nodes[name] = NodeVerdict(name, False, st.plugin, st.message, st.code, bool(evaluated[i]))
            else:
                nodes[name] = NodeVerdict(name, True, evaluated=bool(evaluated[i]))
        sampled = [names[i] for i in res.feasible.tolist()]
        if res.totals is not None:
            for j, i in enumerate(res.feasible.tolist()):
                v = nodes[names[i]]
                for p, (raw, norm, weighted) in res.scores.items():
                    v.raw[p] = int(raw[j])
                    v.scores[p] = int(norm[j])
                    v.weighted[p] = int(weighted[j])
                v.total = int(res.totals[j])
        notes = []
        for p in self.filters:
            if getattr(p, "simulated", True) is False:
                notes.append(p.note(pod))
        skipped_f = [p.name for p in self.filters if p not in active and getattr(p, "simulated", True)]
        if skipped_f:
            notes.append("PreFilter skipped (nothing to check): " + ", ".join(skipped_f))
        if res.skipped:
            notes.append("PreScore skipped (nothing to score): " + ", ".join(res.skipped))
        if len(res.feasible) == 1 and res.totals is None:
            notes.append("only one feasible node: scoring skipped, as upstream does")
        score_plugins = [p.name for p, _ in self.scorers if p.name in res.scores]
        return SchedulingReport(
            pod.key, nodes, names[res.selected] if res.selected is not None else None, res.message, sampled,
            [p.name for p in active], score_plugins, {p.name: w for p, w in self.scorers}, notes,
            res.num_to_find, res.processed, self.profile.name)


def select_host(idx: np.ndarray, totals: np.ndarray, rng) -> int:
    """Highest total wins; ties are broken by a seeded random choice (upstream reservoir-samples ties).

    upstream: pkg/scheduler/schedule_one.go selectHost
    """
    best = totals.max()
    ties = np.flatnonzero(totals == best)
    if len(ties) == 1:
        return int(idx[ties[0]])
    return int(idx[ties[rng.randrange(len(ties))]])
