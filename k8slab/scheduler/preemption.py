"""DefaultPreemption: when no node fits, find the node where evicting the fewest, least important pods helps."""

from __future__ import annotations

from dataclasses import dataclass, field

from .nodeinfo import NodeInfo
from .podinfo import PodInfo
from .report import fit_error_message
from .status import Code, Status

__all__ = ["PreemptionResult", "preempt", "more_important_pod", "pick_one_node_for_preemption"]

# upstream: pkg/scheduler/apis/config/v1/defaults.go DefaultPreemptionArgs
MIN_CANDIDATE_NODES_PERCENTAGE = 10
MIN_CANDIDATE_NODES_ABSOLUTE = 100
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
_FAR_FUTURE = "9999-12-31T23:59:59Z"


@dataclass
class PreemptionResult:
    """What PostFilter decided: a message for FailedScheduling, and the nominated node with its victims."""

    message: str = ""
    node: str | None = None
    victims: list[PodInfo] = field(default_factory=list)


def _start(p: PodInfo) -> str:
    return p.start_time or _FAR_FUTURE


def more_important_pod(a: PodInfo, b: PodInfo) -> bool:
    """Higher priority first; equal priority: the one that started earlier.

    upstream: pkg/scheduler/util/utils.go MoreImportantPod

    Examples
    --------
    >>> a = PodInfo({"metadata": {"name": "a"}, "spec": {"priority": 10}})
    >>> b = PodInfo({"metadata": {"name": "b"}, "spec": {"priority": 5}})
    >>> more_important_pod(a, b), more_important_pod(b, a)
    (True, False)
    """
    if a.priority != b.priority:
        return a.priority > b.priority
    return _start(a) < _start(b)


def _sort_important(pods: list[PodInfo]) -> list[PodInfo]:
    return sorted(pods, key=lambda p: (-p.priority, _start(p)))


def pick_one_node_for_preemption(candidates: list[tuple[str, list[PodInfo], int]]) -> str:
    """Pick a candidate: fewest PDB violations, lowest highest-victim priority, lowest priority sum, fewest
    victims, latest earliest start time; then the first.

    upstream: pkg/scheduler/framework/preemption/preemption.go pickOneNodeForPreemption

    Examples
    --------
    >>> lo = PodInfo({"metadata": {"name": "lo"}, "spec": {"priority": 1}})
    >>> mid = PodInfo({"metadata": {"name": "mid"}, "spec": {"priority": 5}})
    >>> pick_one_node_for_preemption([("n1", [mid], 0), ("n2", [lo, lo], 0)])
    'n2'
    """
    def earliest(victims):
        starts = [p.start_time for p in victims if p.start_time]
        return min(starts) if starts else None

    funcs = [
        lambda c: -c[2],
        lambda c: -c[1][0].priority,
        lambda c: -sum(p.priority + 2**31 for p in c[1]),
        lambda c: -len(c[1]),
    ]
    cands = list(candidates)
    for f in funcs:
        best = max(f(c) for c in cands)
        cands = [c for c in cands if f(c) == best]
        if len(cands) == 1:
            return cands[0][0]
    # latest "earliest start time" wins; nodes without start times score lowest
    starts = [(earliest(c[1]) or "", c) for c in cands]
    best = max(s for s, _ in starts)
    cands = [c for s, c in starts if s == best]
    return cands[0][0]


def _eligible(pod: PodInfo, snap, statuses: dict[int, Status]) -> tuple[bool, str]:
    """upstream: default_preemption.go PodEligibleToPreemptOthers"""
    if pod.preemption_policy == "Never":
        return False, "not eligible due to preemptionPolicy=Never."
    nom = pod.nominated_node_name
    if nom and nom in snap.index:
        st = statuses.get(snap.index[nom])
        if st is not None and st.code == Code.UnschedulableAndUnresolvable:
            return True, ""
        for p in snap.nodes[nom].pods.values():
            if p.priority < pod.priority and p.terminating:
                return False, "not eligible due to a terminating pod on the nominated node."
    return True, ""


def _select_victims(fw, state, pod: PodInfo, ni: NodeInfo, active) -> tuple[list[PodInfo] | None, Status]:
    """upstream: default_preemption.go SelectVictimsOnNode (PDBs not simulated: every victim is non-violating)"""
    ni = ni.clone()
    potential = [p for p in ni.pods.values() if p.priority < pod.priority]
    for p in potential:
        ni.remove_pod(p)
    if not potential:
        return None, Status(Code.UnschedulableAndUnresolvable, NO_VICTIMS)
    st = fw.filter_node(state, pod, ni, active)
    if not st.is_success:
        return None, st
    victims = []
    for p in _sort_important(potential):
        ni.add_pod(p)
        if not fw.filter_node(state, pod, ni, active).is_success:
            ni.remove_pod(p)
            victims.append(p)
    return victims, Status()


def preempt(fw, state: dict, pod: PodInfo, snap, statuses: dict[int, Status], rng) -> PreemptionResult:
    """Run DefaultPreemption's PostFilter for a pod that fits nowhere; no side effects.

    upstream: pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go PostFilter,
    pkg/scheduler/framework/preemption/preemption.go Preempt, findCandidates, DryRunPreemption
    """
    ok, msg = _eligible(pod, snap, statuses)
    if not ok:
        return PreemptionResult("preemption: " + msg)
    n = len(snap.names)
    potential = []
    node_statuses: dict[int, Status] = {}
    for i in range(n):
        st = statuses.get(i)
        if st is None or st.code == Code.UnschedulableAndUnresolvable:
            node_statuses[i] = Status(Code.UnschedulableAndUnresolvable, NOT_HELPFUL)
            continue
        potential.append(i)
    if not potential:
        return PreemptionResult("preemption: " + fit_error_message(n, list(node_statuses.values())))
    m = len(potential)
    offset = rng.randrange(m)
    num_candidates = max(m * MIN_CANDIDATE_NODES_PERCENTAGE // 100, MIN_CANDIDATE_NODES_ABSOLUTE)
    num_candidates = min(num_candidates, m)
    active = fw._pre_filter(state, pod, snap)
    candidates = []
    for j in range(m):
        i = potential[(offset + j) % m]
        victims, st = _select_victims(fw, state, pod, fw._node_for(state, snap, i), active)
        if st.is_success and victims:
            candidates.append((snap.names[i], victims, 0))
            if len(candidates) >= num_candidates:
                break
        elif st.is_success:
            node_statuses[i] = Status(Code.Error, f'expected at least one victim pod on node "{snap.names[i]}"')
        else:
            node_statuses[i] = st
    if not candidates:
        return PreemptionResult("preemption: " + fit_error_message(n, list(node_statuses.values())))
    best = pick_one_node_for_preemption(candidates)
    victims = next(v for name, v, _ in candidates if name == best)
    return PreemptionResult("", best, victims)
