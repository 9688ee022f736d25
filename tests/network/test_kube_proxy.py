"""kube-proxy (iptables mode): chain names, probabilities, endpoint categories, affinity, traffic policies."""

import pytest

import k8slab as kl
from k8slab.network.kube_proxy import (
    ServiceEndpoint,
    categorize_endpoints,
    endpoint_chain,
    pick_endpoint,
    port_proto_hash,
    probability,
    service_chain,
)
from netlab import add_nodes, net_lab, run_pod


# upstream: pkg/proxy/iptables/proxier_test.go expected chains
@pytest.mark.parametrize("name, proto, chain", [
    ("default/kubernetes:https", "TCP", "KUBE-SVC-NPX46M4PTMTKRN6Y"),
    ("ns1/svc1:p80", "TCP", "KUBE-SVC-XPGD46QRK7WJZT7O"),
], ids=["the kubernetes Service's chain", "proxier_test's ns1/svc1:p80"])
def test_service_chain_names(name, proto, chain):
    assert service_chain(name, proto) == chain


def test_endpoint_chain_name_from_proxier_test():
    assert endpoint_chain("ns1/svc1:p80", "TCP", "10.180.0.1:80") == "KUBE-SEP-SXIVWICOYRO3J4NJ"
    assert len(port_proto_hash("x", "tcp")) == 16


def test_probabilities_are_one_over_the_endpoints_left():
    assert [probability(n) for n in (4, 3, 2)] == ["0.2500000000", "0.3333333333", "0.5000000000"]


def E(name, node, ready=True, serving=None, terminating=False):  # noqa: N802
    return ServiceEndpoint(f"10.0.0.{name}", 80, f"ns/{name}", node, ready, ready if serving is None else serving,
                           terminating)


# upstream: pkg/proxy/topology_test.go TestCategorizeEndpoints (cases without topology hints)
CATEGORIES = [
    ([E("1", "n1"), E("2", "n2", ready=False)], "n1", False, ["1"], True, "Cluster: ready endpoints only"),
    ([E("1", "n1", ready=False, serving=True, terminating=True), E("2", "n2", ready=False)], "n1", False, ["1"], True,
     "Cluster: no ready endpoint anywhere, fall back to serving terminating ones"),
    ([E("1", "n1", ready=False), E("2", "n2", ready=False)], "n1", False, [], False,
     "Cluster: nothing usable means no endpoints"),
    ([E("1", "n1"), E("2", "n2")], "n1", True, ["1"], True, "Local: only the node's own endpoints"),
    ([E("2", "n2")], "n1", True, [], True, "Local: endpoints elsewhere only, so none here but the Service has some"),
    ([E("1", "n1", ready=False, serving=True, terminating=True), E("2", "n2")], "n1", True, ["1"], True,
     "Local: a local serving terminating endpoint when no local one is ready"),
]


@pytest.mark.parametrize("eps, node, local, expected, has_any", [c[:5] for c in CATEGORIES],
                         ids=[c[5] for c in CATEGORIES])
def test_categorize_endpoints(eps, node, local, expected, has_any):
    usable, any_ = categorize_endpoints(eps, node, local)
    assert [e.pod.split("/")[1] for e in usable] == expected
    assert any_ is has_any


def web_lab(**svc_spec):
    lab = net_lab(seed=3)
    add_nodes(lab, 2)
    spec = {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}], **svc_spec}
    lab.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": spec})
    for i in range(3):
        run_pod(lab, "default", f"web-{i}", {"app": "web"}, node=f"node-{i % 2}")
    run_pod(lab, "default", "client", {"app": "client"}, node="node-1")
    lab.run(1)
    return lab


def test_iptables_spreads_connections_evenly():
    lab = web_lab()
    counts = lab.network.proxy.distribution("default/web", 30_000)
    assert set(counts) == {"default/web-0", "default/web-1", "default/web-2"}
    assert all(abs(c - 10_000) < 400 for c in counts.values())  # 1/3 each, within 4 sigma


def test_rules_are_iptables_save_lines():
    lab = web_lab()
    rules = lab.network.proxy.rules("default/web")
    chain = service_chain("default/web:http", "TCP")
    ip = lab.get("service", "web").spec.cluster_ip
    assert rules[0] == (f'-A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp '
                        f"-d {ip} --dport 80 -j {chain}")
    assert "--probability 0.3333333333" in rules[1] and "--probability 0.5000000000" in rules[2]
    assert "statistic" not in rules[3]


def test_no_endpoints_is_rejected():
    lab = web_lab(selector={"app": "nothing"})
    f = lab.network.forward("default/web", "default/client")
    assert (f.verdict, f.reason, bool(f)) == ("rejected", "default/web:http has no endpoints", False)
    assert pick_endpoint(lab, "default/web", "default/client") is None
    assert lab.network.proxy.rules("default/web")[0].endswith("--dport 80 -j REJECT")


def test_session_affinity_client_ip_sticks_until_the_timeout():
    lab = web_lab(sessionAffinity="ClientIP", sessionAffinityConfig={"clientIP": {"timeoutSeconds": 60}})
    first = pick_endpoint(lab, "default/web", "default/client")
    assert all(pick_endpoint(lab, "default/web", "default/client") == first for _ in range(50))
    lab.run(61)
    seen = {pick_endpoint(lab, "default/web", "10.9.9.9").pod for _ in range(200)}
    assert len(seen) == 1  # another client sticks to its own endpoint
    assert any("--rcheck --seconds 60 --reap" in r for r in lab.network.proxy.rules("default/web"))


def test_internal_traffic_policy_local_uses_only_the_clients_node():
    lab = web_lab(internalTrafficPolicy="Local")
    pods = {pick_endpoint(lab, "default/web", "default/client").pod for _ in range(100)}
    assert pods == {"default/web-1"}  # client runs on node-1 with web-1 only


def test_external_traffic_policy_local_keeps_the_source_and_drops_without_local_endpoints():
    lab = web_lab(type="NodePort", externalTrafficPolicy="Local")
    lab.api.delete(lab.api.resource("pods"), "default", "web-1")
    lab.run(40)
    f = lab.network.forward("default/web", "198.51.100.7", node="node-0", external=True)
    assert f.verdict == "forwarded" and f.source_ip == "198.51.100.7"
    lab2 = web_lab(type="NodePort", externalTrafficPolicy="Cluster")
    f2 = lab2.network.forward("default/web", "198.51.100.7", node="node-0", external=True)
    assert f2.source_ip == "10.224.0.4"  # SNAT to the node: the client address is lost
    lab3 = web_lab(type="NodePort", externalTrafficPolicy="Local", selector={"app": "web", "only": "here"})
    run_pod(lab3, "default", "lonely", {"app": "web", "only": "here"}, node="node-0")
    lab3.run(1)
    f3 = lab3.network.forward("default/web", "198.51.100.7", node="node-1", external=True)
    assert (f3.verdict, f3.reason) == ("dropped", "default/web:http has no local endpoints")
