"""Chapter 03 widget: tune a slow app's probes (period, threshold, initial delay, startup probe) and see its fate."""

from __future__ import annotations

import html
from functools import lru_cache

__all__ = ["probe_tuning_widget", "timeline_png", "job_widget"]


def timeline_png(outcome) -> bytes:
    """PNG of :func:`k8slab.plot.lifecycle.draw_pod_timeline` for a :class:`~k8slab.experiments.ProbeOutcome`."""
    import io

    import matplotlib.pyplot as plt

    from k8slab.plot.lifecycle import draw_pod_timeline

    fig, ax = plt.subplots(figsize=(10, 1.6))
    try:
        draw_pod_timeline(outcome.watch, ["slow"], ax=ax)
        ax.axvline(outcome.startup_seconds, color="#1971c2", ls="--", lw=1)
        ax.set_title(f"the app listens {outcome.startup_seconds:g} s after each start (dashed: the first start)",
                     fontsize=9, loc="left")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=72, bbox_inches="tight")
    finally:
        plt.close(fig)
    return buf.getvalue()


@lru_cache(maxsize=128)
def _outcome(startup, period, threshold, delay, startup_probe):
    from k8slab.experiments.lifecycle import probe_outcome

    return probe_outcome(startup, period, threshold, delay, startup_probe)


def probe_tuning_widget(startup_seconds: int = 45, period: int = 10, failure_threshold: int = 3,
                        initial_delay: int = 0, startup_probe: bool = False):
    """Sliders for the app's start-up time and its liveness/readiness probe; a checkbox adds a startup probe.

    Each change starts the pod in a fresh lab for 5 simulated minutes (results are cached). ``w.result`` is the
    :class:`~k8slab.experiments.ProbeOutcome` shown.
    """
    import ipywidgets as w

    start = w.IntSlider(value=startup_seconds, min=0, max=120, step=5, description="app start-up (s)",
                        style={"description_width": "initial"}, continuous_update=False)
    per = w.IntSlider(value=period, min=1, max=30, description="periodSeconds", continuous_update=False,
                      style={"description_width": "initial"})
    thr = w.IntSlider(value=failure_threshold, min=1, max=10, description="failureThreshold",
                      continuous_update=False, style={"description_width": "initial"})
    delay = w.IntSlider(value=initial_delay, min=0, max=120, step=5, description="initialDelaySeconds",
                        continuous_update=False, style={"description_width": "initial"})
    guard = w.Checkbox(value=startup_probe, description="startupProbe (failureThreshold 30)")
    verdict = w.HTML()
    picture = w.Image(format="png")
    box = w.VBox([w.HBox([start, per]), w.HBox([thr, delay]), guard, verdict, picture])

    def update(_=None):
        o = box.result = _outcome(start.value, per.value, thr.value, delay.value, guard.value)
        color = "#2b8a3e" if o.ready_at is not None and o.restarts == 0 else "#c92a2a"
        verdict.value = f'<b style="color:{color}">{html.escape(o.verdict)}</b>'
        picture.value = timeline_png(o)

    for c in (start, per, thr, delay, guard):
        c.observe(update, names="value")
    update()
    return box


@lru_cache(maxsize=128)
def _job(completions, parallelism, seconds):
    from k8slab.experiments.batch import run_job

    return run_job(completions, parallelism, seconds)


def _gantt_png(run) -> bytes:
    import io

    import matplotlib.pyplot as plt

    from k8slab.plot.batch import draw_job_gantt

    fig, ax = plt.subplots(figsize=(10, 0.9 + 0.3 * max(run.completions, 1)))
    try:
        draw_job_gantt(run.watch, "work", ax=ax, parallelism=run.parallelism)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=72, bbox_inches="tight")
    finally:
        plt.close(fig)
    return buf.getvalue()


def job_widget(completions: int = 8, parallelism: int = 3, seconds: int = 10):
    """Chapter 20: a Job's completions, parallelism and work per pod; its pods as a Gantt chart.

    Each change runs the Job in a fresh lab (results cached); ``w.result`` is the
    :class:`~k8slab.experiments.JobRun` shown (:func:`k8slab.experiments.run_job`).
    """
    import ipywidgets as w

    comp = w.IntSlider(value=completions, min=1, max=16, description="completions", continuous_update=False)
    par = w.IntSlider(value=parallelism, min=1, max=16, description="parallelism", continuous_update=False)
    secs = w.IntSlider(value=seconds, min=1, max=60, description="work (s)", continuous_update=False)
    summary = w.HTML()
    picture = w.Image(format="png")
    box = w.VBox([w.HBox([comp, par, secs]), summary, picture])

    def update(_=None):
        run = box.result = _job(comp.value, par.value, secs.value)
        waves = -(-run.completions // run.parallelism)
        summary.value = (f"{run.status} in <b>{run.duration:.1f} s</b>: {waves} wave(s) of at most "
                         f"{run.parallelism} pods, {run.seconds:g} s of work each, plus start-up")
        picture.value = _gantt_png(run)

    for c in (comp, par, secs):
        c.observe(update, names="value")
    update()
    return box
