"""ClusterIP and NodePort allocation, as the apiserver's service REST storage does it."""

from __future__ import annotations

import ipaddress
import random

from k8slab.errors import Invalid

__all__ = ["ServiceIPAllocator", "NODE_PORT_RANGE"]

#: upstream default --service-node-port-range
NODE_PORT_RANGE = (30000, 32767)


class ServiceIPAllocator:
    """Allocates ClusterIPs from the service CIDR and node ports from the node port range.

    upstream: pkg/registry/core/service/ipallocator (random free address, the first address reserved for the
    ``kubernetes`` Service) and pkg/registry/core/service/portallocator (random free port in the range).
    """

    def __init__(self, service_cidr: str = "10.96.0.0/12", rng: random.Random | None = None):
        try:
            self.network = ipaddress.ip_network(service_cidr)
        except (ValueError, TypeError) as e:
            raise ValueError(f"invalid service CIDR {service_cidr!r}: {e}") from None
        # upstream: cmd/kube-apiserver/app/options/validation.go validateClusterIPFlags (at most 20 host bits)
        if self.network.version == 4 and self.network.prefixlen < 12:
            raise ValueError(f"specified --service-cluster-ip-range[0] is too large; for 32-bit addresses, "
                             f"the mask must be >= 12 ({service_cidr})")
        self.rng = rng or random.Random(0)
        self.used_ips: set[str] = set()
        self.used_ports: set[int] = set()

    @property
    def first_ip(self) -> str:
        """The ``kubernetes`` Service's address: the first usable address (10.96.0.1, or 10.0.0.1 on AKS)."""
        return str(self.network.network_address + 1)

    @property
    def dns_ip(self) -> str:
        """kube-dns's conventional address: the tenth (10.96.0.10, or 10.0.0.10 on AKS)."""
        return str(self.network.network_address + 10)

    def allocate_ip(self, requested: str | None = None, name: str = "") -> str:
        if requested:
            ip = ipaddress.ip_address(requested)
            if ip not in self.network:
                raise Invalid(f'The Service "{name}" is invalid: spec.clusterIPs: Invalid value: []string{{"{requested}"}}: '
                              f"failed to allocate IP {requested}: the provided IP ({requested}) is not in the valid "
                              f"range. The range of valid IPs is {self.network}")
            if requested in self.used_ips:
                raise Invalid(f'The Service "{name}" is invalid: spec.clusterIPs: Invalid value: []string{{"{requested}"}}: '
                              f"failed to allocate IP {requested}: provided IP is already allocated")
            self.used_ips.add(requested)
            return requested
        size = self.network.num_addresses - 2
        for _ in range(64):
            ip = str(self.network.network_address + 1 + self.rng.randrange(size))
            if ip not in self.used_ips and ip not in (self.first_ip, self.dns_ip):
                self.used_ips.add(ip)
                return ip
        for offset in range(1, size + 1):  # nearly full: scan (upstream walks the bitmap)
            ip = str(self.network.network_address + offset)
            if ip not in self.used_ips:
                self.used_ips.add(ip)
                return ip
        raise Invalid(f'The Service "{name}" is invalid: spec.clusterIPs: Internal error: failed to allocate a '
                      f"serviceIP: range is full")

    def allocate_port(self, requested: int | None = None, name: str = "", path: str = "spec.ports[0].nodePort") -> int:
        low, high = NODE_PORT_RANGE
        if requested:
            if not low <= requested <= high:
                raise Invalid(f'The Service "{name}" is invalid: {path}: Invalid value: {requested}: provided port is '
                              f"not in the valid range. The range of valid ports is {low}-{high}")
            if requested in self.used_ports:
                raise Invalid(f'The Service "{name}" is invalid: {path}: Invalid value: {requested}: provided port is '
                              "already allocated")
            self.used_ports.add(requested)
            return requested
        for _ in range(64):
            port = self.rng.randint(low, high)
            if port not in self.used_ports:
                self.used_ports.add(port)
                return port
        port = next(p for p in range(low, high + 1) if p not in self.used_ports)
        self.used_ports.add(port)
        return port

    def release(self, service: dict) -> None:
        spec = service.get("spec") or {}
        for ip in spec.get("clusterIPs") or [spec.get("clusterIP")]:
            self.used_ips.discard(ip)
        for p in spec.get("ports") or ():
            self.used_ports.discard(p.get("nodePort"))
        self.used_ports.discard(spec.get("healthCheckNodePort"))

    def assign(self, service: dict, live: dict | None = None) -> None:
        """Fill clusterIP(s) and node ports of a Service being created or updated (kept from ``live``)."""
        spec = service.setdefault("spec", {})
        name = service["metadata"]["name"]
        if live is not None:
            lspec = live.get("spec") or {}
            for k in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
                if k in lspec and not spec.get(k):
                    spec[k] = lspec[k]
            live_ports = {(p.get("port"), p.get("protocol")): p.get("nodePort") for p in lspec.get("ports") or ()}
            for p in spec.get("ports") or ():
                if spec.get("type") in ("NodePort", "LoadBalancer") and not p.get("nodePort"):
                    kept = live_ports.get((p.get("port"), p.get("protocol")))
                    if kept:
                        p["nodePort"] = kept
        if spec.get("type") == "ExternalName":
            return
        if not spec.get("clusterIP"):
            ip = self.first_ip if (name == "kubernetes" and service["metadata"].get("namespace") == "default") \
                else self.allocate_ip(name=name)
            self.used_ips.add(ip)
            spec["clusterIP"] = ip
        elif spec["clusterIP"] != "None" and live is None:
            self.allocate_ip(spec["clusterIP"], name)
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        if spec.get("type") in ("NodePort", "LoadBalancer"):
            for i, p in enumerate(spec.get("ports") or ()):
                if live is None or not p.get("nodePort"):
                    p["nodePort"] = self.allocate_port(p.get("nodePort"), name, f"spec.ports[{i}].nodePort")
        # upstream: pkg/registry/core/service/storage/alloc.go allocHealthCheckNodePort: a LoadBalancer with
        # externalTrafficPolicy Local gets a node port for the load balancer's health probe (kube-proxy answers it)
        if spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local":
            kept = ((live or {}).get("spec") or {}).get("healthCheckNodePort")
            if not spec.get("healthCheckNodePort"):
                spec["healthCheckNodePort"] = kept or self.allocate_port(name=name, path="spec.healthCheckNodePort")
            elif spec["healthCheckNodePort"] != kept:
                spec["healthCheckNodePort"] = self.allocate_port(spec["healthCheckNodePort"], name,
                                                                 "spec.healthCheckNodePort")
        elif spec.get("healthCheckNodePort") is None and ((live or {}).get("spec") or {}).get("healthCheckNodePort"):
            self.used_ports.discard(live["spec"]["healthCheckNodePort"])
