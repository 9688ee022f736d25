"""DaemonSet: which nodes run a pod, pinning to nodes, node-by-node rolling update, status counts."""

import copy

import pytest

from conftest import events_of, pods, set_pod
from k8slab.controllers.daemonset_sync import daemon_pod_tolerations, node_should_run_daemon_pod, target_node_name


def node(name, labels=None, taints=None):
    return {"metadata": {"name": name, "labels": labels or {}}, "spec": {"taints": taints or []}}


DS = {"spec": {"template": {"spec": {}}}}


# the rules of upstream daemon_controller.go NodeShouldRunDaemonPod: selectors, affinity, taints and the
# tolerations every daemon pod gets (NoSchedule stops new pods, NoExecute also stops running ones)
@pytest.mark.parametrize("n, template, want", [
    (node("a"), {}, (True, True)),
    (node("a", {"disk": "ssd"}), {"nodeSelector": {"disk": "ssd"}}, (True, True)),
    (node("a"), {"nodeSelector": {"disk": "ssd"}}, (False, False)),
    (node("a"), {"nodeName": "b"}, (False, False)),
    (node("a", taints=[{"key": "k", "effect": "NoSchedule"}]), {}, (False, True)),
    (node("a", taints=[{"key": "k", "effect": "NoExecute"}]), {}, (False, False)),
    (node("a", taints=[{"key": "k", "effect": "NoSchedule"}]), {"tolerations": [{"key": "k", "operator": "Exists"}]},
     (True, True)),
    (node("a", taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]), {}, (True, True)),
    (node("a", taints=[{"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}]), {}, (True, True)),
    (node("a", {"zone": "1"}), {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["2"]}]}]}}}},
     (False, False)),
], ids=["no constraints", "nodeSelector matches", "nodeSelector does not match", "pinned to another node",
        "a NoSchedule taint: do not start, keep running", "a NoExecute taint: stop",
        "a tolerated taint", "daemon pods tolerate unschedulable (cordoned) nodes",
        "daemon pods tolerate not-ready nodes", "required node affinity excludes the node"])
def test_node_should_run_daemon_pod(n, template, want):
    assert node_should_run_daemon_pod(n, {"spec": {"template": {"spec": template}}}) == want


def test_daemon_pod_tolerations_are_added_once():
    # upstream: daemonset_util.go AddOrUpdateDaemonPodTolerations
    tols = daemon_pod_tolerations({"tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                                    "effect": "NoExecute"}]})
    assert [(t["key"], t["effect"]) for t in tols] == [
        ("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"), ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"), ("node.kubernetes.io/unschedulable", "NoSchedule")]
    assert ("node.kubernetes.io/network-unavailable", "NoSchedule") in [
        (t["key"], t["effect"]) for t in daemon_pod_tolerations({"hostNetwork": True})]


def test_target_node_name_reads_the_pinning_affinity():
    pod = {"spec": {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n2"]}]}]}}}}}
    assert target_node_name(pod) == "n2"
    assert target_node_name({"spec": {"nodeName": "n1"}}) == "n1"


DAEMON = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: "nginx:1.27"}]}
"""


def add_nodes(lab, *names, **labels):
    lab.apply([{"apiVersion": "v1", "kind": "Node", "metadata": {"name": n, "labels": dict(labels)},
                "status": {"allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"}}} for n in names])


def bind_and_ready(lab):
    for p in pods(lab, prefix="agent-"):
        if p["status"].get("phase") != "Running" and not p["metadata"].get("deletionTimestamp"):
            set_pod(lab, p["metadata"]["name"], node=target_node_name(p))


def test_one_pod_per_node_pinned_by_affinity(lab):
    add_nodes(lab, "n1", "n2", "n3")
    lab.apply(DAEMON)
    lab.run(1)
    got = sorted(target_node_name(p) for p in pods(lab, prefix="agent-"))
    assert got == ["n1", "n2", "n3"]
    assert all(p["metadata"]["labels"].get("controller-revision-hash") for p in pods(lab, prefix="agent-"))
    bind_and_ready(lab)
    lab.run(1)
    st = lab.api.get(lab.api.resource("daemonsets"), "default", "agent")["status"]
    assert (st["desiredNumberScheduled"], st["currentNumberScheduled"], st["numberReady"], st["numberAvailable"],
            st["updatedNumberScheduled"]) == (3, 3, 3, 3, 3)
    add_nodes(lab, "n4")
    lab.run(1)
    assert sorted(target_node_name(p) for p in pods(lab, prefix="agent-")) == ["n1", "n2", "n3", "n4"]
    assert sum(e[1] == "SuccessfulCreate" for e in events_of(lab, "DaemonSet", "agent")) == 4


def test_rolling_update_replaces_one_node_at_a_time(lab):
    add_nodes(lab, "n1", "n2", "n3")
    lab.apply(DAEMON)
    lab.run(1)
    bind_and_ready(lab)
    lab.run(1)
    res = lab.api.resource("daemonsets")
    ds = copy.deepcopy(lab.api.get(res, "default", "agent"))
    ds["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    lab.api.update(ds)
    lab.run(1)
    live = pods(lab, prefix="agent-")
    hashes = {p["metadata"]["labels"]["controller-revision-hash"] for p in live}
    assert len(live) == 3 and len(hashes) == 2  # maxUnavailable 1: one node swapped, its new pod not ready yet
    for _ in range(3):
        bind_and_ready(lab)
        lab.run(1)
    st = lab.api.get(res, "default", "agent")["status"]
    assert (st["updatedNumberScheduled"], st["numberAvailable"]) == (3, 3)
    assert sum(e[1] == "SuccessfulDelete" for e in events_of(lab, "DaemonSet", "agent")) == 3
