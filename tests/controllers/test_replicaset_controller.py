"""ReplicaSet controller: upstream replica_set_utils_test.go, controller_utils_test.go tables, and a lab scenario."""

import copy

import pytest

from k8slab.controllers.replicaset import calculate_status, manage_replicas
from k8slab.controllers.util import compute_hash, format_time, slow_start_batch, sort_pods_for_deletion

NOW = 30 * 86400.0  # a lab time with a month behind it
MONTH, H = 30 * 86400.0, 3600.0


def rs(replicas, labels, min_ready=0, conditions=None):
    r = {"metadata": {"name": "foo", "uid": "rs"},
         "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": dict(labels)}}}, "status": {}}
    if min_ready:
        r["spec"]["minReadySeconds"] = min_ready
    if conditions:
        r["status"]["conditions"] = conditions
    return r


def pod(name, labels, phase="Running", ready=True, ready_since=0.0):
    """upstream: replica_set_test.go newPod (ready since the lab's start)."""
    p = {"metadata": {"name": name, "uid": name, "labels": dict(labels)}, "spec": {"nodeName": "n"},
         "status": {"phase": phase}}
    if ready and phase == "Running":
        p["status"]["conditions"] = [{"type": "Ready", "status": "True",
                                      "lastTransitionTime": format_time(ready_since)}]
    return p


LABELS = {"name": "foo"}
FULL = {"name": "foo", "type": "production"}


# upstream: replica_set_utils_test.go TestCalculateStatus
@pytest.mark.parametrize("replicaset, pods, want", [
    (rs(2, FULL), [pod("pod1", FULL)], (1, 1, 1, 1)),
    (rs(1, LABELS), [pod("pod1", LABELS)], (1, 0, 1, 1)),
    (rs(2, FULL), [pod("pod1", FULL), pod("pod2", FULL)], (2, 2, 2, 2)),
    (rs(1, LABELS), [pod("pod1", LABELS), pod("pod2", LABELS)], (2, 0, 2, 2)),
    (rs(1, LABELS), [pod("pod1", LABELS), pod("pod2", FULL)], (2, 1, 2, 2)),
    (rs(2, FULL), [pod("pod1", FULL, phase="Pending")], (1, 1, 0, 0)),
    (rs(1, FULL, min_ready=3600), [pod("pod1", FULL, ready_since=NOW - 10)], (1, 1, 1, 0)),
], ids=["1 fully labelled pod", "1 not fully labelled pod", "2 fully labelled pods", "2 not fully labelled pods",
        "1 fully labelled pod, 1 not fully labelled pod", "1 non-ready pod", "1 ready but non-available pod"])
def test_calculate_status(replicaset, pods, want):
    # (the not-fully-labelled RS's template has only name=foo; the full RS's template has both labels)
    if replicaset["spec"]["template"]["metadata"]["labels"] == LABELS:
        replicaset["spec"]["template"]["metadata"]["labels"] = FULL
    st = calculate_status(replicaset, pods, [], None, NOW)
    assert (st["replicas"], st["fullyLabeledReplicas"], st["readyReplicas"], st["availableReplicas"]) == want


FAILURE = [{"type": "ReplicaFailure", "status": "True"}]


# upstream: replica_set_utils_test.go TestCalculateStatusConditions
@pytest.mark.parametrize("replicaset, n_pods, err, want", [
    (rs(2, LABELS), 1, "fake manageReplicasErr", [("ReplicaFailure", "True", "FailedCreate", "fake manageReplicasErr")]),
    (rs(2, LABELS), 3, "fake manageReplicasErr", [("ReplicaFailure", "True", "FailedDelete", "fake manageReplicasErr")]),
    (rs(10, LABELS, conditions=FAILURE), 1, None, []),
    (rs(10, LABELS, conditions=FAILURE), 1, "fake manageReplicasErr", [("ReplicaFailure", "True", None, None)]),
    (rs(2, LABELS), 1, None, []),
], ids=["manageReplicasErr != nil && failureCond == nil, diff < 0",
        "manageReplicasErr != nil && failureCond == nil, diff > 0", "manageReplicasErr == nil && failureCond != nil",
        "manageReplicasErr != nil && failureCond != nil", "manageReplicasErr == nil && failureCond == nil"])
def test_calculate_status_conditions(replicaset, n_pods, err, want):
    st = calculate_status(replicaset, [pod(f"pod{i}", LABELS) for i in range(n_pods)], [], err, NOW)
    got = [(c["type"], c["status"], c.get("reason"), c.get("message")) for c in st.get("conditions") or ()]
    assert got == want


def ranked(name, node, phase, ready, restarts, ready_since, created, annotations=None):
    """upstream: controller_utils_test.go TestSortingActivePodsWithRanks pod(); None is the zero time."""
    p = {"metadata": {"name": name, "uid": "", "annotations": annotations or {}}, "spec": {"nodeName": node},
         "status": {"phase": phase}}
    if created is not None:
        p["metadata"]["creationTimestamp"] = format_time(created)
    if ready:
        cond = {"type": "Ready", "status": "True"}
        if ready_since is not None:
            cond["lastTransitionTime"] = format_time(ready_since)
        p["status"]["conditions"] = [cond]
        p["status"]["containerStatuses"] = [{"restartCount": restarts}]
    return p


THEN = NOW - MONTH
P = {
    "unscheduled": ranked("unscheduled", "", "Pending", False, 0, None, None),
    "pending": ranked("pending", "node", "Pending", False, 0, None, None),
    "unknown": ranked("unknown-phase", "node", "Unknown", False, 0, None, None),
    "not-ready": ranked("not-ready", "node", "Running", False, 0, None, None),
    "ready-no-ltt": ranked("ready-no-last-transition-time", "node", "Running", True, 0, None, None),
    "ready-now": ranked("ready-now", "node", "Running", True, 0, NOW, NOW),
    "ready-then": ranked("ready-then", "node", "Running", True, 0, THEN, THEN),
    "high-restarts": ranked("ready-high-restarts", "node", "Running", True, 9001, NOW, NOW),
    "created-then": ranked("ready-now-created-then", "node", "Running", True, 0, NOW, THEN),
    "low-cost": ranked("low-deletion-cost", "node", "Running", True, 0, NOW, THEN,
                       {"controller.kubernetes.io/pod-deletion-cost": "10"}),
    "high-cost": ranked("high-deletion-cost", "node", "Running", True, 0, NOW, THEN,
                        {"controller.kubernetes.io/pod-deletion-cost": "100"}),
    "unscheduled-5h": ranked("unscheduled-5-hours", "", "Pending", False, 0, NOW - 5 * H, NOW - 5 * H),
    "unscheduled-8h": ranked("unscheduled-10-hours", "", "Pending", False, 0, NOW - 8 * H, NOW - 8 * H),
    "ready-2h": ranked("ready-2-hours", "", "Running", True, 0, NOW - 2 * H, THEN),
    "ready-5h": ranked("ready-5-hours", "", "Running", True, 0, NOW - 5 * H, THEN),
    "ready-8h": ranked("ready-10-hours", "", "Running", True, 0, NOW - 8 * H, THEN),
}


def order(a, ra, b, rb):
    return [p["metadata"]["name"] for p in sort_pods_for_deletion([a, b], [ra, rb], NOW)]


# upstream: TestSortingActivePodsWithRanks, equality tests
@pytest.mark.parametrize("p1, p2", [
    ("unscheduled", None), ("pending", None), ("unknown", None), ("not-ready", None), ("created-then", None),
    ("ready-now", None), ("ready-then", None), ("high-restarts", None), ("unscheduled-5h", "unscheduled-8h"),
    ("ready-5h", "ready-8h"),
], ids=lambda v: str(v))
def test_ranking_equal(p1, p2):
    a, b = P[p1], copy.deepcopy(P[p2 or p1])
    b["metadata"]["name"] += "-other"
    assert order(a, 1, b, 1) == [a["metadata"]["name"], b["metadata"]["name"]]
    assert order(b, 1, a, 1) == [b["metadata"]["name"], a["metadata"]["name"]]


# upstream: TestSortingActivePodsWithRanks, inequality tests (the deletion-cost-disabled case is left out)
@pytest.mark.parametrize("lesser, lr, greater, gr", [
    ("unscheduled", 1, "pending", 2), ("unscheduled", 2, "pending", 1), ("pending", 1, "unknown", 2),
    ("unknown", 1, "not-ready", 2), ("not-ready", 1, "ready-no-ltt", 1), ("ready-no-ltt", 1, "ready-now", 1),
    ("ready-now", 2, "ready-no-ltt", 1), ("ready-now", 1, "ready-then", 1), ("ready-now", 2, "ready-then", 1),
    ("high-restarts", 1, "ready-now", 1), ("ready-now", 2, "high-restarts", 1), ("ready-now", 1, "created-then", 1),
    ("created-then", 2, "ready-now", 1), ("low-cost", 2, "high-cost", 1), ("ready-2h", 1, "ready-5h", 1),
], ids=lambda v: str(v))
def test_ranking_less(lesser, lr, greater, gr):
    a, b = P[lesser], P[greater]
    assert order(a, lr, b, gr)[0] == a["metadata"]["name"]
    assert order(b, gr, a, lr)[0] == a["metadata"]["name"]


def test_manage_replicas_creates_at_most_a_burst():
    # upstream: replica_set.go BurstReplicas = 500
    assert manage_replicas(1200, [], [], NOW).create == 500


def test_manage_replicas_deletes_pods_doubled_up_on_a_node_first():
    # upstream: getPodsRankedByRelatedPodsOnSameNode: more related pods on the node, sooner deleted
    pods = [pod("a", LABELS), pod("b", LABELS), pod("c", LABELS)]
    pods[0]["spec"]["nodeName"] = pods[1]["spec"]["nodeName"] = "busy"
    pods[2]["spec"]["nodeName"] = "quiet"
    for p in pods:
        p["status"]["conditions"][0]["lastTransitionTime"] = format_time(NOW - 60)
    assert [p["metadata"]["name"] for p in manage_replicas(2, pods, pods, NOW).delete] in (["a"], ["b"])


# upstream: replica_set_test.go TestSlowStartBatch (batches 1, 2, 4, ...; a failing batch ends it)
@pytest.mark.parametrize("count, fail_from, want_successes, want_calls", [
    (10, None, 10, 10), (10, 1, 0, 1), (10, 4, 3, 7),
], ids=["callback function succeeds", "callback function fails", "callback function succeeds for 3 times"])
def test_slow_start_batch(count, fail_from, want_successes, want_calls):
    calls = []

    def fn():
        calls.append(1)
        if fail_from is not None and len(calls) >= fail_from:
            raise ValueError("fake error")

    successes, err = slow_start_batch(count, 1, fn)
    assert (successes, len(calls)) == (want_successes, want_calls)
    assert (err is None) is (fail_from is None)


def test_compute_hash_changes_with_the_collision_count():
    # upstream: controller_utils_test.go TestComputeHash ("simple", "using math.MaxInt64")
    t = {}
    assert compute_hash(t, 1) != compute_hash(t, 2)
    assert compute_hash(t, None) != compute_hash(t, 2**31 - 1)


# -- in the lab: the controller's writes, events and pod names ------------------------------------------------------
@pytest.fixture
def lab():
    import k8slab as kl

    return kl.Cluster(seed=0, components=["k8slab.controllers.replicaset:ReplicaSetController"])


RS = """
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27"}]}
"""


def events_of(lab, name):
    return [(e["type"], e["reason"], e["message"]) for e in lab.api.list(lab.api.resource("events"), "default")
            if e["involvedObject"]["name"] == name]


def test_a_replicaset_creates_its_pods_and_says_so(lab):
    lab.apply(RS)
    lab.run(1)
    pods = lab.api.list(lab.api.resource("pods"), "default")
    names = sorted(p["metadata"]["name"] for p in pods)
    assert len(names) == 3 and all(n.startswith("web-") and len(n) == len("web-") + 5 for n in names)
    assert sorted(events_of(lab, "web")) == sorted(("Normal", "SuccessfulCreate", f"Created pod: {n}") for n in names)
    ref = pods[0]["metadata"]["ownerReferences"][0]
    assert (ref["kind"], ref["name"], ref["controller"], ref["blockOwnerDeletion"]) == ("ReplicaSet", "web", True, True)
    status = lab.api.get(lab.api.resource("replicasets"), "default", "web")["status"]
    assert status == {"replicas": 3, "fullyLabeledReplicas": 3, "observedGeneration": 1, "terminatingReplicas": 0}


def test_scaling_down_deletes_the_not_ready_pod_first(lab):
    lab.apply(RS)
    lab.run(1)
    res = lab.api.resource("pods")
    pods = lab.api.list(res, "default")
    for p in pods[:2]:  # two pods are Running and Ready, the third still Pending
        p = copy.deepcopy(p)
        p["spec"]["nodeName"] = "n1"
        p["status"].update(phase="Running", conditions=[{"type": "Ready", "status": "True",
                                                         "lastTransitionTime": format_time(lab.now)}])
        lab.api.write_status(res, p)
    lab.kubectl("scale rs/web --replicas=2")
    lab.run(1)
    left = {p["metadata"]["name"] for p in lab.api.list(res, "default")}
    assert left == {p["metadata"]["name"] for p in pods[:2]}
    assert ("Normal", "SuccessfulDelete", f"Deleted pod: {pods[2]['metadata']['name']}") in events_of(lab, "web")


def test_an_orphan_pod_that_matches_is_adopted(lab):
    lab.apply("""
apiVersion: v1
kind: Pod
metadata: {name: stray, labels: {app: web}}
spec: {containers: [{name: web, image: "nginx:1.27"}]}
""")
    lab.apply(RS)
    lab.run(1)
    pods = lab.api.list(lab.api.resource("pods"), "default")
    assert len(pods) == 3
    stray = lab.api.get(lab.api.resource("pods"), "default", "stray")
    assert stray["metadata"]["ownerReferences"][0]["name"] == "web"
