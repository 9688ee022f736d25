"""An etcd-like key-value store: keys as kube-apiserver lays them out, values as stored bytes, one revision counter."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import orjson

__all__ = ["Etcd", "WatchEvent"]

#: a watch callback gets (event type, key, object dict); types as in watch.EventType: ADDED, MODIFIED, DELETED
WatchEvent = Callable[[str, str, dict], None]

_json_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _dumps(obj: dict) -> bytes:
    """Compact UTF-8 JSON. orjson writes the same bytes as the standard library, ~10x faster; what it refuses
    (integers beyond 64 bits, non-string keys) goes through the standard library, as everything did before."""
    try:
        # orjson's result keeps its 4 KiB working buffer (tracemalloc: 4,097 bytes for '{"a":1}'): a stored value
        # is copied to its own size, or 150,000 stored events would hold 600 MB of slack
        return bytes(memoryview(orjson.dumps(obj)))
    except TypeError:  # orjson.JSONEncodeError
        return _json_dumps(obj).encode()


_json_decode = json.JSONDecoder().decode


def _loads(raw: bytes) -> dict:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:  # what only the standard library wrote (see _dumps)
        return _json_decode(raw.decode("utf-8", "surrogatepass"))


class Etcd:
    """Keys such as ``/registry/pods/default/web`` mapped to the bytes kube-apiserver would write.

    Values are compact JSON, readable as they are (a real kube-apiserver writes built-in kinds as
    protobuf behind a ``k8s\\x00`` prefix; the lab keeps JSON so learners can read what is stored).
    A value transformer (encryption at rest) may be set: it maps (key, plaintext bytes) to stored bytes.
    One revision counter for the whole store, like etcd's; it becomes ``metadata.resourceVersion``.

    Examples
    --------
    >>> db = Etcd()
    >>> db.put("/registry/configmaps/default/a", {"metadata": {"name": "a"}})
    1
    >>> db.get("/registry/configmaps/default/a")
    b'{"metadata":{"name":"a","resourceVersion":"1"}}'
    """

    def __init__(self):
        self._data: dict[str, bytes] = {}
        # every directory of every key -> its keys, so a range read costs what it returns, not the store's size
        self._dirs: dict[str, set[str]] = {}
        self.revision = 0
        self._watchers: list[tuple[str, Callable, bool]] = []
        #: (key, bytes) -> bytes, applied on write; and its inverse on read (see k8slab secrets)
        self.transform_to_storage: Callable[[str, bytes], bytes] | None = None
        self.transform_from_storage: Callable[[str, bytes], bytes] | None = None

    # -- raw access, as etcdctl sees it ---------------------------------------------------------
    def get(self, key: str) -> bytes | None:
        """The stored bytes under ``key`` (what ``etcdctl get`` prints), or None."""
        return self._data.get(key)

    def keys(self, prefix: str = "/registry/") -> list[str]:
        """Keys under a prefix, sorted as etcd's range reads return them."""
        if prefix.endswith("/"):
            return sorted(self._dirs.get(prefix, ()))
        return sorted(k for k in self._data if k.startswith(prefix))

    def count(self, prefix: str) -> int:
        """How many keys lie under a directory prefix (``/registry/pods/``)."""
        return len(self._dirs.get(prefix, ()))

    def _index(self, key: str) -> None:
        i = key.find("/", 1)
        while i != -1:
            self._dirs.setdefault(key[: i + 1], set()).add(key)
            i = key.find("/", i + 1)

    def _unindex(self, key: str) -> None:
        i = key.find("/", 1)
        while i != -1:
            d = self._dirs.get(key[: i + 1])
            if d is not None:
                d.discard(key)
                if not d:
                    del self._dirs[key[: i + 1]]
            i = key.find("/", i + 1)

    def __len__(self) -> int:
        return len(self._data)

    # -- object access, as the apiserver's storage layer uses it ---------------------------------
    def read(self, key: str) -> dict | None:
        raw = self._data.get(key)
        if raw is None:
            return None
        if self.transform_from_storage is not None:
            raw = self.transform_from_storage(key, raw)
        return _loads(raw)

    def scan(self, prefix: str) -> Iterator[dict]:
        """Decode every object whose key starts with ``prefix``, in key order."""
        decode = self.transform_from_storage
        for key in self.keys(prefix):
            raw = self._data[key]
            yield _loads(decode(key, raw) if decode else raw)

    def put(self, key: str, obj: dict) -> int:
        """Store ``obj`` under ``key`` with the next revision as its resourceVersion; notify watchers."""
        self.revision += 1
        obj.setdefault("metadata", {})["resourceVersion"] = str(self.revision)
        raw = _dumps(obj)
        if self.transform_to_storage is not None:
            raw = self.transform_to_storage(key, raw)
        existed = key in self._data
        self._data[key] = raw
        if not existed:
            self._index(key)
        self._notify("MODIFIED" if existed else "ADDED", key, obj)
        return self.revision

    def remove(self, key: str) -> dict | None:
        """Delete ``key``; return the last object stored there (None when absent)."""
        obj = self.read(key)
        if obj is None:
            return None
        del self._data[key]
        self._unindex(key)
        self.revision += 1
        # upstream apiserver/pkg/storage/etcd3/watcher.go prepareObjs: "this sends the *old* object with the etcd
        # revision for the time at which it gets deleted"
        obj.setdefault("metadata", {})["resourceVersion"] = str(self.revision)
        self._notify("DELETED", key, obj)
        return obj

    def rewrite_all(self, prefix: str) -> int:
        """Read and write back every value under ``prefix`` (what key rotation does); returns the count."""
        count = 0
        for key in self.keys(prefix):
            obj = self.read(key)
            raw = _dumps(obj)
            self._data[key] = self.transform_to_storage(key, raw) if self.transform_to_storage else raw
            count += 1
        return count

    # -- watch -------------------------------------------------------------------------------------
    def watch(self, prefix: str, callback: WatchEvent, with_key: bool = True) -> None:
        """Call ``callback(type, key, obj)`` (``callback(type, obj)`` without the key) for every later change under
        ``prefix``."""
        self._watchers.append((prefix, callback, with_key))
        self.__dict__.pop("_by_resource", None)

    def _candidates(self, key: str) -> list[tuple[str, Callable, bool]]:
        # watchers that can match keys of this key's resource ("/registry/<resource>/..."), in registration order:
        # a lab has dozens of watchers, a write concerns a few
        by = self.__dict__.setdefault("_by_resource", {})
        parts = key.split("/", 3)
        res = parts[2] if len(parts) > 3 and parts[1] == "registry" else None
        found = by.get(res)
        if found is None:
            base = f"/registry/{res}/" if res is not None else key
            found = by[res] = [w for w in self._watchers
                               if base.startswith(w[0]) or w[0].startswith(base)] if res is not None else list(
                self._watchers)
        return found

    def _notify(self, event_type: str, key: str, obj: dict) -> None:
        for prefix, callback, with_key in self._candidates(key):
            if key.startswith(prefix):
                if with_key:
                    callback(event_type, key, obj)
                else:
                    callback(event_type, obj)

    # -- persistence -------------------------------------------------------------------------------
    def dump(self) -> dict:
        return {"revision": self.revision, "data": {k: v.decode("latin-1") for k, v in self._data.items()}}

    def restore(self, state: dict) -> None:
        self.revision = int(state["revision"])
        self._data = {k: v.encode("latin-1") for k, v in state["data"].items()}
        self._dirs = {}
        for key in self._data:
            self._index(key)
