"""One sync of a StatefulSet as a pure function: (set, its pods, revisions, claims, now) -> actions and status.

upstream: pkg/controller/statefulset/{stateful_set_control,stateful_set_utils,stateful_pod_control}.go
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from k8slab.controllers import history as hist
from k8slab.controllers.util import (
    canonical_json,
    controller_ref,
    int_or_percent,
    is_pod_available,
    is_pod_ready,
    pod_from_template,
)

__all__ = ["SetAction", "plan_statefulset", "StatefulSetSync", "ordinal_of", "pod_name", "claim_name",
           "POD_NAME_LABEL", "POD_INDEX_LABEL"]

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"  # apps.StatefulSetPodNameLabel
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"  # apps.PodIndexLabel (PodIndexLabel is GA)
_ORDINAL = re.compile(r"(.*)-([0-9]+)$")


@dataclass
class SetAction:
    """``create``/``update``/``delete`` of a ``pod``, ``claim`` or ``revision``; a ``status``; an ``event``; a
    ``requeue`` after ``seconds``."""

    verb: str
    kind: str = ""
    obj: dict | None = None
    event: tuple[str, str, str] | None = None
    seconds: float = 0.0

    def __repr__(self) -> str:
        if self.verb == "event":
            return f"<event {self.event[1]}: {self.event[2]}>"
        if self.verb in ("status", "requeue"):
            return f"<{self.verb}>"
        return f"<{self.verb} {self.kind} {self.obj['metadata']['name']}>"


def ordinal_of(pod: dict) -> tuple[str, int]:
    """(parent name, ordinal) from a pod's name; ordinal -1 when the name has none (getParentNameAndOrdinal)."""
    m = _ORDINAL.match(pod["metadata"]["name"])
    return (m.group(1), int(m.group(2))) if m else ("", -1)


def pod_name(sts: dict, ordinal: int) -> str:
    return f"{sts['metadata']['name']}-{ordinal}"


def claim_name(sts: dict, template: dict, ordinal: int) -> str:
    """``getPersistentVolumeClaimName``: <template>-<set>-<ordinal>, e.g. ``data-web-0``."""
    return f"{template['metadata']['name']}-{sts['metadata']['name']}-{ordinal}"


def _phase(pod: dict) -> str:
    return (pod.get("status") or {}).get("phase") or ""


def _created(pod: dict) -> bool:
    return _phase(pod) != ""


def _terminating(pod: dict) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def _running_ready(pod: dict) -> bool:
    return _phase(pod) == "Running" and is_pod_ready(pod)


def _running_available(pod: dict, min_ready: int, now: float) -> bool:
    return _phase(pod) == "Running" and is_pod_available(pod, min_ready, now)


def _healthy(pod: dict) -> bool:
    return _running_ready(pod) and not _terminating(pod)


def _revision_of(pod: dict) -> str:
    return (pod["metadata"].get("labels") or {}).get(hist.REVISION_HASH_LABEL, "")


@dataclass
class StatefulSetSync:
    """Upstream's defaultStatefulSetControl for one sync, writing into ``actions``."""

    sts: dict
    pods: list[dict]
    revisions: list[dict]
    claims: dict[str, dict]  # existing PVCs of the namespace by name
    now: float
    revision_names: dict[str, dict] = field(default_factory=dict)  # every ControllerRevision of the namespace
    actions: list[SetAction] = field(default_factory=list)

    def _act(self, verb: str, kind: str, obj: dict) -> None:
        self.actions.append(SetAction(verb, kind, copy.deepcopy(obj)))

    def _event(self, type_: str, reason: str, message: str) -> None:
        self.actions.append(SetAction("event", event=(type_, reason, message)))

    # -- revisions (getStatefulSetRevisions, truncateHistory) -------------------------------------------------------
    def revisions_of(self) -> tuple[dict, dict, int]:
        sts = self.sts
        revisions = hist.sort_revisions(self.revisions)
        collision = (sts.get("status") or {}).get("collisionCount") or 0
        template_labels = (sts["spec"]["template"].get("metadata") or {}).get("labels") or {}
        update = hist.new_controller_revision(sts, template_labels, hist.get_patch(sts), hist.next_revision(revisions),
                                              collision)
        equal = hist.find_equal_revisions(revisions, update)
        if equal and hist.equal_revision(revisions[-1], equal[-1]):
            update = revisions[-1]
        elif equal:  # rolling back: the equal revision gets the next number
            update = copy.deepcopy(equal[-1])
            update["revision"] = hist.next_revision(revisions)
            self._act("update", "revision", update)
        else:
            while True:  # realHistory.CreateControllerRevision: a name taken by other data bumps collisionCount
                name = hist.controller_revision_name(sts["metadata"]["name"],
                                                     hist.hash_controller_revision(canonical_json(update["data"]),
                                                                                   collision))
                taken = self.revision_names.get(name)
                if taken is None:
                    update["metadata"]["name"] = name
                    self._act("create", "revision", update)
                    self.revision_names[name] = update
                    break
                if canonical_json(taken.get("data")) == canonical_json(update["data"]):
                    update = taken
                    break
                collision += 1
        current = next((r for r in revisions if r["metadata"]["name"] == (sts.get("status") or {}).get(
            "currentRevision")), None)
        return (current or update), update, collision

    def truncate_history(self, current: dict, update: dict) -> None:
        live = {current["metadata"]["name"], update["metadata"]["name"]} | {_revision_of(p) for p in self.pods}
        old = [r for r in hist.sort_revisions(self.revisions) if r["metadata"]["name"] not in live]
        limit = self.sts["spec"].get("revisionHistoryLimit", 10)
        for r in old[:max(len(old) - limit, 0)]:
            self._act("delete", "revision", r)

    # -- pods, claims and identity (stateful_set_utils.go) ----------------------------------------------------------
    def start(self) -> int:
        return ((self.sts["spec"].get("ordinals") or {}).get("start")) or 0

    def claims_for(self, sts: dict, ordinal: int) -> list[dict]:
        """``getPersistentVolumeClaims``: one claim per template, labelled with the set's selector."""
        out = []
        policy = sts["spec"].get("persistentVolumeClaimRetentionPolicy") or {}
        for t in sts["spec"].get("volumeClaimTemplates") or ():
            claim = copy.deepcopy(t)
            claim.pop("status", None)
            meta = claim.setdefault("metadata", {})
            meta["name"] = claim_name(sts, t, ordinal)
            meta["namespace"] = sts["metadata"].get("namespace")
            meta["labels"] = {**(meta.get("labels") or {}),
                              **((sts["spec"].get("selector") or {}).get("matchLabels") or {})}
            if policy.get("whenDeleted") == "Delete":  # StatefulSetAutoDeletePVC: the set owns the claim
                meta["ownerReferences"] = [{**controller_ref(sts), "controller": False}]
            claim["apiVersion"], claim["kind"] = "v1", "PersistentVolumeClaim"
            out.append(claim)
        return out

    def new_pod(self, sts: dict, ordinal: int, revision: str) -> dict:
        """``newStatefulSetPod``: the template, the ordinal's name and hostname, the set's claims as volumes."""
        pod = pod_from_template(sts["spec"]["template"], sts, sts["metadata"].get("namespace"))
        meta = pod["metadata"]
        del meta["generateName"]
        meta["name"] = pod_name(sts, ordinal)
        meta.setdefault("labels", {})
        meta["labels"][POD_NAME_LABEL] = meta["name"]
        meta["labels"][POD_INDEX_LABEL] = str(ordinal)
        meta["labels"][hist.REVISION_HASH_LABEL] = revision
        pod["spec"]["hostname"] = meta["name"]
        if sts["spec"].get("serviceName"):
            pod["spec"]["subdomain"] = sts["spec"]["serviceName"]
        claims = self.claims_for(sts, ordinal)
        names = {t["metadata"]["name"] for t in sts["spec"].get("volumeClaimTemplates") or ()}
        volumes = [{"name": t["metadata"]["name"],
                    "persistentVolumeClaim": {"claimName": c["metadata"]["name"]}}
                   for t, c in zip(sts["spec"].get("volumeClaimTemplates") or (), claims)]
        volumes += [v for v in pod["spec"].get("volumes") or () if v["name"] not in names]
        if volumes:
            pod["spec"]["volumes"] = volumes
        return pod

    def versioned_pod(self, current_set, update_set, current, update, ordinal: int) -> dict:
        """``newVersionedStatefulSetPod``: below the partition, pods keep the current revision."""
        strategy = self.sts["spec"].get("updateStrategy") or {}
        partition = (strategy.get("rollingUpdate") or {}).get("partition") or 0
        if strategy.get("type", "RollingUpdate") == "RollingUpdate" and ordinal < self.start() + partition:
            return self.new_pod(current_set, ordinal, current["metadata"]["name"])
        return self.new_pod(update_set, ordinal, update["metadata"]["name"])

    def create_pod(self, pod: dict) -> None:
        """``StatefulPodControl.CreateStatefulPod``: claims first (each with its event), then the pod."""
        sts = self.sts
        ordinal = ordinal_of(pod)[1]
        for claim in self.claims_for(sts, ordinal):
            name = claim["metadata"]["name"]
            existing = self.claims.get(name)
            if existing is None:
                self._act("create", "claim", claim)
                self.claims[name] = claim
                self._event("Normal", "SuccessfulCreate", f"create Claim {name} Pod {pod['metadata']['name']} in "
                                                          f"StatefulSet {sts['metadata']['name']} success")
            elif existing["metadata"].get("deletionTimestamp"):
                self._event("Warning", "FailedCreate", f"create Pod {pod['metadata']['name']} in StatefulSet "
                                                       f"{sts['metadata']['name']} failed error: pvc {name} is being "
                                                       "deleted")
                raise _Stop
        self._act("create", "pod", pod)
        self._event("Normal", "SuccessfulCreate",
                    f"create Pod {pod['metadata']['name']} in StatefulSet {sts['metadata']['name']} successful")

    def delete_pod(self, pod: dict) -> None:
        self._act("delete", "pod", pod)
        self._event("Normal", "SuccessfulDelete",
                    f"delete Pod {pod['metadata']['name']} in StatefulSet {self.sts['metadata']['name']} successful")

    def identity_matches(self, pod: dict) -> bool:
        parent, ordinal = ordinal_of(pod)
        labels = pod["metadata"].get("labels") or {}
        return (ordinal >= 0 and parent == self.sts["metadata"]["name"]
                and pod["metadata"].get("namespace") == self.sts["metadata"].get("namespace")
                and labels.get(POD_NAME_LABEL) == pod["metadata"]["name"] and labels.get(POD_INDEX_LABEL) == str(ordinal))

    # -- the sync (updateStatefulSet) -------------------------------------------------------------------------------
    def run(self) -> tuple[list[SetAction], dict]:
        sts = self.sts
        current, update, collision = self.revisions_of()
        current_set = hist.apply_revision(sts, current)
        update_set = hist.apply_revision(sts, update)
        min_ready = sts["spec"].get("minReadySeconds", 0) or 0
        status = {"observedGeneration": sts["metadata"].get("generation", 0),
                  "currentRevision": current["metadata"]["name"], "updateRevision": update["metadata"]["name"],
                  "collisionCount": collision}
        replicas_n = sts["spec"].get("replicas", 1)
        start = self.start()
        replicas: list[dict | None] = [None] * replicas_n
        condemned = []
        for pod in self.pods:
            ordinal = ordinal_of(pod)[1]
            if start <= ordinal < start + replicas_n:
                replicas[ordinal - start] = pod
            elif ordinal >= 0:
                condemned.append(pod)
        for i in range(replicas_n):
            if replicas[i] is None:
                replicas[i] = self.versioned_pod(current_set, update_set, current, update, start + i)
        condemned.sort(key=lambda p: -ordinal_of(p)[1])
        first_unhealthy = next((p for p in replicas if not _healthy(p)), None)
        if first_unhealthy is None:
            first_unhealthy = next((p for p in reversed(condemned) if not _healthy(p)), None)
        self._update_status(status, min_ready, current, update, replicas, condemned)
        try:
            if not sts["metadata"].get("deletionTimestamp"):
                self._sync_pods(status, replicas, condemned, first_unhealthy, current, update, min_ready)
        except _Stop:
            pass
        self._update_status(status, min_ready, current, update, replicas, condemned)
        self.truncate_history(current, update)
        # completeRollingUpdate
        strategy = (sts["spec"].get("updateStrategy") or {}).get("type", "RollingUpdate")
        if (strategy == "RollingUpdate" and status["updatedReplicas"] == status["replicas"]
                and status["readyReplicas"] == status["replicas"]):
            status["currentReplicas"] = status["updatedReplicas"]
            status["currentRevision"] = status["updateRevision"]
        return self.actions, _omit_empty(status)

    def _sync_pods(self, status, replicas, condemned, first_unhealthy, current, update, min_ready) -> None:
        monotonic = self.sts["spec"].get("podManagementPolicy", "OrderedReady") != "Parallel"
        for pod in replicas:  # processReplica, in ordinal order
            if self._process_replica(pod, monotonic, min_ready):
                raise _Stop
        for pod in condemned:  # processCondemned, highest ordinal first
            if self._process_condemned(pod, first_unhealthy, monotonic, min_ready):
                raise _Stop
        self._update_status(status, min_ready, current, update, replicas, condemned)
        strategy = self.sts["spec"].get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") == "OnDelete":
            return
        self._rolling_update(status, replicas, update)

    def _process_replica(self, pod: dict, monotonic: bool, min_ready: int) -> bool:
        if _phase(pod) in ("Failed", "Succeeded"):
            if not _terminating(pod):
                self.delete_pod(pod)
            return monotonic
        if not _created(pod):
            self.create_pod(pod)
            return monotonic
        if _terminating(pod) and monotonic:
            return True
        if not _running_ready(pod) and monotonic:
            return True
        if not _running_available(pod, min_ready, self.now) and monotonic:
            return True
        if not self.identity_matches(pod):
            fixed = copy.deepcopy(pod)
            labels = fixed["metadata"].setdefault("labels", {})
            labels[POD_NAME_LABEL] = fixed["metadata"]["name"]
            labels[POD_INDEX_LABEL] = str(ordinal_of(fixed)[1])
            self._act("update", "pod", fixed)
            self._event("Normal", "SuccessfulUpdate", f"update Pod {fixed['metadata']['name']} in StatefulSet "
                                                      f"{self.sts['metadata']['name']} successful")
        return False

    def _process_condemned(self, pod: dict, first_unhealthy, monotonic: bool, min_ready: int) -> bool:
        if _terminating(pod):
            return monotonic
        if monotonic and pod is not first_unhealthy:
            if not _running_ready(pod) or not _running_available(pod, min_ready, self.now):
                return True
        policy = self.sts["spec"].get("persistentVolumeClaimRetentionPolicy") or {}
        if policy.get("whenScaled") == "Delete":  # the condemned pod owns its claims, so they go with it
            for claim in self.claims_for(self.sts, ordinal_of(pod)[1]):
                live = self.claims.get(claim["metadata"]["name"])
                if live is not None:
                    owned = copy.deepcopy(live)
                    ref = {"apiVersion": "v1", "kind": "Pod", "name": pod["metadata"]["name"],
                           "uid": pod["metadata"].get("uid"), "controller": False, "blockOwnerDeletion": True}
                    owned["metadata"]["ownerReferences"] = [ref]
                    self._act("update", "claim", owned)
        self.delete_pod(pod)
        return monotonic

    def _rolling_update(self, status: dict, replicas: list[dict], update: dict) -> None:
        """updateStatefulSetAfterInvariantEstablished (MaxUnavailableStatefulSet is beta and on in 1.35)."""
        ru = (self.sts["spec"].get("updateStrategy") or {}).get("rollingUpdate") or {}
        update_min = ru.get("partition") or 0
        max_unavailable = max(int_or_percent(ru.get("maxUnavailable", 1), len(replicas), True), 1)
        unavailable = sum(1 for p in replicas if not _healthy(p))
        if unavailable >= max_unavailable:
            return
        deleted = 0
        for target in range(len(replicas) - 1, update_min - 1, -1):
            if deleted >= max_unavailable - unavailable:
                break
            pod = replicas[target]
            if _revision_of(pod) != update["metadata"]["name"] and not _terminating(pod):
                self.delete_pod(pod)
                deleted += 1
                status["currentReplicas"] -= 1

    def _update_status(self, status, min_ready, current, update, *pod_lists) -> None:
        """``updateStatus`` / ``computeReplicaStatus``."""
        counts = dict.fromkeys(("replicas", "readyReplicas", "availableReplicas", "currentReplicas",
                                "updatedReplicas"), 0)
        now = self.now
        for pods in pod_lists:
            for p in pods:
                if _created(p):
                    counts["replicas"] += 1
                if _running_ready(p):
                    counts["readyReplicas"] += 1
                    if _running_available(p, min_ready, now):
                        counts["availableReplicas"] += 1
                if _created(p) and not _terminating(p):
                    rev = _revision_of(p)
                    counts["currentReplicas"] += rev == current["metadata"]["name"]
                    counts["updatedReplicas"] += rev == update["metadata"]["name"]
        status.update(counts)


class _Stop(Exception):
    """The sync stops here (monotonic ordering, or an error), as upstream's runForAll."""


def _omit_empty(status: dict) -> dict:
    """StatefulSetStatus JSON: replicas and availableReplicas always, the other counts only when not zero."""
    keep = ("replicas", "availableReplicas", "collisionCount")
    return {k: v for k, v in status.items() if v or k in keep}


def plan_statefulset(sts: dict, pods: list[dict], revisions: list[dict], claims: dict[str, dict], now: float,
                     revision_names: dict[str, dict] | None = None) -> tuple[list[SetAction], dict]:
    """What one sync of ``sts`` does, and the status it reports (OrderedReady: web-0 first, then web-1 once
    web-0 is Running and Ready).

    Examples
    --------
    >>> from k8slab.apiserver.defaults import apply_defaults
    >>> sts = apply_defaults({"apiVersion": "apps/v1", "kind": "StatefulSet",
    ...     "metadata": {"name": "web", "namespace": "default", "uid": "s1", "generation": 1},
    ...     "spec": {"replicas": 2, "serviceName": "web", "selector": {"matchLabels": {"app": "web"}},
    ...              "template": {"metadata": {"labels": {"app": "web"}},
    ...                           "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}})
    >>> actions, status = plan_statefulset(sts, [], [], {}, 0.0)
    >>> actions  # doctest: +ELLIPSIS
    [<create revision ...>, <create pod web-0>, <event SuccessfulCreate: create Pod web-0 in StatefulSet web successful>]
    """
    sync = StatefulSetSync(copy.deepcopy(sts), pods, revisions, dict(claims), now, dict(revision_names or {}))
    return sync.run()
