"""Batch drawings: a Job's pods as a Gantt chart, CronJob runs on a timeline, a workflow's DAG and its schedule."""

from __future__ import annotations

__all__ = ["draw_job_gantt", "draw_cronjob_timeline", "draw_workflow", "draw_workflow_gantt", "STEP_COLORS"]

_POD_COLORS = {"waiting": "#ced4da", "running": "#4c6ef5", "Completed": "#2f9e44", "Error": "#e03131",
               "Deleted": "#495057"}
STEP_COLORS = {"Waiting": "#e9ecef", "Running": "#74c0fc", "Succeeded": "#8ce99a", "Failed": "#ffa8a8",
               "Skipped": "#dee2e6"}


def draw_job_gantt(watch, job: str, ax=None, parallelism: int | None = None):
    """One row per pod of ``job`` (from a :class:`~k8slab.experiments.lifecycle.PodWatch`), in creation order:
    grey while it is created and pulled, blue while it runs, then green (Completed) or red (Error).
    Returns ``ax``; the title says how many ran at most at once.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from k8slab.experiments.batch import job_pods, max_running

    spans = job_pods(watch, job)
    now = watch.lab.now
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 0.8 + 0.38 * max(len(spans), 1)))
    t0 = min((s.created for s in spans), default=watch.started_at)
    end = max([s.ended for s in spans if s.ended is not None] + [t0 + 1])
    for i, s in enumerate(spans):
        start = s.started if s.started is not None else (s.ended if s.ended is not None else now)
        ax.barh(i, start - s.created, left=s.created - t0, color=_POD_COLORS["waiting"], height=0.6, lw=0)
        if s.started is not None:
            stop = s.ended if s.ended is not None else now
            ax.barh(i, stop - s.started, left=s.started - t0, color=_POD_COLORS["running"], height=0.6, lw=0)
        if s.ended is not None:
            color = _POD_COLORS.get(s.status, _POD_COLORS["Error"])
            ax.plot(s.ended - t0, i, "s", color=color, ms=7)
    labels = [f"{s.name}" + (f"  (index {s.index})" if s.index else "") for s in spans]
    ax.set_yticks(range(len(spans)), labels, fontsize=8)
    ax.set_ylim(len(spans) - 0.4, -0.6)
    ax.set_xlim(0, max(end, now if any(s.ended is None for s in spans) else end) - t0 + 1)
    ax.set_xlabel("seconds since the Job's first pod was created")
    most = max_running(spans, now)
    limit = f" (parallelism {parallelism})" if parallelism is not None else ""
    ax.set_title(f"Job {job}: {len(spans)} pods, at most {most} running at once{limit}", fontsize=10)
    ax.legend(handles=[Patch(color=_POD_COLORS["waiting"], label="created, not running yet"),
                       Patch(color=_POD_COLORS["running"], label="running"),
                       Patch(color=_POD_COLORS["Completed"], label="Completed (exit 0)"),
                       Patch(color=_POD_COLORS["Error"], label="Error (exit != 0)")],
              loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    return ax


def draw_cronjob_timeline(jobwatch, cronjobs, ax=None, period: float = 60.0):
    """One band per CronJob: each Job it created as a bar from creation to completion; overlapping Jobs are
    stacked. A cross marks a Job deleted while running (Replace); dotted lines are the schedule times
    (every ``period`` seconds of the lab's clock)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    cronjobs = list(cronjobs)
    now = jobwatch.lab.now
    first = min((r.created for cj in cronjobs for r in jobwatch.of(cj)), default=jobwatch.started_at)
    start = max(jobwatch.started_at, period * (first // period) - period / 2)
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 0.9 + 1.0 * len(cronjobs)))
    colors = {"Complete": "#2f9e44", "Failed": "#e03131", "Running": "#4c6ef5", "Replaced": "#f08c00"}
    for band, cj in enumerate(cronjobs):
        lanes: list[float] = []
        for r in jobwatch.of(cj):
            end = r.finished if r.finished is not None else (r.deleted if r.deleted is not None else now)
            lane = next((k for k, free in enumerate(lanes) if free <= r.created), len(lanes))
            if lane == len(lanes):
                lanes.append(end)
            lanes[lane] = end
            y = band + lane * 0.28 - 0.28
            kind = "Replaced" if r.replaced else r.outcome
            ax.barh(y, end - r.created, left=r.created, height=0.22, color=colors[kind], edgecolor="white", lw=1.5)
            if r.replaced:
                ax.plot(end, y, "x", color="black", ms=7, mew=2)
    t = period * -(-start // period)
    while t <= now:
        ax.axvline(t, color="#adb5bd", ls=":", lw=1)
        t += period
    ax.set_yticks(range(len(cronjobs)), cronjobs)
    ax.set_ylim(len(cronjobs) - 0.3, -0.7)
    ax.set_xlim(start, now)
    ax.set_xlabel(f"simulated seconds (dotted: the schedule, every {period:g} s)")
    ax.legend(handles=[Patch(color=c, label=k) for k, c in colors.items()], loc="upper left",
              bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    ax.set_title("Jobs created by each CronJob (a bar per Job; overlapping Jobs stacked)", fontsize=10)
    return ax


def draw_workflow(wf, ax=None):
    """The workflow's DAG (networkx), generations left to right, each step coloured by its state, with when it ran."""
    import matplotlib.pyplot as plt
    import networkx as nx

    if ax is None:
        _, ax = plt.subplots(figsize=(11, 4))
    levels = wf.levels()
    pos = {}
    for x, level in enumerate(levels):
        for k, n in enumerate(level):
            pos[n] = (x * 2.6, (len(level) - 1) / 2 - k)
    nx.draw_networkx_edges(wf.graph, pos, ax=ax, arrows=True, arrowstyle="-|>", arrowsize=14, node_size=2600,
                           edge_color="#495057", node_shape="s")
    for n, (x, y) in pos.items():
        when = ""
        if n in wf.started:
            when = f"\n{wf.started[n] - wf.t0:.0f}s - " + (f"{wf.finished[n] - wf.t0:.0f}s" if n in wf.finished
                                                         else "...")
        ax.text(x, y, f"{n}\n{wf.steps[n]}{when}", ha="center", va="center", fontsize=8,
                bbox={"boxstyle": "round,pad=0.5", "facecolor": STEP_COLORS[wf.steps[n]], "edgecolor": "#868e96"})
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 1.2, max(xs) + 1.2)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.axis("off")
    ax.set_title(f"workflow {wf.workflow}: {wf.phase}", fontsize=10)
    return ax


def draw_workflow_gantt(wf, ax=None):
    """Each step as a bar from when its Job was created to when it finished; the critical path in bold."""
    import matplotlib.pyplot as plt

    steps = sorted(wf.started, key=lambda n: (wf.started[n], n))
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 0.8 + 0.45 * max(len(steps), 1)))
    critical = set(wf.critical_path())
    now = wf.lab.now
    for i, n in enumerate(steps):
        end = wf.finished.get(n, now)
        ax.barh(i, end - wf.started[n], left=wf.started[n] - wf.t0, height=0.55,
                color=STEP_COLORS[wf.steps[n]], edgecolor="black" if n in critical else "#868e96",
                lw=2.2 if n in critical else 0.8)
    ax.set_yticks(range(len(steps)), steps)
    ax.set_ylim(len(steps) - 0.4, -0.6)
    ax.set_xlim(0, max([wf.finished.get(n, now) for n in steps] + [wf.t0 + 1]) - wf.t0 + 1)
    ax.set_xlabel("seconds since the workflow started (bold: the critical path)")
    ax.set_title("when each step ran", fontsize=10)
    return ax
