"""The Deployment controller: ReplicaSets per template, rolled with RollingUpdate or Recreate (upstream pkg/controller/deployment)."""

from __future__ import annotations

import copy

from k8slab.controllers.deployment_sync import Action, plan_sync
from k8slab.controllers.deployment_util import has_progress_deadline, new_condition, set_condition
from k8slab.controllers.refmanager import claim
from k8slab.controllers.util import controller_of, selector_of
from k8slab.controllers.workload import WorkloadController
from k8slab.errors import K8sLabError

__all__ = ["DeploymentController"]


class DeploymentController(WorkloadController):
    """kube-controller-manager's Deployment controller, on the lab's clock.

    Each sync is :func:`k8slab.controllers.deployment_sync.plan_sync` (pure), whose actions are then
    written through the API server.
    """

    name = "deployment-controller"
    watches = ("deployments", "replicasets", "pods")
    informers = {"deployments": "deployments", "rss": "replicasets", "pods": "pods"}
    primary = "deployments"

    def attach(self, lab) -> None:
        self.d_res = lab.api.resource("deployments")
        self.rs_res = lab.api.resource("replicasets")
        super().attach(lab)

    def keys_for(self, event_type: str, obj: dict):
        kind = obj.get("kind")
        ns = obj["metadata"].get("namespace") or ""
        if kind == "Deployment":
            yield self.deployments.key(obj)
        elif kind == "ReplicaSet":
            ref = controller_of(obj)
            if ref is not None:
                if ref.get("kind") == "Deployment":
                    yield f"{ns}/{ref.get('name')}"
            elif event_type != "DELETED":
                for d in self.deployments.list(ns):
                    if selector_of(d["spec"].get("selector")).matches(obj["metadata"].get("labels")):
                        yield self.deployments.key(d)
        elif event_type == "DELETED":  # a pod is gone: a Recreate rollout may go on (upstream deletePod)
            ref = controller_of(obj)
            if ref is None or ref.get("kind") != "ReplicaSet":
                return
            rs = self.rss.get_by_uid(ref.get("uid", ""))
            d_ref = controller_of(rs) if rs is not None else None
            if d_ref is not None and d_ref.get("kind") == "Deployment":
                d = self.deployments.get(ns, d_ref.get("name"))
                if d is not None and (d["spec"].get("strategy") or {}).get("type") == "Recreate":
                    yield f"{ns}/{d_ref.get('name')}"

    def reconcile(self, key: str) -> None:
        ns, _, name = key.partition("/")
        d = self.deployments.get(ns, name)
        if d is None:
            return
        selector = selector_of(d["spec"].get("selector"))
        owned = self.rss.owned_by(d["metadata"]["uid"])
        orphans = self.rss.orphans(ns)
        rss = claim(self.api, self.rs_res, d, owned, orphans, selector) if orphans else owned
        pods_by_rs = {}
        if (d["spec"].get("strategy") or {}).get("type") == "Recreate":
            pods_by_rs = {rs["metadata"]["uid"]: self.pods.owned_by(rs["metadata"]["uid"]) for rs in rss}
        names = {rs["metadata"]["name"]: rs for rs in self.rss.list(ns)}
        actions = plan_sync(d, rss, pods_by_rs, self.env.now, names)
        self.apply(key, d, actions)

    def apply(self, key: str, d: dict, actions: list[Action]) -> None:
        """Write a sync's actions through the API server, in order; an error ends the sync and requeues."""
        ns = d["metadata"]["namespace"]
        record = self.lab.events.record
        for a in actions:
            try:
                if a.verb == "event":
                    record(self.deployments.get(ns, d["metadata"]["name"]) or d, *a.event, self.name)
                elif a.verb == "requeue":
                    self.add_after(key, a.seconds)
                elif a.verb == "status":
                    live = copy.deepcopy(self.api.get(self.d_res, ns, d["metadata"]["name"]))
                    live["metadata"]["annotations"] = a.obj["metadata"].get("annotations") or {}
                    if not live["metadata"]["annotations"]:
                        del live["metadata"]["annotations"]
                    live["status"] = a.obj["status"]
                    self.api.write_status(self.d_res, live)
                elif a.verb == "create":
                    self._create(d, a.obj)
                elif a.verb == "update":
                    live = copy.deepcopy(self.api.get(self.rs_res, ns, a.obj["metadata"]["name"]))
                    live["metadata"]["annotations"] = a.obj["metadata"].get("annotations")
                    live["spec"]["replicas"] = a.obj["spec"]["replicas"]
                    if a.obj["spec"].get("minReadySeconds"):
                        live["spec"]["minReadySeconds"] = a.obj["spec"]["minReadySeconds"]
                    else:
                        live["spec"].pop("minReadySeconds", None)
                    self.api.update(live)
                elif a.verb == "delete":
                    self.api.delete(self.rs_res, ns, a.obj["metadata"]["name"])
            except K8sLabError:
                self.retry(key)
                return
        self.forget(key)

    def _create(self, d: dict, rs: dict) -> None:
        rs = copy.deepcopy(rs)
        rs["metadata"].pop("creationTimestamp", None)
        try:
            self.api.create(rs)
        except K8sLabError as e:
            # upstream: sync.go getNewReplicaSet, FailedRSCreateReason
            msg = f'Failed to create new replica set "{rs["metadata"]["name"]}": {e.message}'
            live = copy.deepcopy(self.api.get(self.d_res, d["metadata"]["namespace"], d["metadata"]["name"]))
            status = live.setdefault("status", {})
            if has_progress_deadline(live):
                set_condition(status, new_condition("Progressing", "False", "ReplicaSetCreateError", msg,
                                                    self.env.now))
                self.api.write_status(self.d_res, live)
            self.lab.events.record(live, "Warning", "ReplicaSetCreateError", msg, self.name)
            raise
