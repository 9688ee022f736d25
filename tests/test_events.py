"""The event recorder correlates as client-go's does (tools/record/events_cache.go and events_cache_test.go)."""

import pytest

from k8slab.cluster import Cluster
from k8slab.events import EventRecorder


@pytest.fixture()
def lab():
    lab = Cluster(seed=0, components=[])
    lab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}})
    return lab


def _events(lab):
    evs = lab.api.list(lab.api.resource("events"), "default")
    return sorted(((e["message"], e["count"]) for e in evs), key=lambda m: m[0])


def _cm(lab):
    return lab.api.get(lab.api.resource("configmaps"), "default", "cm")


def test_the_same_event_just_counts(lab):  # upstream case "the-same-event-should-just-count"
    for _ in range(3):
        lab.events.record(_cm(lab), "Normal", "Synced", "same message", "test")
    assert _events(lab) == [("same message", 3)]


@pytest.mark.parametrize("distinct, want", [
    (9, [(f"message {i}", 1) for i in range(9)]),
    # upstream "similar-events-should-aggregate-event": the 10th distinct message within 10 minutes is combined
    (10, [("(combined from similar events): message 9", 1)] + [(f"message {i}", 1) for i in range(9)]),
    # later distinct ones update the one combined event, with the newest message
    (12, [("(combined from similar events): message 11", 3)] + [(f"message {i}", 1) for i in range(9)]),
], ids=["nine distinct messages stay separate", "the tenth is combined", "later ones bump the combined event"])
def test_similar_events_aggregate_from_the_tenth_distinct_message(lab, distinct, want):
    for i in range(distinct):
        lab.events.record(_cm(lab), "Normal", "Synced", f"message {i}", "test")
    assert _events(lab) == want


def test_a_message_seen_before_aggregation_still_counts_on_its_own_event(lab):
    for i in range(10):
        lab.events.record(_cm(lab), "Normal", "Synced", f"message {i}", "test")
    lab.events.record(_cm(lab), "Normal", "Synced", "message 0", "test")
    assert ("message 0", 2) in _events(lab)


def test_similar_events_more_than_ten_minutes_apart_are_not_combined(lab):
    for i in range(9):
        lab.events.record(_cm(lab), "Normal", "Synced", f"message {i}", "test")
    lab.run(EventRecorder.AGGREGATE_INTERVAL + 1)
    lab.events.record(_cm(lab), "Normal", "Synced", "message 9", "test")
    assert ("message 9", 1) in _events(lab)


@pytest.mark.parametrize("others, want_count", [(EventRecorder.MAX_LRU_ENTRIES - 1, 2),
                                                (EventRecorder.MAX_LRU_ENTRIES, 1)],
                         ids=["still cached: the count goes up", "evicted from the LRU: a new Event starts"])
def test_the_correlation_cache_is_an_lru_of_4096_entries(lab, others, want_count):
    cm = _cm(lab)
    lab.events.record(cm, "Normal", "Synced", "first", "test")
    for i in range(others):  # other series, each its own aggregate key (a different reason)
        lab.events.record(cm, "Normal", f"Reason{i}", "other", "test")
    lab.events.record(cm, "Normal", "Synced", "first", "test")
    firsts = [e["count"] for e in lab.api.list(lab.api.resource("events"), "default") if e["message"] == "first"]
    assert firsts[-1] == want_count and len(firsts) == (1 if want_count == 2 else 2)
