"""Deployment arithmetic, with the tables of upstream pkg/controller/deployment/util/deployment_util_test.go."""

import pytest

from k8slab.controllers import deployment_util as du


def deployment(replicas=1, max_surge=None, max_unavailable=None, strategy="RollingUpdate", **spec):
    s = {"replicas": replicas, "strategy": {"type": strategy}, **spec}
    if strategy == "RollingUpdate":
        s["strategy"]["rollingUpdate"] = {"maxSurge": max_surge, "maxUnavailable": max_unavailable}
    return {"metadata": {"name": "foo", "generation": 1, "annotations": {}}, "spec": s, "status": {}}


def rs(name, spec_replicas, created=0.0, annotations=None, template=None, **status):
    from k8slab.controllers.util import format_time

    return {"metadata": {"name": name, "uid": name, "creationTimestamp": format_time(created),
                         "annotations": dict(annotations or {})},
            "spec": {"replicas": spec_replicas, "template": template or {}}, "status": status}


# upstream: TestResolveFenceposts
@pytest.mark.parametrize("surge, unavailable, desired, want", [
    ("0%", "0%", 0, (0, 1)),
    ("39%", "39%", 10, (4, 3)),
], ids=["both zero percent gives one unavailable", "39 percent of 10 rounds surge up and unavailable down"])
def test_resolve_fenceposts(surge, unavailable, desired, want):
    assert du.resolve_fenceposts(surge, unavailable, desired) == want


@pytest.mark.parametrize("surge, unavailable", [("oops", "39%"), ("55%", "urg")],
                         ids=["a bad maxSurge is an error", "a bad maxUnavailable is an error"])
def test_resolve_fenceposts_errors(surge, unavailable):
    with pytest.raises(ValueError):
        du.resolve_fenceposts(surge, unavailable, 10)


# the examples of ResolveFenceposts' doc comment: (desired, maxUnavailable, maxSurge) -> (surge, unavailable)
@pytest.mark.parametrize("desired, unavailable, surge, want", [
    (2, "1%", "0%", (0, 1)), (1, "1%", "0%", (0, 1)), (2, "25%", "1%", (1, 0)), (1, "25%", "1%", (1, 0)),
    (2, "0%", "1%", (1, 0)), (1, "0%", "1%", (1, 0)),
], ids=lambda v: str(v))
def test_resolve_fenceposts_doc_examples(desired, unavailable, surge, want):
    assert du.resolve_fenceposts(surge, unavailable, desired) == want


# upstream: TestMaxUnavailable
@pytest.mark.parametrize("d, want", [
    (deployment(10, 1, 5), 5), (deployment(10, 1, 10), 10), (deployment(5, 1, 10), 5), (deployment(0, 1, 10), 0),
    (deployment(strategy="Recreate"), 0), (deployment(10, 1, "50%"), 5), (deployment(10, 1, "100%"), 10),
    (deployment(5, 1, "100%"), 5),
], ids=["maxUnavailable less than replicas", "maxUnavailable equal replicas", "maxUnavailable greater than replicas",
        "maxUnavailable with replicas is 0", "maxUnavailable with Recreate deployment strategy",
        "maxUnavailable less than replicas with percents", "maxUnavailable equal replicas with percents",
        "maxUnavailable greater than replicas with percents"])
def test_max_unavailable(d, want):
    assert du.max_unavailable(d) == want


# upstream: TestNewRSNewReplicas (the other ReplicaSet has 5 replicas; maxUnavailable 1)
@pytest.mark.parametrize("strategy, dep_replicas, new_replicas, surge, want", [
    ("RollingUpdate", 1, 5, 1, 5), ("RollingUpdate", 6, 2, 10, 6), ("Recreate", 3, 1, 1, 3),
], ids=["can not scale up - to newRSReplicas", "scale up - to depReplicas", "recreate - to depReplicas"])
def test_new_rs_new_replicas(strategy, dep_replicas, new_replicas, surge, want):
    d = deployment(dep_replicas, surge, 1)
    d["spec"]["strategy"]["type"] = strategy
    new = rs("new", new_replicas)
    assert du.new_rs_new_replicas(d, [rs("rs5", 5)], new) == want


# upstream: TestGetReplicaCountForReplicaSets
@pytest.mark.parametrize("sets, count, actual", [
    ([rs("rs1", 1, replicas=2)], 1, 2), ([rs("rs1", 1, replicas=2), rs("rs2", 2, replicas=3)], 3, 5),
], ids=["1:2 Replicas", "3:5 Replicas"])
def test_replica_counts(sets, count, actual):
    assert du.replica_count(sets) == count
    assert du.actual_replica_count(sets) == actual


# upstream: TestDeploymentComplete: deployment(desired, current, updated, available, maxUnavailable, maxSurge)
@pytest.mark.parametrize("desired, current, updated, available, mu, ms, want", [
    (5, 5, 5, 4, 1, 0, False), (5, 5, 5, 3, 1, 0, False), (5, 5, 5, 5, 0, 0, True), (5, 5, 4, 5, 0, 0, False),
    (1, 2, 1, 1, 0, 1, False), (1, 1, 1, 0, 1, 1, False),
], ids=["not complete: min but not all pods become available", "not complete: min availability is not honored",
        "complete", "not complete: all pods are available but not updated", "not complete: still running old pods",
        "not complete: one replica deployment never comes up"])
def test_deployment_complete(desired, current, updated, available, mu, ms, want):
    d = deployment(desired, ms, mu)
    d["metadata"]["generation"] = 0
    status = {"replicas": current, "updatedReplicas": updated, "availableReplicas": available}
    assert du.deployment_complete(d, status) is want


# upstream: TestDeploymentProgressing: (current, updated, ready, available) before and after
@pytest.mark.parametrize("old, new, want", [
    ((10, 4, 4, 4), (10, 6, 4, 4), True), ((10, 4, 4, 4), (10, 4, 4, 4), False), ((10, 4, 6, 6), (8, 4, 6, 6), True),
    ((10, 7, 3, 3), (10, 6, 3, 3), False), ((10, 4, 7, 7), (8, 8, 5, 5), True), ((10, 10, 9, 8), (10, 10, 10, 8), True),
    ((10, 10, 10, 9), (10, 10, 10, 10), True),
], ids=["progressing: updated pods", "not progressing", "progressing: old pods removed",
        "not progressing: less new pods", "progressing: less overall but more new pods",
        "progressing: more ready pods", "progressing: more available pods"])
def test_deployment_progressing(old, new, want):
    keys = ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas")
    d = {"status": dict(zip(keys, old))}
    assert du.deployment_progressing(d, dict(zip(keys, new))) is want


# upstream: TestDeploymentTimedOut (the table's 00:01:09 etc. as lab seconds)
@pytest.mark.parametrize("pds, reason, since, now, want", [
    (None, "", 69, 80, False), (10, "", 69, 80, True), (10, "", 71, 80, False),
    (None, "NewReplicaSetAvailable", 0, 80, False),
], ids=["no progressDeadlineSeconds specified - no timeout",
        "progressDeadlineSeconds: 10s, now - started => 00:01:20 - 00:01:09 => 11s",
        "progressDeadlineSeconds: 10s, now - started => 00:01:20 - 00:01:11 => 9s",
        "previous status was a complete deployment"])
def test_deployment_timed_out(pds, reason, since, now, want):
    from k8slab.controllers.util import format_time

    d = {"spec": {"progressDeadlineSeconds": pds}}
    status = {"conditions": [{"type": "Progressing", "status": "True", "reason": reason,
                              "lastUpdateTime": format_time(since)}]}
    assert du.deployment_timed_out(d, status, now) is want


# upstream: TestGetCondition, TestSetCondition, TestRemoveCondition
PROGRESSING = {"type": "Progressing", "status": "False", "reason": "ForSomeReason"}
PROGRESSING2 = {"type": "Progressing", "status": "True", "reason": "BecauseItIs"}
AVAILABLE = {"type": "Available", "status": "True", "reason": "AwesomeController"}


@pytest.mark.parametrize("status, cond, want", [
    ({}, AVAILABLE, [AVAILABLE]), ({"conditions": [PROGRESSING]}, AVAILABLE, [PROGRESSING, AVAILABLE]),
    ({"conditions": [PROGRESSING]}, PROGRESSING2, [PROGRESSING2]),
], ids=["set for the first time", "simple set", "overwrite"])
def test_set_condition(status, cond, want):
    du.set_condition(status, cond)
    assert status["conditions"] == want


@pytest.mark.parametrize("status, type_, want", [
    ({}, "Progressing", {}), ({"conditions": [PROGRESSING]}, "Progressing", {}),
    ({"conditions": [PROGRESSING, AVAILABLE]}, "ReplicaFailure", {"conditions": [PROGRESSING, AVAILABLE]}),
], ids=["remove from empty status", "simple remove", "doesn't remove anything"])
def test_remove_condition(status, type_, want):
    du.remove_condition(status, type_)
    assert status == want


def test_get_condition():
    status = {"conditions": [PROGRESSING, AVAILABLE]}
    assert du.get_condition(status, "Available") == AVAILABLE
    assert du.get_condition(status, "ReplicaFailure") is None


def tpl(name, node, annotations, labels):
    return {"metadata": {"name": name, "annotations": annotations, "labels": labels}, "spec": {"nodeName": node}}


H = du.HASH_LABEL


# upstream: TestEqualIgnoreHash (each case also checked in reverse order)
@pytest.mark.parametrize("a, b, want", [
    (tpl("foo", "foo-node", {}, {H: "value-1", "something": "else"}),
     tpl("foo", "foo-node", {}, {H: "value-1", "something": "else"}), True),
    (tpl("foo", "foo-node", {}, {H: "value-1", "something": "else"}),
     tpl("foo", "foo-node", {}, {H: "value-2", "something": "else"}), True),
    (tpl("foo", "foo-node", {}, {"something": "else"}),
     tpl("foo", "foo-node", {}, {H: "value-2", "something": "else"}), True),
    (tpl("foo", "foo-node", {}, {H: "value-1"}), tpl("foo", "foo-node", {}, {H: "value-1", "something": "else"}), False),
    (tpl("foo", "foo-node", {"former": "value"}, {H: "value-1", "something": "else"}),
     tpl("foo", "foo-node", {"latter": "value"}, {H: "value-1", "something": "else"}), False),
    (tpl("foo-1", "foo-node", {}, {H: "value-1", "something": "else"}),
     tpl("foo-2", "foo-node", {}, {H: "value-2", "something": "else"}), False),
    (tpl("foo-1", "foo-node-1", {}, {"something": "else"}),
     tpl("foo-2", "foo-node-2", {}, {H: "value-2", "something": "else"}), False),
    (tpl("foo", "foo-node-1", {}, {"something": "else"}), tpl("foo", "foo-node-2", {}, {"nothing": "else"}), False),
], ids=["Same spec, same labels", "Same spec, only pod-template-hash label value is different",
        "Same spec, the former doesn't have pod-template-hash label",
        "Same spec, the label is different, and the pod-template-hash label value is the same",
        "Different spec, same labels", "Different spec, different pod-template-hash label value",
        "Different spec, the former doesn't have pod-template-hash label", "Different spec, different labels"])
def test_equal_ignore_hash(a, b, want):
    assert du.equal_ignore_hash(a, b) is want
    assert du.equal_ignore_hash(b, a) is want
    assert H in a["metadata"]["labels"] or "something" in a["metadata"]["labels"] or a["metadata"]["labels"]


# upstream: TestFindNewReplicaSet, TestFindOldReplicaSets
def test_find_new_and_old_replica_sets():
    d = deployment(1)
    d["spec"]["template"] = {"metadata": {"labels": {"name": "nginx"}}, "spec": {"containers": [{"name": "nginx"}]}}
    new_tpl = {"metadata": {"labels": {"name": "nginx", H: "hash"}}, "spec": {"containers": [{"name": "nginx"}]}}
    dup_tpl = {"metadata": {"labels": {"name": "nginx", H: "different-hash"}}, "spec": {"containers": [{"name": "nginx"}]}}
    old_tpl = {"metadata": {"labels": {"name": "nginx"}}, "spec": {"containers": [{"name": "nginx-old-1"}]}}
    new, dup, old = rs("new", 1, 60, template=new_tpl), rs("dup", 0, 0, template=dup_tpl), rs("old", 1, -60,
                                                                                            template=old_tpl)
    # "Get new ReplicaSet with the same template as Deployment spec but different pod-template-hash value"
    assert du.find_new_replica_set(d, [new, old]) is new
    # "Get the oldest new ReplicaSet when there are more than one ReplicaSet with the same template"
    assert du.find_new_replica_set(d, [new, old, dup]) is dup
    assert du.find_new_replica_set(d, [old]) is None  # "Get nil new ReplicaSet"
    assert du.find_old_replica_sets(d, [new, old]) == ([old], [old])  # "Get old ReplicaSets"
    assert du.find_old_replica_sets(d, [old]) == ([old], [old])  # "... with no new ReplicaSet"
    # "Get old ReplicaSets with two new ReplicaSets, only the oldest new ReplicaSet is seen as new ReplicaSet"
    required, all_old = du.find_old_replica_sets(d, [old, new, dup])
    assert (required, all_old) == ([old, new], [old, new])
    assert du.find_old_replica_sets(d, [new]) == ([], [])  # "Get empty old ReplicaSets"


# upstream: TestAnnotationUtils
def test_annotation_utils():
    d = deployment(1)
    d["metadata"]["annotations"][du.REVISION] = "1"
    r = rs("rs", 0)
    for i in range(20):  # "SetNewReplicaSetAnnotations": revision increments 1 through 20
        du.set_new_replica_set_annotations(d, r, str(i + 1), True)
        assert r["metadata"]["annotations"][du.REVISION] == str(i + 1)
    assert du.set_replicas_annotations(r, 10, 11)  # "SetReplicasAnnotations"
    assert r["metadata"]["annotations"][du.DESIRED_REPLICAS] == "10"
    assert r["metadata"]["annotations"][du.MAX_REPLICAS] == "11"
    r["metadata"]["annotations"][du.DESIRED_REPLICAS] = "1"  # "IsSaturated"
    r["status"]["availableReplicas"] = 1
    r["spec"]["replicas"] = 1
    assert du.is_saturated(d, r)


def test_revision_history_is_kept_within_its_character_limit():
    # upstream: TestAnnotationUtils "SetNewReplicaSetAnnotations" with revHistoryLimitInChars 5
    d = deployment(1)
    r = rs("rs", 0)
    for i in range(10, 20):
        du.set_new_replica_set_annotations(d, r, str(i + 1), True, limit=5)
        assert r["metadata"]["annotations"][du.REVISION] == str(i + 1)
        if i >= 12:
            assert r["metadata"]["annotations"][du.REVISION_HISTORY] == f"{i - 1},{i}"


# upstream: TestReplicasAnnotationsNeedUpdate (desired 10, max 20)
@pytest.mark.parametrize("annotations, want", [
    (None, True), ({du.DESIRED_REPLICAS: "8", du.MAX_REPLICAS: "20"}, True),
    ({du.DESIRED_REPLICAS: "10", du.MAX_REPLICAS: "16"}, True), ({du.DESIRED_REPLICAS: "10", du.MAX_REPLICAS: "20"}, False),
], ids=["test Annotations nil", "test desiredReplicas update", "test maxReplicas update", "test needn't update"])
def test_replicas_annotations_need_update(annotations, want):
    r = rs("rs", 1)
    r["metadata"]["annotations"] = annotations
    assert du.replicas_annotations_need_update(r, 10, 20) is want


@pytest.mark.parametrize("sizes, want", [
    ([("a", 3, 0), ("b", 3, 10), ("c", 5, 5)], ["c", "b", "a"]),
], ids=["bigger first, then newer first"])
def test_by_size_newer(sizes, want):
    assert [r["metadata"]["name"] for r in du.by_size_newer([rs(n, s, t) for n, s, t in sizes])] == want


@pytest.mark.parametrize("sizes, want", [
    ([("a", 3, 0), ("b", 3, 10), ("c", 5, 5)], ["c", "a", "b"]),
], ids=["bigger first, then older first"])
def test_by_size_older(sizes, want):
    assert [r["metadata"]["name"] for r in du.by_size_older([rs(n, s, t) for n, s, t in sizes])] == want
