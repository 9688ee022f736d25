"""NodeInfo and the scheduler cache: per-node aggregates kept incrementally, mirrored in numpy arrays."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np

from k8slab.api.quantity import bytes_value, cpu_millis

from .podinfo import PodInfo, is_scalar_resource

__all__ = ["NodeInfo", "Cache", "zone_key", "normalized_image_name"]


def zone_key(labels: dict) -> str:
    """Zone key used to interleave nodes across zones.

    upstream: staging/src/k8s.io/component-helpers/node/topology/helpers.go GetZoneKey

    Examples
    --------
    >>> zone_key({"topology.kubernetes.io/zone": "1", "topology.kubernetes.io/region": "eastus"})
    'eastus:\\x00:1'
    >>> zone_key({})
    ''
    """
    zone = labels.get("topology.kubernetes.io/zone", labels.get("failure-domain.beta.kubernetes.io/zone", ""))
    region = labels.get("topology.kubernetes.io/region", labels.get("failure-domain.beta.kubernetes.io/region", ""))
    if not region and not zone:
        return ""
    return region + ":\x00:" + zone


def normalized_image_name(name: str) -> str:
    """Add ``:latest`` when an image name has no tag.

    upstream: pkg/scheduler/framework/plugins/imagelocality/image_locality.go normalizedImageName

    Examples
    --------
    >>> normalized_image_name("nginx"), normalized_image_name("localhost:5000/app"), normalized_image_name("a:1")
    ('nginx:latest', 'localhost:5000/app:latest', 'a:1')
    """
    if name.rfind(":") <= name.rfind("/"):
        name = name + ":latest"
    return name


class NodeInfo:
    """One node and the pods assigned to it, with aggregated requests (upstream framework.NodeInfo).

    Examples
    --------
    >>> ni = NodeInfo({"metadata": {"name": "n1"}, "status": {"allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"}}})
    >>> ni.alloc_cpu, ni.alloc_pods
    (4000, 110)
    """

    __slots__ = ("node", "name", "labels", "taints", "unschedulable", "alloc_cpu", "alloc_mem", "alloc_eph",
                 "alloc_pods", "alloc_scalars", "req_cpu", "req_mem", "req_eph", "req_scalars", "nz_cpu", "nz_mem",
                 "pods", "used_ports", "images", "n_affinity", "n_anti_affinity", "pods_version")

    def __init__(self, node: dict):
        self.pods: dict[str, PodInfo] = {}
        #: changes whenever ``pods`` does, unique across all NodeInfos and their clones (plugins memoize on it)
        self.pods_version = next(_VERSIONS)
        self.req_cpu = self.req_mem = self.req_eph = self.nz_cpu = self.nz_mem = 0
        self.req_scalars: dict[str, int] = {}
        self.used_ports: Counter = Counter()
        self.n_affinity = 0
        self.n_anti_affinity = 0
        self.set_node(node)

    def set_node(self, node: dict) -> None:
        """Replace the node object (allocatable, labels, taints may change)."""
        self.node = node
        md = node.get("metadata") or {}
        spec = node.get("spec") or {}
        status = node.get("status") or {}
        self.name = md.get("name", "")
        self.labels = md.get("labels") or {}
        self.taints = spec.get("taints") or []
        self.unschedulable = bool(spec.get("unschedulable"))
        alloc = status.get("allocatable") or status.get("capacity") or {}
        self.alloc_cpu = cpu_millis(str(alloc["cpu"])) if "cpu" in alloc else 0
        self.alloc_mem = bytes_value(str(alloc["memory"])) if "memory" in alloc else 0
        self.alloc_eph = bytes_value(str(alloc["ephemeral-storage"])) if "ephemeral-storage" in alloc else 0
        self.alloc_pods = bytes_value(str(alloc["pods"])) if "pods" in alloc else 0
        self.alloc_scalars = {k: bytes_value(str(v)) for k, v in alloc.items() if is_scalar_resource(k)}
        images = {}
        for img in status.get("images") or ():
            for n in img.get("names") or ():
                images[normalized_image_name(n)] = int(img.get("sizeBytes") or 0)
        self.images = images

    def add_pod(self, pi: PodInfo, sign: int = 1) -> None:
        """Account a pod on this node (sign=-1 removes it)."""
        if sign > 0:
            self.pods[pi.key] = pi
        else:
            self.pods.pop(pi.key, None)
        self.pods_version = next(_VERSIONS)
        self.req_cpu += sign * pi.cpu
        self.req_mem += sign * pi.mem
        self.req_eph += sign * pi.eph
        self.nz_cpu += sign * pi.nz_cpu
        self.nz_mem += sign * pi.nz_mem
        for k, v in pi.scalars.items():
            self.req_scalars[k] = self.req_scalars.get(k, 0) + sign * v
        for p in pi.host_ports:
            self.used_ports[p] += sign
            if self.used_ports[p] <= 0:
                del self.used_ports[p]
        if pi.has_affinity:
            self.n_affinity += sign
        if pi.required_anti_affinity:
            self.n_anti_affinity += sign

    def remove_pod(self, pi: PodInfo) -> None:
        """Remove a pod's accounting from this node."""
        self.add_pod(pi, -1)

    def clone(self) -> "NodeInfo":
        """A copy whose pod set and aggregates can be changed independently (for preemption dry runs)."""
        c = NodeInfo.__new__(NodeInfo)
        for s in NodeInfo.__slots__:
            setattr(c, s, getattr(self, s))
        c.pods = dict(self.pods)
        c.req_scalars = dict(self.req_scalars)
        c.used_ports = Counter(self.used_ports)
        return c

    def __repr__(self) -> str:
        return f"<NodeInfo {self.name} pods={len(self.pods)}>"


_VERSIONS = itertools.count()
_ARRAYS = ("alloc_cpu", "alloc_mem", "alloc_eph", "alloc_pods", "req_cpu", "req_mem", "req_eph", "nz_cpu", "nz_mem",
           "pods_version")


class Cache:
    """The scheduler's cache of nodes and assigned pods, with a node-ordered numpy view for the fast path.

    Node order follows upstream's nodeTree: zones in order of appearance, one node from each zone in turn.
    upstream: pkg/scheduler/backend/cache/node_tree.go, pkg/scheduler/backend/cache/snapshot.go

    Examples
    --------
    >>> c = Cache()
    >>> for i, z in enumerate("aab"):
    ...     _ = c.add_node({"metadata": {"name": f"n{i}", "labels": {"topology.kubernetes.io/zone": z}}})
    >>> c.order()
    ['n0', 'n2', 'n1']
    """

    def __init__(self):
        self.nodes: dict[str, NodeInfo] = {}
        self._zones: dict[str, list[str]] = {}
        self._node_zone: dict[str, str] = {}
        self.pod_node: dict[str, str] = {}
        self.n_affinity_pods = 0  # assigned pods with any pod (anti-)affinity
        self.n_anti_affinity_pods = 0  # assigned pods with required anti-affinity
        self.orphans: dict[str, dict[str, PodInfo]] = {}
        self.image_nodes: Counter = Counter()
        self.dirty = True
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self.infos: list[NodeInfo] = []
        self.generation = 0  # bumps whenever the node set, a node object, or any pod placement changes

    # ---- node tree ----
    def order(self) -> list[str]:
        """Node names in upstream nodeTree.list() order."""
        out: list[str] = []
        zones = [z for z in self._zones.values() if z]
        i = 0
        total = sum(len(z) for z in zones)
        while len(out) < total:
            for z in zones:
                if i < len(z):
                    out.append(z[i])
            i += 1
        return out

    def add_node(self, node: dict) -> NodeInfo:
        """Add or update a node."""
        name = node["metadata"]["name"]
        ni = self.nodes.get(name)
        if ni is not None:
            return self.update_node(node)
        ni = NodeInfo(node)
        self.nodes[name] = ni
        zk = zone_key(ni.labels)
        self._zones.setdefault(zk, []).append(name)
        self._node_zone[name] = zk
        for img in ni.images:
            self.image_nodes[img] += 1
        for pi in self.orphans.pop(name, {}).values():
            ni.add_pod(pi)
        self.dirty = True
        self.generation += 1
        return ni

    def update_node(self, node: dict) -> NodeInfo:
        """Replace a node object, keeping its pods."""
        name = node["metadata"]["name"]
        ni = self.nodes.get(name)
        if ni is None:
            return self.add_node(node)
        for img in ni.images:
            self.image_nodes[img] -= 1
        ni.set_node(node)
        for img in ni.images:
            self.image_nodes[img] += 1
        zk = zone_key(ni.labels)
        if zk != self._node_zone[name]:
            self._zones[self._node_zone[name]].remove(name)
            self._zones.setdefault(zk, []).append(name)
            self._node_zone[name] = zk
        self.dirty = True
        self.generation += 1
        return ni

    def remove_node(self, name: str) -> None:
        """Remove a node; its pods stay known until they are removed."""
        ni = self.nodes.pop(name, None)
        if ni is None:
            return
        for img in ni.images:
            self.image_nodes[img] -= 1
        zk = self._node_zone.pop(name)
        self._zones[zk].remove(name)
        if not self._zones[zk]:
            del self._zones[zk]
        if ni.pods:
            self.orphans[name] = dict(ni.pods)
        self.dirty = True
        self.generation += 1

    # ---- pods ----
    def add_pod(self, pi: PodInfo, node_name: str) -> None:
        """Account an assigned pod on its node."""
        old = self.pod_node.get(pi.key)
        if old is not None:
            self.remove_pod(pi.key)
        self.pod_node[pi.key] = node_name
        if pi.has_affinity:
            self.n_affinity_pods += 1
        if pi.required_anti_affinity:
            self.n_anti_affinity_pods += 1
        ni = self.nodes.get(node_name)
        if ni is None:
            self.orphans.setdefault(node_name, {})[pi.key] = pi
            return
        ni.add_pod(pi)
        self._sync(ni, pi)

    def remove_pod(self, key: str) -> PodInfo | None:
        """Forget an assigned pod; returns its PodInfo."""
        node_name = self.pod_node.pop(key, None)
        if node_name is None:
            return None
        ni = self.nodes.get(node_name)
        pi = ni.pods.get(key) if ni is not None else self.orphans.get(node_name, {}).pop(key, None)
        if pi is not None and pi.has_affinity:
            self.n_affinity_pods -= 1
        if pi is not None and pi.required_anti_affinity:
            self.n_anti_affinity_pods -= 1
        if ni is not None and pi is not None:
            ni.remove_pod(pi)
            self._sync(ni, pi)
        return pi

    def _sync(self, ni: NodeInfo, pi: PodInfo) -> None:
        self.generation += 1
        if self.dirty:
            return
        i = self.index.get(ni.name)
        if i is None:
            return
        for a in _ARRAYS[4:]:
            getattr(self, a)[i] = getattr(ni, a)
        self.npods[i] = len(ni.pods)
        for k in pi.scalars:
            arr = self.scalar_req.get(k)
            if arr is None:
                self.dirty = True
                return
            arr[i] = ni.req_scalars.get(k, 0)
        if pi.host_ports:
            self.any_ports = True

    # ---- numpy view ----
    def refresh(self) -> None:
        """Rebuild the node-ordered arrays if nodes changed."""
        if not self.dirty:
            return
        self.names = self.order()
        self.index = {n: i for i, n in enumerate(self.names)}
        infos = [self.nodes[n] for n in self.names]
        self.infos = infos
        for a in _ARRAYS:
            setattr(self, a, np.array([getattr(ni, a) for ni in infos], dtype=np.int64))
        self.npods = np.array([len(ni.pods) for ni in infos], dtype=np.int64)
        self.unschedulable = np.array([ni.unschedulable for ni in infos], dtype=bool)
        scalar_names = set()
        for ni in infos:
            scalar_names.update(ni.alloc_scalars)
            scalar_names.update(ni.req_scalars)
        self.scalar_alloc = {k: np.array([ni.alloc_scalars.get(k, 0) for ni in infos], dtype=np.int64)
                             for k in sorted(scalar_names)}
        self.scalar_req = {k: np.array([ni.req_scalars.get(k, 0) for ni in infos], dtype=np.int64)
                           for k in sorted(scalar_names)}
        # taints grouped by signature: most clusters have a handful of distinct taint sets
        self.taint_sets: list[tuple] = []
        sig_index: dict[tuple, int] = {}
        sig = np.empty(len(infos), dtype=np.int32)
        for i, ni in enumerate(infos):
            t = tuple((x.get("key", ""), x.get("value", ""), x.get("effect", "")) for x in ni.taints)
            j = sig_index.get(t)
            if j is None:
                j = sig_index[t] = len(self.taint_sets)
                self.taint_sets.append(t)
            sig[i] = j
        self.taint_sig = sig
        self.any_ports = any(ni.used_ports for ni in infos)
        self.any_images = bool(+self.image_nodes)
        self._label_cols: dict[str, tuple] = {}
        self.derived: dict = {}
        self.dirty = False

    def label_column(self, key: str) -> tuple[np.ndarray, dict[str, int]]:
        """Codes of label ``key`` per node (-1 when absent) and the value -> code map."""
        col = self._label_cols.get(key)
        if col is None:
            codes: dict[str, int] = {}
            arr = np.empty(len(self.infos), dtype=np.int32)
            for i, ni in enumerate(self.infos):
                v = ni.labels.get(key)
                arr[i] = -1 if v is None else codes.setdefault(v, len(codes))
            col = self._label_cols[key] = (arr, codes)
        return col

    def __len__(self) -> int:
        return len(self.nodes)
