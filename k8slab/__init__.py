"""k8slab: learn Kubernetes on a faithful, deterministic, in-process simulated cluster."""

KUBERNETES_VERSION = "1.35.0"

__all__ = ["KUBERNETES_VERSION"]
