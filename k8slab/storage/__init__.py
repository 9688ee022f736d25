"""Storage: volumes with data, PersistentVolume binding, StorageClasses and the simulated Azure CSI drivers."""

from __future__ import annotations

from pathlib import Path

__all__ = ["storage_classes", "STORAGE_CLASS_PRESETS", "events"]

_DATA = Path(__file__).resolve().parent.parent.parent / "data" / "storageclasses"
#: preset name -> file under data/storageclasses/
STORAGE_CLASS_PRESETS = ("aks", "aks-zonal")


def storage_classes(preset: str = "aks") -> str:
    """The YAML of a StorageClass preset, ready for ``lab.apply``: ``aks`` (single zone) or ``aks-zonal``.

    Examples
    --------
    >>> import k8slab as kl
    >>> lab = kl.Cluster()
    >>> [str(r) for r in lab.apply(storage_classes("aks"))][:2]
    ['storageclass.storage.k8s.io/default created', 'storageclass.storage.k8s.io/managed-csi created']
    """
    if preset not in STORAGE_CLASS_PRESETS:
        from k8slab.errors import NotFound

        raise NotFound(f'storage class preset "{preset}" not found (known presets: {", ".join(STORAGE_CLASS_PRESETS)})')
    return (_DATA / f"{preset}.yaml").read_text()


def events(lab, kind: str, name: str, namespace: str = "default"):
    """The Events section ``kubectl describe KIND NAME`` ends with, alone (a :class:`~k8slab.KubectlResult`).

    Examples
    --------
    >>> import k8slab as kl
    >>> lab = kl.Cluster()
    >>> _ = lab.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "d"}, "spec": {
    ...     "accessModes": ["ReadWriteOnce"], "storageClassName": "", "resources": {"requests": {"storage": "1Gi"}}}})
    >>> print(events(lab.run(1), "pvc", "d"))
    Events:
      Type    Reason         Age   From                         Message
      ----    ------         ----  ----                         -------
      Normal  FailedBinding  1s    persistentvolume-controller  no persistent volumes available for this claim and no storage class is set
    <BLANKLINE>
    """
    from k8slab.kubectl import KubectlResult
    from k8slab.kubectl.describe import _events
    from k8slab.kubectl.format import tabwriter

    res = lab.api.resource(kind)
    obj = lab.api.get(res, namespace, name)
    return KubectlResult(0, tabwriter(_events(lab, obj, lab.now), minwidth=0, padding=2) + "\n")
