"""Volume plugins (VolumeRestrictions, NodeVolumeLimits, VolumeBinding, VolumeZone), backed by k8slab.storage.binding.

In a lab (the scheduler's cycle state carries ``lab``) they run the storage area's rules; a bare Scheduler without a
lab has no claims or volumes to look at, so they skip and say "not simulated".
"""

from __future__ import annotations

import numpy as np

from ..status import Code, Status
from .base import Plugin

__all__ = ["VolumeRestrictions", "NodeVolumeLimits", "VolumeBinding", "VolumeZone", "NOT_SIMULATED", "with_lab"]

NOT_SIMULATED = "not simulated"


def _pvc_volumes(pod: dict) -> list:
    return [v for v in (pod.get("spec") or {}).get("volumes") or () if "persistentVolumeClaim" in v
            or "ephemeral" in v]


class _VolumePlugin(Plugin):
    points = ("filter",)
    #: a bare Scheduler has no claims or volumes to look at; the lab component turns this on (with_lab)
    simulated = False
    #: which of k8slab.storage.binding's reasons this plugin reports, and with which code
    codes: dict[str, Code] = {}

    def note(self, pod) -> str:
        vols = _pvc_volumes(pod.pod)
        what = f" ({len(vols)} PVC volume(s) ignored)" if vols else ""
        return f"{self.name}: {NOT_SIMULATED}{what}"

    def pre_filter(self, state, pod, snap):
        if state.get("lab") is None or not _pvc_volumes(pod.pod):
            return Status(Code.Skip)
        if self.name == "VolumeBinding":
            from k8slab.storage.binding import pre_filter

            ok, reason = pre_filter(state["lab"], pod.pod)
            state["volume_pre_filter"] = "" if ok else reason
        return None

    def _reasons(self, state, pod, ni) -> list[str]:
        cache = state.setdefault("volume_check", {})
        if ni.name not in cache:
            from k8slab.storage.binding import check_node

            cache[ni.name] = check_node(state["lab"], pod.pod, ni.node)[1]
        return cache[ni.name]

    def filter(self, state, pod, ni):
        if self.name == "VolumeBinding" and state.get("volume_pre_filter"):
            return Status(Code.UnschedulableAndUnresolvable, state["volume_pre_filter"])
        if state.get("volume_pre_filter"):
            return None
        mine = [r for r in self._reasons(state, pod, ni) if r in self.codes or (
            self.name == "VolumeBinding" and r not in _CLAIMED)]
        if not mine:
            return None
        code = min((self.codes.get(r, Code.UnschedulableAndUnresolvable) for r in mine), key=int)
        return Status(code, *mine)

    def filter_vec(self, state, pod, snap):
        return np.array([not (self.filter(state, pod, ni) or Status()).is_success for ni in snap.infos], dtype=bool)


class VolumeRestrictions(_VolumePlugin):
    """upstream: pkg/scheduler/framework/plugins/volumerestrictions (ReadWriteOncePod)."""

    name = "VolumeRestrictions"
    codes = {"node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode":
             Code.Unschedulable}


class NodeVolumeLimits(_VolumePlugin):
    """upstream: pkg/scheduler/framework/plugins/nodevolumelimits/csi.go (attach limits per VM size)."""

    name = "NodeVolumeLimits"
    codes = {"node(s) exceed max volume count": Code.Unschedulable}


class VolumeBinding(_VolumePlugin):
    """upstream: pkg/scheduler/framework/plugins/volumebinding (PreFilter, Filter; PreBind in the component)."""

    name = "VolumeBinding"
    codes = {}


class VolumeZone(_VolumePlugin):
    """upstream: pkg/scheduler/framework/plugins/volumezone."""

    name = "VolumeZone"
    codes = {"node(s) had no available volume zone": Code.UnschedulableAndUnresolvable}


def with_lab(scheduler, lab) -> None:
    """Give a Scheduler's volume plugins a lab to read claims, volumes and classes from."""
    scheduler.lab = lab
    for fw in scheduler.profiles.values():
        for p in fw.plugins.values():
            if isinstance(p, _VolumePlugin):
                p.simulated = True


_CLAIMED = {r for cls in (VolumeRestrictions, NodeVolumeLimits, VolumeZone) for r in cls.codes}
