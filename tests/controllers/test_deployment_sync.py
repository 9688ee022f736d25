"""One Deployment sync as a pure function, with the tables of upstream sync_test.go, rolling_test.go, recreate_test.go."""

import pytest

from k8slab.controllers import deployment_util as du
from k8slab.controllers.deployment_sync import DeploymentSync, plan_sync
from k8slab.controllers.util import format_time

NEW, OLD, OLDER = 7200.0, 3600.0, 0.0  # upstream: newTimestamp, oldTimestamp, olderTimestamp (one hour apart)


def deployment(name="foo", replicas=1, history_limit=None, max_surge=0, max_unavailable=0, selector=None,
               strategy="RollingUpdate"):
    """upstream: deployment_controller_test.go newDeployment (maxSurge and maxUnavailable default to 0)."""
    spec = {"replicas": replicas, "selector": {"matchLabels": dict(selector or {})},
            "strategy": {"type": strategy},
            "template": {"metadata": {"labels": dict(selector or {})}, "spec": {"containers": [{"name": "c"}]}}}
    if strategy == "RollingUpdate":
        spec["strategy"]["rollingUpdate"] = {"maxSurge": max_surge, "maxUnavailable": max_unavailable}
    if history_limit is not None:
        spec["revisionHistoryLimit"] = history_limit
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}", "generation": 1,
                         "annotations": {}}, "spec": spec, "status": {}}


def rs(name, replicas, created=NEW, status_replicas=None, available=None, template=None, uid=None):
    """upstream: rs() and newRSWithStatus() of the deployment tests."""
    r = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
         "metadata": {"name": name, "namespace": "default", "uid": uid or f"uid-{name}",
                      "creationTimestamp": format_time(created), "annotations": {}},
         "spec": {"replicas": replicas, "template": template or {"metadata": {}, "spec": {"containers": [{"name": "x"}]}}},
         "status": {}}
    if status_replicas is not None:
        r["status"]["replicas"] = status_replicas
    if available is not None:
        r["status"]["availableReplicas"] = available
    return r


def sync_for(d, rss, now=NEW + 60):
    return DeploymentSync(d, rss, {}, now)


def sizes(sync, rss, wasnt_updated=()):
    out = {r["metadata"]["name"]: r["spec"]["replicas"] for r in rss}
    for a in sync.actions:
        if a.verb == "update" and a.obj["metadata"]["name"] not in wasnt_updated:
            out[a.obj["metadata"]["name"]] = a.obj["spec"]["replicas"]
    return out


# upstream: sync_test.go TestScale: (name, new replicas, old replicas, maxSurge new/old, new RS, old RSs, expected)
SCALE = [
    ("normal scaling event: 10 -> 12", 12, 10, 0, 0, ("foo-v1", 10, NEW), [], 12, [], {}, ()),
    ("normal scaling event: 10 -> 5", 5, 10, 0, 0, ("foo-v1", 10, NEW), [], 5, [], {}, ()),
    ("proportional scaling: 5 -> 10", 10, 5, 0, 0, ("foo-v2", 2, NEW), [("foo-v1", 3, OLD)], 4, [6], {}, ()),
    ("proportional scaling: 5 -> 3", 3, 5, 0, 0, ("foo-v2", 2, NEW), [("foo-v1", 3, OLD)], 1, [2], {}, ()),
    ("proportional scaling: 9 -> 4", 4, 9, 0, 0, ("foo-v2", 8, NEW), [("foo-v1", 1, OLD)], 4, [0], {}, ()),
    ("proportional scaling: 7 -> 10", 10, 7, 0, 0, ("foo-v3", 2, NEW), [("foo-v2", 3, OLD), ("foo-v1", 2, OLDER)],
     3, [4, 3], {}, ()),
    ("proportional scaling: 13 -> 8", 8, 13, 0, 0, ("foo-v3", 2, NEW), [("foo-v2", 8, OLD), ("foo-v1", 3, OLDER)],
     1, [5, 2], {}, ()),
    ("leftover distribution: 3 -> 4", 4, 3, 0, 0, ("foo-v3", 1, NEW), [("foo-v2", 1, OLD), ("foo-v1", 1, OLDER)],
     2, [1, 1], {}, ()),
    ("leftover distribution: 3 -> 2", 2, 3, 0, 0, ("foo-v3", 1, NEW), [("foo-v2", 1, OLD), ("foo-v1", 1, OLDER)],
     1, [1, 0], {}, ()),
    ("proportional scaling (no new rs): 4 -> 5", 5, 4, 0, 0, None, [("foo-v2", 2, OLD), ("foo-v1", 2, OLDER)],
     None, [3, 2], {}, ()),
    ("proportional scaling: 6 -> 0", 0, 6, 0, 0, ("foo-v3", 3, NEW), [("foo-v2", 2, OLD), ("foo-v1", 1, OLDER)],
     0, [0, 0], {}, ()),
    ("proportional scaling: 0 -> 6", 6, 6, 0, 0, ("foo-v3", 0, NEW), [("foo-v2", 0, OLD), ("foo-v1", 0, OLDER)],
     6, [0, 0], {}, ("foo-v2", "foo-v1")),
    ("failed rs update", 5, 5, 0, 0, ("foo-v3", 2, NEW), [("foo-v2", 1, OLD), ("foo-v1", 1, OLDER)],
     2, [2, 1], {"foo-v2": 3}, ("foo-v3", "foo-v1")),
    ("deployment with surge pods", 20, 10, 2, 2, ("foo-v2", 6, NEW), [("foo-v1", 6, OLD)], 11, [11], {}, ()),
    ("change both surge and size", 50, 10, 6, 3, ("foo-v2", 5, NEW), [("foo-v1", 8, OLD)], 22, [34], {}, ()),
]


@pytest.mark.parametrize("name, replicas, old_replicas, surge, old_surge, new, olds, want_new, want_old, desired_ann, "
                         "wasnt", SCALE, ids=[c[0] for c in SCALE])
def test_scale(name, replicas, old_replicas, surge, old_surge, new, olds, want_new, want_old, desired_ann, wasnt):
    d = deployment(replicas=replicas, max_surge=surge)
    old_d = deployment(replicas=old_replicas, max_surge=old_surge)
    new_rs = rs(*new) if new else None
    old_rss = [rs(*o) for o in olds]
    for r in ([new_rs] if new_rs else []) + old_rss:
        desired = desired_ann.get(r["metadata"]["name"], old_replicas)
        du.set_replicas_annotations(r, desired, desired + du.max_surge(old_d))
    sync = sync_for(d, ([new_rs] if new_rs else []) + old_rss)
    sync.scale(new_rs, old_rss)
    got = sizes(sync, ([new_rs] if new_rs else []) + old_rss, wasnt)
    if want_new is not None:
        assert got[new_rs["metadata"]["name"]] == want_new
    assert [got[o["metadata"]["name"]] for o in old_rss] == want_old


def test_scale_change_both_size_and_template():
    # upstream: TestScale "change both size and template": no new RS yet, the old ones scale proportionally
    d = deployment(replicas=14, selector={"foo": "bar"})
    d["spec"]["template"]["metadata"]["labels"]["another"] = "label"
    old_rss = [rs("foo-v2", 7, NEW), rs("foo-v1", 3, OLD)]
    for r in old_rss:
        du.set_replicas_annotations(r, 10, 10)
    sync = sync_for(d, old_rss)
    sync.scale(None, old_rss)
    assert sizes(sync, old_rss) == {"foo-v2": 10, "foo-v1": 4}


def test_scale_saturated_but_broken_new_replica_set_does_not_affect_old_pods():
    # upstream: TestScale "saturated but broken new replica set does not affect old pods"
    d = deployment(replicas=2, max_surge=1, max_unavailable=1)
    new_rs, old = rs("foo-v2", 2, NEW, available=0), rs("foo-v1", 1, OLD)
    for r in (new_rs, old):
        du.set_replicas_annotations(r, 2, 3)
    sync = sync_for(d, [new_rs, old])
    sync.scale(new_rs, [old])
    assert sizes(sync, [new_rs, old]) == {"foo-v2": 2, "foo-v1": 1}


# upstream: sync_test.go TestDeploymentController_cleanupDeployment: (spec, status replicas) per old RS
@pytest.mark.parametrize("olds, limit, deletions", [
    ([(0, 0), (0, 0), (0, 0)], 1, 2), ([(0, 0), (0, 1), (1, 0), (1, 1)], 0, 1), ([(0, 0), (0, 0)], 0, 2),
    ([(1, 1), (1, 1)], 0, 0), ("deleted", 0, 0), ([(0, 0), (0, 0), (0, 0)], 2**31 - 1, 0),
], ids=["keeps the newest within the limit", "only deletes replica sets with spec and status replicas 0",
        "a limit of 0 deletes every empty one", "never deletes one with pods",
        "skips one that is already being deleted", "with unlimited revisionHistoryLimit"])
def test_cleanup_deployment(olds, limit, deletions):
    if olds == "deleted":
        old_rss = [rs("foo-1", 0, status_replicas=0)]
        old_rss[0]["metadata"]["deletionTimestamp"] = format_time(0)
    else:
        old_rss = [rs(f"foo-{i + 1}", s, status_replicas=st) for i, (s, st) in enumerate(olds)]
    d = deployment(replicas=1, history_limit=limit, selector={"foo": "bar"})
    sync = sync_for(d, old_rss)
    sync.cleanup_deployment(old_rss)
    assert sum(a.verb == "delete" for a in sync.actions) == deletions


# upstream: rolling_test.go TestDeploymentController_reconcileNewReplicaSet
@pytest.mark.parametrize("dep_replicas, surge, old_replicas, new_replicas, scale_expected, want", [
    (10, 0, 10, 0, False, None), (10, 2, 10, 0, True, 2), (10, 2, 5, 0, True, 7), (10, 2, 10, 2, False, None),
    (10, 2, 2, 11, True, 10),
], ids=["should not scale up", "surge 2 scales up to 2", "room left by old pods is taken",
        "already at max surge", "should scale down"])
def test_reconcile_new_replica_set(dep_replicas, surge, old_replicas, new_replicas, scale_expected, want):
    new_rs, old = rs("foo-v2", new_replicas), rs("foo-v1", old_replicas, OLD)
    d = deployment(replicas=dep_replicas, max_surge=surge, max_unavailable=0)
    sync = sync_for(d, [new_rs, old])
    assert sync.reconcile_new_replica_set([new_rs, old], new_rs) is scale_expected
    updates = [a for a in sync.actions if a.verb == "update"]
    if scale_expected:
        assert len(updates) == 1 and updates[0].obj["spec"]["replicas"] == want
    else:
        assert updates == []


# upstream: rolling_test.go TestDeploymentController_reconcileOldReplicaSets
@pytest.mark.parametrize("dep_replicas, mu, old_replicas, new_replicas, ready_old, ready_new, scale_expected, want", [
    (10, 0, 10, 0, 10, 0, True, 9), (10, 2, 10, 0, 10, 0, True, 8), (10, 2, 10, 0, 8, 0, True, 8),
    (10, 2, 10, 0, 9, 0, True, 8), (10, 2, 8, 2, 8, 0, False, None),
], ids=["maxUnavailable 0 still lets one go (fencepost)", "two may go", "unhealthy old replicas are cleaned up",
        "one unhealthy cleaned up and one ready scaled down",
        "unavailable new pods do not let old ones go further"])
def test_reconcile_old_replica_sets(dep_replicas, mu, old_replicas, new_replicas, ready_old, ready_new,
                                    scale_expected, want):
    new_rs = rs("foo-new", new_replicas, available=ready_new)
    old = rs("foo-old", old_replicas, OLD, available=ready_old)
    d = deployment(replicas=dep_replicas, max_surge=0, max_unavailable=mu)
    sync = sync_for(d, [old, new_rs])
    assert sync.reconcile_old_replica_sets([old, new_rs], [old], new_rs) is scale_expected
    if want is not None:
        assert [a.obj["spec"]["replicas"] for a in sync.actions if a.verb == "update"][-1] == want


# upstream: rolling_test.go TestDeploymentController_cleanupUnhealthyReplicas
@pytest.mark.parametrize("old_replicas, ready, max_cleanup, want", [
    (10, 8, 1, 1), (10, 8, 3, 2), (10, 8, 0, 0), (10, 10, 3, 0),
], ids=["limited by maxCleanupCount", "all unhealthy ones", "nothing allowed", "nothing unhealthy"])
def test_cleanup_unhealthy_replicas(old_replicas, ready, max_cleanup, want):
    old = rs("foo-v2", old_replicas, available=ready)
    sync = sync_for(deployment(replicas=10, max_surge=2, max_unavailable=2), [old])
    _, count = sync.cleanup_unhealthy_replicas([old], max_cleanup)
    assert count == want


# upstream: rolling_test.go TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate
@pytest.mark.parametrize("dep_replicas, mu, ready, old_replicas, scale_expected, want", [
    (10, 0, 10, 10, True, 9), (10, 2, 10, 10, True, 8), (10, 2, 8, 10, False, None), (10, 2, 10, 0, False, None),
    (10, 2, 1, 10, False, None),
], ids=["maxUnavailable 0", "maxUnavailable 2", "not enough available", "nothing left to scale down",
        "far below the minimum"])
def test_scale_down_old_replica_sets_for_rolling_update(dep_replicas, mu, ready, old_replicas, scale_expected, want):
    old = rs("foo-v2", old_replicas, available=ready)
    sync = sync_for(deployment(replicas=dep_replicas, max_surge=0, max_unavailable=mu, selector={"foo": "bar"}),
                    [old])
    scaled = sync.scale_down_old_replica_sets_for_rolling_update([old], [old])
    assert (scaled > 0) is scale_expected
    if want is not None:
        assert [a.obj["spec"]["replicas"] for a in sync.actions if a.verb == "update"] == [want]


def test_scale_down_old_replica_sets_for_recreate():
    # upstream: recreate_test.go TestScaleDownOldReplicaSets
    d = deployment(replicas=3, selector={"foo": "bar"}, strategy="Recreate")
    old = rs("foo-0", 3, OLD, status_replicas=3)
    acts = plan_sync(d, [old], {}, NEW)
    assert [(a.obj["metadata"]["name"], a.obj["spec"]["replicas"]) for a in acts if a.verb == "update"] == [
        ("foo-0", 0)]


def pods(*phases):
    return [{"status": {"phase": p}} if p else {} for p in phases]


# upstream: recreate_test.go TestOldPodsRunning
@pytest.mark.parametrize("olds, pod_map, want", [
    ([], {}, False),
    ([rs("foo-some-uid", 0, uid="some-uid"), rs("foo-other-uid", 0, uid="other-uid")],
     {"some-uid": pods(None, None), "other-uid": pods(None, None)}, True),
    ([rs("rs-1", 0, status_replicas=1)], {}, True),
    ([rs("rs-1", 0, status_replicas=0)], {}, False),
    ([rs("rs-1", 0, status_replicas=0)], {"uid-1": pods("Failed", "Succeeded")}, False),
    ([rs("rs-1", 0, status_replicas=0)], {"uid-1": pods("Unknown")}, True),
    ([rs("rs-1", 0, status_replicas=0)], {"uid-1": pods("Pending")}, True),
    ([rs("rs-1", 0, status_replicas=0)], {"uid-1": pods("Running")}, True),
    ([rs("rs-1", 0, status_replicas=0)], {"uid-1": pods("Failed", "Succeeded"), "uid-2": [], "uid-3": pods("Pending")},
     True),
], ids=["no old RSs", "old RSs with running pods", "old RSs without pods but with non-zero status replicas",
        "old RSs without pods or non-zero status replicas",
        "old RSs with zero status replicas but pods in terminal state are present",
        "old RSs with zero status replicas but pod in unknown phase present",
        "old RSs with zero status replicas with pending pod present",
        "old RSs with zero status replicas with running pod present",
        "old RSs with zero status replicas but pods in terminal state and pending are present"])
def test_old_pods_running(olds, pod_map, want):
    sync = DeploymentSync(deployment(), olds, pod_map, 0)
    assert sync.old_pods_running(None, olds) is want


# -- whole syncs: the actions and the texts of events and conditions ------------------------------------------------
def applied(d):
    from k8slab.apiserver.defaults import apply_defaults

    return apply_defaults(d)


def test_first_sync_creates_the_new_replica_set_and_says_so():
    d = applied(deployment("web", replicas=3, max_surge="25%", max_unavailable="25%", selector={"app": "web"}))
    d["spec"]["progressDeadlineSeconds"] = 600
    acts = plan_sync(d, [], {}, 5.0)
    created = acts[0].obj
    h = created["metadata"]["labels"][du.HASH_LABEL]
    assert created["metadata"]["name"] == f"web-{h}"
    assert created["spec"]["replicas"] == 3
    assert created["spec"]["selector"]["matchLabels"] == {"app": "web", du.HASH_LABEL: h}
    assert created["metadata"]["annotations"] == {du.REVISION: "1", du.DESIRED_REPLICAS: "3", du.MAX_REPLICAS: "4"}
    assert acts[1].event == ("Normal", "ScalingReplicaSet", f"Scaled up replica set web-{h} from 0 to 3")
    status = acts[-1].obj["status"]
    progressing = du.get_condition(status, "Progressing")
    assert (progressing["reason"], progressing["message"]) == ("NewReplicaSetCreated",
                                                                f'Created new replica set "web-{h}"')
    available = du.get_condition(status, "Available")
    assert (available["status"], available["message"]) == ("False", "Deployment does not have minimum availability.")


def test_a_stuck_rollout_times_out_with_progress_deadline_exceeded():
    d = applied(deployment("web", replicas=1, max_surge=1, max_unavailable=0, selector={"app": "web"}))
    d["spec"]["progressDeadlineSeconds"] = 10
    new_rs = plan_sync(d, [], {}, 0.0)[0].obj
    new_rs["metadata"]["uid"] = "rs1"
    new_rs["status"] = {"replicas": 1, "observedGeneration": 1, "terminatingReplicas": 0}

    def sync_at(t):
        acts = plan_sync(d, [new_rs], {}, t)
        for a in acts:
            if a.verb == "status":
                d["status"], d["metadata"]["annotations"] = a.obj["status"], a.obj["metadata"]["annotations"]
        return acts

    sync_at(2.0)  # the pod exists but never becomes available: progress was last seen at 2 s
    assert du.get_condition(d["status"], "Progressing")["reason"] == "ReplicaSetUpdated"
    acts = sync_at(5.0)  # nothing new: requeue for the deadline, 2 + 10 - 5 = 7 s later
    assert [a.seconds for a in acts if a.verb == "requeue"] == [7.0]
    sync_at(12.5)
    cond = du.get_condition(d["status"], "Progressing")
    assert (cond["status"], cond["reason"], cond["message"]) == (
        "False", "ProgressDeadlineExceeded", f'ReplicaSet "{new_rs["metadata"]["name"]}" has timed out progressing.')
