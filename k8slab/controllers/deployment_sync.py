"""One sync of a Deployment as a pure function: (deployment, its ReplicaSets, pods, now) -> actions.

upstream: pkg/controller/deployment/{deployment_controller,sync,rolling,recreate,progress}.go
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from k8slab.controllers import deployment_util as du
from k8slab.controllers.util import compute_hash, controller_ref, format_time, is_controlled_by

__all__ = ["Action", "plan_sync", "plan_deployment", "DeploymentSync"]


@dataclass
class Action:
    """One write the controller makes: ``create``/``update``/``delete`` a ReplicaSet, ``status`` of the Deployment,
    an ``event`` (type, reason, message), or ``requeue`` after ``seconds``."""

    verb: str
    obj: dict | None = None
    event: tuple[str, str, str] | None = None
    seconds: float = 0.0

    def __repr__(self) -> str:
        if self.verb == "event":
            return f"<event {self.event[1]}: {self.event[2]}>"
        if self.verb == "requeue":
            return f"<requeue after {self.seconds:g}s>"
        name = self.obj["metadata"]["name"]
        if self.verb in ("create", "update"):
            return f"<{self.verb} {name} replicas={du.replicas(self.obj)}>"
        return f"<{self.verb} {name}>"


class _Stop(Exception):
    """The sync ends early and the key is requeued (an error in upstream's sync)."""


@dataclass
class DeploymentSync:
    """Upstream's DeploymentController methods for one sync, writing into ``actions`` instead of the API."""

    d: dict
    rss: list[dict]
    pods_by_rs: dict[str, list[dict]]
    now: float
    names_taken: dict[str, dict] = field(default_factory=dict)  # every ReplicaSet of the namespace, by name
    actions: list[Action] = field(default_factory=list)

    # -- writes --------------------------------------------------------------------------------------------------
    def _event(self, type_: str, reason: str, message: str) -> None:
        self.actions.append(Action("event", event=(type_, reason, message)))

    def _write_status(self) -> None:
        self.actions.append(Action("status", copy.deepcopy(self.d)))

    def _replace(self, rs: dict) -> None:
        self.rss = [rs if r["metadata"]["name"] == rs["metadata"]["name"] else r for r in self.rss]

    # -- syncDeployment ------------------------------------------------------------------------------------------
    def run(self) -> list[Action]:
        d = self.d
        d.setdefault("status", {})
        try:
            if d["metadata"].get("deletionTimestamp"):
                self.sync_status_only()
            else:
                self.check_paused_conditions()
                if d["spec"].get("paused"):
                    self.sync()
                elif self.is_scaling_event():
                    self.sync()
                elif (d["spec"].get("strategy") or {}).get("type") == "Recreate":
                    self.rollout_recreate()
                else:
                    self.rollout_rolling()
        except _Stop:
            pass
        return self.actions

    def sync_status_only(self) -> None:
        new_rs, old_rss = self.get_all_replica_sets_and_sync_revision(False)
        self.sync_deployment_status(old_rss + [new_rs], new_rs)

    def sync(self) -> None:
        """Scaling events and paused deployments (sync.go sync)."""
        new_rs, old_rss = self.get_all_replica_sets_and_sync_revision(False)
        self.scale(new_rs, old_rss)
        if self.d["spec"].get("paused"):
            self.cleanup_deployment(old_rss)
        self.sync_deployment_status(old_rss + [new_rs], new_rs)

    def check_paused_conditions(self) -> None:
        d = self.d
        if not du.has_progress_deadline(d):
            return
        cond = du.get_condition(d["status"], "Progressing")
        if cond is not None and cond.get("reason") == "ProgressDeadlineExceeded":
            return
        paused_exists = cond is not None and cond.get("reason") == "DeploymentPaused"
        if d["spec"].get("paused") and not paused_exists:
            du.set_condition(d["status"], du.new_condition("Progressing", "Unknown", "DeploymentPaused",
                                                           "Deployment is paused", self.now))
        elif not d["spec"].get("paused") and paused_exists:
            du.set_condition(d["status"], du.new_condition("Progressing", "Unknown", "DeploymentResumed",
                                                           "Deployment is resumed", self.now))
        else:
            return
        self._write_status()

    def is_scaling_event(self) -> bool:
        new_rs, old_rss = self.get_all_replica_sets_and_sync_revision(False)
        for rs in du.filter_active(old_rss + [new_rs]):
            try:
                desired = int((rs["metadata"].get("annotations") or {})[du.DESIRED_REPLICAS])
            except (KeyError, ValueError):
                continue
            if desired != du.replicas(self.d):
                return True
        return False

    # -- revisions and the new ReplicaSet ------------------------------------------------------------------------
    def get_all_replica_sets_and_sync_revision(self, create: bool) -> tuple[dict | None, list[dict]]:
        _, all_old = du.find_old_replica_sets(self.d, self.rss)
        return self.get_new_replica_set(all_old, create), all_old

    def _set_revision(self, rev: str) -> bool:
        ann = self.d["metadata"].setdefault("annotations", {})
        if ann.get(du.REVISION) != rev:
            ann[du.REVISION] = rev
            return True
        return False

    def get_new_replica_set(self, old_rss: list[dict], create: bool) -> dict | None:
        d = self.d
        existing = du.find_new_replica_set(d, self.rss)
        new_revision = str(du.max_revision(old_rss) + 1)
        min_ready = d["spec"].get("minReadySeconds", 0) or 0
        if existing is not None:
            rs = copy.deepcopy(existing)
            annotations_updated = du.set_new_replica_set_annotations(d, rs, new_revision, True)
            if annotations_updated or (rs["spec"].get("minReadySeconds", 0) or 0) != min_ready:
                _set_min_ready(rs, min_ready)
                self.actions.append(Action("update", copy.deepcopy(rs)))
                self._replace(rs)
                return rs
            needs_update = self._set_revision((rs["metadata"].get("annotations") or {}).get(du.REVISION, ""))
            if du.has_progress_deadline(d) and du.get_condition(d["status"], "Progressing") is None:
                du.set_condition(d["status"], du.new_condition(
                    "Progressing", "True", "FoundNewReplicaSet", f'Found new replica set "{rs["metadata"]["name"]}"',
                    self.now))
                needs_update = True
            if needs_update:
                self._write_status()
            return rs
        if not create:
            return None
        template = copy.deepcopy(d["spec"].get("template") or {})
        pod_hash = compute_hash(template, d["status"].get("collisionCount"))
        tmeta = template.setdefault("metadata", {})
        tmeta["labels"] = {**(tmeta.get("labels") or {}), du.HASH_LABEL: pod_hash}
        selector = copy.deepcopy(d["spec"].get("selector") or {})
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), du.HASH_LABEL: pod_hash}
        name = f"{d['metadata']['name']}-{pod_hash}"
        new_rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                  "metadata": {"name": name, "namespace": d["metadata"].get("namespace"),
                               "creationTimestamp": format_time(self.now),
                               "labels": dict(tmeta["labels"]), "ownerReferences": [controller_ref(d)]},
                  "spec": {"replicas": 0, "selector": selector, "template": template}}
        _set_min_ready(new_rs, min_ready)
        count = du.new_rs_new_replicas(d, old_rss + [new_rs], new_rs)
        new_rs["spec"]["replicas"] = count
        du.set_new_replica_set_annotations(d, new_rs, new_revision, False)
        already_exists = False
        taken = self.names_taken.get(name)
        if taken is not None:
            if is_controlled_by(taken, d) and du.equal_ignore_hash(d["spec"].get("template"), taken["spec"]["template"]):
                new_rs, already_exists = copy.deepcopy(taken), True
            else:  # a hash collision: bump collisionCount and try again on the next sync
                d["status"]["collisionCount"] = (d["status"].get("collisionCount") or 0) + 1
                self._write_status()
                self.actions.append(Action("requeue", seconds=0.0))
                raise _Stop
        else:
            self.actions.append(Action("create", copy.deepcopy(new_rs)))
            self.rss.append(new_rs)
            self.names_taken[name] = new_rs
        if not already_exists and count > 0:
            self._event("Normal", "ScalingReplicaSet", f"Scaled up replica set {name} from 0 to {count}")
        needs_update = self._set_revision(new_revision)
        if not already_exists and du.has_progress_deadline(d):
            du.set_condition(d["status"], du.new_condition("Progressing", "True", "NewReplicaSetCreated",
                                                           f'Created new replica set "{name}"', self.now))
            needs_update = True
        if needs_update:
            self._write_status()
        return new_rs

    # -- scaling ---------------------------------------------------------------------------------------------------
    def scale_replica_set_and_record_event(self, rs: dict, new_scale: int) -> tuple[bool, dict]:
        if du.replicas(rs) == new_scale:
            return False, rs
        return self.scale_replica_set(rs, new_scale, "up" if du.replicas(rs) < new_scale else "down")

    def scale_replica_set(self, rs: dict, new_scale: int, operation: str) -> tuple[bool, dict]:
        d = self.d
        size_needs_update = du.replicas(rs) != new_scale
        maximum = du.replicas(d) + du.max_surge(d)
        if not size_needs_update and not du.replicas_annotations_need_update(rs, du.replicas(d), maximum):
            return False, rs
        old_scale = du.replicas(rs)
        rs = copy.deepcopy(rs)
        rs["spec"]["replicas"] = new_scale
        du.set_replicas_annotations(rs, du.replicas(d), maximum)
        self.actions.append(Action("update", copy.deepcopy(rs)))
        self._replace(rs)
        if size_needs_update:
            self._event("Normal", "ScalingReplicaSet",
                        f"Scaled {operation} replica set {rs['metadata']['name']} from {old_scale} to {new_scale}")
        return size_needs_update, rs

    def scale(self, new_rs: dict | None, old_rss: list[dict]) -> None:
        """Proportional scaling during a rollout or while paused (sync.go scale)."""
        d = self.d
        active_or_latest = du.find_active_or_latest(new_rs, old_rss)
        if active_or_latest is not None:
            if du.replicas(active_or_latest) != du.replicas(d):
                self.scale_replica_set_and_record_event(active_or_latest, du.replicas(d))
            return
        if du.is_saturated(d, new_rs):
            for old in du.filter_active(old_rss):
                self.scale_replica_set_and_record_event(old, 0)
            return
        if not du.is_rolling_update(d):
            return
        all_rss = du.filter_active(old_rss + [new_rs])
        allowed = du.replicas(d) + du.max_surge(d) if du.replicas(d) > 0 else 0
        to_add = allowed - du.replica_count(all_rss)
        operation = ""
        if to_add > 0:
            all_rss, operation = du.by_size_newer(all_rss), "up"
        elif to_add < 0:
            all_rss, operation = du.by_size_older(all_rss), "down"
        added, sizes = 0, {}
        for rs in all_rss:
            if to_add != 0:
                proportion = du.get_proportion(rs, d, to_add, added)
                sizes[rs["metadata"]["name"]] = du.replicas(rs) + proportion
                added += proportion
            else:
                sizes[rs["metadata"]["name"]] = du.replicas(rs)
        for i, rs in enumerate(all_rss):
            name = rs["metadata"]["name"]
            if i == 0 and to_add != 0:
                sizes[name] = max(sizes[name] + to_add - added, 0)
            self.scale_replica_set(rs, sizes[name], operation)

    # -- RollingUpdate (rolling.go) ------------------------------------------------------------------------------
    def rollout_rolling(self) -> None:
        new_rs, old_rss = self.get_all_replica_sets_and_sync_revision(True)
        all_rss = old_rss + [new_rs]
        if self.reconcile_new_replica_set(all_rss, new_rs):
            self.sync_rollout_status(all_rss, new_rs)
            return
        if self.reconcile_old_replica_sets(all_rss, du.filter_active(old_rss), new_rs):
            self.sync_rollout_status(all_rss, new_rs)
            return
        if du.deployment_complete(self.d, self.d["status"]):
            self.cleanup_deployment(old_rss)
        self.sync_rollout_status(all_rss, new_rs)

    def reconcile_new_replica_set(self, all_rss: list[dict], new_rs: dict) -> bool:
        d = self.d
        if du.replicas(new_rs) == du.replicas(d):
            return False
        if du.replicas(new_rs) > du.replicas(d):
            return self.scale_replica_set_and_record_event(new_rs, du.replicas(d))[0]
        return self.scale_replica_set_and_record_event(new_rs, du.new_rs_new_replicas(d, all_rss, new_rs))[0]

    def reconcile_old_replica_sets(self, all_rss: list[dict], old_rss: list[dict], new_rs: dict) -> bool:
        d = self.d
        if du.replica_count(old_rss) == 0:
            return False
        all_pods = du.replica_count(all_rss)
        min_avail = du.replicas(d) - du.max_unavailable(d)
        new_unavailable = du.replicas(new_rs) - (new_rs.get("status") or {}).get("availableReplicas", 0)
        max_scaled_down = all_pods - min_avail - new_unavailable
        if max_scaled_down <= 0:
            return False
        old_rss, cleaned = self.cleanup_unhealthy_replicas(old_rss, max_scaled_down)
        scaled = self.scale_down_old_replica_sets_for_rolling_update(old_rss + [new_rs], old_rss)
        return cleaned + scaled > 0

    def cleanup_unhealthy_replicas(self, old_rss: list[dict], max_cleanup: int) -> tuple[list[dict], int]:
        old_rss = du.by_creation(old_rss)
        total = 0
        for i, rs in enumerate(old_rss):
            if total >= max_cleanup:
                break
            available = (rs.get("status") or {}).get("availableReplicas", 0)
            if du.replicas(rs) == 0 or du.replicas(rs) == available:
                continue
            count = min(max_cleanup - total, du.replicas(rs) - available)
            _, old_rss[i] = self.scale_replica_set_and_record_event(rs, du.replicas(rs) - count)
            total += count
        return old_rss, total

    def scale_down_old_replica_sets_for_rolling_update(self, all_rss: list[dict], old_rss: list[dict]) -> int:
        min_avail = du.replicas(self.d) - du.max_unavailable(self.d)
        available = du.available_replica_count(all_rss)
        if available <= min_avail:
            return 0
        total, target = 0, available - min_avail
        for rs in du.by_creation(old_rss):
            if total >= target:
                break
            if du.replicas(rs) == 0:
                continue
            count = min(du.replicas(rs), target - total)
            self.scale_replica_set_and_record_event(rs, du.replicas(rs) - count)
            total += count
        return total

    # -- Recreate (recreate.go) ----------------------------------------------------------------------------------
    def rollout_recreate(self) -> None:
        new_rs, old_rss = self.get_all_replica_sets_and_sync_revision(False)
        all_rss = old_rss + [new_rs]
        scaled_down = False
        for rs in du.filter_active(old_rss):
            scaled_down |= self.scale_replica_set_and_record_event(rs, 0)[0]
        if scaled_down:
            self.sync_rollout_status(all_rss, new_rs)
            return
        if self.old_pods_running(new_rs, old_rss):
            self.sync_rollout_status(all_rss, new_rs)
            return
        if new_rs is None:
            new_rs, old_rss = self.get_all_replica_sets_and_sync_revision(True)
            all_rss = old_rss + [new_rs]
        self.scale_replica_set_and_record_event(new_rs, du.replicas(self.d))
        if du.deployment_complete(self.d, self.d["status"]):
            self.cleanup_deployment(old_rss)
        self.sync_rollout_status(all_rss, new_rs)

    def old_pods_running(self, new_rs: dict | None, old_rss: list[dict]) -> bool:
        if du.actual_replica_count(old_rss) > 0:
            return True
        new_uid = new_rs["metadata"].get("uid") if new_rs is not None else None
        for uid, pods in self.pods_by_rs.items():
            if new_uid is not None and uid == new_uid:
                continue
            if any((p.get("status") or {}).get("phase") not in ("Failed", "Succeeded") for p in pods):
                return True
        return False

    # -- history and status --------------------------------------------------------------------------------------
    def cleanup_deployment(self, old_rss: list[dict]) -> None:
        d = self.d
        if not du.has_revision_history_limit(d):
            return
        alive = [rs for rs in old_rss if rs is not None and not rs["metadata"].get("deletionTimestamp")]
        diff = len(alive) - d["spec"]["revisionHistoryLimit"]
        if diff <= 0:
            return
        for rs in du.by_revision(alive)[:diff]:
            st = rs.get("status") or {}
            if (st.get("replicas", 0) != 0 or du.replicas(rs) != 0
                    or rs["metadata"].get("generation", 0) > st.get("observedGeneration", 0)):
                continue
            self.actions.append(Action("delete", rs))

    def calculate_status(self, all_rss: list, new_rs: dict | None) -> dict:
        d = self.d
        available = du.available_replica_count(all_rss)
        status = {"observedGeneration": d["metadata"].get("generation", 0),
                  "replicas": du.actual_replica_count(all_rss),
                  "updatedReplicas": du.actual_replica_count([new_rs]),
                  "readyReplicas": du.ready_replica_count(all_rss),
                  "availableReplicas": available,
                  "unavailableReplicas": max(du.replica_count(all_rss) - available, 0)}
        status = {k: v for k, v in status.items() if v}  # omitempty
        terminating = _terminating_replicas(all_rss)
        if terminating is not None:
            status["terminatingReplicas"] = terminating
        if d["status"].get("conditions"):
            status["conditions"] = copy.deepcopy(d["status"]["conditions"])
        if d["status"].get("collisionCount") is not None:
            status["collisionCount"] = d["status"]["collisionCount"]
        if available >= du.replicas(d) - du.max_unavailable(d):
            cond = du.new_condition("Available", "True", "MinimumReplicasAvailable",
                                    "Deployment has minimum availability.", self.now)
        else:
            cond = du.new_condition("Available", "False", "MinimumReplicasUnavailable",
                                    "Deployment does not have minimum availability.", self.now)
        du.set_condition(status, cond)
        return status

    def sync_deployment_status(self, all_rss: list, new_rs: dict | None) -> None:
        status = self.calculate_status(all_rss, new_rs)
        if status != self.d["status"]:
            self.d["status"] = status
            self._write_status()

    def sync_rollout_status(self, all_rss: list, new_rs: dict | None) -> None:
        """Progress and its deadline (progress.go syncRolloutStatus, requeueStuckDeployment)."""
        d = self.d
        status = self.calculate_status(all_rss, new_rs)
        if not du.has_progress_deadline(d):
            du.remove_condition(status, "Progressing")
        current = du.get_condition(d["status"], "Progressing")
        complete = (status.get("replicas", 0) == status.get("updatedReplicas", 0) and current is not None
                    and current.get("reason") == "NewReplicaSetAvailable")
        rs_name = new_rs["metadata"]["name"] if new_rs is not None else None
        if du.has_progress_deadline(d) and not complete:
            if du.deployment_complete(d, status):
                msg = (f'ReplicaSet "{rs_name}" has successfully progressed.' if rs_name
                       else f'Deployment "{d["metadata"]["name"]}" has successfully progressed.')
                du.set_condition(status, du.new_condition("Progressing", "True", "NewReplicaSetAvailable", msg,
                                                          self.now))
            elif du.deployment_progressing(d, status):
                msg = (f'ReplicaSet "{rs_name}" is progressing.' if rs_name
                       else f'Deployment "{d["metadata"]["name"]}" is progressing.')
                cond = du.new_condition("Progressing", "True", "ReplicaSetUpdated", msg, self.now)
                if current is not None:
                    if current.get("status") == "True":
                        cond["lastTransitionTime"] = current.get("lastTransitionTime")
                    du.remove_condition(status, "Progressing")
                du.set_condition(status, cond)
            elif du.deployment_timed_out(d, status, self.now):
                msg = (f'ReplicaSet "{rs_name}" has timed out progressing.' if rs_name
                       else f'Deployment "{d["metadata"]["name"]}" has timed out progressing.')
                du.set_condition(status, du.new_condition("Progressing", "False", "ProgressDeadlineExceeded", msg,
                                                          self.now))
        failure = _replica_failure(all_rss, new_rs)
        if failure is not None:
            du.set_condition(status, failure)
        else:
            du.remove_condition(status, "ReplicaFailure")
        if status == d["status"]:
            self._requeue_stuck(status)
            return
        d["status"] = status
        self._write_status()

    def _requeue_stuck(self, status: dict) -> None:
        d = self.d
        current = du.get_condition(d["status"], "Progressing")
        if not du.has_progress_deadline(d) or current is None:
            return
        if du.deployment_complete(d, status) or current.get("reason") == "ProgressDeadlineExceeded":
            return
        from k8slab.controllers.util import parse_ts

        after = (parse_ts(current.get("lastUpdateTime")) or 0.0) + d["spec"]["progressDeadlineSeconds"] - self.now
        self.actions.append(Action("requeue", seconds=max(after, 0.0)))


def _set_min_ready(rs: dict, seconds: int) -> None:
    if seconds:
        rs["spec"]["minReadySeconds"] = seconds
    else:
        rs["spec"].pop("minReadySeconds", None)


def _terminating_replicas(rss) -> int | None:
    """``GetTerminatingReplicaCountForReplicaSets``: None when a synced ReplicaSet does not report it."""
    total = 0
    for rs in rss:
        if rs is None:
            continue
        st = rs.get("status") or {}
        if not st.get("observedGeneration") and st.get("terminatingReplicas") is None:
            continue
        if st.get("terminatingReplicas") is None:
            return None
        total += st["terminatingReplicas"]
    return total


def _replica_failure(all_rss, new_rs) -> dict | None:
    """``getReplicaFailures``: the new ReplicaSet's ReplicaFailure condition first, else an old one's."""
    ordered = ([new_rs] if new_rs is not None else []) + [rs for rs in all_rss if rs is not None and rs is not new_rs]
    for rs in ordered:
        for c in (rs.get("status") or {}).get("conditions") or ():
            if c.get("type") == "ReplicaFailure":
                t = c.get("lastTransitionTime")
                return {"type": "ReplicaFailure", "status": c.get("status"), "lastUpdateTime": t,
                        "lastTransitionTime": t, "reason": c.get("reason"), "message": c.get("message")}
    return None


def plan_sync(deployment: dict, replica_sets: list[dict], pods_by_rs: dict[str, list[dict]], now: float,
              names_taken: dict[str, dict] | None = None) -> list[Action]:
    """What one sync of ``deployment`` does, given the ReplicaSets it owns (and, for Recreate, their pods).

    Examples
    --------
    >>> from k8slab.apiserver.defaults import apply_defaults
    >>> d = apply_defaults({"apiVersion": "apps/v1", "kind": "Deployment",
    ...     "metadata": {"name": "web", "namespace": "default", "uid": "d1", "generation": 1},
    ...     "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
    ...              "template": {"metadata": {"labels": {"app": "web"}},
    ...                           "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}})
    >>> [a.verb for a in plan_sync(d, [], {}, 0.0)]
    ['create', 'event', 'status', 'status']
    >>> plan_sync(d, [], {}, 0.0)[1].event[2].startswith("Scaled up replica set web-")
    True
    """
    sync = DeploymentSync(copy.deepcopy(deployment), [copy.deepcopy(rs) for rs in replica_sets], pods_by_rs, now,
                          dict(names_taken or {}))
    return sync.run()


#: the name the other workloads' planners follow (plan_statefulset, plan_daemonset, plan_job, plan_cronjob)
plan_deployment = plan_sync
