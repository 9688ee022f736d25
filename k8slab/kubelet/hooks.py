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


def run_hook(handler: dict, inst, now: float, pod_ip: str, pod_fmt: str = "") -> tuple[bool, float, str]:
    """(succeeded, seconds, message) of one hook against the container ``inst`` (exec output is not simulated).

    upstream: pkg/kubelet/lifecycle/handlers.go HandlerRunner.Run (exec, httpGet, sleep; tcpSocket is
    accepted by the API but not supported as a hook handler) and its "HTTP lifecycle hook" message
    """
    seconds = hook_seconds(handler)
    if "httpGet" in handler:
        ok, output = probe_app({"httpGet": handler["httpGet"]}, inst.behavior, inst.alive_for(now), inst.hung(now),
                               pod_ip, inst.spec, readiness=False)
        if ok:
            return True, 0.0, ""
        path = handler["httpGet"].get("path") or "/"
        return False, 0.0, (f'HTTP lifecycle hook ({path}) for Container "{inst.name}" in Pod "{pod_fmt}" failed - '
                            f"error: {output}")
    if "tcpSocket" in handler:
        return False, 0.0, "invalid handler: tcpSocket is not supported as a lifecycle hook"
    return True, seconds, ""
