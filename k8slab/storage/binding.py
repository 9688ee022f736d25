"""The scheduler's volume checks as pure functions: VolumeBinding, VolumeZone, NodeVolumeLimits, VolumeRestrictions."""

# upstream: pkg/scheduler/framework/plugins/volumebinding (volume_binding.go, binder.go FindPodVolumes/AssumePodVolumes),
# volumezone/volume_zone.go, nodevolumelimits/csi.go, volumerestrictions/volume_restrictions.go

from __future__ import annotations

from k8slab.storage.matching import check_node_affinity, claim_class, find_matching_volume

__all__ = ["pre_filter", "check_node", "pre_bind", "volumes_bound", "ERR_BIND_CONFLICT", "ERR_NODE_CONFLICT",
           "ERR_UNBOUND_IMMEDIATE", "ERR_ZONE_CONFLICT", "ERR_MAX_VOLUME_COUNT", "ERR_RWOP_CONFLICT",
           "ERR_PV_NOT_EXIST", "csi_volumes_on_node"]

# upstream: volumebinding/binder.go and volume_binding.go
ERR_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind"
ERR_NODE_CONFLICT = "node(s) had volume node affinity conflict"
ERR_PV_NOT_EXIST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
ERR_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"
# upstream: volumezone/volume_zone.go ErrReasonConflict
ERR_ZONE_CONFLICT = "node(s) had no available volume zone"
# upstream: nodevolumelimits/csi.go ErrReasonMaxVolumeCountExceeded
ERR_MAX_VOLUME_COUNT = "node(s) exceed max volume count"
# upstream: volumerestrictions ErrReasonReadWriteOncePodConflict
ERR_RWOP_CONFLICT = "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode"
_ZONE_LABELS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone",
                "topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region")


def _claims(lab, pod: dict):
    ns = pod["metadata"].get("namespace", "default")
    for v in (pod.get("spec") or {}).get("volumes") or ():
        name = (v.get("persistentVolumeClaim") or {}).get("claimName")
        if not name and "ephemeral" in v:
            name = f"{pod['metadata']['name']}-{v['name']}"  # upstream: ephemeral.VolumeClaimName
        if name:
            yield name, lab.etcd.read(f"/registry/persistentvolumeclaims/{ns}/{name}")


def _classes(lab) -> dict[str, dict]:
    return {c["metadata"]["name"]: c for c in lab.api.list(lab.api.resource("storageclasses"))}


def pre_filter(lab, pod: dict) -> tuple[bool, str]:
    """VolumeBinding PreFilter: ``(True, "")``, or ``(False, reason)`` that no node can fix
    (UnschedulableAndUnresolvable): a missing or terminating claim, or an unbound Immediate claim.

    Examples
    --------
    >>> from k8slab import Cluster
    >>> lab = Cluster()
    >>> pod = {"metadata": {"name": "nginx", "namespace": "default"}, "spec": {"volumes": [
    ...     {"name": "volume", "persistentVolumeClaim": {"claimName": "azure-managed-disk"}}]}}
    >>> pre_filter(lab, pod)
    (False, 'persistentvolumeclaim "azure-managed-disk" not found')
    """
    classes = None
    for name, claim in _claims(lab, pod):
        if claim is None:
            return False, f'persistentvolumeclaim "{name}" not found'
        if claim["metadata"].get("deletionTimestamp"):
            return False, f'persistentvolumeclaim "{name}" is being deleted'
        if claim["spec"].get("volumeName"):
            continue
        classes = classes if classes is not None else _classes(lab)
        cls = classes.get(claim_class(claim))
        if not cls or cls.get("volumeBindingMode") != "WaitForFirstConsumer":
            return False, ERR_UNBOUND_IMMEDIATE
    return True, ""


def csi_volumes_on_node(lab, node_name: str, exclude_pod: str = "") -> set[str]:
    """Unique attachable (Azure Disk) volume handles used by pods bound to a node."""
    out = set()
    for p in lab.api.list(lab.api.resource("pods")):
        if (p.get("spec") or {}).get("nodeName") != node_name or (p.get("status") or {}).get("phase") in (
                "Succeeded", "Failed"):
            continue
        if f"{p['metadata']['namespace']}/{p['metadata']['name']}" == exclude_pod:
            continue
        for _name, claim in _claims(lab, p):
            h = _disk_handle(lab, claim)
            if h:
                out.add(h)
    return out


def _disk_handle(lab, claim):
    from k8slab.storage.csi import DISK_DRIVER

    if claim is None or not claim["spec"].get("volumeName"):
        return None
    pv = lab.etcd.read(f"/registry/persistentvolumes/{claim['spec']['volumeName']}")
    csi = ((pv or {}).get("spec") or {}).get("csi") or {}
    return csi.get("volumeHandle") if csi.get("driver") == DISK_DRIVER else None


def check_node(lab, pod: dict, node: dict) -> tuple[bool, list[str]]:
    """Whether the pod's volumes allow this node: ``(ok, reasons)`` with upstream's texts.

    Bound claims: the PV's node affinity (VolumeBinding) and zone labels (VolumeZone). Unbound
    WaitForFirstConsumer claims: a matching PV reachable from the node, or a class that can provision there.
    Then the node's attach limit for Azure disks (NodeVolumeLimits) and ReadWriteOncePod (VolumeRestrictions).
    """
    from k8slab.storage.csi import DISK_DRIVER, max_data_disks

    labels = node["metadata"].get("labels") or {}
    name = node["metadata"]["name"]
    reasons: list[str] = []
    classes = None
    chosen: set[str] = set()
    new_disks = 0
    pvs = None
    for _cname, claim in _claims(lab, pod):
        if claim is None:
            continue
        vname = claim["spec"].get("volumeName")
        if vname:
            pv = lab.etcd.read(f"/registry/persistentvolumes/{vname}")
            if pv is None:
                reasons.append(ERR_PV_NOT_EXIST)
                continue
            if not check_node_affinity(pv, labels, name):
                reasons.append(ERR_NODE_CONFLICT)
            for key in _ZONE_LABELS:  # VolumeZone: PV zone labels must include the node's
                want = (pv["metadata"].get("labels") or {}).get(key)
                if want and labels.get(key) not in want.split("__"):
                    reasons.append(ERR_ZONE_CONFLICT)
                    break
            continue
        classes = classes if classes is not None else _classes(lab)
        cls = classes.get(claim_class(claim))
        if pvs is None:
            pvs = sorted(lab.api.list(lab.api.resource("persistentvolumes")), key=lambda v: v["metadata"]["name"])
        pv = find_matching_volume(claim, pvs, node, chosen)
        if pv is not None:
            chosen.add(pv["metadata"]["name"])
            if (pv["spec"].get("csi") or {}).get("driver") == DISK_DRIVER:
                new_disks += 1
            continue
        if cls and cls.get("provisioner") and cls.get("provisioner") != "kubernetes.io/no-provisioner":
            allowed = cls.get("allowedTopologies")
            if allowed and not any(all(labels.get(e["key"]) in e.get("values", ())
                                       for e in t.get("matchLabelExpressions") or ()) for t in allowed):
                reasons.append(ERR_NODE_CONFLICT)
                continue
            if cls["provisioner"] == DISK_DRIVER:
                new_disks += 1
            continue
        reasons.append(ERR_BIND_CONFLICT)
    if new_disks or reasons == []:
        have = csi_volumes_on_node(lab, name, f"{pod['metadata'].get('namespace', 'default')}/"
                                              f"{pod['metadata']['name']}")
        mine = {h for _n, c in _claims(lab, pod) if (h := _disk_handle(lab, c))}
        limit = max_data_disks(labels.get("node.kubernetes.io/instance-type", ""))
        if len(have | mine) + new_disks > limit and (mine - have or new_disks):
            reasons.append(ERR_MAX_VOLUME_COUNT)
    for _n, claim in _claims(lab, pod):
        if claim is not None and "ReadWriteOncePod" in (claim["spec"].get("accessModes") or ()):
            for p in lab.api.list(lab.api.resource("pods"), pod["metadata"].get("namespace", "default")):
                if p["metadata"]["name"] != pod["metadata"]["name"] and p["spec"].get("nodeName") and any(
                        (v.get("persistentVolumeClaim") or {}).get("claimName") == claim["metadata"]["name"]
                        for v in p["spec"].get("volumes") or ()):
                    reasons.append(ERR_RWOP_CONFLICT)
    seen: list[str] = []
    for r in reasons:
        if r not in seen:
            seen.append(r)
    return not seen, seen


def pre_bind(lab, pod: dict, node_name: str) -> list[str]:
    """VolumeBinding PreBind: bind matching static PVs, ask for provisioning on ``node_name`` for the rest.

    Writes the PV's claimRef (static match) or the claim's ``volume.kubernetes.io/selected-node`` annotation
    (dynamic provisioning). Returns the claims (``namespace/name``) still to be bound; the scheduler binds the pod
    once :func:`volumes_bound` says so (upstream waits in BindPodVolumes, up to bindTimeoutSeconds = 600).
    """
    from k8slab.storage.pv_controller import ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE

    if not any("persistentVolumeClaim" in v or "ephemeral" in v for v in (pod.get("spec") or {}).get("volumes") or ()):
        return []  # no claims: nothing to read (the node and every PV were decoded for each pod)
    node = lab.etcd.read(f"/registry/minions/{node_name}")
    pending = []
    chosen: set[str] = set()
    pvs = sorted(lab.api.list(lab.api.resource("persistentvolumes")), key=lambda v: v["metadata"]["name"])
    r_pv, r_pvc = lab.api.resource("persistentvolumes"), lab.api.resource("persistentvolumeclaims")
    for _name, claim in _claims(lab, pod):
        if claim is None or claim["spec"].get("volumeName"):
            continue
        key = f"{claim['metadata']['namespace']}/{claim['metadata']['name']}"
        pending.append(key)
        pv = find_matching_volume(claim, pvs, node, chosen)
        if pv is not None:
            chosen.add(pv["metadata"]["name"])
            if not pv["spec"].get("claimRef"):
                pv["metadata"].setdefault("annotations", {})[ANN_BOUND_BY_CONTROLLER] = "yes"
            m = claim["metadata"]
            pv["spec"]["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": m["namespace"],
                                      "name": m["name"], "uid": m["uid"], "apiVersion": "v1",
                                      "resourceVersion": m["resourceVersion"]}
            lab.api.write_status(r_pv, pv)
        else:
            claim["metadata"].setdefault("annotations", {})[ANN_SELECTED_NODE] = node_name
            lab.api.write_status(r_pvc, claim)
    return pending


def volumes_bound(lab, pod: dict) -> bool:
    """Whether every claim of the pod is bound (the end of upstream's BindPodVolumes wait)."""
    return all(c is not None and c["spec"].get("volumeName") and (c.get("status") or {}).get("phase") == "Bound"
               for _n, c in _claims(lab, pod))
