"""The kubelet: pod and container lifecycle on each node, probes, hooks, image pulls, back-off and node health."""

from k8slab.kubelet.kubelet import Kubelet, Kubelets
from k8slab.kubelet.node import NodeLifecycleController

__all__ = ["Kubelet", "Kubelets", "NodeLifecycleController"]
