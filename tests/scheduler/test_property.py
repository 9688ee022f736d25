"""Property: the numpy fast path and the plain per-node evaluation agree on random clusters."""

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from schedtest import cache, node, pod

from k8slab.scheduler.framework import Framework
from k8slab.scheduler.podinfo import PodInfo
from k8slab.scheduler.profile import Profile

TAINTS = [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
          {"key": "spot", "value": "true", "effect": "PreferNoSchedule"},
          {"key": "old", "value": "", "effect": "NoExecute"}]
TOLS = [{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"},
        {"key": "spot", "operator": "Exists"}, {"operator": "Exists", "effect": "NoExecute"}]

nodes_st = st.lists(st.tuples(
    st.sampled_from(["1", "2", "4", "500m"]), st.sampled_from(["1Gi", "2Gi", "8Gi"]), st.sampled_from(["2", "5", "110"]),
    st.lists(st.sampled_from(range(len(TAINTS))), unique=True, max_size=2),
    st.sampled_from(["a", "b", "c"]), st.sampled_from(["ssd", "hdd", None]), st.booleans(),
    st.sampled_from(["0", "1", "2"])), min_size=1, max_size=12)
pods_st = st.lists(st.tuples(st.integers(0, 11), st.sampled_from(["100m", "250m", "1"]),
                             st.sampled_from(["app-a", "app-b"]), st.booleans()), max_size=20)
incoming_st = st.tuples(
    st.sampled_from(["0", "100m", "1", "3"]), st.sampled_from(["0", "256Mi", "1Gi"]),
    st.lists(st.sampled_from(range(len(TOLS))), unique=True, max_size=3),
    st.sampled_from([None, {"disk": "ssd"}]), st.booleans(), st.booleans(), st.booleans(),
    st.sampled_from(["LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"]),
    st.sampled_from([None, 50, 100]), st.sampled_from([False, False, False, True]), st.integers(0, 11),
    st.sampled_from([None, {"matchLabels": {"app": "app-a"}}, {"matchLabels": {"app": "app-b"}}]))


def build(nodes_spec, pods_spec):
    nodes = []
    for i, (cpu, mem, npods, taints, zone, disk, unsched, gpus) in enumerate(nodes_spec):
        labels = {"topology.kubernetes.io/zone": zone, **({"disk": disk} if disk else {})}
        nodes.append(node(f"n{i:02d}", cpu=cpu, mem=mem, pods=npods, labels=labels,
                          taints=[TAINTS[t] for t in taints], unschedulable=unsched and i % 3 == 0,
                          **{"example.com/gpu": gpus}))
    existing = []
    for j, (ni, cpu, app, anti) in enumerate(pods_spec):
        ni %= len(nodes)
        aff = None
        if anti:
            aff = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "topology.kubernetes.io/zone"}]}}
        existing.append(pod(f"e{j}", {"cpu": cpu}, node_name=nodes[ni]["metadata"]["name"], labels={"app": app},
                            affinity=aff, ports=[{"containerPort": 80, "hostPort": 8080}] if j % 4 == 0 else ()))
    return nodes, existing


@settings(max_examples=200, deadline=None)
@given(nodes_st, pods_st, incoming_st)
def test_fast_path_equals_plain_per_node_evaluation(nodes_spec, pods_spec, incoming):
    nodes, existing = build(nodes_spec, pods_spec)
    cpu, mem, tols, selector, pref, spread, port, strategy, pct, gpu, start, default_selector = incoming
    reqs = {"cpu": cpu, "memory": mem, **({"example.com/gpu": "1"} if gpu else {})}
    aff = {}
    if pref:
        aff["nodeAffinity"] = {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 7, "preference": {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}},
            {"weight": 3, "preference": {"matchExpressions": [
                {"key": "topology.kubernetes.io/zone", "operator": "NotIn", "values": ["a"]}]}}]}
        aff["podAffinity"] = {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 10, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "app-a"}},
                                               "topologyKey": "topology.kubernetes.io/zone"}}]}
    sp = None
    if spread:
        sp = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
               "labelSelector": {"matchLabels": {"app": "app-a"}}},
              {"maxSkew": 2, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway",
               "labelSelector": {"matchLabels": {"app": "app-b"}}}]
    p = pod("incoming", reqs, labels={"app": "web"}, tolerations=[TOLS[t] for t in tols], node_selector=selector,
            affinity=aff or None, spread=sp, ports=[{"containerPort": 80, "hostPort": 8080}] if port else ())
    c = cache(nodes, existing)
    fw = Framework(Profile(scoring_strategy=strategy, percentage_of_nodes_to_score=pct))
    pi = PodInfo(p)
    start %= len(nodes)
    _compare(fw, pi, c, start, default_selector)
    # again after a pod lands on a node: what plugins memoize per node must follow the change
    extra = PodInfo(pod("landed", {"cpu": "100m"}, node_name=nodes[start]["metadata"]["name"], labels={"app": "app-a"}))
    c.add_pod(extra, nodes[start]["metadata"]["name"])
    c.refresh()
    _compare(fw, pi, c, start, default_selector)


def _compare(fw, pi, c, start, default_selector):
    results = []
    for vectorized in (True, False):
        # a default selector (a Service or ReplicaSet selecting the pod) turns on the system default spreading
        state = {"default_selector": default_selector} if default_selector else {}
        res = fw.schedule(pi, c, state, start, random.Random(7), vectorized=vectorized, diagnose=True)
        results.append(res)
    fast, plain = results
    assert fast.feasible.tolist() == plain.feasible.tolist()
    assert fast.processed == plain.processed
    assert fast.all_passing.tolist() == plain.all_passing.tolist()
    assert fast.fail_first.tolist() == plain.fail_first.tolist()
    for i, s in plain.statuses.items():
        f = fast.statuses[i]
        assert (f.code, f.reasons, f.plugin) == (s.code, s.reasons, s.plugin)
    assert set(fast.statuses) == set(plain.statuses)
    assert fast.message == plain.message
    assert fast.scores.keys() == plain.scores.keys()
    for k in plain.scores:
        for a, b in zip(fast.scores[k], plain.scores[k]):
            assert np.array_equal(a, b), k
    assert fast.selected == plain.selected
