"""Admission: the plugin chain kube-apiserver runs on writes, and the webhooks and policies a chapter builds.

Chapters import from here (``from k8slab.admission import PolicyEngine, allowed``); the names load on first use,
so the API server's own imports of ``k8slab.admission.chain`` pull in nothing else.
"""

from __future__ import annotations

from k8slab._lazy import lazy_getattr

_LAZY = {
    "mutations": ".chain",
    "allowed": ".webhooks",
    "denied": ".webhooks",
    "PolicyEngine": ".policy",
    "SidecarInjector": ".sidecar",
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_getattr(globals(), _LAZY)
