"""Scheduler throughput and memory: scheduler_perf SchedulingBasic shape and the 100-node / 1,067-pod shape."""

from __future__ import annotations

import argparse
import time
import tracemalloc

from k8slab.scheduler import Profile, Scheduler


def make_node(i: int, zones: int = 3) -> dict:
    # KWOK-like node, as scheduler_perf's node template: 4 CPU, 32Gi, 110 pods
    name = f"node-{i:05d}"
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name,
                                                  "topology.kubernetes.io/zone": f"zone-{i % zones}",
                                                  "node.kubernetes.io/instance-type": "Standard_D4s_v5"}},
            "spec": {}, "status": {"capacity": {"cpu": "4", "memory": "32Gi", "pods": "110"},
                                   "allocatable": {"cpu": "4", "memory": "32Gi", "pods": "110"}}}


def make_pod(i: int, cpu: str = "100m", mem: str = "500Mi") -> dict:
    # scheduler_perf pod-default.yaml requests: 100m CPU, 500Mi memory
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"pod-{i:05d}", "namespace": "default", "uid": f"uid-{i}"},
            "spec": {"schedulerName": "default-scheduler", "priority": 0,
                     "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                      "effect": "NoExecute", "tolerationSeconds": 300}],
                     "containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.10",
                                     "resources": {"requests": {"cpu": cpu, "memory": mem}}}]}}


def run(nodes: int, pods: int, pct: int | None, cpu: str = "100m", mem: str = "500Mi") -> tuple[float, int]:
    s = Scheduler(profiles=[Profile(percentage_of_nodes_to_score=pct)])
    for i in range(nodes):
        s.add_node(make_node(i))
    t0 = time.perf_counter()
    for i in range(pods):  # create
        s.add_pod(make_pod(i, cpu, mem))
    bound = s.schedule_pending()  # schedule + bind (into the cache)
    return time.perf_counter() - t0, bound


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--pods", type=int, default=10000)
    a = ap.parse_args()
    for pct, label in ((None, "default (adaptive)"), (100, "100")):
        dt, bound = run(a.nodes, a.pods, pct)
        print(f"SchedulingBasic {a.nodes} nodes / {a.pods} pods, percentageOfNodesToScore={label}: "
              f"{bound} bound in {dt:.2f} s = {bound / dt:,.0f} pods/s")

    def small() -> tuple[float, int]:
        t0 = time.perf_counter()
        s = Scheduler()
        for i in range(100):
            s.add_node(make_node(i))
        for i in range(1067):
            s.add_pod(make_pod(i))
        bound = s.schedule_pending()
        return time.perf_counter() - t0, bound

    dt, bound = small()  # timed without tracemalloc, which slows Python down several times
    tracemalloc.start()
    small()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"100 nodes / 1,067 pods: {bound} bound in {dt:.3f} s (nodes, pods and scheduling), "
          f"peak traced memory {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
