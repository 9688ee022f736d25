"""The thin loop every controller shares: watch events queue keys; a SimPy process reconciles them on the clock."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

__all__ = ["Component", "Controller"]


class Component:
    """Something the cluster runs: it attaches to the lab (watches, processes) and may be asked to resync."""

    name = "component"

    def attach(self, lab) -> None:  # pragma: no cover - interface
        """Register watches and SimPy processes on ``lab`` (lab.api, lab.env, lab.events, lab.rng)."""
        raise NotImplementedError

    def resync(self) -> None:
        """Rebuild caches from the store (after ``Cluster.load``)."""


class Controller(Component):
    """A work queue of keys (``namespace/name``) drained by a SimPy process, like client-go's workqueue.

    Subclasses set ``watches`` (resource names whose events enqueue keys, through :meth:`keys_for`) and implement
    :meth:`reconcile`. Reconciling happens at the simulated time the event arrived (plus ``delay``), so
    ``lab.apply(...)`` alone changes nothing until ``lab.run(...)`` moves the clock, as on a real cluster where
    controllers react a moment later.
    """

    watches: tuple[str, ...] = ()
    delay: float = 0.0

    def attach(self, lab) -> None:
        self.lab = lab
        self.api = lab.api
        self.env = lab.env
        # FIFO without duplicates; an OrderedDict pops its first key in O(1), where next(iter(dict)) after deleting
        # from the front scans the deleted slots (quadratic over a burst of 10,000 keys)
        self._queue: OrderedDict[str, None] = OrderedDict()
        self._wakeup = None
        for resource in self.watches:
            lab.api.watch(lab.api.resource(resource), self._on_event)
        self._process = lab.env.process(self._loop())

    def _on_event(self, event_type: str, obj: dict) -> None:
        for key in self.keys_for(event_type, obj):
            self.enqueue(key)

    def keys_for(self, event_type: str, obj: dict) -> Iterable[str]:
        """Which keys an event concerns; by default the object's own."""
        meta = obj.get("metadata") or {}
        yield f"{meta.get('namespace', '')}/{meta.get('name')}"

    def enqueue(self, key: str) -> None:
        self._queue[key] = None
        if self._wakeup is not None and not self._wakeup.triggered:
            self._wakeup.succeed()

    def enqueue_after(self, key: str, seconds: float) -> None:
        """Requeue later (AddAfter): for deadlines, back-off and periodic resyncs."""
        def later():
            yield self.env.timeout(seconds)
            self.enqueue(key)
        self.env.process(later())

    def _loop(self):
        while True:
            if not self._queue:
                self._wakeup = self.env.event()
                yield self._wakeup
                self._wakeup = None
            if self.delay:
                yield self.env.timeout(self.delay)
            while self._queue:
                key, _ = self._queue.popitem(last=False)
                self.reconcile(key)

    def reconcile(self, key: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError
