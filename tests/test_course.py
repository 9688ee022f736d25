"""The course map agrees with the notebooks and the README; self-checks, presets and the chapter-02 helpers work."""

import re
from pathlib import Path

import pytest

import k8slab as kl
from k8slab import course

ROOT = Path(__file__).resolve().parent.parent


def test_a_chapter_is_available_exactly_when_its_notebook_exists():
    for ch in course.CHAPTERS:
        assert (ROOT / ch.notebook).exists() == (ch.status == "available"), ch.notebook


def test_every_notebook_on_disk_is_on_the_map():
    mapped = {ch.notebook for ch in course.CHAPTERS}
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        assert f"notebooks/{nb.name}" in mapped


def test_the_readme_shows_the_course_map_as_the_package_has_it():
    assert course.course_map().markdown() in (ROOT / "README.md").read_text()


def test_the_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", text, re.S)
    assert blocks[0].splitlines() == ["make lab", "make test"]


def test_the_map_as_text_lists_every_chapter():
    text = repr(course.course_map())
    assert text.splitlines()[0].split() == ["#", "CHAPTER", "STATUS", "TOPIC"]
    assert len(text.splitlines()) == len(course.CHAPTERS) + 1
    assert "<table>" in course.course_map()._repr_html_()


@pytest.mark.parametrize("exercise, answer, ok", [
    ("00-namespaces", 4, True),
    ("00-namespaces", "4", True),
    ("00-namespaces", 3, False),
    ("00-all-namespaces", "kubectl get pods -A", True),
    ("00-all-namespaces", "get po --all-namespaces", True),
    ("00-all-namespaces", "kubectl get pods", False),
    ("00-all-namespaces", "kubectl get nodes -A", False),
    ("02-etcd-key", "/registry/pods/shop/web", True),
    ("02-etcd-key", "/registry/pod/shop/web", False),
    ("02-etcd-key", "/registry/pods/default/web", False),
    ("02-rejecting-stage", "validation", True),
    ("02-rejecting-stage", "storage", False),
    ("02-pipeline-order", ["authentication", "authorization", "mutating admission", "validation",
                           "validating admission", "storage"], True),
    ("02-pipeline-order", ["authorization", "authentication", "mutating admission", "validation",
                           "validating admission", "storage"], False),
    ("02-pipeline-order", "authentication", False),
    ("02-desired-pods", 5, True),
    ("02-desired-pods", 7, False),
], ids=lambda v: str(v))
def test_a_self_check_accepts_the_right_answer_and_only_it(exercise, answer, ok):
    assert bool(course.check(exercise, answer)) is ok


@pytest.mark.parametrize("exercise", sorted(course.EXERCISES))
def test_no_answer_yet_says_so(exercise):
    assert repr(course.check(exercise, None)) == "✘ No answer yet: replace None with your answer."


def test_an_unknown_exercise_is_not_found():
    with pytest.raises(kl.NotFound, match='exercise "nope" not found'):
        course.check("nope", 1)


def test_a_wrong_order_of_the_right_stages_gets_a_hint_about_order():
    stages = ["storage", "authentication", "authorization", "mutating admission", "validation", "validating admission"]
    assert "the order is not" in repr(course.check("02-pipeline-order", stages))


# -- presets --------------------------------------------------------------------------------------------
def test_aks_allocatable_memory_is_capacity_less_kube_reserved_and_eviction_threshold():
    # upstream formula as the AKS docs give it for 1.29+: min(20 MB x max pods + 50 MB, 25%) + memory.available<100Mi
    lab = course.control_plane_lab("aks-3node")
    for node in lab.api.list(lab.api.resource("nodes")):
        cap, alloc = node["status"]["capacity"], node["status"]["allocatable"]
        cap_ki = int(cap["memory"].removesuffix("Ki"))
        reserved_ki = min((20 * int(cap["pods"]) + 50) * 1000 * 1000 // 1024, cap_ki * 25 // 100)
        assert int(alloc["memory"].removesuffix("Ki")) == cap_ki - reserved_ki - 100 * 1024
        assert (cap["cpu"], alloc["cpu"]) == ("2", "1900m")


def test_aks_nodes_are_named_and_labelled_as_aks_does():
    lab = course.control_plane_lab("aks-3node")
    nodes = lab.api.list(lab.api.resource("nodes"))
    assert [n["metadata"]["name"] for n in nodes] == [f"aks-nodepool1-27563185-vmss00000{i}" for i in range(3)]
    zones = [n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in nodes]
    assert zones == ["eastus-1", "eastus-2", "eastus-3"]
    for n in nodes:
        labels = n["metadata"]["labels"]
        assert labels["kubernetes.io/hostname"] == n["metadata"]["name"]
        assert labels["node.kubernetes.io/instance-type"] == "Standard_DS2_v2"
        assert labels["kubernetes.azure.com/agentpool"] == labels["agentpool"] == "nodepool1"
        assert n["status"]["nodeInfo"]["kubeletVersion"] == f"v{kl.KUBERNETES_VERSION}"


@pytest.mark.parametrize("preset, cluster_ip", [("aks-3node", "10.0.0.1"), ("kind-1node", "10.96.0.1")])
def test_a_preset_sets_the_service_cidr_so_the_kubernetes_service_gets_its_first_address(preset, cluster_ip):
    assert kl.Cluster.from_preset(preset).get("service", "kubernetes").spec.cluster_ip == cluster_ip


def test_kind_one_node_cluster_has_no_control_plane_taint():
    # kind removes the taint when there are no workers (kind: pkg/cluster/internal/create/actions/kubeadminit)
    node = course.control_plane_lab("kind-1node").api.list(kl.Cluster().api.resource("nodes"))[0]
    assert "taints" not in node["spec"]
    assert "node-role.kubernetes.io/control-plane" in node["metadata"]["labels"]


def test_control_plane_lab_has_the_preset_nodes_and_no_components():
    lab = course.control_plane_lab("aks-3node")
    assert lab.components == {}
    assert lab.etcd.keys("/registry/minions/") == kl.Cluster.from_preset("aks-3node").etcd.keys("/registry/minions/")


def test_an_unknown_preset_is_not_found():
    with pytest.raises(kl.NotFound):
        course.control_plane_lab("nope")


# -- chapter 02 helpers -----------------------------------------------------------------------------------
@pytest.mark.parametrize("desired, observed, actions", [
    (0, [], []),
    (2, [], [("create", "web-0"), ("create", "web-1")]),
    (3, ["web-1"], [("create", "web-0"), ("create", "web-2")]),
    (1, ["web-0", "web-1", "web-10", "web-2"], [("delete", "web-10"), ("delete", "web-2"), ("delete", "web-1")]),
    (2, ["web-0", "web-1"], []),
], ids=["nothing wanted and nothing there", "two wanted from none", "gaps are filled lowest first",
        "extras go highest ordinal first", "already converged"])
def test_reconcile_closes_the_gap_between_desired_and_observed(desired, observed, actions):
    assert course.reconcile_replicas(desired, observed, "web") == actions


REPLICAS = """apiVersion: v1
kind: ConfigMap
metadata: {name: web-replicas, labels: {k8slab.io/replicas-of: web}}
data: {replicas: "%d", image: nginx:1.27}
"""


def _pods(lab):
    return [p["metadata"]["name"] for p in lab.api.list(lab.api.resource("pods"))]


def test_the_mini_controller_acts_a_second_later_on_the_clock_and_heals():
    lab = course.control_plane_lab()
    ctl = lab.add_component(course.MiniReplicaController())
    lab.apply(REPLICAS % 3)
    assert _pods(lab) == []  # nothing happens until the clock moves
    lab.run(2)
    assert _pods(lab) == ["web-0", "web-1", "web-2"]
    lab.delete("pod", "web-1")
    lab.run(2)
    assert _pods(lab) == ["web-0", "web-1", "web-2"]
    lab.apply(REPLICAS % 1)
    lab.run(2)
    assert _pods(lab) == ["web-0"]
    assert repr(ctl).splitlines()[-1] == "t=5s delete pod/web-1"
    lab.delete("configmap", "web-replicas")
    assert _pods(lab) == []  # owned by the ConfigMap: garbage collected


def test_the_watch_log_lists_events_in_order():
    lab = course.control_plane_lab()
    log = course.watch_log(lab, "cm")
    lab.apply(REPLICAS % 1)
    lab.delete("configmap", "web-replicas")
    assert [(t, k) for t, _rv, k in log.events] == [("ADDED", "/registry/configmaps/default/web-replicas"),
                                                   ("DELETED", "/registry/configmaps/default/web-replicas")]
