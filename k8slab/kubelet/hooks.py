"""Container lifecycle hooks (postStart, preStop): how long each takes and whether it fails."""

from __future__ import annotations

import re

from k8slab.kubelet.probes import probe_app

__all__ = ["run_hook", "hook_seconds"]

_SLEEP = re.compile(r"^(?:.*[;&|]\s*)?sleep\s+(\d+(?:\.\d+)?)\s*$")


def hook_seconds(handler: dict) -> float:
    """How long a hook runs: ``sleep.seconds``, or an exec of ``sleep N`` (also inside ``sh -c``); else 0.

    Examples
    --------
    >>> hook_seconds({"sleep": {"seconds": 5}}), hook_seconds({"exec": {"command": ["sleep", "15"]}})
    (5.0, 15.0)
    >>> hook_seconds({"exec": {"command": ["/bin/sh", "-c", "nginx -s quit; sleep 10"]}})
    10.0
    >>> hook_seconds({"exec": {"command": ["/bin/sh", "-c", "echo bye"]}})
    0.0
    """
    if "sleep" in handler:
        return float((handler["sleep"] or {}).get("seconds", 0))
    if "exec" in handler:
        cmd = handler["exec"].get("command") or []
        if len(cmd) == 2 and cmd[0].rsplit("/", 1)[-1] == "sleep":
            return _number(cmd[1])
        if len(cmd) >= 3 and cmd[1] == "-c":
            m = _SLEEP.match(cmd[2].strip())
            if m:
                return float(m.group(1))
    return 0.0


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def run_hook(handler: dict, inst, now: float, pod_ip: str) -> tuple[bool, float]:
    """(succeeded, seconds) of one hook against the container ``inst`` (exec output is not simulated).

    upstream: pkg/kubelet/lifecycle/handlers.go HandlerRunner.Run (exec, httpGet, sleep; tcpSocket is
    accepted by the API but not supported as a hook handler)
    """
    seconds = hook_seconds(handler)
    if "httpGet" in handler:
        ok, _ = probe_app({"httpGet": handler["httpGet"]}, inst.behavior, inst.alive_for(now), inst.hung(now),
                          pod_ip, inst.spec, readiness=False)
        return ok, 0.0
    if "tcpSocket" in handler:
        return False, 0.0
    return True, seconds
