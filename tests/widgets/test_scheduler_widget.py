"""The scheduler chapter's what-if widget, driven headless: w.result is the scheduler's report for the chosen pod."""

import time

import pytest

import k8slab as kl
from k8slab.widgets.scheduler import node_label_choices, node_taints, report_html, scheduler_widget, what_if

BATCH = "aks-nodepool1-27563185-vmss000002"


@pytest.fixture
def lab():
    lab = kl.Cluster.from_preset("aks-3node")
    lab.kubectl(f"label nodes {BATCH} workload=batch")
    lab.kubectl(f"taint nodes {BATCH} workload=batch:NoSchedule")
    return lab


@pytest.mark.parametrize("kw, selected, message", [
    ({"cpu": "250m"}, "aks-nodepool1-27563185-vmss000001", ""),
    ({"cpu": "250m", "node_selector": "workload=batch"}, None,
     "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't match Pod's node "
     "affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.."),
    ({"cpu": "250m", "node_selector": {"workload": "batch"}, "tolerations": ["workload=batch:NoSchedule"]}, BATCH, ""),
    ({"cpu": "2", "node_selector": "workload=batch", "tolerations": ["workload=batch:NoSchedule"]}, None,
     "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector. "
     "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.."),
    ({"cpu": "100m", "memory": "6Gi"}, None,
     "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient memory. "
     "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.."),
], ids=["a small pod goes to an untainted node", "selecting the batch node without tolerating its taint fails",
        "selecting and tolerating lands on the batch node", "more CPU than the batch node has stays Pending",
        "more memory than any node has stays Pending"])
def test_what_if(lab, kw, selected, message):
    r = what_if(lab, **kw)
    assert (r.selected, r.message) == (selected, message)
    assert lab.list("pod") == []  # nothing was created


def test_choices_come_from_the_nodes(lab):
    assert node_taints(lab) == ["workload=batch:NoSchedule"]
    choices = node_label_choices(lab)
    assert "workload=batch" in choices and "topology.kubernetes.io/zone=eastus-3" in choices
    assert not any(c.startswith("kubernetes.io/hostname=") for c in choices)


def test_widget_redraws_on_every_change_and_keeps_the_result(lab):
    w = scheduler_widget(lab)
    assert w.result.selected == "aks-nodepool1-27563185-vmss000001"
    r = w.set(node_selector="workload=batch")
    assert r is w.result and r.selected is None and "untolerated taint" in r.message
    assert "Pending" in w.view.value
    r = w.set(tolerations=["workload=batch:NoSchedule"])
    assert r.selected == BATCH and f"<code>{BATCH}</code>" in w.view.value
    r = w.set(cpu="2")
    assert r.selected is None and "Insufficient cpu" in r.message


def test_each_change_answers_within_100_ms(lab):
    # DESIGN.md: a widget answers in under 100 ms
    w = scheduler_widget(lab)
    worst = 0.0
    for cpu in ("100m", "500m", "1", "1500m", "3"):
        t = time.perf_counter()
        w.set(cpu=cpu, tolerations=["workload=batch:NoSchedule"])
        worst = max(worst, time.perf_counter() - t)
    assert worst < 0.1


def test_report_html_marks_filters_scores_and_the_winner(lab):
    html = report_html(what_if(lab, cpu="250m"))
    assert html.count("<tr") == 4  # header + three nodes
    assert "outline:2px solid" in html and "node(s) had untolerated taint(s)" in html
    assert "Scheduled</b> on <code>aks-nodepool1-27563185-vmss000001</code>" in html
