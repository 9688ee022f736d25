"""Batch experiments: a recorder of Jobs (created, finished, replaced, cleaned up) and of a Job's pods over time."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["JobRecord", "JobWatch", "PodSpan", "job_pods", "max_running", "JobRun", "run_job"]


@dataclass
class JobRecord:
    """One Job's life: when it was created and finished, how it ended, and when its object was deleted."""

    name: str
    owner: str  # the CronJob that created it, "" otherwise
    created: float
    finished: float | None = None
    outcome: str = "Running"  # Running | Complete | Failed
    deleted: float | None = None

    @property
    def replaced(self) -> bool:
        """Deleted while it was still running (concurrencyPolicy: Replace, or a person)."""
        return self.deleted is not None and self.outcome == "Running"


class JobWatch:
    """Records every Job of ``namespace`` from now on (``records``: name -> :class:`JobRecord`)."""

    def __init__(self, lab, namespace: str = "default"):
        self.lab = lab
        self.namespace = namespace
        self.records: dict[str, JobRecord] = {}
        self.started_at = lab.now
        lab.api.watch(lab.api.resource("jobs"), self._seen)

    def _seen(self, event: str, job: dict) -> None:
        meta = job.get("metadata") or {}
        if meta.get("namespace") != self.namespace:
            return
        rec = self.records.get(meta["name"])
        if rec is None:
            owner = next((o.get("name", "") for o in meta.get("ownerReferences") or () if o.get("kind") == "CronJob"),
                         "")
            rec = self.records[meta["name"]] = JobRecord(meta["name"], owner, self.lab.now)
        if event == "DELETED":
            rec.deleted = self.lab.now
            return
        true = {c.get("type") for c in (job.get("status") or {}).get("conditions") or () if c.get("status") == "True"}
        for cond in ("Complete", "Failed"):
            if cond in true and rec.outcome == "Running":
                rec.outcome, rec.finished = cond, self.lab.now

    def of(self, owner: str) -> list[JobRecord]:
        """The Jobs a CronJob created, oldest first."""
        return sorted((r for r in self.records.values() if r.owner == owner), key=lambda r: (r.created, r.name))

    def __repr__(self) -> str:
        from k8slab.kubectl.format import tabwriter

        rows = ["JOB\tCRONJOB\tCREATED\tFINISHED\tOUTCOME\tDELETED"]
        for r in sorted(self.records.values(), key=lambda r: (r.created, r.name)):
            fin = f"{r.finished - self.started_at:.0f}s" if r.finished is not None else "-"
            dele = f"{r.deleted - self.started_at:.0f}s" if r.deleted is not None else "-"
            outcome = "Replaced" if r.replaced else r.outcome
            rows.append(f"{r.name}\t{r.owner or '-'}\t{r.created - self.started_at:.0f}s\t{fin}\t{outcome}\t{dele}")
        return tabwriter(rows, padding=3).rstrip("\n")


@dataclass
class PodSpan:
    """One pod of a Job: created, running from ``started`` to ``ended``, and how it ended."""

    name: str
    index: str
    created: float
    started: float | None
    ended: float | None
    status: str


def job_pods(watch, job: str) -> list[PodSpan]:
    """The pods of ``job`` from a :class:`~k8slab.experiments.lifecycle.PodWatch`, in the order they were created.

    A pod is running from its first ``Running`` line to its first ``Completed``/``Error`` line (or until it was
    deleted, or now). For Indexed Jobs ``index`` is the completion index in the pod's name.
    """
    spans = []
    names = []
    for r in watch.rows:
        if r.name.startswith(f"{job}-") and r.name not in names:
            names.append(r.name)
    for name in names:
        rows = watch.of(name)
        started = next((r.time for r in rows if r.status == "Running"), None)
        end_row = next((r for r in rows if r.status in ("Completed", "Error", "OOMKilled", "DeadlineExceeded")
                        or r.status.startswith("ExitCode")), None)
        gone = watch.gone.get(name)
        ended = end_row.time if end_row is not None else gone
        status = end_row.status if end_row is not None else ("Deleted" if gone is not None else rows[-1].status)
        middle = name[len(job) + 1:].rsplit("-", 1)[0]
        spans.append(PodSpan(name, middle if middle.isdigit() else "", rows[0].time, started, ended, status))
    return spans


def max_running(spans: list[PodSpan], now: float) -> int:
    """The most pods running at the same time."""
    points = []
    for s in spans:
        if s.started is not None:
            points += [(s.started, 1), (s.ended if s.ended is not None else now, -1)]
    best = cur = 0
    for _, d in sorted(points, key=lambda p: (p[0], p[1])):
        cur += d
        best = max(best, cur)
    return best


@dataclass
class JobRun:
    """One Job run to its end in a fresh lab: its pods (a PodWatch) and how long it took."""

    completions: int
    parallelism: int
    seconds: float
    watch: object
    duration: float
    status: str

    @property
    def most_running(self) -> int:
        return max_running(job_pods(self.watch, "work"), self.watch.lab.now)

    def __repr__(self) -> str:
        return (f"<JobRun completions={self.completions} parallelism={self.parallelism}: {self.status} in "
                f"{self.duration:.1f} s, at most {self.most_running} pods at once>")


def run_job(completions: int = 8, parallelism: int = 3, seconds: float = 10, indexed: bool = True,
            seed: int = 0) -> JobRun:
    """Run a Job of ``completions`` pods, ``parallelism`` at a time, each working ``seconds``, on ``aks-3node``.

    Examples
    --------
    >>> run_job(6, 2, 10)
    <JobRun completions=6 parallelism=2: Complete in 30.3 s, at most 2 pods at once>
    """
    import k8slab as kl
    from k8slab.experiments.lifecycle import PodWatch

    lab = kl.Cluster.from_preset("aks-3node", seed=seed)
    watch = PodWatch(lab)
    spec = {"completions": completions, "parallelism": parallelism,
            "template": {"metadata": {"annotations": {"k8slab.io/complete-after": str(seconds)}},
                         "spec": {"restartPolicy": "Never",
                                  "containers": [{"name": "worker", "image": "ghcr.io/k8slab/worker:1.0"}]}}}
    if indexed:
        spec["completionMode"] = "Indexed"
    lab.apply({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "work"}, "spec": spec})
    res = lab.api.resource("jobs")
    status = "Running"
    while status == "Running" and lab.now < 24 * 3600:
        lab.run(1)
        job = lab.api.get(res, "default", "work")
        true = {c["type"] for c in (job.get("status") or {}).get("conditions") or () if c.get("status") == "True"}
        status = "Complete" if "Complete" in true else ("Failed" if "Failed" in true else "Running")
    spans = job_pods(watch, "work")
    end = max((s.ended for s in spans if s.ended is not None), default=lab.now)
    return JobRun(completions, parallelism, seconds, watch, end - min(s.created for s in spans), status)
