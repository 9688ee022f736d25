"""CronJob: schedules (croniter), job names, concurrency policies, history limits, missed starts."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import events_of
from k8slab.apiserver.server import EPOCH
from k8slab.controllers.cronjob import Schedule, job_name, plan_cronjob
from k8slab.controllers.util import format_time

M = 60.0


@pytest.mark.parametrize("spec, t, want", [
    ("*/5 * * * *", 0.0, 300.0), ("*/5 * * * *", 300.0, 600.0), ("0 * * * *", 59.0, 3600.0), ("@hourly", 10.0, 3600.0),
    ("@daily", 0.0, 86400.0), ("30 2 * * *", 0.0, 2 * 3600 + 1800.0), ("@every 1m30s", 5.0, 95.0),
    ("0 0 * * MON", 0.0, 4 * 86400.0),
], ids=["every 5 minutes from 0", "strictly after the given time", "top of the hour", "@hourly", "@daily",
        "02:30 every day", "@every counts from the given second", "Mondays (2026-01-01 is a Thursday)"])
def test_schedule_next(spec, t, want):
    assert Schedule(spec).next(t) == want


@pytest.mark.parametrize("spec", ["61 * * * *", "* * * *", "@fortnightly", "@every never"],
                         ids=["minute out of range", "four fields", "unknown descriptor", "bad duration"])
def test_unparseable_schedules(spec):
    with pytest.raises(ValueError):
        Schedule(spec)


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(["*/7 * * * *", "0 */2 * * *", "15 3 * * 1-5", "@hourly"]), st.floats(0, 10 * 86400))
def test_next_is_strictly_later_and_minute_aligned(spec, t):
    n = Schedule(spec).next(t)
    assert n > t and n % 60 == 0


def test_job_names_are_minutes_since_the_unix_epoch():
    # upstream: utils.go getJobName / getTimeHashInMinutes
    cj = {"metadata": {"name": "hello"}}
    assert job_name(cj, 0.0) == f"hello-{int(EPOCH.timestamp() // 60)}"
    assert job_name(cj, 125.0) == f"hello-{int(EPOCH.timestamp() // 60) + 2}"


def cronjob(schedule="*/1 * * * *", policy="Allow", **spec):
    return {"metadata": {"name": "hello", "namespace": "default", "uid": "c1", "creationTimestamp": format_time(0)},
            "spec": {"schedule": schedule, "concurrencyPolicy": policy, "jobTemplate": {"spec": {}},
                     "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1, **spec}, "status": {}}


def job(name, finished=None, start=0.0, uid=None):
    j = {"metadata": {"name": name, "uid": uid or name}, "status": {"startTime": format_time(start)}}
    if finished:
        j["status"]["conditions"] = [{"type": finished, "status": "True"}]
        j["status"]["completionTime"] = format_time(start + 5)
    return j


def test_before_the_first_time_nothing_runs_and_the_requeue_is_just_after_it():
    plan = plan_cronjob(cronjob(), [], 30.0)
    assert plan.create is None and plan.requeue_after == pytest.approx(30.1)


def test_forbid_skips_a_run_while_one_is_active():
    cj = cronjob(policy="Forbid")
    cj["status"] = {"active": [{"uid": "j1", "name": "hello-1"}], "lastScheduleTime": format_time(60)}
    plan = plan_cronjob(cj, [job("hello-1", uid="j1")], 120.5)
    assert plan.create is None
    assert plan.events == [("Normal", "JobAlreadyActive", "Not starting job because prior execution is running and "
                                                          "concurrency policy is Forbid")]


def test_replace_deletes_the_running_job_first():
    cj = cronjob(policy="Replace")
    cj["status"] = {"active": [{"uid": "j1", "name": "hello-1"}], "lastScheduleTime": format_time(60)}
    plan = plan_cronjob(cj, [job("hello-1", uid="j1")], 120.5)
    assert [j["metadata"]["name"] for j in plan.delete] == ["hello-1"]
    assert plan.create["metadata"]["name"] == job_name(cj, 120.0)
    assert plan.events[0] == ("Normal", "SuccessfulDelete", "Deleted job hello-1")


def test_history_limits_delete_the_oldest_finished_jobs():
    jobs = [job(f"ok-{i}", "Complete", start=i) for i in range(5)] + [job(f"bad-{i}", "Failed", start=i) for i in range(3)]
    plan = plan_cronjob(cronjob(suspend=True), jobs, 10.0)
    assert [j["metadata"]["name"] for j in plan.delete] == ["ok-0", "ok-1", "bad-0", "bad-1"]


def test_a_start_missed_by_more_than_the_deadline_is_skipped():
    # upstream nextScheduleTime: the search starts at now - startingDeadlineSeconds, so 01:00 is not a candidate
    plan = plan_cronjob(cronjob(schedule="0 * * * *", startingDeadlineSeconds=10), [], 3600 + 30.0)
    assert (plan.create, plan.events) == (None, [])
    plan = plan_cronjob(cronjob(schedule="0 * * * *", startingDeadlineSeconds=60), [], 3600 + 30.0)
    assert plan.create["metadata"]["name"] == job_name(cronjob(), 3600.0)


def test_an_unparseable_schedule_is_an_event():
    plan = plan_cronjob(cronjob(schedule="61 * * * *"), [], 100.0)
    assert plan.events[0][:2] == ("Warning", "UnparseableSchedule")
    assert plan.events[0][2].startswith('unparseable schedule: "61 * * * *" : ')


def test_in_the_lab_a_job_every_minute(lab):
    lab.apply("""
apiVersion: batch/v1
kind: CronJob
metadata: {name: hello}
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: hello, image: "busybox:1.36"}]
""")
    lab.run(130)
    jobs = sorted(j["metadata"]["name"] for j in lab.api.list(lab.api.resource("jobs"), "default"))
    assert jobs == [job_name({"metadata": {"name": "hello"}}, 60.0), job_name({"metadata": {"name": "hello"}}, 120.0)]
    assert [e for e in events_of(lab, "CronJob", "hello") if e[1] == "SuccessfulCreate"] == [
        ("Normal", "SuccessfulCreate", f"Created job {n}") for n in jobs]
    status = lab.api.get(lab.api.resource("cronjobs"), "default", "hello")["status"]
    assert status["lastScheduleTime"] == format_time(120) and len(status["active"]) == 2
    created = lab.api.get(lab.api.resource("jobs"), "default", jobs[0])
    assert created["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == \
        "2026-01-01T00:01:00Z"
