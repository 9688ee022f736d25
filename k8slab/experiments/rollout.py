"""Rollout experiments: availability of a Service during a rollout, and a rolling update's pod counts step by step."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from k8slab.traffic import MIN_SYNC_PERIOD, TrafficResult, send_traffic

__all__ = ["PodCounts", "PodCountRecorder", "RolloutRun", "RolloutComparison", "rollout_availability",
           "compare_rollouts", "DEFAULT_VARIANTS", "RolloutTimeline", "rolling_update_timeline", "web_manifests"]

_MANIFESTS = Path(__file__).resolve().parents[2] / "data" / "manifests" / "05-deployments"
NEW_IMAGE = "ghcr.io/k8slab/web:2.0"
#: seconds the first pods get after they are available, before traffic or the rollout starts (the app listens after
#: 2 s and is warm after 5 s, see web.yaml)
WARM_UP = 10.0
#: the lab's components a rollout needs (the widget's lighter lab: no Services, storage or secrets)
_ROLLOUT_COMPONENTS = ["k8slab.controllers.replicaset:ReplicaSetController",
                       "k8slab.controllers.deployment:DeploymentController",
                       "k8slab.scheduler.component:KubeScheduler",
                       "k8slab.network.node_ipam:NodeIPAMController",
                       "k8slab.kubelet:Kubelets"]


def web_manifests(strategy: str = "RollingUpdate", readiness_probe: bool = True, pre_stop: float = 5,
                  replicas: int = 3, max_surge="25%", max_unavailable="25%") -> list[dict]:
    """The experiment's Deployment and Service (data/manifests/05-deployments/web.yaml) with the variant's changes.

    Examples
    --------
    >>> d, svc = web_manifests("Recreate", readiness_probe=False, pre_stop=0)
    >>> d["spec"]["strategy"], sorted(d["spec"]["template"]["spec"]["containers"][0])
    ({'type': 'Recreate'}, ['image', 'name', 'ports'])
    """
    import yaml

    if strategy not in ("RollingUpdate", "Recreate"):
        raise ValueError(f'strategy must be "RollingUpdate" or "Recreate", got {strategy!r}')
    d, svc = [doc for doc in yaml.safe_load_all((_MANIFESTS / "web.yaml").read_text()) if doc]
    spec = d["spec"]
    spec["replicas"] = replicas
    if strategy == "Recreate":
        spec["strategy"] = {"type": "Recreate"}
    else:
        spec["strategy"] = {"type": "RollingUpdate",
                            "rollingUpdate": {"maxSurge": max_surge, "maxUnavailable": max_unavailable}}
    c = spec["template"]["spec"]["containers"][0]
    if not readiness_probe:
        del c["readinessProbe"]
    if pre_stop:
        c["lifecycle"]["preStop"]["sleep"]["seconds"] = int(pre_stop)
    else:
        del c["lifecycle"]
    return [d, svc]


@dataclass
class PodCounts:
    """A Deployment's pods over time, split by generation (old template / new template) and state."""

    times: np.ndarray
    old_ready: np.ndarray
    old_not_ready: np.ndarray
    new_ready: np.ndarray
    new_not_ready: np.ndarray
    terminating: np.ndarray

    @property
    def total(self) -> np.ndarray:
        """Pods that exist (terminating ones included)."""
        return self.old_ready + self.old_not_ready + self.new_ready + self.new_not_ready + self.terminating

    @property
    def ready(self) -> np.ndarray:
        return self.old_ready + self.new_ready

    def at(self, t: float) -> dict[str, int]:
        """The counts in force at time ``t`` (the last change at or before it)."""
        i = max(int(np.searchsorted(self.times, t, side="right")) - 1, 0)
        return {k: int(getattr(self, k)[i]) for k in ("old_ready", "old_not_ready", "new_ready", "new_not_ready",
                                                        "terminating")}


def _ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or ())


class PodCountRecorder:
    """Watches the pods of ``selector`` in ``namespace`` and records the counts at every change.

    Pods whose ``pod-template-hash`` is one of ``old_hashes`` (by default, the hashes of the pods there now)
    count as old. Terminating pods (with a deletionTimestamp) count as terminating whatever their generation.
    """

    def __init__(self, lab, selector: dict, namespace: str = "default", old_hashes=None):
        from k8slab.api.labels import selector_from

        self.lab = lab
        self.namespace = namespace
        self.selector = selector_from({"matchLabels": selector})
        self.res = lab.api.resource("pods")
        pods = self._pods()
        self.old_hashes = set(old_hashes) if old_hashes is not None else \
            {(p["metadata"].get("labels") or {}).get("pod-template-hash") for p in pods}
        self.rows: list[tuple] = []
        self._record()
        lab.api.watch(self.res, self._changed)

    def _pods(self) -> list[dict]:
        return [p for p in self.lab.api.list(self.res, self.namespace)
                if self.selector.matches(p["metadata"].get("labels") or {})
                and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]

    def _changed(self, _event: str, pod: dict) -> None:
        if (pod.get("metadata") or {}).get("namespace") == self.namespace \
                and self.selector.matches(pod["metadata"].get("labels") or {}):
            self._record()

    def _record(self) -> None:
        c = [0, 0, 0, 0, 0]
        for p in self._pods():
            if p["metadata"].get("deletionTimestamp"):
                c[4] += 1
                continue
            old = (p["metadata"].get("labels") or {}).get("pod-template-hash") in self.old_hashes
            c[(0 if old else 2) + (0 if _ready(p) else 1)] += 1
        row = (self.lab.env.now, *c)
        if self.rows and self.rows[-1][0] == row[0]:
            self.rows[-1] = row
        elif not self.rows or self.rows[-1][1:] != row[1:]:
            self.rows.append(row)

    def counts(self) -> PodCounts:
        a = np.array(self.rows, dtype=float).reshape(-1, 6)
        return PodCounts(a[:, 0], *(a[:, i].astype(int) for i in range(1, 6)))


@dataclass
class RolloutRun:
    """One rollout under traffic: what was sent and answered, and the pods over time."""

    strategy: str
    readiness_probe: bool
    pre_stop: float
    traffic: TrafficResult
    counts: PodCounts
    started_at: float
    finished_at: float

    @property
    def label(self) -> str:
        probe = "readiness probe" if self.readiness_probe else "no readiness probe"
        stop = f"preStop {self.pre_stop:g} s" if self.pre_stop else "no preStop"
        return f"{self.strategy}, {probe}, {stop}"

    @property
    def failed(self) -> int:
        return self.traffic.failed

    def __repr__(self) -> str:
        t = self.traffic
        return (f"<RolloutRun {self.label}: {t.sent} requests, {t.failed} failed ({100 * t.success_rate:.2f}% "
                f"success), longest outage {t.longest_outage():.2f} s, rollout took "
                f"{self.finished_at - self.started_at:.1f} s>")


def _rollout_done(lab, name: str, namespace: str) -> bool:
    d = lab.api.get(lab.api.resource("deployments"), namespace, name)
    want = (d.get("spec") or {}).get("replicas", 1)
    st = d.get("status") or {}
    if st.get("observedGeneration", 0) < d["metadata"].get("generation", 0):
        return False
    if not (st.get("updatedReplicas", 0) == want and st.get("availableReplicas", 0) == want
            and st.get("replicas", 0) == want):
        return False
    from k8slab.api.labels import selector_from

    sel = selector_from(d["spec"]["selector"])
    return not any(p["metadata"].get("deletionTimestamp") for p in lab.api.list(lab.api.resource("pods"), namespace)
                   if sel.matches(p["metadata"].get("labels") or {}))


def _run_until(lab, done, limit: float, step: float = 0.5) -> float:
    end = lab.now + limit
    while lab.now < end:
        lab.run(step)
        if done():
            return lab.now
    raise RuntimeError(f"not done after {limit:g} simulated seconds")


def rollout_availability(strategy: str = "RollingUpdate", readiness_probe: bool = True, pre_stop: float = 5,
                         replicas: int = 3, max_surge="25%", max_unavailable="25%", rate: float = 20.0,
                         warmup: float = 5.0, tail: float = 5.0, seed: int = 0,
                         min_sync_period: float = MIN_SYNC_PERIOD) -> RolloutRun:
    """Roll ``web`` from ghcr.io/k8slab/web:1.0 to 2.0 under steady traffic and measure what the clients saw.

    The lab is ``aks-3node``; the Deployment and Service are data/manifests/05-deployments/web.yaml with the
    variant's strategy, readiness probe and preStop sleep. ``rate`` requests per second start ``warmup`` seconds
    before ``kubectl set image`` and go on until the rollout is complete (every new pod available, every old pod
    gone) plus ``tail`` seconds. Each request goes through kube-proxy's programmed rules (see
    :mod:`k8slab.traffic`) to a pod, which answers as its app would at that instant.

    Examples
    --------
    >>> run = rollout_availability(rate=5)
    >>> run.traffic.failed, run.traffic.sent > 100
    (0, True)
    """
    lab = _web_lab(strategy, readiness_probe, pre_stop, replicas, max_surge, max_unavailable, seed)
    counts = PodCountRecorder(lab, {"app": "web"})
    traffic = send_traffic(lab, "default/web", rate=rate, min_sync_period=min_sync_period)
    lab.run(warmup)
    started = lab.now
    out = lab.kubectl(f"set image deployment/web web={NEW_IMAGE}")
    if out.rc != 0:  # pragma: no cover - the manifests are ours
        raise RuntimeError(out.stderr)
    finished = _run_until(lab, lambda: _rollout_done(lab, "web", "default"), 600)
    lab.run(tail)
    return RolloutRun(strategy, readiness_probe, pre_stop, traffic.stop(), counts.counts(), started, finished)


def _web_lab(strategy, readiness_probe, pre_stop, replicas, max_surge, max_unavailable, seed, components=None):
    import k8slab as kl

    if components is None:
        lab = kl.Cluster.from_preset("aks-3node", seed=seed)
    else:
        import yaml

        docs = [d for d in yaml.safe_load_all((_MANIFESTS.parents[1] / "clusters" / "aks-3node.yaml").read_text())
                if d and d.get("kind") == "Node"]
        lab = kl.Cluster(seed=seed, components=components)
        lab.apply(docs)
    docs = web_manifests(strategy, readiness_probe, pre_stop, replicas, max_surge, max_unavailable)
    lab.apply(docs if components is None else docs[:1])
    _run_until(lab, lambda: _rollout_done(lab, "web", "default"), 120)
    lab.run(WARM_UP)  # without a readiness probe "available" comes before the app serves: let every app warm up
    return lab


#: the four runs of chapter 05: (strategy, readiness_probe, pre_stop)
DEFAULT_VARIANTS = (("RollingUpdate", True, 5), ("RollingUpdate", False, 5), ("RollingUpdate", True, 0),
                    ("Recreate", True, 5))


class RolloutComparison(list):
    """Several :class:`RolloutRun` side by side; prints as a table."""

    def __repr__(self) -> str:
        from k8slab.kubectl.format import tabwriter

        rows = ["VARIANT\tREQUESTS\tFAILED\tSUCCESS\tLONGEST OUTAGE\tROLLOUT"]
        for r in self:
            t = r.traffic
            rows.append(f"{r.label}\t{t.sent}\t{t.failed}\t{100 * t.success_rate:.2f}%\t"
                        f"{t.longest_outage():.2f} s\t{r.finished_at - r.started_at:.1f} s")
        return tabwriter(rows, padding=3).rstrip("\n")


def compare_rollouts(variants=DEFAULT_VARIANTS, **kw) -> RolloutComparison:
    """:func:`rollout_availability` for each ``(strategy, readiness_probe, pre_stop)`` of ``variants``."""
    return RolloutComparison(rollout_availability(s, r, p, **kw) for s, r, p in variants)


@dataclass
class RolloutTimeline:
    """A rolling update stepped by the real controllers: pod counts over time and the Deployment's scaling events."""

    replicas: int
    max_surge: int
    max_unavailable: int
    counts: PodCounts
    events: list[tuple[float, str]] = field(default_factory=list)
    started_at: float = 0.0
    finished_at: float = 0.0
    error: str = ""

    @property
    def peak_pods(self) -> int:
        """Most pods at once, not counting terminating ones (at most replicas + maxSurge)."""
        c = self.counts
        return int((c.total - c.terminating).max()) if c.times.size else 0

    @property
    def min_ready(self) -> int:
        """Fewest ready pods at once during the rollout (at least replicas - maxUnavailable)."""
        return int(self.counts.ready.min()) if self.counts.times.size else 0

    def __repr__(self) -> str:
        if self.error:
            return f"<RolloutTimeline: {self.error}>"
        return (f"<RolloutTimeline {self.replicas} replicas, maxSurge {self.max_surge}, maxUnavailable "
                f"{self.max_unavailable}: at most {self.peak_pods} pods, at least {self.min_ready} ready, "
                f"{len(self.events)} scaling steps, {self.finished_at - self.started_at:.1f} s>")


def _validate_fenceposts(max_surge, max_unavailable) -> str:
    """The API server's check: both raw values zero (an int 0 or "0%") is invalid.

    upstream: pkg/apis/apps/validation/validation.go ValidateRollingUpdateDeployment (getIntOrPercentValue)
    """
    def raw(v) -> int:
        text = str(v)
        return int(text[:-1]) if text.endswith("%") else int(text)

    if raw(max_surge) == 0 and raw(max_unavailable) == 0:
        shown = f'"{max_unavailable}"' if isinstance(max_unavailable, str) else str(max_unavailable)
        return ('The Deployment "web" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: '
                f"{shown}: may not be 0 when `maxSurge` is 0")
    return ""


def rolling_update_timeline(replicas: int = 10, max_surge="25%", max_unavailable="25%", seed: int = 0
                            ) -> RolloutTimeline:
    """Roll a ``replicas``-pod Deployment of the experiment's app to a new image and record every step.

    Runs the lab's ReplicaSet and Deployment controllers, scheduler and kubelets (no traffic). A new pod is
    ready about 5 s after it is created (image pull, the app's 2 s start-up, its 5 s warm-up, probed every second).

    Examples
    --------
    >>> tl = rolling_update_timeline(4, max_surge=1, max_unavailable=0)
    >>> tl.peak_pods, tl.min_ready
    (5, 4)
    """
    from k8slab.controllers.deployment_util import resolve_fenceposts

    error = _validate_fenceposts(max_surge, max_unavailable)
    surge, unavailable = resolve_fenceposts(max_surge, max_unavailable, replicas)
    if error:
        empty = PodCounts(*(np.zeros(0) for _ in range(6)))
        return RolloutTimeline(replicas, surge, unavailable, empty, error=error)
    lab = _web_lab("RollingUpdate", True, 0, replicas, max_surge, max_unavailable, seed,
                   components=_ROLLOUT_COMPONENTS)
    counts = PodCountRecorder(lab, {"app": "web"})
    events: list[tuple[float, str]] = []

    def on_event(kind: str, ev: dict) -> None:
        if kind == "ADDED" and (ev.get("involvedObject") or {}).get("kind") == "Deployment":
            events.append((lab.now, ev.get("message", "")))
        elif kind == "MODIFIED" and (ev.get("involvedObject") or {}).get("kind") == "Deployment":
            events.append((lab.now, ev.get("message", "")))

    lab.api.watch(lab.api.resource("events"), on_event)
    started = lab.now
    d = lab.api.get(lab.api.resource("deployments"), "default", "web")
    d = copy.deepcopy(d)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = NEW_IMAGE
    lab.api.update(d)
    finished = _run_until(lab, lambda: _rollout_done(lab, "web", "default"), 600)
    return RolloutTimeline(replicas, surge, unavailable, counts.counts(), events, started, finished)
