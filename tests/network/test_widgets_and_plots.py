"""Widgets (headless: w.result) and plots (they draw and return the axes) of the networking chapters."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from k8slab.network import labs  # noqa: E402
from k8slab.network.exercises import EXERCISES, check  # noqa: E402
from k8slab.plot import network as netplot  # noqa: E402
from k8slab.widgets import network as netwidgets  # noqa: E402
from netlab import add_nodes, net_lab, run_pod  # noqa: E402


@pytest.fixture(scope="module")
def lab():
    lab = net_lab()
    add_nodes(lab, 2)
    lab.apply("""
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {type: LoadBalancer, externalTrafficPolicy: Local, selector: {app: web}, ports: [{name: http, port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
  - host: shop.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny}
spec: {podSelector: {matchLabels: {app: web}}}
""")
    for i in range(2):
        run_pod(lab, "default", f"web-{i}", {"app": "web"}, node=f"node-{i}")
    run_pod(lab, "default", "client", {"app": "client"})
    lab.run(1)
    return lab


def test_ingress_route_widget(lab):
    w = netwidgets.ingress_route_widget(lab, "shop.example.com", "/x")
    assert (w.result.service, w.result.port) == ("web", 80)
    assert w.ask("other.example.com", "/") is None


def test_connectivity_widget(lab):
    w = netwidgets.connectivity_widget(lab)
    v = w.ask("default/client", "default/web-0", 80)
    assert (v.allowed, v.policies) == (False, ("default/deny",))


def test_ip_planner_widget_follows_its_sliders():
    w = netwidgets.ip_planner_widget("azure-cni", nodes=50, max_pods=30, prefix=22)
    assert (w.result.ips_required, w.result.fits) == (1581, False)
    assert w.set(prefix=21).fits is True
    assert w.set(plugin="kubenet", max_pods=110).ips_required == 51


def test_plots_draw(lab):
    import matplotlib.pyplot as plt

    m = lab.network.matrix(port=80)
    for ax in (netplot.draw_service_path(lab, "default/web"),
               netplot.plot_distribution(lab.network.proxy.distribution("default/web", 100)),
               netplot.draw_matrix(m), netplot.draw_connectivity_graph(m),
               netplot.plot_ip_budget(labs_plans()), netplot.plot_ip_scaling("10.240.0.0/20", 450)):
        assert ax.get_title()
        plt.close(ax.figure)
    path = netplot.service_path(lab, "default/web")
    assert path["local"] is True and len(path["endpoints"]) == 2
    assert all("probe: up, 1 local" in v for v in path["node_ports"].values())


def labs_plans():
    import k8slab as kl

    return [kl.plan_ips(p, nodes=10, subnet="10.240.0.0/24") for p in ("kubenet", "azure-cni")]


def test_aks_lab_uses_azure_cni_node_addresses():
    lab = labs.aks_lab("azure-cni", nodes=3, node_subnet="10.240.0.0/24")
    lab.run(1)
    ips = [n.status.addresses[0].address for n in lab.list("node")]
    assert ips == ["10.240.0.4", "10.240.0.35", "10.240.0.66"]
    assert lab.network.ipam.subnet_free == 251 - 3 * 31


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_every_exercise_has_a_right_answer_and_a_hint(exercise):
    right = {"13-first-rule": 0.25, "13-dns-queries": 4, "13-ingress-backend": "api", "13-source-ip": "Local",
             "14-default-deny": 6, "14-and-or": "AND", "14-engine-none": True, "15-azure-cni-ips": 3131,
             "15-smallest-prefix": "/20", "15-kubenet-limit": 400}[exercise]
    assert check(exercise, right).ok
    assert not check(exercise, "something else").ok
