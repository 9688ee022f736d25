"""Pod admission on the node: does the pod fit the node's allocatable next to the pods already admitted?"""

from __future__ import annotations

from k8slab.api.quantity import bytes_value, cpu_millis
from k8slab.scheduler.podinfo import pod_requests

__all__ = ["admit", "allocatable_of"]


def allocatable_of(node: dict) -> dict[str, int]:
    """``status.allocatable`` (or capacity) as integers: cpu in millicores, memory in bytes, pods."""
    status = node.get("status") or {}
    alloc = status.get("allocatable") or status.get("capacity") or {}
    out = {}
    for name, value in alloc.items():
        try:
            out[name] = cpu_millis(str(value)) if name == "cpu" else int(bytes_value(str(value)))
        except (ValueError, TypeError):
            continue
    return out


def admit(pod: dict, allocatable: dict[str, int], used: dict[str, int], pod_count: int,
          requests: dict[str, int] | None = None) -> tuple[str, str] | None:
    """None when the pod fits, else (reason, message) as the kubelet rejects it: ``OutOfcpu``, ``OutOfmemory``...

    ``used`` holds the summed requests of the pods already admitted, ``pod_count`` how many there are;
    ``requests`` the pod's own (``pod_requests(pod)``, computed here when not given).
    Only the first failing resource is reported, as the kubelet does.

    upstream: pkg/kubelet/lifecycle/predicate.go (GeneralPredicates, InsufficientResourceError, rejectPod)

    Examples
    --------
    >>> pod = {"spec": {"containers": [{"resources": {"requests": {"cpu": "2"}}}]}}
    >>> admit(pod, {"cpu": 1000, "memory": 2**30, "pods": 110}, {"cpu": 0}, 0)
    ('OutOfcpu', "Node didn't have enough resource: cpu, requested: 2000, used: 0, capacity: 1000")
    >>> admit(pod, {"cpu": 4000, "pods": 110}, {"cpu": 1000}, 3) is None
    True
    """
    allowed_pods = allocatable.get("pods")
    if allowed_pods is not None and pod_count + 1 > allowed_pods:
        return "OutOfpods", (f"Node didn't have enough resource: pods, requested: 1, used: {pod_count}, "
                             f"capacity: {allowed_pods}")
    req = pod_requests(pod) if requests is None else requests
    for name in ("cpu", "memory", "ephemeral-storage"):
        want = req.get(name, 0)
        if want == 0 or name not in allocatable:
            continue
        have = used.get(name, 0)
        if want > allocatable[name] - have:
            return f"OutOf{name}", (f"Node didn't have enough resource: {name}, requested: {want}, used: {have}, "
                                    f"capacity: {allocatable[name]}")
    for name, want in sorted(req.items()):
        if name in ("cpu", "memory", "ephemeral-storage", "pods") or want == 0:
            continue
        cap = allocatable.get(name, 0)
        if want > cap - used.get(name, 0):
            return f"OutOf{name}", (f"Node didn't have enough resource: {name}, requested: {want}, "
                                    f"used: {used.get(name, 0)}, capacity: {cap}")
    return None
