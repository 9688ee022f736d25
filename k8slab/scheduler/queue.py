"""The scheduling queue: activeQ by priority then arrival, backoffQ, and unschedulable pods moved on cluster events."""

from __future__ import annotations

import heapq
import itertools
import math

from .podinfo import PodInfo

__all__ = ["SchedulingQueue", "QueuedPodInfo", "backoff_duration", "EVENTS_TO_REGISTER"]

# upstream: pkg/scheduler/apis/config/v1/defaults.go (podInitialBackoffSeconds=1, podMaxBackoffSeconds=10)
POD_INITIAL_BACKOFF = 1.0
POD_MAX_BACKOFF = 10.0
# upstream: pkg/scheduler/backend/queue/scheduling_queue.go DefaultPodMaxInUnschedulablePodsDuration, flush period
POD_MAX_IN_UNSCHEDULABLE = 300.0
UNSCHEDULABLE_FLUSH_PERIOD = 30.0

# Cluster events each plugin registers (upstream EventsToRegister, without the finer QueueingHint functions).
EVENTS_TO_REGISTER = {
    "NodeUnschedulable": {"NodeAdd", "NodeUpdate"},
    "NodeName": {"NodeAdd"},
    "TaintToleration": {"NodeAdd", "NodeUpdate", "PodUpdate"},
    "NodeAffinity": {"NodeAdd", "NodeUpdate", "PodUpdate"},
    "NodePorts": {"NodeAdd", "AssignedPodDelete"},
    "NodeResourcesFit": {"NodeAdd", "NodeUpdate", "AssignedPodDelete", "AssignedPodUpdate", "PodUpdate"},
    "PodTopologySpread": {"NodeAdd", "NodeUpdate", "NodeDelete", "AssignedPodAdd", "AssignedPodUpdate",
                          "AssignedPodDelete", "PodUpdate"},
    "InterPodAffinity": {"NodeAdd", "NodeUpdate", "AssignedPodAdd", "AssignedPodUpdate", "AssignedPodDelete",
                         "PodUpdate"},
    # upstream: volumebinding, volumezone, nodevolumelimits, volumerestrictions EventsToRegister
    "VolumeBinding": {"NodeAdd", "NodeUpdate", "PersistentVolumeClaimAdd", "PersistentVolumeClaimUpdate",
                      "PersistentVolumeAdd", "PersistentVolumeUpdate", "StorageClassAdd", "StorageClassUpdate"},
    "VolumeZone": {"NodeAdd", "NodeUpdate", "PersistentVolumeClaimAdd", "PersistentVolumeClaimUpdate",
                   "PersistentVolumeAdd", "PersistentVolumeUpdate", "StorageClassAdd"},
    "NodeVolumeLimits": {"NodeAdd", "AssignedPodDelete", "PersistentVolumeClaimAdd"},
    "VolumeRestrictions": {"AssignedPodDelete", "PersistentVolumeClaimAdd", "PersistentVolumeClaimUpdate"},
}


def backoff_duration(attempts: int, initial: float = POD_INITIAL_BACKOFF, maximum: float = POD_MAX_BACKOFF) -> float:
    """Back-off after ``attempts`` failed attempts: initial * 2**(attempts-1), capped at the maximum.

    upstream: pkg/scheduler/backend/queue/backoff.go calculateBackoffDuration

    Examples
    --------
    >>> [backoff_duration(a) for a in range(6)]
    [0, 1.0, 2.0, 4.0, 8.0, 10.0]
    """
    if attempts == 0:
        return 0
    d = initial
    for _ in range(1, attempts):
        if d > maximum - d:
            return maximum
        d += d
    return d


class QueuedPodInfo:
    """A pod in the queue: arrival timestamp, attempts, and the plugins that rejected it last time."""

    __slots__ = ("pi", "timestamp", "initial_attempt", "attempts", "rejectors", "seq", "cycle")

    def __init__(self, pi: PodInfo, now: float, seq: int):
        self.pi = pi
        self.timestamp = now
        self.initial_attempt = None
        self.attempts = 0
        self.rejectors: set[str] = set()
        self.seq = seq
        self.cycle = 0

    def backoff_expiry(self) -> float:
        return self.timestamp + backoff_duration(self.attempts)


class SchedulingQueue:
    """PriorityQueue with activeQ (heap), backoffQ (heap on expiry) and unschedulable pods.

    upstream: pkg/scheduler/backend/queue/scheduling_queue.go

    Examples
    --------
    >>> q = SchedulingQueue()
    >>> for name, prio in (("low", 0), ("high", 100), ("low2", 0)):
    ...     q.add(PodInfo({"metadata": {"name": name}, "spec": {"priority": prio}}), now=0.0)
    >>> [q.pop(0.0).pi.name for _ in range(3)]
    ['high', 'low', 'low2']
    """

    def __init__(self):
        self.active: list = []
        self.backoff: list = []
        self.unschedulable: dict[str, QueuedPodInfo] = {}
        self.gated: dict[str, QueuedPodInfo] = {}
        self.where: dict[str, str] = {}  # key -> "active" | "backoff" | "unschedulable" | "gated" | "inflight"
        self.infos: dict[str, QueuedPodInfo] = {}
        self._seq = itertools.count()
        self.scheduling_cycle = 0
        self.move_request_cycle = -1

    def __len__(self) -> int:
        return len(self.infos)

    def _push_active(self, q: QueuedPodInfo) -> None:
        # upstream: queuesort/priority_sort.go Less: higher priority first, then earlier timestamp
        heapq.heappush(self.active, (-q.pi.priority, q.timestamp, q.seq, q))
        self.where[q.pi.key] = "active"

    def _push_backoff(self, q: QueuedPodInfo) -> None:
        heapq.heappush(self.backoff, (q.backoff_expiry(), q.seq, q))
        self.where[q.pi.key] = "backoff"

    def add(self, pi: PodInfo, now: float) -> None:
        """A new pending pod (upstream Add): gated pods wait, others go to activeQ."""
        q = QueuedPodInfo(pi, now, next(self._seq))
        self.infos[pi.key] = q
        if pi.scheduling_gates:  # upstream: schedulinggates plugin PreEnqueue
            self.gated[pi.key] = q
            self.where[pi.key] = "gated"
            return
        self._push_active(q)

    def update(self, pi: PodInfo, now: float) -> None:
        """A pending pod changed: refresh it and move it out of unschedulable/gated (upstream Update)."""
        q = self.infos.get(pi.key)
        if q is None:
            self.add(pi, now)
            return
        q.pi = pi
        w = self.where.get(pi.key)
        if w == "gated":
            if not pi.scheduling_gates:
                del self.gated[pi.key]
                q.timestamp = now
                self._push_active(q)
        elif w == "unschedulable":
            del self.unschedulable[pi.key]
            self._requeue(q, now)
        # active/backoff entries keep their place; the refreshed PodInfo is used when popped

    def delete(self, key: str) -> None:
        """Forget a pod (deleted, or bound by someone else); heap entries are dropped lazily."""
        q = self.infos.pop(key, None)
        self.where.pop(key, None)
        self.unschedulable.pop(key, None)
        self.gated.pop(key, None)
        if q is not None:
            q.seq = -1  # tombstone

    def _requeue(self, q: QueuedPodInfo, now: float) -> None:
        if q.backoff_expiry() > now:
            self._push_backoff(q)
        else:
            self._push_active(q)

    def flush(self, now: float) -> None:
        """Move completed back-offs to activeQ and long-unschedulable pods out (upstream flush loops)."""
        while self.backoff and self.backoff[0][0] <= now:
            _, seq, q = heapq.heappop(self.backoff)
            if q.seq == seq and self.where.get(q.pi.key) == "backoff":
                self._push_active(q)
        for key, q in list(self.unschedulable.items()):
            if self._leftover_time(q) <= now:
                del self.unschedulable[key]
                self._requeue(q, now)

    @staticmethod
    def _leftover_time(q: QueuedPodInfo) -> float:
        # the flush loop runs every 30 s and moves pods unschedulable for strictly more than 5 minutes
        t = q.timestamp + POD_MAX_IN_UNSCHEDULABLE
        return (math.floor(t / UNSCHEDULABLE_FLUSH_PERIOD) + 1) * UNSCHEDULABLE_FLUSH_PERIOD

    def pop(self, now: float) -> QueuedPodInfo | None:
        """Next pod to schedule, or None; increments its attempts (upstream Pop)."""
        while self.active:
            _, _, seq, q = heapq.heappop(self.active)
            if q.seq != seq or self.where.get(q.pi.key) != "active":
                continue
            q.attempts += 1
            if q.initial_attempt is None:
                q.initial_attempt = now
            self.scheduling_cycle += 1
            q.cycle = self.scheduling_cycle
            self.where[q.pi.key] = "inflight"
            return q
        return None

    def done(self, key: str) -> None:
        """The pod was bound."""
        self.infos.pop(key, None)
        self.where.pop(key, None)

    def add_unschedulable(self, q: QueuedPodInfo, rejectors: set[str], now: float) -> None:
        """Put back a pod that failed (upstream AddUnschedulableIfNotPresent)."""
        if q.pi.key not in self.infos:
            return
        q.timestamp = now
        q.rejectors = set(rejectors)
        if self.move_request_cycle >= q.cycle or not rejectors:
            self._requeue(q, now)
        else:
            self.unschedulable[q.pi.key] = q
            self.where[q.pi.key] = "unschedulable"

    def move_all(self, event: str, now: float) -> int:
        """A cluster event: requeue unschedulable pods whose rejecting plugins care about it."""
        moved = 0
        for key, q in list(self.unschedulable.items()):
            if any(event in EVENTS_TO_REGISTER.get(p, ()) for p in q.rejectors) or not q.rejectors:
                del self.unschedulable[key]
                self._requeue(q, now)
                moved += 1
        self.move_request_cycle = self.scheduling_cycle
        return moved

    def next_time(self) -> float | None:
        """Earliest time a waiting pod becomes ready (back-off expiry or the unschedulable flush)."""
        live = [e[0] for e in self.backoff if e[2].seq == e[1] and self.where.get(e[2].pi.key) == "backoff"]
        times = [min(live)] if live else []
        times += [self._leftover_time(q) for q in self.unschedulable.values()]
        return min(times) if times else None

    def pending(self) -> list[PodInfo]:
        """Pods waiting in any sub-queue (for kubectl-like views)."""
        return [q.pi for q in self.infos.values()]
