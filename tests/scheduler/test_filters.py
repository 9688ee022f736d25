"""Taints, node affinity, ports, unschedulable, node name: cases from upstream's *_test.go tables."""

import numpy as np
import pytest
from schedtest import cache, node, node_info, pod

from k8slab.scheduler.plugins.node_affinity import ERR_REASON_POD, NodeAffinity
from k8slab.scheduler.plugins.node_name import NodeName
from k8slab.scheduler.plugins.node_ports import NodePorts
from k8slab.scheduler.plugins.node_unschedulable import NodeUnschedulable
from k8slab.scheduler.plugins.taint_toleration import TaintToleration, toleration_tolerates_taint
from k8slab.scheduler.podinfo import PodInfo
from k8slab.scheduler.status import Code, Status

# upstream: staging/src/k8s.io/api/core/v1/toleration_test.go TestTolerationToleratesTaint
TOLERATES = [
    ("toleration and taint have the same key and effect, and operator is Exists, and taint has no value, "
     "expect tolerated", {"key": "foo", "operator": "Exists", "effect": "NoSchedule"},
     {"key": "foo", "effect": "NoSchedule"}, True),
    ("toleration and taint have the same key and effect, and operator is Exists, and taint has some value, "
     "expect tolerated", {"key": "foo", "operator": "Exists", "effect": "NoSchedule"},
     {"key": "foo", "value": "bar", "effect": "NoSchedule"}, True),
    ("toleration and taint have the same effect, toleration has empty key and operator is Exists, means match "
     "all taints, expect tolerated", {"operator": "Exists", "effect": "NoSchedule"},
     {"key": "foo", "value": "bar", "effect": "NoSchedule"}, True),
    ("toleration and taint have the same key, effect and value, and operator is Equal, expect tolerated",
     {"key": "foo", "operator": "Equal", "value": "bar", "effect": "NoSchedule"},
     {"key": "foo", "value": "bar", "effect": "NoSchedule"}, True),
    ("toleration and taint have the same key and effect, but different values, and operator is Equal, "
     "expect not tolerated", {"key": "foo", "operator": "Equal", "value": "value1", "effect": "NoSchedule"},
     {"key": "foo", "value": "value2", "effect": "NoSchedule"}, False),
    ("toleration and taint have the same key and value, but different effects, and operator is Equal, "
     "expect not tolerated", {"key": "foo", "operator": "Equal", "value": "bar", "effect": "NoSchedule"},
     {"key": "foo", "value": "bar", "effect": "NoExecute"}, False),
]


@pytest.mark.parametrize("name, tol, taint, want", TOLERATES, ids=[c[0] for c in TOLERATES])
def test_toleration_tolerates_taint(name, tol, taint, want):
    assert toleration_tolerates_taint(tol, taint) is want


def _score(plugin, p, nodes, vectorized):
    c = cache(nodes)
    pi = PodInfo(p)
    idx = np.arange(len(nodes))
    if vectorized:
        return plugin.normalize_vec({}, plugin.score_vec({}, pi, c, idx)).tolist()
    return plugin.normalize({}, [plugin.score({}, pi, ni) for ni in c.infos])


def _t(k, v, e="PreferNoSchedule"):
    return {"key": k, "value": v, "effect": e}


# upstream: tainttoleration/taint_toleration_test.go TestTaintTolerationScore
TT_SCORE = [
    ("node with taints tolerated by the pod, gets a higher score than those node with intolerable taints",
     [{"key": "foo", "operator": "Equal", "value": "bar", "effect": "PreferNoSchedule"}],
     [[_t("foo", "bar")], [_t("foo", "blah")]], [100, 0]),
    ("the nodes that all of their taints are tolerated by the pod, get the same score, no matter how many "
     "tolerable taints a node has",
     [{"key": "cpu-type", "operator": "Equal", "value": "arm64", "effect": "PreferNoSchedule"},
      {"key": "disk-type", "operator": "Equal", "value": "ssd", "effect": "PreferNoSchedule"}],
     [[], [_t("cpu-type", "arm64")], [_t("cpu-type", "arm64"), _t("disk-type", "ssd")]], [100, 100, 100]),
    ("the more intolerable taints a node has, the lower score it gets.",
     [{"key": "foo", "operator": "Equal", "value": "bar", "effect": "PreferNoSchedule"}],
     [[], [_t("cpu-type", "arm64")], [_t("cpu-type", "arm64"), _t("disk-type", "ssd")]], [100, 50, 0]),
    ("only taints and tolerations that have effect PreferNoSchedule are checked by score",
     [{"key": "cpu-type", "operator": "Equal", "value": "arm64", "effect": "NoSchedule"},
      {"key": "disk-type", "operator": "Equal", "value": "ssd", "effect": "NoSchedule"}],
     [[], [_t("cpu-type", "arm64", "NoSchedule")], [_t("cpu-type", "arm64", "PreferNoSchedule")]], [100, 100, 0]),
    ("Default behaviour No taints and tolerations, lands on node with no taints",
     [], [[], [_t("cpu-type", "arm64")]], [100, 0]),
]


@pytest.mark.parametrize("name, tols, taints, want", TT_SCORE, ids=[c[0] for c in TT_SCORE])
@pytest.mark.parametrize("vectorized", [False, True], ids=["per node", "numpy"])
def test_taint_toleration_score(name, tols, taints, want, vectorized):
    nodes = [node(f"n{i}", taints=t) for i, t in enumerate(taints)]
    assert _score(TaintToleration(), pod("p", tolerations=tols), nodes, vectorized) == want


def test_taint_toleration_filter_message():
    # upstream: taint_toleration.go Filter -> "node(s) had untolerated taint(s)", UnschedulableAndUnresolvable
    ni = node_info(node("n", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]))
    assert TaintToleration().filter({}, PodInfo(pod("p")), ni) == Status(
        Code.UnschedulableAndUnresolvable, "node(s) had untolerated taint(s)")


def _req(*exprs):
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": list(exprs)}]}}}


# upstream: nodeaffinity/node_affinity_test.go TestNodeAffinity
AFFINITY = [
    ("missing labels", {"foo": "bar"}, None, {}, False),
    ("same labels", {"foo": "bar"}, None, {"foo": "bar"}, True),
    ("node labels are superset", {"foo": "bar"}, None, {"foo": "bar", "baz": "blah"}, True),
    ("node labels are subset", {"foo": "bar", "baz": "blah"}, None, {"foo": "bar"}, False),
    ("Pod with matchExpressions using In operator that matches the existing node", None,
     _req({"key": "foo", "operator": "In", "values": ["bar", "value2"]}), {"foo": "bar"}, True),
    ("Pod with matchExpressions using Gt operator that matches the existing node", None,
     _req({"key": "kernel-version", "operator": "Gt", "values": ["0204"]}), {"kernel-version": "0206"}, True),
    ("Pod with matchExpressions using NotIn operator that matches the existing node", None,
     _req({"key": "mem-type", "operator": "NotIn", "values": ["DDR", "DDR2"]}), {"mem-type": "DDR3"}, True),
    ("Pod with matchExpressions using Exists operator that matches the existing node", None,
     _req({"key": "GPU", "operator": "Exists"}), {"GPU": "NVIDIA-GRID-K1"}, True),
    ("Pod with affinity that don't match node's labels won't schedule onto the node", None,
     _req({"key": "foo", "operator": "In", "values": ["value1", "value2"]}), {"foo": "bar"}, False),
    ("Pod with an empty []NodeSelectorTerm in affinity, can't match the node's labels and won't schedule onto "
     "the node", None, {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}},
     {"foo": "bar"}, False),
    ("Pod with empty MatchExpressions is not a valid value will match no objects and won't schedule onto the node",
     None, {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{}]}}},
     {"foo": "bar"}, False),
    ("Pod with no Affinity will schedule onto a node", None, None, {"foo": "bar"}, True),
    ("Pod with multiple matchExpressions ANDed that doesn't match the existing node", None,
     _req({"key": "GPU", "operator": "Exists"}, {"key": "GPU", "operator": "NotIn", "values": ["AMD", "INTER"]}),
     {"GPU": "AMD"}, False),
]


@pytest.mark.parametrize("name, selector, affinity, labels, fits", AFFINITY, ids=[c[0] for c in AFFINITY])
@pytest.mark.parametrize("vectorized", [False, True], ids=["per node", "numpy"])
def test_node_affinity_filter(name, selector, affinity, labels, fits, vectorized):
    n = node("node1", labels=labels)
    pi = PodInfo(pod("p", node_selector=selector, affinity=affinity))
    plugin = NodeAffinity()
    if vectorized:
        got = not bool(plugin.filter_vec({}, pi, cache([n]))[0])
    else:
        st = plugin.filter({}, pi, node_info(n))
        got = st is None
        if not fits:
            assert st == Status(Code.UnschedulableAndUnresolvable, ERR_REASON_POD)
    assert got is fits


def test_node_affinity_score_sums_preferred_weights():
    # upstream: node_affinity_test.go TestNodeAffinityPriority "only a few nodes matches terms in PreferredSchedulingTerms"
    aff = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 2, "preference": {"matchExpressions": [{"key": "foo", "operator": "In", "values": ["bar"]}]}},
        {"weight": 4, "preference": {"matchExpressions": [{"key": "key", "operator": "In", "values": ["value"]}]}},
        {"weight": 5, "preference": {"matchExpressions": [
            {"key": "foo", "operator": "In", "values": ["bar"]}, {"key": "key", "operator": "In", "values": ["value"]},
            {"key": "az", "operator": "In", "values": ["az1"]}]}}]}}
    nodes = [node("node1", labels={"foo": "bar"}), node("node2", labels={"key": "value"}),
             node("node3", labels={"foo": "bar", "key": "value", "az": "az1"})]
    for vec in (False, True):
        assert _score(NodeAffinity(), pod("p", affinity=aff), nodes, vec) == [18, 36, 100]


@pytest.mark.parametrize("vectorized", [False, True], ids=["per node", "numpy"])
def test_node_ports_conflict(vectorized):
    # upstream: nodeports/node_ports_test.go "same port" / "different port"
    n = node("n")
    existing = pod("e", node_name="n", ports=[{"containerPort": 80, "hostPort": 8080}])
    c = cache([n], [existing])
    for host_port, fits in ((8080, False), (8081, True)):
        pi = PodInfo(pod("p", ports=[{"containerPort": 80, "hostPort": host_port}]))
        if vectorized:
            got = not NodePorts().filter_vec({}, pi, c)[0]
        else:
            got = NodePorts().filter({}, pi, c.infos[0]) is None
        assert got is fits


def test_unschedulable_and_node_name():
    # upstream: nodeunschedulable_test.go, nodename_test.go
    ni = node_info(node("n", unschedulable=True))
    assert NodeUnschedulable().filter({}, PodInfo(pod("p")), ni) == Status(
        Code.UnschedulableAndUnresolvable, "node(s) were unschedulable")
    tol = [{"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}]
    assert NodeUnschedulable().filter({}, PodInfo(pod("p", tolerations=tol)), ni) is None
    p = pod("p")
    p["spec"]["nodeName"] = "other"
    assert NodeName().filter({}, PodInfo(p), ni) == Status(
        Code.UnschedulableAndUnresolvable, "node(s) didn't match the requested node name")
