"""Cluster DNS: the search path and ndots:5, Service, headless, StatefulSet-style and ExternalName records."""

import pytest

import k8slab as kl
from k8slab.network.dns import candidates
from netlab import add_nodes, net_lab, run_pod

NDOTS = [
    ("web", ["web.shop.svc.cluster.local", "web.svc.cluster.local", "web.cluster.local", "web"],
     "a bare name goes through the whole search path first"),
    ("web.shop", ["web.shop.shop.svc.cluster.local", "web.shop.svc.cluster.local", "web.shop.cluster.local",
                  "web.shop"], "one dot is still fewer than ndots:5"),
    ("a.b.c.d.e.f", ["a.b.c.d.e.f", "a.b.c.d.e.f.shop.svc.cluster.local", "a.b.c.d.e.f.svc.cluster.local",
                     "a.b.c.d.e.f.cluster.local"], "five dots: the name as written first"),
    ("example.com.", ["example.com"], "a trailing dot makes the name absolute"),
]


@pytest.mark.parametrize("name, expected", [n[:2] for n in NDOTS], ids=[n[2] for n in NDOTS])
def test_search_path_and_ndots(name, expected):
    assert candidates(name, "shop") == expected


@pytest.fixture(scope="module")
def lab():
    lab = net_lab(seed=0)
    add_nodes(lab, 1)
    lab.apply("""
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec: {clusterIP: None, selector: {app: db}, ports: [{name: pg, port: 5432}]}
---
apiVersion: v1
kind: Service
metadata: {name: payments, namespace: shop}
spec: {type: ExternalName, externalName: payments.example.com}
""")
    for i in range(2):
        run_pod(lab, "shop", f"db-{i}", {"app": "db"}, hostname=f"db-{i}", subdomain="db")
    run_pod(lab, "shop", "db-2", {"app": "db"}, hostname="db-2", subdomain="db", ready=False)
    lab.run(1)
    return lab


def test_a_service_name_resolves_to_its_cluster_ip(lab):
    ans = lab.network.resolve("web", "shop")
    assert ans.addresses == [lab.get("service", "web", "shop").spec.cluster_ip]
    assert [q.rcode for q in ans.queries] == ["NOERROR"]
    other = lab.network.resolve("web.shop", "default")  # from another namespace: one miss first
    assert [(q.name, q.rcode) for q in other.queries] == [("web.shop.default.svc.cluster.local", "NXDOMAIN"),
                                                          ("web.shop.svc.cluster.local", "NOERROR")]


def test_headless_service_answers_with_ready_pods_and_per_pod_names(lab):
    ips = {p.metadata.name: p.status.pod_ip for p in lab.list("pod", "shop")}
    assert lab.network.resolve("db", "shop").addresses == [ips["db-0"], ips["db-1"]]  # db-2 is not ready
    assert lab.network.resolve("db-1.db", "shop").addresses == [ips["db-1"]]
    assert lab.network.resolve("db-2.db", "shop").addresses == []


def test_srv_records(lab):
    ans = lab.network.resolve("_pg._tcp.db.shop.svc.cluster.local", "shop")
    assert [r.value for r in ans.records] == ["0 50 5432 db-0.db.shop.svc.cluster.local.",
                                              "0 50 5432 db-1.db.shop.svc.cluster.local."]


def test_external_name_is_a_cname(lab):
    ans = lab.network.resolve("payments", "shop")
    assert [(r.type, r.value) for r in ans.records] == [("CNAME", "payments.example.com.")]


def test_names_outside_the_cluster_cost_four_queries(lab):
    ans = lab.network.resolve("www.example.com", "shop")
    assert [q.rcode for q in ans.queries] == ["NXDOMAIN", "NXDOMAIN", "NXDOMAIN", "FORWARDED"]


def test_pod_a_records(lab):
    assert lab.network.resolve("10-244-0-7.shop.pod.cluster.local").addresses == ["10.244.0.7"]
