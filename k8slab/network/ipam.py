"""Pod IP address management per network plugin: node pod CIDRs, kubenet routes, Azure CNI subnets, and running out."""

# upstream: pkg/controller/nodeipam/ipam/range_allocator.go, cidrset/cidr_set.go (a /24 per node, in order)
# upstream: containernetworking/plugins plugins/ipam/host-local/backend/allocator (kubenet, kindnet: next free
#           address after the last one handed out; the gateway .1 kept; the error texts)
# upstream: staging/src/k8s.io/cloud-provider/controllers/route/route_controller.go (NetworkUnavailable condition)
# AKS docs: configure-kubenet (400 routes per route table), concepts-network-ip-address-planning (Azure CNI
#           preallocates max pods per node), concepts-network-azure-cni-overlay, concepts-network-azure-cni-pod-subnet

from __future__ import annotations

import hashlib
import ipaddress

from k8slab.network.ip_planning import AZURE_RESERVED_IPS, DEFAULT_MAX_PODS, POD_SUBNET_BATCH

__all__ = ["PodIPAM", "SandboxError", "NETWORK_PLUGINS", "ROUTE_TABLE_LIMIT", "NODE_CIDR_MASK"]

#: the plugins a lab can run: kind's default, and AKS's choices
NETWORK_PLUGINS = ("kindnet", "kubenet", "azure-cni", "azure-cni-overlay", "azure-cni-pod-subnet")
#: an Azure route table holds at most 400 routes (AKS docs, configure-kubenet)
ROUTE_TABLE_LIMIT = 400
#: --node-cidr-mask-size for IPv4 (kube-controller-manager default; also AKS kubenet and Overlay)
NODE_CIDR_MASK = 24
_CNI_TYPE = {"kindnet": "ptp", "kubenet": "bridge"}


class SandboxError(Exception):
    """The CNI plugin could not give a pod an address; ``str(err)`` is the kubelet's FailedCreatePodSandBox message."""

    def __init__(self, message: str, reason: str = "FailedCreatePodSandBox"):
        super().__init__(message)
        self.reason = reason


def _sandbox_id(pod: dict) -> str:
    # containerd's sandbox ids are 64 hex characters; the lab derives them from the pod's uid (deterministic)
    return hashlib.sha256(((pod.get("metadata") or {}).get("uid", "") + "/sandbox").encode()).hexdigest()


def _key(pod: dict) -> str:
    meta = pod.get("metadata") or {}
    return f"{meta.get('namespace', 'default')}/{meta.get('name')}"


class _Range:
    """host-local's range: ``first``..``last`` usable, handing out the next free address after the last one."""

    def __init__(self, net: ipaddress.IPv4Network, first: int, last: int, label: str):
        self.net, self.first, self.last, self.label = net, first, last, label
        self.used: set[int] = set()
        self.cursor = first - 1
        self.granted = 0  # Azure CNI: addresses of the subnet this node holds
        self.max_ips = last - first + 1

    def allocate(self) -> str | None:
        size = self.last - self.first + 1
        for step in range(1, size + 1):
            cand = self.first + (self.cursor - self.first + step) % size
            if cand not in self.used:
                self.used.add(cand)
                self.cursor = cand
                if cand < 2**32:  # performance only: what str(ipaddress.ip_address(cand)) writes for IPv4
                    return f"{cand >> 24}.{(cand >> 16) & 255}.{(cand >> 8) & 255}.{cand & 255}"
                return str(ipaddress.ip_address(cand))
        return None

    def reserve(self, ip: str) -> None:
        self.used.add(int(ipaddress.ip_address(ip)))

    def release(self, ip: str) -> None:
        self.used.discard(int(ipaddress.ip_address(ip)))

    @property
    def free(self) -> int:
        return self.last - self.first + 1 - len(self.used)


class PodIPAM:
    """Addresses for nodes' pod ranges and for pods, following the lab's network plugin.

    - ``kindnet`` / ``kubenet``: each node gets a /24 ``spec.podCIDR`` of the cluster CIDR (node IPAM, in the order
      nodes join); pods get addresses from it with host-local (``.1`` is the bridge gateway; ``.2`` … ``.254``).
      kubenet also needs one route per node in the Azure route table, which holds 400.
    - ``azure-cni``: pods get addresses of the node subnet; each node reserves ``max pods`` of them when it joins.
    - ``azure-cni-overlay``: a /24 per node from the pod CIDR, pods from it (max pods at most 250 < 254).
    - ``azure-cni-pod-subnet``: pod addresses from a separate pod subnet, handed to nodes in batches of 16.
    """

    def __init__(self, plugin: str = "kindnet", pod_cidr: str | None = "10.244.0.0/16",
                 node_subnet: str | None = None, pod_subnet: str | None = None):
        if plugin not in NETWORK_PLUGINS:
            raise ValueError(f"unknown network plugin {plugin!r}: expected one of {', '.join(NETWORK_PLUGINS)}")
        self.plugin = plugin
        self.pod_cidr = ipaddress.ip_network(pod_cidr) if pod_cidr else None
        self.node_subnet = ipaddress.ip_network(node_subnet) if node_subnet else None
        self.pod_subnet = ipaddress.ip_network(pod_subnet) if pod_subnet else None
        self.node_cidrs: dict[str, str] = {}  # node -> pod CIDR
        self.routes: dict[str, tuple[str, str]] = {}  # node -> (pod CIDR, next hop)
        self.ranges: dict[str, _Range] = {}  # node -> its range of pod addresses
        self.pod_ips: dict[str, tuple[str, str]] = {}  # pod key -> (node, ip)
        self.subnet_used: set[int] = set()  # node subnet (azure-cni) or pod subnet (pod-subnet): taken addresses
        self._next_cidr = 0

    # -- nodes ---------------------------------------------------------------------------------------
    def add_node(self, name: str, node_ip: str = "", max_pods: int | None = None, pod_cidr: str | None = None
                 ) -> dict:
        """A node joins: its pod CIDR (kubenet, kindnet, Overlay), its route (kubenet), its addresses (Azure CNI).

        Returns what changed: ``{"podCIDR": ..., "route": bool, "reserved": n}``.
        """
        if name in self.ranges:
            return {}
        max_pods = max_pods or DEFAULT_MAX_PODS.get(self.plugin, 110)
        out: dict = {}
        if self.plugin in ("kindnet", "kubenet", "azure-cni-overlay"):
            cidr = pod_cidr or self._allocate_cidr()
            if cidr is None:
                out["podCIDR"] = None  # CIDRNotAvailable
                return out
            net = ipaddress.ip_network(cidr)
            self.node_cidrs[name] = cidr
            base = int(net.network_address)
            self.ranges[name] = _Range(net, base + 2, base + net.num_addresses - 2, f"{net.network_address + 1}-"
                                       f"{net.broadcast_address - 1}")
            out["podCIDR"] = cidr
            if self.plugin == "kubenet":
                out["route"] = len(self.routes) < ROUTE_TABLE_LIMIT
                if out["route"]:
                    self.routes[name] = (cidr, node_ip)
        elif self.plugin == "azure-cni":
            net = self.node_subnet
            if net is None:
                raise ValueError("azure-cni needs node_subnet")
            if node_ip:
                self.subnet_used.add(int(ipaddress.ip_address(node_ip)))
            rng = _Range(net, int(net.network_address) + 4, int(net.broadcast_address) - 1, str(net))
            rng.used = set(range(rng.first, rng.last + 1))  # only the node's reserved addresses are usable
            got = 0
            for ip in range(int(net.network_address) + 4, int(net.broadcast_address)):
                if got == max_pods:
                    break
                if ip not in self.subnet_used:
                    self.subnet_used.add(ip)
                    rng.used.discard(ip)
                    got += 1
            rng.granted = got
            self.ranges[name] = rng
            out["reserved"] = got
        else:  # azure-cni-pod-subnet: batches of 16 from the pod subnet, on demand
            net = self.pod_subnet
            if net is None:
                raise ValueError("azure-cni-pod-subnet needs pod_subnet")
            rng = _Range(net, int(net.network_address) + 4, int(net.broadcast_address) - 1, str(net))
            rng.used = set(range(rng.first, rng.last + 1))
            rng.max_ips = max_pods
            self.ranges[name] = rng
            out["reserved"] = self._grow_batch(rng)
        return out

    def _grow_batch(self, rng: _Range) -> int:
        # Azure CNS asks for 16 addresses at a time, never more than the node's max pods (see ip_planning)
        got = 0
        for ip in range(rng.first, rng.last + 1):
            if got == POD_SUBNET_BATCH or rng.granted >= rng.max_ips:
                break
            if ip not in self.subnet_used:
                self.subnet_used.add(ip)
                rng.used.discard(ip)
                rng.granted += 1
                got += 1
        return got

    def _allocate_cidr(self) -> str | None:
        # upstream: cidrset.AllocateNext: the next free /24 after the last one given out
        total = 2 ** (NODE_CIDR_MASK - self.pod_cidr.prefixlen)
        taken = set(self.node_cidrs.values())
        for i in range(total):
            idx = (self._next_cidr + i) % total
            cidr = str(ipaddress.ip_network(
                (int(self.pod_cidr.network_address) + idx * 2 ** (32 - NODE_CIDR_MASK), NODE_CIDR_MASK)))
            if cidr not in taken:
                self._next_cidr = idx + 1
                return cidr
        return None

    def remove_node(self, name: str) -> None:
        rng = self.ranges.pop(name, None)
        self.node_cidrs.pop(name, None)
        self.routes.pop(name, None)
        if rng is not None and self.plugin in ("azure-cni", "azure-cni-pod-subnet"):
            for ip in range(rng.first, rng.last + 1):
                if ip not in rng.used:
                    self.subnet_used.discard(ip)

    # -- pods ----------------------------------------------------------------------------------------
    def allocate(self, pod: dict, node: str) -> str:
        """An address for ``pod`` on ``node``; raises :class:`SandboxError` with the kubelet's event message."""
        key = _key(pod)
        if key in self.pod_ips:
            return self.pod_ips[key][1]
        rng = self.ranges.get(node)
        if rng is None:
            raise SandboxError("network is not ready: container runtime network not ready: NetworkReady=false "
                               "reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not "
                               "initialized", reason="NetworkNotReady")
        ip = rng.allocate()
        if ip is None and self.plugin == "azure-cni-pod-subnet" and self._grow_batch(rng):
            ip = rng.allocate()
        if ip is None:
            sid = _sandbox_id(pod)
            prefix = (f"Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for "
                      f'sandbox "{sid}"')
            if self.plugin in _CNI_TYPE:
                # upstream: host-local allocator.go: "failed to allocate for range %d: %v",
                #           "no IP addresses available in range set: %s"
                raise SandboxError(f'{prefix}: plugin type="{_CNI_TYPE[self.plugin]}" failed (add): failed to allocate '
                                   f"for range 0: no IP addresses available in range set: {rng.label}")
            if self.plugin == "azure-cni":
                # azure-vnet-ipam's text, as AKS shows it (Azure/AKS issue 2532)
                raise SandboxError(f"{prefix}: Failed to allocate pool: Failed to delegate: Failed to allocate "
                                   "address: No available addresses")
            # Azure CNS (Overlay, Pod Subnet), as the AKS troubleshooting guide shows it
            raise SandboxError(f'{prefix}: plugin type="azure-vnet" failed (add): IPAM Invoker Add failed with error: '
                               "Failed to get IP address from CNS with error: %w: AllocateIPConfig failed: not enough "
                               f"IPs available for {pod['metadata'].get('uid', '')}, waiting on Azure CNS to allocate "
                               "more")
        self.pod_ips[key] = (node, ip)
        return ip

    def release(self, pod: dict) -> None:
        got = self.pod_ips.pop(_key(pod), None)
        if got is not None and got[0] in self.ranges:
            self.ranges[got[0]].release(got[1])

    def node_of_ip(self, ip: str) -> str | None:
        """The node whose pod range holds ``ip`` (what a route to the pod needs)."""
        addr = ipaddress.ip_address(ip)
        for node, cidr in self.node_cidrs.items():
            if addr in ipaddress.ip_network(cidr):
                return node
        return None

    def free(self, node: str) -> int:
        rng = self.ranges.get(node)
        return rng.free if rng else 0

    @property
    def subnet_free(self) -> int | None:
        """Addresses left in the node subnet (azure-cni) or pod subnet (pod-subnet), Azure's 5 kept aside."""
        net = self.node_subnet if self.plugin == "azure-cni" else self.pod_subnet if \
            self.plugin == "azure-cni-pod-subnet" else None
        if net is None:
            return None
        return net.num_addresses - AZURE_RESERVED_IPS - len(self.subnet_used)
