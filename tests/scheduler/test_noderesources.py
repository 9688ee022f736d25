"""NodeResourcesFit filter and scoring strategies, BalancedAllocation: cases from upstream's *_test.go tables."""

import pytest
from schedtest import cache, node, node_info, pod

from k8slab.scheduler.plugins.node_resources_balanced_allocation import (
    NodeResourcesBalancedAllocation, balanced_resource_score)
from k8slab.scheduler.plugins.node_resources_fit import NodeResourcesFit, broken_linear
from k8slab.scheduler.podinfo import PodInfo
from k8slab.scheduler.status import Code, Status

# upstream: pkg/scheduler/framework/plugins/noderesources/fit_test.go TestEnoughRequests
# node: makeAllocatableResources(10 milliCPU, 20 bytes memory, 32 pods, ...)
ENOUGH = node("n", cpu="10m", mem="20", pods="32")


def _res(cpu_m, mem):
    return {"cpu": f"{cpu_m}m", "memory": str(mem)}


@pytest.mark.parametrize("name, p, existing, want", [
    ("no resources requested always fits", pod("p"), _res(10, 20), None),
    ("too many resources fails", pod("p", _res(1, 1)), _res(10, 20),
     Status(Code.Unschedulable, "Insufficient cpu", "Insufficient memory")),
    ("too many resources fails due to init container cpu", pod("p", _res(1, 1), init=[_res(3, 1)]), _res(8, 19),
     Status(Code.Unschedulable, "Insufficient cpu")),
    ("too many resources fails due to highest init container cpu",
     pod("p", _res(1, 1), init=[_res(3, 1), _res(2, 1)]), _res(8, 19), Status(Code.Unschedulable, "Insufficient cpu")),
    ("too many resources fails due to init container memory", pod("p", _res(1, 1), init=[_res(1, 3)]), _res(9, 19),
     Status(Code.Unschedulable, "Insufficient memory")),
    ("init container fits because it's the max, not sum, of containers and init containers",
     pod("p", _res(1, 1), init=[_res(1, 1)]), _res(9, 19), None),
    ("one resource memory fits", pod("p", _res(2, 1)), _res(9, 5), Status(Code.Unschedulable, "Insufficient cpu")),
], ids=lambda x: x if isinstance(x, str) else "")
def test_enough_requests(name, p, existing, want):
    ni = node_info(ENOUGH, pod("e", existing, node_name="n"))
    got = NodeResourcesFit().filter({}, PodInfo(p), ni)
    assert got == want


def test_request_larger_than_allocatable_is_unresolvable():
    # upstream: fit.go InsufficientResource.Unresolvable (preemption cannot help)
    got = NodeResourcesFit().filter({}, PodInfo(pod("p", {"cpu": "5"})), node_info(node("n", cpu="4")))
    assert got.code == Code.UnschedulableAndUnresolvable and got.reasons == ("Insufficient cpu",)


def test_too_many_pods():
    got = NodeResourcesFit().filter({}, PodInfo(pod("p")), node_info(node("n", pods="1"), pod("e", node_name="n")))
    assert got == Status(Code.Unschedulable, "Too many pods")


# upstream: least_allocated_test.go TestLeastAllocatedScoringStrategy ("cpu": "4000" means 4000 cores there)
def _big(name, cpu, mem):
    return node(name, cpu=cpu, mem=mem)


LEAST = [
    ("nothing scheduled, nothing requested", pod("p"), [_big("node1", "4000", "10000"), _big("node2", "4000", "10000")],
     [], [100, 100], None),
    ("nothing scheduled, resources requested, differently sized nodes",
     pod("p", {"cpu": "1000", "memory": "2000"}, {"cpu": "2000", "memory": "3000"}),
     [_big("node1", "4000", "10000"), _big("node2", "6000", "10000")], [], [37, 50], None),
    ("no resources requested, pods scheduled", pod("p"), [_big("node1", "4000", "10000"), _big("node2", "4000", "10000")],
     [pod("a", node_name="node1"), pod("b", node_name="node1"), pod("c", node_name="node2"),
      pod("d", node_name="node2")], [100, 100], None),
    ("no resources requested, pods scheduled with resources", pod("p"),
     [_big("node1", "10000", "20000"), _big("node2", "10000", "20000")],
     [pod("a", {"cpu": "3000", "memory": "0"}, node_name="node1"), pod("b", {"cpu": "3000", "memory": "0"}, node_name="node1"),
      pod("c", {"cpu": "3000", "memory": "0"}, node_name="node2"), pod("d", {"cpu": "3000", "memory": "5000"}, node_name="node2")],
     [70, 57], None),
    ("resources requested, pods scheduled with resources",
     pod("p", {"cpu": "1000", "memory": "2000"}, {"cpu": "2000", "memory": "3000"}),
     [_big("node1", "10000", "20000"), _big("node2", "10000", "20000")],
     [pod("a", {"cpu": "3000", "memory": "0"}, node_name="node1"), pod("b", {"cpu": "3000", "memory": "5000"}, node_name="node2")],
     [57, 45], None),
    ("resources requested, pods scheduled with resources, differently sized nodes",
     pod("p", {"cpu": "1000", "memory": "2000"}, {"cpu": "2000", "memory": "3000"}),
     [_big("node1", "10000", "20000"), _big("node2", "10000", "50000")],
     [pod("a", {"cpu": "3000", "memory": "0"}, node_name="node1"), pod("b", {"cpu": "3000", "memory": "5000"}, node_name="node2")],
     [57, 60], None),
    ("requested resources exceed node capacity", pod("p", {"cpu": "3000", "memory": "0"}),
     [_big("node1", "4000", "10000"), _big("node2", "4000", "10000")],
     [pod("a", {"cpu": "3000", "memory": "0"}, node_name="node1"), pod("b", {"cpu": "3000", "memory": "5000"}, node_name="node2")],
     [50, 25], None),
    ("zero node resources, pods scheduled with resources", pod("p"), [_big("node1", None, None), _big("node2", None, None)],
     [pod("a", {"cpu": "3000", "memory": "0"}, node_name="node1"), pod("b", {"cpu": "3000", "memory": "5000"}, node_name="node2")],
     [0, 0], None),
    ("nothing scheduled, resources requested with different weight on CPU and memory, differently sized nodes",
     pod("p", {"cpu": "1000", "memory": "2000"}, {"cpu": "2000", "memory": "3000"}),
     [_big("node1", "4000", "10000"), _big("node2", "6000", "10000")], [], [41, 50],
     [{"name": "memory", "weight": 2}, {"name": "cpu", "weight": 1}]),
]


@pytest.mark.parametrize("name, p, nodes, existing, want, resources", LEAST, ids=[c[0] for c in LEAST])
@pytest.mark.parametrize("vectorized", [False, True], ids=["per node", "numpy"])
def test_least_allocated(name, p, nodes, existing, want, resources, vectorized):
    args = {"scoringStrategy": {"type": "LeastAllocated", **({"resources": resources} if resources else {})}}
    plugin = NodeResourcesFit(args)
    c = cache(nodes, existing)
    pi = PodInfo(p)
    if vectorized:
        import numpy as np
        got = plugin.score_vec({}, pi, c, np.arange(len(nodes))).tolist()
    else:
        got = [plugin.score({}, pi, ni) for ni in c.infos]
    assert got == want


def test_broken_linear_truncates_toward_zero_like_go():
    # upstream: helper/shape_score.go BuildBrokenLinearFunction uses Go int64 division
    shape = [(0, 100), (100, 0)]
    assert [broken_linear(shape, p) for p in (0, 33, 50, 100, 150)] == [100, 67, 50, 0, 0]


def test_balanced_allocation_two_resources():
    # upstream: balanced_allocation_test.go - "std = |fraction1 - fraction2| / 2"
    assert balanced_resource_score([3000, 5000], [4000, 10000]) == 87
    assert balanced_resource_score([0, 0], [4000, 10000]) == 100


def test_balanced_allocation_skips_best_effort_pods():
    # upstream: balanced_allocation.go PreScore returns Skip for best-effort pods (kubernetes#129138)
    st = NodeResourcesBalancedAllocation().pre_score({}, PodInfo(pod("p", {})), None, [])
    assert st.code == Code.Skip


def test_most_allocated_bin_packs():
    plugin = NodeResourcesFit({"scoringStrategy": {"type": "MostAllocated"}})
    c = cache([_big("node1", "4000", "10000"), _big("node2", "6000", "10000")])
    pi = PodInfo(pod("p", {"cpu": "1000", "memory": "2000"}, {"cpu": "2000", "memory": "3000"}))
    # cpu 3000/4000 -> 75, memory 5000/10000 -> 50: (75+50)/2 = 62 ; node2: 50, 50 -> 50
    assert [plugin.score({}, pi, ni) for ni in c.infos] == [62, 50]
