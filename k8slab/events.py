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
        # both caches are LRUs of MAX_LRU_ENTRIES, as upstream's (github.com/golang/groupcache/lru: Get marks an entry
        # recently used, Add evicts the least recent): past that, the oldest series is forgotten and its next
        # occurrence starts a new Event (and a 30,000-pod lab's caches stay bounded). The LRU operations are written
        # inline in record and _aggregate_seen (performance only).
        self._seen: OrderedDict[tuple, str] = OrderedDict()  # correlation key -> event name (eventLogger)
        # aggregate key -> (last time, distinct messages: one as a str, several as a set) (EventAggregator)
        self._similar: OrderedDict[tuple, tuple[float, str | set[str]]] = OrderedDict()
        # (namespace, name) -> the next free nanosecond, for the objects that had events at the current instant
        self._instant: float | None = None
        self._next_nanos: dict[tuple[str, str], int] = {}
        self._res = api.resource("events")
        self._prefix = self._res.key("", "")[:-1]  # "/registry/events/"

    def _aggregate_seen(self, key: tuple, found: tuple, message: str, now: float) -> tuple[str, bool]:
        """EventAggregator for a kind already cached (``record`` handles a new one): from the 10th distinct message
        of one kind within 10 minutes, one combined event is updated.

        upstream events_cache.go EventAggregate: insert the message, aggregate when the set holds maxEvents, then
        PopAny (Go pops an arbitrary message; the lab pops the newest, so the outcome is deterministic).
        ``found`` is the kind's cache entry.
        """
        # performance only: while a kind has one distinct message it is kept as a str, not a set (most kinds
        # never see a second one, and a set per event source weighs on memory and the garbage collector)
        similar = self._similar
        similar.move_to_end(key)  # the LRU's Get marks it recently used
        if now - found[0] > self.AGGREGATE_INTERVAL:
            similar[key] = (now, message)
            return message, False
        messages = found[1]
        if isinstance(messages, str):
            if messages == message:
                similar[key] = (now, messages)
                return message, False
            messages = {messages}
        similar[key] = (now, messages)
        messages.add(message)
        if len(messages) < self.AGGREGATE_MAX_EVENTS:
            return message, False
        messages.discard(message)
        return self.AGGREGATE_PREFIX + message, True

    def record(self, obj: dict, type_: str, reason: str, message: str, component: str, host: str = "") -> None:
        meta = obj.get("metadata") or {}
        obj_ns, obj_name, uid = meta.get("namespace"), meta.get("name"), meta.get("uid")
        namespace = obj_ns or "default"
        if obj_ns:
            involved = {"apiVersion": obj.get("apiVersion"), "kind": obj.get("kind"), "name": obj_name,
                        "namespace": obj_ns, "uid": uid, "resourceVersion": meta.get("resourceVersion")}
        else:
            involved = {"apiVersion": obj.get("apiVersion"), "kind": obj.get("kind"), "name": obj_name, "uid": uid,
                        "resourceVersion": meta.get("resourceVersion")}
        api = self.api
        clock = api.clock()
        max_entries = self.MAX_LRU_ENTRIES
        # EventAggregator (see _aggregate), its common case inlined: a kind not in the cache
        agg_key = (uid, type_, reason, component, host)
        similar = self._similar
        found = similar.get(agg_key)
        if found is None:
            similar[agg_key] = (clock, message)  # a new key goes last, as the LRU's Add puts it
            if len(similar) > max_entries:
                similar.popitem(last=False)
            key = (uid, type_, reason, message, component, host)
        else:
            message, combined = self._aggregate_seen(agg_key, found, message, clock)
            # a combined event is found by its aggregate key, whatever its latest message
            key = (uid, type_, reason, None if combined else message, component, host)
        now = _format_second(int(clock))
        seen = self._seen
        name = seen.get(key)
        if name is not None:
            seen.move_to_end(key)
            ev = api.etcd.read(self._res.key(namespace, name))
            if ev is not None:  # else it was deleted (namespace deletion): start over
                ev["count"] = ev.get("count", 1) + 1
                ev["lastTimestamp"] = now
                ev["message"] = message
                api.write_status(self._res, ev)
                return
        # upstream names events "<object>.<unix nanoseconds in hex>"; same-instant events take the next free nanosecond
        # (remembered per object for the current instant only, to skip most of the probing: the clock never goes back)
        if clock != self._instant:
            self._instant, self._next_nanos = clock, {}
        next_nanos = self._next_nanos
        obj_key = (namespace, obj_name)
        nanos = int((_EPOCH_TS + clock) * 1e9)
        used = next_nanos.get(obj_key)
        if used is not None and used > nanos:
            nanos = used
        etcd, prefix = api.etcd, f"{self._prefix}{namespace}/"
        name = f"{obj_name}.{nanos:x}"
        key_ = prefix + name
        while etcd.get(key_) is not None:
            nanos += 1
            name = f"{obj_name}.{nanos:x}"
            key_ = prefix + name
        next_nanos[obj_key] = nanos + 1
        ev = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": namespace, "uid": api.new_uid(), "creationTimestamp": now},
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "type": type_,
            "count": 1,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "source": {"component": component, "host": host} if host else {"component": component},
            "reportingComponent": component,
            "reportingInstance": host,
        }
        seen[key] = name
        if len(seen) > max_entries:
            seen.popitem(last=False)
        etcd.put(key_, ev)  # what write_status does, with the key already at hand

    def for_object(self, obj: dict) -> list[dict]:
        """The events about one object, oldest first (what `kubectl describe` lists)."""
        meta = obj.get("metadata") or {}
        uid = meta.get("uid")
        evs = [e for e in self.api.list(self._res, meta.get("namespace") or "default")
               if e["involvedObject"].get("uid") == uid]
        return sorted(evs, key=lambda e: (e.get("firstTimestamp") or "", e["metadata"]["name"]))
