"""NodePorts: a pod's hostPorts must be free on the node."""

from __future__ import annotations

import numpy as np

from ..status import Code, Status
from .base import Plugin

__all__ = ["NodePorts", "ERR_REASON_PORTS", "port_conflicts"]

# upstream: pkg/scheduler/framework/plugins/nodeports/node_ports.go
ERR_REASON_PORTS = "node(s) didn't have free ports for the requested pod ports"
_ALL = "0.0.0.0"


def port_conflicts(used, ip: str, protocol: str, port: int) -> bool:
    """Whether (ip, protocol, port) conflicts with used host ports; 0.0.0.0 conflicts with every IP.

    upstream: pkg/scheduler/framework/types.go HostPortInfo.CheckConflict

    Examples
    --------
    >>> used = {("10.0.0.1", "TCP", 80)}
    >>> port_conflicts(used, "0.0.0.0", "TCP", 80), port_conflicts(used, "10.0.0.2", "TCP", 80)
    (True, False)
    >>> port_conflicts({("0.0.0.0", "TCP", 80)}, "10.0.0.2", "TCP", 80), port_conflicts(used, "10.0.0.1", "UDP", 80)
    (True, False)
    """
    if port <= 0:
        return False
    ip = ip or _ALL
    protocol = protocol or "TCP"
    if ip == _ALL:
        return any(p == protocol and n == port for _, p, n in used)
    return (_ALL, protocol, port) in used or (ip, protocol, port) in used


class NodePorts(Plugin):
    """Filter: every requested hostPort must be free."""

    name = "NodePorts"
    points = ("filter",)

    def pre_filter(self, state, pod, snap):
        return None if pod.host_ports else Status(Code.Skip)

    def filter(self, state, pod, ni):
        for ip, proto, port in pod.host_ports:
            if port_conflicts(ni.used_ports, ip, proto, port):
                return Status(Code.Unschedulable, ERR_REASON_PORTS)
        return None

    def filter_vec(self, state, pod, snap):
        fail = np.zeros(len(snap.names), dtype=bool)
        if snap.any_ports or state.get("nominated"):
            for i, ni in enumerate(snap.infos):
                if ni.used_ports or i in state.get("nominated", {}):
                    fail[i] = self.filter(state, pod, state.get("nominated", {}).get(i, ni)) is not None
        return fail
