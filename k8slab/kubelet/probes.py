"""Startup, liveness and readiness probes: one worker per container and probe, answered by the simulated app."""

from __future__ import annotations

__all__ = ["probe_app", "ProbeWorker", "resolve_port", "PROBE_TYPES"]

#: spec field -> the probe type name the kubelet prints (upstream: pkg/kubelet/prober/prober.go probeType)
PROBE_TYPES = {"startupProbe": "Startup", "livenessProbe": "Liveness", "readinessProbe": "Readiness"}


def resolve_port(port, container: dict) -> int | None:
    """A probe's port: a number, or the name of one of the container's ports (upstream: probe.ResolveContainerPort)."""
    if isinstance(port, int):
        return port
    if isinstance(port, str) and port.isdigit():
        return int(port)
    for p in container.get("ports") or ():
        if p.get("name") == port:
            return p.get("containerPort")
    return None


def probe_app(handler: dict, behavior, alive_for: float, hung: bool, pod_ip: str, container: dict,
              readiness: bool) -> tuple[bool, str]:
    """Run one probe (or an httpGet hook) against the simulated app: (success, output).

    The outputs are the kubelet's texts: ``HTTP probe failed with statuscode: 503``, Go's net/http and net errors
    for refused connections and timeouts (upstream: pkg/probe/http/http.go, pkg/probe/tcp/tcp.go).

    Examples
    --------
    >>> from k8slab.registry import AppBehavior
    >>> app = AppBehavior(port=8080, paths=("/healthz", "/ready"), readiness_paths=("/ready",), ready_seconds=5)
    >>> probe_app({"httpGet": {"path": "/ready", "port": 8080}}, app, 2, False, "10.244.0.2", {}, True)
    (False, 'HTTP probe failed with statuscode: 503')
    >>> probe_app({"httpGet": {"path": "/ready", "port": 8080}}, app, 5, False, "10.244.0.2", {}, True)
    (True, '')
    >>> probe_app({"tcpSocket": {"port": 8081}}, app, 9, False, "10.244.0.2", {}, False)
    (False, 'dial tcp 10.244.0.2:8081: connect: connection refused')
    """
    timeout = handler.get("timeoutSeconds", 1)
    listening = behavior.port is not None and alive_for >= behavior.startup_seconds
    if "httpGet" in handler:
        h = handler["httpGet"]
        port = resolve_port(h.get("port"), container)
        host = h.get("host") or pod_ip
        path = h.get("path") or "/"
        scheme = (h.get("scheme") or "HTTP").lower()
        url = f"{scheme}://{host}:{port}{path}"
        if not listening or port != behavior.port:
            return False, f'Get "{url}": dial tcp {host}:{port}: connect: connection refused'
        if hung:
            return False, (f'Get "{url}": context deadline exceeded (Client.Timeout exceeded while awaiting '
                           "headers)")
        if not behavior.answers(path):
            return False, "HTTP probe failed with statuscode: 404"
        gated = not behavior.readiness_paths or path in behavior.readiness_paths
        if gated and alive_for < behavior.ready_seconds:
            return False, "HTTP probe failed with statuscode: 503"
        return True, ""
    if "tcpSocket" in handler:
        port = resolve_port(handler["tcpSocket"].get("port"), container)
        host = handler["tcpSocket"].get("host") or pod_ip
        if not listening or port != behavior.port:
            return False, f"dial tcp {host}:{port}: connect: connection refused"
        if hung:
            return False, f"dial tcp {host}:{port}: i/o timeout"
        return True, ""
    if "grpc" in handler:
        port = handler["grpc"].get("port")
        if not listening or port != behavior.port:
            return False, (f'timeout: failed to connect service "{pod_ip}:{port}" within {timeout}s: '
                           "context deadline exceeded")
        if hung:
            return False, f'timeout: health rpc did not complete within {timeout}s'
        return True, ""
    if "exec" in handler:
        # the command's own output is not simulated: it succeeds while the app is up (and ready, for readiness)
        cmd = " ".join(handler["exec"].get("command") or ())
        if hung:
            return False, f'command "{cmd}" timed out'
        if readiness and alive_for < behavior.ready_seconds:
            return False, ""
        return (listening or behavior.port is None), ""
    return False, "unknown probe handler"


class ProbeWorker:
    """Probes one container instance with one probe, every periodSeconds, keeping upstream's thresholds.

    Results start as upstream's initial values: readiness Failure, liveness Success, startup Unknown. A probe
    is skipped until initialDelaySeconds have passed since the container started, and liveness and readiness
    wait for the startup probe to succeed. A failed liveness or startup result holds the worker until the
    container is replaced (upstream: pkg/kubelet/prober/worker.go doProbe).

    Ticks count from the container's start (upstream counts from when the kubelet added the pod; the two are
    the same instant for a pod whose images are present). Jitter on kubelet restart is not simulated.
    """

    __slots__ = ("pw", "inst", "field", "kind", "spec", "last", "run", "on_hold", "stopped")

    def __init__(self, pw, inst, field: str):
        self.pw = pw
        self.inst = inst
        self.field = field
        self.kind = PROBE_TYPES[field]
        self.spec = inst.spec[field]
        self.last = None
        self.run = 0
        self.on_hold = False
        self.stopped = False

    def start(self) -> None:
        self._tick()

    def trigger(self) -> None:
        """Probe now (upstream: manualTriggerCh, used for readiness right after the container started)."""
        if not self.stopped:
            self._probe()

    def _tick(self, _event=None) -> None:
        if self.stopped or self.inst.state != "running":
            return
        self._probe()
        timer = self.pw.env.timeout(self.spec.get("periodSeconds", 10))
        timer.callbacks.append(self._tick)

    def _probe(self) -> None:
        inst, env = self.inst, self.pw.env
        if inst.state != "running" or self.on_hold or inst.stopping:
            return
        alive = inst.alive_for(env.now)
        if int(alive) < self.spec.get("initialDelaySeconds", 0):
            return
        if self.kind == "Startup":
            if inst.started:
                return
        elif not inst.started:
            return
        ok, output = probe_app(self.spec, inst.behavior, alive, inst.hung(env.now), self.pw.ip or "",
                               inst.spec, self.kind == "Readiness")
        if not ok:
            self.pw.container_event(inst.name, "Warning", "Unhealthy", f"{self.kind} probe failed: {output}")
        result = "Success" if ok else "Failure"
        if result == self.last:
            self.run += 1
        else:
            self.last, self.run = result, 1
        if ok and self.run < self.spec.get("successThreshold", 1):
            return
        if not ok and self.run < self.spec.get("failureThreshold", 3):
            return
        self.pw.probe_result(inst, self.kind, ok)
        if not ok and self.kind in ("Liveness", "Startup"):
            self.on_hold = True
            self.run = 0
