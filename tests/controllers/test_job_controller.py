"""Job: completions, parallelism, backoffLimit, activeDeadlineSeconds, Indexed, suspend; conditions and events."""

import pytest

from conftest import events_of, pods, set_pod
from k8slab.controllers.job_sync import format_indexes, parse_indexes, plan_job, pod_backoff

JOB = """
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
%s
  template:
    spec:
      restartPolicy: Never
      containers: [{name: pi, image: "perl:5.34.0"}]
"""


def job_status(lab, name="pi"):
    return lab.api.get(lab.api.resource("jobs"), "default", name).get("status") or {}


def conditions(lab, name="pi"):
    return [(c["type"], c["status"], c["reason"], c["message"]) for c in job_status(lab, name).get("conditions") or ()]


# the interval format of upstream indexed_job_utils.go (parseIndexesFromString, orderedIntervals.String)
@pytest.mark.parametrize("text, completions, want", [
    ("", 5, []), ("1", 5, [1]), ("0-2,4", 5, [0, 1, 2, 4]), ("0,2-4,9", 5, [0, 2, 3, 4]), ("3-5", 4, [3]),
], ids=["empty", "one index", "a range and one", "out of range dropped", "a range cut at completions"])
def test_parse_indexes(text, completions, want):
    assert sorted(parse_indexes(text, completions)) == want


@pytest.mark.parametrize("indexes, want", [([], ""), ([0], "0"), ([0, 1, 2, 4, 6, 7], "0-2,4,6-7"), ([5, 1], "1,5")],
                         ids=["none", "one", "runs become ranges", "unordered input"])
def test_format_indexes(indexes, want):
    assert format_indexes(indexes) == want


# upstream backoff_utils.go getRemainingTime: 10 s doubling per failure after the last success, 6 min at most
@pytest.mark.parametrize("failures, since, want", [
    (0, 0, 0.0), (1, 0, 10.0), (1, 4, 6.0), (1, 10, 0.0), (2, 0, 20.0), (5, 0, 160.0), (6, 0, 320.0), (7, 0, 360.0),
    (20, 100, 260.0),
], ids=["no failures", "one failure just now", "one failure 4 s ago", "one failure 10 s ago", "two failures",
        "five failures", "six failures", "seven failures hit the 6 min cap", "capped and partly waited"])
def test_pod_backoff(failures, since, want):
    assert pod_backoff(failures, 0.0, float(since)) == want


def test_a_job_runs_parallelism_pods_until_completions(lab):
    lab.apply(JOB % "  completions: 3\n  parallelism: 2")
    lab.run(1)
    first = pods(lab)
    assert len(first) == 2
    assert job_status(lab)["active"] == 2
    for p in first:
        set_pod(lab, p["metadata"]["name"], phase="Succeeded", ready=False)
    lab.run(1)
    assert len(pods(lab)) == 3
    last = [p for p in pods(lab) if p["status"].get("phase") != "Succeeded"][0]
    set_pod(lab, last["metadata"]["name"], phase="Succeeded", ready=False)
    lab.run(1)
    st = job_status(lab)
    assert (st["succeeded"], st.get("active", 0), st["completionTime"] is not None) == (3, 0, True)
    assert conditions(lab) == [
        ("SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods"),
        ("Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods")]
    assert events_of(lab, "Job", "pi")[-1] == ("Normal", "Completed", "Job completed")
    p = pods(lab)[0]
    assert p["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "pi"
    assert p["metadata"]["labels"]["controller-uid"] == p["metadata"]["ownerReferences"][0]["uid"]


def test_failed_pods_are_replaced_after_a_back_off_until_the_limit(lab):
    lab.apply(JOB % "  backoffLimit: 1")
    lab.run(1)
    set_pod(lab, pods(lab)[0]["metadata"]["name"], phase="Failed", ready=False)
    lab.run(5)
    assert len(pods(lab)) == 1  # the replacement waits the 10 s pod failure back-off
    lab.run(6)
    assert len(pods(lab)) == 2
    second = [p for p in pods(lab) if p["status"].get("phase") != "Failed"][0]
    set_pod(lab, second["metadata"]["name"], phase="Failed", ready=False)
    lab.run(1)
    assert conditions(lab) == [
        ("FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
        ("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit")]
    assert job_status(lab)["failed"] == 2
    assert ("Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit") in events_of(lab, "Job",
                                                                                                          "pi")


def test_active_deadline_fails_the_job_and_deletes_its_pods(lab):
    lab.apply(JOB % "  activeDeadlineSeconds: 30")
    lab.run(1)
    set_pod(lab, pods(lab)[0]["metadata"]["name"])
    lab.run(29.5)
    assert conditions(lab) == [("FailureTarget", "True", "DeadlineExceeded",
                                "Job was active longer than specified deadline"),
                               ("Failed", "True", "DeadlineExceeded", "Job was active longer than specified deadline")]
    assert pods(lab) == []


def test_indexed_pods_carry_their_index(lab):
    lab.apply(JOB % "  completions: 3\n  parallelism: 3\n  completionMode: Indexed")
    lab.run(1)
    got = {p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]: p for p in pods(lab)}
    assert sorted(got) == ["0", "1", "2"]
    p1 = got["1"]
    assert p1["metadata"]["name"].startswith("pi-1-") and p1["spec"]["hostname"] == "pi-1"
    assert p1["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"] == "1"
    assert {"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
        "apiVersion": "v1", "fieldPath": "metadata.annotations['batch.kubernetes.io/job-completion-index']"}}} in \
        p1["spec"]["containers"][0]["env"]
    set_pod(lab, got["0"]["metadata"]["name"], phase="Succeeded", ready=False)
    set_pod(lab, got["2"]["metadata"]["name"], phase="Succeeded", ready=False)
    lab.run(1)
    assert job_status(lab)["completedIndexes"] == "0,2"


def test_suspend_and_resume(lab):
    lab.apply(JOB % "  suspend: true")
    lab.run(1)
    assert pods(lab) == []
    assert conditions(lab) == [("Suspended", "True", "JobSuspended", "Job suspended")]
    lab.apply((JOB % "  suspend: false"))
    lab.run(1)
    assert len(pods(lab)) == 1
    assert conditions(lab) == [("Suspended", "False", "JobResumed", "Job resumed")]
    # upstream: manageJob creates the pods, then the Resumed condition and event follow
    assert [e[1] for e in events_of(lab, "Job", "pi")] == ["Suspended", "SuccessfulCreate", "Resumed"]


def test_plan_is_pure():
    job = {"metadata": {"name": "pi", "uid": "j1"}, "spec": {"completions": 1, "parallelism": 1, "backoffLimit": 6,
                                                             "template": {"spec": {}}}, "status": {}}
    before = repr(job)
    plan_job(job, [], set(), 0.0)
    assert repr(job) == before
