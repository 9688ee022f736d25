"""The chapter's experiments (spread vs bin-pack, node sampling) and its self-checks."""

import pytest

from k8slab.scheduler import num_feasible_nodes_to_find
from k8slab.scheduler.exercises import check
from k8slab.scheduler.experiments import compare_scoring_strategies, preset_nodes, sampling_effect, what_if_pod


def test_preset_nodes_scale_out_the_pool_round_robin_over_zones():
    nodes = preset_nodes("aks-3node", 7)
    names = [n["metadata"]["name"] for n in nodes]
    assert names[3:] == [f"aks-nodepool1-27563185-vmss00000{i}" for i in range(3, 7)]
    assert [n["metadata"]["labels"]["kubernetes.io/hostname"] for n in nodes] == names
    assert [n["metadata"]["labels"]["topology.kubernetes.io/zone"][-1] for n in nodes] == list("1231231")
    assert all(n["status"]["allocatable"]["cpu"] == "1900m" for n in nodes)


def test_least_allocated_spreads_and_most_allocated_packs():
    pods = [what_if_pod(f"p{i}", cpu="300m", memory="256Mi") for i in range(4)]
    least, most = compare_scoring_strategies(preset_nodes("aks-3node"), pods)
    assert (least.strategy, least.nodes_used, sorted(least.pods.tolist())) == ("LeastAllocated", 3, [1, 1, 2])
    assert (most.strategy, most.nodes_used, sorted(most.pods.tolist())) == ("MostAllocated", 1, [0, 0, 4])
    assert most.cpu.max() == pytest.approx(1200 / 1900)
    assert least.pending == most.pending == []


def test_a_workload_that_does_not_fit_leaves_pods_pending():
    pods = [what_if_pod(f"p{i}", cpu="1500m") for i in range(4)]
    [run] = compare_scoring_strategies(preset_nodes("aks-3node"), pods, strategies=("MostAllocated",))
    assert run.pending == ["default/p3"] and len(run.placement) == 3


def test_workload_can_be_a_manifest_file():
    [run] = compare_scoring_strategies(preset_nodes("aks-3node", 6), "data/manifests/04-scheduler/workload.yaml",
                                       strategies=("LeastAllocated",))
    assert len(run.placement) == 12 and run.nodes_used == 6


def test_sampling_effect_counts_nodes_and_lost_score():
    e = sampling_effect(nodes=400, pods=20, percentages=(None, 30, 100))
    assert [r.nodes_to_find for r in e.rows] == [num_feasible_nodes_to_find(p, 400) for p in (None, 30, 100)]
    assert [r.scored for r in e.rows] == [188.0, 120.0, 400.0]  # every node fits: scored = nodes to find
    full = e.rows[-1]
    assert (full.score_lost, full.best_share) == (0.0, 1.0)
    assert all(r.score_lost >= 0 for r in e.rows)
    assert repr(e).splitlines()[0] == "400 nodes, 20 pods"


@pytest.mark.parametrize("exercise, answer, ok", [
    ("04-rejecting-plugins", ["TaintToleration", "NodeAffinity"], True),
    ("04-rejecting-plugins", "nodeaffinity, tainttoleration", True),
    ("04-rejecting-plugins", ["NodeResourcesFit"], False),
    ("04-max-cpu", "1400m", True),
    ("04-max-cpu", "1.4", True),
    ("04-max-cpu", "1900m", False),
    ("04-max-cpu", "lots", False),
    ("04-bin-pack-nodes", 3, True),
    ("04-bin-pack-nodes", 6, False),
    ("04-nodes-to-find", 680, True),
    ("04-nodes-to-find", 2000, False),
    ("04-nodes-to-find", None, False),
], ids=["plugins as a list", "plugins as text in any case", "a wrong plugin", "the right quantity",
        "the same quantity in cores", "allocatable is not what is left", "not a quantity", "three nodes",
        "every node is LeastAllocated's answer", "680 nodes", "every node is not sampling", "no answer yet"])
def test_self_checks(exercise, answer, ok):
    assert bool(check(exercise, answer)) is ok
