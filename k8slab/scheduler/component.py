"""kube-scheduler as a lab component: informers feed the Scheduler, a SimPy process runs its cycles, bindings go to the API."""

from __future__ import annotations

from k8slab.controllers.base import Component
from k8slab.scheduler.scheduler import Scheduler

__all__ = ["KubeScheduler"]


class KubeScheduler(Component):
    """Runs :class:`~k8slab.scheduler.Scheduler` in a lab: ``lab.scheduler.explain(pod)`` asks it why.

    Binding goes through the pods/binding subresource: it sets ``spec.nodeName`` and the PodScheduled
    condition (upstream: pkg/registry/core/pod/storage/storage.go assignPod).
    """

    name = "scheduler"

    def __init__(self, profiles=None):
        self.profiles = profiles

    def attach(self, lab) -> None:
        self.lab = lab
        self.api = lab.api
        self.env = lab.env
        self._pods = lab.api.resource("pods")
        self._services: dict[str, dict[str, dict]] = {}  # namespace -> name -> selector (default spread constraints)
        self.scheduler = Scheduler(
            profiles=self.profiles, seed=lab.seed, clock=lambda: self.env.now,
            emit_event=self._event, bind=self._bind, evict=self._evict, update_status=self._update_status,
            default_selector=self._default_selector, namespace_labels=self._namespace_labels)
        lab.scheduler = self
        from k8slab.scheduler.plugins.volumes import with_lab

        with_lab(self.scheduler, lab)  # the volume plugins read the lab's claims and volumes
        self._wakeup = None
        lab.api.watch(lab.api.resource("nodes"), self._on_node)
        lab.api.watch(self._pods, self._on_pod)
        lab.api.watch(lab.api.resource("services"), self._on_service)
        for res, kind in (("persistentvolumeclaims", "PersistentVolumeClaim"), ("persistentvolumes", "PersistentVolume"),
                          ("storageclasses", "StorageClass")):
            lab.api.watch(lab.api.resource(res), self._volume_event(kind))
        self.resync()
        self.env.process(self._loop())

    def resync(self) -> None:
        self.scheduler.cache.__init__()
        self.scheduler.queue.__init__()
        for node in self.api.list(self.api.resource("nodes")):
            self.scheduler.add_node(node)
        for pod in self.api.list(self._pods):
            self.scheduler.add_pod(pod)
        self._services.clear()
        for svc in self.api.list(self.api.resource("services")):
            self._on_service("ADDED", svc)
        self._kick()

    # -- informers ---------------------------------------------------------------------------------
    def _on_node(self, event: str, node: dict) -> None:
        if event == "ADDED":
            self.scheduler.add_node(node)
        elif event == "MODIFIED":
            self.scheduler.update_node(node)
        else:
            self.scheduler.remove_node(node["metadata"]["name"])
        self._kick()

    def _on_pod(self, event: str, pod: dict) -> None:
        meta = pod["metadata"]
        if event == "DELETED":
            self.scheduler.remove_pod(meta.get("namespace"), meta["name"])
        elif meta.get("deletionTimestamp") and not (pod.get("spec") or {}).get("nodeName"):
            self.scheduler.remove_pod(meta.get("namespace"), meta["name"])
        elif event == "ADDED":
            self.scheduler.add_pod(pod)
        else:
            self.scheduler.update_pod(pod)
        self._kick()

    def _on_service(self, event: str, svc: dict) -> None:
        ns, name = svc["metadata"].get("namespace", "default"), svc["metadata"]["name"]
        selector = (svc.get("spec") or {}).get("selector")
        if event == "DELETED" or not selector:
            self._services.get(ns, {}).pop(name, None)
        else:
            self._services.setdefault(ns, {})[name] = selector

    def _volume_event(self, kind: str):
        def on_event(event: str, _obj: dict) -> None:
            if event != "DELETED":
                self.scheduler.queue.move_all(kind + ("Add" if event == "ADDED" else "Update"), self.env.now)
                self._kick()
        return on_event

    # -- callbacks the Scheduler uses ------------------------------------------------------------------
    def _event(self, obj, type_, reason, message) -> None:
        self.lab.events.record(obj, type_, reason, message, "default-scheduler")

    def _bind(self, pod: dict, node: str) -> None:
        if "persistentvolume-controller" in self.lab.components:
            # upstream: VolumeBinding PreBind - bind static PVs / ask for provisioning, then wait for the claims
            from k8slab.storage.binding import pre_bind, volumes_bound

            if pre_bind(self.lab, pod, node) and not volumes_bound(self.lab, pod):
                self.env.process(self._bind_after_volumes(pod, node))
                return
        live = self.api.get(self._pods, pod["metadata"].get("namespace"), pod["metadata"]["name"])
        if live["metadata"].get("uid") != pod["metadata"].get("uid"):
            raise RuntimeError(f'pod {pod["metadata"]["name"]} was replaced')
        if (live.get("spec") or {}).get("nodeName"):
            raise RuntimeError(f'pod {pod["metadata"]["name"]} is already assigned to node '
                               f'"{live["spec"]["nodeName"]}"')
        self._write_binding(live, node)

    def _write_binding(self, live: dict, node: str) -> None:
        """spec.nodeName and PodScheduled=True, written as the binding subresource does (assignPod)."""
        # copy only what changes (spec, status, its conditions): the rest of the stored object is shared as is
        status = dict(live.get("status") or {})
        status.pop("nominatedNodeName", None)
        status["conditions"] = [dict(c) for c in status.get("conditions") or ()]
        _set_condition(status, {"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                                "lastTransitionTime": self.api.now_rfc3339()})
        self.api.write_status(self._pods, {**live, "spec": {**live["spec"], "nodeName": node}, "status": status})

    def _bind_after_volumes(self, pod: dict, node: str):
        from k8slab.storage.binding import volumes_bound

        deadline = self.env.now + 600  # upstream: VolumeBinding bindTimeoutSeconds
        while not volumes_bound(self.lab, pod) and self.env.now < deadline:
            yield self.env.timeout(1)
        try:
            self._bind_now(pod, node)
        except Exception:  # the pod went away or was bound meanwhile
            pass

    def _bind_now(self, pod: dict, node: str) -> None:
        live = self.api.get(self._pods, pod["metadata"].get("namespace"), pod["metadata"]["name"])
        if live["metadata"].get("uid") != pod["metadata"].get("uid") or (live.get("spec") or {}).get("nodeName"):
            return
        self._write_binding(live, node)

    def _evict(self, pod: dict, message: str) -> None:
        meta = pod["metadata"]
        try:
            self.api.delete(self._pods, meta.get("namespace"), meta["name"])
        except Exception:  # already gone
            pass

    def _update_status(self, pod: dict, condition: dict, nominated: str | None) -> None:
        try:
            live = self.api.get(self._pods, pod["metadata"].get("namespace"), pod["metadata"]["name"])
        except Exception:
            return
        status = dict(live.get("status") or {})
        status["conditions"] = [dict(c) for c in status.get("conditions") or ()]
        live = {**live, "status": status}
        cond = {"type": condition["type"], "status": condition["status"], "lastProbeTime": None,
                "lastTransitionTime": self.api.now_rfc3339(), "reason": condition.get("reason"),
                "message": condition.get("message")}
        changed = _set_condition(status, {k: v for k, v in cond.items() if v is not None or k == "lastProbeTime"})
        if nominated and status.get("nominatedNodeName") != nominated:
            status["nominatedNodeName"] = nominated
            changed = True
        if changed:
            self.api.write_status(self._pods, live)

    def _default_selector(self, pod: dict) -> dict | None:
        # upstream: pkg/scheduler/framework/plugins/helper/spread.go DefaultSelector (services, RCs, RSs, StatefulSets)
        meta = pod.get("metadata") or {}
        labels = meta.get("labels") or {}
        match: dict = {}
        for selector in self._services.get(meta.get("namespace", "default"), {}).values():
            if all(labels.get(k) == v for k, v in selector.items()):
                match.update(selector)
        for ref in meta.get("ownerReferences") or ():
            if ref.get("kind") in ("ReplicaSet", "StatefulSet") and ref.get("controller"):
                res = self.api.resource(ref["kind"], ref.get("apiVersion"))
                try:
                    owner = self.api.get(res, meta.get("namespace"), ref["name"])
                except Exception:
                    continue
                match.update(((owner.get("spec") or {}).get("selector") or {}).get("matchLabels") or {})
        return {"matchLabels": match} if match else None

    def _namespace_labels(self, name: str) -> dict:
        ns = self.api.etcd.read(f"/registry/namespaces/{name}")
        return ((ns or {}).get("metadata") or {}).get("labels") or {}

    # -- the scheduling loop ---------------------------------------------------------------------------
    def _kick(self) -> None:
        # with nothing queued a wake-up would find nothing to do (back-off and flush times wake the loop by their
        # own timer): the kubelets' status writes of 30,000 running pods no longer wake it each time
        if self._wakeup is not None and not self._wakeup.triggered and len(self.scheduler.queue):
            self._wakeup.succeed()

    def _loop(self):
        while True:
            self.scheduler.schedule_pending()
            self._wakeup = self.env.event()
            retry = self.scheduler.next_retry_time()
            if retry is not None and retry > self.env.now:
                yield self._wakeup | self.env.timeout(retry - self.env.now)
            elif retry is not None:
                yield self.env.timeout(0.001)  # a pod ready now that could not be popped: try again shortly
            else:
                yield self._wakeup
            self._wakeup = None

    # -- public --------------------------------------------------------------------------------------------
    def explain(self, pod, profile: str | None = None):
        """Where the pod would go and why: every node, every plugin (see :class:`SchedulingReport`).

        ``pod`` is a name (``"web"`` or ``"namespace/web"``), a pod dict or model, or manifest YAML.
        """
        if isinstance(pod, str) and "\n" not in pod:
            ns, _, name = pod.rpartition("/")
            pod = self.api.get(self._pods, ns or "default", name)
        elif isinstance(pod, str):
            from k8slab.manifests import load_documents

            [(pod, _)] = load_documents(pod)
        elif not isinstance(pod, dict):
            pod = pod.to_dict()
        if not (pod.get("metadata") or {}).get("uid") or "tolerations" not in (pod.get("spec") or {}):
            pod = self._dry_run_create(pod)
        return self.scheduler.explain(pod, profile)

    def _dry_run_create(self, pod: dict) -> dict:
        """Defaults and admission, as a real create would see them, without storing or touching the lab's RNG."""
        from k8slab.errors import AlreadyExists

        state = self.api.rng.getstate()
        try:
            try:
                return self.api.create(pod, dry_run=True)
            except AlreadyExists:  # a manifest for a pod that exists: admit it under another name
                meta = dict(pod.get("metadata") or {})
                name = meta.get("name", "")
                out = self.api.create({**pod, "metadata": {**meta, "name": f"{name}-explain"}}, dry_run=True)
                out["metadata"]["name"] = name
                return out
        finally:
            self.api.rng.setstate(state)

    @property
    def profiles_in_use(self):
        return self.scheduler.profiles


def _set_condition(status: dict, cond: dict) -> bool:
    """Set a pod condition, keeping lastTransitionTime when the status does not change; True if anything changed."""
    conds = status.setdefault("conditions", [])
    for i, c in enumerate(conds):
        if c.get("type") == cond["type"]:
            if c.get("status") == cond.get("status"):
                cond = {**cond, "lastTransitionTime": c.get("lastTransitionTime")}
            if c == cond:
                return False
            conds[i] = cond
            return True
    conds.append(cond)
    return True
