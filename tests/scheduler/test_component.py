"""kube-scheduler in a lab: pods are bound through the API (nodeName, PodScheduled, events), retried, preempted, explained."""

import pytest

import k8slab as kl
from k8slab.scheduler.experiments import what_if_pod

N0, N1, N2 = (f"aks-nodepool1-27563185-vmss00000{i}" for i in range(3))
SCHEDULER_ONLY = ["k8slab.scheduler.component:KubeScheduler"]


def _lab(components=SCHEDULER_ONLY):
    lab = kl.Cluster.from_preset("aks-3node")
    if components is not None:  # the same nodes, only the scheduler running
        nodes = [n.to_dict() for n in lab.list("node")]
        lab = kl.Cluster(seed=0, components=components)
        for n in nodes:
            for k in ("uid", "resourceVersion", "creationTimestamp"):
                n["metadata"].pop(k, None)
        lab.apply(nodes)
    return lab


def _pod(lab, name):
    return lab.api.get(lab.api.resource("pods"), "default", name)


def _events(lab, name):
    pod = _pod(lab, name)
    return [(e["type"], e["reason"], e["message"], e.get("count", 1), e["source"]["component"])
            for e in lab.events.for_object(pod)]


def _condition(pod, kind="PodScheduled"):
    return next(c for c in pod["status"].get("conditions") or () if c["type"] == kind)


def test_a_pod_is_bound_with_node_name_condition_and_event():
    lab = _lab()
    lab.apply(what_if_pod("web", cpu="500m", memory="256Mi"))
    assert not _pod(lab, "web")["spec"].get("nodeName")  # nothing happens until the clock moves
    lab.run(1)
    pod = _pod(lab, "web")
    node = pod["spec"]["nodeName"]
    assert node in (N0, N1, N2)
    cond = _condition(pod)
    assert (cond["status"], cond["lastTransitionTime"]) == ("True", "2026-01-01T00:00:00Z")
    assert _events(lab, "web") == [("Normal", "Scheduled", f"Successfully assigned default/web to {node}", 1,
                                    "default-scheduler")]
    assert lab.kubectl("get pods -o wide").stdout.splitlines()[1].split()[6] == node


def test_an_unschedulable_pod_gets_the_failed_scheduling_event_and_condition():
    lab = _lab()
    lab.apply(what_if_pod("huge", cpu="3"))
    lab.run(1)
    pod = _pod(lab, "huge")
    message = ("0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: "
               "3 Preemption is not helpful for scheduling..")
    assert not pod["spec"].get("nodeName")
    cond = _condition(pod)
    assert (cond["status"], cond["reason"], cond["message"]) == ("False", "Unschedulable", message)
    assert _events(lab, "huge") == [("Warning", "FailedScheduling", message, 1, "default-scheduler")]


def test_a_pending_pod_is_retried_when_a_node_changes():
    lab = _lab()
    lab.apply(what_if_pod("batch", cpu="100m", node_selector={"workload": "batch"}))
    lab.run(1)
    assert "3 node(s) didn't match Pod's node affinity/selector" in _condition(_pod(lab, "batch"))["message"]
    assert lab.kubectl(f"label nodes {N2} workload=batch").rc == 0
    lab.run(1)
    pod = _pod(lab, "batch")
    assert pod["spec"]["nodeName"] == N2 and _condition(pod)["status"] == "True"
    assert [e[1] for e in _events(lab, "batch")] == ["FailedScheduling", "Scheduled"]


def test_a_pending_pod_is_retried_when_a_pod_goes_away():
    lab = _lab()
    lab.apply([what_if_pod(f"fill-{i}", cpu="1500m") for i in range(3)])
    lab.run(1)
    lab.apply(what_if_pod("late", cpu="1"))
    lab.run(1)
    assert not _pod(lab, "late")["spec"].get("nodeName")
    freed = _pod(lab, "fill-1")["spec"]["nodeName"]
    lab.kubectl("delete pod fill-1")
    lab.run(1)
    assert _pod(lab, "late")["spec"]["nodeName"] == freed


def test_repeated_failures_are_counted_on_one_event():
    lab = _lab()
    lab.apply(what_if_pod("huge", cpu="3"))
    lab.run(1)
    lab.kubectl(f"label nodes {N0} touched=yes")  # a node update moves the pod back to the active queue
    lab.run(20)
    [(kind, reason, _msg, count, _src)] = _events(lab, "huge")
    assert (kind, reason, count) == ("Warning", "FailedScheduling", 2)


def test_higher_priority_pod_preempts_and_is_nominated_then_bound():
    lab = _lab()
    lab.apply({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"},
               "value": 1000})
    lab.apply([what_if_pod(f"low-{i}", cpu="1500m") for i in range(3)])
    lab.run(1)
    vip = what_if_pod("vip", cpu="1")
    vip["spec"]["priorityClassName"] = "high"
    lab.apply(vip)
    lab.run(1)
    pods = {p.metadata.name: p for p in lab.list("pod")}
    assert len([n for n in pods if n.startswith("low-")]) == 2  # one victim was deleted
    node = pods["vip"].spec.node_name or pods["vip"].status.nominated_node_name
    assert node in (N0, N1, N2)
    lab.run(1)
    assert _pod(lab, "vip")["spec"]["nodeName"] == node
    reasons = [e["reason"] for e in lab.api.list(lab.api.resource("events"))]
    assert "Preempted" in reasons


def test_pods_for_another_scheduler_are_left_alone():
    lab = _lab()
    pod = what_if_pod("custom")
    pod["spec"]["schedulerName"] = "my-scheduler"
    lab.apply(pod)
    lab.run(5)
    assert not _pod(lab, "custom")["spec"].get("nodeName") and _events(lab, "custom") == []


@pytest.mark.parametrize("form", ["name", "namespace/name", "dict", "model", "yaml"],
                         ids=["by name", "by namespace/name", "as a dict", "as a model", "as YAML text"])
def test_explain_accepts_every_form_and_binds_nothing(form):
    lab = _lab()
    lab.apply(what_if_pod("web", cpu="1500m"))
    args = {"name": "web", "namespace/name": "default/web", "dict": what_if_pod("web", cpu="1500m"),
            "model": lab.get("pod", "web"),
            "yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: app\n"
                    "    image: nginx\n    resources: {requests: {cpu: 1500m}}\n"}[form]
    report = lab.scheduler.explain(args)
    assert report.pod == "default/web" and report.selected in (N0, N1, N2)
    assert sorted(report.nodes) == [N0, N1, N2] and report.message == ""
    assert not _pod(lab, "web")["spec"].get("nodeName")
    lab.run(1)
    assert _pod(lab, "web")["spec"]["nodeName"] == report.selected  # explain predicted the binding


def test_save_and_load_keep_what_is_bound():
    lab = _lab()
    lab.apply([what_if_pod(f"fill-{i}", cpu="1500m") for i in range(3)])
    lab.run(1)
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        again = kl.Cluster.load(lab.save(Path(d) / "lab.json"))
    again.apply(what_if_pod("more", cpu="1"))
    again.run(1)
    assert not _pod(again, "more")["spec"].get("nodeName")  # the loaded scheduler counts the bound pods
    assert "3 Insufficient cpu" in _condition(_pod(again, "more"))["message"]


def test_full_lab_binds_and_the_kubelet_starts_the_pod():
    lab = _lab(components=None)  # every default component
    lab.apply(what_if_pod("web", cpu="500m", memory="256Mi"))
    lab.run(10)
    pod = _pod(lab, "web")
    assert pod["spec"]["nodeName"] in (N0, N1, N2) and _condition(pod)["status"] == "True"
    assert [e for e in _events(lab, "web") if e[1] == "Scheduled"]
