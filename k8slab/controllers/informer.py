"""Shared informers: an in-memory cache of one resource fed by the watch, indexed by namespace, UID and controller."""

from __future__ import annotations

import weakref

__all__ = ["Informer", "informer"]

_INFORMERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class Informer:
    """What client-go's shared informer gives controllers: the objects of a resource, as last seen on the watch.

    Cached objects are shared: read them, never change them (copy first, as upstream's listers demand).

    Examples
    --------
    >>> from k8slab.cluster import Cluster
    >>> lab = Cluster(seed=0, components=[])
    >>> cms = informer(lab, "configmaps")
    >>> _ = lab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v"}})
    >>> cms.get("default", "a")["data"]
    {'k': 'v'}
    """

    def __init__(self, api, resource: str):
        self.api = api
        self.resource = api.resource(resource)
        self._objs: dict[str, dict] = {}  # "ns/name" -> object
        self._by_ns: dict[str, dict[str, dict]] = {}
        self._by_owner: dict[str, dict[str, dict]] = {}  # controller uid -> {key: object}
        self._by_uid: dict[str, dict] = {}
        #: callables (event type, object) told of every change after the cache has it (event handlers)
        self.listeners: list = []
        self.resync()
        api.watch(self.resource, self._on_event)

    @staticmethod
    def key(obj: dict) -> str:
        meta = obj.get("metadata") or {}
        return f"{meta.get('namespace') or ''}/{meta.get('name')}"

    def resync(self) -> None:
        """Rebuild from the store (after ``Cluster.load``)."""
        self._objs.clear()
        self._by_ns.clear()
        self._by_owner.clear()
        self._by_uid.clear()
        for obj in self.api.list(self.resource):
            self._add(obj)

    def _on_event(self, event_type: str, obj: dict) -> None:
        key = self.key(obj)
        old = self._objs.get(key)
        if old is not None and event_type != "DELETED" and _same_indexes(old["metadata"], obj["metadata"]):
            self._replace(key, obj)  # the common update (a status write): same namespace, uid and controller
        else:
            if old is not None:
                self._remove(key, old)
            if event_type != "DELETED":
                self._add(obj)
        if self.listeners:
            for listener in list(self.listeners):
                listener(event_type, obj)

    def _replace(self, key: str, obj: dict) -> None:
        meta = obj["metadata"]
        self._objs[key] = obj
        self._by_ns[meta.get("namespace") or ""][key] = obj
        if meta.get("uid"):
            self._by_uid[meta["uid"]] = obj
        self._by_owner[_controller_uid(meta)][key] = obj

    def _add(self, obj: dict) -> None:
        key = self.key(obj)
        meta = obj["metadata"]
        self._objs[key] = obj
        self._by_ns.setdefault(meta.get("namespace") or "", {})[key] = obj
        if meta.get("uid"):
            self._by_uid[meta["uid"]] = obj
        self._by_owner.setdefault(_controller_uid(meta), {})[key] = obj

    def _remove(self, key: str, obj: dict) -> None:
        meta = obj["metadata"]
        del self._objs[key]
        ns = self._by_ns.get(meta.get("namespace") or "")
        if ns is not None:
            ns.pop(key, None)
        if self._by_uid.get(meta.get("uid")) is obj:
            del self._by_uid[meta["uid"]]
        uid = _controller_uid(meta)
        owned = self._by_owner.get(uid)
        if owned is not None:
            owned.pop(key, None)
            if not owned:
                del self._by_owner[uid]

    # -- reads -------------------------------------------------------------------------------------------------
    def get(self, namespace: str | None, name: str) -> dict | None:
        return self._objs.get(f"{namespace or ''}/{name}")

    def get_by_uid(self, uid: str) -> dict | None:
        return self._by_uid.get(uid)

    def list(self, namespace: str | None = None) -> list[dict]:
        """Objects in a namespace (all when None), in name order."""
        if namespace is None:
            return [self._objs[k] for k in sorted(self._objs)]
        objs = self._by_ns.get(namespace) or {}
        return [objs[k] for k in sorted(objs)]

    def owned_by(self, uid: str) -> list[dict]:
        """Objects whose controller reference points at ``uid``, in name order."""
        objs = self._by_owner.get(uid) or {}
        return [objs[k] for k in sorted(objs)]

    def orphans(self, namespace: str) -> list[dict]:
        """Objects of a namespace without a controller reference (candidates for adoption), in name order."""
        objs = self._by_owner.get("") or {}
        return [objs[k] for k in sorted(objs) if objs[k]["metadata"].get("namespace") == namespace]

    def __len__(self) -> int:
        return len(self._objs)


def _same_indexes(old: dict, new: dict) -> bool:
    """Whether an update leaves the object under the same namespace, uid and controller in every index."""
    return (old.get("uid") == new.get("uid") and (old.get("namespace") or "") == (new.get("namespace") or "")
            and (old.get("ownerReferences") is new.get("ownerReferences")
                 or _controller_uid(old) == _controller_uid(new)))


def _controller_uid(meta: dict) -> str:
    for ref in meta.get("ownerReferences") or ():
        if ref.get("controller"):
            return ref.get("uid", "")
    return ""


def informer(lab, resource: str) -> Informer:
    """The lab's shared informer for a resource (created on first use)."""
    per_lab = _INFORMERS.setdefault(lab, {})
    inf = per_lab.get(resource)
    if inf is None:
        inf = per_lab[resource] = Informer(lab.api, resource)
    return inf
