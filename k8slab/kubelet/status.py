"""What the kubelet reports: pod phase, pod conditions, and the API form of container statuses."""

from __future__ import annotations

from functools import lru_cache

from k8slab.apiserver.server import format_time

__all__ = ["format_second", "get_phase", "pod_conditions", "is_sidecar", "ready_condition", "initialized_condition",
           "containers_ready_condition", "go_list", "merge_conditions"]


_format_whole = lru_cache(maxsize=256)(format_time)
#: the conditions the kubelet owns, in the order it writes them
_OWN = frozenset(("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"))


def format_second(seconds: float) -> str:
    """``format_time`` memoized per whole second (performance only: a node's pods share instants).

    Examples
    --------
    >>> format_second(61.7)
    '2026-01-01T00:01:01Z'
    """
    return _format_whole(int(seconds))


def is_sidecar(container: dict) -> bool:
    """An init container with ``restartPolicy: Always`` (upstream: podutil.IsRestartableInitContainer)."""
    return container.get("restartPolicy") == "Always"


def go_list(names: list[str]) -> str:
    """How Go's ``%s`` prints a []string: ``[web sidecar]``."""
    return "[" + " ".join(names) + "]"


def _started(cs: dict | None) -> bool:
    return bool(cs and cs.get("started"))


def _any_regular_started(spec: dict, statuses: dict) -> bool:
    # upstream: pkg/kubelet/container/helpers.go HasAnyRegularContainerStarted
    for c in spec.get("containers") or ():
        state = (statuses.get(c["name"]) or {}).get("state") or {}
        if "running" in state or "terminated" in state:
            return True
    return False


def get_phase(spec: dict, statuses: dict[str, dict], pod_is_terminal: bool = False) -> str:
    """The pod phase from the container statuses (``statuses``: name -> API ContainerStatus).

    upstream: pkg/kubelet/kubelet_pods.go getPhase

    Examples
    --------
    >>> spec = {"restartPolicy": "Always", "containers": [{"name": "web"}]}
    >>> get_phase(spec, {"web": {"state": {"waiting": {"reason": "ContainerCreating"}}}})
    'Pending'
    >>> get_phase(spec, {"web": {"state": {"running": {}}}})
    'Running'
    >>> get_phase({**spec, "restartPolicy": "Never"}, {"web": {"state": {"terminated": {"exitCode": 1}}}})
    'Failed'
    """
    pending_sidecars = pending_init = failed_init = 0
    unknown = running = waiting = stopped = succeeded = 0
    inits = spec.get("initContainers") or ()
    for c in inits:
        if is_sidecar(c):
            continue
        cs = statuses.get(c["name"])
        if cs is None:
            pending_init += 1
            continue
        state, last = cs.get("state") or {}, (cs.get("lastState") or {}).get("terminated")
        if "running" in state:
            pending_init += 1
        elif "terminated" in state:
            if state["terminated"].get("exitCode", 0) != 0:
                failed_init += 1
        elif "waiting" in state:
            if last is not None:
                if last.get("exitCode", 0) != 0:
                    failed_init += 1
            else:
                pending_init += 1
        else:
            pending_init += 1
    for c in inits:
        if not is_sidecar(c):
            continue
        cs = statuses.get(c["name"])
        if cs is None:
            unknown += 1
            continue
        state, last = cs.get("state") or {}, (cs.get("lastState") or {}).get("terminated")
        if "running" in state:
            if not cs.get("started"):
                pending_sidecars += 1
            running += 1
        elif "terminated" in state:
            pass
        elif "waiting" in state:
            if last is None:
                pending_sidecars += 1
                waiting += 1
        else:
            pending_sidecars += 1
            unknown += 1
    for c in spec.get("containers") or ():
        cs = statuses.get(c["name"])
        if cs is None:
            unknown += 1
            continue
        state, last = cs.get("state") or {}, (cs.get("lastState") or {}).get("terminated")
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            if state["terminated"].get("exitCode", 0) == 0:
                succeeded += 1
        elif "waiting" in state:
            if last is not None:
                stopped += 1
            else:
                waiting += 1
        else:
            unknown += 1
    policy = spec.get("restartPolicy", "Always")
    if failed_init > 0 and policy == "Never":
        return "Failed"
    if pending_init > 0 or (pending_sidecars > 0 and not _any_regular_started(spec, statuses)) or waiting > 0:
        return "Pending"
    if running > 0 and unknown == 0:
        return "Running"
    if running == 0 and stopped > 0 and unknown == 0:
        if pod_is_terminal:
            return "Succeeded" if stopped == succeeded else "Failed"
        if policy == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        if policy == "Never":
            return "Failed"
        return "Running"
    return "Pending"


def containers_ready_condition(spec: dict, statuses: dict, phase: str) -> dict:
    """upstream: pkg/kubelet/status/generate.go GenerateContainersReadyCondition"""
    unknown, unready = [], []
    for c in [c for c in spec.get("initContainers") or () if is_sidecar(c)] + list(spec.get("containers") or ()):
        cs = statuses.get(c["name"])
        if cs is None:
            unknown.append(c["name"])
        elif not cs.get("ready"):
            unready.append(c["name"])
    if phase == "Succeeded" and not unknown:
        return {"type": "ContainersReady", "status": "False", "reason": "PodCompleted"}
    if phase == "Failed":
        return {"type": "ContainersReady", "status": "False", "reason": "PodFailed"}
    msgs = []
    if unknown:
        msgs.append(f"containers with unknown status: {go_list(unknown)}")
    if unready:
        msgs.append(f"containers with unready status: {go_list(unready)}")
    if msgs:
        return {"type": "ContainersReady", "status": "False", "reason": "ContainersNotReady",
                "message": ", ".join(msgs)}
    return {"type": "ContainersReady", "status": "True"}


def ready_condition(spec: dict, conditions: list[dict], statuses: dict, phase: str) -> dict:
    """upstream: pkg/kubelet/status/generate.go GeneratePodReadyCondition (readiness gates included)"""
    return _ready_from(containers_ready_condition(spec, statuses, phase), spec, conditions)


def _ready_from(cr: dict, spec: dict, conditions: list[dict]) -> dict:
    """Ready from the ContainersReady condition ``cr`` (computed once by :func:`pod_conditions`) and the gates."""
    if cr["status"] != "True":
        return {**cr, "type": "Ready"}
    gates = spec.get("readinessGates")
    if not gates:
        return {"type": "Ready", "status": "True"}
    msgs = []
    by_type = {c.get("type"): c for c in conditions}
    for gate in gates:
        ct = gate.get("conditionType")
        c = by_type.get(ct)
        if c is None:
            msgs.append(f'corresponding condition of pod readiness gate "{ct}" does not exist.')
        elif c.get("status") != "True":
            msgs.append(f'the status of pod readiness gate "{ct}" is not "True", but {c.get("status")}')
    if msgs:
        return {"type": "Ready", "status": "False", "reason": "ReadinessGatesNotReady", "message": ", ".join(msgs)}
    return {"type": "Ready", "status": "True"}


def initialized_condition(spec: dict, init_statuses: dict, statuses: dict, phase: str) -> dict:
    """upstream: pkg/kubelet/status/generate.go GeneratePodInitializedCondition"""
    unknown, incomplete = [], []
    for c in spec.get("initContainers") or ():
        cs = init_statuses.get(c["name"])
        if cs is None:
            unknown.append(c["name"])
            continue
        done = cs.get("started") if is_sidecar(c) else cs.get("ready")
        if not done:
            incomplete.append(c["name"])
    if phase == "Succeeded" and not unknown:
        return {"type": "Initialized", "status": "True", "reason": "PodCompleted"}
    if _any_regular_started(spec, statuses):
        return {"type": "Initialized", "status": "True"}
    msgs = []
    if unknown:
        msgs.append(f"containers with unknown status: {go_list(unknown)}")
    if incomplete:
        msgs.append(f"containers with incomplete status: {go_list(incomplete)}")
    if msgs:
        return {"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized",
                "message": ", ".join(msgs)}
    return {"type": "Initialized", "status": "True"}


def pod_conditions(spec: dict, existing: list[dict], init_statuses: dict, statuses: dict, phase: str,
                   sandbox_ready: bool) -> list[dict]:
    """The kubelet's conditions in its order: PodReadyToStartContainers, Initialized, Ready, ContainersReady,
    PodScheduled (others, such as DisruptionTarget, are kept as they are).

    upstream: pkg/kubelet/kubelet_pods.go generateAPIPodStatus

    Examples
    --------
    >>> spec = {"containers": [{"name": "web"}]}
    >>> conds = pod_conditions(spec, [], {}, {"web": {"ready": True, "state": {"running": {}}}}, "Running", True)
    >>> [c["type"] for c in conds]
    ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']
    >>> {c["status"] for c in conds}
    {'True'}
    """
    if phase in ("Succeeded", "Failed"):
        # upstream: generatePodReadyConditionForTerminalPhase / generateContainersReadyConditionForTerminalPhase
        reason = "PodCompleted" if phase == "Succeeded" else "PodFailed"
        ready = {"type": "Ready", "status": "False", "reason": reason}
        cready = {"type": "ContainersReady", "status": "False", "reason": reason}
    else:
        merged = {**init_statuses, **statuses} if init_statuses else statuses  # sidecars count for readiness
        cready = containers_ready_condition(spec, merged, phase)
        ready = _ready_from(cready, spec, existing)
    new = [
        {"type": "PodReadyToStartContainers", "status": "True" if sandbox_ready else "False"},
        initialized_condition(spec, init_statuses, statuses, phase),
        ready,
        cready,
        {"type": "PodScheduled", "status": "True"},
    ]
    if existing:
        new += [c for c in existing if c.get("type") not in _OWN]
    return new


def merge_conditions(old: list[dict], new: list[dict], now: str, generation: int | None, owned: int = 0
                     ) -> list[dict]:
    """Carry lastTransitionTime over when a condition's status did not change; stamp it when it did.

    The first ``owned`` dicts of ``new`` belong to the caller and are completed in place (performance only: the
    others are copied, as they may be shared with the old status).

    upstream: pkg/kubelet/status/status_manager.go updateLastTransitionTime
    """
    by_type = {c.get("type"): c for c in old}
    out = []
    for i, c in enumerate(new):
        type_ = c["type"]
        prev = by_type.get(type_)
        if i >= owned:
            c = dict(c)
        if "lastTransitionTime" not in c:
            if prev is not None and prev.get("status") == c["status"] and prev.get("lastTransitionTime"):
                c["lastTransitionTime"] = prev["lastTransitionTime"]
            else:
                c["lastTransitionTime"] = now
        if "lastProbeTime" not in c:
            c["lastProbeTime"] = None
        if generation is not None and type_ in _OWN:
            c["observedGeneration"] = generation
        out.append(c)
    return out
