"""The container runtime's side: one container instance (an attempt), the simulated app inside it, and its logs."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import lru_cache

from k8slab.apiserver.server import EPOCH
from k8slab.kubelet.status import format_second
from k8slab.registry import AppBehavior

__all__ = ["Container", "memory_limit", "container_hash"]


def memory_limit(container: dict) -> int | None:
    """``resources.limits.memory`` in bytes, or None."""
    limit = ((container.get("resources") or {}).get("limits") or {}).get("memory")
    if limit is None:
        return None
    from k8slab.api.quantity import parse_quantity

    return int(parse_quantity(str(limit)).value)


def container_hash(container: dict) -> str:
    """What makes a container "changed" for the kubelet: its image and command (kubelet: HashContainer)."""
    return _hash_text(repr((container.get("image"), container.get("command"), container.get("args"))))


@lru_cache(maxsize=4096)
def _hash_text(text: str) -> str:
    # performance only: the pods of one template hash the same text
    return hashlib.sha256(text.encode()).hexdigest()[:8]


class Container:
    """One created container (one attempt): its CRI state, the app's timers and the lines it logged.

    States are the CRI's: ``created``, ``running``, ``exited``. Terminated reasons are containerd's:
    ``Completed`` (exit 0), ``Error``, ``OOMKilled`` (the kernel's OOM killer, exit 137).
    """

    __slots__ = ("name", "spec", "kind", "attempt", "image", "image_id", "behavior", "id", "state", "created_at",
                 "started_at", "finished_at", "exit_code", "reason", "message", "hash", "logs", "ready", "started",
                 "liveness_failed", "startup_failed", "stopping", "exit_event", "_pw", "signal", "sigterm_at")

    def __init__(self, pw, spec: dict, kind: str, attempt: int, image: str, image_id: str, behavior: AppBehavior):
        self._pw = pw
        self.name = spec["name"]
        self.spec = spec
        self.kind = kind  # "init", "sidecar" or "regular"
        self.attempt = attempt
        self.image = image
        self.image_id = image_id
        self.behavior = behavior
        self.id = hashlib.sha256(f"{pw.uid}/{self.name}/{attempt}".encode()).hexdigest()
        self.state = "created"
        self.created_at = pw.env.now
        self.started_at = self.finished_at = None
        self.exit_code = None
        self.reason = self.message = ""
        self.hash = container_hash(spec)
        self.logs: list[tuple[float, str]] = []
        self.ready = False
        self.started = False
        self.liveness_failed = self.startup_failed = False
        self.stopping = False
        self.exit_event = pw.env.event()
        self.signal = None
        self.sigterm_at: float | None = None  # when the kubelet sent SIGTERM (after any preStop hook)

    # -- the app ----------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the process: schedule what the app will do on its own (exit, OOM) and its log lines."""
        env = self._pw.env
        now = env.now
        self.state = "running"
        self.started_at = now
        b = self.behavior
        self._log(now, "start")
        if b.ready_seconds and b.logs.get("ready"):
            self._log(now + b.ready_seconds, "ready")
        ends = []
        if b.crash_after is not None:
            ends.append((b.crash_after, b.exit_code, "Completed" if b.exit_code == 0 else "Error"))
        oom = b.seconds_to_oom(memory_limit(self.spec))
        if oom is not None:
            ends.append((oom, 137, "OOMKilled"))
        if ends:
            after, code, reason = min(ends, key=lambda e: e[0])
            timer = env.timeout(after)
            timer.callbacks.append(lambda _e: self._exit_on_its_own(code, reason))

    def resume(self, started_at: float) -> None:
        """Take over a container started earlier (the lab was saved and loaded): its app goes on from then."""
        env = self._pw.env
        self.state = "running"
        self.started_at = started_at
        self._log(started_at, "start")
        b = self.behavior
        ends = []
        if b.crash_after is not None:
            ends.append((b.crash_after, b.exit_code, "Completed" if b.exit_code == 0 else "Error"))
        oom = b.seconds_to_oom(memory_limit(self.spec))
        if oom is not None:
            ends.append((oom, 137, "OOMKilled"))
        if ends:
            after, code, reason = min(ends, key=lambda e: e[0])
            timer = env.timeout(max(0.0, started_at + after - env.now))
            timer.callbacks.append(lambda _e: self._exit_on_its_own(code, reason))

    def _exit_on_its_own(self, code: int, reason: str) -> None:
        if self.state != "running" or self.stopping:
            return
        if reason != "OOMKilled":
            self._log(self._pw.env.now, "crash")
        self.exit(code, reason)
        self._pw.container_exited(self)

    def exit(self, code: int, reason: str | None = None) -> None:
        """The process ended: record it as the runtime would."""
        if self.state == "exited":
            return
        self.state = "exited"
        self.finished_at = self._pw.env.now
        self.exit_code = code
        self.reason = reason or ("Completed" if code == 0 else "Error")
        self.ready = False
        if not self.exit_event.triggered:
            self.exit_event.succeed()

    def sigterm(self, grace: float):
        """Generator: send SIGTERM (the image's stop signal), wait up to ``grace`` seconds, then SIGKILL."""
        env = self._pw.env
        if self.state != "running":
            return
        self.stopping = True
        self.sigterm_at = env.now
        self._log(env.now, "sigterm")
        b = self.behavior
        hung = b.hang_after is not None and env.now - self.started_at >= b.hang_after
        if not hung and b.shutdown_seconds <= grace:
            if b.shutdown_seconds:
                yield env.timeout(b.shutdown_seconds) | self.exit_event
            self.exit(b.sigterm_exit_code)
        else:
            if grace > 0:
                yield env.timeout(grace) | self.exit_event
            self.signal = 9
            self.exit(137, "Error")

    def alive_for(self, now: float) -> float:
        return now - self.started_at if self.started_at is not None else 0.0

    def hung(self, now: float) -> bool:
        b = self.behavior
        return b.hang_after is not None and self.alive_for(now) >= b.hang_after

    # -- logs --------------------------------------------------------------------------------------
    def _log(self, at: float, what: str) -> None:
        lines = self.behavior.logs.get(what)
        if not lines:
            return
        pw = self._pw
        port = self.behavior.port or ""
        when = EPOCH + timedelta(seconds=int(at))
        for line in lines:
            if line.__class__ is str and "{" not in line and "}" not in line:
                self.logs.append((at, line))  # performance only: what format() would return
                continue
            try:
                text = line.format(pod=pw.name, container=self.name, port=port, time=when)
            except (KeyError, IndexError, ValueError):
                text = line
            self.logs.append((at, text))

    def log_lines(self, now: float) -> list[tuple[float, str]]:
        """What the container has written by ``now`` (nothing after its process ended)."""
        end = now if self.finished_at is None else min(now, self.finished_at)
        return [(t, line) for t, line in self.logs if t <= end]

    # -- the API view ------------------------------------------------------------------------------
    @property
    def container_id(self) -> str:
        return f"containerd://{self.id}"

    def terminated(self) -> dict:
        t = {"containerID": self.container_id, "exitCode": self.exit_code,
             "finishedAt": format_second(self.finished_at), "reason": self.reason,
             "startedAt": format_second(self.started_at if self.started_at is not None else self.created_at)}
        message = self.message or self._fallback_message()
        if message:
            t["message"] = message
        if self.signal:
            t["signal"] = self.signal
        return t

    def _fallback_message(self) -> str:
        # upstream: kuberuntime_container.go getTerminationMessage: with FallbackToLogsOnError a failed container
        # without a termination-log file reports the end of its log (80 lines, 2048 bytes at most)
        if self.spec.get("terminationMessagePolicy") != "FallbackToLogsOnError" or not self.exit_code:
            return ""
        lines = [line for _t, line in self.log_lines(self.finished_at or 0.0)][-80:]
        return "".join(line + "\n" for line in lines)[-2048:]

    def state_dict(self) -> dict:
        if self.state == "running":
            return {"running": {"startedAt": format_second(self.started_at)}}
        if self.state == "exited":
            return {"terminated": self.terminated()}
        return {"waiting": {"reason": "ContainerCreating"}}
