"""Ready-made AKS-like labs for the networking chapters: a node pool with the chosen network plugin."""

from __future__ import annotations

import copy
import ipaddress
from pathlib import Path

__all__ = ["aks_lab", "node_ips"]

_PRESET = Path(__file__).resolve().parents[2] / "data" / "clusters" / "aks-3node.yaml"
#: AKS defaults: service CIDR 10.0.0.0/16 (DNS 10.0.0.10), pod CIDR 10.244.0.0/16, node subnet 10.224.0.0/16
AKS_SERVICE_CIDR = "10.0.0.0/16"


def node_ips(plugin: str, nodes: int, max_pods: int, subnet: str) -> list[str]:
    """The nodes' primary addresses: from .4 up; with Azure CNI each node's pod addresses follow its own.

    Examples
    --------
    >>> node_ips("azure-cni", 3, 30, "10.224.0.0/16")
    ['10.224.0.4', '10.224.0.35', '10.224.0.66']
    >>> node_ips("kubenet", 3, 110, "10.224.0.0/16")
    ['10.224.0.4', '10.224.0.5', '10.224.0.6']
    """
    first = ipaddress.ip_network(subnet).network_address + 4  # Azure keeps .0-.3
    step = max_pods + 1 if plugin == "azure-cni" else 1
    return [str(first + i * step) for i in range(nodes)]


def aks_lab(plugin: str = "kubenet", nodes: int = 3, max_pods: int | None = None, policy: str | None = None,
            node_subnet: str = "10.224.0.0/16", pod_cidr: str = "10.244.0.0/16", outbound_type: str = "loadBalancer",
            seed: int = 0, **network):
    """A lab whose nodes look like an AKS node pool (the ``aks-3node`` preset's node, repeated) on ``plugin``.

    Parameters
    ----------
    plugin : {"kubenet", "azure-cni", "azure-cni-overlay", "azure-cni-pod-subnet"}
    nodes : int
        Nodes in the pool (zones 1, 2, 3 in turn).
    max_pods : int, optional
        Pods per node (``status.allocatable.pods``); the plugin's AKS default when omitted.
    policy : {"azure", "calico", "cilium", "none"}, optional
        The network policy engine (AKS ``--network-policy``); none by default, as on AKS.
    node_subnet, pod_cidr, outbound_type, **network
        Passed to :class:`~k8slab.network.network.Network`.

    Examples
    --------
    >>> lab = aks_lab("azure-cni", nodes=2, node_subnet="10.240.0.0/24")
    >>> lab.run(1).network.ipam.subnet_free  # 251 usable - 2 nodes - 2 x 30 pods
    189
    """
    import yaml

    from k8slab.cluster import Cluster
    from k8slab.network.ip_planning import DEFAULT_MAX_PODS

    max_pods = max_pods or DEFAULT_MAX_PODS[plugin]
    lab = Cluster(seed=seed, service_cidr=AKS_SERVICE_CIDR,
                  network={"plugin": plugin, "policy": policy or "none", "node_subnet": node_subnet,
                           "pod_cidr": None if plugin in ("azure-cni", "azure-cni-pod-subnet") else pod_cidr,
                           "outbound_type": outbound_type, **network})
    template = next(d for d in yaml.safe_load_all(_PRESET.read_text()) if d and d.get("kind") == "Node")
    docs = []
    for i, ip in enumerate(node_ips(plugin, nodes, max_pods, node_subnet)):
        node = copy.deepcopy(template)
        name = f"aks-nodepool1-27563185-vmss{i:06d}"
        zone = f"eastus-{i % 3 + 1}"
        labels = node["metadata"]["labels"]
        labels.update({"kubernetes.io/hostname": name, "topology.kubernetes.io/zone": zone,
                       "failure-domain.beta.kubernetes.io/zone": zone})
        node["metadata"]["name"] = name
        node["spec"]["providerID"] = node["spec"]["providerID"].rsplit("/", 1)[0] + f"/{i}"
        node["status"]["capacity"]["pods"] = node["status"]["allocatable"]["pods"] = str(max_pods)
        node["status"]["addresses"] = [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}]
        docs.append(node)
    lab.apply(docs)
    lab.preset = f"aks-{plugin}"
    return lab
