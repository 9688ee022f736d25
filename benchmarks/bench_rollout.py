"""Rolling update of a 1,000-replica Deployment on 200 nodes to a new image: wall time (budget: under 2 s)."""

from __future__ import annotations

import argparse
import copy
import time

import k8slab as kl
from k8slab.controllers.util import format_time

_OURS = ["k8slab.controllers.replicaset:ReplicaSetController", "k8slab.controllers.deployment:DeploymentController"]


class FakeKubelet:
    """Stand-in while no kubelet component is in the lab: a bound pod is Running and Ready ``startup`` s later."""

    name = "fake-kubelet"

    def __init__(self, startup: float = 2.0):
        self.startup = startup

    def attach(self, lab) -> None:
        self.lab = lab
        self.res = lab.api.resource("pods")
        self.seen: set[str] = set()
        lab.api.watch(self.res, self._on_pod)

    def resync(self) -> None:
        pass

    def _on_pod(self, event: str, pod: dict) -> None:
        meta = pod["metadata"]
        key = f"{meta['namespace']}/{meta['name']}"
        if event == "DELETED":
            self.seen.discard(key)
            return
        if (pod.get("spec") or {}).get("nodeName") and key not in self.seen:
            self.seen.add(key)
            self.lab.env.process(self._start(meta["namespace"], meta["name"]))

    def _start(self, ns: str, name: str):
        yield self.lab.env.timeout(self.startup)
        try:
            pod = self.lab.api.get(self.res, ns, name)  # a fresh decode: safe to change
        except kl.NotFound:
            return
        now = format_time(self.lab.now)
        pod["status"].update(phase="Running", startTime=now, conditions=[
            {"type": t, "status": "True", "lastTransitionTime": now}
            for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")])
        self.lab.api.write_status(self.res, pod)


class FakeBinder:
    """Round-robin binding, to measure the controllers without the scheduler (``--no-scheduler``)."""

    name = "fake-binder"

    def attach(self, lab) -> None:
        self.lab = lab
        self.res = lab.api.resource("pods")
        self.i = 0
        lab.api.watch(self.res, self._on_pod)

    def resync(self) -> None:
        pass

    def _on_pod(self, event: str, pod: dict) -> None:
        if event == "ADDED" and not pod["spec"].get("nodeName"):
            self.lab.env.process(self._bind(pod["metadata"]["namespace"], pod["metadata"]["name"]))

    def _bind(self, ns, name):
        yield self.lab.env.timeout(0)
        pod = self.lab.api.get(self.res, ns, name)  # a fresh decode: safe to change
        pod["spec"]["nodeName"] = f"node-{self.i % 200:03d}"
        self.i += 1
        self.lab.api.write_status(self.res, pod)


def node(i: int) -> dict:
    name = f"node-{i:03d}"
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
            "status": {"capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                       "allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110"}}}


def deployment(replicas: int, image: str) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "web", "image": image, "resources": {
                                      "requests": {"cpu": "100m", "memory": "128Mi"}}}]}}}}


def scenario(nodes: int, replicas: int, minimal: bool) -> str:
    """Create the Deployment, wait for it, then roll it to a new image; return a line of figures."""
    from k8slab.components import DEFAULT_COMPONENTS

    if minimal:  # only the workload controllers; binding and readiness by the fakes above
        lab = kl.Cluster(seed=0, components=list(_OURS))
        lab.add_component(FakeBinder())
        lab.add_component(FakeKubelet())
    else:
        lab = kl.Cluster(seed=0, components=DEFAULT_COMPONENTS + [c for c in _OURS if c not in DEFAULT_COMPONENTS])
        if not any("kubelet" in name.lower() for name in lab.components):
            lab.add_component(FakeKubelet())
    lab.apply([node(i) for i in range(nodes)])
    lab.apply(deployment(replicas, "nginx:1.26"))
    t0 = time.perf_counter()
    _run_until_complete(lab, 2)
    t_create = time.perf_counter() - t0
    d_res = lab.api.resource("deployments")
    d = copy.deepcopy(lab.api.get(d_res, "default", "web"))
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27"
    t0 = time.perf_counter()
    lab.api.update(d)
    sim0 = lab.now
    _run_until_complete(lab, 3)
    wall = time.perf_counter() - t0
    status = lab.api.get(d_res, "default", "web")["status"]
    events = len(lab.api.list(lab.api.resource("events"), "default"))
    what = ("workload controllers only (binding round-robin, Ready 2 s after binding: fakes in this script)"
            if minimal else f"the whole lab ({len(lab.components)} components: kube-scheduler, kubelets, ...)")
    return (f"{what}\n  create {replicas} replicas on {nodes} nodes: {t_create:.2f} s wall\n"
            f"  rollout to a new image: {wall:.2f} s wall (budget 2 s), {lab.now - sim0:.0f} s simulated; "
            f"updated={status.get('updatedReplicas')} available={status.get('availableReplicas')} events={events}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--nodes", type=int, default=200)
    ap.add_argument("--replicas", type=int, default=1000)
    ap.add_argument("--minimal", action="store_true", help="only the workload controllers (no whole-lab run)")
    a = ap.parse_args()
    print(scenario(a.nodes, a.replicas, True))
    if not a.minimal:
        print(scenario(a.nodes, a.replicas, False))


def _run_until_complete(lab, step: float) -> None:
    d_res = lab.api.resource("deployments")
    for _ in range(10_000):
        lab.run(step)
        d = lab.api.get(d_res, "default", "web")
        st, n = d.get("status") or {}, d["spec"]["replicas"]
        if (st.get("observedGeneration", 0) >= d["metadata"]["generation"] and st.get("updatedReplicas") == n
                and st.get("availableReplicas") == n and st.get("replicas") == n):
            return
    raise SystemExit("the rollout did not complete")


if __name__ == "__main__":
    main()
