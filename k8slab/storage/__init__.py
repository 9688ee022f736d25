"""Storage: volumes with data, PersistentVolume binding, StorageClasses and the simulated Azure CSI drivers."""

from __future__ import annotations

from pathlib import Path

__all__ = ["storage_classes", "STORAGE_CLASS_PRESETS"]

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
