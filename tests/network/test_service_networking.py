"""Services: ClusterIP and NodePort allocation errors, the health check node port, the Azure load balancer, egress."""

import pytest

import k8slab as kl
from k8slab.network.load_balancer import default_snat_ports
from netlab import add_nodes, net_lab, run_pod


def svc(name, type_="NodePort", **spec):
    ports = spec.pop("ports", [{"port": 80}])
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"type": type_, "selector": {"app": name}, "ports": ports, **spec}}


# upstream: pkg/registry/core/service/portallocator and ipallocator error texts
BAD = [
    (svc("a", ports=[{"port": 80, "nodePort": 40000}]),
     'The Service "a" is invalid: spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid '
     "range. The range of valid ports is 30000-32767", "a node port outside 30000-32767"),
    (svc("a", "ClusterIP", clusterIP="10.200.0.5"),
     'The Service "a" is invalid: spec.clusterIPs: Invalid value: []string{"10.200.0.5"}: failed to allocate IP '
     "10.200.0.5: the provided IP (10.200.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/12",
     "a cluster IP outside the service CIDR"),
]


@pytest.mark.parametrize("obj, message", [b[:2] for b in BAD], ids=[f"rejects {b[2]}" for b in BAD])
def test_allocation_errors(obj, message):
    lab = net_lab()
    with pytest.raises(kl.Invalid) as err:
        lab.apply(obj)
    assert str(err.value) == message


def test_node_port_collision():
    lab = net_lab()
    lab.apply(svc("a", ports=[{"port": 80, "nodePort": 30080}]))
    with pytest.raises(kl.Invalid) as err:
        lab.apply(svc("b", ports=[{"port": 80, "nodePort": 30080}]))
    assert str(err.value) == ('The Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided '
                              "port is already allocated")
    lab.delete("service", "a")
    lab.apply(svc("b", ports=[{"port": 80, "nodePort": 30080}]))  # released with the Service


def test_aks_service_cidr_and_dns_address():
    lab = net_lab(service_cidr="10.0.0.0/16")
    assert lab.get("service", "kubernetes").spec.cluster_ip == "10.0.0.1"
    assert lab.service_ips.dns_ip == "10.0.0.10"


def test_load_balancer_gets_a_public_ip_rules_and_probes():
    lab = net_lab()
    add_nodes(lab, 3)
    lab.apply([svc("web", "LoadBalancer"), svc("api", "LoadBalancer", externalTrafficPolicy="Local")])
    assert lab.kubectl("get svc web").stdout.split()[9] == "<pending>"  # before the controller acts
    lab.run(1)
    web, api = lab.get("service", "web"), lab.get("service", "api")
    assert web.status.load_balancer.ingress[0].ip == "203.0.113.2"  # .1 is the outbound rule's IP
    assert api.spec.health_check_node_port is not None
    lb = lab.network.load_balancer
    assert str(lb.frontends["default/web"].rules[0]) == f"TCP 80 -> nodes:{web.spec.ports[0].node_port} " \
                                                       f"(probe Tcp:{web.spec.ports[0].node_port})"
    assert lb.frontends["default/api"].rules[0].probe == f"Http:{api.spec.health_check_node_port}/healthz"
    reasons = [e.reason for e in lab.list("event") if e.involved_object.name == "web"]
    assert reasons == ["EnsuringLoadBalancer", "EnsuredLoadBalancer"]


def test_default_snat_ports_table():
    # https://learn.microsoft.com/azure/load-balancer/load-balancer-outbound-connections (default port allocation)
    assert [default_snat_ports(n) for n in (1, 50, 51, 100, 101, 200, 201, 400, 401, 800, 801, 1000)] == \
        [1024, 1024, 512, 512, 256, 256, 128, 128, 64, 64, 32, 32]


@pytest.mark.parametrize("outbound, last_hop", [
    ("loadBalancer", "Azure Load Balancer outbound rule: SNAT to its public IP 203.0.113.1 (1,024 SNAT ports per "
                     "node with 1 node(s) in the backend pool)"),
    ("managedNATGateway", "NAT gateway on the node subnet: SNAT to its public IP 203.0.113.2 (64,512 SNAT ports per "
                          "public IP, shared by all nodes)"),
    ("userDefinedRouting", "route table: 0.0.0.0/0 -> VirtualAppliance 10.0.1.4; the firewall filters and SNATs "
                           "(its rules are not simulated)"),
], ids=["through the load balancer", "through a NAT gateway", "through a firewall"])
def test_egress_paths(outbound, last_hop):
    lab = net_lab(network={"plugin": "azure-cni-overlay", "outbound_type": outbound, "firewall_ip": "10.0.1.4"})
    add_nodes(lab, 1)
    run_pod(lab, "default", "p")
    path = lab.network.egress("default/p")
    assert path.hops[-1] == last_hop
    assert path.hops[1].endswith("SNAT to the node's address 10.224.0.4")


def test_connect_external_goes_through_a_healthy_node():
    lab = net_lab()
    add_nodes(lab, 3)
    lab.apply(svc("web", "LoadBalancer", externalTrafficPolicy="Local", selector={"app": "web"}))
    run_pod(lab, "default", "web-0", {"app": "web"}, node="node-2")
    lab.run(1)
    seen = {lab.network.connect_external("default/web", "198.51.100.7").endpoint.node for _ in range(30)}
    assert seen == {"node-2"}  # the probes of node-0 and node-1 are down: no local endpoint
    f = lab.network.connect_external("default/web", "198.51.100.7")
    assert f.source_ip == "198.51.100.7"
    lab.delete("pod", "web-0")
    lab.run(1)
    assert lab.network.connect_external("default/web").verdict == "dropped"
