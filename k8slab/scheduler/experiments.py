"""Scheduler experiments for the chapter: spread vs bin-pack on one workload, and what node sampling costs and saves."""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .podinfo import PodInfo
from .profile import Profile, num_feasible_nodes_to_find
from .scheduler import Scheduler

__all__ = ["preset_nodes", "StrategyRun", "compare_scoring_strategies", "SamplingRow", "SamplingEffect",
           "sampling_effect", "what_if_pod"]

_DATA = Path(__file__).resolve().parents[2] / "data"


def preset_nodes(preset: str = "aks-3node", count: int | None = None) -> list[dict]:
    """The Node manifests of ``data/clusters/<preset>.yaml``, cloned up to ``count`` nodes of the same pool.

    Clones take the next VM Scale Set ordinal (``...vmss000003``) and the next zone of the pool, round robin, as a
    scaled-out AKS node pool would; addresses are cleared (nothing in these experiments uses them).

    Examples
    --------
    >>> [n["metadata"]["name"][-6:] for n in preset_nodes("aks-3node", 5)]
    ['000000', '000001', '000002', '000003', '000004']
    >>> [n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in preset_nodes("aks-3node", 5)]
    ['eastus-1', 'eastus-2', 'eastus-3', 'eastus-1', 'eastus-2']
    """
    import yaml

    docs = [d for d in yaml.safe_load_all((_DATA / "clusters" / f"{preset}.yaml").read_text()) if d]
    nodes = [d for d in docs if d.get("kind") == "Node"]
    if count is None or count <= len(nodes):
        return nodes[:count] if count is not None else nodes
    out = list(nodes)
    base = nodes[0]["metadata"]["name"]
    stem = base.rstrip("0123456789")
    width = len(base) - len(stem)
    for i in range(len(nodes), count):
        model = nodes[i % len(nodes)]
        n = copy.deepcopy(model)
        name = f"{stem}{i:0{width}d}" if width else f"{base}-{i}"
        n["metadata"]["name"] = name
        labels = n["metadata"].setdefault("labels", {})
        for key in ("kubernetes.io/hostname",):
            if key in labels:
                labels[key] = name
        n.setdefault("status", {}).pop("addresses", None)
        n.get("spec", {}).pop("providerID", None)
        out.append(n)
    return out


@dataclass
class StrategyRun:
    """Where one scoring strategy put a workload: per node CPU and memory requested (fraction of allocatable)."""

    strategy: str
    nodes: list[str]
    cpu: np.ndarray
    memory: np.ndarray
    pods: np.ndarray
    placement: dict[str, str] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)

    @property
    def nodes_used(self) -> int:
        """Nodes with at least one pod of the workload."""
        return int((self.pods > 0).sum())

    def __repr__(self) -> str:
        lines = [f"{self.strategy}: {self.nodes_used}/{len(self.nodes)} nodes used, "
                 f"{len(self.placement)} pods placed, {len(self.pending)} pending"]
        for n, c, m, p in zip(self.nodes, self.cpu, self.memory, self.pods):
            lines.append(f"  {n}  cpu {c:6.1%}  memory {m:6.1%}  pods {int(p)}")
        return "\n".join(lines)


def compare_scoring_strategies(nodes, pods, strategies=("LeastAllocated", "MostAllocated"),
                               seed: int = 0) -> list[StrategyRun]:
    """Schedule the same pods onto the same nodes once per NodeResourcesFit scoring strategy.

    Each run is a fresh default profile whose only change is ``scoringStrategy.type`` (upstream
    pkg/scheduler/framework/plugins/noderesources: least_allocated.go, most_allocated.go); pods arrive one at a
    time, in order. ``nodes`` and ``pods`` are lists of manifests (dicts), or anything ``lab.apply`` reads
    (a path, YAML text).

    Examples
    --------
    >>> nodes = preset_nodes("aks-3node")
    >>> pods = [what_if_pod(f"w{i}", cpu="300m", memory="256Mi") for i in range(4)]
    >>> [r.nodes_used for r in compare_scoring_strategies(nodes, pods)]
    [3, 1]
    """
    nodes, pods = _manifests(nodes), _manifests(pods)
    runs = []
    for strategy in strategies:
        s = Scheduler(profiles=[Profile(scoring_strategy=strategy)], seed=seed)
        for n in nodes:
            s.add_node(n)
        keys = []
        for p in pods:
            pi = PodInfo(p)
            keys.append(pi.key)
            s.add_pod(p)
            s.schedule_pending()  # one at a time, as a controller creating pods one by one would
        s.cache.refresh()
        names = [n["metadata"]["name"] for n in nodes]
        infos = [s.cache.nodes[n] for n in names]
        ours = set(keys)
        placement = {k: s.node_of(k) for k in keys if s.node_of(k)}
        runs.append(StrategyRun(
            strategy, names,
            np.array([ni.req_cpu / ni.alloc_cpu if ni.alloc_cpu else 0.0 for ni in infos]),
            np.array([ni.req_mem / ni.alloc_mem if ni.alloc_mem else 0.0 for ni in infos]),
            np.array([sum(1 for k in ni.pods if k in ours) for ni in infos]),
            placement, [k for k in keys if k not in placement]))
    return runs


def _manifests(src) -> list[dict]:
    if isinstance(src, list) and all(isinstance(d, dict) for d in src):
        return src
    from k8slab.manifests import load_documents

    return [d for d, _ in load_documents(src)]


@dataclass
class SamplingRow:
    """One percentageOfNodesToScore setting: how many nodes each pod's cycle looked at, and what it cost."""

    percentage: int | None
    nodes: int
    nodes_to_find: int
    evaluated: float  # mean nodes run through the filters per pod
    scored: float  # mean feasible nodes scored per pod
    score_lost: float  # mean (best total in the whole cluster - total of the chosen node)
    best_share: float  # share of pods that got a node with the cluster's best total

    @property
    def label(self) -> str:
        """``25%``, or ``adaptive (10%)`` with the share of nodes the adaptive rule picked."""
        if self.percentage:
            return f"{self.percentage}%"
        return f"adaptive ({100 * self.nodes_to_find // self.nodes}%)"


@dataclass
class SamplingEffect:
    """:func:`sampling_effect`'s table."""

    nodes: int
    pods: int
    rows: list[SamplingRow]

    def __repr__(self) -> str:
        lines = [f"{self.nodes} nodes, {self.pods} pods",
                 f"{'percentageOfNodesToScore':<26}{'nodes to find':>14}{'filtered/pod':>14}{'scored/pod':>12}"
                 f"{'score lost':>12}{'best node':>11}"]
        for r in self.rows:
            lines.append(f"{r.label:<26}{r.nodes_to_find:>14}{r.evaluated:>14.0f}{r.scored:>12.0f}"
                         f"{r.score_lost:>12.1f}{r.best_share:>11.0%}")
        return "\n".join(lines)


def _loaded_nodes(count: int, seed: int) -> tuple[list[dict], list[dict]]:
    """KWOK-like nodes (4 CPU, 16Gi) and one background pod per node with seeded random requests."""
    rng = random.Random(seed)
    nodes, pods = [], []
    for i in range(count):
        name = f"node-{i:05d}"
        nodes.append({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {
            "kubernetes.io/hostname": name, "topology.kubernetes.io/zone": f"zone-{i % 3}"}},
            "status": {"allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"}}})
        pods.append({"metadata": {"name": f"bg-{i:05d}", "namespace": "kube-system"},
                     "spec": {"nodeName": name, "containers": [{"name": "c", "image": "busybox", "resources": {
                         "requests": {"cpu": f"{rng.randrange(0, 3000, 100)}m",
                                      "memory": f"{rng.randrange(0, 12 * 1024, 256)}Mi"}}}]}})
    return nodes, pods


def sampling_effect(nodes: int = 5000, pods: int = 100, percentages=(5, None, 25, 50, 100),
                    seed: int = 0) -> SamplingEffect:
    """What percentageOfNodesToScore does on a large cluster: nodes looked at per pod, and score given up.

    For every setting the same cluster (nodes already partly used, seeded) receives the same pods. Each cycle is
    also scored over *every* feasible node, to see how far the chosen node's total is from the cluster's best.

    upstream: pkg/scheduler/schedule_one.go numFeasibleNodesToFind, findNodesThatPassFilters (round-robin start)

    Examples
    --------
    >>> e = sampling_effect(nodes=300, pods=10, percentages=(None, 100))
    >>> [(r.label, r.nodes_to_find, r.scored) for r in e.rows]
    [('adaptive (48%)', 144, 144.0), ('100%', 300, 300.0)]
    """
    node_objs, bg = _loaded_nodes(nodes, seed)
    rows = []
    for pct in percentages:
        s = Scheduler(profiles=[Profile(percentage_of_nodes_to_score=pct)], seed=seed)
        full = Scheduler(profiles=[Profile(percentage_of_nodes_to_score=100)], seed=seed).profiles["default-scheduler"]
        for n in node_objs:
            s.add_node(n)
        for p in bg:
            s.add_pod(p)
        fw = s.profiles["default-scheduler"]
        evaluated = scored = lost = best = 0
        for i in range(pods):
            pi = PodInfo(what_if_pod(f"p-{i:04d}", cpu="500m", memory="1Gi"))
            s.cache.refresh()
            state = s._state(pi)
            res = fw.schedule(pi, s.cache, state, s.next_start, s.rng)
            everything = full.schedule(pi, s.cache, s._state(pi), 0, random.Random(0))
            s.next_start = (s.next_start + res.processed) % len(s.cache.names)
            evaluated += res.processed
            scored += len(res.feasible)
            top = int(everything.totals.max()) if everything.totals is not None else 0
            chosen = dict(zip(everything.feasible.tolist(), everything.totals.tolist())) \
                if everything.totals is not None else {}
            got = chosen.get(res.selected, top)
            lost += top - got
            best += got == top
            s.cache.add_pod(pi, s.cache.names[res.selected])
        rows.append(SamplingRow(pct, nodes, num_feasible_nodes_to_find(pct, nodes), evaluated / pods, scored / pods,
                                lost / pods, best / pods))
    return SamplingEffect(nodes, pods, rows)


def what_if_pod(name: str = "what-if", cpu: str | None = "100m", memory: str | None = "128Mi",
                node_selector: dict | None = None, tolerations: list[dict] | None = None,
                namespace: str = "default", image: str = "nginx") -> dict:
    """A one-container Pod manifest with the given requests, nodeSelector and tolerations.

    Examples
    --------
    >>> what_if_pod("web", cpu="250m", memory=None, node_selector={"workload": "batch"})["spec"]["nodeSelector"]
    {'workload': 'batch'}
    """
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    spec: dict = {"containers": [{"name": "app", "image": image, "resources": {"requests": requests}}]}
    if node_selector:
        spec["nodeSelector"] = dict(node_selector)
    if tolerations:
        spec["tolerations"] = [dict(t) for t in tolerations]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace}, "spec": spec}
