"""AKS IP address planning for kubenet and the Azure CNI flavours, after the AKS docs' rules."""

from __future__ import annotations

import html
import ipaddress
from dataclasses import dataclass

__all__ = [
    "AZURE_RESERVED_IPS",
    "DEFAULT_MAX_PODS",
    "IPPlan",
    "NODE_LIMITS",
    "PLUGINS",
    "POD_SUBNET_BATCH",
    "plan_ips",
    "subnet_usable_ips",
]

# Sources (AKS docs on learn.microsoft.com; stored copies in MicrosoftDocs/azure-docs, articles/aks/):
#   [planning] https://learn.microsoft.com/azure/aks/concepts-network-ip-address-planning
#   [kubenet]  https://learn.microsoft.com/azure/aks/configure-kubenet
#   [overlay]  https://learn.microsoft.com/azure/aks/concepts-network-azure-cni-overlay
#   [podsub]   https://learn.microsoft.com/azure/aks/concepts-network-azure-cni-pod-subnet
#   [quotas]   https://learn.microsoft.com/azure/aks/quotas-skus-regions (includes/aks-service-quotas)
#   [vnetfaq]  https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq

PLUGINS = ("kubenet", "azure-cni", "azure-cni-overlay", "azure-cni-pod-subnet")

#: Addresses Azure keeps in every subnet: network, gateway, 2 x DNS, broadcast [vnetfaq].
AZURE_RESERVED_IPS = 5
#: Smallest IPv4 subnet Azure accepts [vnetfaq].
_SMALLEST_SUBNET_PREFIX = 29

#: Default maxPods per plugin, table "Maximum pods per node" [planning].
DEFAULT_MAX_PODS = {
    "kubenet": 110,
    "azure-cni": 30,  # "Azure CNI (Legacy)": pod IPs from the node subnet
    "azure-cni-overlay": 250,
    "azure-cni-pod-subnet": 110,
}
# Minimum and maximum maxPods, same for every plugin [planning]; the minimum 10 only
# "if the configuration of each node pool has space for a minimum of 30 pods".
_MIN_MAX_PODS, _MAX_MAX_PODS, _MIN_PODS_PER_POOL = 10, 250, 30

#: Most nodes per cluster: kubenet is held to 400 by the 400-route limit of a UDR route table
#: [kubenet]; the others by AKS's 5,000 nodes per cluster (VMSS + Standard LB) [quotas], [overlay].
NODE_LIMITS = {
    "kubenet": 400,
    "azure-cni": 5000,
    "azure-cni-overlay": 5000,
    "azure-cni-pod-subnet": 5000,
}
_NODE_LIMIT_REASON = {
    "kubenet": "Azure route tables hold at most 400 routes, one per node",
    "azure-cni": "AKS allows at most 5,000 nodes per cluster",
    "azure-cni-overlay": "AKS allows at most 5,000 nodes per cluster",
    "azure-cni-pod-subnet": "AKS allows at most 5,000 nodes per cluster",
}
#: kubenet and Overlay give each node a fixed /24 of the pod CIDR [kubenet], [overlay].
_POD_BLOCK_PREFIX = 24
#: Pod Subnet (dynamic IP allocation) hands pod IPs to nodes in batches of 16 [podsub].
POD_SUBNET_BATCH = 16


@dataclass(frozen=True, repr=False)
class IPPlan:
    """The IP budget of an AKS cluster, as worked out by :func:`plan_ips`.

    ``ips_required`` counts addresses of the node subnet (``subnet``); pod addresses that
    live elsewhere (pod CIDR, pod subnet) are in ``pod_ips_required`` / ``pod_prefix``.
    """

    plugin: str
    nodes: int
    max_pods: int
    surge: int
    scale_out: int
    subnet: str | None
    node_count: int  # nodes + surge + scale_out: the nodes the subnet must hold at once
    ips_required: int  # addresses needed in the node subnet
    smallest_prefix: str  # smallest subnet (e.g. "/21") whose usable addresses hold ips_required
    pod_ips_required: int  # pod addresses outside the node subnet (0 for azure-cni)
    pod_prefix: str | None  # smallest pod CIDR / pod subnet for them (None for azure-cni)
    usable_ips: int | None  # usable addresses of `subnet`; None without a subnet
    fits: bool | None  # ips_required <= usable_ips; None without a subnet
    max_nodes: int | None  # most `nodes` the subnet holds with this surge, capped by the plugin limit
    max_pods_total: int | None  # max_nodes * max_pods
    within_node_limit: bool  # nodes + scale_out <= NODE_LIMITS[plugin]
    explanation: str

    def __repr__(self) -> str:
        fit = "" if self.fits is None else f" in {self.subnet}: {'fits' if self.fits else 'does not fit'}"
        return (
            f"<IPPlan {self.plugin} {self.node_count} nodes x {self.max_pods} max pods: "
            f"{self.ips_required:,} IPs, {self.smallest_prefix}{fit}>"
        )

    def _repr_html_(self) -> str:
        rows = [
            ("plugin", self.plugin),
            ("nodes (+surge +scale-out)", f"{self.nodes} (+{self.surge} +{self.scale_out}) = {self.node_count}"),
            ("max pods per node", self.max_pods),
            ("IPs required in node subnet", f"{self.ips_required:,}"),
            ("smallest subnet", self.smallest_prefix),
        ]
        if self.pod_prefix is not None:
            rows.append(("pod IPs (outside node subnet)", f"{self.pod_ips_required:,} ({self.pod_prefix})"))
        if self.subnet is not None:
            rows += [
                ("subnet", self.subnet),
                ("usable IPs", f"{self.usable_ips:,}"),
                ("fits", "yes" if self.fits else "no"),
                ("max nodes", f"{self.max_nodes:,}"),
            ]
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in rows
        )
        return f"<table>{body}</table><pre>{html.escape(self.explanation)}</pre>"


def _parse_subnet(cidr: str, what: str = "subnet") -> ipaddress.IPv4Network:
    try:
        net = ipaddress.ip_network(cidr, strict=True)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"invalid {what} {cidr!r}: {exc}") from None
    if net.version != 4:
        raise ValueError(f"invalid {what} {cidr!r}: only IPv4 subnets are planned")
    if net.prefixlen > _SMALLEST_SUBNET_PREFIX:
        raise ValueError(f"invalid {what} {cidr!r}: the smallest Azure subnet is /{_SMALLEST_SUBNET_PREFIX}")
    return net


def subnet_usable_ips(cidr: str) -> int:
    """Addresses of an Azure subnet that nodes and pods can use: all of them but 5.

    Parameters
    ----------
    cidr : str
        An IPv4 network in CIDR notation, /29 or larger (``"10.240.0.0/24"``).

    Returns
    -------
    int
        ``2 ** (32 - prefix) - 5``: Azure keeps the network address, the gateway, two DNS
        addresses and the broadcast address of every subnet.

    Raises
    ------
    ValueError
        If ``cidr`` is not an IPv4 network, has host bits set, or is smaller than /29.

    Examples
    --------
    >>> subnet_usable_ips("10.240.0.0/24")
    251
    >>> subnet_usable_ips("10.240.0.0/29")
    3
    """
    return _parse_subnet(cidr).num_addresses - AZURE_RESERVED_IPS


def _smallest_azure_prefix(ips: int) -> int:
    # Largest prefix p with 2**(32-p) - 5 >= ips, never smaller than a /29.
    host_bits = (ips + AZURE_RESERVED_IPS - 1).bit_length()
    return 32 - max(host_bits, 32 - _SMALLEST_SUBNET_PREFIX)


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def plan_ips(
    plugin: str,
    nodes: int,
    max_pods: int | None = None,
    subnet: str | None = None,
    surge: int = 1,
    scale_out: int = 0,
) -> IPPlan:
    """Work out how many IP addresses an AKS cluster needs, and whether a subnet holds them.

    The rules are those of the AKS docs ("IP address planning for your clusters",
    "Use kubenet networking", "Azure CNI Overlay", "Azure CNI Pod Subnet"):

    - every Azure subnet loses 5 addresses to Azure;
    - the subnet must hold ``nodes + surge + scale_out`` nodes at once (an upgrade adds
      ``surge`` nodes, 1 by default; ``scale_out`` is the growth you plan for);
    - ``azure-cni`` reserves every pod IP up front in the node subnet:
      ``(n + surge) + (n + surge) * max_pods``;
    - ``kubenet`` and ``azure-cni-overlay`` take one subnet address per node; pods get a /24
      per node from a separate pod CIDR; kubenet stops at 400 nodes (route table limit);
    - ``azure-cni-pod-subnet`` takes one node-subnet address per node; pod IPs come from a
      pod subnet in batches of 16 per node (at least 16 per node, at most ``max_pods``).

    Parameters
    ----------
    plugin : {"kubenet", "azure-cni", "azure-cni-overlay", "azure-cni-pod-subnet"}
        Network plugin; ``"azure-cni"`` is the legacy mode with pod IPs from the node subnet.
    nodes : int
        Nodes in the cluster (at least 1).
    max_pods : int, optional
        Max pods per node, 10 to 250; default is the plugin's (110, 30, 250, 110).
    subnet : str, optional
        The node subnet in CIDR notation; without it ``usable_ips``, ``fits`` and
        ``max_nodes`` are None.
    surge : int, default 1
        Extra nodes during an upgrade (max surge).
    scale_out : int, default 0
        Extra nodes you plan to scale out by.

    Returns
    -------
    IPPlan
        The numbers and the reasoning as text (``.explanation``).

    Raises
    ------
    ValueError
        Unknown plugin, ``nodes < 1``, ``max_pods`` out of range, negative surge or
        scale-out, or an invalid subnet.

    Examples
    --------
    The docs' example, a 50-node Azure CNI cluster with 30 max pods per node:

    >>> plan = plan_ips("azure-cni", nodes=50, subnet="10.240.0.0/21")
    >>> plan.ips_required, plan.smallest_prefix, plan.usable_ips, plan.fits, plan.max_nodes
    (1581, '/21', 2043, True, 64)
    >>> plan_ips("kubenet", nodes=50).ips_required
    51
    """
    if plugin not in PLUGINS:
        raise ValueError(f"unknown plugin {plugin!r}: expected one of {', '.join(PLUGINS)}")
    nodes = _check_int("nodes", nodes, 1)
    surge = _check_int("surge", surge, 0)
    scale_out = _check_int("scale_out", scale_out, 0)
    default_pods = max_pods is None
    if default_pods:
        max_pods = DEFAULT_MAX_PODS[plugin]
    max_pods = _check_int("max_pods", max_pods, 0)
    if not _MIN_MAX_PODS <= max_pods <= _MAX_MAX_PODS:
        raise ValueError(f"max_pods must be between {_MIN_MAX_PODS} and {_MAX_MAX_PODS}, got {max_pods}")
    if nodes * max_pods < _MIN_PODS_PER_POOL:
        raise ValueError(
            f"max_pods {max_pods} with {nodes} node(s) leaves room for {nodes * max_pods} pods: "
            f"AKS needs space for at least {_MIN_PODS_PER_POOL} pods per node pool"
        )
    net = _parse_subnet(subnet) if subnet is not None else None

    n = nodes + surge + scale_out
    per_node = max_pods + 1 if plugin == "azure-cni" else 1
    ips_required = n * per_node
    prefix = _smallest_azure_prefix(ips_required)
    limit = NODE_LIMITS[plugin]

    pods_default = f" (the {plugin} default)" if default_pods else ""
    lines = [
        f"Nodes to plan for: {nodes} + {surge} surge + {scale_out} scale-out = {n}",
        f"Max pods per node: {max_pods}{pods_default}",
    ]
    if plugin == "azure-cni":
        lines.insert(0, "Azure CNI: nodes and every pod IP come from the node subnet, reserved up front.")
        lines.append(f"IPs required: {n} + {n} x {max_pods} = {n} x ({max_pods} + 1) = {ips_required:,}")
        pod_ips, pod_prefix = 0, None
    elif plugin == "azure-cni-pod-subnet":
        lines.insert(0, "Azure CNI Pod Subnet: node IPs from the node subnet, pod IPs from a separate pod subnet.")
        lines.append(f"IPs required in the node subnet: 1 per node = {ips_required:,}")
        # A node asks for 16 IPs at start and 16 more when fewer than 8 are free; the request
        # is clamped at the node's max IPs (its max pods), so a full node holds max_pods IPs.
        # upstream: Azure/azure-container-networking cns/ipampool/v2/monitor.go
        #           (calculateTargetIPCountOrMax: Batch x ceil(buffer + Demand/Batch), clamped at max)
        pod_ips = n * max_pods
        pod_prefix = f"/{_smallest_azure_prefix(pod_ips)}"
        lines.append(
            f"Pod subnet: batches of {POD_SUBNET_BATCH} per node, at least {n} x {POD_SUBNET_BATCH} = "
            f"{n * POD_SUBNET_BATCH:,}, at most {n} x {max_pods} = {pod_ips:,} when every node is full "
            f"-> {pod_prefix} (5 reserved)"
        )
    else:
        name = "kubenet" if plugin == "kubenet" else "Azure CNI Overlay"
        lines.insert(0, f"{name}: only nodes take IPs from the subnet; pods get a /24 per node from the pod CIDR.")
        lines.append(f"IPs required: 1 per node = {ips_required:,}")
        pod_ips = n * 2 ** (32 - _POD_BLOCK_PREFIX)
        pod_prefix = f"/{_POD_BLOCK_PREFIX - (n - 1).bit_length()}"
        lines.append(f"Pod CIDR: {n} x /24 = {pod_ips:,} addresses -> {pod_prefix} or larger")
    lines.append(
        f"Smallest subnet: /{prefix} ({2 ** (32 - prefix):,} addresses - 5 reserved by Azure"
        f" = {2 ** (32 - prefix) - AZURE_RESERVED_IPS:,} usable)"
    )
    within = nodes + scale_out <= limit
    if not within:
        lines.append(f"Too many nodes: {nodes + scale_out:,} > {limit:,} ({_NODE_LIMIT_REASON[plugin]})")

    usable = fits = max_nodes = max_pods_total = None
    if net is not None:
        usable = net.num_addresses - AZURE_RESERVED_IPS
        fits = ips_required <= usable
        spare = f"{usable - ips_required:,} spare" if fits else f"{ips_required - usable:,} short"
        lines.append(f"Subnet {net}: {usable:,} usable -> {'fits' if fits else 'does not fit'} ({spare})")
        by_ips = max(usable // per_node - surge, 0)
        max_nodes = min(by_ips, limit)
        max_pods_total = max_nodes * max_pods
        if limit < by_ips:
            why = _NODE_LIMIT_REASON[plugin]
        elif by_ips == 0:
            why = f"{usable:,} usable IPs hold {usable // per_node} node(s) of {per_node} IPs, not more than the surge"
        else:
            why = f"({max_nodes} + {surge} surge) x {per_node} = {(max_nodes + surge) * per_node:,} <= {usable:,}"
        lines.append(f"Most nodes in this subnet: {max_nodes:,} ({why}), up to {max_pods_total:,} pods")

    return IPPlan(
        plugin=plugin,
        nodes=nodes,
        max_pods=max_pods,
        surge=surge,
        scale_out=scale_out,
        subnet=str(net) if net is not None else None,
        node_count=n,
        ips_required=ips_required,
        smallest_prefix=f"/{prefix}",
        pod_ips_required=pod_ips,
        pod_prefix=pod_prefix,
        usable_ips=usable,
        fits=fits,
        max_nodes=max_nodes,
        max_pods_total=max_pods_total,
        within_node_limit=within,
        explanation="\n".join(lines),
    )
