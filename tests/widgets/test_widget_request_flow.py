"""The request-flow function on the chapter's manifests, and the widget driven headless."""

import subprocess
import sys
from pathlib import Path

import pytest

from k8slab.course import control_plane_lab
from k8slab.widgets import request_flow, request_flow_widget

REQUESTS = Path(__file__).resolve().parents[2] / "data" / "manifests" / "02-how-kubernetes-works" / "requests"


def _read(name):
    return (REQUESTS / name).read_text()


P, F, N = "passed", "failed", "not reached"


@pytest.mark.parametrize("name, request_line, states, error", [
    ("1-pod.yaml", "POST /api/v1/namespaces/default/pods", [P, P, P, P, P, P], None),
    ("2-missing-image.yaml", "POST /api/v1/namespaces/default/pods", [P, P, P, F, N, N],
     'The Pod "no-image" is invalid: spec.containers[0].image: Required value'),
    ("3-typo.yaml", "POST /api/v1/namespaces/default/pods", [N, N, N, N, N, N],
     'Error from server (BadRequest): Pod in version "v1" cannot be handled as a Pod: '
     'strict decoding error: unknown field "spec.contianers"'),
    ("4-missing-namespace.yaml", "POST /api/v1/namespaces/shop/configmaps", [P, P, F, N, N, N],
     'Error from server (NotFound): namespaces "shop" not found'),
], ids=["a valid pod is stored", "a pod without an image fails validation",
        "a misspelt field is refused while decoding", "a missing namespace is refused by admission"])
def test_each_chapter_manifest_goes_as_far_as_upstream_lets_it(name, request_line, states, error):
    # per stage, so that admission plugins added to the lab do not change the verdict
    from k8slab.plot.pipeline import pipeline_stages

    lab = control_plane_lab()
    before = lab.etcd.revision
    flow = request_flow(lab, _read(name))
    assert flow.request == request_line
    assert [s["state"] for s in pipeline_stages(flow)] == states
    assert flow.error == error
    if error:
        assert lab.etcd.revision == before and flow.key is None
    else:
        assert flow.key == "/registry/pods/default/web"
        assert flow.stored == lab.etcd.get(flow.key)


def test_sending_the_same_pod_twice_fails_at_storage():
    lab = control_plane_lab()
    request_flow(lab, _read("1-pod.yaml"))
    flow = request_flow(lab, _read("1-pod.yaml"))
    assert (flow.steps[-1].stage, flow.steps[-1].outcome) == ("storage", "exists")
    assert flow.error == 'Error from server (AlreadyExists): pods "web" already exists'


def test_an_unsupported_kind_is_not_sent():
    flow = request_flow(control_plane_lab(), "{apiVersion: example.com/v1, kind: Widget, metadata: {name: w}}")
    assert flow.request == "POST (not sent)"
    assert flow.error.endswith('no matches for kind "Widget" in version "example.com/v1"')


def test_a_cluster_scoped_object_posts_without_a_namespace():
    flow = request_flow(control_plane_lab(), "{apiVersion: v1, kind: Namespace, metadata: {name: shop}}")
    assert flow.request == "POST /api/v1/namespaces"
    assert flow.key == "/registry/namespaces/shop"


def test_importing_the_widgets_package_does_not_import_ipywidgets():
    code = "import sys, k8slab.widgets; print('ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_widget_sends_the_first_manifest_and_steps_through_it():
    w = request_flow_widget(REQUESTS)
    assert w.result.key == "/registry/pods/default/web"
    assert "etcd key" not in w.view.value  # the stored bytes appear only at the last step
    w.show_step(99)
    assert "etcd key <code>/registry/pods/default/web</code>" in w.view.value


def test_the_widget_keeps_its_lab_so_a_second_send_says_already_exists_until_a_new_lab():
    w = request_flow_widget(REQUESTS)
    assert w.send("1-pod.yaml").error == 'Error from server (AlreadyExists): pods "web" already exists'
    w.children[0].children[2].click()  # "new lab"
    assert w.result.ok


def test_the_widget_takes_a_dict_of_manifests_and_shows_errors_at_the_end():
    w = request_flow_widget({"bad": _read("2-missing-image.yaml")})
    assert not w.result.ok
    w.show_step(len(w.result.steps) - 1)
    assert "Nothing was written to etcd." in w.view.value
