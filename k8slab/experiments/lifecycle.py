"""Pod lifecycle experiments: a ``kubectl get pods -w`` recorder, crash-loop back-off gaps, and probe tuning."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["PodWatch", "WatchRow", "backoff_gaps", "ProbeOutcome", "probe_outcome", "POD_STATES"]

#: the STATUS values ``kubectl get pods`` shows, the phase each belongs to, and how a pod moves between them
#: (upstream: pkg/kubelet/kubelet_pods.go getPhase, kuberuntime_manager.go computePodActions,
#: pkg/printers/internalversion/printers.go printPod)
POD_STATES = {
    "nodes": {
        "Pending": "Pending", "ContainerCreating": "Pending", "Init:0/1": "Pending", "PodInitializing": "Pending",
        "ErrImagePull": "Pending", "ImagePullBackOff": "Pending", "CreateContainerConfigError": "Pending",
        "Running": "Running", "NotReady (0/1)": "Running", "Error / OOMKilled": "Running",
        "CrashLoopBackOff": "Running", "Completed": "Succeeded", "Error": "Failed", "Terminating": "Terminating",
    },
    "edges": [
        ("Pending", "ContainerCreating", "scheduled to a node"),
        ("Pending", "Init:0/1", "scheduled, has init containers"),
        ("Init:0/1", "PodInitializing", "init containers exited 0"),
        ("PodInitializing", "Running", "containers started"),
        ("ContainerCreating", "ErrImagePull", "pull failed"),
        ("ErrImagePull", "ImagePullBackOff", "back-off 10s..300s"),
        ("ImagePullBackOff", "ErrImagePull", "retry"),
        ("ImagePullBackOff", "Running", "pull succeeds"),
        ("ContainerCreating", "CreateContainerConfigError", "missing ConfigMap/Secret key"),
        ("ContainerCreating", "Running", "containers started"),
        ("Running", "NotReady (0/1)", "readiness fails"),
        ("NotReady (0/1)", "Running", "readiness passes"),
        ("Running", "Error / OOMKilled", "exit != 0, OOM, liveness kill"),
        ("Error / OOMKilled", "CrashLoopBackOff", "restartPolicy Always/OnFailure"),
        ("CrashLoopBackOff", "Running", "back-off over: restart"),
        ("Running", "Completed", "all exited 0 (Never/OnFailure)"),
        ("Error / OOMKilled", "Error", "restartPolicy Never"),
        ("Running", "Terminating", "deleted: preStop, SIGTERM, grace"),
    ],
}


@dataclass(frozen=True)
class WatchRow:
    """One line of ``kubectl get pods -w``: what the pod looked like at ``time``."""

    time: float
    name: str
    ready: str
    status: str
    restarts: str


class PodWatch:
    """Records, from now on, every change of what ``kubectl get pods`` shows for the pods (``names``, or all).

    The lab has no live terminal, so ``kubectl get pods -w`` itself is not simulated; this keeps the same lines
    with the simulated time each appeared. Prints as the watch would, with a TIME column first.
    """

    def __init__(self, lab, names=None, namespace: str = "default"):
        self.lab = lab
        self.names = None if names is None else ({names} if isinstance(names, str) else set(names))
        self.namespace = namespace
        self.rows: list[WatchRow] = []
        #: pod name -> when it was removed from the API
        self.gone: dict[str, float] = {}
        self._last: dict[str, tuple] = {}
        self.started_at = lab.now
        #: (time, pod, reason, message) of every event recorded about the pods from now on (repeats included)
        self.events: list[tuple[float, str, str, str]] = []
        res = lab.api.resource("pods")
        for pod in lab.api.list(res, namespace):
            self._seen("ADDED", pod)
        lab.api.watch(res, self._seen)
        lab.api.watch(lab.api.resource("events"), self._event)

    def _event(self, kind: str, ev: dict) -> None:
        obj = ev.get("involvedObject") or {}
        if kind == "DELETED" or obj.get("kind") != "Pod" or (ev.get("metadata") or {}).get("namespace") != \
                self.namespace or (self.names is not None and obj.get("name") not in self.names):
            return
        self.events.append((self.lab.now, obj.get("name"), ev.get("reason", ""), ev.get("message", "")))

    def _seen(self, event: str, pod: dict) -> None:
        from k8slab.kubectl.printers import pod_status

        meta = pod.get("metadata") or {}
        name = meta.get("name")
        if meta.get("namespace") != self.namespace or (self.names is not None and name not in self.names):
            return
        if event == "DELETED":
            self._last.pop(name, None)
            self.gone[name] = self.lab.now
            return
        ready, status, restarts = pod_status(pod, self.lab.now)
        key = (ready, status, restarts.split(" ")[0])
        if self._last.get(name) != key:
            self._last[name] = key
            self.rows.append(WatchRow(self.lab.now, name, ready, status, restarts))

    def pulls(self, name: str) -> list[float]:
        """When the kubelet started pulling an image for ``name`` (its ``Pulling`` events)."""
        return [t for t, pod, reason, _ in self.events if pod == name and reason == "Pulling"]

    def of(self, name: str) -> list[WatchRow]:
        """The rows of one pod."""
        return [r for r in self.rows if r.name == name]

    def statuses(self, name: str) -> list[str]:
        """The STATUS values one pod went through, in order (repeats collapsed)."""
        out: list[str] = []
        for r in self.of(name):
            if not out or out[-1] != r.status:
                out.append(r.status)
        return out

    def __repr__(self) -> str:
        from k8slab.kubectl.format import human_duration, tabwriter

        lines = ["TIME\tNAME\tREADY\tSTATUS\tRESTARTS"]
        for r in self.rows:
            lines.append(f"{human_duration(r.time - self.started_at)}\t{r.name}\t{r.ready}\t{r.status}\t"
                         f"{r.restarts}")
        return tabwriter(lines, padding=3).rstrip("\n")


def backoff_gaps(watch: PodWatch, name: str) -> list[tuple[float, float]]:
    """(start, seconds) of each crash-loop back-off of ``name``: from the moment STATUS turned CrashLoopBackOff to
    the next restart.

    The kubelet's back-off doubles from 10 s up to 300 s (upstream: pkg/kubelet/kubelet.go backOffPeriod,
    MaxContainerBackOff).
    """
    out = []
    since = None
    for r in watch.of(name):
        if r.status == "CrashLoopBackOff" and since is None:
            since = r.time
        elif r.status != "CrashLoopBackOff" and since is not None:
            out.append((since, r.time - since))
            since = None
    return out


@dataclass
class ProbeOutcome:
    """What happened to one slow-starting pod with the given probes in ``seconds`` of simulated time."""

    startup_seconds: float
    probes: dict
    seconds: float
    restarts: int
    ready_at: float | None
    status: str
    watch: PodWatch = field(repr=False)

    @property
    def verdict(self) -> str:
        if self.ready_at is not None and self.restarts == 0:
            return f"Ready after {self.ready_at:g} s, never restarted"
        if self.ready_at is not None:
            return f"Ready after {self.ready_at:g} s, but restarted {self.restarts} time(s) first"
        return (f"never Ready in {self.seconds:g} s: the liveness probe killed it {self.restarts} time(s) before it "
                f"could start; now {self.status}")


def probe_outcome(startup_seconds: float = 30, period: int = 10, failure_threshold: int = 3,
                  initial_delay: int = 0, startup_probe: bool = False, seconds: float = 300) -> ProbeOutcome:
    """Start one pod whose app listens only ``startup_seconds`` after it starts, with the same HTTP liveness and
    readiness probe (``period``, ``failure_threshold``, ``initial_delay``), run ``seconds`` and report.

    The first probe runs as the container starts, so without ``initial_delay`` the liveness probe gives the app
    ``period x (failure_threshold - 1)`` seconds. ``startup_probe=True`` adds the docs' pattern instead: a startup
    probe with the same check, the same period and ``failureThreshold: 30``; liveness and readiness wait for it.

    Examples
    --------
    >>> probe_outcome(startup_seconds=15, period=10, failure_threshold=3).verdict
    'Ready after 20.3 s, never restarted'
    >>> probe_outcome(startup_seconds=45, period=5, failure_threshold=3).verdict.split(":")[0]
    'never Ready in 300 s'
    >>> probe_outcome(startup_seconds=45, period=5, failure_threshold=3, startup_probe=True).verdict
    'Ready after 45.3 s, never restarted'
    """
    import k8slab as kl

    check = {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": period,
             "failureThreshold": failure_threshold}
    if initial_delay:
        check["initialDelaySeconds"] = initial_delay
    container = {"name": "app", "image": "ghcr.io/k8slab/web:1.0", "ports": [{"containerPort": 8080}],
                 "livenessProbe": dict(check), "readinessProbe": dict(check)}
    if startup_probe:
        container["startupProbe"] = {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": period,
                                     "failureThreshold": 30}
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "slow", "annotations": {"k8slab.io/startup-seconds": str(startup_seconds)}},
           "spec": {"containers": [container]}}
    lab = kl.Cluster.from_preset("kind-1node")
    watch = PodWatch(lab, "slow")
    lab.apply(pod)
    lab.run(seconds)
    rows = watch.of("slow")
    ready_at = next((r.time for r in rows if r.ready == "1/1"), None)
    last = rows[-1]
    probes = {k: container[k] for k in ("startupProbe", "livenessProbe", "readinessProbe") if k in container}
    return ProbeOutcome(startup_seconds, probes, seconds, int(last.restarts.split(" ")[0]),
                        None if ready_at is None else round(ready_at, 3), last.status, watch)
