"""Volumes with data: what each volume of a pod holds (files), where the bytes live, and who keeps or loses them."""

# upstream: pkg/volume/configmap/configmap.go, pkg/volume/secret/secret.go, pkg/volume/projected/projected.go,
# pkg/volume/downwardapi/downwardapi.go (MakePayload, defaultMode/items/optional), pkg/volume/emptydir

from __future__ import annotations

import base64
import posixpath

from k8slab.controllers.base import Component
from k8slab.errors import K8sLabError, NotFound

__all__ = ["StorageData", "files_for", "project_volume", "VolumeError", "backing_of", "DEFAULT_MODE"]

#: upstream: v1.ConfigMapVolumeSourceDefaultMode / SecretVolumeSourceDefaultMode (0644)
DEFAULT_MODE = 0o644


class VolumeError(K8sLabError):
    """A volume that cannot be set up (the kubelet's FailedMount)."""


def _cm_payload(kind: str, obj: dict | None, name: str, source: dict, vol: str) -> dict[str, tuple[bytes, int]]:
    # upstream: configmap.MakePayload / secret.MakePayload via volumeutil.MakeKeyToPathPayload? (items, mode)
    optional = bool(source.get("optional"))
    if obj is None:
        if optional:
            return {}
        raise VolumeError(f'MountVolume.SetUp failed for volume "{vol}" : {kind.lower()} "{name}" not found')
    if kind == "Secret":
        data = {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}
    else:
        data = {k: v.encode() for k, v in (obj.get("data") or {}).items()}
        data.update({k: base64.b64decode(v) for k, v in (obj.get("binaryData") or {}).items()})
    mode = source.get("defaultMode", DEFAULT_MODE)
    out = {}
    items = source.get("items")
    if items:
        for it in items:
            key = it["key"]
            if key not in data:
                if optional:
                    continue
                what = "configmap references non-existent config key" if kind == "ConfigMap" \
                    else "references non-existent secret key"
                raise VolumeError(f'MountVolume.SetUp failed for volume "{vol}" : {what}: {key}')
            out[it.get("path") or key] = (data[key], it.get("mode", mode))
    else:
        for key, value in data.items():
            out[key] = (value, mode)
    return out


def _field(pod: dict, path: str) -> str:
    # upstream: pkg/fieldpath ExtractFieldPathAsString (metadata.labels/annotations render as k="v" lines)
    meta = pod.get("metadata") or {}
    if (path == "metadata.namespace" or path == "metadata.name") and isinstance(meta, dict):
        value = meta.get(path[9:])  # performance only: the walk below, for the paths every pod's volumes use
        return "" if value is None else str(value)
    if path in ("metadata.labels", "metadata.annotations"):
        m = meta.get(path.split(".")[1]) or {}
        return "\n".join(f'{k}="{v}"' for k, v in sorted(m.items()))
    if path.startswith("metadata.labels['") or path.startswith("metadata.annotations['"):
        kind, _, key = path[len("metadata."):].partition("['")
        return str((meta.get(kind) or {}).get(key.rstrip("']"), ""))
    cur = pod
    for part in path.split("."):
        cur = (cur or {}).get(part) if isinstance(cur, dict) else None
    return "" if cur is None else str(cur)


def _downward_payload(pod: dict, src: dict) -> dict[str, tuple[bytes, int]]:
    mode = src.get("defaultMode", DEFAULT_MODE)
    return {it["path"]: (_field(pod, (it.get("fieldRef") or {}).get("fieldPath", "")).encode(),
                         it.get("mode", mode)) for it in src.get("items") or () if it.get("fieldRef")}


def project_volume(pod: dict, volume: dict, lookup) -> dict[str, tuple[bytes, int]]:
    """The files of a configMap, secret, downwardAPI or projected volume: relative path -> (bytes, mode).

    ``lookup(kind, namespace, name)`` returns the ConfigMap or Secret dict, or None.

    Examples
    --------
    >>> cm = {"data": {"color": "blue", "size": "L"}}
    >>> pod = {"metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}}}
    >>> vol = {"name": "cfg", "configMap": {"name": "settings", "items": [{"key": "color", "path": "ui/color"}]}}
    >>> project_volume(pod, vol, lambda kind, ns, name: cm)
    {'ui/color': (b'blue', 420)}
    >>> project_volume(pod, {"name": "info", "downwardAPI": {"items": [
    ...     {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}}, lambda *a: None)
    {'labels': (b'app="web"', 420)}
    """
    ns = (pod.get("metadata") or {}).get("namespace", "default")
    vol = volume.get("name", "")
    if "configMap" in volume:
        src = volume["configMap"]
        return _cm_payload("ConfigMap", lookup("ConfigMap", ns, src.get("name")), src.get("name"), src, vol)
    if "secret" in volume:
        src = volume["secret"]
        return _cm_payload("Secret", lookup("Secret", ns, src.get("secretName")), src.get("secretName"), src, vol)
    if "downwardAPI" in volume:
        return _downward_payload(pod, volume["downwardAPI"])
    if "projected" in volume:
        src = volume["projected"]
        mode = src.get("defaultMode", DEFAULT_MODE)
        out: dict[str, tuple[bytes, int]] = {}
        # each source is projected as a volume of its own kind with the projection's defaultMode (the source's
        # own keys win), without building that volume (performance only)
        for s in src.get("sources") or ():
            if "configMap" in s:
                cm = {"defaultMode": mode, **s["configMap"]}
                out.update(_cm_payload("ConfigMap", lookup("ConfigMap", ns, cm.get("name")), cm.get("name"), cm, vol))
            elif "secret" in s:
                sec = dict(s["secret"])
                sec["secretName"] = sec.pop("name", None)
                sec = {"defaultMode": mode, **sec}
                out.update(_cm_payload("Secret", lookup("Secret", ns, sec.get("secretName")), sec.get("secretName"),
                                       sec, vol))
            elif "downwardAPI" in s:
                out.update(_downward_payload(pod, {"defaultMode": mode, **s["downwardAPI"]}))
            elif "serviceAccountToken" in s:
                out[s["serviceAccountToken"].get("path", "token")] = (b"<projected service account token: "
                                                                      b"not simulated>", mode)
        return out
    return {}


def backing_of(lab, pod: dict, volume: dict) -> str | None:
    """Where a volume's bytes live: ``emptydir:<pod uid>/<vol>``, ``pv:<volume handle>``, ``hostpath:<node>:<path>``."""
    meta = pod.get("metadata") or {}
    if "emptyDir" in volume:
        return f"emptydir:{meta.get('uid')}/{volume['name']}"
    if "hostPath" in volume:
        return f"hostpath:{(pod.get('spec') or {}).get('nodeName')}:{volume['hostPath'].get('path')}"
    if "persistentVolumeClaim" in volume:
        claim = lab.etcd.read(f"/registry/persistentvolumeclaims/{meta.get('namespace', 'default')}/"
                              f"{volume['persistentVolumeClaim'].get('claimName')}")
        if claim is None or not claim["spec"].get("volumeName"):
            return None
        pv = lab.etcd.read(f"/registry/persistentvolumes/{claim['spec']['volumeName']}")
        if pv is None:
            return None
        handle = (pv["spec"].get("csi") or {}).get("volumeHandle") or pv["metadata"]["name"]
        return f"pv:{handle}"
    if "csi" in volume:
        return None
    return None


def files_for(lab, pod: dict, volume: dict) -> dict[str, bytes]:
    """The files a volume shows inside the pod now (relative path -> bytes): the hook the kubelet mounts.

    ConfigMap, Secret and projected volumes show what the kubelet last synced (see :mod:`k8slab.config.propagation`);
    data volumes show what pods wrote; CSI secrets-store volumes show the vault's secrets.
    """
    store = getattr(lab, "storage", None)
    if any(k in volume for k in ("configMap", "secret", "downwardAPI", "projected")):
        sync = lab.components.get("configmap-volume-sync")
        if sync is not None:
            return {p: b for p, (b, _m) in sync.files(pod, volume).items()}
        return {p: b for p, (b, _m) in project_volume(pod, volume, _lookup(lab)).items()}
    if (volume.get("csi") or {}).get("driver") == "secrets-store.csi.k8s.io":
        from k8slab.secrets.csi_store import mount_files

        return mount_files(lab, pod, volume)
    key = backing_of(lab, pod, volume)
    if store is None or key is None:
        return {}
    return dict(store.data.get(key, {}))


def _lookup(lab):
    def get(kind: str, ns: str, name: str):
        prefix = "configmaps" if kind == "ConfigMap" else "secrets"
        return lab.etcd.read(f"/registry/{prefix}/{ns}/{name}")
    return get


class StorageData(Component):
    """The bytes inside volumes (``lab.storage``): write in one pod, read in another, lose them or keep them.

    emptyDir data goes with the pod; PersistentVolume data stays with the disk or share until it is deleted;
    hostPath data stays on the node.
    """

    name = "storage"

    def attach(self, lab) -> None:
        self.lab = lab
        lab.storage = self
        #: backing key -> {relative path: bytes}
        self.data: dict[str, dict[str, bytes]] = {}
        lab.api.watch(lab.api.resource("pods"), self._on_pod)

    def _on_pod(self, event: str, pod: dict) -> None:
        if event == "DELETED":
            uid = pod["metadata"].get("uid")
            for key in [k for k in self.data if k.startswith(f"emptydir:{uid}/")]:
                del self.data[key]

    def forget_volume(self, handle: str) -> None:
        """The disk or share was deleted: its data is gone."""
        self.data.pop(f"pv:{handle}", None)

    # -- the pod's view ------------------------------------------------------------------------------
    def _pod(self, pod_ref: str) -> dict:
        ns, _, name = pod_ref.rpartition("/")
        pod = self.lab.etcd.read(f"/registry/pods/{ns or 'default'}/{name}")
        if pod is None:
            raise NotFound(f'pods "{name}" not found')
        return pod

    def _resolve(self, pod: dict, path: str, container: str | None = None):
        spec = pod.get("spec") or {}
        cs = spec.get("containers") or []
        c = next((c for c in cs if c["name"] == container), None) if container else (cs[0] if cs else None)
        if c is None:
            raise NotFound(f'container {container} is not valid for pod {pod["metadata"]["name"]}')
        best = None
        for m in c.get("volumeMounts") or ():
            mp = m["mountPath"].rstrip("/") or "/"
            if path == mp or path.startswith(mp + "/"):
                if best is None or len(mp) > len(best[0]):
                    best = (mp, m)
        if best is None:
            raise K8sLabError(f"{path}: not on a volume (the container's own filesystem is not simulated)")
        mp, m = best
        vol = next(v for v in spec.get("volumes") or () if v["name"] == m["name"])
        rel = posixpath.join(m.get("subPath") or "", path[len(mp):].lstrip("/")).strip("/")
        return vol, rel, m

    def write(self, pod_ref: str, path: str, content, container: str | None = None) -> None:
        """Write a file from inside a pod (like ``kubectl exec POD -- sh -c 'echo ... > PATH'``)."""
        pod = self._pod(pod_ref)
        if not (pod.get("spec") or {}).get("nodeName"):
            raise K8sLabError(f'pod {pod["metadata"]["name"]} is not running on a node yet')
        vol, rel, m = self._resolve(pod, path, container)
        if m.get("readOnly") or any(k in vol for k in ("configMap", "secret", "projected", "downwardAPI", "csi")):
            raise K8sLabError(f"{path}: Read-only file system")
        key = backing_of(self.lab, pod, vol)
        if key is None:
            raise K8sLabError(f"{path}: the volume is not mounted yet")
        self.data.setdefault(key, {})[rel] = content.encode() if isinstance(content, str) else bytes(content)

    def read(self, pod_ref: str, path: str, container: str | None = None) -> str:
        """Read a file from inside a pod (``kubectl exec POD -- cat PATH``)."""
        pod = self._pod(pod_ref)
        vol, rel, _m = self._resolve(pod, path, container)
        files = files_for(self.lab, pod, vol)
        if rel not in files:
            raise NotFound(f"cat: can't open '{path}': No such file or directory")
        return files[rel].decode(errors="replace")

    def ls(self, pod_ref: str, path: str, container: str | None = None) -> list[str]:
        """File names under a directory of a mounted volume, sorted (``ls PATH``)."""
        pod = self._pod(pod_ref)
        vol, rel, _m = self._resolve(pod, path, container)
        prefix = rel + "/" if rel else ""
        return sorted({p[len(prefix):].split("/")[0] for p in files_for(self.lab, pod, vol) if p.startswith(prefix)})

    def memory_bytes(self, pod: dict) -> int:
        """Bytes held in the pod's ``emptyDir: {medium: Memory}`` volumes: they count against its memory."""
        total = 0
        for v in (pod.get("spec") or {}).get("volumes") or ():
            if (v.get("emptyDir") or {}).get("medium") == "Memory":
                total += sum(len(b) for b in self.data.get(f"emptydir:{pod['metadata'].get('uid')}/{v['name']}",
                                                           {}).values())
        return total
