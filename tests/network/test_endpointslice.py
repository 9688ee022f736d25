"""EndpointSlice and Endpoints controllers: conditions, slicing at 100, names, labels, placeholder, legacy Endpoints."""

import re

import pytest

import k8slab as kl
from k8slab.network.endpointslice import (
    desired_endpoints,
    endpoints_subsets,
    plan_slices,
    should_pod_be_in_endpoints,
)
from netlab import add_nodes, net_lab, run_pod


def pod(name="p", phase="Running", ip="10.244.0.5", ready=True, deleting=False, labels=None, hostname=None,
        subdomain=None):
    meta = {"name": name, "namespace": "default", "uid": f"uid-{name}", "labels": labels or {"app": "web"}}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:10Z"
    spec = {"nodeName": "n1", "containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 8080}]}]}
    if hostname:
        spec["hostname"] = hostname
    if subdomain:
        spec["subdomain"] = subdomain
    status = {"phase": phase, "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    if ip:
        status["podIP"] = ip
    return {"metadata": meta, "spec": spec, "status": status}


def service(publish=False, headless=False):
    spec = {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http",
                                                   "protocol": "TCP"}]}
    if publish:
        spec["publishNotReadyAddresses"] = True
    if headless:
        spec["clusterIP"] = "None"
    return {"metadata": {"name": "web", "namespace": "default", "uid": "svc-uid"}, "spec": spec}


# upstream: staging/src/k8s.io/endpointslice/util/controller_utils_test.go TestShouldPodBeInEndpoints
SHOULD = [
    (pod(phase="Failed"), False, False, "a failed pod is left out"),
    (pod(phase="Succeeded"), False, False, "a succeeded pod is left out"),
    (pod(ip=None), False, False, "a pod without an IP is left out"),
    (pod(phase="Pending"), False, True, "a pending pod with an IP is included"),
    (pod(deleting=True), False, False, "a terminating pod is left out when terminating ones are not wanted"),
    (pod(deleting=True), True, True, "and included when they are"),
]


@pytest.mark.parametrize("p, include_terminating, expected", [s[:3] for s in SHOULD], ids=[s[3] for s in SHOULD])
def test_should_pod_be_in_endpoints(p, include_terminating, expected):
    assert should_pod_be_in_endpoints(p, include_terminating) is expected


# upstream: staging/src/k8s.io/endpointslice/utils_test.go TestPodToEndpoint (conditions)
CONDITIONS = [
    (pod(), False, {"ready": True, "serving": True, "terminating": False}, "a ready pod"),
    (pod(ready=False), False, {"ready": False, "serving": False, "terminating": False}, "a pod that is not ready"),
    (pod(ready=False), True, {"ready": True, "serving": False, "terminating": False},
     "publishNotReadyAddresses makes a not-ready pod ready"),
    (pod(deleting=True), False, {"ready": False, "serving": True, "terminating": True},
     "a ready terminating pod is serving but not ready"),
    (pod(deleting=True, ready=False), False, {"ready": False, "serving": False, "terminating": True},
     "a terminating pod that failed readiness serves no more"),
    (pod(deleting=True), True, {"ready": True, "serving": True, "terminating": True},
     "publishNotReadyAddresses keeps a terminating pod ready"),
]


@pytest.mark.parametrize("p, publish, conditions", [c[:3] for c in CONDITIONS], ids=[c[3] for c in CONDITIONS])
def test_endpoint_conditions(p, publish, conditions):
    [(ports, ep)] = desired_endpoints(service(publish), [p])
    assert ep["conditions"] == conditions
    assert ports == (("http", 8080, "TCP", None),)
    assert ep["targetRef"] == {"kind": "Pod", "namespace": "default", "name": "p", "uid": "uid-p"}


def test_hostname_only_for_the_pods_subdomain():
    eps = desired_endpoints(service(headless=True), [pod("a", hostname="web-0", subdomain="web", ip="10.244.0.2"),
                                                     pod("b", hostname="other", subdomain="db", ip="10.244.0.3")])
    assert [ep.get("hostname") for _, ep in eps] == ["web-0", None]


def eps(n):
    return desired_endpoints(service(), [pod(f"p{i:03}", ip=f"10.244.{i // 250}.{i % 250 + 2}") for i in range(n)])


def test_slices_hold_at_most_100_endpoints():
    create, update, delete = plan_slices([], eps(250))
    assert [len(s["endpoints"]) for s in create] == [100, 100, 50]
    assert update == delete == []


def test_placeholder_for_a_service_without_endpoints_and_its_reuse():
    create, _, _ = plan_slices([], [])
    assert create == [{"endpoints": [], "ports": []}]
    placeholder = {"metadata": {"name": "web-abcde"}, "endpoints": [], "ports": []}
    create, update, delete = plan_slices([placeholder], eps(3))
    assert create == [] and delete == []  # reconciler.go finalize: creates become updates of deletes
    assert update[0]["metadata"]["name"] == "web-abcde" and len(update[0]["endpoints"]) == 3


def test_endpoints_stay_in_their_slice():
    first, _, _ = plan_slices([], eps(150))
    existing = [{**s, "metadata": {"name": f"web-{i}"}, "ports": s["ports"]} for i, s in enumerate(first)]
    desired = eps(150)[1:] + eps(151)[150:]  # p000 gone, p150 new
    create, update, delete = plan_slices(existing, desired)
    assert create == [] and delete == []
    [changed] = update
    assert changed["metadata"]["name"] == "web-0"  # the slice that lost p000 takes p150
    assert changed["endpoints"][-1]["targetRef"]["name"] == "p150"


def test_legacy_endpoints_subsets():
    subsets, truncated = endpoints_subsets(service(), [pod("a", ip="10.244.0.9"), pod("b", ip="10.244.0.10"),
                                                      pod("c", ip="10.244.0.3", ready=False),
                                                      pod("d", ip="10.244.0.4", deleting=True)])
    assert truncated is False
    [s] = subsets
    # upstream LessEndpointAddress compares the IP strings byte by byte: "10.244.0.10" < "10.244.0.9"
    assert [a["ip"] for a in s["addresses"]] == ["10.244.0.10", "10.244.0.9"]
    assert [a["ip"] for a in s["notReadyAddresses"]] == ["10.244.0.3"]
    assert s["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]


def test_controller_creates_named_labelled_slices_and_follows_readiness():
    lab = net_lab(seed=1)
    add_nodes(lab, 1)
    lab.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "labels": {"tier": "front"}},
               "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}})
    lab.run(1)
    [placeholder] = lab.list("endpointslice")
    assert re.fullmatch(r"web-[bcdfghjklmnpqrstvwxz2456789]{5}", placeholder.metadata.name)
    assert placeholder.endpoints is None or placeholder.endpoints == []
    for i in range(3):
        run_pod(lab, "default", f"web-{i}", {"app": "web"}, ready=i != 2)
    lab.run(1)
    [s] = lab.list("endpointslice")
    assert s.metadata.name == placeholder.metadata.name
    assert s.metadata.labels == {"tier": "front", "kubernetes.io/service-name": "web",
                                 "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}
    assert s.metadata.owner_references[0].kind == "Service"
    assert [e.conditions.ready for e in s.endpoints] == [True, True, False]
    out = lab.kubectl("get endpoints web").stdout.splitlines()[1].split()
    assert out[:2] == ["web", "10.244.0.2:8080,10.244.0.3:8080"]
    lab.delete("service", "web")
    lab.run(1)
    assert lab.list("endpointslice") == [] and lab.list("endpoints") == []


def test_a_pod_relabelled_out_of_the_selector_leaves_the_slice():
    lab = net_lab(seed=1)
    add_nodes(lab, 1)
    lab.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    p = run_pod(lab, "default", "web-0", {"app": "web"})
    lab.run(1)
    assert len(lab.list("endpointslice")[0].endpoints) == 1
    p = lab.api.get(lab.api.resource("pods"), "default", "web-0")
    p["metadata"]["labels"] = {"app": "debug"}
    lab.api.write_status(lab.api.resource("pods"), p)
    lab.run(1)
    assert not lab.list("endpointslice")[0].endpoints
