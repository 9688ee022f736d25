"""client-go's flowcontrol.Backoff (crash-loop and image-pull back-off) and Go's time.Duration text."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Backoff", "go_duration", "CONTAINER_BACKOFF", "MAX_CONTAINER_BACKOFF", "IMAGE_BACKOFF"]

#: upstream: pkg/kubelet/kubelet.go backOffPeriod and MaxContainerBackOff (both back-offs: 10 s doubling to 300 s)
CONTAINER_BACKOFF = 10.0
MAX_CONTAINER_BACKOFF = 300.0
IMAGE_BACKOFF = 10.0
#: the simulated clock is a float: a back-off that ends "now" has ended (no Go nanosecond clock to compare)
_EPS = 1e-9


class Backoff:
    """Per-key exponential back-off: initial, doubling, capped; reset after 2 x max without an update.

    upstream: staging/src/k8s.io/client-go/util/flowcontrol/backoff.go (no jitter: the kubelet's are built
    with NewBackOff, jitter factor 0)

    Examples
    --------
    >>> now = [0.0]
    >>> b = Backoff(10, 300, clock=lambda: now[0])
    >>> delays = []
    >>> for _ in range(7):
    ...     b.next("web", now[0]); delays.append(b.get("web"))
    >>> delays
    [10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0]
    """

    def __init__(self, initial: float, maximum: float, clock: Callable[[], float]):
        self.initial = float(initial)
        self.maximum = float(maximum)
        self.clock = clock
        self._entries: dict[str, list[float]] = {}  # id -> [backoff, lastUpdate]

    def get(self, key: str) -> float:
        """The current back-off of ``key`` (0 when none)."""
        entry = self._entries.get(key)
        return entry[0] if entry else 0.0

    def next(self, key: str, event_time: float) -> None:
        """Move to the next step: the initial delay when new or expired, else double (capped)."""
        entry = self._entries.get(key)
        if entry is None or self._expired(event_time, entry[1]):
            entry = self._entries[key] = [self.initial, 0.0]
        else:
            entry[0] = min(entry[0] * 2, self.maximum)
        entry[1] = self.clock()

    def reset(self, key: str) -> None:
        self._entries.pop(key, None)

    def is_in_backoff_since(self, key: str, event_time: float) -> bool:
        """True while less than the back-off has passed since ``event_time`` (a container's finishedAt)."""
        entry = self._entries.get(key)
        if entry is None or self._expired(event_time, entry[1]):
            return False
        return self.clock() - event_time < entry[0] - _EPS

    def is_in_backoff_since_update(self, key: str, event_time: float) -> bool:
        """True while less than the back-off has passed since the last :meth:`next` (image pulls)."""
        entry = self._entries.get(key)
        if entry is None or self._expired(event_time, entry[1]):
            return False
        return event_time - entry[1] < entry[0] - _EPS

    def last_update(self, key: str) -> float | None:
        entry = self._entries.get(key)
        return entry[1] if entry else None

    def gc(self) -> None:
        """Drop entries not updated for 2 x max."""
        now = self.clock()
        for key in [k for k, (_, last) in self._entries.items() if now - last > self.maximum * 2]:
            del self._entries[key]

    def _expired(self, event_time: float, last_update: float) -> bool:
        # "consider stable if it's ok for twice the maxDuration"
        return event_time - last_update > self.maximum * 2


def go_duration(seconds: float) -> str:
    """Go's ``time.Duration.String()``: ``10s``, ``1m20s``, ``5m0s``, ``1.375s``, ``523ms``, ``0s``.

    upstream: go/src/time/time.go (Duration).String

    Examples
    --------
    >>> [go_duration(s) for s in (10, 80, 300, 1.375, 0.523, 0, 3600, 5400.5, 0.0000015)]
    ['10s', '1m20s', '5m0s', '1.375s', '523ms', '0s', '1h0m0s', '1h30m0.5s', '1.5µs']
    """
    nanos = round(seconds * 1e9)
    if nanos == 0:
        return "0s"
    sign = "-" if nanos < 0 else ""
    nanos = abs(nanos)
    if nanos < 1_000_000_000:
        for unit, scale in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if nanos >= scale:
                return sign + _frac(nanos, scale) + unit
    h, rem = divmod(nanos, 3600 * 10**9)
    m, rem = divmod(rem, 60 * 10**9)
    s = _frac(rem, 10**9) + "s"
    if h:
        return f"{sign}{h}h{m}m{s}"
    if m:
        return f"{sign}{m}m{s}"
    return sign + s


def _frac(value: int, scale: int) -> str:
    whole, frac = divmod(value, scale)
    if not frac:
        return str(whole)
    digits = len(str(scale)) - 1
    return f"{whole}." + f"{frac:0{digits}d}".rstrip("0")
