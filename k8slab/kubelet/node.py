"""Nodes: the status a kubelet posts (KWOK-style) and the node lifecycle controller (NotReady, taints, eviction)."""

from __future__ import annotations

from k8slab import KUBERNETES_VERSION
from k8slab.apiserver.server import format_time
from k8slab.controllers.base import Component

__all__ = ["ready_conditions", "node_internal_ip", "fill_node_status", "toleration_seconds", "NodeLifecycleController",
           "NODE_MONITOR_GRACE_PERIOD", "UNREACHABLE", "NOT_READY", "UNSCHEDULABLE"]

#: upstream: kube-controller-manager --node-monitor-grace-period default (50 s since 1.32; kubernetes#127352)
NODE_MONITOR_GRACE_PERIOD = 50.0
UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"


def ready_conditions(now: str) -> list[dict]:
    """The four conditions a healthy kubelet posts (upstream: pkg/kubelet/nodestatus/setters.go)."""
    def cond(type_, status, reason, message):
        return {"type": type_, "status": status, "lastHeartbeatTime": now, "lastTransitionTime": now,
                "reason": reason, "message": message}
    return [
        cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]


def node_internal_ip(node: dict) -> str | None:
    for a in (node.get("status") or {}).get("addresses") or ():
        if a.get("type") == "InternalIP":
            return a.get("address")
    return None


def fill_node_status(node: dict, index: int, now: str) -> None:
    """What a registering kubelet adds to a Node manifest that lacks it (KWOK-style): conditions, addresses,
    nodeInfo.kubeletVersion, daemonEndpoints, allocatable = capacity."""
    status = node.setdefault("status", {})
    if not status.get("conditions"):
        status["conditions"] = ready_conditions(now)
    if not status.get("addresses"):
        # AKS's default node subnet is 10.224.0.0/16 and Azure keeps .0-.3: nodes start at .4 (as the presets)
        status["addresses"] = [{"type": "InternalIP", "address": f"10.224.{(index + 4) // 256}.{(index + 4) % 256}"},
                               {"type": "Hostname", "address": node["metadata"]["name"]}]
    if status.get("capacity") and not status.get("allocatable"):
        status["allocatable"] = dict(status["capacity"])
    info = status.setdefault("nodeInfo", {})
    info.setdefault("kubeletVersion", f"v{KUBERNETES_VERSION}")
    info.setdefault("operatingSystem", "linux")
    info.setdefault("architecture", "amd64")
    for key in ("kubeProxyVersion", "osImage", "kernelVersion", "containerRuntimeVersion", "machineID", "systemUUID",
                "bootID"):
        info.setdefault(key, "")  # the machine's own details are not simulated (as in the presets)
    status.setdefault("daemonEndpoints", {"kubeletEndpoint": {"Port": 10250}})


def _tolerates(tol: dict, taint: dict) -> bool:
    # upstream: staging/src/k8s.io/api/core/v1/toleration.go ToleratesTaint
    if tol.get("effect") and tol["effect"] != taint.get("effect"):
        return False
    if tol.get("key") and tol["key"] != taint.get("key"):
        return False
    if tol.get("operator", "Equal") == "Exists":
        return True
    return (tol.get("value") or "") == (taint.get("value") or "")


def toleration_seconds(pod: dict, taints: list[dict]) -> float | None:
    """Seconds the pod may stay on a node with these NoExecute taints: 0 = evict now, None = forever.

    upstream: pkg/controller/tainteviction/taint_eviction.go getMinTolerationTime
    """
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    least = None
    for taint in taints:
        matching = [t for t in tolerations if _tolerates(t, taint)]
        if not matching:
            return 0.0
        for t in matching:
            seconds = t.get("tolerationSeconds")
            if seconds is None:
                continue
            seconds = max(float(seconds), 0.0)
            least = seconds if least is None else min(least, seconds)
    return least


class NodeLifecycleController(Component):
    """Marks a node whose kubelet stopped posting status Unknown, taints it, and evicts its pods after their
    tolerationSeconds (300 s by default); taints cordoned nodes unschedulable.

    upstream: pkg/controller/nodelifecycle/node_lifecycle_controller.go (tryUpdateNodeHealth, MarkPodsNotReady,
    doNoScheduleTaintingPass), pkg/controller/tainteviction/taint_eviction.go
    """

    name = "node-lifecycle-controller"

    def attach(self, lab) -> None:
        self.lab = lab
        self.env = lab.env
        self.api = lab.api
        self.nodes_res = lab.api.resource("nodes")
        self.pods_res = lab.api.resource("pods")
        self._unsched: dict[str, bool] = {}
        lab.api.watch(self.nodes_res, self._on_node)

    # -- cordon ----------------------------------------------------------------------------------
    def _on_node(self, event: str, node: dict) -> None:
        if event == "DELETED":
            self._unsched.pop(node["metadata"]["name"], None)
            return
        name = node["metadata"]["name"]
        want = bool((node.get("spec") or {}).get("unschedulable"))
        has = any(t.get("key") == UNSCHEDULABLE for t in (node.get("spec") or {}).get("taints") or ())
        if want != has and self._unsched.get(name) != want:
            self._unsched[name] = want
            self.env.process(self._set_unschedulable_taint(name, want))

    def _set_unschedulable_taint(self, name: str, want: bool):
        yield self.env.timeout(0)
        self._unsched.pop(name, None)
        node = self.api.etcd.read(self.nodes_res.key(None, name))
        if node is None:
            return
        spec = node.setdefault("spec", {})
        taints = [t for t in spec.get("taints") or () if t.get("key") != UNSCHEDULABLE]
        if want and spec.get("unschedulable"):
            taints.append({"key": UNSCHEDULABLE, "effect": "NoSchedule", "timeAdded": format_time(self.env.now)})
        if taints:
            spec["taints"] = taints
        else:
            spec.pop("taints", None)
        self.api.write_status(self.nodes_res, node)

    # -- node health -----------------------------------------------------------------------------
    def kubelet_stopped(self, name: str) -> None:
        """The node's kubelet stopped posting status: after the grace period the node becomes Unknown."""
        self.env.process(self._watch_silence(name, self.env.now))

    def _watch_silence(self, name: str, since: float):
        yield self.env.timeout(NODE_MONITOR_GRACE_PERIOD)
        kubelet = self.lab.components.get("kubelet")
        k = kubelet.nodes.get(name) if kubelet is not None else None
        if k is None or k.running or k.stopped_at != since:
            return
        node = self.api.etcd.read(self.nodes_res.key(None, name))
        if node is None:
            return
        now = format_time(self.env.now)
        for c in (node.get("status") or {}).get("conditions") or ():
            if c.get("type") in ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure"):
                c.update({"status": "Unknown", "reason": "NodeStatusUnknown",
                          "message": "Kubelet stopped posting node status.", "lastTransitionTime": now})
        spec = node.setdefault("spec", {})
        taints = [t for t in spec.get("taints") or () if t.get("key") not in (UNREACHABLE, NOT_READY)]
        taints += [{"key": UNREACHABLE, "effect": "NoSchedule", "timeAdded": now},
                   {"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": now}]
        spec["taints"] = taints
        self.api.write_status(self.nodes_res, node)
        self.lab.events.record(node, "Normal", "NodeNotReady", f"Node {name} status is now: NodeNotReady",
                               "node-controller")
        noexec = [t for t in taints if t["effect"] == "NoExecute"]
        for pod in self._pods_on(name):
            self._mark_not_ready(pod)
            seconds = toleration_seconds(pod, noexec)
            if seconds is not None:
                self.env.process(self._evict_later(name, pod["metadata"]["uid"], pod["metadata"].get("namespace"),
                                                   pod["metadata"]["name"], seconds))

    def _pods_on(self, name: str) -> list[dict]:
        kubelet = self.lab.components.get("kubelet")
        if kubelet is not None and name in kubelet.nodes:
            return [pw.pod for pw in kubelet.nodes[name].workers.values() if not pw.cancelled]
        return [p for p in self.api.list(self.pods_res) if (p.get("spec") or {}).get("nodeName") == name]

    def _mark_not_ready(self, pod: dict) -> None:
        # upstream: pkg/controller/util/node/controller_utils.go MarkPodsNotReady
        current = self.api.etcd.read(self.pods_res.key(pod["metadata"].get("namespace"), pod["metadata"]["name"]))
        if current is None or (current.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return
        for c in (current.get("status") or {}).get("conditions") or ():
            if c.get("type") == "Ready" and c.get("status") != "False":
                c["status"] = "False"
                c["lastTransitionTime"] = format_time(self.env.now)
                self.api.write_status(self.pods_res, current)
                self.lab.events.record(current, "Warning", "NodeNotReady", "Node is not ready", "node-controller")
                break

    def _evict_later(self, node: str, uid: str, namespace: str, name: str, seconds: float):
        if seconds:
            yield self.env.timeout(seconds)
        n = self.api.etcd.read(self.nodes_res.key(None, node))
        if n is None or not any(t.get("key") == UNREACHABLE and t.get("effect") == "NoExecute"
                                for t in (n.get("spec") or {}).get("taints") or ()):
            return
        pod = self.api.etcd.read(self.pods_res.key(namespace, name))
        if pod is None or pod["metadata"].get("uid") != uid or pod["metadata"].get("deletionTimestamp"):
            return
        # upstream: taint_eviction.go emitPodDeletionEvent and addConditionAndDeletePod
        self.lab.events.record(pod, "Normal", "TaintManagerEviction", f"Marking for deletion Pod {namespace}/{name}",
                               "taint-eviction-controller")
        conds = [c for c in (pod.get("status") or {}).get("conditions") or () if c.get("type") != "DisruptionTarget"]
        conds.append({"type": "DisruptionTarget", "status": "True", "reason": "DeletionByTaintManager",
                      "message": "Taint manager: deleting due to NoExecute taint",
                      "lastTransitionTime": format_time(self.env.now), "lastProbeTime": None})
        pod.setdefault("status", {})["conditions"] = conds
        self.api.write_status(self.pods_res, pod)
        self.api.delete(self.pods_res, namespace, name)

    def kubelet_started(self, name: str) -> None:
        """The kubelet posts Ready again: lift the unreachable taints (evictions not yet done are cancelled)."""
        node = self.api.etcd.read(self.nodes_res.key(None, name))
        if node is None:
            return
        spec = node.get("spec") or {}
        taints = [t for t in spec.get("taints") or () if t.get("key") not in (UNREACHABLE, NOT_READY)]
        if taints != (spec.get("taints") or []):
            if taints:
                spec["taints"] = taints
            else:
                spec.pop("taints", None)
            self.api.write_status(self.nodes_res, node)
