"""Lifecycle drawings: the state machine has every STATUS, timelines label the back-offs."""

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import k8slab as kl  # noqa: E402
from k8slab.experiments.lifecycle import POD_STATES, PodWatch  # noqa: E402
from k8slab.plot.lifecycle import draw_pod_state_machine, draw_pod_timeline, status_color  # noqa: E402


def test_the_state_machine_draws_one_box_per_status_and_one_arrow_per_edge():
    ax = draw_pod_state_machine()
    texts = {t.get_text() for t in ax.texts}
    assert set(POD_STATES["nodes"]) <= texts
    assert {label for _, _, label in POD_STATES["edges"]} <= texts
    assert len([c for c in ax.get_children() if type(c).__name__ == "Annotation"]) >= len(POD_STATES["edges"])
    plt.close("all")


@pytest.mark.parametrize("status, ready, color", [
    ("Running", "1/1", "#2f9e44"), ("Running", "0/1", "#8ce99a"), ("CrashLoopBackOff", "0/1", "#f08c00"),
    ("ImagePullBackOff", "0/1", "#9c36b5"), ("ContainerCreating", "0/1", "#ced4da"), ("Completed", "0/1", "#1c7ed6"),
], ids=["ready", "running but not ready", "crash loop", "pull back-off", "creating", "completed"])
def test_status_colors(status, ready, color):
    assert status_color(status, ready) == color


def test_a_crash_loop_timeline_labels_each_finished_back_off():
    lab = kl.Cluster.from_preset("kind-1node")
    w = PodWatch(lab)
    lab.apply("data/manifests/03-pod-lifecycle/crashloop.yaml")
    lab.run(200)
    ax = draw_pod_timeline(w, ["crash"])
    assert [t.get_text() for t in ax.texts] == ["10s", "20s", "40s", "80s"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ContainerCreating", "Running, ready",
                                                                  "CrashLoopBackOff"]
    plt.close("all")
