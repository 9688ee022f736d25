"""The access chapters' widgets, driven headless: each keeps the pure function's answer on w.result."""

import k8slab as kl
from k8slab.apiserver.personas import PERSONAS, load_personas
from k8slab.pipeline import BuildPipeline
from k8slab.widgets.admission import admission_widget
from k8slab.widgets.pipeline import blast_radius_widget
from k8slab.widgets.rbac import can_i_widget
from k8slab.widgets.readiness import readiness_widget


def _lab():
    lab = kl.Cluster(seed=0, components=[])
    load_personas(lab)
    return lab


def test_can_i_widget_answers_like_rbac():
    w = can_i_widget(_lab())
    assert w.ask(0, "create", "deployments.apps", "dev").allowed
    answer = w.ask(0, "create", "deployments.apps", "prod")
    assert not answer.allowed and "cannot create resource" in answer.message
    assert w.ask(1, "patch", "nodes", "prod").allowed  # cluster-scoped: the namespace does not matter


def test_admission_widget_changes_the_namespace_level_and_stores_nothing():
    lab = _lab()
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: dev}\nspec: {containers: [{name: w, image: x}]}\n"
    w = admission_widget(lab, {"plain pod": pod}, namespace="dev")
    assert w.result.ok
    assert not w.send("plain pod", "restricted").ok
    assert lab.etcd.get("/registry/pods/dev/web") is None


def test_blast_radius_widget_shows_each_identity():
    lab = kl.Cluster(seed=0, components=[])
    BuildPipeline.install(lab)
    w = blast_radius_widget(lab, {"pipeline": PERSONAS[2].user, "dana": PERSONAS[0].user})
    assert w.result.namespaces_writable() == ["dev", "prod", "staging"]
    assert w.show("dana").reach == 0


def test_readiness_widget_lists_workloads_with_fixes():
    lab = kl.Cluster(seed=0, components=[])
    lab.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: web, image: nginx}]}\n")
    w = readiness_widget(lab)
    assert w.result.workload == "pod/web" and w.result.findings
