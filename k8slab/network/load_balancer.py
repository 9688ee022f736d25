"""A simulated Azure Standard Load Balancer for Services of type LoadBalancer, and the ways traffic leaves the cluster."""

# upstream: staging/src/k8s.io/cloud-provider/controllers/service/controller.go (events, status.loadBalancer)
# upstream: kubernetes-sigs/cloud-provider-azure pkg/provider/azure_loadbalancer.go (one "kubernetes" LB, a
#           frontend IP per Service, a rule per port to the node ports, probes, all nodes as the backend pool)
# AKS docs: load-balancer-standard (outbound rules), egress-outboundtype (loadBalancer, managedNATGateway,
#           userAssignedNATGateway, userDefinedRouting), nat-gateway; Azure docs: load-balancer-outbound-connections
#           (default SNAT ports by backend pool size)

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from k8slab.controllers.base import Controller

__all__ = ["LoadBalancerRule", "Frontend", "AzureLoadBalancer", "ServiceController", "EgressPath",
           "OUTBOUND_TYPES", "default_snat_ports", "PUBLIC_IP_POOL"]

#: public addresses in the lab come from the documentation range (RFC 5737), never from a real Azure prefix
PUBLIC_IP_POOL = "203.0.113.0/24"
OUTBOUND_TYPES = ("loadBalancer", "managedNATGateway", "userAssignedNATGateway", "userDefinedRouting", "none")
#: Azure's default SNAT ports per backend instance, by backend pool size (load-balancer-outbound-connections)
_SNAT_TABLE = ((50, 1024), (100, 512), (200, 256), (400, 128), (800, 64), (1000, 32))
#: ports per public IP of a NAT gateway (nat-gateway-resource: 64,512 SNAT ports per IP)
NAT_GATEWAY_PORTS_PER_IP = 64_512


def default_snat_ports(pool_size: int) -> int:
    """SNAT ports each node gets from the load balancer's outbound rule by default.

    Examples
    --------
    >>> default_snat_ports(3), default_snat_ports(120), default_snat_ports(1000)
    (1024, 256, 32)
    """
    for size, ports in _SNAT_TABLE:
        if pool_size <= size:
            return ports
    return 0


@dataclass(frozen=True)
class LoadBalancerRule:
    frontend_port: int
    protocol: str
    backend_port: int  # the node port
    probe: str  # "Tcp:<nodePort>" or "Http:<healthCheckNodePort>/healthz"

    def __str__(self) -> str:
        return f"{self.protocol} {self.frontend_port} -> nodes:{self.backend_port} (probe {self.probe})"


@dataclass
class Frontend:
    """One Service's frontend IP configuration on the cluster's load balancer."""

    service: str  # namespace/name
    ip: str
    rules: list[LoadBalancerRule] = field(default_factory=list)
    local: bool = False  # externalTrafficPolicy: Local


@dataclass(frozen=True)
class EgressPath:
    """How a pod's packet to an address outside the cluster leaves, hop by hop, and the source address seen."""

    hops: tuple[str, ...]
    source_ip: str
    snat_ports: int | None

    def __str__(self) -> str:
        return "\n".join(self.hops) + f"\nthe destination sees {self.source_ip}"

    def __repr__(self) -> str:
        return str(self)


class AzureLoadBalancer:
    """The cluster's ``kubernetes`` load balancer: a frontend per Service, nodes as the backend pool."""

    def __init__(self, pool: str = PUBLIC_IP_POOL):
        self.pool = ipaddress.ip_network(pool)
        self.frontends: dict[str, Frontend] = {}
        self._used: set[str] = set()
        self.outbound_ip = self.allocate_ip()  # AKS creates one public IP for the outbound rule

    def allocate_ip(self) -> str:
        for host in self.pool.hosts():
            ip = str(host)
            if ip not in self._used:
                self._used.add(ip)
                return ip
        raise RuntimeError(f"public IP pool {self.pool} is exhausted")

    def ensure(self, svc: dict) -> Frontend:
        meta, spec = svc["metadata"], svc.get("spec") or {}
        key = f"{meta.get('namespace', 'default')}/{meta['name']}"
        fe = self.frontends.get(key)
        if fe is None:
            ip = spec.get("loadBalancerIP") or self.allocate_ip()
            self._used.add(ip)
            fe = self.frontends[key] = Frontend(key, ip)
        fe.local = spec.get("externalTrafficPolicy") == "Local"
        fe.rules = []
        for p in spec.get("ports") or ():
            if fe.local and spec.get("healthCheckNodePort"):
                probe = f"Http:{spec['healthCheckNodePort']}/healthz"
            else:
                probe = f"Tcp:{p.get('nodePort')}"
            fe.rules.append(LoadBalancerRule(p["port"], p.get("protocol", "TCP"), p.get("nodePort"), probe))
        return fe

    def remove(self, key: str) -> None:
        fe = self.frontends.pop(key, None)
        if fe is not None:
            self._used.discard(fe.ip)


class ServiceController(Controller):
    """cloud-controller-manager's service controller with the Azure provider: LoadBalancer Services get an IP."""

    name = "service-controller"
    watches = ("services",)

    def reconcile(self, key: str) -> None:
        ns, name = key.split("/", 1)
        res = self.api.resource("services")
        svc = self.api.etcd.read(res.key(ns, name))
        lb = self.lab.network.load_balancer
        if svc is None or (svc.get("spec") or {}).get("type") != "LoadBalancer":
            if key in lb.frontends:
                lb.remove(key)
                if svc is not None:
                    svc["status"] = {"loadBalancer": {}}
                    self.api.write_status(res, svc)
            return
        fresh = key not in lb.frontends
        if fresh:
            self.lab.events.record(svc, "Normal", "EnsuringLoadBalancer", "Ensuring load balancer",
                                   "service-controller")
        fe = lb.ensure(svc)
        status = {"loadBalancer": {"ingress": [{"ip": fe.ip, "ipMode": "VIP"}]}}
        if svc.get("status") != status:
            svc["status"] = status
            self.api.write_status(res, svc)
        if fresh:
            self.lab.events.record(svc, "Normal", "EnsuredLoadBalancer", "Ensured load balancer",
                                   "service-controller")
