"""The production-readiness report as a chart: one bar per workload, its score and its findings by severity."""

from __future__ import annotations

__all__ = ["plot_readiness"]


def plot_readiness(report, ax=None, title: str = "Production readiness by workload"):
    """Horizontal bars of each workload's score (0-100), coloured by score, with critical/warning counts.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from k8slab.readiness import ReadinessReport, WorkloadReport
    >>> ax = plot_readiness(ReadinessReport([WorkloadReport("Deployment", "shop", "web", ["pod-probes"])]))
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['shop/deployment/web']
    """
    import matplotlib.pyplot as plt

    rows = list(report)[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.5 * len(rows) + 1.5))
    names = [f"{w.namespace}/{w.workload}" for w in rows]
    scores = [w.score for w in rows]
    colors = ["#2b8a3e" if s >= 90 else "#f59f00" if s >= 60 else "#e03131" for s in scores]
    ax.barh(range(len(rows)), scores, color=colors, height=0.6)
    for i, w in enumerate(rows):
        crit = sum(f.severity == "critical" for f in w.findings)
        warn = sum(f.severity == "warning" for f in w.findings)
        ax.text(min(w.score, 100) + 1, i, f"{w.score}   {crit} critical, {warn} warning", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), names, fontsize=9)
    ax.set_xlim(0, 135)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.axvline(90, color="#adb5bd", linestyle=":", linewidth=1)
    ax.set_xlabel("score (weighted share of checks passed)")
    ax.set_title(title, fontsize=11, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax
