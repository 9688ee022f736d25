"""Pod addresses per plugin, node pod CIDRs, kubenet's route table, and what running out looks like."""

import pytest

import k8slab as kl
from k8slab.network.ipam import PodIPAM, SandboxError
from netlab import add_nodes, net_lab, run_pod


def fake_pod(name, uid="0"):
    return {"metadata": {"name": name, "namespace": "default", "uid": uid}}


def test_kubenet_range_and_the_host_local_error():
    ipam = PodIPAM("kubenet", "10.244.0.0/16")
    ipam.add_node("n0", "10.224.0.4")
    ipam.add_node("n1", "10.224.0.5")
    assert ipam.node_cidrs == {"n0": "10.244.0.0/24", "n1": "10.244.1.0/24"}
    ips = [ipam.allocate(fake_pod(f"p{i}"), "n1") for i in range(253)]
    assert ips[0] == "10.244.1.2" and ips[-1] == "10.244.1.254"
    with pytest.raises(SandboxError) as err:
        ipam.allocate(fake_pod("one-too-many", uid="u"), "n1")
    msg = str(err.value)
    assert msg.startswith("Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network "
                          'for sandbox "')
    assert msg.endswith('": plugin type="bridge" failed (add): failed to allocate for range 0: '
                        "no IP addresses available in range set: 10.244.1.1-10.244.1.254")
    ipam.release(fake_pod("p7"))
    assert ipam.allocate(fake_pod("again"), "n1") == "10.244.1.9"  # host-local: next after the last handed out


def test_kubenet_route_table_holds_400_routes():
    ipam = PodIPAM("kubenet", "10.240.0.0/12")
    got = [ipam.add_node(f"n{i}", f"10.224.{i // 250}.{i % 250 + 4}") for i in range(401)]
    assert all(g["route"] for g in got[:400]) and got[400]["route"] is False
    assert len(ipam.routes) == 400


def test_azure_cni_preallocates_max_pods_and_runs_out():
    ipam = PodIPAM("azure-cni", None, node_subnet="10.240.0.0/26")  # 64 - 5 = 59 usable
    assert ipam.add_node("n0", "10.240.0.4", max_pods=30) == {"reserved": 30}
    assert ipam.add_node("n1", "10.240.0.35", max_pods=30) == {"reserved": 27}  # 59 - 2 nodes - 30
    assert ipam.subnet_free == 0
    for i in range(27):
        ipam.allocate(fake_pod(f"p{i}"), "n1")
    with pytest.raises(SandboxError, match="Failed to allocate pool: Failed to delegate: Failed to allocate address: "
                                           "No available addresses$"):
        ipam.allocate(fake_pod("p27"), "n1")


def test_overlay_pod_cidr_exhaustion_leaves_a_node_without_range():
    ipam = PodIPAM("azure-cni-overlay", "10.244.0.0/23")  # room for two /24s
    assert [ipam.add_node(f"n{i}").get("podCIDR") for i in range(3)] == ["10.244.0.0/24", "10.244.1.0/24", None]
    with pytest.raises(SandboxError) as err:
        ipam.allocate(fake_pod("p"), "n2")
    assert err.value.reason == "NetworkNotReady"


def test_pod_subnet_hands_out_batches_of_16():
    ipam = PodIPAM("azure-cni-pod-subnet", None, node_subnet="10.224.0.0/24", pod_subnet="10.225.0.0/24")
    assert ipam.add_node("n0", max_pods=40) == {"reserved": 16}
    for i in range(17):
        ipam.allocate(fake_pod(f"p{i}"), "n0")
    assert ipam.ranges["n0"].granted == 32
    for i in range(17, 40):
        ipam.allocate(fake_pod(f"p{i}"), "n0")
    assert ipam.ranges["n0"].granted == 40  # clamped at max pods
    with pytest.raises(SandboxError, match="not enough IPs available"):
        ipam.allocate(fake_pod("p40"), "n0")


def test_node_ipam_controller_sets_pod_cidr_and_route_condition():
    lab = net_lab(network={"plugin": "kubenet"})
    add_nodes(lab, 2)
    nodes = lab.list("node")
    assert [n.spec.pod_cidr for n in nodes] == ["10.244.0.0/24", "10.244.1.0/24"]
    cond = [c for c in nodes[0].status.conditions if c.type == "NetworkUnavailable"][0]
    assert (cond.status, cond.reason, cond.message) == ("False", "RouteCreated", "RouteController created a route")
    run_pod(lab, "default", "p", node="node-1")
    assert lab.get("pod", "p").status.pod_ip == "10.244.1.2"


def test_cidr_not_available_event():
    lab = net_lab(network={"plugin": "kubenet", "pod_cidr": "10.244.0.0/24"})
    add_nodes(lab, 2)
    assert "podCIDR" not in (lab.api.get(lab.api.resource("nodes"), None, "node-1").get("spec") or {})
    events = [e for e in lab.list("event") if e.reason == "CIDRNotAvailable"]
    assert [e.message for e in events] == ["Node node-1 status is now: CIDRNotAvailable"]


BAD = [
    ({"pod_cidr": "10.96.0.0/16"}, "the service CIDR 10.96.0.0/12 overlaps the pod CIDR 10.96.0.0/16: they must not "
                                   "overlap", "overlapping service and pod CIDRs"),
    ({"pod_cidr": "10.244.0.0/33"}, "invalid pod CIDR '10.244.0.0/33': '10.244.0.0/33' does not appear to be an IPv4 "
                                    "or IPv6 network", "an invalid pod CIDR"),
    ({"plugin": "flannel"}, "unknown network plugin 'flannel': expected one of kindnet, kubenet, azure-cni, "
                            "azure-cni-overlay, azure-cni-pod-subnet", "an unknown plugin"),
    ({"policy": "weave"}, "unknown network policy engine 'weave': expected one of kindnet, azure, calico, cilium, none",
     "an unknown policy engine"),
]


@pytest.mark.parametrize("settings, message", [b[:2] for b in BAD], ids=[f"rejects {b[2]}" for b in BAD])
def test_bad_network_settings(settings, message):
    with pytest.raises(ValueError) as err:
        net_lab(network=settings)
    assert str(err.value) == message
