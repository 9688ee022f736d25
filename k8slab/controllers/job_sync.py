"""One sync of a Job as a pure function: (job, its pods, what was counted, now) -> actions and status.

upstream: pkg/controller/job/{job_controller,indexed_job_utils,backoff_utils}.go. Not simulated: podFailurePolicy,
successPolicy, backoffLimitPerIndex, and the batch.kubernetes.io/job-tracking finalizer (finished pods are counted
once, by UID, instead).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from k8slab.controllers.util import format_time, is_pod_active, is_pod_ready, is_pod_terminating, parse_ts

__all__ = ["plan_job", "JobSync", "JobPlan", "parse_indexes", "format_indexes", "pod_backoff",
           "COMPLETION_INDEX", "MAX_POD_CREATE_DELETE_PER_SYNC"]

COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"
#: upstream: job_controller.go MaxPodCreateDeletePerSync
MAX_POD_CREATE_DELETE_PER_SYNC = 500
#: upstream: DefaultJobPodFailureBackOff, MaxJobPodFailureBackOff
DEFAULT_BACKOFF, MAX_BACKOFF = 10.0, 360.0


def parse_indexes(text: str | None, completions: int) -> set[int]:
    """``parseIndexesFromString``: "1,3-5,7" -> {1, 3, 4, 5, 7}, keeping those below ``completions``.

    Examples
    --------
    >>> sorted(parse_indexes("0,2-4,9", 5))
    [0, 2, 3, 4]
    """
    out: set[int] = set()
    for part in (text or "").split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        try:
            first, last = int(lo), int(hi or lo)
        except ValueError:
            continue
        out.update(i for i in range(first, last + 1) if i < completions)
    return out


def format_indexes(indexes) -> str:
    """``orderedIntervals.String``: consecutive runs as ranges.

    Examples
    --------
    >>> format_indexes({0, 1, 2, 4, 6, 7})
    '0-2,4,6-7'
    """
    runs, out = sorted(indexes), []
    i = 0
    while i < len(runs):
        j = i
        while j + 1 < len(runs) and runs[j + 1] == runs[j] + 1:
            j += 1
        out.append(str(runs[i]) if i == j else f"{runs[i]}-{runs[j]}")
        i = j + 1
    return ",".join(out)


def pod_backoff(failures_after_last_success: int, last_failure: float | None, now: float) -> float:
    """Seconds before replacing failed pods: 10 s doubling per failure, at most 6 min (backoffRecord.getRemainingTime).

    Examples
    --------
    >>> pod_backoff(0, None, 0), pod_backoff(1, 0.0, 4.0), pod_backoff(3, 0.0, 0.0), pod_backoff(9, 0.0, 0.0)
    (0.0, 6.0, 40.0, 360.0)
    """
    if failures_after_last_success == 0 or last_failure is None:
        return 0.0
    delay = DEFAULT_BACKOFF
    for _ in range(1, failures_after_last_success):
        delay *= 2
        if delay >= MAX_BACKOFF:
            delay = MAX_BACKOFF
            break
    elapsed = now - last_failure
    return 0.0 if delay < elapsed else delay - elapsed


def _index_of(pod: dict) -> int | None:
    value = (pod["metadata"].get("annotations") or {}).get(COMPLETION_INDEX)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _finish_time(pod: dict, now: float) -> float:
    """``getFinishedTime``: Ready turning False, else the containers' last finishedAt, else the deletion or
    creation time."""
    st = pod.get("status") or {}
    for c in st.get("conditions") or ():
        if c.get("type") == "Ready" and c.get("status") == "False" and c.get("lastTransitionTime"):
            return parse_ts(c["lastTransitionTime"])
    ends = [parse_ts(((c.get("state") or {}).get("terminated") or {}).get("finishedAt"))
            for c in st.get("containerStatuses") or ()]
    if ends and all(t is not None for t in ends):
        return max(ends)
    for key in ("deletionTimestamp", "creationTimestamp"):
        if pod["metadata"].get(key):
            return parse_ts(pod["metadata"][key])
    return now


def _active_order(pods: list[dict]) -> list[dict]:
    """``controller.ActivePods``: unassigned, pending, not ready, newest ready, most restarts, newest first."""
    phase = {"Pending": 0, "Unknown": 1, "Running": 2}

    def key(p):
        st = p.get("status") or {}
        ready_t = next((parse_ts(c.get("lastTransitionTime")) for c in st.get("conditions") or ()
                        if c.get("type") == "Ready" and c.get("status") == "True"), None)
        restarts = max((c.get("restartCount", 0) for c in st.get("containerStatuses") or ()), default=0)
        created = parse_ts(p["metadata"].get("creationTimestamp"))
        return (bool((p.get("spec") or {}).get("nodeName")), phase.get(st.get("phase"), 0), is_pod_ready(p),
                -(ready_t if ready_t is not None else float("inf")), -restarts,
                -(created if created is not None else float("inf")), p["metadata"]["name"])
    return sorted(pods, key=key)


@dataclass
class JobPlan:
    """What a sync decided: pods to create (templates), pods to delete, the new status, events, a requeue."""

    create: list[dict] = field(default_factory=list)
    delete: list[dict] = field(default_factory=list)
    status: dict = field(default_factory=dict)
    events: list[tuple[str, str, str]] = field(default_factory=list)
    requeue_after: float | None = None
    counted: set[str] = field(default_factory=set)


@dataclass
class JobSync:
    job: dict
    pods: list[dict]
    counted: set[str]  # UIDs of finished pods already in status.succeeded / status.failed
    now: float
    plan: JobPlan = field(default_factory=JobPlan)

    def _requeue(self, seconds: float) -> None:
        if self.plan.requeue_after is None or seconds < self.plan.requeue_after:
            self.plan.requeue_after = max(seconds, 0.0)

    def run(self) -> JobPlan:
        job, spec, now = self.job, self.job["spec"], self.now
        status = copy.deepcopy(job.get("status") or {})
        plan = self.plan
        plan.counted = set(self.counted)
        if _finished(status):
            plan.status = status
            return plan
        indexed = spec.get("completionMode") == "Indexed"
        completions = spec.get("completions")
        active_pods = [p for p in self.pods if is_pod_active(p)]
        terminating = sum(1 for p in self.pods if is_pod_terminating(p))
        new_succeeded = [p for p in self.pods if _phase(p) == "Succeeded" and p["metadata"]["uid"] not in self.counted]
        new_failed = [p for p in self.pods if _phase(p) == "Failed" and p["metadata"]["uid"] not in self.counted]
        succeeded = status.get("succeeded", 0) + len(new_succeeded)
        failed = status.get("failed", 0) + len(new_failed)
        plan.counted |= {p["metadata"]["uid"] for p in new_succeeded + new_failed}
        suspended = bool(spec.get("suspend"))
        if status.get("startTime") is None and not suspended:
            status["startTime"] = format_time(now)
        finished = None  # (type, reason, message): the interim FailureTarget / SuccessCriteriaMet
        conditions = status.get("conditions") or []
        target = next((c for c in conditions if c.get("type") in ("FailureTarget", "SuccessCriteriaMet")
                       and c.get("status") == "True"), None)
        if target is not None:
            finished = (target["type"], target["reason"], target["message"])
        if finished is None:
            if failed > spec.get("backoffLimit", 6) or self._past_backoff_limit_on_failure(active_pods):
                finished = ("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
            elif self._past_active_deadline(status):
                finished = ("FailureTarget", "DeadlineExceeded", "Job was active longer than specified deadline")
            elif spec.get("activeDeadlineSeconds") is not None and not suspended:
                started = parse_ts(status["startTime"]) or now
                self._requeue(spec["activeDeadlineSeconds"] - (now - started))
        succeeded_indexes: set[int] = set()
        if indexed:
            succeeded_indexes = parse_indexes(status.get("completedIndexes"), completions or 0)
            for p in self.pods:
                i = _index_of(p)
                if _phase(p) == "Succeeded" and i is not None and i < (completions or 0):
                    succeeded_indexes.add(i)
            succeeded = len(succeeded_indexes)
        active = len(active_pods)
        suspend_changed = False
        if finished is not None:
            if finished[0] == "FailureTarget":  # deleteActivePods
                plan.delete += active_pods
                terminating += len(active_pods)
                active = 0
        else:
            if not job["metadata"].get("deletionTimestamp"):
                active = self.manage(active_pods, succeeded, succeeded_indexes, terminating, new_failed, new_succeeded)
            complete = (succeeded > 0 and active == 0) if completions is None else \
                (succeeded >= completions and active == 0)
            if complete:
                finished = ("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods")
            elif suspended:
                suspend_changed = _ensure(status, "Suspended", "True", "JobSuspended", "Job suspended", now)
                if suspend_changed:
                    plan.events.append(("Normal", "Suspended", "Job suspended"))
            else:
                suspend_changed = _ensure(status, "Suspended", "False", "JobResumed", "Job resumed", now)
                if suspend_changed:
                    plan.events.append(("Normal", "Resumed", "Job resumed"))
                    status["startTime"] = format_time(now)
        ready = sum(1 for p in active_pods if is_pod_ready(p) and p not in plan.delete)
        status.update(active=active, ready=ready, terminating=terminating, succeeded=succeeded, failed=failed)
        status.setdefault("uncountedTerminatedPods", {})
        if indexed:
            status["completedIndexes"] = format_indexes(succeeded_indexes)
        if finished is not None:
            _ensure(status, finished[0], "True", finished[1], finished[2], now)
            if terminating == 0 and active == 0:  # enactJobFinished: the terminal condition, once pods are gone
                final = "Complete" if finished[0] == "SuccessCriteriaMet" else "Failed"
                _ensure(status, final, "True", finished[1], finished[2], now)
                if final == "Complete":
                    status["completionTime"] = format_time(now)
                    if completions is not None and succeeded > completions:
                        plan.events.append(("Warning", "TooManySucceededPods",
                                            "Too many succeeded pods running after completion count reached"))
                    plan.events.append(("Normal", "Completed", "Job completed"))
                else:
                    plan.events.append(("Warning", finished[1], finished[2]))
        plan.status = _omit_empty(status)
        return plan

    def manage(self, active_pods, succeeded, succeeded_indexes, terminating, new_failed, new_succeeded) -> int:
        """``manageJob``: delete extra pods or create missing ones (never both in one sync)."""
        job, spec, plan = self.job, self.job["spec"], self.plan
        active = len(active_pods)
        if spec.get("suspend"):
            plan.delete += _active_order(active_pods)
            return 0
        parallelism = spec.get("parallelism", 1)
        completions = spec.get("completions")
        if completions is None:
            want = active if succeeded > 0 else parallelism
        else:
            want = max(min(completions - succeeded, parallelism), 0)
        indexed = spec.get("completionMode") == "Indexed"
        to_delete = []
        if indexed:  # pods of finished, duplicate or out-of-range indexes go first
            seen: set[int] = set()
            for p in sorted(active_pods, key=lambda p: p["metadata"]["name"]):
                i = _index_of(p)
                if i is None or i >= (completions or 0) or i in succeeded_indexes or i in seen:
                    to_delete.append(p)
                else:
                    seen.add(i)
        rest = [p for p in active_pods if p not in to_delete]
        extra = max(active - want - len(to_delete), 0)
        to_delete += _active_order(rest)[:extra]
        if to_delete:
            plan.delete += to_delete[:MAX_POD_CREATE_DELETE_PER_SYNC]
            return active - len(plan.delete)
        replace_failed_only = spec.get("podReplacementPolicy") == "Failed"
        diff = want - (terminating if replace_failed_only else 0) - active
        if diff <= 0:
            return active
        failures, last_failure = self._backoff_record(new_failed, new_succeeded)
        wait = pod_backoff(failures, last_failure, self.now)
        if wait > 0:
            self._requeue(wait)
            return active
        diff = min(diff, MAX_POD_CREATE_DELETE_PER_SYNC)
        template = copy.deepcopy(spec.get("template") or {})
        if indexed:
            busy = {_index_of(p) for p in active_pods}
            pending = [i for i in range(completions or 0) if i not in succeeded_indexes and i not in busy][:diff]
            for i in pending:
                plan.create.append(_indexed_template(job, template, i))
            diff = len(pending)
        else:
            plan.create += [copy.deepcopy(template) for _ in range(diff)]
        return active + diff

    def _backoff_record(self, new_failed, new_succeeded) -> tuple[int, float | None]:
        """failuresAfterLastSuccess and the last failure time, from every finished pod the Job has."""
        finished = sorted((_finish_time(p, self.now), _phase(p)) for p in self.pods
                          if _phase(p) in ("Succeeded", "Failed"))
        failures, last = 0, None
        for t, phase in finished:
            if phase == "Succeeded":
                failures, last = 0, None
            else:
                failures, last = failures + 1, t
        return failures, last

    def _past_backoff_limit_on_failure(self, active_pods) -> bool:
        spec = self.job["spec"]
        if ((spec.get("template") or {}).get("spec") or {}).get("restartPolicy") != "OnFailure":
            return False
        restarts = 0
        for p in self.pods:
            if _phase(p) in ("Running", "Pending"):
                st = p.get("status") or {}
                restarts += sum(c.get("restartCount", 0) for c in (st.get("initContainerStatuses") or [])
                                + (st.get("containerStatuses") or []))
        limit = spec.get("backoffLimit", 6)
        return restarts > 0 if limit == 0 else restarts >= limit

    def _past_active_deadline(self, status: dict) -> bool:
        spec = self.job["spec"]
        if spec.get("activeDeadlineSeconds") is None or status.get("startTime") is None or spec.get("suspend"):
            return False
        return self.now - parse_ts(status["startTime"]) >= spec["activeDeadlineSeconds"]


def _phase(pod: dict) -> str:
    return (pod.get("status") or {}).get("phase") or ""


def _finished(status: dict) -> bool:
    return any(c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
               for c in status.get("conditions") or ())


def _ensure(status: dict, type_: str, value: str, reason: str, message: str, now: float) -> bool:
    """``ensureJobConditionStatus``: add or change a condition; False when it was already so (or absent and False)."""
    conds = status.setdefault("conditions", [])
    for c in conds:
        if c.get("type") == type_:
            if c.get("status") != value or c.get("reason") != reason or c.get("message") != message:
                if c.get("status") != value:
                    c["lastTransitionTime"] = format_time(now)
                c.update(status=value, reason=reason, message=message, lastProbeTime=format_time(now))
                return True
            return False
    if value == "False":  # a False condition is only recorded when it changes an existing one
        if not conds:
            del status["conditions"]
        return False
    t = format_time(now)
    conds.append({"type": type_, "status": value, "lastProbeTime": t, "lastTransitionTime": t, "reason": reason,
                  "message": message})
    return True


def _indexed_template(job: dict, template: dict, index: int) -> dict:
    """An Indexed Job's pod: the index as annotation, label, env var and hostname; generateName <job>-<index>-."""
    t = copy.deepcopy(template)
    meta = t.setdefault("metadata", {})
    meta.setdefault("annotations", {})[COMPLETION_INDEX] = str(index)
    meta.setdefault("labels", {})[COMPLETION_INDEX] = str(index)
    spec = t.setdefault("spec", {})
    for key in ("initContainers", "containers"):
        for c in spec.get(key) or ():
            if not any(e.get("name") == "JOB_COMPLETION_INDEX" for e in c.get("env") or ()):
                c.setdefault("env", []).append({"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
                    "apiVersion": "v1", "fieldPath": f"metadata.annotations['{COMPLETION_INDEX}']"}}})
    spec["hostname"] = f"{job['metadata']['name']}-{index}"
    appendix = f"-{index}-"
    prefix = job["metadata"]["name"] + appendix
    if len(prefix) > 58:  # names.MaxGeneratedNameLength
        prefix = job["metadata"]["name"][:58 - len(appendix)] + appendix
    meta["generateName"] = prefix
    return t


def _omit_empty(status: dict) -> dict:
    """JobStatus JSON: active, succeeded, failed and completedIndexes are omitempty; ready and terminating are
    pointers, shown even when 0."""
    return {k: v for k, v in status.items() if v or k in ("ready", "terminating", "uncountedTerminatedPods")}


def plan_job(job: dict, pods: list[dict], counted: set[str], now: float) -> JobPlan:
    """What one sync of ``job`` does, given its pods and the UIDs of finished pods already counted.

    Examples
    --------
    >>> job = {"metadata": {"name": "pi", "uid": "j1"}, "spec": {"completions": 3, "parallelism": 2,
    ...        "backoffLimit": 6, "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c"}]}}},
    ...        "status": {}}
    >>> plan = plan_job(job, [], set(), 0.0)
    >>> len(plan.create), plan.status["active"], plan.status["startTime"]
    (2, 2, '2026-01-01T00:00:00Z')
    """
    return JobSync(copy.deepcopy(job), pods, set(counted), now).run()
