"""The architecture graph reflects the live lab; the drawing returns its axes; importing k8slab.plot stays light."""

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

from k8slab.course import MiniReplicaController, control_plane_lab  # noqa: E402
from k8slab.plot import architecture_graph, draw_architecture  # noqa: E402

POD = "{apiVersion: v1, kind: Pod, metadata: {name: %s}, spec: {containers: [{name: c, image: nginx}]%s}}"


def test_importing_the_plot_package_does_not_import_matplotlib_or_networkx():
    code = "import sys, k8slab.plot; print('matplotlib' in sys.modules, 'networkx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_the_graph_has_the_control_plane_the_nodes_and_where_pods_run():
    lab = control_plane_lab("aks-3node")
    lab.apply(POD % ("web", ""))
    lab.apply(POD % ("bound", ", nodeName: aks-nodepool1-27563185-vmss000001"))
    g = architecture_graph(lab)
    layers = {}
    for n, d in g.nodes(data=True):
        layers.setdefault(d["layer"], []).append(n)
    assert sorted(layers["control-plane"]) == ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]
    assert sorted(layers["node"]) == ["node/aks-nodepool1-27563185-vmss000000", "node/aks-nodepool1-27563185-vmss000001",
                                      "node/aks-nodepool1-27563185-vmss000002", "pending"]
    assert set(g.neighbors("pod/default/bound")) == {"node/aks-nodepool1-27563185-vmss000001"}
    assert set(g.neighbors("pod/default/web")) == {"pending"}
    assert set(g.neighbors("etcd")) == {"kube-apiserver"}  # only the API server talks to etcd
    assert g.nodes["node/aks-nodepool1-27563185-vmss000000"]["cpu"] == "1900m"


def test_components_show_as_running_when_the_lab_runs_them():
    lab = control_plane_lab()
    assert architecture_graph(lab).nodes["kube-controller-manager"]["running"] is False
    lab.add_component(MiniReplicaController())
    g = architecture_graph(lab)
    assert g.nodes["kube-controller-manager"]["running"] is True
    assert g.nodes["kube-scheduler"]["running"] is False


def test_draw_returns_the_axes_it_was_given_and_labels_what_is_not_running():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    lab = control_plane_lab("kind-1node")
    assert draw_architecture(lab, ax=ax) is ax
    texts = [t.get_text() for t in ax.texts]
    assert "kube-scheduler\n(not running)" in texts
    assert any(t.startswith("kind-control-plane\n") for t in texts)
    plt.close(fig)


def test_draw_makes_its_own_axes_and_caps_pods_per_node():
    import matplotlib.pyplot as plt

    lab = control_plane_lab("kind-1node")
    for i in range(9):
        lab.apply(POD % (f"p{i}", ", nodeName: kind-control-plane"))
    ax = draw_architecture(lab)
    assert "+3 more pods" in [t.get_text() for t in ax.texts]
    plt.close(ax.figure)
