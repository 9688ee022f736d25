"""Traffic, rollout experiments and the chapter widgets' recomputations: wall time per call (figures, not tests)."""

from __future__ import annotations

import time

import k8slab as kl
from k8slab.experiments import compare_rollouts, probe_outcome, rolling_update_timeline, run_job, scale_statefulset
from k8slab.traffic import send_traffic

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 20
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "ghcr.io/k8slab/web:1.0", ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
"""


def timed(label: str, fn, repeat: int = 3):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    print(f"{label:<62} {best * 1000:9.1f} ms")
    return out


def requests_per_second() -> None:
    lab = kl.Cluster.from_preset("aks-3node")
    lab.apply(WEB)
    lab.run(20)
    t = send_traffic(lab, "default/web", rate=1000)
    t0 = time.perf_counter()
    lab.run(10)
    wall = time.perf_counter() - t0
    r = t.stop()
    print(f"{'traffic: 10,000 requests to 20 endpoints (1,000/s for 10 s)':<62} {wall * 1000:9.1f} ms"
          f"   ({r.sent / wall:,.0f} requests per wall second, {r.failed} failed)")


if __name__ == "__main__":
    kl.Cluster.from_preset("kind-1node")  # imports and first-use caches out of the way
    requests_per_second()
    timed("compare_rollouts(): 4 rollouts of 3 replicas under 20 req/s", compare_rollouts, repeat=2)
    timed("rolling_update_timeline(10, 3, 2) (widget, per slider change)", lambda: rolling_update_timeline(10, 3, 2))
    timed("probe_outcome() 300 s of a slow app (widget, per change)", probe_outcome)
    timed("scale_statefulset(3, 5) (widget, per change)", lambda: scale_statefulset(3, 5))
    timed("run_job(8, 3, 10) (widget, per change)", lambda: run_job(8, 3, 10))
    import matplotlib

    matplotlib.use("Agg")
    from k8slab.widgets.lifecycle import timeline_png
    from k8slab.widgets.rollout import counts_png, pods_html

    tl = rolling_update_timeline(10, 3, 2)
    timed("widget picture: rollout pod counts PNG", lambda: counts_png(tl))
    timed("widget step: the pods at one time (HTML)", lambda: pods_html(tl, 6.0))
    out = probe_outcome()
    timed("widget picture: probe timeline PNG", lambda: timeline_png(out))
