"""The CronJob controller: a Job per scheduled time, concurrency policies, history limits (upstream pkg/controller/cronjob).

Schedules are parsed and stepped with the ``croniter`` library (5 fields, @hourly and friends; ``@every <duration>``
as robfig/cron's ConstantDelaySchedule).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from k8slab.apiserver.server import EPOCH
from k8slab.controllers.util import controller_of, controller_ref, format_time, parse_ts
from k8slab.controllers.workload import WorkloadController
from k8slab.errors import K8sLabError

__all__ = ["CronJobController", "plan_cronjob", "CronPlan", "Schedule", "job_name", "NEXT_SCHEDULE_DELTA"]

#: upstream: cronjob_controllerv2.go nextScheduleDelta (requeue a moment after the scheduled time)
NEXT_SCHEDULE_DELTA = 0.1
SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"
_DESCRIPTORS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
                "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}


class Schedule:
    """A parsed cron schedule (``cron.ParseStandard``); ``next(t)`` is the first activation strictly after ``t``.

    Examples
    --------
    >>> s = Schedule("*/5 * * * *")
    >>> s.next(0.0), s.next(300.0)
    (300.0, 600.0)
    >>> Schedule("@every 90s").next(10.4)
    100.0
    >>> Schedule("61 * * * *")
    Traceback (most recent call last):
    ...
    ValueError: ...
    """

    def __init__(self, spec: str, tz: str | None = None):
        text = spec.strip()
        self.every = None
        if text.startswith("@every "):
            self.every = _go_duration(text[len("@every "):])
            if self.every < 1:
                self.every = 1.0
            return
        text = _DESCRIPTORS.get(text, text)
        from croniter import croniter

        if len(text.split()) != 5 or not croniter.is_valid(text):
            raise ValueError(f"failed to parse schedule {spec!r}")
        self.expr = text
        from zoneinfo import ZoneInfo

        self.tz = ZoneInfo(tz) if tz else timezone.utc

    def next(self, t: float) -> float:
        if self.every is not None:  # ConstantDelaySchedule: whole seconds, from the given time
            return float(int(t) + int(self.every))
        from croniter import croniter

        start = (EPOCH + timedelta(seconds=t)).astimezone(self.tz)
        nxt = croniter(self.expr, start).get_next(datetime)
        return (nxt - EPOCH).total_seconds()


def _go_duration(text: str) -> float:
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|m|s)", text)
    if not parts or "".join(a + b for a, b in parts) != text:
        raise ValueError(f"failed to parse duration {text!r}")
    return sum(float(n) * {"h": 3600, "m": 60, "s": 1, "ms": 0.001}[u] for n, u in parts)


def job_name(cj: dict, scheduled: float) -> str:
    """``getJobName``: <cronjob>-<scheduled time in minutes since the Unix epoch>."""
    return f"{cj['metadata']['name']}-{int((EPOCH.timestamp() + scheduled) // 60)}"


@dataclass
class CronPlan:
    """What a CronJob sync decided."""

    create: dict | None = None
    delete: list[dict] = field(default_factory=list)
    status: dict = field(default_factory=dict)
    events: list[tuple[str, str, str]] = field(default_factory=list)
    requeue_after: float | None = None
    update_status: bool = False


def _finished(job: dict) -> str | None:
    for c in (job.get("status") or {}).get("conditions") or ():
        if c.get("type") in ("Complete", "Failed") and c.get("status") == "True":
            return c["type"]
    return None


def _ref(job: dict) -> dict:
    m = job["metadata"]
    return {"apiVersion": "batch/v1", "kind": "Job", "name": m["name"], "namespace": m.get("namespace"),
            "resourceVersion": m.get("resourceVersion"), "uid": m.get("uid")}


def plan_cronjob(cj: dict, jobs: list[dict], now: float) -> CronPlan:
    """One sync of a CronJob (upstream: cronjob_controllerv2.go sync, cleanupFinishedJobs, syncCronJob).

    Examples
    --------
    >>> cj = {"metadata": {"name": "hello", "namespace": "default", "uid": "c1",
    ...                    "creationTimestamp": format_time(0)},
    ...       "spec": {"schedule": "*/1 * * * *", "concurrencyPolicy": "Allow", "jobTemplate": {"spec": {}},
    ...                "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1}, "status": {}}
    >>> plan = plan_cronjob(cj, [], 60.5)
    >>> plan.create["metadata"]["name"], plan.events, round(plan.requeue_after, 1)
    ('hello-29453761', [('Normal', 'SuccessfulCreate', 'Created job hello-29453761')], 59.6)
    """
    plan = CronPlan(status=copy.deepcopy(cj.get("status") or {}))
    st, spec = plan.status, cj["spec"]
    # cleanupFinishedJobs: the oldest finished Jobs beyond the history limits go
    for kind, limit in (("Complete", spec.get("successfulJobsHistoryLimit")),
                        ("Failed", spec.get("failedJobsHistoryLimit"))):
        done = [j for j in jobs if _finished(j) == kind]
        if limit is None or len(done) <= limit:
            continue
        done.sort(key=lambda j: (parse_ts((j.get("status") or {}).get("startTime")) is None,
                                 parse_ts((j.get("status") or {}).get("startTime")) or 0.0, j["metadata"]["name"]))
        for j in done[:len(done) - limit]:
            _delete_job(plan, j)
    active_uids = {a.get("uid") for a in st.get("active") or ()}
    children = {j["metadata"]["uid"] for j in jobs}
    for j in jobs:
        uid, finished = j["metadata"]["uid"], _finished(j)
        if uid not in active_uids and finished is None:
            plan.events.append(("Warning", "UnexpectedJob",
                                f"Saw a job that the controller did not create or forgot: {j['metadata']['name']}"))
        elif uid in active_uids and finished is not None:
            _drop_active(plan, uid)
            plan.events.append(("Normal", "SawCompletedJob",
                                f"Saw completed job: {j['metadata']['name']}, condition: {finished}"))
        if finished == "Complete":
            done_at = (j.get("status") or {}).get("completionTime")
            if done_at and (st.get("lastSuccessfulTime") is None or parse_ts(done_at) > parse_ts(st["lastSuccessfulTime"])):
                st["lastSuccessfulTime"] = done_at
                plan.update_status = True
    for a in list(st.get("active") or ()):
        if a.get("uid") not in children:
            plan.events.append(("Normal", "MissingJob", f"Active job went missing: {a.get('name')}"))
            _drop_active(plan, a.get("uid"))
    if cj["metadata"].get("deletionTimestamp") or spec.get("suspend"):
        return plan
    try:
        sched = Schedule(spec["schedule"], spec.get("timeZone"))
    except (ValueError, KeyError) as e:
        if spec.get("timeZone") and "failed to parse schedule" not in str(e):
            plan.events.append(("Warning", "UnknownTimeZone", f'invalid timeZone: "{spec["timeZone"]}": {e}'))
        else:
            plan.events.append(("Warning", "UnparseableSchedule",
                                f'unparseable schedule: "{spec.get("schedule")}" : {e}'))
        return plan
    created = parse_ts(cj["metadata"].get("creationTimestamp")) or 0.0
    earliest = parse_ts(st.get("lastScheduleTime")) if st.get("lastScheduleTime") else created
    if spec.get("startingDeadlineSeconds") is not None:
        earliest = max(earliest, now - spec["startingDeadlineSeconds"])
    scheduled, missed = _most_recent(sched, earliest, now)
    if missed > 100:
        plan.events.append(("Warning", "TooManyMissedTimes", f"too many missed start times: {missed}. Set or decrease "
                            ".spec.startingDeadlineSeconds or check clock skew"))
    plan.requeue_after = _next_duration(sched, cj, st, now)
    if scheduled is None:
        return plan
    deadline = spec.get("startingDeadlineSeconds")
    if deadline is not None and scheduled + deadline < now:
        when = (EPOCH + timedelta(seconds=scheduled)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        plan.events.append(("Warning", "MissSchedule", f"Missed scheduled time to start a job: {when}"))
        return plan
    name = job_name(cj, scheduled)
    if any(a.get("name") == name for a in st.get("active") or ()) or st.get("lastScheduleTime") == format_time(scheduled):
        return plan
    if spec.get("concurrencyPolicy") == "Forbid" and st.get("active"):
        plan.events.append(("Normal", "JobAlreadyActive", "Not starting job because prior execution is running and "
                            "concurrency policy is Forbid"))
        return plan
    if spec.get("concurrencyPolicy") == "Replace":
        for a in list(st.get("active") or ()):
            job = next((j for j in jobs if j["metadata"]["uid"] == a.get("uid")), None)
            if job is not None:
                _delete_job(plan, job)
    template = spec.get("jobTemplate") or {}
    tmeta = template.get("metadata") or {}
    annotations = dict(tmeta.get("annotations") or {})
    tz = sched.tz if sched.every is None else timezone.utc
    annotations[SCHEDULED_TIMESTAMP] = (EPOCH + timedelta(seconds=scheduled)).astimezone(tz).isoformat().replace(
        "+00:00", "Z")
    meta = {"name": name, "namespace": cj["metadata"].get("namespace"), "annotations": annotations,
            "ownerReferences": [controller_ref({**cj, "apiVersion": "batch/v1", "kind": "CronJob"})]}
    if tmeta.get("labels"):
        meta["labels"] = dict(tmeta["labels"])
    plan.create = {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta,
                   "spec": copy.deepcopy(template.get("spec") or {})}
    plan.events.append(("Normal", "SuccessfulCreate", f"Created job {name}"))
    st["lastScheduleTime"] = format_time(scheduled)
    plan.update_status = True
    plan.requeue_after = _next_duration(sched, cj, st, now)
    return plan


def _drop_active(plan: CronPlan, uid) -> None:
    plan.status["active"] = [a for a in plan.status.get("active") or () if a.get("uid") != uid]
    if not plan.status["active"]:
        del plan.status["active"]
    plan.update_status = True


def _delete_job(plan: CronPlan, job: dict) -> None:
    plan.delete.append(job)
    _drop_active(plan, job["metadata"]["uid"])
    plan.events.append(("Normal", "SuccessfulDelete", f"Deleted job {job['metadata']['name']}"))


def _most_recent(sched: Schedule, earliest: float, now: float) -> tuple[float | None, int]:
    """``mostRecentScheduleTime``: the last activation in (earliest, now] and how many there were."""
    t, last, count = sched.next(earliest), None, 0
    while t <= now:
        last, count = t, count + 1
        if count > 100_000:
            break
        t = sched.next(t)
    return last, count


def _next_duration(sched: Schedule, cj: dict, status: dict, now: float) -> float:
    """``nextScheduleTimeDuration``: until the next activation, plus nextScheduleDelta."""
    earliest = parse_ts(status.get("lastScheduleTime")) if status.get("lastScheduleTime") else \
        parse_ts(cj["metadata"].get("creationTimestamp")) or 0.0
    recent, _ = _most_recent(sched, earliest, now)
    return sched.next(recent if recent is not None else earliest) + NEXT_SCHEDULE_DELTA - now


class CronJobController(WorkloadController):
    """kube-controller-manager's CronJob controller (v2), on the lab's clock."""

    name = "cronjob-controller"
    watches = ("cronjobs", "jobs")
    informers = {"cronjobs": "cronjobs", "jobs": "jobs"}
    primary = "cronjobs"

    def attach(self, lab) -> None:
        self.cj_res = lab.api.resource("cronjobs")
        self.job_res = lab.api.resource("jobs")
        super().attach(lab)

    def keys_for(self, event_type: str, obj: dict):
        if obj.get("kind") == "CronJob":
            yield self.cronjobs.key(obj)
            return
        ref = controller_of(obj)
        if ref is not None and ref.get("kind") == "CronJob":
            yield f"{obj['metadata'].get('namespace') or ''}/{ref.get('name')}"

    def reconcile(self, key: str) -> None:
        ns, _, name = key.partition("/")
        cj = self.cronjobs.get(ns, name)
        if cj is None:
            return
        plan = plan_cronjob(cj, self.jobs.owned_by(cj["metadata"]["uid"]), self.env.now)
        record = self.lab.events.record
        for job in plan.delete:
            try:  # background propagation: the Job's pods go with it
                self.api.delete(self.job_res, ns, job["metadata"]["name"])
            except K8sLabError as e:
                record(cj, "Warning", "FailedDelete", f"Deleted job: {e.message}", self.name)
        if plan.create is not None:
            try:
                created = self.api.create(plan.create)
            except K8sLabError as e:
                if e.reason != "AlreadyExists":
                    record(cj, "Warning", "FailedCreate", f"Error creating job: {e.message}", self.name)
                    self.retry(key)
                    return
                created = self.api.get(self.job_res, ns, plan.create["metadata"]["name"])
            plan.status.setdefault("active", []).append(_ref(created))
        for ev in plan.events:
            record(cj, *ev, self.name)
        if plan.update_status or plan.create is not None:
            live = copy.deepcopy(self.api.get(self.cj_res, ns, name))
            live["status"] = plan.status
            self.api.write_status(self.cj_res, live)
        if plan.requeue_after is not None:
            self.add_after(key, plan.requeue_after)
        self.forget(key)
