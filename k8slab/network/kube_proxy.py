"""kube-proxy in iptables mode: which endpoint a connection to a Service reaches, and the rules that decide it."""

# upstream: pkg/proxy/iptables/proxier.go (chains, per-rule probabilities, session affinity),
#           pkg/proxy/topology.go (CategorizeEndpoints), pkg/proxy/endpointslicecache.go (endpoints from slices)

from __future__ import annotations

import base64
import hashlib
import ipaddress
import random
from dataclasses import dataclass, field

__all__ = [
    "ServiceEndpoint",
    "Forward",
    "KubeProxy",
    "pick_endpoint",
    "port_proto_hash",
    "service_chain",
    "endpoint_chain",
    "probability",
    "categorize_endpoints",
]


def port_proto_hash(service_port_name: str, protocol: str) -> str:
    """The 16 characters kube-proxy derives chain names from: base32(sha256(name + protocol))[:16].

    Examples
    --------
    >>> port_proto_hash("default/kubernetes:https", "tcp")
    'NPX46M4PTMTKRN6Y'
    """
    return base64.b32encode(hashlib.sha256((service_port_name + protocol).encode()).digest()).decode()[:16]


def service_chain(service_port_name: str, protocol: str, local: bool = False) -> str:
    """``KUBE-SVC-…`` (Cluster traffic policy) or ``KUBE-SVL-…`` (Local)."""
    return ("KUBE-SVL-" if local else "KUBE-SVC-") + port_proto_hash(service_port_name, protocol.lower())


def endpoint_chain(service_port_name: str, protocol: str, endpoint: str) -> str:
    """``KUBE-SEP-…`` for one endpoint ``ip:port`` of a service port (upstream: servicePortEndpointChainName)."""
    h = hashlib.sha256((service_port_name + protocol.lower() + endpoint).encode()).digest()
    return "KUBE-SEP-" + base64.b32encode(h).decode()[:16]


def probability(n: int) -> str:
    """The ``--probability`` of a rule with ``n`` endpoints left: 1/n printed as ``%0.10f``.

    Examples
    --------
    >>> [probability(n) for n in (3, 2)]
    ['0.3333333333', '0.5000000000']
    """
    return f"{1.0 / n:0.10f}"


@dataclass(frozen=True)
class ServiceEndpoint:
    """One endpoint of a service port as kube-proxy sees it (from the EndpointSlices)."""

    ip: str
    port: int
    pod: str  # namespace/name of the target pod, "" when the endpoint has no targetRef
    node: str
    ready: bool
    serving: bool
    terminating: bool

    def __str__(self) -> str:
        return f"{self.ip}:{self.port}"


@dataclass(frozen=True)
class Forward:
    """What kube-proxy did with one connection: forwarded to ``endpoint``, rejected, or dropped."""

    verdict: str  # "forwarded" | "rejected" (no endpoints: connection refused) | "dropped" (no local endpoints)
    endpoint: ServiceEndpoint | None
    chain: str
    reason: str
    source_ip: str  # the source address the backend sees
    candidates: tuple[ServiceEndpoint, ...] = field(default=())

    def __bool__(self) -> bool:
        return self.verdict == "forwarded"

    def __repr__(self) -> str:
        if self.endpoint is None:
            return f"<Forward {self.verdict}: {self.reason}>"
        e = self.endpoint
        return (f"<Forward {self.reason} (pod {e.pod} on {e.node}) via {self.chain}, "
                f"the pod sees source {self.source_ip}>")


def categorize_endpoints(endpoints: list[ServiceEndpoint], node: str | None, local: bool
                         ) -> tuple[list[ServiceEndpoint], bool]:
    """The endpoints a connection may use, and whether the Service has any usable endpoint at all.

    upstream: pkg/proxy/topology.go CategorizeEndpoints: ready endpoints; when none is ready anywhere, the serving
    terminating ones. With a Local policy only the node's own (ready, else serving-terminating). Topology-aware
    hints and trafficDistribution are not simulated.

    Examples
    --------
    >>> a = ServiceEndpoint("10.244.0.5", 80, "default/a", "n1", True, True, False)
    >>> b = ServiceEndpoint("10.244.1.5", 80, "default/b", "n2", False, True, True)
    >>> categorize_endpoints([a, b], "n2", local=False)[0] == [a]
    True
    >>> categorize_endpoints([a, b], "n2", local=True)[0] == [b]
    True
    """
    usable = [e for e in endpoints if e.ready]
    if not usable:
        usable = [e for e in endpoints if e.serving and e.terminating]
    has_any = bool(usable)
    if not local:
        return usable, has_any
    mine = [e for e in endpoints if e.node == node and e.ready]
    if not mine:
        mine = [e for e in endpoints if e.node == node and e.serving and e.terminating]
    return mine, has_any


def _service_key(service) -> tuple[str, str]:
    if isinstance(service, dict):
        return service["metadata"].get("namespace", "default"), service["metadata"]["name"]
    if hasattr(service, "metadata"):
        return service.metadata.namespace or "default", service.metadata.name
    ns, _, name = str(service).rpartition("/")
    return ns or "default", name


class KubeProxy:
    """The lab's kube-proxy: endpoints cached from EndpointSlices, one seeded RNG for iptables' random match.

    Session affinity (``--rcheck --seconds``) is remembered per node and client IP, as the ``recent`` module does.
    """

    def __init__(self, lab, seed: int | None = None):
        self.lab = lab
        self.rng = random.Random((lab.seed if seed is None else seed) + 7)
        self._cache: dict[tuple[str, str], list[dict]] = {}
        self._recent: dict[tuple[str, str, str], tuple[ServiceEndpoint, float]] = {}
        self._slices = lab.api.resource("endpointslices")
        self._services: dict[tuple[str, str], dict] = {}
        self._eps: dict[tuple, list[ServiceEndpoint]] = {}
        lab.api.watch(self._slices, self._invalidate)
        lab.api.watch(lab.api.resource("services"), self._service_changed)

    def _invalidate(self, _event: str, obj: dict) -> None:
        meta = obj.get("metadata") or {}
        svc = (meta.get("labels") or {}).get("kubernetes.io/service-name")
        self._cache.pop((meta.get("namespace", ""), svc), None)
        self._eps.clear()

    def _service_changed(self, _event: str, obj: dict) -> None:
        meta = obj.get("metadata") or {}
        self._services.pop((meta.get("namespace", ""), meta.get("name")), None)
        self._eps.clear()

    def _service(self, service) -> dict:
        if isinstance(service, dict):
            return service
        key = _service_key(service)
        svc = self._services.get(key)
        if svc is None:  # an informer's cache: read once, dropped on every change to the Service
            svc = self._services[key] = self.lab.api.get(self.lab.api.resource("services"), *key)
        return svc

    @staticmethod
    def _port(svc: dict, port) -> dict:
        ports = (svc.get("spec") or {}).get("ports") or []
        if port is None:
            if not ports:
                raise ValueError(f'service "{svc["metadata"]["name"]}" has no ports')
            return ports[0]
        for p in ports:
            if port in (p.get("name"), p.get("port")):
                return p
        raise ValueError(f'service "{svc["metadata"]["name"]}" has no port {port!r}')

    def endpoints(self, service, port=None) -> list[ServiceEndpoint]:
        """The endpoints of one service port, de-duplicated by address and sorted as kube-proxy keeps them."""
        svc = self._service(service)
        sp = self._port(svc, port)
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        memo = (ns, name, sp.get("name", ""), sp.get("protocol", "TCP"), svc["metadata"].get("resourceVersion"))
        if memo in self._eps:
            return self._eps[memo]
        slices = self._cache.get((ns, name))
        if slices is None:
            slices = [s for s in self.lab.api.list(self._slices, ns)
                      if (s["metadata"].get("labels") or {}).get("kubernetes.io/service-name") == name]
            self._cache[(ns, name)] = slices
        seen: dict[str, ServiceEndpoint] = {}
        for s in slices:
            match = next((p for p in s.get("ports") or () if p.get("name", "") == sp.get("name", "")
                          and p.get("protocol", "TCP") == sp.get("protocol", "TCP")), None)
            if match is None:
                continue
            for ep in s.get("endpoints") or ():
                cond = ep.get("conditions") or {}
                ready = cond.get("ready") is not False  # upstream: nil means ready
                serving = cond.get("serving", ready) is not False
                terminating = bool(cond.get("terminating"))
                ref = ep.get("targetRef") or {}
                for ip in ep.get("addresses")[:1]:
                    e = ServiceEndpoint(ip, match["port"], f"{ref.get('namespace')}/{ref.get('name')}" if ref else "",
                                        ep.get("nodeName", ""), ready, serving, terminating)
                    seen.setdefault(str(e), e)
        # upstream: endpointslicecache.go keeps a service port's endpoints sorted by their "ip:port" string
        out = self._eps[memo] = [seen[k] for k in sorted(seen)]
        return out

    def forward(self, service, client, *, port=None, node: str | None = None, external: bool = False) -> Forward:
        """One connection from ``client`` (``namespace/pod`` or an IP) to a Service port, through iptables.

        ``external=True`` means the connection arrived at ``node`` from outside (a NodePort or the load balancer):
        the externalTrafficPolicy applies; otherwise the internalTrafficPolicy of the client's node.
        """
        svc = self._service(service)
        spec = svc.get("spec") or {}
        sp = self._port(svc, port)
        client_ip, client_node = self._client(client)
        node = node or client_node
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        spn = f"{ns}/{name}" + (f":{sp['name']}" if sp.get("name") else "")
        proto = sp.get("protocol", "TCP")
        policy = spec.get("externalTrafficPolicy" if external else "internalTrafficPolicy", "Cluster")
        local = policy == "Local"
        chain = service_chain(spn, proto, local)
        eps = self.endpoints(svc, sp.get("name") or sp.get("port"))
        usable, has_any = categorize_endpoints(eps, node, local)
        source_ip = client_ip
        if external and not local:
            source_ip = self._node_ip(node) or client_ip  # KUBE-MARK-MASQ: SNAT to the node for Cluster policy
        if not has_any:
            return Forward("rejected", None, "KUBE-SERVICES", f"{spn} has no endpoints", source_ip, ())
        if not usable:
            return Forward("dropped", None, chain, f"{spn} has no local endpoints", source_ip, ())
        timeout = None
        if spec.get("sessionAffinity") == "ClientIP":
            timeout = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get("timeoutSeconds", 10800)
            key = (node or "", chain, client_ip)
            hit = self._recent.get(key)
            if hit is not None and hit[0] in usable and self.lab.now - hit[1] <= timeout:
                self._recent[key] = (hit[0], self.lab.now)
                return Forward("forwarded", hit[0], chain, f"session affinity: {client_ip} -> {hit[0]}",
                               source_ip, tuple(usable))
        chosen = usable[-1]
        n = len(usable)
        for i, e in enumerate(usable[:-1]):  # "-m statistic --mode random --probability 1/(n-i)"
            if self.rng.random() < 1.0 / (n - i):
                chosen = e
                break
        if timeout is not None:
            self._recent[(node or "", chain, client_ip)] = (chosen, self.lab.now)
        return Forward("forwarded", chosen, chain, f"{spn} -> {chosen}", source_ip, tuple(usable))

    def _client(self, client) -> tuple[str, str]:
        text = str(client)
        try:
            ipaddress.ip_address(text)
            return text, ""
        except ValueError:
            pass
        ns, _, name = text.rpartition("/")
        pod = self.lab.api.get(self.lab.api.resource("pods"), ns or "default", name)
        return (pod.get("status") or {}).get("podIP", ""), (pod.get("spec") or {}).get("nodeName", "")

    def _node_ip(self, node: str | None) -> str:
        if not node:
            return ""
        n = self.lab.api.etcd.read(f"/registry/minions/{node}")
        for a in ((n or {}).get("status") or {}).get("addresses") or ():
            if a.get("type") == "InternalIP":
                return a["address"]
        return ""

    def rules(self, service, cluster_cidr: str | None = None) -> list[str]:
        """The nat-table rules kube-proxy writes for a Service, in ``iptables-save`` form."""
        svc = self._service(service)
        spec = svc.get("spec") or {}
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        out = []
        for sp in spec.get("ports") or ():
            spn = f"{ns}/{name}" + (f":{sp['name']}" if sp.get("name") else "")
            proto = sp.get("protocol", "TCP").lower()
            chain = service_chain(spn, proto)
            ip = spec.get("clusterIP")
            match = f"-m {proto} -p {proto} -d {ip} --dport {sp['port']}"
            eps, _ = categorize_endpoints(self.endpoints(svc, sp.get("name") or sp["port"]), None, False)
            if not eps:
                out.append(f'-A KUBE-SERVICES -m comment --comment "{spn} has no endpoints" {match} -j REJECT')
                continue
            out.append(f'-A KUBE-SERVICES -m comment --comment "{spn} cluster IP" {match} -j {chain}')
            if cluster_cidr:
                out.append(f'-A {chain} -m comment --comment "{spn} cluster IP" {match} ! -s {cluster_cidr} '
                           "-j KUBE-MARK-MASQ")
            affinity = spec.get("sessionAffinity") == "ClientIP"
            seconds = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get("timeoutSeconds", 10800)
            seps = [(e, endpoint_chain(spn, proto, str(e))) for e in eps]
            if affinity:
                for e, sep in seps:
                    out.append(f'-A {chain} -m comment --comment "{spn} -> {e}" -m recent --name {sep} --rcheck '
                               f"--seconds {seconds} --reap -j {sep}")
            for i, (e, sep) in enumerate(seps):
                stat = f" -m statistic --mode random --probability {probability(len(seps) - i)}" \
                    if i < len(seps) - 1 else ""
                out.append(f'-A {chain} -m comment --comment "{spn} -> {e}"{stat} -j {sep}')
            for e, sep in seps:
                out.append(f"-A {sep} -m comment --comment {spn} -s {e.ip} -j KUBE-MARK-MASQ")
                recent = f" -m recent --name {sep} --set" if affinity else ""
                out.append(f"-A {sep} -m comment --comment {spn}{recent} -m {proto} -p {proto} -j DNAT "
                           f"--to-destination {e}")
        return out

    def distribution(self, service, requests: int = 10_000, client: str = "10.0.0.1", *, port=None,
                     node: str | None = None, external: bool = False) -> dict[str, int]:
        """How ``requests`` new connections spread over the endpoints (pod name -> count; refused ones as "")."""
        counts: dict[str, int] = {e.pod: 0 for e in self.endpoints(service, port)}
        for _ in range(requests):
            f = self.forward(service, client, port=port, node=node, external=external)
            key = f.endpoint.pod if f.endpoint else ""
            counts[key] = counts.get(key, 0) + 1
        return counts


def pick_endpoint(lab, service, client, *, port=None, node: str | None = None,
                  external: bool = False) -> ServiceEndpoint | None:
    """The endpoint one new connection from ``client`` to ``service`` reaches, or None (refused or dropped).

    Parameters
    ----------
    lab : Cluster
    service : str or dict
        ``"namespace/name"`` (or ``"name"`` in default) or the Service object.
    client : str
        ``"namespace/pod"`` or an IP address; its IP keys session affinity, its node the Local policies.
    port : str or int, optional
        Service port name or number; the first port by default.
    node, external
        For traffic from outside: the node it arrives at, and ``external=True``.

    Examples
    --------
    >>> import k8slab as kl
    >>> lab = kl.Cluster()
    >>> pick_endpoint(lab, "default/kubernetes", "10.0.0.1") is None  # no EndpointSlice for it in the lab
    True
    """
    proxy = getattr(getattr(lab, "network", None), "proxy", None)
    if proxy is None:
        proxy = KubeProxy(lab)
    return proxy.forward(service, client, port=port, node=node, external=external).endpoint
