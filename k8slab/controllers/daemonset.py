"""The DaemonSet controller: one pod per eligible node, rolled node by node (upstream pkg/controller/daemon)."""

from __future__ import annotations

import copy

from k8slab.controllers.daemonset_sync import plan_daemonset
from k8slab.controllers.refmanager import claim
from k8slab.controllers.util import controller_of, pod_from_template, selector_of, slow_start_batch
from k8slab.controllers.workload import WorkloadController
from k8slab.errors import K8sLabError

__all__ = ["DaemonSetController"]


class DaemonSetController(WorkloadController):
    """kube-controller-manager's DaemonSet controller, on the lab's clock.

    Each sync is :func:`k8slab.controllers.daemonset_sync.plan_daemonset` (pure), written through the API.
    Pods are created with a node affinity to their node and bound by the scheduler, as upstream does.
    """

    name = "daemonset-controller"
    watches = ("daemonsets", "pods", "nodes", "controllerrevisions")
    informers = {"sets": "daemonsets", "pods": "pods", "nodes": "nodes", "revisions": "controllerrevisions"}
    primary = "daemonsets"

    def attach(self, lab) -> None:
        self.res = {r: lab.api.resource(r) for r in ("daemonsets", "pods", "controllerrevisions")}
        super().attach(lab)

    def keys_for(self, event_type: str, obj: dict):
        kind = obj.get("kind")
        if kind == "DaemonSet":
            yield self.sets.key(obj)
            return
        if kind == "Node":  # a node came, went or changed: every DaemonSet may have work
            for ds in self.sets.list():
                yield self.sets.key(ds)
            return
        ns = obj["metadata"].get("namespace") or ""
        ref = controller_of(obj)
        if ref is not None:
            if ref.get("kind") == "DaemonSet":
                yield f"{ns}/{ref.get('name')}"
        elif event_type != "DELETED" and kind == "Pod":
            for ds in self.sets.list(ns):
                if selector_of(ds["spec"].get("selector")).matches(obj["metadata"].get("labels")):
                    yield self.sets.key(ds)

    def reconcile(self, key: str) -> None:
        ns, _, name = key.partition("/")
        ds = self.sets.get(ns, name)
        if ds is None:
            return
        uid = ds["metadata"]["uid"]
        selector = selector_of(ds["spec"].get("selector"))
        if selector.empty:  # upstream: "SelectingAll"
            self.lab.events.record(ds, "Warning", "SelectingAll", "This daemon set is selecting all pods. A "
                                   "non-empty selector is required.", self.name)
            return
        owned = self.pods.owned_by(uid)
        orphans = self.pods.orphans(ns)
        pods = claim(self.api, self.res["pods"], ds, owned, orphans, selector) if orphans else owned
        names = {r["metadata"]["name"]: r for r in self.revisions.list(ns)}
        actions, status = plan_daemonset(ds, self.nodes.list(), pods, self.revisions.owned_by(uid), self.env.now,
                                         names)
        ok = self.apply(key, ds, actions)
        if status is None:  # a revision name collision: status carries the new collisionCount, then retry
            live = copy.deepcopy(self.api.get(self.res["daemonsets"], ns, name))
            live["status"] = next(a[2]["status"] for a in actions if a[0] == "status")
            self.api.write_status(self.res["daemonsets"], live)
            self.retry(key)
            return
        fresh = self.sets.get(ns, name)
        if ok and fresh is not None and status != (fresh.get("status") or {}):
            live = copy.deepcopy(self.api.get(self.res["daemonsets"], ns, name))
            live["status"] = status
            self.api.write_status(self.res["daemonsets"], live)
        min_ready = ds["spec"].get("minReadySeconds", 0) or 0
        if min_ready > 0 and status.get("numberReady", 0) != status.get("numberAvailable", 0):
            self.add_after(key, min_ready)

    def apply(self, key: str, ds: dict, actions) -> bool:
        ns = ds["metadata"]["namespace"]
        record = self.lab.events.record
        creates = [a[2] for a in actions if a[:2] == ("create", "pod")]
        error = None
        for a in actions:
            try:
                if a[0] == "event":
                    record(ds, a[1], a[2], a[3], self.name)
                elif a[1] == "revision":
                    if a[0] == "create":
                        self.api.create(a[2], namespace=ns)
                    elif a[0] == "update":
                        live = copy.deepcopy(self.api.get(self.res["controllerrevisions"], ns, a[2]["metadata"]["name"]))
                        live["revision"] = a[2]["revision"]
                        self.api.update(live)
                    else:
                        self.api.delete(self.res["controllerrevisions"], ns, a[2]["metadata"]["name"])
                elif a[:2] == ("delete", "pod"):
                    pod_name = a[2]["metadata"]["name"]
                    self.api.delete(self.res["pods"], ns, pod_name)
                    record(ds, "Normal", "SuccessfulDelete", f"Deleted pod: {pod_name}", self.name)
            except K8sLabError as e:
                if a[:2] == ("delete", "pod") and e.reason != "NotFound":
                    record(ds, "Warning", "FailedDelete", f"Error deleting: {e.message}", self.name)
                error = error or e
        if creates:
            it = iter(creates)

            def create_one():
                template = next(it)
                pod = pod_from_template(template, ds, ns)
                try:
                    created = self.api.create(pod)
                except K8sLabError as e:
                    record(ds, "Warning", "FailedCreate", f"Error creating: {e.message}", self.name)
                    raise
                record(ds, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}", self.name)

            _, err = slow_start_batch(len(creates), 1, create_one)
            error = error or err
        if error is not None:
            self.retry(key)
            return False
        self.forget(key)
        return True
