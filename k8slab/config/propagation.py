"""How ConfigMap and Secret changes reach pods: files at the kubelet's next pod sync, env only at a restart."""

# upstream: pkg/kubelet/pod_workers.go (workerResyncIntervalJitterFactor = 0.5, resync after wait.Jitter),
# pkg/kubelet/apis/config/v1beta1/defaults.go (syncFrequency 1m; configMapAndSecretChangeDetectionStrategy Watch),
# pkg/kubelet/kubelet_pods.go makeEnvironmentVariables; the docs' "Mounted ConfigMaps are updated automatically"
# (delay = kubelet sync period + cache propagation delay; subPath mounts never update; env needs a restart).

from __future__ import annotations

import base64
import random

from k8slab.controllers.base import Component
from k8slab.storage.volumes import VolumeError, _field, project_volume

__all__ = ["ConfigSync", "SYNC_FREQUENCY", "JITTER_FACTOR", "resolve_env", "EnvError"]

SYNC_FREQUENCY = 60.0
JITTER_FACTOR = 0.5


class EnvError(Exception):
    """A missing ConfigMap/Secret or key: the container cannot be created (CreateContainerConfigError)."""


def resolve_env(pod: dict, container: dict, lookup) -> dict[str, str]:
    """The environment a container starts with, from env (value, configMapKeyRef, secretKeyRef, fieldRef) and envFrom.

    ``lookup(kind, namespace, name)`` returns the ConfigMap or Secret dict, or None. Raises :class:`EnvError` with the
    kubelet's message for a missing object or key that is not optional.

    Examples
    --------
    >>> cm = {"data": {"LOG_LEVEL": "info"}}
    >>> pod = {"metadata": {"name": "web", "namespace": "default"}}
    >>> c = {"env": [{"name": "LEVEL", "valueFrom": {"configMapKeyRef": {"name": "app", "key": "LOG_LEVEL"}}}]}
    >>> resolve_env(pod, c, lambda kind, ns, name: cm)
    {'LEVEL': 'info'}
    >>> c = {"env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "app", "key": "nope"}}}]}
    >>> resolve_env(pod, c, lambda kind, ns, name: cm)
    Traceback (most recent call last):
    ...
    k8slab.config.propagation.EnvError: couldn't find key nope in ConfigMap default/app
    """
    ns = pod["metadata"].get("namespace", "default")
    env: dict[str, str] = {}

    def values(kind, name):
        obj = lookup(kind, ns, name)
        if obj is None:
            return None
        if kind == "Secret":
            return {k: base64.b64decode(v).decode(errors="replace") for k, v in (obj.get("data") or {}).items()}
        return dict(obj.get("data") or {})

    for src in container.get("envFrom") or ():  # upstream: envFrom first, then env overrides
        kind, ref = ("ConfigMap", src["configMapRef"]) if "configMapRef" in src else ("Secret", src.get("secretRef"))
        data = values(kind, ref["name"])
        if data is None:
            if ref.get("optional"):
                continue
            raise EnvError(f'{kind.lower()} "{ref["name"]}" not found')
        for k, v in data.items():
            env[src.get("prefix", "") + k] = v
    for e in container.get("env") or ():
        if "valueFrom" not in e:
            env[e["name"]] = e.get("value", "")
            continue
        vf = e["valueFrom"]
        if "fieldRef" in vf:
            env[e["name"]] = _field(pod, vf["fieldRef"]["fieldPath"])
            continue
        kind, ref = ("ConfigMap", vf["configMapKeyRef"]) if "configMapKeyRef" in vf else \
            ("Secret", vf.get("secretKeyRef"))
        if ref is None:
            continue  # resourceFieldRef: not simulated
        data = values(kind, ref["name"])
        if data is None:
            if ref.get("optional"):
                continue
            raise EnvError(f'{kind.lower()} "{ref["name"]}" not found')
        if ref["key"] not in data:
            if ref.get("optional"):
                continue
            raise EnvError(f"couldn't find key {ref['key']} in {kind} {ns}/{ref['name']}")
        env[e["name"]] = data[ref["key"]]
    return env


class ConfigSync(Component):
    """The kubelet's view of ConfigMap/Secret volumes and env (``lab.config``).

    Each bound pod is synced when it starts and then every ``SYNC_FREQUENCY`` seconds stretched by up to
    ``JITTER_FACTOR`` (one RNG seeded by the lab's seed, drawn in the clock's deterministic order, so runs
    repeat; upstream draws from Go's global math/rand). At each sync the pod's configMap/secret/projected/
    downwardAPI volumes are re-projected; env is captured once, at start.
    ``history`` records (time, pod, volume, what) for the propagation plot.
    """

    name = "configmap-volume-sync"

    def attach(self, lab) -> None:
        self.lab = lab
        self.env = lab.env
        lab.config = self
        self.snapshots: dict[tuple[str, str], dict] = {}
        self.start_snapshots: dict[tuple[str, str], dict] = {}
        self.env_at_start: dict[tuple[str, str], dict | str] = {}
        self.history: list[tuple[float, str, str, str]] = []
        #: (time, pod) of every pod sync, for the timeline plot
        self.syncs: list[tuple[float, str]] = []
        self._running: set[str] = set()
        self._shared: dict[tuple, dict] = {}  # snapshot content -> the one dict holding it
        self._decoded: dict[str, tuple[bytes, dict]] = {}  # key -> (stored bytes, decoded object)
        # one stream for all pods: a random.Random per pod weighed 2.5 KB (75 MB for 30,000 pods)
        self._rng = random.Random(f"{lab.seed}-podsync")
        #: uid -> the keys it has in snapshots, start_snapshots, env_at_start (a delete drops those, no scan of all)
        self._keys: dict[str, set[tuple[str, str]]] = {}
        lab.api.watch(lab.api.resource("pods"), self._on_pod)

    def _lookup(self, kind, ns, name):
        """The ConfigMap or Secret as stored now (read-only: it may be shared with other lookups)."""
        key = f"/registry/{'configmaps' if kind == 'ConfigMap' else 'secrets'}/{ns}/{name}"
        raw = self.lab.etcd.get(key)
        if raw is None:
            self._decoded.pop(key, None)
            return None
        # every write stores new bytes: the same bytes object means the same content, decoded once (every pod's
        # start read and decoded kube-root-ca.crt)
        hit = self._decoded.get(key)
        if hit is None or hit[0] is not raw:
            hit = self._decoded[key] = (raw, self.lab.etcd.read(key))
        return hit[1]

    def _on_pod(self, event: str, pod: dict) -> None:
        uid = pod["metadata"].get("uid")
        if event == "DELETED":
            self._running.discard(uid)
            for k in self._keys.pop(uid, ()):
                for d in (self.snapshots, self.start_snapshots, self.env_at_start):
                    d.pop(k, None)
            return
        if (pod.get("spec") or {}).get("nodeName") and uid not in self._running:
            self._running.add(uid)
            self._start(pod)
            self.env.process(self._loop(pod["metadata"]["namespace"], pod["metadata"]["name"], uid))

    def _start(self, pod: dict) -> None:
        uid = pod["metadata"]["uid"]
        for c in (pod.get("spec") or {}).get("containers") or ():
            self._keys.setdefault(uid, set()).add((uid, c["name"]))
            try:
                self.env_at_start[(uid, c["name"])] = resolve_env(pod, c, self._lookup)
            except EnvError as e:
                self.env_at_start[(uid, c["name"])] = str(e)
        self._sync(pod, start=True)

    def _sync(self, pod: dict, start: bool = False) -> None:
        uid = pod["metadata"]["uid"]
        name = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        self.syncs.append((self.env.now, name))
        for v in (pod.get("spec") or {}).get("volumes") or ():
            if not ("projected" in v or "configMap" in v or "secret" in v or "downwardAPI" in v):
                continue
            try:
                files = project_volume(pod, v, self._lookup)
            except VolumeError as e:
                files = {"__error__": (str(e).encode(), 0)}
            # pods mounting the same content share one read-only snapshot (every pod's kube-api-access volume holds
            # the same ca.crt and namespace: 1.2 KB a pod otherwise)
            if len(self._shared) > 4096:  # old contents are not kept forever: sharing starts over
                self._shared.clear()
            files = self._shared.setdefault(tuple(files.items()), files)
            key = (uid, v["name"])
            self._keys.setdefault(uid, set()).add(key)
            if start:
                self.start_snapshots[key] = files
            old = self.snapshots.get(key)
            if old != files:
                self.snapshots[key] = files
                self.history.append((self.env.now, name, v["name"], "mounted" if old is None else "updated"))

    def _loop(self, ns: str, name: str, uid: str):
        while uid in self._running:
            yield self.env.timeout(SYNC_FREQUENCY * (1 + JITTER_FACTOR * self._rng.random()))
            pod = self.lab.etcd.read(f"/registry/pods/{ns}/{name}")
            if pod is None or pod["metadata"].get("uid") != uid:
                return
            self._sync(pod)

    def files(self, pod: dict, volume: dict, sub_path: bool = False) -> dict:
        """What the volume shows in the pod: the last synced projection (the start one for subPath mounts)."""
        key = (pod["metadata"].get("uid"), volume["name"])
        snap = (self.start_snapshots if sub_path else self.snapshots).get(key)
        if snap is None:
            return project_volume(pod, volume, self._lookup)
        if "__error__" in snap:
            raise VolumeError(snap["__error__"][0].decode())
        return snap

    def env_of(self, pod_ref: str, container: str | None = None) -> dict[str, str]:
        """The environment the container started with (it does not follow ConfigMap changes)."""
        ns, _, name = pod_ref.rpartition("/")
        pod = self.lab.etcd.read(f"/registry/pods/{ns or 'default'}/{name}")
        c = container or pod["spec"]["containers"][0]["name"]
        val = self.env_at_start.get((pod["metadata"]["uid"], c))
        if isinstance(val, str):
            raise EnvError(val)
        return dict(val or {})
