"""Events as components record them (client-go tools/record): one Event object per repeated occurrence, counted."""

from __future__ import annotations

from k8slab.apiserver.server import EPOCH, APIServer, format_time

__all__ = ["EventRecorder"]



class EventRecorder:
    """Writes core/v1 Events through the API server, aggregating repeats like the event correlator.

    A repeat (same object, type, reason, message and source) bumps ``count`` and ``lastTimestamp``
    instead of writing a new Event (upstream: staging/src/k8s.io/client-go/tools/record/events_cache.go).
    """

    def __init__(self, api: APIServer):
        self.api = api
        self._seen: dict[tuple, str] = {}  # correlation key -> event name
        self._res = api.resource("events")

    def record(self, obj: dict, type_: str, reason: str, message: str, component: str, host: str = "") -> None:
        meta = obj.get("metadata") or {}
        namespace = meta.get("namespace") or "default"
        involved = {
            "apiVersion": obj.get("apiVersion"),
            "kind": obj.get("kind"),
            "name": meta.get("name"),
            "namespace": meta.get("namespace"),
            "uid": meta.get("uid"),
            "resourceVersion": meta.get("resourceVersion"),
        }
        if not meta.get("namespace"):
            del involved["namespace"]
        key = (meta.get("uid"), type_, reason, message, component, host)
        now = format_time(self.api.clock())
        name = self._seen.get(key)
        if name is not None:
            try:
                ev = self.api.get(self._res, namespace, name)
            except Exception:  # the event was deleted (TTL or namespace deletion): start over
                ev = None
            if ev is not None:
                ev["count"] = ev.get("count", 1) + 1
                ev["lastTimestamp"] = now
                self.api.write_status(self._res, ev)
                return
        # upstream names events "<object>.<unix nanoseconds in hex>"
        nanos = int((EPOCH.timestamp() + self.api.clock()) * 1e9)
        name = f"{meta.get('name')}.{nanos:x}"
        while self.api.etcd.get(self._res.key(namespace, name)) is not None:
            nanos += 1
            name = f"{meta.get('name')}.{nanos:x}"
        source = {"component": component}
        if host:
            source["host"] = host
        ev = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": namespace, "uid": self.api.new_uid(), "creationTimestamp": now},
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "type": type_,
            "count": 1,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "source": source,
            "reportingComponent": component,
            "reportingInstance": host,
        }
        self._seen[key] = name
        self.api.write_status(self._res, ev)

    def for_object(self, obj: dict) -> list[dict]:
        """The events about one object, oldest first (what `kubectl describe` lists)."""
        meta = obj.get("metadata") or {}
        uid = meta.get("uid")
        evs = [e for e in self.api.list(self._res, meta.get("namespace") or "default")
               if e["involvedObject"].get("uid") == uid]
        return sorted(evs, key=lambda e: (e.get("firstTimestamp") or "", e["metadata"]["name"]))
