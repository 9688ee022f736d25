"""Nodes: what a registering kubelet posts, cordon taints, and a node going down (NotReady, taints, eviction)."""

import pytest
from kubeletlab import bound_pod, events, get_pods_line, lab_with, pod

from k8slab.kubelet.node import toleration_seconds

NGINX = """
containers:
- {name: web, image: "nginx:1.27"}
"""


def node(lab, name="node-1"):
    return lab.api.get(lab.api.resource("nodes"), None, name)


def test_a_registering_node_gets_the_kubelets_conditions_and_an_address():
    lab = lab_with(nodes=2)
    n = node(lab, "node-2")
    assert [(c["type"], c["status"], c["reason"], c["message"]) for c in n["status"]["conditions"]] == [
        ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]
    assert n["status"]["addresses"] == [{"type": "InternalIP", "address": "10.224.0.5"},
                                        {"type": "Hostname", "address": "node-2"}]
    assert n["status"]["allocatable"] == n["status"]["capacity"]
    assert lab.kubectl("get nodes").stdout.splitlines()[1].split()[:2] == ["node-1", "Ready"]


def test_cordon_adds_the_unschedulable_taint_and_the_kubelet_records_it():
    lab = lab_with()
    assert lab.kubectl("cordon node-1").stdout == "node/node-1 cordoned\n"
    lab.run(1)
    assert node(lab)["spec"]["taints"] == [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule",
                                            "timeAdded": "2026-01-01T00:00:00Z"}]
    assert events(lab, "node-1") == [(0.0, "NodeNotSchedulable", "Node node-1 status is now: NodeNotSchedulable")]
    lab.kubectl("uncordon node-1")
    lab.run(1)
    assert "taints" not in node(lab)["spec"]
    assert events(lab, "node-1")[-1] == (1.0, "NodeSchedulable", "Node node-1 status is now: NodeSchedulable")


def test_a_node_that_stops_posting_goes_unknown_after_50s_and_its_pods_are_evicted_after_300s():
    lab = lab_with(bound_pod("web", NGINX))
    lab.run(10)
    lab.components["kubelet"].stop("node-1")
    lab.run(49.9)
    assert lab.kubectl("get nodes").stdout.splitlines()[1].split()[1] == "Ready"
    lab.run(0.2)
    ready = {c["type"]: c for c in node(lab)["status"]["conditions"]}["Ready"]
    assert (ready["status"], ready["reason"], ready["message"], ready["lastTransitionTime"]) == (
        "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", "2026-01-01T00:01:00Z")
    assert [(t["key"], t["effect"]) for t in node(lab)["spec"]["taints"]] == [
        ("node.kubernetes.io/unreachable", "NoSchedule"), ("node.kubernetes.io/unreachable", "NoExecute")]
    assert events(lab, since=60) == [(60.0, "NodeNotReady", "Node node-1 status is now: NodeNotReady"),
                                     (60.0, "NodeNotReady", "Node is not ready")]
    pod_ready = {c["type"]: c for c in pod(lab, "web")["status"]["conditions"]}["Ready"]
    assert pod_ready["status"] == "False"
    lab.run(299.8)
    assert "deletionTimestamp" not in pod(lab, "web")["metadata"]
    lab.run(0.2)
    assert events(lab, "web", since=300) == [(360.0, "TaintManagerEviction", "Marking for deletion Pod default/web")]
    p = pod(lab, "web")
    target = next(c for c in p["status"]["conditions"] if c["type"] == "DisruptionTarget")
    assert (target["reason"], target["message"]) == ("DeletionByTaintManager",
                                                     "Taint manager: deleting due to NoExecute taint")
    lab.run(100)
    assert get_pods_line(lab, "web") == "web 1/1 Terminating 0 7m40s"  # nobody on the node to stop it


def test_when_the_node_comes_back_it_finishes_the_deletions():
    lab = lab_with(bound_pod("web", NGINX))
    lab.run(10)
    kubelets = lab.components["kubelet"]
    kubelets.stop("node-1")
    lab.run(400)
    kubelets.start("node-1")
    lab.run(1)
    assert lab.kubectl("get pods").stderr == "No resources found in default namespace.\n"
    assert "taints" not in node(lab)["spec"]
    assert lab.kubectl("get nodes").stdout.splitlines()[1].split()[1] == "Ready"


def test_a_pod_with_a_shorter_toleration_goes_sooner_and_one_without_limit_stays():
    lab = lab_with(bound_pod("quick", """
        tolerations:
        - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 30}
        containers:
        - {name: web, image: "nginx:1.27"}
        """), bound_pod("stays", """
        tolerations:
        - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute}
        containers:
        - {name: web, image: "nginx:1.27"}
        """))
    lab.run(10)
    lab.components["kubelet"].stop("node-1")
    lab.run(1000)
    assert [t for t, r, _m in events(lab, "quick") if r == "TaintManagerEviction"] == [90.0]
    assert "deletionTimestamp" not in pod(lab, "stays")["metadata"]


TOLERATIONS = [
    ([], None, 0.0),
    ([{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
       "tolerationSeconds": 300}], None, 300.0),
    ([{"operator": "Exists"}], None, None),
    ([{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
       "tolerationSeconds": -5}], None, 0.0),
    ([{"key": "other", "operator": "Exists"}], None, 0.0),
]


@pytest.mark.parametrize("tolerations,_,seconds", TOLERATIONS, ids=[
    "no toleration: evicted at once", "the default 300 s", "tolerates everything forever",
    "a negative toleration evicts at once", "tolerating another taint does not help"])
def test_toleration_seconds(tolerations, _, seconds):
    # upstream: pkg/controller/tainteviction/taint_eviction_test.go (getMinTolerationTime cases)
    taints = [{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]
    assert toleration_seconds({"spec": {"tolerations": tolerations}}, taints) == seconds


def test_drain_evicts_and_waits_on_the_clock():
    lab = lab_with()
    lab.apply("""
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeName: node-1
      containers: [{name: web, image: "ghcr.io/k8slab/web:1.0"}]
""")
    lab.run(5)
    name = next(p.metadata.name for p in lab.list("pod"))
    r = lab.kubectl("drain node-1")
    assert r.stdout == (f"node/node-1 cordoned\nevicting pod default/{name}\npod/{name} evicted\n"
                        "node/node-1 drained\n")
    assert r.rc == 0
    assert lab.now == 6.0  # evicted at 5 s; the app drains for 1 s; drain polls every second
