"""Kubelet benchmark: N pods on M nodes, from apply to all Running (wall time, peak memory, writes).

Usage: python benchmarks/bench_kubelet.py [pods] [nodes] [--small] [--prebound] [--only-kubelet] [--profile]
The issue's budget: 30,000 pods on 1,000 nodes in under 10 s wall and under 1 GB (the default shape).
``--small`` runs 3,000 pods on 100 nodes, the shape to profile and to compare changes with (best of 2).
"""

from __future__ import annotations

import gc
import resource
import sys
import time


#: the components the kubelet needs: pod networks for nodes, the scheduler, the kubelets (``--only-kubelet``)
KUBELET_ONLY = ["k8slab.scheduler.component:KubeScheduler", "k8slab.network.node_ipam:NodeIPAMController",
                "k8slab.kubelet:NodeLifecycleController", "k8slab.kubelet:Kubelets"]


def main(pods: int = 30000, nodes: int = 1000, prebound: bool = False, only_kubelet: bool = False) -> dict:
    import k8slab as kl

    t0 = time.perf_counter()
    # a /16 cluster CIDR holds 256 node ranges of /24 (kindnet's default): 1,000 nodes need a wider one
    lab = kl.Cluster(seed=0, components=KUBELET_ONLY if only_kubelet else None,
                     network={"pod_cidr": "100.64.0.0/10"})
    node_docs = [{"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"node-{i:04d}"},
                  "status": {"capacity": {"cpu": "64", "memory": "256Gi", "pods": "110"}}} for i in range(nodes)]
    lab.apply(node_docs)
    t_nodes = time.perf_counter()
    pod_docs = []
    for i in range(pods):
        spec = {"containers": [{"name": "web", "image": "nginx:1.27",
                                "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}
        if prebound:
            spec["nodeName"] = f"node-{i % nodes:04d}"
        pod_docs.append({"apiVersion": "v1", "kind": "Pod",
                         "metadata": {"name": f"web-{i:05d}", "labels": {"app": "web"}}, "spec": spec})
    lab.apply(pod_docs)
    t_apply = time.perf_counter()
    cpu_apply = time.process_time()
    kubelets = lab.components["kubelet"]

    def running() -> int:
        return sum(1 for k in kubelets.nodes.values() for pw in k.workers.values()
                   if (pw.pod.get("status") or {}).get("phase") == "Running")

    steps = 0
    while running() < pods and steps < 120:
        lab.run(1.0)
        steps += 1
    t_run = time.perf_counter()
    cpu_run = time.process_time() - cpu_apply
    done = running()
    writes = sum(k.status.writes for k in kubelets.nodes.values())
    events = len(lab.etcd.keys("/registry/events/"))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gc.collect()
    return {"pods": pods, "nodes": nodes, "prebound": prebound, "running": done, "sim_seconds": lab.now,
            "lab_s": round(t_nodes - t0, 2), "apply_pods_s": round(t_apply - t_nodes, 2),
            "run_s": round(t_run - t_apply, 2), "run_cpu_s": round(cpu_run, 2), "total_s": round(t_run - t0, 2),
            "status_writes": writes, "events": events, "peak_rss_mb": round(rss_mb)}


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    small = "--small" in sys.argv
    pods = int(args[0]) if args else 3000 if small else 30000
    nodes = int(args[1]) if len(args) > 1 else 100 if small else 1000
    prebound = "--prebound" in sys.argv
    only = "--only-kubelet" in sys.argv
    if "--profile" in sys.argv:
        import cProfile
        import pstats

        cProfile.run("main(pods, nodes, prebound, only)", "/tmp/bench_kubelet.prof")
        pstats.Stats("/tmp/bench_kubelet.prof").sort_stats("tottime").print_stats(40)
    else:
        r = main(pods, nodes, prebound, only)
        print(f"{r['pods']:,} pods on {r['nodes']:,} nodes ({'pre-bound' if prebound else 'scheduled'}"
              f"{', kubelet components only' if only else ', all components'}): "
              f"{r['running']:,} Running at t={r['sim_seconds']:g}s simulated")
        print(f"  wall: nodes+lab {r['lab_s']} s, apply pods {r['apply_pods_s']} s, run to Running {r['run_s']} s "
              f"({r['run_cpu_s']} s CPU), total {r['total_s']} s")
        print(f"  pod status writes {r['status_writes']:,}, events {r['events']:,}, peak RSS {r['peak_rss_mb']} MB")
