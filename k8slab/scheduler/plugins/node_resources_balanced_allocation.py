"""NodeResourcesBalancedAllocation: favours nodes whose cpu and memory fractions stay close to each other."""

from __future__ import annotations

import math

import numpy as np

from ..status import MAX_NODE_SCORE, Code, Status
from .node_resources_fit import DEFAULT_RESOURCES, NodeResourcesFit, _allocatable_nonzero

__all__ = ["NodeResourcesBalancedAllocation", "balanced_resource_score"]


def balanced_resource_score(requested: list[int], allocatable: list[int]) -> int:
    """(1 - std of requested/allocatable fractions) * 100, fractions capped at 1.

    upstream: pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go balancedResourceScorer

    Examples
    --------
    >>> balanced_resource_score([3000, 5000], [4000, 10000])   # fractions 0.75, 0.5 -> std 0.125
    87
    >>> balanced_resource_score([1, 1], [2, 2])
    100
    """
    fractions = []
    total = 0.0
    for r, a in zip(requested, allocatable):
        if a == 0:
            continue
        f = r / a
        if f > 1:
            f = 1.0
        total += f
        fractions.append(f)
    std = 0.0
    if len(fractions) == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        mean = total / len(fractions)
        s = 0.0
        for f in fractions:
            s = s + (f - mean) * (f - mean)
        std = math.sqrt(s / len(fractions))
    return int((1 - std) * MAX_NODE_SCORE)


class NodeResourcesBalancedAllocation(NodeResourcesFit):
    """Score only; uses the pod's actual requests (not the non-zero defaults); skips best-effort pods."""

    name = "NodeResourcesBalancedAllocation"
    points = ("score",)
    use_requested = True

    def __init__(self, args=None):
        super().__init__({"scoringStrategy": {"resources": (args or {}).get("resources") or DEFAULT_RESOURCES}})
        self.args = dict(args or {})

    filter = None
    filter_vec = None

    def pre_score(self, state, pod, snap, idx):
        # upstream: balanced_allocation.go PreScore -> isBestEffortPod -> Skip (kubernetes#129138)
        if all(self._pod_request(pod, r["name"]) == 0 for r in self.resources):
            return Status(Code.Skip)
        return None

    def score(self, state, pod, ni):
        reqs, allocs = [], []
        for r in self.resources:
            a, q = self._alloc_req(ni, r["name"], self._pod_request(pod, r["name"]))
            allocs.append(a)
            reqs.append(q if a else 0)
        return balanced_resource_score(reqs, allocs)

    def score_vec(self, state, pod, snap, idx):
        if self._cpu_mem_weights is not None and _allocatable_nonzero(snap):
            # cpu and memory on nodes that have both: the two-fraction case below, with fewer temporaries
            fc = np.minimum((snap.req_cpu[idx] + self._pod_request(pod, "cpu")) / snap.alloc_cpu[idx], 1.0)
            fm = np.minimum((snap.req_mem[idx] + self._pod_request(pod, "memory")) / snap.alloc_mem[idx], 1.0)
            return ((1 - np.abs((fc - fm) / 2)) * MAX_NODE_SCORE).astype(np.int64)
        fr = []
        for r in self.resources:
            a, q = self._alloc_req_vec(snap, idx, r["name"], self._pod_request(pod, r["name"]))
            safe = np.where(a == 0, 1, a)
            f = np.minimum(q / safe, 1.0)
            fr.append((a != 0, f))
        if len(fr) == 2 and fr[0][0].all() and fr[1][0].all():
            std = np.abs((fr[0][1] - fr[1][1]) / 2)
            return ((1 - std) * MAX_NODE_SCORE).astype(np.int64)
        # general case: per-node count of resources with allocatable > 0
        out = np.empty(len(idx), dtype=np.int64)
        for j in range(len(idx)):
            fs = [f[j] for ok, f in fr if ok[j]]
            std = 0.0
            if len(fs) == 2:
                std = abs((fs[0] - fs[1]) / 2)
            elif len(fs) > 2:
                mean = sum(fs) / len(fs)
                s = 0.0
                for f in fs:
                    s = s + (f - mean) * (f - mean)
                std = math.sqrt(s / len(fs))
            out[j] = int((1 - std) * MAX_NODE_SCORE)
        return out
