"""Helpers for the network tests: pods that run without a kubelet (address from the lab's IPAM, Ready set)."""

import ipaddress

import pytest

import k8slab as kl


#: the network's own components: no kubelet (run_pod plays its part) and no scheduler (pods name their node)
NETWORK_COMPONENTS = [
    "k8slab.network.endpointslice:EndpointSliceController",
    "k8slab.network.endpointslice:EndpointsController",
    "k8slab.network.node_ipam:NodeIPAMController",
    "k8slab.network.load_balancer:ServiceController",
    "k8slab.network.ingress_controller:IngressStatusController",
]


def net_lab(seed=0, **kw):
    """A lab with only the network components running."""
    return kl.Cluster(seed=seed, components=NETWORK_COMPONENTS, **kw)


def run_pod(lab, namespace, name, labels=None, node=None, ports=(), ready=True, **spec):
    """Create a pod, give it an address on ``node`` from lab.network and mark it Running (and Ready)."""
    pods = lab.api.resource("pods")
    node = node or lab.api.list(lab.api.resource("nodes"))[0]["metadata"]["name"]
    containers = [{"name": "c", "image": "registry.k8s.io/e2e-test-images/agnhost:2.53",
                   "ports": [dict(p) for p in ports]}]
    lab.api.create({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
                    "spec": {"containers": containers, **spec}})
    pod = lab.api.get(pods, namespace, name)
    ip = lab.network.allocate_pod_ip(pod, node)
    pod["spec"]["nodeName"] = node
    pod["status"] = {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
                     "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    lab.api.write_status(pods, pod)
    return pod


def add_nodes(lab, n, prefix="node", pods=110, zone=None):
    for i in range(n):
        labels = {"kubernetes.io/hostname": f"{prefix}-{i}"}
        if zone:
            labels["topology.kubernetes.io/zone"] = zone
        lab.api.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"{prefix}-{i}", "labels": labels},
                        "status": {"capacity": {"pods": str(pods), "cpu": "2", "memory": "8Gi"},
                                   "allocatable": {"pods": str(pods), "cpu": "2", "memory": "8Gi"},
                                   "addresses": [{"type": "InternalIP", "address": str(ipaddress.ip_address("10.224.0.4") + i)}]}})
    lab.run(0.1)



def small_lab():
    lab = kl.Cluster(seed=0)
    add_nodes(lab, 2)
    return lab
