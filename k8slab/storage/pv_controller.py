"""The PersistentVolume controller: binds claims to volumes, asks provisioners for new ones, releases and reclaims."""

# upstream: pkg/controller/volume/persistentvolume/pv_controller.go (syncClaim, syncUnboundClaim, syncBoundClaim,
# syncVolume, bind, reclaimVolume, provisionClaim, emitEventForUnboundDelayBindingClaim), plus the admission plugins
# DefaultStorageClass (plugin/pkg/admission/storage/storageclass/setdefault) and StorageObjectInUseProtection.

from __future__ import annotations

from k8slab.controllers.base import Controller
from k8slab.storage.matching import VolumeIndex, claim_class, claim_key, is_bound_to_claim, volume_capacity, \
    claim_request

__all__ = ["PersistentVolumeController", "default_class", "is_delay_binding", "ANN_BIND_COMPLETED",
           "ANN_BOUND_BY_CONTROLLER", "ANN_STORAGE_PROVISIONER", "ANN_BETA_STORAGE_PROVISIONER", "ANN_SELECTED_NODE",
           "ANN_DYNAMICALLY_PROVISIONED", "ANN_DEFAULT_CLASS", "PVC_PROTECTION", "PV_PROTECTION",
           "MSG_WAIT_FIRST_CONSUMER", "MSG_NO_CLASS", "external_provisioning_message"]

# upstream: pkg/controller/volume/persistentvolume/util/util.go and storage helpers
ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
ANN_DYNAMICALLY_PROVISIONED = "pv.kubernetes.io/provisioned-by"
ANN_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
ANN_BETA_DEFAULT_CLASS = "storageclass.beta.kubernetes.io/is-default-class"
PVC_PROTECTION = "kubernetes.io/pvc-protection"
PV_PROTECTION = "kubernetes.io/pv-protection"

MSG_WAIT_FIRST_CONSUMER = "waiting for first consumer to be created before binding"
MSG_NO_CLASS = "no persistent volumes available for this claim and no storage class is set"
COMPONENT = "persistentvolume-controller"


def external_provisioning_message(provisioner: str) -> str:
    """The ExternalProvisioning event text (upstream pv_controller.go provisionClaimOperationExternal)."""
    return (f"Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by "
            "the system administrator. If volume creation is delayed, please verify that the provisioner is running "
            "and correctly registered.")


def default_class(classes: list[dict]) -> dict | None:
    """The default StorageClass: annotated is-default-class "true"; of several, the newest (then by name).

    upstream: pkg/volume/util/storageclass.go GetDefaultClass

    Examples
    --------
    >>> sc = lambda n, t, d: {"metadata": {"name": n, "creationTimestamp": t,
    ...                                    "annotations": {ANN_DEFAULT_CLASS: d}}}
    >>> default_class([sc("a", "2026-01-01T00:00:00Z", "true"), sc("b", "2026-01-01T00:00:05Z", "true"),
    ...                sc("c", "2026-01-01T00:00:09Z", "false")])["metadata"]["name"]
    'b'
    """
    defaults = [c for c in classes
                if ((c["metadata"].get("annotations") or {}).get(ANN_DEFAULT_CLASS)
                    or (c["metadata"].get("annotations") or {}).get(ANN_BETA_DEFAULT_CLASS)) == "true"]
    if not defaults:
        return None
    defaults.sort(key=lambda c: c["metadata"]["name"])
    defaults.sort(key=lambda c: c["metadata"].get("creationTimestamp") or "", reverse=True)
    return defaults[0]


def is_delay_binding(claim: dict, classes: dict[str, dict]) -> bool:
    """upstream: storagehelpers.IsDelayBindingMode: the claim's class has volumeBindingMode WaitForFirstConsumer."""
    cls = classes.get(claim_class(claim))
    return bool(cls) and cls.get("volumeBindingMode") == "WaitForFirstConsumer"


def _ann(obj: dict) -> dict:
    return obj["metadata"].setdefault("annotations", {})


def _copy(obj: dict) -> dict:
    """A copy deep enough for the controller's edits (metadata, annotations, spec, status): informer objects are
    shared and must not change under the index."""
    out = dict(obj)
    out["metadata"] = dict(obj.get("metadata") or {})
    if "annotations" in out["metadata"]:
        out["metadata"]["annotations"] = dict(out["metadata"]["annotations"] or {})
    out["spec"] = dict(obj.get("spec") or {})
    out["status"] = dict(obj.get("status") or {})
    return out


class PersistentVolumeController(Controller):
    """kube-controller-manager's persistentvolume-binder, on the lab's clock.

    It keeps an index of volumes (see :class:`~k8slab.storage.matching.VolumeIndex`) and reconciles
    ``claim:<ns>/<name>`` and ``volume:<name>`` keys.
    """

    name = COMPONENT
    watches = ()

    def attach(self, lab) -> None:
        super().attach(lab)
        self.index = VolumeIndex()
        self.classes: dict[str, dict] = {}
        self.r_pvc = lab.api.resource("persistentvolumeclaims")
        self.r_pv = lab.api.resource("persistentvolumes")
        self.r_sc = lab.api.resource("storageclasses")
        self.r_pod = lab.api.resource("pods")
        lab.api.watch(self.r_pv, self._on_volume)
        lab.api.watch(self.r_pvc, self._on_claim)
        lab.api.watch(self.r_sc, self._on_class)
        lab.api.watch(self.r_pod, self._on_pod)
        lab.api.mutating_admission.append(self._admission)
        lab.api.validating_admission.append(self._validate_claim_update)
        lab.api.graceful_deleters["PersistentVolumeClaim"] = self._delete_claim
        lab.api.graceful_deleters["PersistentVolume"] = self._delete_volume
        self.resync()

    def resync(self) -> None:
        self.index = VolumeIndex()
        for pv in self.api.list(self.r_pv):
            self.index.add(pv)
        self.classes = {c["metadata"]["name"]: c for c in self.api.list(self.r_sc)}

    # -- informers ---------------------------------------------------------------------------------
    def _on_volume(self, event: str, pv: dict) -> None:
        if event == "DELETED":
            self.index.remove(pv["metadata"]["name"])
        else:
            self.index.add(pv)
            self.enqueue(f"volume:{pv['metadata']['name']}")
        ref = pv["spec"].get("claimRef")
        if ref:
            self.enqueue(f"claim:{ref.get('namespace')}/{ref.get('name')}")

    def _on_claim(self, event: str, claim: dict) -> None:
        if event == "DELETED":
            name = claim["spec"].get("volumeName")
            if name:
                self.enqueue(f"volume:{name}")
            return
        self.enqueue(f"claim:{claim_key(claim)}")

    def _on_class(self, event: str, sc: dict) -> None:
        if event == "DELETED":
            self.classes.pop(sc["metadata"]["name"], None)
        else:
            self.classes[sc["metadata"]["name"]] = sc

    def _on_pod(self, event: str, pod: dict) -> None:
        # pvc-protection: a claim being deleted goes when no pod uses it any more
        ns = pod["metadata"].get("namespace", "default")
        for v in (pod.get("spec") or {}).get("volumes") or ():
            name = (v.get("persistentVolumeClaim") or {}).get("claimName")
            if name:
                claim = self.api.etcd.read(self.r_pvc.key(ns, name))
                if claim is not None and claim["metadata"].get("deletionTimestamp"):
                    self.enqueue(f"claim:{ns}/{name}")
                elif claim is not None and not claim["spec"].get("volumeName"):
                    self.enqueue(f"claim:{ns}/{name}")

    # -- admission: DefaultStorageClass and StorageObjectInUseProtection ---------------------------
    def _admission(self, req) -> None:
        if req.verb != "create":
            return
        if req.resource.kind == "PersistentVolumeClaim":
            spec = req.obj.setdefault("spec", {})
            if "storageClassName" not in spec and "volume.beta.kubernetes.io/storage-class" not in (
                    req.obj["metadata"].get("annotations") or {}):
                dc = default_class(list(self.classes.values()))
                if dc is not None:
                    spec["storageClassName"] = dc["metadata"]["name"]
            fins = req.obj["metadata"].setdefault("finalizers", [])
            if PVC_PROTECTION not in fins:
                fins.append(PVC_PROTECTION)
        elif req.resource.kind == "PersistentVolume":
            fins = req.obj["metadata"].setdefault("finalizers", [])
            if PV_PROTECTION not in fins:
                fins.append(PV_PROTECTION)

    def _validate_claim_update(self, req) -> None:
        """Resizing rules: a claim never shrinks below what it has; it grows only on an expandable class.

        upstream: pkg/apis/core/validation ValidatePersistentVolumeClaimUpdate (RecoverVolumeExpansionFailure, GA in
        1.34: the request may go down, but not below status.capacity) and plugin/pkg/admission/storage/
        persistentvolume/resize (PersistentVolumeClaimResize).
        """
        from k8slab.api.quantity import bytes_value
        from k8slab.errors import Forbidden, Invalid

        if req.resource.kind != "PersistentVolumeClaim" or req.verb in ("create", "delete") or req.old is None:
            return
        old_req, new_req = claim_request(req.old), claim_request(req.obj)
        if old_req == new_req:
            return
        cap = ((req.old.get("status") or {}).get("capacity") or {}).get("storage")
        if cap is not None and new_req < bytes_value(str(cap)):
            msg = "spec.resources.requests.storage: Forbidden: field can not be less than status.capacity"
            raise Invalid(f'The PersistentVolumeClaim "{req.name}" is invalid: {msg}', [msg])
        if new_req > old_req:
            cls = self.classes.get(claim_class(req.old)) or {}
            if not req.old["spec"].get("volumeName") or not cls.get("allowVolumeExpansion"):
                raise Forbidden(f'persistentvolumeclaims "{req.name}" is forbidden: only dynamically provisioned pvc '
                                "can be resized and the storageclass that provisions the pvc must support resize")

    def pods_using(self, claim: dict) -> list[dict]:
        """Pods (not finished) whose volumes name the claim, sorted by name."""
        ns, name = claim["metadata"].get("namespace", "default"), claim["metadata"]["name"]
        out = []
        for pod in self.api.list(self.r_pod, ns):
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            if any((v.get("persistentVolumeClaim") or {}).get("claimName") == name
                   for v in (pod.get("spec") or {}).get("volumes") or ()):
                out.append(pod)
        return out

    def _delete_claim(self, claim: dict, grace) -> bool:
        # upstream: pkg/controller/volume/pvcprotection: the finalizer holds a claim that a pod still uses
        if not self.pods_using(claim):
            return False
        claim["metadata"].setdefault("deletionTimestamp", self.api.now_rfc3339())
        claim["metadata"].setdefault("deletionGracePeriodSeconds", 0)
        self.api.write_status(self.r_pvc, claim)
        return True

    def _delete_volume(self, pv: dict, grace) -> bool:
        # upstream: pkg/controller/volume/pvprotection: a Bound volume waits until it is released
        if (pv.get("status") or {}).get("phase") != "Bound":
            return False
        pv["metadata"].setdefault("deletionTimestamp", self.api.now_rfc3339())
        pv["metadata"].setdefault("deletionGracePeriodSeconds", 0)
        self.api.write_status(self.r_pv, pv)
        return True

    # -- reconcile -----------------------------------------------------------------------------------
    def reconcile(self, key: str) -> None:
        kind, _, rest = key.partition(":")
        if kind == "claim":
            ns, _, name = rest.partition("/")
            claim = self.api.etcd.read(self.r_pvc.key(ns, name))
            if claim is not None:
                self.sync_claim(claim)
        else:
            pv = self.api.etcd.read(self.r_pv.key(None, rest))
            if pv is not None:
                self.sync_volume(pv)

    def _event(self, obj, type_, reason, message) -> None:
        self.lab.events.record(obj, type_, reason, message, COMPONENT)

    def _put(self, res, obj: dict) -> dict:
        # the controller writes with its own credentials; spec and status alike (the lab skips admission here)
        return self.api.write_status(res, obj)

    def sync_claim(self, claim: dict) -> None:
        """upstream: syncClaim."""
        if claim["metadata"].get("deletionTimestamp"):
            if not self.pods_using(claim):
                self.api.remove(self.r_pvc, claim)
            return
        if (claim["metadata"].get("annotations") or {}).get(ANN_BIND_COMPLETED) is None:
            self.sync_unbound_claim(claim)
        else:
            self.sync_bound_claim(claim)

    def sync_unbound_claim(self, claim: dict) -> None:
        spec = claim["spec"]
        if "storageClassName" not in spec and "volume.beta.kubernetes.io/storage-class" not in (
                claim["metadata"].get("annotations") or {}):
            # upstream: retroactive default StorageClass assignment (GA in 1.28)
            dc = default_class(list(self.classes.values()))
            if dc is not None:
                claim = _copy(claim)
                claim["spec"]["storageClassName"] = dc["metadata"]["name"]
                self._put(self.r_pvc, claim)
                return
        if not spec.get("volumeName"):
            delay = is_delay_binding(claim, self.classes)
            volume = self.index.find_best_match(claim, delay)
            if volume is None:
                cls = claim_class(claim)
                if delay and ANN_SELECTED_NODE not in (claim["metadata"].get("annotations") or {}):
                    self._event_unbound_delay_binding(claim)
                elif cls:
                    self.provision_claim(claim)
                    return
                else:
                    self._event(claim, "Normal", "FailedBinding", MSG_NO_CLASS)
                self._claim_status(claim, "Pending", None)
                return
            self.bind(volume, claim)
            return
        volume = self.index.volumes.get(spec["volumeName"])
        if volume is None:
            self._claim_status(claim, "Pending", None)
            return
        if not volume["spec"].get("claimRef"):
            err = check_volume_satisfy_claim(volume, claim)
            if err:
                self._event(claim, "Warning", "VolumeMismatch", err)
                self._claim_status(claim, "Pending", None)
                return
            self.bind(volume, claim)
        elif is_bound_to_claim(volume, claim):
            self.bind(volume, claim)
        else:
            self._claim_status(claim, "Pending", None)

    def _event_unbound_delay_binding(self, claim: dict) -> None:
        # upstream: emitEventForUnboundDelayBindingClaim
        reason, message = "WaitForFirstConsumer", MSG_WAIT_FIRST_CONSUMER
        pods = [p["metadata"]["name"] for p in self.pods_using(claim) if not p["spec"].get("nodeName")]
        if pods:
            reason = "WaitForPodScheduled"
            message = (f"waiting for pods {','.join(pods)} to be scheduled" if len(pods) > 1
                       else f"waiting for pod {pods[0]} to be scheduled")
        self._event(claim, "Normal", reason, message)

    def provision_claim(self, claim: dict) -> None:
        """upstream: provisionClaim / provisionClaimOperationExternal: name the provisioner, let it work."""
        cls = self.classes.get(claim_class(claim))
        if cls is None:
            self._event(claim, "Warning", "ProvisioningFailed",
                        f'storageclass.storage.k8s.io "{claim_class(claim)}" not found')
            self._claim_status(claim, "Pending", None)
            return
        provisioner = cls.get("provisioner", "")
        claim = _copy(claim)
        ann = _ann(claim)
        if ann.get(ANN_STORAGE_PROVISIONER) != provisioner:
            ann[ANN_STORAGE_PROVISIONER] = provisioner
            ann[ANN_BETA_STORAGE_PROVISIONER] = provisioner
            claim = self._put(self.r_pvc, claim)
        self._event(claim, "Normal", "ExternalProvisioning", external_provisioning_message(provisioner))
        self._claim_status(claim, "Pending", None)

    def sync_bound_claim(self, claim: dict) -> None:
        name = claim["spec"].get("volumeName")
        if not name:
            self._claim_status(claim, "Lost", None, ("Warning", "ClaimLost",
                               "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!"))
            return
        volume = self.index.volumes.get(name)
        if volume is None:
            self._claim_status(claim, "Lost", None, ("Warning", "ClaimLost",
                               "Bound claim has lost its PersistentVolume. Data on the volume is lost!"))
            return
        ref = volume["spec"].get("claimRef")
        if ref is None or ref.get("uid") == claim["metadata"].get("uid"):
            self.bind(volume, claim)
        else:
            self._claim_status(claim, "Lost", None, ("Warning", "ClaimMisbound",
                               "Two claims are bound to the same volume, this one is bound incorrectly"))

    def sync_volume(self, volume: dict) -> None:
        """upstream: syncVolume."""
        ref = volume["spec"].get("claimRef")
        if volume["metadata"].get("deletionTimestamp") and (volume.get("status") or {}).get("phase") != "Bound":
            self.api.remove(self.r_pv, volume)
            return
        if not ref or not ref.get("uid"):
            self._volume_phase(volume, "Available")
            return
        claim = self.api.etcd.read(self.r_pvc.key(ref.get("namespace"), ref.get("name")))
        if claim is not None and claim["metadata"].get("uid") != ref.get("uid"):
            claim = None
        if claim is None:
            phase = (volume.get("status") or {}).get("phase")
            if phase not in ("Released", "Failed"):
                volume = self._volume_phase(volume, "Released")
            self.reclaim_volume(volume)
        elif not claim["spec"].get("volumeName"):
            self.enqueue(f"claim:{claim_key(claim)}")
        elif claim["spec"]["volumeName"] == volume["metadata"]["name"]:
            self._volume_phase(volume, "Bound")
        elif ((volume["metadata"].get("annotations") or {}).get(ANN_DYNAMICALLY_PROVISIONED)
              and volume["spec"].get("persistentVolumeReclaimPolicy") == "Delete"):
            if (volume.get("status") or {}).get("phase") not in ("Released", "Failed"):
                volume = self._volume_phase(volume, "Released")
            self.reclaim_volume(volume)
        else:
            self.unbind_volume(volume)

    def reclaim_volume(self, volume: dict) -> None:
        """upstream: reclaimVolume: Retain keeps a Released volume; Delete hands it to its deleter."""
        policy = volume["spec"].get("persistentVolumeReclaimPolicy", "Retain")
        if policy == "Retain":
            return
        if policy == "Recycle":
            self._volume_phase(volume, "Failed", ("Warning", "VolumeFailedRecycle",
                                                  "No recycler plugin found for the volume!"))
            return
        provisioner = (volume["metadata"].get("annotations") or {}).get(ANN_DYNAMICALLY_PROVISIONED)
        csi = self.lab.components.get("csi-provisioner")
        if provisioner and csi is not None and provisioner in getattr(csi, "drivers", {}):
            return  # the external provisioner deletes it (sig-storage-lib-external-provisioner shouldDelete)
        self._volume_phase(volume, "Failed", ("Warning", "VolumeFailedDelete",
                                              "error getting deleter volume plugin for volume "
                                              f"\"{volume['metadata']['name']}\": no deletable volume plugin matched"))

    def unbind_volume(self, volume: dict) -> None:
        """upstream: unbindVolume: controller-bound volumes lose their claimRef, user pre-bound ones its uid."""
        volume = _copy(volume)
        ann = _ann(volume)
        if ann.pop(ANN_BOUND_BY_CONTROLLER, None) is not None:
            volume["spec"].pop("claimRef", None)
        else:
            volume["spec"]["claimRef"] = dict(volume["spec"]["claimRef"])
            volume["spec"]["claimRef"].pop("uid", None)
            volume["spec"]["claimRef"].pop("resourceVersion", None)
        volume = self._put(self.r_pv, volume)
        self._volume_phase(volume, "Available")

    # -- bind ----------------------------------------------------------------------------------------
    def bind(self, volume: dict, claim: dict) -> None:
        """upstream: bind: claimRef on the volume, volumeName on the claim, then both phases Bound."""
        volume = self._bind_volume_to_claim(volume, claim)
        volume = self._volume_phase(volume, "Bound")
        claim = self._bind_claim_to_volume(claim, volume)
        self._claim_status(claim, "Bound", volume)

    def _bind_volume_to_claim(self, volume: dict, claim: dict) -> dict:
        # upstream: GetBindVolumeToClaim
        ref = volume["spec"].get("claimRef")
        meta = claim["metadata"]
        want = {"kind": "PersistentVolumeClaim", "namespace": meta.get("namespace", "default"), "name": meta["name"],
                "uid": meta.get("uid"), "apiVersion": "v1", "resourceVersion": meta.get("resourceVersion")}
        if ref and is_bound_to_claim(volume, claim) and ref.get("uid"):
            return volume
        volume = _copy(volume)
        if not ref:
            _ann(volume)[ANN_BOUND_BY_CONTROLLER] = "yes"
        volume["spec"]["claimRef"] = want
        return self._put(self.r_pv, volume)

    def _bind_claim_to_volume(self, claim: dict, volume: dict) -> dict:
        ann = (claim["metadata"].get("annotations") or {})
        name = volume["metadata"]["name"]
        if claim["spec"].get("volumeName") == name and ann.get(ANN_BIND_COMPLETED) == "yes":
            return claim
        claim = _copy(claim)
        if claim["spec"].get("volumeName") != name:
            claim["spec"]["volumeName"] = name
            _ann(claim)[ANN_BOUND_BY_CONTROLLER] = "yes"
        _ann(claim)[ANN_BIND_COMPLETED] = "yes"
        return self._put(self.r_pvc, claim)

    def _claim_status(self, claim: dict, phase: str, volume: dict | None, event=None) -> dict:
        # upstream: updateClaimStatus / updateClaimStatusWithEvent (the event only on a phase change)
        claim = _copy(claim)
        status = claim["status"]
        new = {"phase": phase}
        if volume is not None:
            new["accessModes"] = list(volume["spec"].get("accessModes") or ())
            new["capacity"] = dict(volume["spec"].get("capacity") or {})
        old = {k: status.get(k) for k in ("phase", "accessModes", "capacity") if status.get(k) is not None}
        if old == new:
            return claim
        changed = status.get("phase") != phase
        for k in ("accessModes", "capacity"):
            status.pop(k, None)
        status.update(new)
        claim = self._put(self.r_pvc, claim)
        if event and changed:
            self._event(claim, *event)
        return claim

    def _volume_phase(self, volume: dict, phase: str, event=None) -> dict:
        # upstream: updateVolumePhase (lastPhaseTransitionTime since 1.31) / updateVolumePhaseWithEvent
        if (volume.get("status") or {}).get("phase") == phase:
            return volume
        volume = _copy(volume)
        status = volume["status"]
        status["phase"] = phase
        status["lastPhaseTransitionTime"] = self.api.now_rfc3339()
        if event:
            status["message"] = event[2]
        else:
            status.pop("message", None)
        volume = self._put(self.r_pv, volume)
        if event:
            self._event(volume, *event)
        return volume


def check_volume_satisfy_claim(volume: dict, claim: dict) -> str:
    """Why a pre-bound volume cannot serve the claim ("" when it can).

    upstream: pv_controller.go checkVolumeSatisfyClaim

    Examples
    --------
    >>> pv = {"metadata": {"name": "pv1"}, "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"]}}
    >>> check_volume_satisfy_claim(pv, {"metadata": {"name": "c"}, "spec": {"accessModes": ["ReadWriteOnce"],
    ...     "resources": {"requests": {"storage": "2Gi"}}}})
    'requested PV is too small'
    """
    from k8slab.storage.matching import check_access_modes, volume_class

    if volume_capacity(volume) < claim_request(claim):
        return "requested PV is too small"
    if volume_class(volume) != claim_class(claim):
        return "storageClassName does not match"
    if ((volume.get("spec") or {}).get("volumeMode") or "Filesystem") != (
            (claim.get("spec") or {}).get("volumeMode") or "Filesystem"):
        return "incompatible volumeMode"
    if not check_access_modes(claim, volume):
        return "incompatible accessMode"
    return ""
