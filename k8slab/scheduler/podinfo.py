"""PodInfo: a pod dict parsed once into the integers and terms the plugins use."""

from __future__ import annotations

from typing import Any

from k8slab.api.quantity import bytes_value, cpu_millis

__all__ = [
    "PodInfo",
    "pod_requests",
    "is_scalar_resource",
    "DEFAULT_MILLI_CPU_REQUEST",
    "DEFAULT_MEMORY_REQUEST",
    "pod_key",
]

# upstream: pkg/scheduler/util/pod_resources.go (DefaultMilliCPURequest, DefaultMemoryRequest)
DEFAULT_MILLI_CPU_REQUEST = 100  # 0.1 core
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024  # 200 MB

_NATIVE = ("cpu", "memory", "ephemeral-storage", "pods")


def is_scalar_resource(name: str) -> bool:
    """Whether a resource name is a scalar resource (extended, hugepages, prefixed native, attachable volumes).

    upstream: pkg/scheduler/util/utils.go IsScalarResourceName, pkg/apis/core/v1/helper/helpers.go

    Examples
    --------
    >>> [is_scalar_resource(n) for n in ("cpu", "nvidia.com/gpu", "hugepages-2Mi", "storage")]
    [False, True, True, False]
    """
    if name in _NATIVE:
        return False
    if name.startswith("hugepages-") or name.startswith("attachable-volumes-"):
        return True
    return "/" in name and not name.startswith("requests.")


def _qty(name: str, value: Any) -> int:
    text = str(value)
    return cpu_millis(text) if name == "cpu" else bytes_value(text)


def _add(dst: dict[str, int], src: dict[str, int]) -> None:
    for k, v in src.items():
        dst[k] = dst.get(k, 0) + v


def _max(dst: dict[str, int], src: dict[str, int]) -> None:
    for k, v in src.items():
        if v > dst.get(k, 0):
            dst[k] = v


def _container_requests(c: dict, non_missing: dict[str, int] | None) -> dict[str, int]:
    reqs = ((c.get("resources") or {}).get("requests")) or {}
    out = {k: _qty(k, v) for k, v in reqs.items()}
    if non_missing:
        for k, v in non_missing.items():
            if k not in reqs:
                out[k] = v
    return out


def pod_requests(pod: dict, non_missing: dict[str, int] | None = None) -> dict[str, int]:
    """Effective requests of a pod: containers summed, init containers as the max, sidecars, pod-level, overhead.

    upstream: staging/src/k8s.io/component-helpers/resource/helpers.go (PodRequests, AggregateContainerRequests)

    Parameters
    ----------
    pod : dict
        The pod, JSON-shaped.
    non_missing : dict, optional
        Values used for containers that leave a resource unset (the scheduler's non-zero defaults).

    Examples
    --------
    >>> pod = {"spec": {"initContainers": [{"resources": {"requests": {"cpu": "2", "memory": "3G"}}}],
    ...                 "containers": [{"resources": {"requests": {"cpu": "2", "memory": "1G"}}},
    ...                                {"resources": {"requests": {"cpu": "1", "memory": "1G"}}}]}}
    >>> pod_requests(pod)
    {'cpu': 3000, 'memory': 3000000000}
    >>> pod_requests({"spec": {"containers": [{}]}}, {"cpu": 100})
    {'cpu': 100}
    """
    spec = pod.get("spec") or {}
    reqs: dict[str, int] = {}
    for c in spec.get("containers") or ():
        _add(reqs, _container_requests(c, non_missing))
    restartable: dict[str, int] = {}
    init_reqs: dict[str, int] = {}
    for c in spec.get("initContainers") or ():
        creqs = _container_requests(c, non_missing)
        if c.get("restartPolicy") == "Always":
            # sidecars run alongside the regular containers: add them, and to later init containers
            _add(reqs, creqs)
            _add(restartable, creqs)
            creqs = dict(restartable)
        else:
            tmp = dict(creqs)
            _add(tmp, restartable)
            creqs = tmp
        _max(init_reqs, creqs)
    _max(reqs, init_reqs)
    pod_level = ((spec.get("resources") or {}).get("requests")) or {}
    for k, v in pod_level.items():
        if k in ("cpu", "memory"):  # upstream IsSupportedPodLevelResource
            reqs[k] = _qty(k, v)
    overhead = spec.get("overhead") or {}
    if overhead:
        _add(reqs, {k: _qty(k, v) for k, v in overhead.items()})
    return reqs


def pod_key(pod: dict) -> str:
    """``namespace/name`` of a pod dict.

    Examples
    --------
    >>> pod_key({"metadata": {"name": "web"}})
    'default/web'
    """
    md = pod.get("metadata") or {}
    return f"{md.get('namespace') or 'default'}/{md.get('name', '')}"


class PodInfo:
    """A pod parsed once: requests in integers (millicores, bytes), ports, tolerations and affinity terms.

    Examples
    --------
    >>> pi = PodInfo({"metadata": {"name": "web", "namespace": "default"},
    ...               "spec": {"containers": [{"image": "nginx", "resources": {"requests": {"cpu": "250m"}}}]}})
    >>> pi.cpu, pi.mem, pi.nz_cpu, pi.nz_mem
    (250, 0, 250, 209715200)
    >>> pi
    <PodInfo default/web>
    """

    __slots__ = (
        "pod", "key", "name", "namespace", "uid", "labels", "priority", "scheduler_name", "node_name",
        "cpu", "mem", "eph", "scalars", "nz_cpu", "nz_mem", "host_ports", "tolerations", "images",
        "node_selector", "required_node_affinity", "preferred_node_affinity",
        "required_affinity", "required_anti_affinity", "preferred_affinity", "preferred_anti_affinity",
        "spread_constraints", "preemption_policy", "nominated_node_name", "terminating", "start_time",
        "creation", "scheduling_gates", "_cache",
    )

    def __init__(self, pod: dict):
        md = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        self.name = md.get("name", "")
        self.namespace = md.get("namespace") or "default"
        self.key = f"{self.namespace}/{self.name}"
        self.uid = md.get("uid") or self.key
        self.priority = int(spec.get("priority") or 0)
        self.scheduler_name = spec.get("schedulerName") or "default-scheduler"
        self.node_name = spec.get("nodeName") or ""
        self.preemption_policy = spec.get("preemptionPolicy") or "PreemptLowerPriority"
        self.terminating = bool(md.get("deletionTimestamp"))
        self.creation = md.get("creationTimestamp") or ""
        self.scheduling_gates = tuple(g.get("name") for g in spec.get("schedulingGates") or ())
        reqs = pod_requests(pod)
        self.cpu = reqs.pop("cpu", 0)
        self.mem = reqs.pop("memory", 0)
        self.eph = reqs.pop("ephemeral-storage", 0)
        self.scalars = {k: v for k, v in reqs.items() if is_scalar_resource(k) and v}
        # upstream: pkg/scheduler/framework/types.go calculateResource (non-zero requests for scoring)
        nz = pod_requests(pod, {"cpu": DEFAULT_MILLI_CPU_REQUEST, "memory": DEFAULT_MEMORY_REQUEST})
        self.nz_cpu = nz.get("cpu", 0)
        self.nz_mem = nz.get("memory", 0)
        # empty fields are shared empty tuples, not lists: a list per field per pod was 30% of a 10,000-pod lab's
        # objects for the garbage collector to scan
        ports = []
        for c in spec.get("containers") or ():
            for p in c.get("ports") or ():
                hp = int(p.get("hostPort") or 0)
                if hp > 0:
                    ports.append((p.get("hostIP") or "0.0.0.0", p.get("protocol") or "TCP", hp))
        self.host_ports = tuple(ports)
        self.images = tuple(c.get("image", "") for key in ("initContainers", "containers") for c in spec.get(key) or ())
        self._cache: dict = {}
        self.rebind(pod)

    def rebind(self, pod: dict) -> None:
        """Point at a newer version of the same pod whose labels and spec are equal (a status update): the fields
        that reference the pod's objects follow it, so the old version can be freed; nothing is parsed again."""
        self.pod = pod
        md = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        status = pod.get("status") or {}
        self.labels = md.get("labels") or {}
        self.nominated_node_name = status.get("nominatedNodeName") or ""
        self.start_time = status.get("startTime") or ""
        self.tolerations = spec.get("tolerations") or ()
        self.node_selector = spec.get("nodeSelector") or {}
        aff = spec.get("affinity") or {}
        na = aff.get("nodeAffinity") or {}
        self.required_node_affinity = na.get("requiredDuringSchedulingIgnoredDuringExecution")
        self.preferred_node_affinity = na.get("preferredDuringSchedulingIgnoredDuringExecution") or ()
        pa = aff.get("podAffinity") or {}
        paa = aff.get("podAntiAffinity") or {}
        self.required_affinity = pa.get("requiredDuringSchedulingIgnoredDuringExecution") or ()
        self.required_anti_affinity = paa.get("requiredDuringSchedulingIgnoredDuringExecution") or ()
        self.preferred_affinity = pa.get("preferredDuringSchedulingIgnoredDuringExecution") or ()
        self.preferred_anti_affinity = paa.get("preferredDuringSchedulingIgnoredDuringExecution") or ()
        self.spread_constraints = spec.get("topologySpreadConstraints") or ()

    @property
    def has_affinity(self) -> bool:
        """Whether the pod has any pod (anti-)affinity (upstream NodeInfo.PodsWithAffinity)."""
        return bool(self.required_affinity or self.required_anti_affinity
                    or self.preferred_affinity or self.preferred_anti_affinity)

    def __repr__(self) -> str:
        return f"<PodInfo {self.key}>"
