"""flowcontrol.Backoff and Go durations, with upstream's test tables.

upstream: staging/src/k8s.io/client-go/util/flowcontrol/backoff_test.go
"""

import pytest

from k8slab.kubelet.backoff import Backoff, go_duration


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_slow_backoff_doubles_up_to_the_max():
    # upstream: TestSlowBackoff
    tc = Clock()
    b = Backoff(1, 50, tc)
    got = []
    for _ in range(10):
        tc.t += 1
        got.append(b.get("_idSlow"))
        b.next("_idSlow", tc())
    assert got == [0, 1, 2, 4, 8, 16, 32, 50, 50, 50]
    b.next("_idSlow", tc())
    b.reset("_idSlow")
    assert b.get("_idSlow") == 0


def test_backoff_resets_after_twice_the_max():
    # upstream: TestBackoffReset
    tc = Clock()
    b = Backoff(1, 5, tc)
    for _ in range(6):
        tc.t += 1
        b.next("_idReset", tc())
    assert b.is_in_backoff_since("_idReset", tc())
    last = tc()
    tc.t += 2 * 5 + 1
    assert not b.is_in_backoff_since("_idReset", last)


def test_backoff_high_water_mark_stays_at_max():
    # upstream: TestBackoffHighWaterMark
    tc = Clock()
    b = Backoff(1, 5, tc)
    for _ in range(6):
        tc.t += 1
        b.next("_idHiWaterMark", tc())
    tc.t += 5 + 1
    b.next("_idHiWaterMark", tc())
    assert b.get("_idHiWaterMark") == 5


def test_backoff_gc_drops_entries_idle_for_twice_the_max():
    # upstream: TestBackoffGC
    tc = Clock()
    b = Backoff(1, 5, tc)
    for _ in range(6):
        tc.t += 1
        b.next("_idGC", tc())
    tc.t += 5 + 1
    b.gc()
    assert b.last_update("_idGC") is not None
    tc.t += 5 + 1
    b.gc()
    assert b.last_update("_idGC") is None


# upstream: TestIsInBackOffSinceUpdate (tick, inBackOff, value)
SINCE_UPDATE = [(0, False, 0), (1, False, 1), (2, True, 2), (3, False, 2), (4, True, 4), (5, True, 4), (6, True, 4),
                (7, False, 4), (8, True, 8), (9, True, 8), (10, True, 8), (11, True, 8), (12, True, 8), (13, True, 8),
                (14, True, 8), (15, False, 8), (16, True, 10), (17, True, 10), (18, True, 10), (19, True, 10),
                (20, True, 10), (21, True, 10), (22, True, 10), (23, True, 10), (24, True, 10), (25, False, 10),
                (26, True, 10), (27, True, 10), (28, True, 10), (29, True, 10), (30, True, 10), (31, True, 10),
                (32, True, 10), (33, True, 10), (34, True, 10), (35, False, 10), (56, False, 0), (57, False, 1)]


def test_is_in_backoff_since_update_follows_upstreams_table():
    tc = Clock()
    start = tc()
    b = Backoff(1, 10, tc)
    for tick, in_backoff, value in SINCE_UPDATE:
        tc.t = start + tick
        assert b.is_in_backoff_since_update("_id", tc()) == in_backoff, f"tick {tick}"
        if in_backoff:
            assert b.get("_id") == value, f"tick {tick}"
        else:
            b.next("_id", tc())


def test_the_kubelets_container_backoff_sequence():
    tc = Clock()
    b = Backoff(10, 300, tc)
    seq = []
    for _ in range(8):
        b.next("web", tc())
        seq.append(go_duration(b.get("web")))
    assert seq == ["10s", "20s", "40s", "1m20s", "2m40s", "5m0s", "5m0s", "5m0s"]


DURATIONS = [(0, "0s"), (1, "1s"), (10, "10s"), (59.5, "59.5s"), (60, "1m0s"), (80, "1m20s"), (300, "5m0s"),
             (3600, "1h0m0s"), (3661, "1h1m1s"), (1.375, "1.375s"), (0.31, "310ms"), (0.001, "1ms"),
             (0.0000015, "1.5µs"), (1e-9, "1ns"), (-2, "-2s")]


@pytest.mark.parametrize("seconds,text", DURATIONS, ids=[f"{s} s prints as {t}" for s, t in DURATIONS])
def test_go_duration_strings(seconds, text):
    # upstream: go/src/time/time_test.go durationTests
    assert go_duration(seconds) == text
