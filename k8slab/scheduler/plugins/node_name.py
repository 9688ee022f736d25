"""NodeName: a pod that names its node (spec.nodeName) fits only that node."""

from __future__ import annotations

import numpy as np

from ..status import Code, Status
from .base import Plugin

__all__ = ["NodeName", "ERR_REASON_NODE_NAME"]

# upstream: pkg/scheduler/framework/plugins/nodename/node_name.go
ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name"


class NodeName(Plugin):
    """Filter: spec.nodeName must equal the node's name when set."""

    name = "NodeName"
    points = ("filter",)

    def filter(self, state, pod, ni):
        if not pod.node_name or pod.node_name == ni.name:
            return None
        return Status(Code.UnschedulableAndUnresolvable, ERR_REASON_NODE_NAME)

    def filter_vec(self, state, pod, snap):
        if not pod.node_name:
            return np.zeros(len(snap.names), dtype=bool)
        fail = np.ones(len(snap.names), dtype=bool)
        i = snap.index.get(pod.node_name)
        if i is not None:
            fail[i] = False
        return fail
