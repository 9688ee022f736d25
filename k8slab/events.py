"""Events as components record them (client-go tools/record): one Event object per repeated occurrence, counted."""

from __future__ import annotations

from collections import OrderedDict
from functools import lru_cache

from k8slab.apiserver.server import EPOCH, APIServer, format_time

__all__ = ["EventRecorder"]

#: performance only: format_time truncates to whole seconds, so its text is memoized per second (many events
#: share an instant); and the epoch's POSIX time, used for event names, computed once
_format_second = lru_cache(maxsize=256)(format_time)
_EPOCH_TS = EPOCH.timestamp()


class EventRecorder:
    """Writes core/v1 Events through the API server, aggregating repeats like the event correlator.

    A repeat (same object, type, reason, message and source) bumps ``count`` and ``lastTimestamp``
    instead of writing a new Event (upstream: staging/src/k8s.io/client-go/tools/record/events_cache.go).
    """

    #: upstream events_cache.go: defaultAggregateMaxEvents, defaultAggregateIntervalInSeconds, aggregatedEventPrefix
    AGGREGATE_MAX_EVENTS = 10
    AGGREGATE_INTERVAL = 600
    AGGREGATE_PREFIX = "(combined from similar events): "
    #: upstream events_cache.go maxLruCacheEntries
    MAX_LRU_ENTRIES = 4096

    def __init__(self, api: APIServer):
        self.api = api
        # both caches are LRUs of MAX_LRU_ENTRIES, as upstream's: past that, the oldest series is forgotten and its
        # next occurrence starts a new Event (and a 30,000-pod lab's caches stay bounded)
        self._seen: OrderedDict[tuple, str] = OrderedDict()  # correlation key -> event name (eventLogger)
        # aggregate key -> (last time, distinct messages: one as a str, several as a set) (EventAggregator)
        self._similar: OrderedDict[tuple, tuple[float, str | set[str]]] = OrderedDict()
        self._last_nanos: OrderedDict[tuple[str, str], int] = OrderedDict()  # (namespace, name) -> next nanosecond
        self._res = api.resource("events")
        self._prefix = self._res.key("", "")[:-1]  # "/registry/events/"

    def _aggregate(self, key: tuple, message: str, now: float) -> tuple[str, bool]:
        """EventAggregator: from the 10th distinct message of one kind within 10 minutes, one combined event is updated.

        upstream events_cache.go EventAggregate: insert the message, aggregate when the set holds maxEvents, then
        PopAny (Go pops an arbitrary message; the lab pops the newest, so the outcome is deterministic).
        """
        # performance only: while a kind has one distinct message it is kept as a str, not a set (most kinds
        # never see a second one, and a set per event source weighs on memory and the garbage collector)
        found = _lru_get(self._similar, key)
        if found is None or now - found[0] > self.AGGREGATE_INTERVAL:
            _lru_put(self._similar, key, (now, message), self.MAX_LRU_ENTRIES)
            return message, False
        messages = found[1]
        if isinstance(messages, str):
            if messages == message:
                self._similar[key] = (now, messages)
                return message, False
            messages = {messages}
        self._similar[key] = (now, messages)
        messages.add(message)
        if len(messages) < self.AGGREGATE_MAX_EVENTS:
            return message, False
        messages.discard(message)
        return self.AGGREGATE_PREFIX + message, True

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
        clock = self.api.clock()
        message, combined = self._aggregate((meta.get("uid"), type_, reason, component, host), message, clock)
        # a combined event is found by its aggregate key, whatever its latest message
        key = (meta.get("uid"), type_, reason, None if combined else message, component, host)
        now = _format_second(int(clock))
        name = _lru_get(self._seen, key)
        if name is not None:
            ev = self.api.etcd.read(self._res.key(namespace, name))
            if ev is not None:  # else it was deleted (namespace deletion): start over
                ev["count"] = ev.get("count", 1) + 1
                ev["lastTimestamp"] = now
                ev["message"] = message
                self.api.write_status(self._res, ev)
                return
        # upstream names events "<object>.<unix nanoseconds in hex>"; same-instant events take the next free nanosecond
        # (the last nanosecond used per object is remembered, in an LRU like the others, to skip the probing)
        obj_key = (namespace, meta.get("name"))
        nanos = max(int((_EPOCH_TS + clock) * 1e9), _lru_get(self._last_nanos, obj_key) or 0)
        etcd, prefix = self.api.etcd, f"{self._prefix}{namespace}/"
        name = f"{meta.get('name')}.{nanos:x}"
        while etcd.get(prefix + name) is not None:
            nanos += 1
            name = f"{meta.get('name')}.{nanos:x}"
        _lru_put(self._last_nanos, obj_key, nanos + 1, self.MAX_LRU_ENTRIES)
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
        _lru_put(self._seen, key, name, self.MAX_LRU_ENTRIES)
        etcd.put(prefix + name, ev)  # what write_status does, with the key already at hand

    def for_object(self, obj: dict) -> list[dict]:
        """The events about one object, oldest first (what `kubectl describe` lists)."""
        meta = obj.get("metadata") or {}
        uid = meta.get("uid")
        evs = [e for e in self.api.list(self._res, meta.get("namespace") or "default")
               if e["involvedObject"].get("uid") == uid]
        return sorted(evs, key=lambda e: (e.get("firstTimestamp") or "", e["metadata"]["name"]))


# upstream uses github.com/golang/groupcache/lru: Get marks an entry recently used, Add evicts the least recent
def _lru_get(cache: OrderedDict, key):
    found = cache.get(key)
    if found is not None:
        cache.move_to_end(key)
    return found


def _lru_put(cache: OrderedDict, key, value, max_entries: int) -> None:
    cache[key] = value
    cache.move_to_end(key)
    if len(cache) > max_entries:
        cache.popitem(last=False)
