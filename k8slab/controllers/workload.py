"""What the workload controllers add to the base loop: informers, a de-duplicating AddAfter, resync after load."""

from __future__ import annotations

from k8slab.controllers.base import Controller
from k8slab.controllers.informer import informer

__all__ = ["WorkloadController", "QUEUE_LATENCY"]

#: a delayed key comes back a moment after its deadline, never exactly at it (the lab's stand-in for the
#: work queue's scheduling latency, so that "strictly after the deadline" checks hold when it fires)
QUEUE_LATENCY = 0.001


class WorkloadController(Controller):
    """A :class:`Controller` with shared informers (``informers``: attribute name -> resource) for its reads."""

    informers: dict[str, str] = {}
    #: the resource whose objects are the work queue's keys (resynced after ``Cluster.load``)
    primary: str = ""

    def attach(self, lab) -> None:
        self._due: dict[str, float] = {}
        self._failures: dict[str, int] = {}
        for attr, resource in self.informers.items():
            setattr(self, attr, informer(lab, resource))
        super().attach(lab)

    def add_after(self, key: str, seconds: float) -> None:
        """client-go's ``AddAfter``: a key waiting already keeps the earlier of the two times."""
        due = self.env.now + max(seconds, 0.0) + QUEUE_LATENCY
        current = self._due.get(key)
        if current is not None and current <= due:
            return
        self._due[key] = due

        def later():
            yield self.env.timeout(due - self.env.now)
            if self._due.get(key) == due:
                del self._due[key]
                self.enqueue(key)
        self.env.process(later())

    def retry(self, key: str) -> None:
        """``AddRateLimited`` with the default controller rate limiter: 5 ms doubling per failure, at most 1000 s."""
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        self.add_after(key, min(0.005 * 2 ** min(failures, 20), 1000.0))  # 2**20 * 5 ms is past the cap

    def forget(self, key: str) -> None:
        """``Forget``: a successful sync resets the key's back-off."""
        self._failures.pop(key, None)

    def resync(self) -> None:
        for attr in self.informers:
            getattr(self, attr).resync()
        if self.env is not self.lab.env:  # Cluster.load gave the lab a new clock
            self.env = self.lab.env
            self._wakeup = None
            self._due = {}
            self._process = self.env.process(self._loop())
        if self.primary:
            primary = informer(self.lab, self.primary)
            for obj in primary.list():
                self.enqueue(primary.key(obj))
