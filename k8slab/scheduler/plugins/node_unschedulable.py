"""NodeUnschedulable: filters out nodes with spec.unschedulable unless the pod tolerates it."""

from __future__ import annotations

import numpy as np

from ..status import Code, Status
from .base import Plugin
from .taint_toleration import tolerations_tolerate_taint

__all__ = ["NodeUnschedulable", "ERR_REASON_UNSCHEDULABLE", "node_unschedulable_fits"]

# upstream: pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go
ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable"
_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}


def node_unschedulable_fits(unschedulable: bool, tolerations: list[dict]) -> bool:
    """Whether a pod may go to a node given the node's spec.unschedulable.

    Examples
    --------
    >>> node_unschedulable_fits(True, [])
    False
    >>> node_unschedulable_fits(True, [{"key": "node.kubernetes.io/unschedulable", "operator": "Exists",
    ...                                 "effect": "NoSchedule"}])
    True
    """
    if not unschedulable:
        return True
    return tolerations_tolerate_taint(tolerations, _TAINT)


class NodeUnschedulable(Plugin):
    """Filter: cordoned nodes (``kubectl cordon``) take no new pods."""

    name = "NodeUnschedulable"
    points = ("filter",)

    def filter(self, state, pod, ni):
        if node_unschedulable_fits(ni.unschedulable, pod.tolerations):
            return None
        return Status(Code.UnschedulableAndUnresolvable, ERR_REASON_UNSCHEDULABLE)

    def filter_vec(self, state, pod, snap):
        if node_unschedulable_fits(True, pod.tolerations):
            return np.zeros(len(snap.names), dtype=bool)
        return snap.unschedulable
