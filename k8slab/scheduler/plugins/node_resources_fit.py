"""NodeResourcesFit: the node must have room for the pod's requests; scores by a scoring strategy."""

from __future__ import annotations

import math

import numpy as np

from ..status import MAX_NODE_SCORE, Code, Status
from .base import Plugin, go_div

__all__ = [
    "NodeResourcesFit",
    "fits_request",
    "least_requested_score",
    "most_requested_score",
    "broken_linear",
    "DEFAULT_RESOURCES",
    "DEFAULT_SHAPE",
]

# upstream: pkg/scheduler/apis/config/v1/defaults.go (defaultResourceSpec)
DEFAULT_RESOURCES = ({"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1})
# upstream: pkg/scheduler/apis/config/v1/defaults.go (RequestedToCapacityRatio default shape)
DEFAULT_SHAPE = ({"utilization": 0, "score": 10}, {"utilization": 100, "score": 0})
MAX_CUSTOM_PRIORITY_SCORE = 10  # upstream: pkg/scheduler/apis/config/types.go MaxCustomPriorityScore
MAX_UTILIZATION = 100


def fits_request(pod, ni, ignored=frozenset(), ignored_groups=frozenset()) -> list[tuple[str, bool]]:
    """Insufficient resources of a node for a pod, as (reason, unresolvable) in upstream's order.

    upstream: pkg/scheduler/framework/plugins/noderesources/fit.go fitsRequest

    Examples
    --------
    >>> from k8slab.scheduler.podinfo import PodInfo
    >>> from k8slab.scheduler.nodeinfo import NodeInfo
    >>> ni = NodeInfo({"metadata": {"name": "n"}, "status": {"allocatable": {"cpu": "1", "memory": "1Gi", "pods": "1"}}})
    >>> fits_request(PodInfo({"spec": {"containers": [{"resources": {"requests": {"cpu": "2"}}}]}}), ni)
    [('Insufficient cpu', True)]
    """
    out = []
    if len(ni.pods) + 1 > ni.alloc_pods:
        out.append(("Too many pods", False))
    if not (pod.cpu or pod.mem or pod.eph or pod.scalars):
        return out
    if pod.cpu > 0 and pod.cpu > ni.alloc_cpu - ni.req_cpu:
        out.append(("Insufficient cpu", pod.cpu > ni.alloc_cpu))
    if pod.mem > 0 and pod.mem > ni.alloc_mem - ni.req_mem:
        out.append(("Insufficient memory", pod.mem > ni.alloc_mem))
    if pod.eph > 0 and pod.eph > ni.alloc_eph - ni.req_eph:
        out.append(("Insufficient ephemeral-storage", pod.eph > ni.alloc_eph))
    for name in sorted(pod.scalars):
        q = pod.scalars[name]
        if name in ignored or ("/" in name and name.split("/")[0] in ignored_groups):
            continue
        alloc = ni.alloc_scalars.get(name, 0)
        if q > alloc - ni.req_scalars.get(name, 0):
            out.append((f"Insufficient {name}", q > alloc))
    return out


def least_requested_score(requested, capacity):
    """(capacity - requested) * 100 / capacity, 0 when over capacity.

    upstream: pkg/scheduler/framework/plugins/noderesources/least_allocated.go leastRequestedScore

    Examples
    --------
    >>> least_requested_score(3000, 4000), least_requested_score(5000, 4000)
    (25, 0)
    """
    if isinstance(requested, np.ndarray):
        safe = np.where(capacity == 0, 1, capacity)
        s = ((safe - requested) * MAX_NODE_SCORE) // safe
        return np.where((capacity == 0) | (requested > capacity), 0, s)
    if capacity == 0 or requested > capacity:
        return 0
    return ((capacity - requested) * MAX_NODE_SCORE) // capacity


def most_requested_score(requested, capacity):
    """requested * 100 / capacity, capped at 100.

    upstream: pkg/scheduler/framework/plugins/noderesources/most_allocated.go mostRequestedScore

    Examples
    --------
    >>> most_requested_score(3000, 4000), most_requested_score(5000, 4000)
    (75, 100)
    """
    if isinstance(requested, np.ndarray):
        safe = np.where(capacity == 0, 1, capacity)
        s = (np.minimum(requested, safe) * MAX_NODE_SCORE) // safe
        return np.where(capacity == 0, 0, s)
    if capacity == 0:
        return 0
    requested = min(requested, capacity)
    return requested * MAX_NODE_SCORE // capacity


def _allocatable_nonzero(snap) -> bool:
    """Whether every node has non-zero allocatable CPU and memory (cached until the node set changes)."""
    ok = snap.derived.get("alloc_cpu_mem_nonzero")
    if ok is None:
        ok = snap.derived["alloc_cpu_mem_nonzero"] = bool(snap.alloc_cpu.all() and snap.alloc_mem.all())
    return ok


def broken_linear(shape: list[tuple[int, int]], p):
    """Piecewise-linear function through (utilization, score) points, Go integer arithmetic.

    upstream: pkg/scheduler/framework/plugins/helper/shape_score.go BuildBrokenLinearFunction

    Examples
    --------
    >>> broken_linear([(0, 100), (100, 0)], 30)
    70
    """
    if isinstance(p, np.ndarray):
        out = np.full(p.shape, shape[-1][1], dtype=np.int64)
        done = np.zeros(p.shape, dtype=bool)
        for i, (u, s) in enumerate(shape):
            hit = ~done & (p <= u)
            if i == 0:
                val = np.full(p.shape, s, dtype=np.int64)
            else:
                u0, s0 = shape[i - 1]
                val = s0 + go_div((s - s0) * (p - u0), (u - u0))
            out = np.where(hit, val, out)
            done |= hit
        return out
    for i, (u, s) in enumerate(shape):
        if p <= u:
            if i == 0:
                return s
            u0, s0 = shape[i - 1]
            return s0 + go_div((s - s0) * (p - u0), (u - u0))
    return shape[-1][1]


class NodeResourcesFit(Plugin):
    """Filter on free allocatable resources; score with LeastAllocated, MostAllocated or RequestedToCapacityRatio.

    ``args`` follow NodeResourcesFitArgs: ``scoringStrategy`` (``type``, ``resources``,
    ``requestedToCapacityRatio.shape``), ``ignoredResources``, ``ignoredResourceGroups``.
    """

    name = "NodeResourcesFit"
    points = ("filter", "score")
    use_requested = False  # scoring uses the non-zero requests (100m CPU, 200Mi memory when unset)

    def __init__(self, args=None):
        super().__init__(args)
        strat = self.args.get("scoringStrategy") or {}
        self.strategy = strat.get("type") or "LeastAllocated"
        self.resources = [dict(r) for r in (strat.get("resources") or DEFAULT_RESOURCES)]
        shape = ((strat.get("requestedToCapacityRatio") or {}).get("shape")) or DEFAULT_SHAPE
        scale = MAX_NODE_SCORE // MAX_CUSTOM_PRIORITY_SCORE
        self.shape = [(int(p["utilization"]), int(p["score"]) * scale) for p in shape]
        self.ignored = frozenset(self.args.get("ignoredResources") or ())
        self.ignored_groups = frozenset(self.args.get("ignoredResourceGroups") or ())
        names = [r["name"] for r in self.resources]
        # the common configuration (cpu and memory, any weights) gets a shorter numpy path in score_vec
        self._cpu_mem_weights = (int(self.resources[0].get("weight", 1)), int(self.resources[1].get("weight", 1))) \
            if names == ["cpu", "memory"] and self.strategy != "RequestedToCapacityRatio" else None

    # ---- filter ----
    def filter(self, state, pod, ni):
        ins = fits_request(pod, ni, self.ignored, self.ignored_groups)
        if not ins:
            return None
        code = Code.UnschedulableAndUnresolvable if any(u for _, u in ins) else Code.Unschedulable
        return Status(code, *(r for r, _ in ins))

    def filter_vec(self, state, pod, snap):
        nom = state.get("nominated_vec")
        npods, rc, rm, re = snap.npods, snap.req_cpu, snap.req_mem, snap.req_eph
        if nom is not None:
            npods, rc, rm, re = npods + nom[0], rc + nom[1], rm + nom[2], re + nom[3]
        fail = npods + 1 > snap.alloc_pods
        if pod.cpu > 0:
            fail |= pod.cpu > snap.alloc_cpu - rc
        if pod.mem > 0:
            fail |= pod.mem > snap.alloc_mem - rm
        if pod.eph > 0:
            fail |= pod.eph > snap.alloc_eph - re
        for name, q in pod.scalars.items():
            if name in self.ignored or ("/" in name and name.split("/")[0] in self.ignored_groups):
                continue
            alloc = snap.scalar_alloc.get(name)
            if alloc is None:
                fail |= True
                continue
            req = snap.scalar_req[name]
            if nom is not None and name in nom[4]:
                req = req + nom[4][name]
            fail |= q > alloc - req
        return fail

    # ---- score ----
    def _pod_request(self, pod, name):
        if name == "cpu":
            return pod.cpu if self.use_requested else pod.nz_cpu
        if name == "memory":
            return pod.mem if self.use_requested else pod.nz_mem
        if name == "ephemeral-storage":
            return pod.eph
        return pod.scalars.get(name, 0)

    def _alloc_req(self, ni, name, podreq):
        """upstream: resource_allocation.go calculateResourceAllocatableRequest"""
        if name == "cpu":
            return ni.alloc_cpu, (ni.req_cpu if self.use_requested else ni.nz_cpu) + podreq
        if name == "memory":
            return ni.alloc_mem, (ni.req_mem if self.use_requested else ni.nz_mem) + podreq
        if name == "ephemeral-storage":
            return ni.alloc_eph, ni.req_eph + podreq
        if podreq == 0:
            return 0, 0
        if name in ni.alloc_scalars:
            return ni.alloc_scalars[name], ni.req_scalars.get(name, 0) + podreq
        return 0, 0

    def _alloc_req_vec(self, snap, idx, name, podreq):
        if name == "cpu":
            return snap.alloc_cpu[idx], (snap.req_cpu if self.use_requested else snap.nz_cpu)[idx] + podreq
        if name == "memory":
            return snap.alloc_mem[idx], (snap.req_mem if self.use_requested else snap.nz_mem)[idx] + podreq
        if name == "ephemeral-storage":
            return snap.alloc_eph[idx], snap.req_eph[idx] + podreq
        zero = np.zeros(len(idx), dtype=np.int64)
        if podreq == 0 or name not in snap.scalar_alloc:
            return zero, zero
        alloc = snap.scalar_alloc[name][idx]
        req = snap.scalar_req[name][idx] + podreq
        return alloc, np.where(alloc == 0, 0, req)

    def _resource_score(self, requested, capacity):
        if self.strategy == "MostAllocated":
            return most_requested_score(requested, capacity)
        if self.strategy == "RequestedToCapacityRatio":
            if isinstance(requested, np.ndarray):
                safe = np.where(capacity == 0, 1, capacity)
                p = np.where((capacity == 0) | (requested > capacity), MAX_UTILIZATION,
                             requested * MAX_UTILIZATION // safe)
                return broken_linear(self.shape, p)
            if capacity == 0 or requested > capacity:
                return broken_linear(self.shape, MAX_UTILIZATION)
            return broken_linear(self.shape, requested * MAX_UTILIZATION // capacity)
        return least_requested_score(requested, capacity)

    def score(self, state, pod, ni):
        node_score = weight_sum = 0
        for r in self.resources:
            alloc, req = self._alloc_req(ni, r["name"], self._pod_request(pod, r["name"]))
            if alloc == 0:
                continue
            w = int(r.get("weight", 1))
            s = self._resource_score(req, alloc)
            if self.strategy == "RequestedToCapacityRatio":
                if s > 0:
                    node_score += s * w
                    weight_sum += w
            else:
                node_score += s * w
                weight_sum += w
        if weight_sum == 0:
            return 0
        if self.strategy == "RequestedToCapacityRatio":
            return int(math.floor(node_score / weight_sum + 0.5))  # math.Round on non-negative values
        return node_score // weight_sum

    def score_vec(self, state, pod, snap, idx):
        if self._cpu_mem_weights is not None and _allocatable_nonzero(snap):
            # the same arithmetic as below when both capacities are non-zero: fewer numpy temporaries
            wc, wm = self._cpu_mem_weights
            ac, am = snap.alloc_cpu[idx], snap.alloc_mem[idx]
            rc = (snap.req_cpu if self.use_requested else snap.nz_cpu)[idx] + self._pod_request(pod, "cpu")
            rm = (snap.req_mem if self.use_requested else snap.nz_mem)[idx] + self._pod_request(pod, "memory")
            if self.strategy == "MostAllocated":
                sc, sm = np.minimum(rc, ac) * MAX_NODE_SCORE // ac, np.minimum(rm, am) * MAX_NODE_SCORE // am
            else:  # LeastAllocated: over capacity scores 0, as the negative quotient clipped
                sc = np.maximum((ac - rc) * MAX_NODE_SCORE // ac, 0)
                sm = np.maximum((am - rm) * MAX_NODE_SCORE // am, 0)
            return (sc * wc + sm * wm) // (wc + wm)
        node_score = np.zeros(len(idx), dtype=np.int64)
        weight_sum = np.zeros(len(idx), dtype=np.int64)
        for r in self.resources:
            alloc, req = self._alloc_req_vec(snap, idx, r["name"], self._pod_request(pod, r["name"]))
            w = int(r.get("weight", 1))
            s = self._resource_score(req, alloc)
            use = alloc != 0
            if self.strategy == "RequestedToCapacityRatio":
                use = use & (s > 0)
            node_score += np.where(use, s * w, 0)
            weight_sum += np.where(use, w, 0)
        safe = np.where(weight_sum == 0, 1, weight_sum)
        if self.strategy == "RequestedToCapacityRatio":
            out = np.floor(node_score / safe + 0.5).astype(np.int64)
        else:
            out = node_score // safe
        return np.where(weight_sum == 0, 0, out)
