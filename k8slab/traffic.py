"""Client traffic to a Service: each request routed by kube-proxy's programmed rules and answered (or not) by the app."""

# A steady stream of requests, each one a new TCP connection to the Service's ClusterIP. kube-proxy picks the
# endpoint with the rules it last wrote (k8slab.network.kube_proxy does the choosing); those rules lag the
# EndpointSlices because kube-proxy rewrites them through a BoundedFrequencyRunner with minSyncPeriod 1 s.
# The chosen pod answers as its simulated app would at that moment (k8slab.kubelet.probes.probe_app).
#
# upstream: pkg/proxy/runner/bounded_frequency_runner.go (at least minInterval from the end of one sync to the start
#           of the next; Run() during the cool-down is coalesced into one sync when it ends),
#           pkg/proxy/iptables/proxier.go NewProxier (syncRunner with minSyncPeriod, syncPeriod),
#           pkg/proxy/apis/config/v1alpha1/defaults.go (iptables minSyncPeriod 1s, syncPeriod 30s)
# Not simulated: watch latency between the API server and kube-proxy, the time iptables-restore takes, keep-alive
# connections (every request opens a new connection), requests that take time (a request is an instant).

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from k8slab.network.kube_proxy import KubeProxy, ServiceEndpoint, _service_key

__all__ = ["MIN_SYNC_PERIOD", "SYNC_PERIOD", "SyncRunner", "ProgrammedProxy", "app_answers", "TrafficResult",
           "Traffic", "send_traffic"]

#: kube-proxy's iptables.minSyncPeriod default (upstream: pkg/proxy/apis/config/v1alpha1/defaults.go)
MIN_SYNC_PERIOD = 1.0
#: kube-proxy's iptables.syncPeriod default: a full resync at least this often
SYNC_PERIOD = 30.0


class SyncRunner:
    """The BoundedFrequencyRunner on the lab's clock: runs ``fn`` as soon as asked, but never sooner than
    ``min_interval`` after the previous run; requests during the cool-down become one run when it ends. With
    ``max_interval``, it also runs that long after the previous run if nothing asked (kube-proxy's full resync, 1 h:
    it changes no rule, so the lab leaves it off).

    Examples
    --------
    >>> import simpy
    >>> env = simpy.Environment()
    >>> runs = []
    >>> r = SyncRunner(env, lambda: runs.append(env.now), min_interval=1.0)
    >>> def asks():
    ...     for t in (0.0, 0.2, 0.3, 0.5, 3.0):
    ...         yield env.timeout(t - env.now)
    ...         r.run()
    >>> _ = env.process(asks()); env.run(5)
    >>> runs
    [0.0, 1.0, 3.0]
    """

    def __init__(self, env, fn, min_interval: float = MIN_SYNC_PERIOD, max_interval: float | None = None):
        self.env = env
        self.fn = fn
        self.min_interval = min_interval
        self.max_interval = max_interval
        self.last_run: float | None = None
        self._pending = False
        self._runs = 0

    def run(self) -> None:
        """Ask for a run (upstream: BoundedFrequencyRunner.Run)."""
        if self._pending:
            return
        self._pending = True
        ready_at = self.env.now if self.last_run is None else max(self.env.now, self.last_run + self.min_interval)
        timer = self.env.timeout(ready_at - self.env.now)
        timer.callbacks.append(self._fire)

    def _fire(self, _event) -> None:
        self._pending = False
        self.ran()
        self.fn()

    def ran(self) -> None:
        """Record a run now (and arm the max-interval timer)."""
        self.last_run = self.env.now
        self._runs += 1
        if self.max_interval is not None:
            runs = self._runs
            timer = self.env.timeout(self.max_interval)
            timer.callbacks.append(lambda _e: self._fire(None) if self._runs == runs and not self._pending else None)


class ProgrammedProxy(KubeProxy):
    """kube-proxy on one node as the rules it has *written* see the Service: a snapshot of the EndpointSlices taken
    at each sync, not the slices of this instant. ``syncs`` lists the sync times.

    Connections are chosen exactly as :class:`~k8slab.network.kube_proxy.KubeProxy` does (ready endpoints, else
    serving terminating ones; iptables' random probabilities; session affinity), from the snapshot.
    """

    def __init__(self, lab, service, seed: int | None = None, min_sync_period: float = MIN_SYNC_PERIOD):
        super().__init__(lab, seed)
        self.service_key = _service_key(service)
        self.syncs: list[float] = []
        self._programmed: dict[tuple, list[ServiceEndpoint]] = {}
        self.runner = SyncRunner(lab.env, self.sync, min_sync_period)
        self.sync()
        self.runner.ran()
        lab.api.watch(self._slices, self._slice_changed)

    def _slice_changed(self, _event: str, obj: dict) -> None:
        meta = obj.get("metadata") or {}
        if (meta.get("namespace"), (meta.get("labels") or {}).get("kubernetes.io/service-name")) == self.service_key:
            self.runner.run()  # upstream: OnEndpointSliceUpdate -> proxier.Sync() -> syncRunner.Run()

    @staticmethod
    def _port_key(svc: dict, sp: dict) -> tuple:
        return svc["metadata"]["namespace"], svc["metadata"]["name"], sp.get("name", ""), sp.get("protocol", "TCP")

    def sync(self) -> None:
        """syncProxyRules: program the endpoints the Service's EndpointSlices list now."""
        self._programmed = {}
        self.syncs.append(self.lab.env.now)
        try:
            svc = self.lab.api.get(self.lab.api.resource("services"), *self.service_key)
        except Exception:  # no such Service (yet): nothing to program
            return
        for sp in (svc.get("spec") or {}).get("ports") or ():
            self._programmed[self._port_key(svc, sp)] = list(super().endpoints(svc, sp.get("name") or sp["port"]))

    def endpoints(self, service, port=None) -> list[ServiceEndpoint]:
        """The endpoints as last programmed (for the traced Service), else as the EndpointSlices say now."""
        svc = self._service(service)
        if _service_key(svc) != self.service_key:
            return super().endpoints(svc, port)
        return self._programmed.get(self._port_key(svc, self._port(svc, port)), [])


def _worker_for(lab, endpoint: ServiceEndpoint):
    kubelets = lab.components.get("kubelet")
    kubelet = getattr(kubelets, "nodes", {}).get(endpoint.node)
    if kubelet is None:
        return None
    for pw in kubelet.workers.values():
        if pw.ip == endpoint.ip and not pw.cancelled and not (pw.finished and pw.terminal_phase is None
                                                              and pw.pod["metadata"].get("deletionTimestamp")):
            return pw
    return None


def app_answers(lab, endpoint: ServiceEndpoint | None, path: str = "/") -> tuple[bool, str]:
    """What one HTTP request to ``endpoint`` gets now: (success, why not).

    No endpoint: kube-proxy's REJECT rule (connection refused). A pod that is gone: nothing answers at its
    address. A container that is not listening yet (``startupSeconds``), has been sent SIGTERM (the app closes its
    listening socket and drains, as Go's ``http.Server.Shutdown`` and nginx's graceful quit do) or has exited:
    connection refused. Otherwise the app's answer to ``path`` (503 before ``readySeconds``, 404 for unknown paths).
    """
    from k8slab.kubelet.probes import probe_app

    if endpoint is None:
        return False, "no endpoints (REJECT)"
    pw = _worker_for(lab, endpoint)
    if pw is None or pw.finished:
        return False, "pod gone"
    now = lab.env.now
    for insts in pw.instances.values():
        inst = insts[-1]
        if inst.behavior.port != endpoint.port:
            continue
        if inst.state != "running":
            return False, "connection refused (container not running)"
        if inst.sigterm_at is not None:
            return False, "connection refused (SIGTERM: app shutting down)"
        ok, output = probe_app({"httpGet": {"path": path, "port": endpoint.port}}, inst.behavior,
                               inst.alive_for(now), inst.hung(now), endpoint.ip, inst.spec, readiness=False)
        if ok:
            return True, ""
        if "connection refused" in output:
            return False, "connection refused (app starting)"
        if "statuscode: " in output:
            return False, "HTTP " + output.rsplit("statuscode: ", 1)[1]
        return False, "timeout (app hung)"
    return False, "connection refused (nothing listens on the port)"


@dataclass
class TrafficResult:
    """Every request of a traffic run: when it was sent, which pod it reached, and whether it succeeded."""

    service: str
    times: np.ndarray
    ok: np.ndarray
    pods: list[str]
    reasons: list[str]
    syncs: list[float]

    @property
    def sent(self) -> int:
        return int(self.times.size)

    @property
    def failed(self) -> int:
        return int((~self.ok).sum())

    @property
    def success_rate(self) -> float:
        """Share of requests that succeeded (1.0 when none was sent)."""
        return float(self.ok.mean()) if self.sent else 1.0

    def failure_reasons(self) -> Counter:
        """Why requests failed, most common first."""
        return Counter(r for r, ok in zip(self.reasons, self.ok) if not ok)

    def buckets(self, width: float = 1.0, start: float | None = None, end: float | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(bucket start times, success rate per bucket, requests per bucket); empty buckets have rate NaN."""
        if not self.sent:
            return np.array([]), np.array([]), np.array([], dtype=int)
        start = float(self.times[0]) if start is None else start
        end = float(self.times[-1]) if end is None else end
        n = int(np.floor((end - start) / width + 1e-9)) + 1
        idx = np.floor((self.times - start) / width + 1e-9).astype(int)
        keep = (idx >= 0) & (idx < n)
        total = np.bincount(idx[keep], minlength=n)
        good = np.bincount(idx[keep], weights=self.ok[keep].astype(float), minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(total > 0, good / np.maximum(total, 1), np.nan)
        return start + width * np.arange(n), rate, total

    def longest_outage(self) -> float:
        """The longest stretch of consecutive failed requests, in seconds (first failure to first success after)."""
        best, since = 0.0, None
        for t, ok in zip(self.times, self.ok):
            if not ok and since is None:
                since = t
            elif ok and since is not None:
                best, since = max(best, t - since), None
        if since is not None:
            best = max(best, float(self.times[-1]) - since)
        return float(best)

    def __repr__(self) -> str:
        reasons = ", ".join(f"{n} {r}" for r, n in self.failure_reasons().most_common())
        return (f"<TrafficResult {self.service}: {self.sent} requests, {self.failed} failed "
                f"({100 * self.success_rate:.2f}% success){': ' + reasons if reasons else ''}>")


class Traffic:
    """A client sending ``rate`` requests per second to a Service, from now until :meth:`stop` (or ``duration``).

    Parameters
    ----------
    lab : Cluster
    service : str
        ``"namespace/name"`` (or ``"name"`` in default).
    rate : float
        Requests per second, evenly spaced (the first one now).
    path : str
        The HTTP path each request asks for.
    client : str
        The client's address; its connections go through the kube-proxy of ``node``.
    node : str, optional
        The node whose kube-proxy routes the traffic (default: the first node); per-node kube-proxies differ only
        by watch latency, which is not simulated.
    duration : float, optional
        Stop by itself after this many seconds.
    min_sync_period : float
        kube-proxy's ``--iptables-min-sync-period`` (1 s by default).
    """

    def __init__(self, lab, service: str, rate: float = 20.0, path: str = "/", client: str = "10.224.0.100",
                 node: str | None = None, duration: float | None = None, seed: int | None = None,
                 min_sync_period: float = MIN_SYNC_PERIOD):
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        self.lab = lab
        ns, name = _service_key(service)
        self.service = f"{ns}/{name}"
        self.rate = rate
        self.path = path
        self.client = client
        if node is None:
            nodes = sorted(lab.components["kubelet"].nodes) if "kubelet" in lab.components else []
            node = nodes[0] if nodes else None
        self.node = node
        self.proxy = ProgrammedProxy(lab, self.service, seed, min_sync_period)
        self._times: list[float] = []
        self._ok: list[bool] = []
        self._pods: list[str] = []
        self._reasons: list[str] = []
        self.stopped = False
        self.started_at = lab.env.now
        self._end = None if duration is None else self.started_at + duration
        lab.env.process(self._send())

    def _send(self):
        env = self.lab.env
        i = 0
        while not self.stopped:
            at = self.started_at + i / self.rate
            if self._end is not None and at >= self._end - 1e-9:
                break
            if at > env.now:
                delay = at - env.now
                while env.now + delay < at:  # never a hair early: a request due at the end of lab.run() waits
                    delay = math.nextafter(delay, math.inf)
                yield env.timeout(delay)
            if self.stopped:
                break
            self.request()
            i += 1

    def request(self) -> bool:
        """Send one request now; returns whether it succeeded."""
        from k8slab.errors import NotFound

        try:
            endpoint = self.proxy.forward(self.service, self.client, node=self.node).endpoint
        except NotFound:  # the client's DNS lookup of the Service name fails
            endpoint, ok, reason = None, False, "no such Service (DNS: NXDOMAIN)"
        else:
            ok, reason = app_answers(self.lab, endpoint, self.path)
        self._times.append(self.lab.env.now)
        self._ok.append(ok)
        self._pods.append(endpoint.pod if endpoint else "")
        self._reasons.append(reason)
        return ok

    def stop(self) -> TrafficResult:
        """Stop sending; returns the result so far."""
        self.stopped = True
        return self.result()

    def result(self) -> TrafficResult:
        return TrafficResult(self.service, np.array(self._times, dtype=float), np.array(self._ok, dtype=bool),
                             list(self._pods), list(self._reasons), list(self.proxy.syncs))

    def __repr__(self) -> str:
        return f"<Traffic to {self.service}: {self.rate:g}/s{', stopped' if self.stopped else ''}, " \
               f"{len(self._times)} sent>"


def send_traffic(lab, service: str, rate: float = 20.0, **kw) -> Traffic:
    """Start a :class:`Traffic` stream to ``service``; run the clock, then ``.stop()`` or ``.result()``.

    Examples
    --------
    >>> import k8slab as kl
    >>> lab = kl.Cluster.from_preset("kind-1node")
    >>> _ = lab.apply('''
    ... apiVersion: v1
    ... kind: Service
    ... metadata: {name: web}
    ... spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
    ... ''')
    >>> t = send_traffic(lab, "default/web", rate=10)  # at 0.0, 0.1, ... 2.0 s
    >>> t.stop() if lab.run(2) else None
    <TrafficResult default/web: 21 requests, 21 failed (0.00% success): 21 no endpoints (REJECT)>
    """
    return Traffic(lab, service, rate, **kw)
