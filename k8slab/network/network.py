"""``lab.network``: the cluster's network settings and the questions people ask of it (can A reach B? which backend?)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from k8slab.network.dns import DNSAnswer, resolve
from k8slab.network.ingress import Route, effective_class
from k8slab.network.ingress import route as ingress_route
from k8slab.network.ipam import NETWORK_PLUGINS, PodIPAM
from k8slab.network.kube_proxy import Forward, KubeProxy
from k8slab.network.load_balancer import (
    NAT_GATEWAY_PORTS_PER_IP,
    OUTBOUND_TYPES,
    AzureLoadBalancer,
    EgressPath,
    default_snat_ports,
)
from k8slab.network.network_policy import POLICY_ENGINES, PolicyEngine, Verdict, _End

__all__ = ["Network", "ConnectivityMatrix", "EndpointTable", "TextTable"]


@dataclass
class ConnectivityMatrix:
    """Who may connect to whom on one port: ``allowed[i, j]`` is ``names[i] -> names[j]``."""

    names: list[str]
    allowed: object  # numpy bool array
    port: int
    protocol: str
    enforced: bool = True

    def to_text(self) -> str:
        """The e2e tests' truth table: ``.`` allowed, ``X`` denied (upstream: test/e2e/network/netpol/truthtable.go)."""
        rows = ["\t".join(["-", *self.names])]
        for i, src in enumerate(self.names):
            rows.append("\t".join([src, *("." if a else "X" for a in self.allowed[i])]))
        return "\n".join(rows)

    def __repr__(self) -> str:
        return self.to_text()

    def __eq__(self, other) -> bool:
        return isinstance(other, ConnectivityMatrix) and self.names == other.names \
            and (self.allowed == other.allowed).all()

    @property
    def denied(self) -> int:
        return int((~self.allowed).sum())


class TextTable:
    """Rows of tab-separated cells printed aligned like kubectl's tables, with an optional note below."""

    def __init__(self, rows: list[str], tail: str = ""):
        self.rows, self.tail = rows, tail

    def __repr__(self) -> str:
        from k8slab.kubectl.format import tabwriter

        return tabwriter(self.rows, minwidth=0, padding=3).rstrip("\n") + self.tail


class EndpointTable(list):
    """A Service port's endpoints as kube-proxy sees them; prints as a table (ready, serving, terminating)."""

    def __repr__(self) -> str:
        from k8slab.kubectl.format import tabwriter

        rows = ["POD\tENDPOINT\tNODE\tREADY\tSERVING\tTERMINATING"]
        rows += [f"{e.pod}\t{e}\t{e.node}\t{str(e.ready).lower()}\t{str(e.serving).lower()}\t"
                 f"{str(e.terminating).lower()}" for e in self]
        return tabwriter(rows, minwidth=0, padding=3).rstrip("\n") if self else "no endpoints"


class Network:
    """The lab's pod network: plugin and IPAM, policy engine, kube-proxy, DNS, ingress and the load balancer.

    Parameters
    ----------
    lab : Cluster
    plugin : {"kindnet", "kubenet", "azure-cni", "azure-cni-overlay", "azure-cni-pod-subnet"}
        How pods get addresses. ``kindnet`` (kind's default) for a plain ``kl.Cluster()``.
    policy : {"kindnet", "azure", "calico", "cilium", "none"}, optional
        The NetworkPolicy engine; default ``"kindnet"`` with kindnet (it enforces), else ``"none"`` (policies are
        accepted and stored but nothing enforces them, as on AKS without ``--network-policy``).
    pod_cidr : str
        The cluster CIDR the node pod ranges come from (kindnet, kubenet, Overlay); 10.244.0.0/16 by default.
    node_subnet, pod_subnet : str, optional
        Azure subnets: nodes (and azure-cni pods); pods for azure-cni-pod-subnet.
    outbound_type : str
        AKS ``--outbound-type``: loadBalancer, managedNATGateway, userAssignedNATGateway, userDefinedRouting, none.
    firewall_ip : str, optional
        The next hop of the 0.0.0.0/0 route with userDefinedRouting.
    dns_domain : str
        The cluster domain (``cluster.local``).
    """

    def __init__(self, lab, plugin: str = "kindnet", policy: str | None = None, pod_cidr: str | None = "10.244.0.0/16",
                 node_subnet: str | None = None, pod_subnet: str | None = None, outbound_type: str = "loadBalancer",
                 firewall_ip: str | None = None, dns_domain: str = "cluster.local"):
        if plugin not in NETWORK_PLUGINS:
            raise ValueError(f"unknown network plugin {plugin!r}: expected one of {', '.join(NETWORK_PLUGINS)}")
        policy = policy or ("kindnet" if plugin == "kindnet" else "none")
        if policy not in POLICY_ENGINES:
            raise ValueError(f"unknown network policy engine {policy!r}: expected one of {', '.join(POLICY_ENGINES)}")
        if outbound_type not in OUTBOUND_TYPES:
            raise ValueError(f"unknown outbound type {outbound_type!r}: expected one of {', '.join(OUTBOUND_TYPES)}")
        if plugin == "azure-cni":
            pod_cidr = None
        node_subnet = node_subnet or ("10.224.0.0/16" if plugin.startswith("azure") else None)
        self._check_cidrs(lab.service_cidr, pod_cidr, node_subnet, pod_subnet)
        #: the arguments this network was built with (what a save file needs to rebuild it)
        self.settings = {"plugin": plugin, "policy": policy, "pod_cidr": pod_cidr, "node_subnet": node_subnet,
                         "pod_subnet": pod_subnet, "outbound_type": outbound_type, "firewall_ip": firewall_ip,
                         "dns_domain": dns_domain}
        self.lab = lab
        self.plugin = plugin
        self.policy = policy
        self.pod_cidr = pod_cidr
        self.node_subnet = node_subnet
        self.outbound_type = outbound_type
        self.firewall_ip = firewall_ip
        self.dns_domain = dns_domain
        self.ipam = PodIPAM(plugin, pod_cidr, node_subnet,
                            pod_subnet or ("10.225.0.0/16" if plugin == "azure-cni-pod-subnet" else None))
        self.proxy = KubeProxy(lab)
        self.load_balancer = AzureLoadBalancer()
        self.nat_gateway_ip = self.load_balancer.allocate_ip() if "NATGateway" in outbound_type else None
        self._policies: list[dict] | None = None
        self._engine: PolicyEngine | None = None
        self._ns_labels: dict[str, dict] | None = None
        api = lab.api
        api.watch(api.resource("networkpolicies"), self._policies_changed)
        api.watch(api.resource("namespaces"), self._namespaces_changed)
        api.watch(api.resource("pods"), self._pod_changed)
        from k8slab.network.describe import register
        from k8slab.network.validation import register as register_validators

        register()  # kubectl describe for Service, NetworkPolicy, Ingress
        register_validators()  # NetworkPolicy and Ingress field validation, in the apiserver's validation stage

    @staticmethod
    def _check_cidrs(service_cidr, pod_cidr, node_subnet, pod_subnet) -> None:
        named = []
        for what, cidr in (("service CIDR", service_cidr), ("pod CIDR", pod_cidr), ("node subnet", node_subnet),
                           ("pod subnet", pod_subnet)):
            if cidr is None:
                continue
            try:
                named.append((what, ipaddress.ip_network(cidr)))
            except ValueError as e:
                raise ValueError(f"invalid {what} {cidr!r}: {e}") from None
        for i, (a, na) in enumerate(named):
            for b, nb in named[i + 1:]:
                if na.version == nb.version and na.overlaps(nb):
                    raise ValueError(f"the {a} {na} overlaps the {b} {nb}: they must not overlap")

    def __repr__(self) -> str:
        return (f"<Network plugin={self.plugin} policy={self.policy} pod_cidr={self.pod_cidr} "
                f"service_cidr={self.lab.service_cidr} outbound={self.outbound_type}>")

    # -- watches and admission -------------------------------------------------------------------------
    def _policies_changed(self, _event: str, _obj: dict) -> None:
        self._engine = None

    def _namespaces_changed(self, _event: str, _obj: dict) -> None:
        self._ns_labels = None

    def _pod_changed(self, event: str, pod: dict) -> None:
        if event == "DELETED":
            self.ipam.release(pod)

    def resync(self) -> None:
        """Rebuild IPAM from the store (after ``Cluster.load``): node pod CIDRs, then pod addresses."""
        self.ipam = PodIPAM(self.plugin, self.pod_cidr, self.node_subnet, self.ipam.pod_subnet and str(self.ipam.pod_subnet))
        from k8slab.network.node_ipam import _max_pods, _node_ip

        for node in self.lab.api.list(self.lab.api.resource("nodes")):
            self.ipam.add_node(node["metadata"]["name"], _node_ip(node), _max_pods(node),
                               (node.get("spec") or {}).get("podCIDR"))
        for pod in self.lab.api.list(self.lab.api.resource("pods")):
            ip, node = (pod.get("status") or {}).get("podIP"), (pod.get("spec") or {}).get("nodeName")
            if ip and node in self.ipam.ranges:
                self.ipam.ranges[node].reserve(ip)
                self.ipam.pod_ips[f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"] = (node, ip)

    # -- pod addresses (called by the kubelet) ---------------------------------------------------------
    def allocate_pod_ip(self, pod: dict, node: str) -> str:
        """The pod's address from the plugin's IPAM; raises :class:`~k8slab.network.ipam.SandboxError`."""
        return self.ipam.allocate(pod, node)

    def release_pod_ip(self, pod: dict) -> None:
        self.ipam.release(pod)

    def addresses(self) -> "TextTable":
        """Each node's pod addresses: its range (pod CIDR, or addresses held in an Azure subnet), in use, free."""
        from k8slab.network.node_ipam import _node_ip

        rows = ["NODE\tNODE IP\tPOD ADDRESSES\tIN USE\tFREE"]
        in_use: dict[str, int] = {}
        for node, _ip in self.ipam.pod_ips.values():
            in_use[node] = in_use.get(node, 0) + 1
        for n in self.lab.api.list(self.lab.api.resource("nodes")):
            name = n["metadata"]["name"]
            rng = self.ipam.ranges.get(name)
            if rng is None:
                where = "none (no pod CIDR)"
            elif self.plugin in ("azure-cni", "azure-cni-pod-subnet"):
                where = f"{rng.granted} held in {rng.net}"
            else:
                where = self.ipam.node_cidrs[name]
            rows.append(f"{name}\t{_node_ip(n)}\t{where}\t{in_use.get(name, 0)}\t{self.ipam.free(name)}")
        free = self.ipam.subnet_free
        tail = f"\n{free} addresses left in the subnet" if free is not None else ""
        return TextTable(rows, tail)

    def route_table(self) -> "TextTable":
        """kubenet's Azure route table: one route per node (pod CIDR -> node), at most 400; nodes left without."""
        from k8slab.network.ipam import ROUTE_TABLE_LIMIT

        missing = [f"{n} ({c})" for n, c in self.ipam.node_cidrs.items() if n not in self.ipam.routes]
        rows = ["ADDRESS PREFIX\tNEXT HOP TYPE\tNEXT HOP\tNODE"]
        routes = sorted(self.ipam.routes.items(), key=lambda kv: ipaddress.ip_network(kv[1][0]))
        shown = routes if len(routes) <= 6 else routes[:3] + [("...", ("...", "..."))] + routes[-2:]
        for node, (cidr, hop) in shown:
            rows.append(f"{cidr}\t{'VirtualAppliance' if cidr != '...' else '...'}\t{hop}\t{node}")
        tail = f"\n{len(routes)} of {ROUTE_TABLE_LIMIT} routes"
        if missing:
            tail += f"; nodes without a route: {', '.join(missing)}"
        return TextTable(rows, tail)

    # -- NetworkPolicy ---------------------------------------------------------------------------------
    @property
    def engine(self) -> PolicyEngine:
        if self._engine is None:
            self._engine = PolicyEngine(self.lab.api.list(self.lab.api.resource("networkpolicies")), self.policy)
        return self._engine

    def _namespace_labels(self) -> dict[str, dict]:
        if self._ns_labels is None:
            self._ns_labels = {n["metadata"]["name"]: n["metadata"].get("labels") or {}
                               for n in self.lab.api.list(self.lab.api.resource("namespaces"))}
        return self._ns_labels

    def _end(self, ref) -> _End:
        pod = None
        if isinstance(ref, dict):
            pod = ref
        elif hasattr(ref, "to_dict"):
            pod = ref.to_dict()
        else:
            text = str(ref)
            try:
                addr = ipaddress.ip_address(text)
            except ValueError:
                addr = None
            if addr is not None:
                pod = next((p for p in self.lab.api.list(self.lab.api.resource("pods"))
                            if (p.get("status") or {}).get("podIP") == text), None)
                if pod is None:
                    return _End(addr, text)
            else:
                ns, _, name = text.rpartition("/")
                pod = self.lab.api.get(self.lab.api.resource("pods"), ns or "default", name)
        meta = pod["metadata"]
        ip = (pod.get("status") or {}).get("podIP")
        ns = meta.get("namespace", "default")
        return _End(ipaddress.ip_address(ip) if ip else None, f"{ns}/{meta['name']}", ns, meta.get("labels") or {},
                    self._namespace_labels().get(ns, {}), pod)

    def can_connect(self, src, dst, port: int | str, protocol: str = "TCP") -> Verdict:
        """Whether ``src`` may open a connection to ``dst`` on ``port``, and which policies decided.

        ``src`` and ``dst`` are ``"namespace/pod"`` (or a pod) or an IP address. A named ``port`` is resolved
        on the destination pod's containers.

        Examples
        --------
        >>> import k8slab as kl
        >>> lab = kl.Cluster()
        >>> lab.network.can_connect("10.1.2.3", "10.1.2.4", 80)
        <Verdict allowed: no NetworkPolicy selects either pod: allowed by default>
        """
        s, d = self._end(src), self._end(dst)
        if isinstance(port, str) and not port.isdigit():
            from k8slab.network.network_policy import named_port

            number = named_port(d.pod, port, protocol)
            if number is None:
                raise ValueError(f"{d.name} has no container port named {port!r}")
            port = number
        port = int(port)
        missing = self._missing_route(s, d)
        if missing:
            return Verdict(False, (), missing)
        return self.engine.decide(s, d, port, protocol)

    def _missing_route(self, s: _End, d: _End) -> str:
        if self.plugin != "kubenet" or d.pod is None:
            return ""
        dst_node = (d.pod.get("spec") or {}).get("nodeName")
        src_node = (s.pod.get("spec") or {}).get("nodeName") if s.pod else None
        if dst_node and dst_node != src_node and dst_node not in self.ipam.routes:
            return (f"no route to {self.ipam.node_cidrs.get(dst_node, 'the pod range')} of {dst_node}: "
                    "the route table is full (kubenet)")
        return ""

    def matrix(self, pods=None, namespace: str | None = None, port: int = 80, protocol: str = "TCP"
               ) -> ConnectivityMatrix:
        """The connectivity matrix of ``pods`` (default: every pod, or those of ``namespace``) on one port."""
        if pods is None:
            pods = sorted(self.lab.api.list(self.lab.api.resource("pods"), namespace),
                          key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"]))
        ends = [self._end(p) for p in pods]
        allowed = self.engine.matrix(ends, port, protocol)
        return ConnectivityMatrix([e.name for e in ends], allowed, port, protocol, self.engine.enforced)

    # -- Services, DNS, Ingress ------------------------------------------------------------------------
    def endpoints(self, service, port=None) -> "EndpointTable":
        """The endpoints kube-proxy sees for a Service port, with their conditions, as a table."""
        return EndpointTable(self.proxy.endpoints(service, port))

    def forward(self, service, client, **kw) -> Forward:
        """kube-proxy's decision for one connection (see :meth:`KubeProxy.forward`)."""
        return self.proxy.forward(service, client, **kw)

    def connect_external(self, service, client_ip: str = "198.51.100.7", port=None) -> Forward:
        """A connection from the internet to a LoadBalancer Service: the Azure load balancer picks a node whose
        health probe is up, then that node's kube-proxy forwards (externalTrafficPolicy applies).

        The load balancer's 5-tuple hash is not simulated: the node is a seeded random pick among healthy ones.
        With ``Local`` a node's probe is up only while it has a ready local endpoint; with ``Cluster`` every
        node's is (kube-proxy answers for the whole Service).
        """
        svc = self.proxy._service(service)
        key = f"{svc['metadata']['namespace']}/{svc['metadata']['name']}"
        if key not in self.load_balancer.frontends:
            raise ValueError(f"service {key} has no load balancer frontend (type LoadBalancer, after lab.run)")
        nodes = [n["metadata"]["name"] for n in self.lab.api.list(self.lab.api.resource("nodes"))]
        if svc["spec"].get("externalTrafficPolicy") == "Local":
            local = {e.node for e in self.proxy.endpoints(svc, port) if e.ready}
            nodes = [n for n in nodes if n in local]
        if not nodes:
            return Forward("dropped", None, "", f"{key}: every backend's health probe is down", client_ip)
        node = nodes[self.proxy.rng.randrange(len(nodes))]
        return self.proxy.forward(svc, client_ip, port=port, node=node, external=True)

    def resolve(self, name: str, namespace: str = "default") -> DNSAnswer:
        """Resolve ``name`` as a pod in ``namespace`` would (search path, ``ndots:5``)."""
        return resolve(self.lab, name, namespace, self.dns_domain)

    def route(self, host: str, path: str = "/", ingress_class: str | None = None) -> Route | None:
        """The backend an ingress controller sends ``http://host/path`` to, or None (its 404 backend).

        Examples
        --------
        >>> import k8slab as kl
        >>> kl.Cluster().network.route("shop.example.com", "/") is None
        True
        """
        api = self.lab.api
        classes = api.list(api.resource("ingressclasses"))
        ingresses = api.list(api.resource("ingresses"))
        if ingress_class is not None:
            ingresses = [i for i in ingresses if effective_class(i, classes) == ingress_class]
        secrets = {}
        for ing in ingresses:
            ns = ing["metadata"].get("namespace", "default")
            for t in (ing.get("spec") or {}).get("tls") or ():
                if t.get("secretName"):
                    s = api.etcd.read(api.resource("secrets").key(ns, t["secretName"]))
                    if s is not None:
                        secrets[f"{ns}/{t['secretName']}"] = s
        return ingress_route(ingresses, host, path, secrets)

    # -- leaving the cluster ---------------------------------------------------------------------------
    def egress(self, pod, destination: str = "198.51.100.10") -> EgressPath:
        """How a packet from ``pod`` to an address outside the cluster leaves, per the outbound type."""
        end = self._end(pod)
        node_name = (end.pod.get("spec") or {}).get("nodeName", "")
        node_ip = self.proxy._node_ip(node_name) or "the node's address"
        hops = [f"{end.name} ({end.ip}) -> {destination}",
                f"ip-masq-agent on {node_name or 'its node'}: {destination} is outside the cluster and VNet ranges, "
                f"SNAT to the node's address {node_ip}"]
        nodes = len(self.lab.api.etcd.keys("/registry/minions/"))
        ports = None
        if self.plugin == "kindnet":
            hops[1] = (f"kindnet on {node_name or 'its node'}: {destination} is outside the cluster, masquerade to the "
                       f"node's address {node_ip}")
            hops.append("the kind node is a container: the host's NAT takes it from there (not simulated)")
            return EgressPath(tuple(hops), node_ip, None)
        if self.outbound_type == "loadBalancer":
            ports = default_snat_ports(max(nodes, 1))
            source = self.load_balancer.outbound_ip
            hops.append(f"Azure Load Balancer outbound rule: SNAT to its public IP {source} "
                        f"({ports:,} SNAT ports per node with {nodes} node(s) in the backend pool)")
        elif self.outbound_type in ("managedNATGateway", "userAssignedNATGateway"):
            ports = NAT_GATEWAY_PORTS_PER_IP
            source = self.nat_gateway_ip
            hops.append(f"NAT gateway on the node subnet: SNAT to its public IP {source} "
                        f"({ports:,} SNAT ports per public IP, shared by all nodes)")
        elif self.outbound_type == "userDefinedRouting":
            fw = self.firewall_ip or "the firewall"
            source = f"the firewall's public IP (behind {fw})"
            hops.append(f"route table: 0.0.0.0/0 -> VirtualAppliance {fw}; the firewall filters and SNATs "
                        "(its rules are not simulated)")
        else:
            source = node_ip
            hops.append("outboundType none: AKS sets up no egress; the packet is dropped unless you provide a path")
        return EgressPath(tuple(hops), source, ports)

    def plan(self, nodes: int | None = None, max_pods: int | None = None, subnet: str | None = None, **kw):
        """:func:`k8slab.plan_ips` for this cluster's plugin (kindnet has no AKS plan)."""
        from k8slab.network.ip_planning import plan_ips

        if self.plugin == "kindnet":
            raise ValueError("plan_ips plans AKS plugins; this lab runs kindnet")
        nodes = nodes or max(len(self.lab.api.etcd.keys("/registry/minions/")), 1)
        return plan_ips(self.plugin, nodes=nodes, max_pods=max_pods, subnet=subnet or self.node_subnet, **kw)
