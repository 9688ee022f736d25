"""A write request's way through kube-apiserver (the trace of lab.api.last_trace) drawn as a row of stages."""

from __future__ import annotations

__all__ = ["STAGES", "pipeline_stages", "draw_pipeline"]

#: the stages of a write request, in kube-apiserver's order (authn and authz are handler filters,
#: then admission, validation and storage: k8s.io/apiserver/pkg/endpoints/handlers/create.go)
STAGES = ("authentication", "authorization", "mutating admission", "validation", "validating admission", "storage")
_GOOD = {"ok", "allowed", "stored"}


def pipeline_stages(trace) -> list[dict]:
    """Summarise a trace (a list of ``Step``, or anything with ``.steps``) as one entry per stage.

    Each entry has ``stage``, ``state`` (passed, failed, skipped, not reached) and ``details`` (the
    steps' details, e.g. the admission plugins that ran). Stages after a failure are "not reached";
    a stage a request passed without a step (no validating admission plugin configured) is "skipped".

    Examples
    --------
    >>> from k8slab.apiserver.server import Step
    >>> trace = [Step("authentication", "ok", "alice"), Step("authorization", "denied", "forbidden")]
    >>> [(s["stage"], s["state"]) for s in pipeline_stages(trace)][:3]
    [('authentication', 'passed'), ('authorization', 'failed'), ('mutating admission', 'not reached')]
    """
    steps = list(getattr(trace, "steps", trace) or ())
    by_stage: dict[str, list] = {}
    for step in steps:
        by_stage.setdefault(step.stage, []).append(step)
    out, failed = [], False
    last_seen = max((STAGES.index(s.stage) for s in steps if s.stage in STAGES), default=-1)
    for i, stage in enumerate(STAGES):
        got = by_stage.get(stage, [])
        details = [s.detail for s in got if s.detail]
        if failed:
            state = "not reached"
        elif got and any(s.outcome not in _GOOD for s in got):
            state, failed = "failed", True
            details = [f"{s.outcome}: {s.detail}" if s.detail else s.outcome for s in got if s.outcome not in _GOOD]
        elif got:
            state = "passed"
        else:
            state = "skipped" if i < last_seen else "not reached"
        out.append({"stage": stage, "state": state, "details": details})
    return out


_COLORS = {"passed": ("#d8f3dc", "#2b8a3e"), "failed": ("#ffd6d6", "#c92a2a"),
           "skipped": ("#f1f3f5", "#868e96"), "not reached": ("#f8f9fa", "#ced4da")}


def draw_pipeline(trace, ax=None, title: str | None = None, highlight: int | None = None):
    """Draw the stages of a request as boxes left to right, coloured by what happened at each.

    Parameters
    ----------
    trace : list of Step, or a RequestFlow
    ax : matplotlib Axes, optional
    title : str, optional
    highlight : int, optional
        Index of a stage to outline (the widget's current step).

    Returns
    -------
    matplotlib Axes
    """
    import textwrap

    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    stages = pipeline_stages(trace)
    if ax is None:
        _, ax = plt.subplots(figsize=(12, 3.0))
    w, gap = 1.6, 0.45
    for i, s in enumerate(stages):
        x = i * (w + gap)
        face, edge = _COLORS[s["state"]]
        lw = 3.0 if highlight == i else 1.4
        ax.add_patch(FancyBboxPatch((x, 0), w, 1.0, boxstyle="round,pad=0.04", fc=face, ec=edge, lw=lw))
        ax.text(x + w / 2, 0.72, s["stage"].replace(" ", "\n", 1) if len(s["stage"]) > 14 else s["stage"],
                ha="center", va="center", fontsize=9, weight="bold", color="#1f2d3d")
        ax.text(x + w / 2, 0.3, s["state"], ha="center", va="center", fontsize=8, color=edge)
        detail = "\n".join(textwrap.shorten(d, 90) for d in s["details"][:5])
        if detail:
            ax.text(x + w / 2, -0.12, "\n".join(textwrap.fill(line, 26, break_long_words=False) for line in detail.splitlines()),
                    ha="center", va="top", fontsize=6.5, color="#495057")
        if i:
            ax.add_patch(FancyArrowPatch((x - gap + 0.04, 0.5), (x - 0.04, 0.5), arrowstyle="-|>",
                                         mutation_scale=12, color="#868e96"))
    ax.set_xlim(-0.2, len(stages) * (w + gap))
    ax.set_ylim(-1.15, 1.2)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=10)
    return ax
