"""The ReplicaSet controller: keep spec.replicas pods running (upstream pkg/controller/replicaset)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from k8slab.controllers.workload import WorkloadController
from k8slab.controllers.refmanager import claim
from k8slab.controllers.util import (
    controller_of,
    format_time,
    is_pod_active,
    is_pod_available,
    is_pod_ready,
    is_pod_terminating,
    next_availability_check,
    pod_from_template,
    selector_of,
    slow_start_batch,
    sort_pods_for_deletion,
)
from k8slab.errors import K8sLabError

__all__ = ["ReplicaSetController", "ReplicaSetActions", "manage_replicas", "calculate_status",
           "BURST_REPLICAS", "pods_ranked_by_related_pods_on_same_node"]

#: upstream: replica_set.go BurstReplicas: at most this many creations or deletions per sync
BURST_REPLICAS = 500
#: upstream: controller_utils.go SlowStartInitialBatchSize
SLOW_START_INITIAL_BATCH_SIZE = 1


@dataclass
class ReplicaSetActions:
    """What one sync of a ReplicaSet does: create ``create`` pods from the template, delete ``delete`` pods."""

    create: int = 0
    delete: list[dict] = field(default_factory=list)


def pods_ranked_by_related_pods_on_same_node(pods: list[dict], related: list[dict]) -> list[int]:
    """Rank of each pod: how many active related pods share its node (upstream getPodsRankedByRelatedPodsOnSameNode)."""
    on_node: dict[str, int] = {}
    for p in related:
        if is_pod_active(p):
            node = (p.get("spec") or {}).get("nodeName") or ""
            on_node[node] = on_node.get(node, 0) + 1
    return [on_node.get((p.get("spec") or {}).get("nodeName") or "", 0) for p in pods]


def manage_replicas(replicas: int, active_pods: list[dict], related_pods: list[dict], now: float,
                    burst: int = BURST_REPLICAS) -> ReplicaSetActions:
    """How many pods to create, or which pods to delete (upstream: replica_set.go manageReplicas, getPodsToDelete).

    Examples
    --------
    >>> manage_replicas(3, [], [], 0).create
    3
    >>> pods = [{"metadata": {"name": n, "uid": n}, "spec": {"nodeName": "n1"}, "status": {"phase": ph}}
    ...         for n, ph in (("a", "Running"), ("b", "Pending"), ("c", "Running"))]
    >>> [p["metadata"]["name"] for p in manage_replicas(2, pods, [], 0).delete]  # Pending goes first
    ['b']
    """
    diff = len(active_pods) - replicas
    if diff < 0:
        return ReplicaSetActions(create=min(-diff, burst))
    if diff > 0:
        diff = min(diff, burst)
        if diff < len(active_pods):
            ranks = pods_ranked_by_related_pods_on_same_node(active_pods, related_pods)
            return ReplicaSetActions(delete=sort_pods_for_deletion(active_pods, ranks, now)[:diff])
        return ReplicaSetActions(delete=list(active_pods[:diff]))
    return ReplicaSetActions()


def calculate_status(rs: dict, active_pods: list[dict], terminating_pods: list[dict], manage_error: str | None,
                     now: float) -> dict:
    """The ReplicaSet's new status (upstream: replica_set_utils.go calculateStatus).

    ``terminatingReplicas`` is reported: DeploymentReplicaSetTerminatingReplicas is beta and on in 1.35.

    Examples
    --------
    >>> rs = {"spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "web"}}}}, "status": {}}
    >>> ready = {"type": "Ready", "status": "True", "lastTransitionTime": format_time(0)}
    >>> pods = [{"metadata": {"labels": {"app": "web"}}, "status": {"conditions": [ready]}},
    ...         {"metadata": {"labels": {"app": "web"}}, "status": {}}]
    >>> calculate_status(rs, pods, [], None, 10)
    {'replicas': 2, 'fullyLabeledReplicas': 2, 'readyReplicas': 1, 'availableReplicas': 1, 'terminatingReplicas': 0}
    """
    status = copy.deepcopy(rs.get("status") or {})
    tpl_labels = ((rs["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
    min_ready = rs["spec"].get("minReadySeconds", 0) or 0
    fully, ready, available = 0, 0, 0
    for pod in active_pods:
        labels = pod["metadata"].get("labels") or {}
        if all(labels.get(k) == v for k, v in tpl_labels.items()):
            fully += 1
        if is_pod_ready(pod):
            ready += 1
            if is_pod_available(pod, min_ready, now):
                available += 1
    conditions = status.get("conditions") or []
    failure = next((c for c in conditions if c.get("type") == "ReplicaFailure"), None)
    if manage_error is not None and failure is None:
        diff = len(active_pods) - rs["spec"].get("replicas", 1)
        reason = "FailedCreate" if diff < 0 else ("FailedDelete" if diff > 0 else "")
        conditions = conditions + [{"type": "ReplicaFailure", "status": "True", "lastTransitionTime": format_time(now),
                                    "reason": reason, "message": manage_error}]
    elif manage_error is None and failure is not None:
        conditions = [c for c in conditions if c.get("type") != "ReplicaFailure"]
    if conditions:
        status["conditions"] = conditions
    else:
        status.pop("conditions", None)
    status.update(replicas=len(active_pods), fullyLabeledReplicas=fully, readyReplicas=ready,
                  availableReplicas=available, terminatingReplicas=len(terminating_pods))
    return status


class ReplicaSetController(WorkloadController):
    """kube-controller-manager's ReplicaSet controller, on the lab's clock."""

    name = "replicaset-controller"
    watches = ("replicasets", "pods")
    informers = {"pods": "pods", "rss": "replicasets"}
    primary = "replicasets"

    def attach(self, lab) -> None:
        self.pod_res = lab.api.resource("pods")
        self.rs_res = lab.api.resource("replicasets")
        super().attach(lab)

    def keys_for(self, event_type: str, obj: dict):
        if obj.get("kind") == "ReplicaSet":
            yield self.rss.key(obj)
            return
        ref = controller_of(obj)
        ns = obj["metadata"].get("namespace") or ""
        if ref is not None:
            if ref.get("kind") == "ReplicaSet":
                yield f"{ns}/{ref.get('name')}"
        elif event_type != "DELETED":  # an orphan: every ReplicaSet that selects it may adopt it
            for rs in self.rss.list(ns):
                if selector_of(rs["spec"].get("selector")).matches(obj["metadata"].get("labels")):
                    yield self.rss.key(rs)

    def reconcile(self, key: str) -> None:
        ns, _, name = key.partition("/")
        rs = self.rss.get(ns, name)
        if rs is None:
            return
        now = self.env.now
        uid = rs["metadata"]["uid"]
        selector = selector_of(rs["spec"].get("selector"))
        owned = self.pods.owned_by(uid)
        orphans = [p for p in self.pods.orphans(ns) if is_pod_active(p)]
        active = claim(self.api, self.pod_res, rs, [p for p in owned if is_pod_active(p)], orphans, selector)
        terminating = [p for p in owned if is_pod_terminating(p) and selector.matches(p["metadata"].get("labels"))]
        manage_error = None
        if not rs["metadata"].get("deletionTimestamp"):
            actions = manage_replicas(rs["spec"].get("replicas", 1), active, self._related_pods(rs), now)
            manage_error = self._act(rs, actions)
        status = calculate_status(rs, active, terminating, manage_error, now)
        status["observedGeneration"] = rs["metadata"].get("generation", 1)
        # ReplicaSetStatus JSON: replicas always, terminatingReplicas (a pointer) when set, the rest omitempty
        status = {k: v for k, v in status.items() if v or k in ("replicas", "terminatingReplicas")}
        if status != (rs.get("status") or {}):
            fresh = copy.deepcopy(self.api.get(self.rs_res, ns, name))
            fresh["status"] = status
            self.api.write_status(self.rs_res, fresh)
        min_ready = rs["spec"].get("minReadySeconds", 0) or 0
        if min_ready > 0 and status.get("readyReplicas", 0) != status.get("availableReplicas", 0):
            wait = next_availability_check(active, min_ready, now)
            self.add_after(key, min_ready if wait is None else wait)

    def _related_pods(self, rs: dict) -> list[dict]:
        ref = controller_of(rs)
        if ref is None:
            return []
        related = []
        for other in self.rss.list(rs["metadata"].get("namespace")):
            other_ref = controller_of(other)
            if other_ref is not None and other_ref.get("uid") == ref.get("uid"):
                related += self.pods.owned_by(other["metadata"]["uid"])
        return related

    def _act(self, rs: dict, actions: ReplicaSetActions) -> str | None:
        ns = rs["metadata"]["namespace"]
        record = self.lab.events.record
        if actions.create:
            template = rs["spec"].get("template") or {}

            def create_one():
                pod = pod_from_template(template, rs, ns)
                try:
                    created = self.api.create(pod)
                except K8sLabError as e:
                    record(rs, "Warning", "FailedCreate", f"Error creating: {e.message}", self.name)
                    raise
                record(rs, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}", self.name)

            _, err = slow_start_batch(actions.create, SLOW_START_INITIAL_BATCH_SIZE, create_one)
            return err.message if err is not None else None
        error = None
        for pod in actions.delete:
            pod_name = pod["metadata"]["name"]
            try:
                self.api.delete(self.pod_res, ns, pod_name)
            except K8sLabError as e:
                if e.reason == "NotFound":
                    continue
                record(rs, "Warning", "FailedDelete", f"Error deleting: {e.message}", self.name)
                error = error or e.message
                continue
            record(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {pod_name}", self.name)
        return error
