"""Batch and stateful experiments: Job pods in waves, Job and CronJob records, StatefulSet identity and scaling."""

import math

import pytest

import k8slab as kl
from k8slab.experiments import JobWatch, PodWatch, job_pods, run_job, scale_statefulset, stateful_identity


@pytest.mark.parametrize("completions, parallelism", [(8, 3), (6, 2), (4, 4), (5, 1)],
                         ids=["8 at 3: three waves", "6 at 2: three waves", "4 at 4: one wave", "5 at 1: in series"])
def test_a_job_runs_in_waves_of_at_most_parallelism(completions, parallelism):
    run = run_job(completions, parallelism, 10)
    assert run.status == "Complete" and run.most_running == parallelism
    waves = math.ceil(completions / parallelism)
    assert waves * 10 <= run.duration < waves * 10 + 1  # plus a moment to schedule and pull, per wave
    assert sorted(s.index for s in job_pods(run.watch, "work")) == [str(i) for i in range(completions)]


def test_failed_pods_are_replaced_after_a_growing_back_off():
    # upstream: pkg/controller/job/backoff_utils.go: DefaultJobPodFailureBackOff 10 s, doubling
    lab = kl.Cluster.from_preset("aks-3node")
    watch = PodWatch(lab)
    lab.apply("data/manifests/20-batch-and-workflows/flaky.yaml")
    lab.run(150)
    spans = job_pods(watch, "flaky")
    gaps = [round(b.created - a.ended) for a, b in zip(spans, spans[1:])]
    assert gaps == [10, 20, 40] and len(spans) == 4  # backoffLimit 3: the first pod and 3 retries


def test_cronjob_policies_overlap_wait_or_replace():
    lab = kl.Cluster.from_preset("aks-3node")
    jobs = JobWatch(lab)
    lab.apply("data/manifests/20-batch-and-workflows/cronjobs.yaml")
    lab.run(600)
    allow, forbid, replace = (jobs.of(f"report-{p}") for p in ("allow", "forbid", "replace"))
    assert any(b.created < a.finished for a, b in zip(allow, allow[1:]))  # Allow: runs overlap
    assert all(a.finished <= b.created for a, b in zip(forbid, forbid[1:]))  # Forbid: never two at once
    assert all(r.replaced for r in replace[:-1]) and not any(r.outcome == "Complete" for r in replace)
    # successfulJobsHistoryLimit 3: older finished Jobs are deleted
    assert sum(1 for r in allow if r.outcome == "Complete" and r.deleted is None) == 3


def test_a_statefulset_scales_up_in_order_and_down_in_reverse():
    up = scale_statefulset(1, 3)
    pending = [r.name for r in up.watch.rows if r.status == "Pending"]
    assert pending == ["db-1", "db-2"]
    first_ready = {r.name: r.time for r in reversed(up.watch.rows) if r.ready == "1/1"}
    created = {r.name: r.time for r in reversed(up.watch.rows) if r.status == "Pending"}
    assert created["db-2"] >= first_ready["db-1"]  # OrderedReady: the next one only once this one is Ready
    down = scale_statefulset(3, 1)
    assert [r.name for r in down.watch.rows if r.status == "Terminating" and r.ready == "1/1"] == ["db-2", "db-1"]
    assert down.claims == ["data-db-0", "data-db-1", "data-db-2"]


def test_parallel_creates_every_pod_at_once():
    run = scale_statefulset(0, 3, "Parallel")
    assert len({r.time for r in run.watch.rows if r.status == "Pending"}) == 1


def test_identity_names_the_primary_and_the_stable_dns_names():
    lab = kl.Cluster.from_preset("aks-3node")
    lab.apply("data/storageclasses/aks.yaml")
    lab.apply("data/manifests/07-stateful-apps/db.yaml")
    lab.run(60)
    ids = stateful_identity(lab, "db")
    assert [(r.ordinal, r.dns, r.claims, r.role) for r in ids] == [
        (0, "db-0.db.default.svc.cluster.local", ("data-db-0",), "primary"),
        (1, "db-1.db.default.svc.cluster.local", ("data-db-1",), "replica of db-0.db"),
        (2, "db-2.db.default.svc.cluster.local", ("data-db-2",), "replica of db-0.db"),
    ]
    assert all(r.ip for r in ids)


def test_scale_statefulset_rejects_an_unknown_policy():
    with pytest.raises(ValueError, match='podManagementPolicy must be "OrderedReady" or "Parallel"'):
        scale_statefulset(1, 2, "Random")
