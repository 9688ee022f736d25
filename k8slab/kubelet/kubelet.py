"""One kubelet per Node, and the component that runs them all: pod admission, workers, IPs, node status."""

from __future__ import annotations

from k8slab.apiserver.server import format_time
from k8slab.config.propagation import EnvError, resolve_env
from k8slab.controllers.base import Component
from k8slab.kubelet.admission import admit, allocatable_of
from k8slab.kubelet.backoff import CONTAINER_BACKOFF, MAX_CONTAINER_BACKOFF, Backoff
from k8slab.kubelet.images import ImageManager
from k8slab.kubelet.lifecycle import WORKER_BACKOFF, PodWorker
from k8slab.kubelet.node import fill_node_status, node_internal_ip, ready_conditions
from k8slab.kubelet.statusmanager import StatusManager
from k8slab.kubelet.volumes import VolumeManager
from k8slab.network.ipam import SandboxError
from k8slab.registry import load_registry
from k8slab.scheduler.podinfo import pod_requests

__all__ = ["Kubelet", "Kubelets"]

_TERMINAL = ("Succeeded", "Failed")
#: upstream: pkg/kubelet/apis/config/v1beta1/defaults.go nodeStatusUpdateFrequency 10s, nodeStatusReportFrequency 5m
NODE_STATUS_UPDATE_FREQUENCY = 10.0
NODE_STATUS_REPORT_FREQUENCY = 300.0


class Kubelet:
    """The kubelet of one node: admits the pods bound to it and runs a :class:`PodWorker` for each."""

    def __init__(self, manager: "Kubelets", node: dict, index: int):
        self.manager = manager
        self.lab = manager.lab
        self.env = manager.lab.env
        self.api = manager.lab.api
        self.registry = manager.registry
        self.node_name = node["metadata"]["name"]
        self.index = index
        self.node = node
        self.images = ImageManager(self)
        self.backoff = Backoff(CONTAINER_BACKOFF, MAX_CONTAINER_BACKOFF, clock=lambda: self.env.now)
        self.status = StatusManager(self)
        self.workers: dict[str, PodWorker] = {}
        self.used: dict[str, int] = {}
        self.admitted = 0
        self.volumes = VolumeManager(self)
        self.running = True
        self.stopped_at: float | None = None
        self._pending_finalize: list[PodWorker] = []
        self._missed: dict[str, tuple[str, dict]] = {}  # pod updates while stopped: uid -> (event, pod)
        self._status_due = False
        self._alloc_cache: tuple[tuple, dict[str, int]] | None = None
        self.env.process(self._heartbeat())

    def __repr__(self) -> str:
        return f"<Kubelet {self.node_name}: {len(self.workers)} pods{'' if self.running else ', stopped'}>"

    @property
    def node_ip(self) -> str | None:
        return node_internal_ip(self.node)

    # -- pods ------------------------------------------------------------------------------------
    def add_pod(self, pod: dict, adopt: bool = False) -> PodWorker:
        pw = PodWorker(self, pod)
        self.workers[pw.uid] = pw
        if adopt:
            pw.adopt()
        if (pod.get("status") or {}).get("phase") in _TERMINAL:
            pw.finished = True  # already done (a loaded lab): nothing to run
            return pw
        requests = pod_requests(pod)
        rejected = admit(pod, self._allocatable(), self.used, self.admitted, requests)
        if rejected:
            pw.rejected = rejected
        else:
            pw.requests = requests
            for k, v in requests.items():
                self.used[k] = self.used.get(k, 0) + v
            self.admitted += 1
        if self.running:
            pw.begin()
        return pw

    def _allocatable(self) -> dict[str, int]:
        """``allocatable_of(self.node)``, parsed again only when the node's allocatable (or capacity) text changed."""
        status = self.node.get("status") or {}
        alloc = status.get("allocatable") or status.get("capacity") or {}
        text = tuple((name, str(value)) for name, value in alloc.items())  # what allocatable_of parses
        cached = self._alloc_cache
        if cached is None or cached[0] != text:
            cached = self._alloc_cache = (text, allocatable_of(self.node))
        return cached[1]

    def owns(self, pw: PodWorker) -> bool:
        return self.running and self.workers.get(pw.uid) is pw

    def release(self, pw: PodWorker) -> None:
        """The pod's containers are gone: free its IP and its share of the node."""
        if pw.ip and not (pw.pod.get("spec") or {}).get("hostNetwork"):
            self.lab.network.release_pod_ip(pw.pod)
        self.volumes.forget(pw)
        requests = getattr(pw, "requests", None)
        if requests is not None:
            for k, v in requests.items():
                self.used[k] = self.used.get(k, 0) - v
            self.admitted -= 1
            pw.requests = None

    def create_sandbox(self, pw: PodWorker) -> float | None:
        """Give the pod its network (the CNI plugin's address): None when done, else seconds until a retry.

        upstream: kuberuntime_manager.go createPodSandbox ("FailedCreatePodSandBox"); pod_workers.go retries after
        backOffOnTransientErrorPeriod (1 s) while the network is not ready, else after backOffPeriod (10 s)
        """
        if (pw.pod.get("spec") or {}).get("hostNetwork"):
            pw.ip = self.node_ip
            return None
        try:
            pw.ip = self.lab.network.allocate_pod_ip(pw.pod, self.node_name)
        except SandboxError as e:
            pw.pod_event("Warning", e.reason, str(e))
            return 1.0 if e.reason == "NetworkNotReady" else WORKER_BACKOFF
        return None

    def config_error(self, pod: dict, container: dict) -> str | None:
        """Why the container's environment cannot be built (CreateContainerConfigError), or None."""
        try:
            resolve_env(pod, container, self.manager.lookup)
        except EnvError as e:
            return str(e)
        return None

    def finalize_deletion(self, pw: PodWorker) -> None:
        """All containers stopped: delete the pod object for good (grace period 0, as the status manager does)."""
        if not self.running:
            self._pending_finalize.append(pw)
            return
        res = self.api.resource("pods")
        current = self.api.etcd.read(res.key(pw.namespace, pw.name))
        if current is not None and current["metadata"].get("uid") == pw.uid:
            self.api.remove(res, current)
        self.workers.pop(pw.uid, None)

    def forget(self, uid: str) -> None:
        pw = self.workers.pop(uid, None)
        if pw is not None:
            pw.removed()

    def event(self, obj: dict, type_: str, reason: str, message: str) -> None:
        if self.running:
            self.lab.events.record(obj, type_, reason, message, "kubelet")

    # -- node ------------------------------------------------------------------------------------
    def stop(self) -> None:
        """The kubelet stops posting status (the node is down or cut off); its pods are left as they are."""
        if not self.running:
            return
        self.running = False
        self.stopped_at = self.env.now
        ctrl = self.lab.components.get("node-lifecycle-controller")
        if ctrl is not None:
            ctrl.kubelet_stopped(self.node_name)

    def start(self) -> None:
        """The kubelet is back: it posts Ready, reports its pods and finishes deletions it could not report."""
        if self.running:
            return
        self.running = True
        self.stopped_at = None
        res = self.api.resource("nodes")
        node = self.api.etcd.read(res.key(None, self.node_name))
        if node is not None:
            now = format_time(self.env.now)
            node.setdefault("status", {})["conditions"] = ready_conditions(now)
            self.api.write_status(res, node)
            self.lab.events.record(node, "Normal", "NodeReady", f"Node {self.node_name} status is now: NodeReady",
                                   "kubelet")
        ctrl = self.lab.components.get("node-lifecycle-controller")
        if ctrl is not None:
            ctrl.kubelet_started(self.node_name)
        for pw in self._pending_finalize:
            self.finalize_deletion(pw)
        self._pending_finalize.clear()
        missed, self._missed = self._missed, {}
        for event, pod in missed.values():
            self.manager._dispatch(self, event, pod)
        for pw in list(self.workers.values()):
            if pw.process is None and not pw.finished:
                pw.begin()
            else:
                pw.kick()

    # -- node status ---------------------------------------------------------------------------------
    def _heartbeat(self):
        """Post the node's status every nodeStatusReportFrequency (5 min), the heartbeat in its conditions.

        upstream: pkg/kubelet/kubelet_node_status.go tryUpdateNodeStatus; nodeStatusReportFrequency 5m. The
        Lease the kubelet renews every 10 s is not simulated (the node lifecycle controller asks the kubelet).
        """
        while self.manager.nodes.get(self.node_name) is self:
            yield self.env.timeout(NODE_STATUS_REPORT_FREQUENCY)
            self.post_node_status()

    def images_changed(self) -> None:
        """An image was pulled: the next status update (every 10 s) reports it in ``status.images``."""
        if not self._status_due:
            self._status_due = True
            timer = self.env.timeout(NODE_STATUS_UPDATE_FREQUENCY)
            timer.callbacks.append(lambda _e: self.post_node_status())

    def post_node_status(self) -> None:
        self._status_due = False
        if not self.running:
            return
        res = self.api.resource("nodes")
        node = self.api.etcd.read(res.key(None, self.node_name))
        if node is None:
            return
        status = node.setdefault("status", {})
        now = format_time(self.env.now)
        for c in status.get("conditions") or ():
            if c.get("reason", "").startswith("Kubelet"):
                c["lastHeartbeatTime"] = now
        images = self.images.images()
        if images:
            status["images"] = images
        self.api.write_status(res, node)

    def node_changed(self, node: dict) -> None:
        was = bool((self.node.get("spec") or {}).get("unschedulable"))
        self.node = node
        now = bool((node.get("spec") or {}).get("unschedulable"))
        if was != now:
            # upstream: pkg/kubelet/kubelet_node_status.go recordNodeSchedulableEvent
            reason = "NodeNotSchedulable" if now else "NodeSchedulable"
            self.event(node, "Normal", reason, f"Node {self.node_name} status is now: {reason}")


class Kubelets(Component):
    """Runs a kubelet for every Node: watches Nodes and Pods, hands each bound pod to its node's kubelet.

    ``lab.components["kubelet"].nodes["node-1"]`` is that node's :class:`Kubelet`; ``stop("node-1")`` and
    ``start("node-1")`` take it down and bring it back. Pods are deleted gracefully through it: the API server
    sets deletionTimestamp and the kubelet removes the pod once its containers stopped.

    Examples
    --------
    >>> import k8slab as kl
    >>> lab = kl.Cluster()
    >>> _ = lab.apply('''
    ... apiVersion: v1
    ... kind: Node
    ... metadata: {name: node-1}
    ... status: {capacity: {cpu: "2", memory: 4Gi, pods: "110"}}
    ... ---
    ... apiVersion: v1
    ... kind: Pod
    ... metadata: {name: web}
    ... spec:
    ...   nodeName: node-1
    ...   containers: [{name: web, image: "nginx:1.27"}]
    ... ''')
    >>> lab.run(5).kubectl("get pods")
    NAME   READY   STATUS    RESTARTS   AGE
    web    1/1     Running   0          5s
    >>> lab.components["kubelet"].nodes["node-1"]
    <Kubelet node-1: 1 pods>
    """

    name = "kubelet"

    def __init__(self, registry=None):
        self._registry_path = registry

    def attach(self, lab) -> None:
        self.lab = lab
        self.env = lab.env
        self.api = lab.api
        self.registry = load_registry(self._registry_path)
        self.nodes: dict[str, Kubelet] = {}
        self._index: dict[str, int] = {}
        self._waiting: dict[str, dict[str, dict]] = {}  # node name -> uid -> pod, for nodes not seen yet
        self._pod_node: dict[str, str] = {}  # uid -> node
        self.object_cache: dict[str, tuple[bytes, dict]] = {}  # etcd key -> (stored bytes, decoded), for lookups
        self.pods_res = lab.api.resource("pods")
        lab.api.mutating_admission.append(self._node_registration)
        lab.api.graceful_deleters["Pod"] = self._graceful_delete
        lab.api.watch(lab.api.resource("nodes"), self._on_node)
        lab.api.watch(self.pods_res, self._on_pod)

    def lookup(self, kind: str, namespace: str, name: str) -> dict | None:
        """A ConfigMap or Secret as the kubelet's watch-based managers see it (decoded once per stored version)."""
        key = f"/registry/{'configmaps' if kind == 'ConfigMap' else 'secrets'}/{namespace}/{name}"
        etcd = self.api.etcd
        raw = etcd.get(key)
        if raw is None:
            return None
        cached = self.object_cache.get(key)
        if cached is not None and cached[0] is raw:
            return cached[1]
        obj = etcd.read(key)
        self.object_cache[key] = (raw, obj)
        return obj

    def resync(self) -> None:
        """After ``Cluster.load``: a kubelet per node, taking over the pods the saved lab was running."""
        for node in self.api.list(self.api.resource("nodes")):
            self._on_node("ADDED", node)
        for pod in self.api.list(self.pods_res):
            node = (pod.get("spec") or {}).get("nodeName")
            k = self.nodes.get(node)
            uid = pod["metadata"].get("uid")
            if k is not None and uid not in k.workers:
                self._pod_node[uid] = node
                k.add_pod(pod, adopt=True)

    # -- node failures ---------------------------------------------------------------------------
    def stop(self, node: str) -> None:
        """Take a node's kubelet down: after 50 s the node is NotReady (Unknown); its pods are evicted after 300 s."""
        self._kubelet(node).stop()

    def start(self, node: str) -> None:
        """Bring a node's kubelet back."""
        self._kubelet(node).start()

    def _kubelet(self, node: str) -> Kubelet:
        from k8slab.errors import NotFound

        if node not in self.nodes:
            raise NotFound(f'nodes "{node}" not found')
        return self.nodes[node]

    # -- watches ---------------------------------------------------------------------------------
    def _node_index(self, name: str) -> int:
        if name not in self._index:
            self._index[name] = len(self._index)
        return self._index[name]

    def _node_registration(self, req) -> None:
        if req.resource.kind == "Node" and req.verb == "create" and not req.dry_run:
            fill_node_status(req.obj, self._node_index(req.name), format_time(self.env.now))

    def _on_node(self, event: str, node: dict) -> None:
        name = node["metadata"]["name"]
        if event == "DELETED":
            k = self.nodes.pop(name, None)
            if k is not None:
                k.running = False
            return
        k = self.nodes.get(name)
        if k is not None:
            k.node_changed(node)
            return
        k = self.nodes[name] = Kubelet(self, node, self._node_index(name))
        for pod in self._waiting.pop(name, {}).values():
            self._pod_node[pod["metadata"]["uid"]] = name
            k.add_pod(pod)

    def _on_pod(self, event: str, pod: dict) -> None:
        node = (pod.get("spec") or {}).get("nodeName")
        uid = pod["metadata"].get("uid")
        if not node:
            return
        k = self.nodes.get(node)
        if event == "DELETED":
            self._pod_node.pop(uid, None)
            if k is None:
                self._waiting.get(node, {}).pop(uid, None)
                return
        if k is None:
            self._waiting.setdefault(node, {})[uid] = pod
            return
        if not k.running:  # a node that is down does not hear from the API server
            k._missed[uid] = (event, pod)
            return
        self._dispatch(k, event, pod)

    def _dispatch(self, k: Kubelet, event: str, pod: dict) -> None:
        uid = pod["metadata"].get("uid")
        if event == "DELETED":
            k.forget(uid)
            return
        pw = k.workers.get(uid)
        if pw is None:
            self._pod_node[uid] = k.node_name
            k.add_pod(pod)
        else:
            pw.update(pod)

    def _graceful_delete(self, pod: dict, grace_period: int | None) -> bool:
        """The API server's graceful pod deletion (upstream: pkg/registry/core/pod/strategy.go CheckGracefulDelete)."""
        spec = pod.get("spec") or {}
        period = grace_period if grace_period is not None else spec.get("terminationGracePeriodSeconds", 30)
        if not spec.get("nodeName") or (pod.get("status") or {}).get("phase") in _TERMINAL:
            period = 0
        if spec.get("nodeName") not in self.nodes:
            period = 0
        meta = pod["metadata"]
        if period <= 0:
            return False
        deadline = self.env.now + period
        if meta.get("deletionTimestamp"):
            from k8slab.kubectl.format import parse_time

            current = parse_time(meta["deletionTimestamp"])
            if current is not None and current <= deadline:
                return True
        meta["deletionTimestamp"] = format_time(deadline)
        meta["deletionGracePeriodSeconds"] = int(period)
        self.api.write_status(self.pods_res, pod)
        return True
