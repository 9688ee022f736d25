"""Scheduler end to end: events and FailedScheduling messages, queue and back-off, preemption, explain, profiles."""

import pytest
from schedtest import node, pod

from k8slab.scheduler import Profile, Scheduler, fit_error_message, num_feasible_nodes_to_find
from k8slab.scheduler.queue import backoff_duration
from k8slab.scheduler.status import Code, Status

GPU_TAINT = [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def lab(**kw):
    events = []
    clock = Clock()
    s = Scheduler(emit_event=lambda o, t, r, m: events.append((o["metadata"]["name"], t, r, m)), clock=clock, **kw)
    s.add_node(node("aks-node-1"))
    s.add_node(node("aks-node-2", taints=GPU_TAINT))
    s.add_node(node("aks-node-3", taints=GPU_TAINT))
    return s, events, clock


def test_scheduled_event_text():
    s, events, _ = lab()
    s.add_pod(pod("web", {"cpu": "1"}))
    assert s.schedule_pending() == 1
    assert events == [("web", "Normal", "Scheduled", "Successfully assigned default/web to aks-node-1")]


def test_failed_scheduling_message_when_preemption_cannot_help():
    # upstream: types.go FitError.Error + default_preemption.go "preemption: " + FitError of the dry run.
    # The inner message ends with "." and the separator adds another: real clusters print "..".
    s, events, _ = lab()
    s.add_pod(pod("big", {"cpu": "5"}))
    assert s.schedule_pending() == 0
    assert events[-1] == ("big", "Warning", "FailedScheduling",
                          "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint(s). "
                          "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..")


def test_failed_scheduling_message_without_victims():
    s, events, _ = lab()
    s.add_pod(pod("web", {"cpu": "3"}))
    s.add_pod(pod("more", {"cpu": "2"}))
    s.schedule_pending()
    assert events[-1][3] == ("0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint(s). "
                             "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, "
                             "2 Preemption is not helpful for scheduling..")


def test_preemption_policy_never_message():
    s, events, _ = lab()
    s.add_pod(pod("web", {"cpu": "3"}))
    s.schedule_pending()
    s.add_pod(pod("vip", {"cpu": "2"}, priority=1000, policy="Never"))
    s.schedule_pending()
    assert events[-1][3].endswith("preemption: not eligible due to preemptionPolicy=Never..")


@pytest.mark.parametrize("statuses, want", [
    ([Status(Code.Unschedulable, "Insufficient cpu", "Insufficient memory")] * 2 + [
        Status(Code.UnschedulableAndUnresolvable, "node(s) didn't match Pod's node affinity/selector")],
     "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu, "
     "2 Insufficient memory."),
    ([Status(Code.Unschedulable, "Too many pods")] * 10 + [Status(Code.Unschedulable, "Insufficient cpu")] * 2,
     "0/12 nodes are available: 10 Too many pods, 2 Insufficient cpu."),
], ids=["reasons are counted and sorted as strings", "counts sort as text: 10 before 2"])
def test_fit_error_histogram(statuses, want):
    # upstream: types.go FitError.Error sorts "<count> <reason>" strings with sort.Strings
    assert fit_error_message(len(statuses), statuses) == want


def test_preemption_evicts_lowest_priority_victims_and_nominates():
    evicted = []
    s, events, clock = lab(evict=lambda p, msg: evicted.append((p["metadata"]["name"], msg)))
    s.add_pod(pod("low", {"cpu": "2"}, priority=0, start="2025-01-01T00:00:00Z"))
    s.add_pod(pod("mid", {"cpu": "1"}, priority=100, start="2025-01-01T00:00:00Z"))
    s.schedule_pending()
    s.add_pod(pod("vip", {"cpu": "2"}, priority=1000))
    assert s.schedule_pending() == 0
    # removing "low" (priority 0) is enough; "mid" is reprieved
    assert evicted == [("low", "default-scheduler: preempting to accommodate a higher priority pod")]
    assert ("low", "Normal", "Preempted", "Preempted by pod default/vip on node aks-node-1") in events
    assert events[-1][2] == "FailedScheduling" and "preemption" not in events[-1][3]
    assert s.queue.infos["default/vip"].pi.nominated_node_name == "aks-node-1"
    s.remove_pod("default", "low")  # the cluster deletes the victim
    clock.t = 1.0  # first back-off is 1 s
    assert s.schedule_pending() == 1
    assert events[-1][3] == "Successfully assigned default/vip to aks-node-1"


def test_backoff_and_retry_on_node_add():
    s, events, clock = lab()
    s.add_pod(pod("big", {"cpu": "6"}))
    s.schedule_pending()
    assert s.next_retry_time() == 330.0  # unschedulable: flushed after 5 min, on the 30 s flush tick
    s.add_node(node("aks-node-4", cpu="8"))  # NodeAdd moves it; back-off (1 s) not yet over
    assert s.next_retry_time() == 1.0
    assert s.schedule_pending() == 0
    clock.t = 1.0
    assert s.schedule_pending() == 1


def test_backoff_durations():
    # upstream: backoff.go calculateBackoffDuration with podInitialBackoffSeconds=1, podMaxBackoffSeconds=10
    assert [backoff_duration(a) for a in (1, 2, 3, 4, 5, 9)] == [1, 2, 4, 8, 10, 10]


def test_queue_pops_by_priority_then_arrival():
    order = []
    s = Scheduler(bind=lambda p, n: order.append(p["metadata"]["name"]))
    s.add_node(node("n1"))
    for name, prio in (("a", 0), ("b", 10), ("c", 0), ("d", 10)):
        s.add_pod(pod(name, priority=prio))
    s.schedule_pending()
    assert order == ["b", "d", "a", "c"]


def test_explain_report_shape():
    s, _, _ = lab()
    r = s.explain(pod("web", {"cpu": "1", "memory": "1Gi"}))
    assert r.selected == "aks-node-1" and r.message == ""
    v = r.nodes["aks-node-2"]
    assert (v.passed, v.plugin, v.reason) == (False, "TaintToleration", "node(s) had untolerated taint(s)")
    assert r.nodes["aks-node-1"].passed and r.sampled == ["aks-node-1"]
    assert "only one feasible node: scoring skipped, as upstream does" in r.notes
    assert "VolumeBinding: not simulated" in r.notes
    assert "<table>" in r._repr_html_()
    assert s.node_of("default/web") is None  # explain does not bind


def test_explain_scores_are_normalized_and_weighted():
    s = Scheduler()
    s.add_node(node("small", cpu="2", mem="4Gi"))
    s.add_node(node("large", cpu="8", mem="16Gi"))
    r = s.explain(pod("web", {"cpu": "1", "memory": "1Gi"}))
    large, small = r.nodes["large"], r.nodes["small"]
    # LeastAllocated: large (7000/8000 -> 87, 15/16 -> 93) -> 90 ; small (50, 75) -> 62
    assert large.scores["NodeResourcesFit"] == 90 and small.scores["NodeResourcesFit"] == 62
    assert large.weighted["TaintToleration"] == 300  # weight 3
    assert large.total == sum(large.weighted.values())
    assert r.selected == "large"
    names, plugins, m = r.matrix()
    assert m.shape == (2, len(plugins))


def test_most_allocated_profile_bin_packs():
    s = Scheduler(profiles=[Profile(scoring_strategy="MostAllocated")])
    s.add_node(node("small", cpu="2", mem="4Gi"))
    s.add_node(node("large", cpu="8", mem="16Gi"))
    assert s.explain(pod("web", {"cpu": "1", "memory": "1Gi"})).selected == "small"


def test_num_feasible_nodes_to_find():
    # upstream: schedule_one_test.go TestNumFeasibleNodesToFind
    assert num_feasible_nodes_to_find(None, 10) == 10
    assert num_feasible_nodes_to_find(40, 10) == 10
    assert num_feasible_nodes_to_find(None, 1000) == 420
    assert num_feasible_nodes_to_find(40, 1000) == 400
    assert num_feasible_nodes_to_find(None, 6000) == 300
    assert num_feasible_nodes_to_find(40, 6000) == 2400


def test_pod_topology_spread_and_anti_affinity_filters():
    s = Scheduler()
    for i, z in enumerate("aab"):
        s.add_node(node(f"n{i}", labels={"topology.kubernetes.io/zone": z}))
    spread = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
               "labelSelector": {"matchLabels": {"app": "web"}}}]
    for i in range(4):
        s.add_pod(pod(f"web-{i}", labels={"app": "web"}, spread=spread))
    assert s.schedule_pending() == 4
    zones = {"n0": "a", "n1": "a", "n2": "b"}
    per_zone = [zones[s.node_of(f"default/web-{i}")] for i in range(4)]
    assert sorted(per_zone) == ["a", "a", "b", "b"]
    anti = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "kubernetes.io/hostname"}]}}
    for i in range(4):
        s.add_pod(pod(f"db-{i}", labels={"app": "db"}, affinity=anti))
    assert s.schedule_pending() == 3
    r = s.explain("default/db-3")
    assert {v.reason for v in r.nodes.values()} == {"node(s) didn't match pod anti-affinity rules"}
    assert r.message.startswith("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.")


def test_profile_from_config_and_two_profiles():
    cfg = {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
           "profiles": [{"schedulerName": "default-scheduler"},
                        {"schedulerName": "bin-packing", "pluginConfig": [
                            {"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "MostAllocated"}}}]}]}
    s = Scheduler(profiles=Profile.from_config(cfg))
    s.add_node(node("small", cpu="2", mem="4Gi"))
    s.add_node(node("large", cpu="8", mem="16Gi"))
    p = pod("web", {"cpu": "1", "memory": "1Gi"})
    assert s.explain(p).selected == "large"
    p["spec"]["schedulerName"] = "bin-packing"
    assert s.explain(p).selected == "small"
