"""Rollout drawings: clients' success rate during a rollout, and a rolling update's pods over time."""

from __future__ import annotations

import numpy as np

__all__ = ["draw_availability", "draw_rollout_counts", "draw_pods_at", "COLORS"]

#: one colour per pod state, shared by the plots and the widget
COLORS = {"old_ready": "#4c6ef5", "old_not_ready": "#bac8ff", "new_ready": "#2f9e44", "new_not_ready": "#b2f2bb",
          "terminating": "#ced4da"}
_LABELS = {"old_ready": "old, ready", "old_not_ready": "old, not ready", "new_ready": "new, ready",
           "new_not_ready": "new, not ready", "terminating": "terminating"}


def draw_availability(runs, ax=None, bucket: float = 1.0):
    """One panel per :class:`~k8slab.experiments.RolloutRun`: the share of requests that succeeded in each
    ``bucket`` of time, from the rollout's start (``kubectl set image`` at 0 s); failed requests are red ticks.

    ``ax`` may be one Axes (a single run) or a sequence with one Axes per run; returns the Axes used.
    """
    import matplotlib.pyplot as plt

    runs = list(runs) if isinstance(runs, (list, tuple)) else [runs]
    if ax is None:
        _, ax = plt.subplots(len(runs), 1, figsize=(10, 1.7 * len(runs) + 0.6), sharex=True, squeeze=False)
        axes = list(ax[:, 0])
    else:
        axes = list(np.atleast_1d(ax))
    end = max(float(r.traffic.times[-1]) - r.started_at for r in runs) if runs else 1.0
    for a, run in zip(axes, runs):
        t = run.traffic
        starts, rate, _n = t.buckets(bucket)
        x = starts - run.started_at
        a.step(x, 100 * rate, where="post", color="#1971c2", lw=1.6)
        a.fill_between(x, 100 * rate, 100, step="post", color="#ffc9c9", alpha=0.8)
        bad = t.times[~t.ok] - run.started_at
        a.plot(bad, np.full(bad.size, 3.0), "|", color="#e03131", ms=8)
        a.axvline(0, color="#495057", lw=1, ls="--")
        a.axvline(run.finished_at - run.started_at, color="#2f9e44", lw=1, ls="--")
        a.set_ylim(-5, 108)
        a.set_yticks([0, 50, 100], ["0%", "50%", "100%"])
        a.set_xlim(x[0] if x.size else -5, end)
        a.set_title(f"{run.label}: {t.failed} of {t.sent} requests failed, longest outage "
                    f"{t.longest_outage():.1f} s", fontsize=9, loc="left")
    axes[-1].set_xlabel(f"seconds since kubectl set image (success rate per {bucket:g} s; red ticks: failed "
                        "requests; dashed: rollout start and end)")
    return axes if len(axes) > 1 else axes[0]


def draw_rollout_counts(timeline, ax=None, at: float | None = None):
    """Pods of a rolling update over time, stacked by state; lines at ``replicas + maxSurge`` (most pods) and
    ``replicas - maxUnavailable`` (fewest ready). ``timeline`` is a :class:`~k8slab.experiments.RolloutTimeline`
    (or a RolloutRun); ``at`` draws a cursor. Returns ``ax``.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.6))
    c = timeline.counts
    t0 = timeline.started_at
    end = max(timeline.finished_at - t0 + 3, 5.0)
    x = np.append(c.times - t0, end)
    keys = ["old_ready", "old_not_ready", "new_not_ready", "new_ready", "terminating"]
    ys = [np.append(getattr(c, k), getattr(c, k)[-1]) for k in keys]
    ax.stackplot(x, *ys, step="post", colors=[COLORS[k] for k in keys], labels=[_LABELS[k] for k in keys])
    replicas = getattr(timeline, "replicas", None)
    if replicas is not None:
        top, low = replicas + timeline.max_surge, replicas - timeline.max_unavailable
        ax.axhline(top, color="#e8590c", lw=1.2, ls="--")
        ax.text(0.2, top + 0.15, f"replicas + maxSurge = {top}", color="#e8590c", va="bottom", fontsize=8,
                bbox={"facecolor": "white", "alpha": 0.8, "lw": 0})
        ax.axhline(low, color="#862e9c", lw=1.2, ls=":")
        ax.text(0.2, low - 0.15, f"replicas - maxUnavailable = {low}", color="#862e9c", va="top", fontsize=8,
                bbox={"facecolor": "white", "alpha": 0.8, "lw": 0})
        ax.step(x, np.append(c.ready, c.ready[-1]), where="post", color="black", lw=1.2, label="ready (old + new)")
    if at is not None:
        ax.axvline(at, color="black", lw=1)
    ax.set_xlim(0, end)
    ax.set_ylim(0, max(int((c.total).max()) + 2, 3))
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("seconds since the new template was applied")
    ax.set_ylabel("pods")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 0.8), fontsize=8, frameon=False)
    ax.set_title("A rolling update, as the Deployment and ReplicaSet controllers step it", fontsize=10)
    return ax


def draw_pods_at(timeline, t: float, ax=None):
    """The pods at ``t`` seconds into the rollout, one square each, coloured by state (the widget's picture)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 1.3))
    counts = timeline.counts.at(timeline.started_at + t)
    i = 0
    for key in ("old_ready", "old_not_ready", "terminating", "new_not_ready", "new_ready"):
        for _ in range(counts[key]):
            ax.add_patch(Rectangle((i * 1.1, 0), 1, 1, color=COLORS[key], ec="#343a40", lw=0.6))
            i += 1
    width = max(i, getattr(timeline, "replicas", 1) + getattr(timeline, "max_surge", 0) + 2) * 1.1
    ax.set_xlim(-0.2, width)
    ax.set_ylim(-0.1, 1.1)
    ax.set_aspect("equal")
    ax.axis("off")
    ready = counts["old_ready"] + counts["new_ready"]
    ax.set_title(f"t = {t:.1f} s: {i} pods, {ready} ready ({counts['new_ready']} new), "
                 f"{counts['terminating']} terminating", fontsize=9, loc="left")
    return ax
