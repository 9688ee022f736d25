"""Chapter 05 widget: step through a rolling update with maxSurge and maxUnavailable sliders, pods counted over time."""

from __future__ import annotations

from functools import lru_cache

__all__ = ["rolling_update_widget", "pods_html", "counts_png", "statefulset_scale_widget"]

_LABELS = {"old_ready": "old, ready", "old_not_ready": "old, not ready", "terminating": "terminating",
           "new_not_ready": "new, not ready", "new_ready": "new, ready"}


def pods_html(timeline, t: float) -> str:
    """The pods ``t`` seconds into the rollout as coloured squares (the colours of :mod:`k8slab.plot.rollout`).

    Examples
    --------
    >>> from k8slab.experiments import rolling_update_timeline
    >>> html = pods_html(rolling_update_timeline(2, 1, 0), 0.0)
    >>> html.count('title="old, ready"'), html.count('title="new, not ready"')
    (2, 1)
    """
    from k8slab.plot.rollout import COLORS

    c = timeline.counts.at(timeline.started_at + t)
    squares = "".join(
        f'<span title="{_LABELS[k]}" style="display:inline-block;width:22px;height:22px;margin:2px;'
        f'background:{COLORS[k]};border:1px solid #343a40"></span>'
        for k in _LABELS for _ in range(c[k]))
    ready = c["old_ready"] + c["new_ready"]
    total = sum(c.values())
    return (f"<div>t = {t:.1f} s: {total} pods, {ready} ready ({c['new_ready']} new), "
            f"{c['terminating']} terminating</div><div>{squares}</div>")


def counts_png(timeline) -> bytes:
    """PNG of :func:`k8slab.plot.rollout.draw_rollout_counts` for ``timeline``."""
    import io

    import matplotlib.pyplot as plt

    from k8slab.plot.rollout import draw_rollout_counts

    fig, ax = plt.subplots(figsize=(10, 3.4))
    try:
        draw_rollout_counts(timeline, ax=ax)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=72, bbox_inches="tight")
    finally:
        plt.close(fig)
    return buf.getvalue()


@lru_cache(maxsize=64)
def _timeline(replicas: int, surge: int, unavailable: int):
    from k8slab.experiments import rolling_update_timeline

    return rolling_update_timeline(replicas, surge, unavailable)


def rolling_update_widget(replicas: int = 10, max_surge: int = 3, max_unavailable: int = 2):
    """Sliders for replicas, maxSurge and maxUnavailable (each change rolls out again in a fresh lab, about
    0.3 s; results are cached) and a time slider that steps through the rollout.

    ``w.result`` is the :class:`~k8slab.experiments.RolloutTimeline` shown;
    :func:`k8slab.experiments.rolling_update_timeline` computes it.
    """
    import ipywidgets as w

    n = w.IntSlider(value=replicas, min=1, max=20, description="replicas")
    surge = w.IntSlider(value=max_surge, min=0, max=20, description="maxSurge")
    unavailable = w.IntSlider(value=max_unavailable, min=0, max=20, description="maxUnavailable")
    when = w.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.5, description="time (s)")
    summary = w.HTML()
    pods = w.HTML()
    chart = w.Image(format="png")
    box = w.VBox([w.HBox([n, surge, unavailable]), summary, when, pods, chart])

    def step(_=None):
        if not box.result.error:
            pods.value = pods_html(box.result, when.value)

    def rerun(_=None):
        tl = box.result = _timeline(n.value, surge.value, unavailable.value)
        if tl.error:
            summary.value = f'<pre style="color:#c92a2a">{tl.error}</pre>'
            pods.value, chart.value = "", b""
            return
        summary.value = (f"maxSurge {tl.max_surge} (rounded up), maxUnavailable {tl.max_unavailable} (rounded "
                         f"down): at most <b>{tl.peak_pods}</b> pods (terminating ones aside), at least "
                         f"<b>{tl.min_ready}</b> ready, {len(tl.events)} scaling steps, done in "
                         f"{tl.finished_at - tl.started_at:.1f} s")
        when.max = max(tl.finished_at - tl.started_at + 2, 1.0)
        when.value = min(when.value, when.max)
        chart.value = counts_png(tl)
        step()

    for s in (n, surge, unavailable):
        s.observe(rerun, names="value")
    when.observe(step, names="value")
    rerun()
    return box


@lru_cache(maxsize=64)
def _scale(before: int, after: int, policy: str):
    from k8slab.experiments.stateful import scale_statefulset

    return scale_statefulset(before, after, policy)


def _scale_png(run) -> bytes:
    import io

    import matplotlib.pyplot as plt

    from k8slab.plot.lifecycle import draw_pod_timeline

    names = sorted({r.name for r in run.watch.rows}, key=lambda n: int(n.rsplit("-", 1)[1]))
    fig, ax = plt.subplots(figsize=(10, 0.9 + 0.45 * max(len(names), 1)))
    try:
        draw_pod_timeline(run.watch, names, ax=ax, gaps=False)
        ax.set_title(f"scale {run.before} -> {run.after} ({run.policy})", fontsize=9, loc="left")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=72, bbox_inches="tight")
    finally:
        plt.close(fig)
    return buf.getvalue()


def statefulset_scale_widget(before: int = 3, after: int = 5, policy: str = "OrderedReady"):
    """Chapter 07: scale the ``db`` StatefulSet from one size to another, in order or in parallel.

    Each change runs in a fresh lab (results cached); ``w.result`` is the
    :class:`~k8slab.experiments.ScaleRun` shown (:func:`k8slab.experiments.scale_statefulset`).
    """
    import ipywidgets as w

    frm = w.IntSlider(value=before, min=0, max=6, description="from", continuous_update=False)
    to = w.IntSlider(value=after, min=0, max=6, description="to", continuous_update=False)
    pol = w.ToggleButtons(options=["OrderedReady", "Parallel"], value=policy, description="policy")
    summary = w.HTML()
    picture = w.Image(format="png")
    box = w.VBox([w.HBox([frm, to]), pol, summary, picture])

    def update(_=None):
        run = box.result = _scale(frm.value, to.value, pol.value)
        summary.value = (f"{run.before} -> {run.after} replicas in {run.took:.0f} s; claims: "
                         f"<code>{', '.join(run.claims) or 'none'}</code>")
        picture.value = _scale_png(run) if run.watch.rows else b""

    for c in (frm, to, pol):
        c.observe(update, names="value")
    update()
    return box
