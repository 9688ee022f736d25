"""DefaultStorageClass admission: a claim that names no class gets the cluster's default StorageClass."""

from __future__ import annotations

from k8slab.admission.chain import AdmissionPlugin, operation

__all__ = ["DefaultStorageClass"]

BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"


class DefaultStorageClass(AdmissionPlugin):
    """upstream: plugin/pkg/admission/storage/storageclass/setdefault/admission.go (claims on CREATE only).

    A claim with ``storageClassName`` set (even to ``""``, which asks for no class) or the beta
    annotation keeps it; otherwise it gets the default class (the newest annotated
    ``storageclass.kubernetes.io/is-default-class: "true"``, ties by name; see
    :func:`k8slab.storage.pv_controller.default_class`), or stays without one when there is none.
    """

    name = "DefaultStorageClass"
    operations = frozenset({"CREATE"})

    def __init__(self, api):
        self.api = api

    def handles(self, req) -> bool:
        return (req.resource.kind == "PersistentVolumeClaim" and operation(req) == "CREATE"
                and not getattr(req, "subresource", "") and req.obj is not None)

    def admit(self, req) -> None:
        from k8slab.storage.pv_controller import default_class

        spec = req.obj.setdefault("spec", {})
        annotations = (req.obj.get("metadata") or {}).get("annotations") or {}
        if "storageClassName" in spec or BETA_CLASS_ANNOTATION in annotations:
            return
        dc = default_class(list(self.api.etcd.scan("/registry/storageclasses/")))
        if dc is not None:
            spec["storageClassName"] = dc["metadata"]["name"]
