"""The kubelet's volume manager: a pod's containers start only once all its volumes are mounted."""

from __future__ import annotations

from k8slab.storage.volumes import VolumeError, project_volume

__all__ = ["VolumeManager", "MOUNT_RETRY_INITIAL", "MOUNT_RETRY_MAX"]

#: upstream: pkg/util/goroutinemap/exponentialbackoff (initialDurationBeforeRetry 500 ms, maxDurationBeforeRetry 2m2s)
MOUNT_RETRY_INITIAL = 0.5
MOUNT_RETRY_MAX = 122.0


class VolumeManager:
    """Sets up each volume of a pod (ConfigMap, Secret, projected, downward API; waits for attached disks).

    A volume that fails gives a ``FailedMount`` event and is retried after 0.5 s, doubling to 2m2s; the pod stays
    in ContainerCreating until every volume is mounted (upstream: pkg/kubelet/volumemanager reconciler and
    WaitForAttachAndMount; the 2m3s "Unable to attach or mount volumes" timeout event is not simulated).
    """

    def __init__(self, kubelet):
        self.kubelet = kubelet
        self.env = kubelet.env
        self._retry: dict[tuple[str, str], tuple[float, float]] = {}  # (pod uid, volume) -> (next try, last delay)
        self._mounted: set[str] = set()

    def _lookup(self, kind: str, ns: str, name: str):
        return self.kubelet.manager.lookup(kind, ns, name)

    def _setup(self, pw, volume: dict) -> str | None:
        """None when mounted; else the FailedMount message ("" when waiting quietly, e.g. for an attach)."""
        if "projected" in volume or "configMap" in volume or "secret" in volume or "downwardAPI" in volume:
            try:
                project_volume(pw.pod, volume, self._lookup)
            except VolumeError as e:
                return str(e)
            return None
        if "persistentVolumeClaim" in volume or "ephemeral" in volume:
            attach = self.kubelet.lab.components.get("attachdetach-controller")
            if attach is not None and not attach.is_attached(pw.pod):
                return ""
        return None

    def mount(self, pw) -> float | None:
        """None when the pod's volumes are all mounted, else the seconds until the next try."""
        if pw.uid in self._mounted:
            return None
        now = self.env.now
        waits = []
        for volume in (pw.pod.get("spec") or {}).get("volumes") or ():
            key = (pw.uid, volume.get("name", ""))
            state = self._retry.get(key)
            if state is not None and now < state[0]:
                waits.append(state[0] - now)
                continue
            err = self._setup(pw, volume)
            if err is None:
                self._retry.pop(key, None)
                continue
            if err:
                pw.pod_event("Warning", "FailedMount", err)
            delay = MOUNT_RETRY_INITIAL if state is None else min(state[1] * 2, MOUNT_RETRY_MAX)
            self._retry[key] = (now + delay, delay)
            waits.append(delay)
        if waits:
            return min(waits)
        self._mounted.add(pw.uid)
        return None

    def forget(self, pw) -> None:
        self._mounted.discard(pw.uid)
        for key in [k for k in self._retry if k[0] == pw.uid]:
            del self._retry[key]
