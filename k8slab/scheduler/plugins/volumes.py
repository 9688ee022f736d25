"""Volume plugins (VolumeRestrictions, NodeVolumeLimits, VolumeBinding, VolumeZone): not simulated yet."""

from __future__ import annotations

from .base import Plugin

__all__ = ["VolumeRestrictions", "NodeVolumeLimits", "VolumeBinding", "VolumeZone", "NOT_SIMULATED"]

NOT_SIMULATED = "not simulated"


class _NotSimulated(Plugin):
    """Volume plugins belong to the storage area; until it lands they pass every node and say so."""

    points = ("filter",)
    simulated = False

    def note(self, pod) -> str:
        vols = [v for v in (pod.pod.get("spec") or {}).get("volumes") or () if "persistentVolumeClaim" in v]
        what = f" ({len(vols)} PVC volume(s) ignored)" if vols else ""
        return f"{self.name}: {NOT_SIMULATED}{what}"


class VolumeRestrictions(_NotSimulated):
    """upstream: pkg/scheduler/framework/plugins/volumerestrictions — not simulated."""

    name = "VolumeRestrictions"


class NodeVolumeLimits(_NotSimulated):
    """upstream: pkg/scheduler/framework/plugins/nodevolumelimits — not simulated."""

    name = "NodeVolumeLimits"


class VolumeBinding(_NotSimulated):
    """upstream: pkg/scheduler/framework/plugins/volumebinding — not simulated."""

    name = "VolumeBinding"


class VolumeZone(_NotSimulated):
    """upstream: pkg/scheduler/framework/plugins/volumezone — not simulated."""

    name = "VolumeZone"
