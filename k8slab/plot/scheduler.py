"""Scheduler drawings: the scheduling cycle, a report as a nodes x plugins heatmap, spread vs bin-pack, node sampling."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["HeatmapData", "report_heatmap_data", "draw_report", "draw_utilization", "draw_sampling",
           "draw_scheduling_cycle", "CYCLE_STEPS"]

_PASS, _FAIL, _NOT_RUN = "#b7e4c7", "#ffa8a8", "#eeeeee"

#: the extension points of one scheduling attempt, in order (upstream: pkg/scheduler/framework/interface.go);
#: the second element says which cycle each belongs to
CYCLE_STEPS = (
    ("Sort", "queue"), ("PreFilter", "scheduling"), ("Filter", "scheduling"), ("PostFilter", "scheduling"),
    ("PreScore", "scheduling"), ("Score", "scheduling"), ("NormalizeScore", "scheduling"), ("Reserve", "scheduling"),
    ("Permit", "scheduling"), ("PreBind", "binding"), ("Bind", "binding"), ("PostBind", "binding"),
)


@dataclass
class HeatmapData:
    """A :class:`~k8slab.scheduler.SchedulingReport` as a grid: one row per node, one column per plugin.

    ``kinds[j]`` is "filter", "score" or "total"; ``cells[i][j]`` is "pass" / "fail" / "not run" for filter
    columns and the normalized score (0-100, None when the node was not scored) for score columns; the total
    column holds the weighted sum. ``text[i][j]`` is what the cell shows.
    """

    nodes: list[str]
    columns: list[str]
    kinds: list[str]
    cells: list[list]
    text: list[list[str]]
    selected: int | None


def report_heatmap_data(report) -> HeatmapData:
    """The heatmap's grid, without drawing: filters in the order they ran, then score plugins, then the total.

    A filter that rejects a node stops the others for that node (upstream: framework/runtime RunFilterPlugins),
    so cells after the failing one are "not run".

    Examples
    --------
    >>> from k8slab.scheduler import Scheduler
    >>> s = Scheduler()
    >>> s.add_node({"metadata": {"name": "big"}, "status": {"allocatable": {"cpu": "4", "pods": "110"}}})
    >>> s.add_node({"metadata": {"name": "small"}, "status": {"allocatable": {"cpu": "1", "pods": "110"}}})
    >>> d = report_heatmap_data(s.explain({"metadata": {"name": "web"}, "spec": {"containers": [
    ...     {"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "2"}}}]}}))
    >>> fit = d.columns.index("NodeResourcesFit")
    >>> d.nodes, d.cells[1][fit], d.text[1][fit], d.cells[1][-1], d.text[0][-1]
    (['big', 'small'], 'fail', 'Insufficient cpu', None, ' ★')
    """
    filters, scores = list(report.filter_plugins), list(report.score_plugins)
    columns = filters + scores + ["total"]
    kinds = ["filter"] * len(filters) + ["score"] * len(scores) + ["total"]
    nodes = list(report.nodes)
    cells, text = [], []
    for name in nodes:
        v = report.nodes[name]
        row, row_text = [], []
        failed_at = filters.index(v.plugin) if (not v.passed and v.plugin in filters) else None
        for j, _p in enumerate(filters):
            if failed_at is None or j < failed_at:
                row.append("pass")
                row_text.append("✓")
            elif j == failed_at:
                row.append("fail")
                row_text.append(v.reason)
            else:
                row.append("not run")
                row_text.append("")
        for p in scores:
            s = v.scores.get(p)
            row.append(s)
            row_text.append("" if s is None else f"{s}×{report.weights.get(p, 1)}")
        row.append(v.total)
        star = " ★" if name == report.selected else ""
        row_text.append((str(v.total) if v.total is not None else "") + star)
        cells.append(row)
        text.append(row_text)
    selected = nodes.index(report.selected) if report.selected in nodes else None
    return HeatmapData(nodes, columns, kinds, cells, text, selected)


def draw_report(report, ax=None, title: str | None = None, max_nodes: int = 30):
    """Draw a scheduling report: filter verdicts (green pass, red fail), scores (blue, 0-100) and totals.

    The selected node's row is outlined; a ★ marks its total. Returns the matplotlib Axes.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from k8slab.cluster import Cluster
    >>> from k8slab.scheduler.experiments import what_if_pod
    >>> ax = draw_report(Cluster.from_preset("aks-3node").scheduler.explain(what_if_pod("web", cpu="4")))
    >>> ax.get_title()
    'default/web Pending: no node fits'
    """
    import textwrap

    import matplotlib.pyplot as plt
    from matplotlib import colormaps
    from matplotlib.patches import Rectangle

    d = report_heatmap_data(report)
    rows = min(len(d.nodes), max_nodes)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.0 + 1.15 * len(d.columns), 0.9 + 0.5 * rows))
    blues = colormaps["Blues"]
    totals = [c[-1] for c in d.cells if c[-1] is not None]
    tmax = max(totals) if totals else 1
    for i in range(rows):
        for j, kind in enumerate(d.kinds):
            c = d.cells[i][j]
            if kind == "filter":
                color = {"pass": _PASS, "fail": _FAIL}.get(c, _NOT_RUN)
            elif c is None:
                color = "#ffffff"
            else:
                color = blues(0.15 + 0.7 * (c / 100 if kind == "score" else c / max(tmax, 1)))
            ax.add_patch(Rectangle((j, i), 1, 1, facecolor=color, edgecolor="white", linewidth=1.5))
            label = d.text[i][j]
            if kind == "filter" and c == "fail":
                label = "\n".join(textwrap.wrap(label, 20)[:3])
            dark = kind != "filter" and c is not None and (c / 100 if kind == "score" else c / max(tmax, 1)) > 0.55
            ax.text(j + 0.5, i + 0.5, label, ha="center", va="center",
                    fontsize=(6.5 if c == "fail" else 8) if kind == "filter" else 8.5,
                    color="white" if dark else "#222222", weight="bold" if j == len(d.columns) - 1 else "normal")
    if d.selected is not None and d.selected < rows:
        ax.add_patch(Rectangle((0, d.selected), len(d.columns), 1, fill=False, edgecolor="#e67700", linewidth=2.5))
    nf = d.kinds.count("filter")
    ax.axvline(nf, color="#444444", linewidth=1.5)
    ax.axvline(len(d.columns) - 1, color="#444444", linewidth=1.0)
    ax.set_xlim(0, len(d.columns))
    ax.set_ylim(rows, 0)
    ax.set_xticks([j + 0.5 for j in range(len(d.columns))])
    ax.set_xticklabels(d.columns, rotation=35, ha="right", fontsize=8)
    ax.set_yticks([i + 0.5 for i in range(rows)])
    ax.set_yticklabels(d.nodes[:rows], fontsize=8)
    ax.tick_params(length=0)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.text(nf / 2, -0.25, "Filter (stops at the first failure)", ha="center", va="bottom", fontsize=9)
    if len(d.columns) - 1 > nf:
        ax.text((nf + len(d.columns) - 1) / 2, -0.25, "Score (normalized × weight)", ha="center", va="bottom",
                fontsize=9)
    verdict = f"→ {report.selected}" if report.selected else "Pending: no node fits"
    ax.set_title(title or f"{report.pod} {verdict}", fontsize=10, pad=28)
    if len(d.nodes) > rows:
        ax.set_xlabel(f"first {rows} of {len(d.nodes)} nodes", fontsize=8)
    return ax


def draw_utilization(runs, ax=None, resource: str = "cpu"):
    """Requested CPU (or memory) per node under each scoring strategy: grouped bars, nodes used in the legend.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from k8slab.scheduler.experiments import compare_scoring_strategies, preset_nodes, what_if_pod
    >>> runs = compare_scoring_strategies(preset_nodes("aks-3node"), [what_if_pod(f"p{i}", cpu="500m") for i in range(3)])
    >>> [t.get_text() for t in draw_utilization(runs).get_legend().get_texts()]
    ['LeastAllocated: 3 of 3 nodes used', 'MostAllocated: 1 of 3 nodes used']
    """
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.6))
    nodes = runs[0].nodes
    x = np.arange(len(nodes))
    width = 0.8 / len(runs)
    colors = ("#4c6ef5", "#f08c00", "#2b8a3e", "#c2255c")
    for k, run in enumerate(runs):
        values = 100 * (run.cpu if resource == "cpu" else run.memory)
        ax.bar(x - 0.4 + width * (k + 0.5), values, width, color=colors[k % len(colors)],
               label=f"{run.strategy}: {run.nodes_used} of {len(run.nodes)} nodes used")
    ax.set_xticks(x)
    ax.set_xticklabels([n.rsplit("-", 1)[-1] for n in nodes], fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel(f"{resource} requested (% of allocatable)")
    ax.set_xlabel("node")
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title("Same workload, two NodeResourcesFit scoring strategies", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    return ax


def draw_sampling(effect, ax=None):
    """Nodes scored per pod (bars) and score given up (line) for each percentageOfNodesToScore.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from k8slab.scheduler.experiments import sampling_effect
    >>> ax = draw_sampling(sampling_effect(nodes=150, pods=3, percentages=(None, 100)))
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['adaptive (66%)', '100%']
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6))
    labels = [r.label for r in effect.rows]
    x = range(len(labels))
    ax.bar(x, [r.scored for r in effect.rows], color="#74c0fc", label="nodes scored per pod")
    ax.set_ylim(0, 1.3 * max(r.scored for r in effect.rows))
    ax.set_ylabel("nodes scored per pod")
    ax.set_xticks(list(x))
    ax.set_xticklabels(labels)
    ax.set_xlabel("percentageOfNodesToScore")
    right = ax.twinx()
    right.plot(list(x), [r.score_lost for r in effect.rows], color="#e8590c", marker="o",
               label="score given up (best total − chosen total)")
    right.set_ylabel("score given up per pod")
    right.set_ylim(0, 1.3 * max(max(r.score_lost for r in effect.rows), 0.1))
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], fontsize=8, loc="upper left")
    ax.set_title(f"{effect.nodes:,} nodes, {effect.pods} pods: sampling trades score for work", fontsize=10)
    return ax


def draw_scheduling_cycle(ax=None, highlight=("Filter", "Score")):
    """The extension points of one scheduling attempt, queue to binding, as boxes on a line.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> len(draw_scheduling_cycle().patches) == len(CYCLE_STEPS)
    True
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    if ax is None:
        _, ax = plt.subplots(figsize=(11, 2.2))
    fill = {"queue": "#e7f5ff", "scheduling": "#fff4e6", "binding": "#ebfbee"}
    n = len(CYCLE_STEPS)
    for i, (name, cycle) in enumerate(CYCLE_STEPS):
        strong = name in highlight
        ax.add_patch(FancyBboxPatch((i + 0.08, 0.3), 0.84, 0.5, boxstyle="round,pad=0.02",
                                    facecolor="#ffd8a8" if strong else fill[cycle],
                                    edgecolor="#e8590c" if strong else "#868e96", linewidth=2 if strong else 1))
        label = "Normalize\nScore" if name == "NormalizeScore" else name
        ax.text(i + 0.5, 0.55, label, ha="center", va="center", fontsize=7.5, weight="bold" if strong else "normal")
        if i < n - 1:
            ax.annotate("", xy=(i + 1.08, 0.55), xytext=(i + 0.92, 0.55),
                        arrowprops={"arrowstyle": "->", "color": "#495057"})
    spans = {}
    for i, (_name, cycle) in enumerate(CYCLE_STEPS):
        spans.setdefault(cycle, [i, i])[1] = i
    for cycle, (a, b) in spans.items():
        ax.plot([a + 0.1, b + 0.9], [0.18, 0.18], color="#868e96", linewidth=1)
        ax.text((a + b + 1) / 2, 0.05, f"{cycle} cycle" if cycle != "queue" else "scheduling queue",
                ha="center", va="center", fontsize=8, color="#495057")
    ax.text(3.5, 0.95, "no node passes Filter → PostFilter tries preemption", ha="center", fontsize=7.5,
            color="#c92a2a")
    ax.set_xlim(0, n)
    ax.set_ylim(0, 1.05)
    ax.axis("off")
    return ax
