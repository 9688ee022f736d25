"""Scheduler throughput and memory: scheduler_perf SchedulingBasic shape (direct and through a lab), 100 nodes / 1,067 pods.

Wall-clock and CPU (process) times are both printed: on a busy machine the CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections import defaultdict

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


def make_pod(i: int, cpu: str = "100m", mem: str = "500Mi", uid: bool = True) -> dict:
    # scheduler_perf pod-default.yaml requests: 100m CPU, 500Mi memory
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": f"pod-{i:05d}", "namespace": "default", "uid": f"uid-{i}"},
           "spec": {"schedulerName": "default-scheduler", "priority": 0,
                    "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                     "effect": "NoExecute", "tolerationSeconds": 300}],
                    "containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.10",
                                    "resources": {"requests": {"cpu": cpu, "memory": mem}}}]}}
    if not uid:  # for the API server, which assigns uids itself
        del pod["metadata"]["uid"]
    return pod


class Clocks:
    """Wall and CPU time of a block."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def run(nodes: int, pods: int, pct: int | None, cpu: str = "100m", mem: str = "500Mi") -> tuple[Clocks, int]:
    s = Scheduler(profiles=[Profile(percentage_of_nodes_to_score=pct)])
    for i in range(nodes):
        s.add_node(make_node(i))
    with Clocks() as c:
        for i in range(pods):  # create
            s.add_pod(make_pod(i, cpu, mem))
        bound = s.schedule_pending()  # schedule + bind (into the cache)
    return c, bound


def _accumulate(obj, name: str, label: str, into: dict) -> None:
    """Wrap ``obj.name`` so its CPU time adds up under ``label`` (the benchmark's own instrumentation)."""
    f = getattr(obj, name)

    def timed(*a, **k):
        t = time.process_time()
        try:
            return f(*a, **k)
        finally:
            into[label] += time.process_time() - t
    setattr(obj, name, timed)


def lab_run(nodes: int, pods: int, components: list[str] | None) -> dict:
    """SchedulingBasic through a lab: ``lab.apply`` of the pods (API server create), then ``lab.run(1)``."""
    import k8slab as kl

    lab = kl.Cluster(seed=0, components=components)
    lab.apply([make_node(i) for i in range(nodes)])
    lab.run(1)  # let node controllers settle before the measured part
    parts: dict[str, float] = defaultdict(float)
    sched = lab.scheduler.scheduler
    for fw in sched.profiles.values():
        _accumulate(fw, "schedule", "scheduling cycles (filter, score, select)", parts)
    _accumulate(sched, "bind_fn", "binding writes (API server, every watcher)", parts)
    _accumulate(lab.events, "record", "Scheduled events (API server, every watcher)", parts)
    manifests = [make_pod(i, uid=False) for i in range(pods)]
    with Clocks() as create:
        lab.apply(manifests)
    with Clocks() as schedule:
        lab.run(1)
    bound = sum(1 for p in lab.api.list(lab.api.resource("pods")) if (p.get("spec") or {}).get("nodeName"))
    return {"create": create, "run": schedule, "bound": bound, "parts": dict(parts)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--pods", type=int, default=10000)
    ap.add_argument("--skip-lab", action="store_true", help="only the scheduler on its own")
    a = ap.parse_args()
    for pct, label in ((None, "default (adaptive)"), (100, "100")):
        c, bound = run(a.nodes, a.pods, pct)
        print(f"SchedulingBasic {a.nodes} nodes / {a.pods} pods, percentageOfNodesToScore={label}: "
              f"{bound} bound in {c.wall:.2f} s = {bound / c.wall:,.0f} pods/s "
              f"(CPU {c.cpu:.2f} s = {bound / c.cpu:,.0f} pods/s)")

    def small() -> tuple[Clocks, int]:
        with Clocks() as c:
            s = Scheduler()
            for i in range(100):
                s.add_node(make_node(i))
            for i in range(1067):
                s.add_pod(make_pod(i))
            bound = s.schedule_pending()
        return c, bound

    c, bound = small()  # timed without tracemalloc, which slows Python down several times
    tracemalloc.start()
    small()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"100 nodes / 1,067 pods: {bound} bound in {c.wall:.3f} s (CPU {c.cpu:.3f} s; nodes, pods and "
          f"scheduling), peak traced memory {peak / 2**20:.1f} MiB")
    if a.skip_lab:
        return
    for components, label in ((["k8slab.scheduler.component:KubeScheduler"], "lab with the scheduler only"),
                              (None, "lab with every default component")):
        r = lab_run(a.nodes, a.pods, components)
        create, sched = r["create"], r["run"]
        total_wall, total_cpu = create.wall + sched.wall, create.cpu + sched.cpu
        print(f"SchedulingBasic through the {label}: lab.apply({a.pods} pods) {create.wall:.2f} s "
              f"(CPU {create.cpu:.2f} s), lab.run(1) {sched.wall:.2f} s (CPU {sched.cpu:.2f} s), {r['bound']} bound: "
              f"{r['bound'] / total_wall:,.0f} pods/s end to end (CPU {r['bound'] / total_cpu:,.0f} pods/s)")
        for part, seconds in sorted(r["parts"].items(), key=lambda kv: -kv[1]):
            print(f"    {seconds:6.2f} s CPU  {part}")
        rest = sched.cpu - sum(r["parts"].values())
        print(f"    {rest:6.2f} s CPU  everything else in lab.run(1) (other components, queue, informers)")


if __name__ == "__main__":
    main()
