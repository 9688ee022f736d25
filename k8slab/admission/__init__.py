"""Admission: the plugin chain kube-apiserver runs on writes, and the webhooks and policies a chapter builds.

Chapters import from here (``from k8slab.admission import PolicyEngine, allowed``); the names load on first use,
so the API server's own imports of ``k8slab.admission.chain`` pull in nothing else.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "mutations": "chain",
    "allowed": "webhooks",
    "denied": "webhooks",
    "PolicyEngine": "policy",
    "SidecarInjector": "sidecar",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'k8slab.admission' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"k8slab.admission.{module}"), name)
    globals()[name] = value
    return value
