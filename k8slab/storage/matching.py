"""Which PersistentVolume a claim binds to: upstream's FindMatchingVolume and the PV controller's volume index."""

# upstream: staging/src/k8s.io/component-helpers/storage/volume/pv_helpers.go (FindMatchingVolume, CheckNodeAffinity,
# CheckAccessModes, GetPersistentVolumeClaimClass) and pkg/controller/volume/persistentvolume/index.go
# (persistentVolumeOrderedIndex, findByClaim, allPossibleMatchingAccessModes)

from __future__ import annotations

from bisect import bisect_left, insort

from k8slab.api.quantity import bytes_value

__all__ = ["claim_class", "volume_class", "claim_request", "volume_capacity", "is_bound_to_claim",
           "check_node_affinity", "check_access_modes", "find_matching_volume", "VolumeIndex", "claim_key",
           "BETA_STORAGE_CLASS"]

#: upstream: v1.BetaStorageClassAnnotation, still honoured before spec.storageClassName
BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"


def claim_key(claim: dict) -> str:
    """``namespace/name`` of a claim (upstream claimToClaimKey)."""
    m = claim["metadata"]
    return f"{m.get('namespace', 'default')}/{m['name']}"


def claim_class(claim: dict) -> str:
    """upstream: GetPersistentVolumeClaimClass (the beta annotation wins; "" means no class).

    Examples
    --------
    >>> claim_class({"metadata": {}, "spec": {"storageClassName": "managed-csi"}})
    'managed-csi'
    >>> claim_class({"metadata": {"annotations": {BETA_STORAGE_CLASS: "old"}}, "spec": {"storageClassName": "new"}})
    'old'
    """
    ann = (claim.get("metadata") or {}).get("annotations") or {}
    if BETA_STORAGE_CLASS in ann:
        return ann[BETA_STORAGE_CLASS]
    return (claim.get("spec") or {}).get("storageClassName") or ""


def volume_class(volume: dict) -> str:
    """upstream: GetPersistentVolumeClass."""
    ann = (volume.get("metadata") or {}).get("annotations") or {}
    if BETA_STORAGE_CLASS in ann:
        return ann[BETA_STORAGE_CLASS]
    return (volume.get("spec") or {}).get("storageClassName") or ""


def claim_request(claim: dict) -> int:
    """Bytes the claim requests (spec.resources.requests.storage)."""
    return bytes_value(str((((claim.get("spec") or {}).get("resources") or {}).get("requests") or {})
                           .get("storage", "0")))


def volume_capacity(volume: dict) -> int:
    """Bytes the volume offers (spec.capacity.storage)."""
    return bytes_value(str(((volume.get("spec") or {}).get("capacity") or {}).get("storage", "0")))


def is_bound_to_claim(volume: dict, claim: dict) -> bool:
    """upstream: IsVolumeBoundToClaim: claimRef names the claim (and its uid, when the ref has one)."""
    ref = (volume.get("spec") or {}).get("claimRef")
    if not ref:
        return False
    meta = claim["metadata"]
    if ref.get("name") != meta.get("name") or (ref.get("namespace") or "") != meta.get("namespace", "default"):
        return False
    return not ref.get("uid") or ref["uid"] == meta.get("uid")


def check_node_affinity(volume: dict, node_labels: dict, node_name: str = "") -> bool:
    """upstream: CheckNodeAffinity: the node must match one of the PV's required nodeSelectorTerms.

    Examples
    --------
    >>> pv = {"spec": {"nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
    ...     {"key": "topology.disk.csi.azure.com/zone", "operator": "In", "values": ["eastus2-1"]}]}]}}}}
    >>> check_node_affinity(pv, {"topology.disk.csi.azure.com/zone": "eastus2-1"})
    True
    >>> check_node_affinity(pv, {"topology.disk.csi.azure.com/zone": "eastus2-2"})
    False
    """
    from k8slab.scheduler.plugins.node_affinity import node_selector_term_matches

    required = (((volume.get("spec") or {}).get("nodeAffinity") or {}).get("required"))
    if required is None:
        return True
    terms = required.get("nodeSelectorTerms") or []
    return any(node_selector_term_matches(t, node_labels, node_name) for t in terms)


def check_access_modes(claim: dict, volume: dict) -> bool:
    """upstream: CheckAccessModes: every mode the claim asks for is one the volume offers."""
    have = set((volume.get("spec") or {}).get("accessModes") or ())
    return all(m in have for m in (claim.get("spec") or {}).get("accessModes") or ())


def _volume_mode(obj: dict) -> str:
    return (obj.get("spec") or {}).get("volumeMode") or "Filesystem"


def _vac(obj: dict) -> str:
    return (obj.get("spec") or {}).get("volumeAttributesClassName") or ""


def find_matching_volume(claim: dict, volumes, node: dict | None = None, excluded=(),
                         delay_binding: bool = False) -> dict | None:
    """The best volume for ``claim`` among ``volumes``: a volume pre-bound to it, else the smallest that fits.

    ``node`` is given on the scheduler's path (PV node affinity and access modes are then checked); ``delay_binding``
    on the PV controller's path for WaitForFirstConsumer claims (only pre-bound volumes are returned).
    Volumes are visited in the order given; among equal capacities the first wins (upstream visits its informer
    cache, whose order Go leaves unspecified; the lab passes volumes sorted by name).

    upstream: staging/src/k8s.io/component-helpers/storage/volume/pv_helpers.go FindMatchingVolume

    Examples
    --------
    >>> pv = lambda name, size: {"metadata": {"name": name}, "status": {"phase": "Available"},
    ...     "spec": {"capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"], "storageClassName": ""}}
    >>> claim = {"metadata": {"name": "data", "namespace": "default", "uid": "u1"},
    ...          "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "3Gi"}}}}
    >>> find_matching_volume(claim, [pv("big", "10Gi"), pv("small", "1Gi"), pv("fit", "5Gi")])["metadata"]["name"]
    'fit'
    """
    from k8slab.api.labels import selector_from

    requested = claim_request(claim)
    requested_class = claim_class(claim)
    sel_spec = (claim.get("spec") or {}).get("selector")
    selector = selector_from(sel_spec) if sel_spec is not None else None
    node_labels = ((node or {}).get("metadata") or {}).get("labels") or {}
    node_name = ((node or {}).get("metadata") or {}).get("name", "")
    smallest, smallest_qty = None, 0
    for volume in volumes:
        name = volume["metadata"]["name"]
        if name in excluded:
            continue
        if _vac(volume) != _vac(claim):
            continue
        qty = volume_capacity(volume)
        if qty < requested:
            continue
        if _volume_mode(volume) != _volume_mode(claim):  # CheckVolumeModeMismatches
            continue
        if volume["metadata"].get("deletionTimestamp"):
            continue
        affinity_ok = True
        if node is not None:
            affinity_ok = check_node_affinity(volume, node_labels, node_name)
        if is_bound_to_claim(volume, claim):
            return volume if affinity_ok else None
        if node is None and delay_binding:
            continue  # the scheduler binds WaitForFirstConsumer claims
        if (volume.get("status") or {}).get("phase") != "Available":
            continue
        if (volume.get("spec") or {}).get("claimRef"):
            continue
        if selector is not None and not selector.matches(volume["metadata"].get("labels") or {}):
            continue
        if volume_class(volume) != requested_class:
            continue
        if not affinity_ok:
            continue
        if node is not None and not check_access_modes(claim, volume):
            continue
        if smallest is None or smallest_qty > qty:
            smallest, smallest_qty = volume, qty
    return smallest


def _modes_key(modes) -> tuple[str, ...]:
    return tuple(sorted(set(modes or ())))


class VolumeIndex:
    """The PV controller's volume cache, indexed by access modes (persistentVolumeOrderedIndex).

    ``find_best_match(claim)`` gives what upstream's findByClaim gives: the access-mode groups that contain every
    mode the claim asks for are tried from the fewest modes up; in the first group with a match, a volume pre-bound
    to the claim wins, else the smallest volume that fits. Unbound Available volumes are kept sorted by capacity
    per (class, volumeMode, volumeAttributesClass), so a claim without a selector is matched by bisection.

    Examples
    --------
    >>> idx = VolumeIndex()
    >>> for name, size, modes in [("a", "1Gi", ["ReadWriteOnce"]), ("b", "5Gi", ["ReadWriteOnce", "ReadOnlyMany"]),
    ...                           ("c", "5Gi", ["ReadWriteOnce"])]:
    ...     idx.add({"metadata": {"name": name}, "status": {"phase": "Available"},
    ...              "spec": {"capacity": {"storage": size}, "accessModes": modes}})
    >>> claim = {"metadata": {"name": "x", "namespace": "default"},
    ...          "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}}}
    >>> idx.find_best_match(claim)["metadata"]["name"]
    'c'
    """

    def __init__(self):
        self.volumes: dict[str, dict] = {}
        self._groups: dict[tuple[str, ...], set[str]] = {}
        self._free: dict[tuple, dict[tuple, list[tuple[int, str]]]] = {}  # modes -> (class, mode, vac) -> sorted
        self._free_key: dict[str, tuple] = {}
        self._prebound: dict[str, set[str]] = {}  # claim ns/name -> volume names whose claimRef names it

    def __len__(self) -> int:
        return len(self.volumes)

    def add(self, volume: dict) -> None:
        """Add or replace a volume (informer add/update)."""
        name = volume["metadata"]["name"]
        if name in self.volumes:
            self.remove(name)
        self.volumes[name] = volume
        modes = _modes_key((volume.get("spec") or {}).get("accessModes"))
        self._groups.setdefault(modes, set()).add(name)
        ref = (volume.get("spec") or {}).get("claimRef")
        if ref:
            self._prebound.setdefault(f"{ref.get('namespace') or ''}/{ref.get('name')}", set()).add(name)
        elif ((volume.get("status") or {}).get("phase") == "Available"
              and not volume["metadata"].get("deletionTimestamp")):
            key = (modes, (volume_class(volume), _volume_mode(volume), _vac(volume)))
            insort(self._free.setdefault(modes, {}).setdefault(key[1], []), (volume_capacity(volume), name))
            self._free_key[name] = key

    def remove(self, name: str) -> None:
        """Forget a volume (informer delete)."""
        volume = self.volumes.pop(name, None)
        if volume is None:
            return
        modes = _modes_key((volume.get("spec") or {}).get("accessModes"))
        self._groups.get(modes, set()).discard(name)
        ref = (volume.get("spec") or {}).get("claimRef")
        if ref:
            self._prebound.get(f"{ref.get('namespace') or ''}/{ref.get('name')}", set()).discard(name)
        key = self._free_key.pop(name, None)
        if key is not None:
            lst = self._free[key[0]][key[1]]
            item = (volume_capacity(volume), name)
            i = bisect_left(lst, item)
            if i < len(lst) and lst[i] == item:
                del lst[i]

    def _groups_for(self, claim: dict) -> list[tuple[str, ...]]:
        # upstream: allPossibleMatchingAccessModes, sorted by number of modes (ties: by the modes' names)
        want = set((claim.get("spec") or {}).get("accessModes") or ())
        groups = [m for m, names in self._groups.items() if names and want.issubset(m)]
        return sorted(groups, key=lambda m: (len(m), m))

    def find_best_match(self, claim: dict, delay_binding: bool = False) -> dict | None:
        """upstream: persistentVolumeOrderedIndex.findBestMatchForClaim (the PV controller's path: no node)."""
        spec = claim.get("spec") or {}
        key = claim_key(claim)
        prebound = self._prebound.get(key) or ()
        fast = spec.get("selector") is None
        for modes in self._groups_for(claim):
            if not fast:
                names = sorted(self._groups[modes])
                found = find_matching_volume(claim, (self.volumes[n] for n in names), None, (), delay_binding)
                if found is not None:
                    return found
                continue
            pre = [self.volumes[n] for n in sorted(prebound) if n in self._groups[modes]]
            found = find_matching_volume(claim, pre, None, (), delay_binding) if pre else None
            if found is not None:
                return found
            if delay_binding:
                continue
            lst = (self._free.get(modes) or {}).get((claim_class(claim), _volume_mode(claim), _vac(claim)))
            if lst:
                i = bisect_left(lst, (claim_request(claim), ""))
                if i < len(lst):
                    return self.volumes[lst[i][1]]
        return None
