"""Cluster DNS as CoreDNS's kubernetes plugin answers it, and a pod's resolver (search path, ndots:5)."""

# upstream: https://github.com/kubernetes/dns/blob/master/docs/specification.md (the records)
# upstream: pkg/kubelet/network/dns/dns.go (a pod's resolv.conf: search path, ndots:5)

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

__all__ = ["DNSRecord", "DNSQuery", "DNSAnswer", "search_path", "candidates", "lookup", "resolve", "NDOTS"]

#: kubelet writes "options ndots:5" (upstream: pkg/kubelet/network/dns/dns.go ndotsDNSOption)
NDOTS = 5


@dataclass(frozen=True)
class DNSRecord:
    name: str
    type: str  # A | CNAME | SRV
    value: str
    ttl: int = 5  # CoreDNS kubernetes plugin default TTL (5 s)

    def __str__(self) -> str:
        return f"{self.name}. {self.ttl} IN {self.type} {self.value}"


@dataclass(frozen=True)
class DNSQuery:
    name: str
    rcode: str  # NOERROR | NXDOMAIN | FORWARDED


@dataclass
class DNSAnswer:
    """What a pod's resolver got: the queries it sent in order, and the records of the first that answered."""

    name: str
    queries: list[DNSQuery] = field(default_factory=list)
    records: list[DNSRecord] = field(default_factory=list)

    @property
    def addresses(self) -> list[str]:
        return [r.value for r in self.records if r.type == "A"]

    def __str__(self) -> str:
        lines = [f"{q.rcode:<9} {q.name}" for q in self.queries]
        lines += [str(r) for r in self.records]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


def search_path(namespace: str, domain: str = "cluster.local") -> list[str]:
    """A ClusterFirst pod's search list: ``<ns>.svc.<domain> svc.<domain> <domain>`` (the node's own not simulated).

    Examples
    --------
    >>> search_path("shop")
    ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local']
    """
    return [f"{namespace}.svc.{domain}", f"svc.{domain}", domain]


def candidates(name: str, namespace: str, domain: str = "cluster.local", ndots: int = NDOTS) -> list[str]:
    """The names a resolver tries, in order (glibc/musl ``ndots`` rule).

    A name ending in a dot is absolute; one with fewer than ``ndots`` dots goes through the search list first.

    Examples
    --------
    >>> candidates("web", "shop")
    ['web.shop.svc.cluster.local', 'web.svc.cluster.local', 'web.cluster.local', 'web']
    >>> candidates("www.example.com", "shop")[-1]
    'www.example.com'
    >>> candidates("web.shop.svc.cluster.local.", "shop")
    ['web.shop.svc.cluster.local']
    """
    if name.endswith("."):
        return [name[:-1]]
    expanded = [f"{name}.{s}" for s in search_path(namespace, domain)]
    return expanded + [name] if name.count(".") < ndots else [name] + expanded


def _pod_ip_name(ip: str) -> str:
    return ip.replace(".", "-") if "." in ip else ip.replace(":", "-")


def lookup(lab, name: str, domain: str = "cluster.local") -> tuple[str, list[DNSRecord]]:
    """CoreDNS's answer for one fully qualified name: (rcode, records). Names outside the zone are forwarded."""
    name = name.lower().rstrip(".")
    if not name.endswith("." + domain):
        return "FORWARDED", []
    labels = name[: -len(domain) - 1].split(".")
    api = lab.api
    if len(labels) == 3 and labels[2] == "pod":  # a-b-c-d.<ns>.pod.<zone> (CoreDNS "pods insecure")
        ip = labels[0].replace("-", ".")
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            return "NXDOMAIN", []
        return "NOERROR", [DNSRecord(name, "A", ip)]
    if len(labels) >= 3 and labels[-1] == "svc":
        ns, svc_name = labels[-2], labels[-3]
        svc = api.etcd.read(api.resource("services").key(ns, svc_name))
        if svc is None:
            return "NXDOMAIN", []
        spec = svc.get("spec") or {}
        if spec.get("type") == "ExternalName":
            return "NOERROR", [DNSRecord(name, "CNAME", spec.get("externalName", "") + ".")]
        if len(labels) == 3 and spec.get("clusterIP") not in (None, "", "None"):
            return "NOERROR", [DNSRecord(name, "A", ip) for ip in spec.get("clusterIPs") or [spec["clusterIP"]]]
        eps = _headless_endpoints(lab, ns, svc_name, bool(spec.get("publishNotReadyAddresses")))
        if len(labels) == 3:
            return ("NOERROR", [DNSRecord(name, "A", ip) for ip, _ in eps]) if eps else ("NXDOMAIN", [])
        if len(labels) == 4:  # <hostname>.<svc>.<ns>.svc, or the IP-derived name of an endpoint without hostname
            recs = [DNSRecord(name, "A", ip) for ip, host in eps if (host or _pod_ip_name(ip)) == labels[0]]
            return ("NOERROR", recs) if recs else ("NXDOMAIN", [])
        if len(labels) == 5 and labels[0].startswith("_") and labels[1].startswith("_"):  # SRV
            port_name, proto = labels[0][1:], labels[1][1:].upper()
            ports = [p for p in spec.get("ports") or () if p.get("name") == port_name
                     and p.get("protocol", "TCP") == proto]
            if not ports:
                return "NXDOMAIN", []
            base = ".".join(labels[2:]) + "." + domain
            if spec.get("clusterIP") not in (None, "", "None"):
                return "NOERROR", [DNSRecord(name, "SRV", f"0 100 {ports[0]['port']} {base}.")]
            return "NOERROR", [DNSRecord(name, "SRV", f"0 {100 // max(len(eps), 1)} {ports[0]['port']} "
                                         f"{host or _pod_ip_name(ip)}.{base}.") for ip, host in eps]
    return "NXDOMAIN", []


def _headless_endpoints(lab, ns: str, svc: str, all_addresses: bool) -> list[tuple[str, str]]:
    out = []
    for s in lab.api.list(lab.api.resource("endpointslices"), ns):
        if (s["metadata"].get("labels") or {}).get("kubernetes.io/service-name") != svc:
            continue
        for ep in s.get("endpoints") or ():
            if all_addresses or (ep.get("conditions") or {}).get("ready") is not False:
                for ip in ep.get("addresses") or ():
                    out.append((ip, ep.get("hostname", "")))
    return sorted(set(out), key=lambda t: tuple(int(x) for x in t[0].split(".")) if "." in t[0] else (0,))


def resolve(lab, name: str, namespace: str = "default", domain: str = "cluster.local") -> DNSAnswer:
    """Resolve ``name`` as a ClusterFirst pod in ``namespace`` would: every query it sends, and the answer.

    Examples
    --------
    >>> import k8slab as kl
    >>> lab = kl.Cluster()
    >>> print(resolve(lab, "kubernetes"))
    NOERROR   kubernetes.default.svc.cluster.local
    kubernetes.default.svc.cluster.local. 5 IN A 10.96.0.1
    """
    answer = DNSAnswer(name)
    for cand in candidates(name, namespace, domain):
        rcode, records = lookup(lab, cand, domain)
        answer.queries.append(DNSQuery(cand, rcode))
        if rcode == "NOERROR":
            answer.records = records
            break
        if rcode == "FORWARDED":  # CoreDNS forwards to the node's resolver: not simulated, the search stops
            break
    return answer
