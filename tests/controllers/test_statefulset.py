"""StatefulSet: ordinals, OrderedReady and Parallel, claims per ordinal, reverse-ordinal rolling updates, partition."""

import copy

import pytest

from conftest import events_of, pods, set_pod
from k8slab.controllers.history import REVISION_HASH_LABEL, hash_controller_revision
from k8slab.controllers.statefulset_sync import claim_name, ordinal_of

STS = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  replicas: 3
  serviceName: web
  podManagementPolicy: %s
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27"}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
"""


def names(lab):
    return [p["metadata"]["name"] for p in pods(lab)]


@pytest.mark.parametrize("name, want", [("web-0", ("web", 0)), ("my-db-12", ("my-db", 12)), ("web", ("", -1))],
                         ids=["web-0 is ordinal 0 of web", "the last dash splits", "no ordinal"])
def test_ordinal_of(name, want):
    assert ordinal_of({"metadata": {"name": name}}) == want


def test_claim_names_are_template_set_ordinal():
    assert claim_name({"metadata": {"name": "web"}}, {"metadata": {"name": "data"}}, 2) == "data-web-2"


def test_ordered_ready_creates_one_pod_at_a_time(lab):
    lab.apply(STS % "OrderedReady")
    lab.run(1)
    assert names(lab) == ["web-0"]
    set_pod(lab, "web-0")
    lab.run(1)
    assert names(lab) == ["web-0", "web-1"]
    set_pod(lab, "web-1")
    lab.run(1)
    set_pod(lab, "web-2")
    lab.run(1)
    assert names(lab) == ["web-0", "web-1", "web-2"]
    assert events_of(lab, "StatefulSet", "web") == [
        ("Normal", "SuccessfulCreate", f"create Claim data-web-{i} Pod web-{i} in StatefulSet web success")
        if k == 0 else ("Normal", "SuccessfulCreate", f"create Pod web-{i} in StatefulSet web successful")
        for i in range(3) for k in range(2)]
    web1 = pods(lab)[1]
    assert web1["spec"]["hostname"] == "web-1" and web1["spec"]["subdomain"] == "web"
    assert web1["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == "web-1"
    assert web1["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == "1"
    assert web1["spec"]["volumes"][0] == {"name": "data", "persistentVolumeClaim": {"claimName": "data-web-1"}}
    status = lab.api.get(lab.api.resource("statefulsets"), "default", "web")["status"]
    assert (status["replicas"], status["readyReplicas"], status["availableReplicas"], status["currentRevision"]
            == status["updateRevision"]) == (3, 3, 3, True)


def test_parallel_creates_every_pod_at_once(lab):
    lab.apply(STS % "Parallel")
    lab.run(1)
    assert names(lab) == ["web-0", "web-1", "web-2"]


def test_scale_down_goes_from_the_highest_ordinal_and_keeps_the_claims(lab):
    lab.apply(STS % "OrderedReady")
    for i in range(3):
        lab.run(1)
        set_pod(lab, f"web-{i}")
    lab.run(1)
    lab.kubectl("scale sts/web --replicas=1")
    lab.run(1)  # no kubelet here: a deleted pod is gone at once, so web-1 follows web-2 in the same instant
    assert names(lab) == ["web-0"]
    assert [e for e in events_of(lab, "StatefulSet", "web") if e[1] == "SuccessfulDelete"] == [
        ("Normal", "SuccessfulDelete", "delete Pod web-2 in StatefulSet web successful"),
        ("Normal", "SuccessfulDelete", "delete Pod web-1 in StatefulSet web successful")]
    claims = sorted(c["metadata"]["name"] for c in lab.api.list(lab.api.resource("persistentvolumeclaims"), "default"))
    assert claims == ["data-web-0", "data-web-1", "data-web-2"]  # whenScaled: Retain


def roll(lab, image="nginx:1.28", partition=None):
    res = lab.api.resource("statefulsets")
    sts = copy.deepcopy(lab.api.get(res, "default", "web"))
    sts["spec"]["template"]["spec"]["containers"][0]["image"] = image
    if partition is not None:
        sts["spec"]["updateStrategy"]["rollingUpdate"]["partition"] = partition
    lab.api.update(sts)


def revisions(lab):
    return {p["metadata"]["name"]: p["metadata"]["labels"][REVISION_HASH_LABEL] for p in pods(lab)}


def running_set(lab):
    lab.apply(STS % "OrderedReady")
    for i in range(3):
        lab.run(1)
        set_pod(lab, f"web-{i}")
    lab.run(1)
    return lab.api.get(lab.api.resource("statefulsets"), "default", "web")["status"]["currentRevision"]


def test_rolling_update_replaces_pods_in_reverse_ordinal_order(lab):
    old = running_set(lab)
    roll(lab)
    order = []
    for _ in range(6):
        lab.run(1)
        for p in pods(lab):
            if p["status"].get("phase") != "Running":
                order.append(p["metadata"]["name"])
                set_pod(lab, p["metadata"]["name"])
    assert order == ["web-2", "web-1", "web-0"]
    status = lab.api.get(lab.api.resource("statefulsets"), "default", "web")["status"]
    assert status["currentRevision"] == status["updateRevision"] != old
    assert set(revisions(lab).values()) == {status["updateRevision"]}


def test_a_partition_keeps_the_lower_ordinals_at_the_old_revision(lab):
    old = running_set(lab)
    roll(lab, partition=2)
    for _ in range(3):
        lab.run(1)
        for p in pods(lab):
            if p["status"].get("phase") != "Running":
                set_pod(lab, p["metadata"]["name"])
    revs = revisions(lab)
    assert revs["web-0"] == revs["web-1"] == old != revs["web-2"]
    status = lab.api.get(lab.api.resource("statefulsets"), "default", "web")["status"]
    assert (status["currentRevision"], status["updatedReplicas"]) == (old, 1)
    from k8slab.kubectl.rollout import status_message

    sts = lab.api.get(lab.api.resource("statefulsets"), "default", "web")
    assert status_message(sts) == ("partitioned roll out complete: 1 new pods have been updated...\n", True)


def test_on_delete_waits_for_the_user_to_delete_a_pod(lab):
    lab.apply((STS % "OrderedReady").replace("  serviceName: web\n", "  serviceName: web\n  updateStrategy: {type: "
                                                                     "OnDelete}\n"))
    for i in range(3):
        lab.run(1)
        set_pod(lab, f"web-{i}")
    lab.run(1)
    before = revisions(lab)
    roll(lab)
    lab.run(5)
    assert revisions(lab) == before
    lab.kubectl("delete pod web-1")
    lab.run(1)
    after = revisions(lab)
    assert after["web-1"] != before["web-1"] and after["web-0"] == before["web-0"]


def test_revision_names_hash_the_stored_patch_with_fnv1():
    from k8slab.controllers.history import get_patch, new_controller_revision
    from k8slab.controllers.util import canonical_json

    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web", "uid": "u"},
           "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c"}]}}}}
    cr = new_controller_revision(sts, {"app": "web"}, get_patch(sts), 1, 0)
    raw = canonical_json(get_patch(sts))
    assert raw == b'{"spec":{"template":{"$patch":"replace","metadata":{"labels":{"app":"web"}},"spec":{"containers":' \
                  b'[{"name":"c"}]}}}}'
    assert cr["metadata"]["name"] == "web-" + hash_controller_revision(raw, 0)
    assert cr["metadata"]["labels"]["controller.kubernetes.io/hash"] == hash_controller_revision(raw, 0)


def test_when_scaled_delete_removes_the_claims_of_removed_ordinals(lab):
    # persistentVolumeClaimRetentionPolicy whenScaled: Delete (StatefulSetAutoDeletePVC, GA): the condemned pod
    # becomes the claim's owner, so the garbage collector takes the claim with the pod
    lab.apply((STS % "OrderedReady").replace(
        "  serviceName: web\n", "  serviceName: web\n  persistentVolumeClaimRetentionPolicy: {whenScaled: Delete}\n"))
    for i in range(3):
        lab.run(1)
        set_pod(lab, f"web-{i}")
    lab.run(1)
    lab.kubectl("scale sts/web --replicas=1")
    lab.run(2)
    claims = sorted(c["metadata"]["name"] for c in lab.api.list(lab.api.resource("persistentvolumeclaims"), "default"))
    assert claims == ["data-web-0"]
