"""The StatefulSet controller: ordinal pods with stable names and their own claims (upstream pkg/controller/statefulset)."""

from __future__ import annotations

import copy

from k8slab.controllers.refmanager import claim
from k8slab.controllers.statefulset_sync import ordinal_of, plan_statefulset
from k8slab.controllers.util import controller_of, next_availability_check, selector_of
from k8slab.controllers.workload import WorkloadController
from k8slab.errors import K8sLabError

__all__ = ["StatefulSetController"]


class StatefulSetController(WorkloadController):
    """kube-controller-manager's StatefulSet controller, on the lab's clock.

    Each sync is :func:`k8slab.controllers.statefulset_sync.plan_statefulset` (pure), written through the API.
    """

    name = "statefulset-controller"
    watches = ("statefulsets", "pods", "controllerrevisions")
    informers = {"sets": "statefulsets", "pods": "pods", "revisions": "controllerrevisions",
                 "claims": "persistentvolumeclaims"}
    primary = "statefulsets"

    def attach(self, lab) -> None:
        self.res = {r: lab.api.resource(r) for r in ("statefulsets", "pods", "controllerrevisions",
                                                     "persistentvolumeclaims")}
        super().attach(lab)

    def keys_for(self, event_type: str, obj: dict):
        ns = obj["metadata"].get("namespace") or ""
        if obj.get("kind") == "StatefulSet":
            yield self.sets.key(obj)
            return
        ref = controller_of(obj)
        if ref is not None:
            if ref.get("kind") == "StatefulSet":
                yield f"{ns}/{ref.get('name')}"
        elif event_type != "DELETED" and obj.get("kind") == "Pod" and len(self.sets):
            parent = ordinal_of(obj)[0]
            sts = self.sets.get(ns, parent)
            if sts is not None and selector_of(sts["spec"].get("selector")).matches(obj["metadata"].get("labels")):
                yield self.sets.key(sts)

    def reconcile(self, key: str) -> None:
        ns, _, name = key.partition("/")
        sts = self.sets.get(ns, name)
        if sts is None:
            return
        uid = sts["metadata"]["uid"]
        selector = selector_of(sts["spec"].get("selector"))
        # isMemberOf: the pod's name is <set>-<ordinal>
        owned = [p for p in self.pods.owned_by(uid) if ordinal_of(p)[0] == name]
        orphans = [p for p in self.pods.orphans(ns) if ordinal_of(p)[0] == name]
        pods = claim(self.api, self.res["pods"], sts, owned, orphans, selector) if orphans else owned
        revisions = self.revisions.owned_by(uid)
        claims = {c["metadata"]["name"]: c for c in self.claims.list(ns)}
        names = {r["metadata"]["name"]: r for r in self.revisions.list(ns)}
        actions, status = plan_statefulset(sts, pods, revisions, claims, self.env.now, names)
        if not self.apply(key, sts, actions):
            return
        fresh = self.sets.get(ns, name)
        if fresh is not None:
            status.update({k: v for k, v in (fresh.get("status") or {}).items() if k == "conditions"})
            if status != (fresh.get("status") or {}):
                live = copy.deepcopy(self.api.get(self.res["statefulsets"], ns, name))
                live["status"] = status
                self.api.write_status(self.res["statefulsets"], live)
        min_ready = sts["spec"].get("minReadySeconds", 0) or 0
        if min_ready > 0 and status.get("availableReplicas", 0) != sts["spec"].get("replicas", 1):
            wait = next_availability_check(pods, min_ready, self.env.now)
            self.add_after(key, min_ready if wait is None else wait)

    def apply(self, key: str, sts: dict, actions) -> bool:
        ns = sts["metadata"]["namespace"]
        for a in actions:
            try:
                if a.verb == "event":
                    self.lab.events.record(self.sets.get(ns, sts["metadata"]["name"]) or sts, *a.event, self.name)
                elif a.verb == "create":
                    obj = copy.deepcopy(a.obj)
                    obj["metadata"].pop("creationTimestamp", None)
                    self.api.create(obj, namespace=ns)
                elif a.verb == "update":
                    res = self.res[{"pod": "pods", "claim": "persistentvolumeclaims",
                                    "revision": "controllerrevisions"}[a.kind]]
                    live = copy.deepcopy(self.api.get(res, ns, a.obj["metadata"]["name"]))
                    for field in ("labels", "ownerReferences"):
                        if a.obj["metadata"].get(field):
                            live["metadata"][field] = a.obj["metadata"][field]
                        else:
                            live["metadata"].pop(field, None)
                    if a.kind == "revision":
                        live["revision"] = a.obj["revision"]
                    self.api.update(live)
                elif a.verb == "delete":
                    res = self.res[{"pod": "pods", "revision": "controllerrevisions"}[a.kind]]
                    self.api.delete(res, ns, a.obj["metadata"]["name"])
            except K8sLabError as e:
                if a.verb == "create" and a.kind == "pod":  # recordPodEvent("create", ..., err)
                    self.lab.events.record(sts, "Warning", "FailedCreate",
                                           f"create Pod {a.obj['metadata']['name']} in StatefulSet "
                                           f"{sts['metadata']['name']} failed error: {e.message}", self.name)
                elif a.verb == "create" and a.kind == "claim":
                    pod = f"{sts['metadata']['name']}-{a.obj['metadata']['name'].rsplit('-', 1)[-1]}"
                    self.lab.events.record(sts, "Warning", "FailedCreate",
                                           f"create Claim {a.obj['metadata']['name']} for Pod {pod} in StatefulSet "
                                           f"{sts['metadata']['name']} failed error: failed to create PVC "
                                           f"{a.obj['metadata']['name']}: {e.message}", self.name)
                if e.reason == "NotFound":
                    continue
                self.retry(key)
                return False
        self.forget(key)
        return True
