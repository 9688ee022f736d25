"""The node IPAM and route controllers: a pod CIDR per node, and (kubenet) a route per node in the route table."""

# upstream: pkg/controller/nodeipam/ipam/range_allocator.go (spec.podCIDR(s); event "CIDRNotAvailable")
# upstream: staging/src/k8s.io/cloud-provider/controllers/route/route_controller.go (NetworkUnavailable condition:
#           "RouteCreated" / "NoRouteCreated", event "FailedToCreateRoute")

from __future__ import annotations

from k8slab.apiserver.server import format_time
from k8slab.controllers.base import Controller

__all__ = ["NodeIPAMController"]


def _node_ip(node: dict) -> str:
    for a in (node.get("status") or {}).get("addresses") or ():
        if a.get("type") == "InternalIP":
            return a.get("address", "")
    return ""


def _max_pods(node: dict) -> int | None:
    pods = ((node.get("status") or {}).get("allocatable") or {}).get("pods")
    try:
        return int(pods) if pods is not None else None
    except (TypeError, ValueError):
        return None


class NodeIPAMController(Controller):
    """Gives each joining node its pod range from the lab's network plugin (``lab.network.ipam``)."""

    name = "node-ipam-controller"
    watches = ("nodes",)

    def resync(self) -> None:
        self.lab.network.resync()

    def reconcile(self, key: str) -> None:
        name = key.split("/", 1)[1]
        res = self.api.resource("nodes")
        node = self.api.etcd.read(res.key(None, name))
        ipam = self.lab.network.ipam
        if node is None:
            ipam.remove_node(name)
            return
        if name in ipam.ranges or name in getattr(self, "_failed", set()):
            return
        spec = node.setdefault("spec", {})
        got = ipam.add_node(name, _node_ip(node), _max_pods(node), spec.get("podCIDR"))
        if "podCIDR" in got and got["podCIDR"] is None:
            self.__dict__.setdefault("_failed", set()).add(name)
            self.lab.events.record(node, "Normal", "CIDRNotAvailable", f"Node {name} status is now: CIDRNotAvailable",
                                   "cidrAllocator")
            return
        changed = False
        if got.get("podCIDR") and spec.get("podCIDR") != got["podCIDR"]:
            spec["podCIDR"] = got["podCIDR"]
            spec["podCIDRs"] = [got["podCIDR"]]
            changed = True
        if "route" in got:
            now = format_time(self.lab.now)
            if got["route"]:
                cond = {"type": "NetworkUnavailable", "status": "False", "reason": "RouteCreated",
                        "message": "RouteController created a route", "lastHeartbeatTime": now,
                        "lastTransitionTime": now}
            else:
                cond = {"type": "NetworkUnavailable", "status": "True", "reason": "NoRouteCreated",
                        "message": "RouteController failed to create a route", "lastHeartbeatTime": now,
                        "lastTransitionTime": now}
            status = node.setdefault("status", {})
            status["conditions"] = [c for c in status.get("conditions") or () if c.get("type") != "NetworkUnavailable"]
            status["conditions"].insert(0, cond)
            changed = True
        if changed:
            self.api.write_status(res, node)
        if got.get("route") is False:
            # upstream text "Could not create route %s %s for node %s after %v: %v"; the error itself is the
            # lab's own words (Azure's error text is not simulated)
            self.lab.events.record(node, "Warning", "FailedToCreateRoute",
                                   f"Could not create route {node['metadata'].get('uid', '')} {got['podCIDR']} for "
                                   f"node {name} after 0s: the route table already holds {len(ipam.routes)} "
                                   "routes, the most an Azure route table holds", "route_controller")
