"""Workflows of Jobs: dependency order, failures skip descendants, bad graphs are refused with a clear message."""

import pytest

import k8slab as kl
from k8slab.workflows import DEPENDS_ON, WORKFLOW_LABEL, Workflow, load_workflow

MANIFESTS = "data/manifests/20-batch-and-workflows"


def job(name, deps="", seconds=5, fail=False):
    ann = {"k8slab.io/crash-after": str(seconds), "k8slab.io/exit-code": "1"} if fail else \
        {"k8slab.io/complete-after": str(seconds)}
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": name, "annotations": {DEPENDS_ON: deps}},
            "spec": {"backoffLimit": 0, "template": {"metadata": {"annotations": ann}, "spec": {
                "restartPolicy": "Never", "containers": [{"name": "w", "image": "ghcr.io/k8slab/worker:1.0"}]}}}}


@pytest.fixture
def lab():
    return kl.Cluster.from_preset("aks-3node")


def test_the_pipeline_runs_each_step_after_its_dependencies(lab):
    wf = load_workflow(lab, f"{MANIFESTS}/pipeline.yaml").run()
    assert wf.phase == "Succeeded"
    for a, b in wf.graph.edges:
        assert wf.finished[a] <= wf.started[b], f"{b} started before {a} finished"
    # a step starts the moment its last dependency finished (the workflow reacts to the Job's watch event)
    assert wf.started["join"] == max(wf.finished["extract-orders"], wf.finished["extract-customers"])
    assert wf.started["publish"] == max(wf.finished["train-model"], wf.finished["build-report"])
    assert wf.critical_path() == ["extract-orders", "join", "train-model", "publish"]


def test_jobs_carry_the_workflow_label(lab):
    load_workflow(lab, f"{MANIFESTS}/pipeline.yaml").run()
    labels = {j.metadata.name: (j.metadata.labels or {}).get(WORKFLOW_LABEL) for j in lab.list("job")}
    assert set(labels.values()) == {"pipeline"} and len(labels) == 6


def test_a_failed_step_skips_everything_downstream(lab):
    wf = Workflow(lab, [job("a"), job("b", "a", fail=True), job("c", "b"), job("d", "a"), job("e", "c,d")]).run()
    assert wf.steps == {"a": "Succeeded", "b": "Failed", "c": "Skipped", "d": "Succeeded", "e": "Skipped"}
    assert wf.phase == "Failed"
    assert {j.metadata.name for j in lab.list("job")} == {"a", "b", "d"}


def test_independent_steps_start_together_in_name_order(lab):
    wf = Workflow(lab, [job("z"), job("m"), job("a")])
    lab.run(0.5)
    assert wf.order == ["a", "m", "z"] and len(set(wf.started.values())) == 1


@pytest.mark.parametrize("jobs, message", [
    ([job("a", "b"), job("b", "a")], "the workflow has a cycle: a -> b -> a"),
    ([job("a", "a")], "the workflow has a cycle: a -> a"),
    ([job("a", "missing")], 'job "a" depends on "missing", which is not in the workflow'),
    ([job("a"), job("a")], 'job "a" appears twice in the workflow'),
    ([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}],
     "a workflow step must be a Job with a name, got 'Pod'"),
], ids=["a cycle of two", "a step that needs itself", "an unknown dependency", "a duplicate step", "not a Job"])
def test_bad_graphs_are_refused_before_anything_is_created(lab, jobs, message):
    with pytest.raises(ValueError) as e:
        Workflow(lab, jobs)
    assert str(e.value) == message
    assert lab.list("job") == []


def test_the_table_shows_times_since_the_start(lab):
    lab.run(100)
    wf = Workflow(lab, [job("a", seconds=3)]).run()
    assert repr(wf).splitlines()[1].split() == ["a", "-", "Succeeded", "0s", "3s"]
