"""Pod lifecycle drawings: the STATUS state machine, and pods' status over time (crash loops, pull back-offs)."""

from __future__ import annotations

__all__ = ["draw_pod_state_machine", "draw_pod_timeline", "status_color", "PHASE_COLORS"]

PHASE_COLORS = {"Pending": "#fff3bf", "Running": "#d3f9d8", "Succeeded": "#d0ebff", "Failed": "#ffe3e3",
                "Terminating": "#e9ecef"}

# where each STATUS sits in the diagram (left to right is the usual way through)
_POS = {
    "Pending": (0, 2), "ContainerCreating": (3, 2), "Init:0/1": (3, 4), "PodInitializing": (6, 4),
    "ErrImagePull": (3, 0), "ImagePullBackOff": (6, 0), "CreateContainerConfigError": (0.4, 0.2),
    "Running": (9, 2), "NotReady (0/1)": (9, 4), "Error / OOMKilled": (12.3, 2), "CrashLoopBackOff": (12.3, 0),
    "Completed": (12.3, 4), "Error": (15, 2), "Terminating": (9, -0.4),
}
# curvature of the edges that would overlap as straight lines
_BEND = {("ErrImagePull", "ImagePullBackOff"): 0.35, ("ImagePullBackOff", "ErrImagePull"): 0.35,
         ("Running", "NotReady (0/1)"): 0.3, ("NotReady (0/1)", "Running"): 0.3}
# label positions where the middle of the edge is crowded: (x, y, horizontal alignment)
_LABEL_AT = {
    ("ContainerCreating", "ErrImagePull"): (3.15, 1.0, "left"),
    ("ContainerCreating", "CreateContainerConfigError"): (1.55, 1.25, "right"),
    ("ErrImagePull", "ImagePullBackOff"): (4.5, -0.55, "center"),
    ("ImagePullBackOff", "ErrImagePull"): (4.5, 0.55, "center"),
    ("PodInitializing", "Running"): (7.0, 3.0, "right"),
    ("Running", "NotReady (0/1)"): (9.45, 3.0, "left"),
    ("NotReady (0/1)", "Running"): (8.55, 3.3, "right"),
    ("Running", "Completed"): (11.0, 3.35, "left"),
    ("Running", "Error / OOMKilled"): (10.6, 2.28, "center"),
    ("Error / OOMKilled", "Error"): (13.75, 1.7, "center"),
    ("Running", "Terminating"): (8.9, 0.55, "right"),
    ("CrashLoopBackOff", "Running"): (10.8, 0.65, "left"),
}


def _edge_point(center, toward, half) -> tuple[float, float]:
    """Where the line from ``center`` to ``toward`` leaves a box of half-size ``half`` around ``center``."""
    (cx, cy), (tx, ty), (hw, hh) = center, toward, half
    dx, dy = tx - cx, ty - cy
    scale = min(hw / abs(dx) if dx else float("inf"), hh / abs(dy) if dy else float("inf"))
    return cx + dx * scale, cy + dy * scale


def draw_pod_state_machine(ax=None):
    """What ``kubectl get pods`` can show in the STATUS column, coloured by pod phase, and what moves a pod from
    one to the next (:data:`k8slab.experiments.lifecycle.POD_STATES`, drawn with networkx)."""
    import matplotlib.pyplot as plt
    import networkx as nx

    from k8slab.experiments.lifecycle import POD_STATES

    if ax is None:
        _, ax = plt.subplots(figsize=(14, 6.4))
    g = nx.MultiDiGraph()
    for name, phase in POD_STATES["nodes"].items():
        g.add_node(name, phase=phase)
    for a, b, label in POD_STATES["edges"]:
        g.add_edge(a, b, label=label)
    boxes = {}
    for n in g:
        x, y = _POS[n]
        t = ax.text(x, y, n, ha="center", va="center", fontsize=9, fontweight="bold", zorder=3,
                    bbox={"boxstyle": "round,pad=0.5", "facecolor": PHASE_COLORS[g.nodes[n]["phase"]],
                          "edgecolor": "#868e96"})
        boxes[n] = t
    ax.set_xlim(-1.6, 16.2)
    ax.set_ylim(-1.0, 5.7)
    renderer = ax.figure.canvas.get_renderer()
    to_data = ax.transData.inverted()
    half = {}
    for n, t in boxes.items():
        t.update_bbox_position_size(renderer)
        (x0, y0), (x1, y1) = to_data.transform(t.get_bbox_patch().get_window_extent(renderer).get_points())
        half[n] = ((x1 - x0) / 2, (y1 - y0) / 2)
    for a, b, data in g.edges(data=True):
        rad = _BEND.get((a, b), 0.0)
        ax.annotate("", xy=_edge_point(_POS[b], _POS[a], half[b]), xytext=_edge_point(_POS[a], _POS[b], half[a]),
                    zorder=2, arrowprops={"arrowstyle": "-|>", "color": "#495057", "lw": 1.1, "shrinkA": 1,
                                          "shrinkB": 1, "connectionstyle": f"arc3,rad={rad}"})
        (x1, y1), (x2, y2) = _POS[a], _POS[b]
        x, y, ha = _LABEL_AT.get((a, b), ((x1 + x2) / 2, (y1 + y2) / 2 + 0.2, "center"))
        ax.text(x, y, data["label"], fontsize=7.2, ha=ha, va="center", color="#343a40", zorder=4,
                bbox={"facecolor": "white", "alpha": 0.9, "lw": 0, "pad": 0.6})
    for i, (phase, color) in enumerate(PHASE_COLORS.items()):
        ax.text(-0.8 + i * 2.6, 5.3, f"phase {phase}" if phase != "Terminating" else "deletionTimestamp set",
                fontsize=8.5, ha="left", va="center", bbox={"boxstyle": "round", "facecolor": color, "lw": 0.5})
    ax.axis("off")
    ax.set_title("A pod's STATUS in kubectl get pods, and what moves it on", fontsize=11)
    return ax


def status_color(status: str, ready: str = "1/1") -> str:
    """The colour of one STATUS in the timelines."""
    if status == "Running":
        got, want = ready.split("/")
        return "#2f9e44" if got == want else "#8ce99a"
    if status in ("CrashLoopBackOff",):
        return "#f08c00"
    if status in ("ImagePullBackOff", "ErrImagePull"):
        return "#9c36b5" if status == "ImagePullBackOff" else "#e64980"
    if status in ("Error", "OOMKilled") or status.startswith("Init:Error") or status.startswith("ExitCode"):
        return "#e03131"
    if status == "Completed":
        return "#1c7ed6"
    if status == "CreateContainerConfigError":
        return "#a0522d"
    if status == "Terminating":
        return "#495057"
    if status == "Pending":
        return "#e9ecef"
    return "#ced4da"  # ContainerCreating, Init:n/m, PodInitializing


def draw_pod_timeline(watch, names=None, ax=None, until: float | None = None, gaps: bool = True):
    """One row per pod: its STATUS over time as coloured bars (from a
    :class:`~k8slab.experiments.lifecycle.PodWatch`), from the first change of these pods.

    With ``gaps``, crash-loop back-offs are labelled with their length, and image pulls are marked (black ticks)
    with the time between one attempt and the next.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from k8slab.kubectl.format import human_duration

    names = list(names) if names is not None else sorted({r.name for r in watch.rows})
    end = watch.lab.now if until is None else until
    t0 = min((r.time for r in watch.rows if r.name in names), default=watch.started_at)
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 0.9 + 0.75 * len(names)))
    seen: dict[str, str] = {}
    span = max(end - t0, 1e-9)
    for i, name in enumerate(names):
        rows = watch.of(name)
        pulls = watch.pulls(name) if any(r.status in ("ErrImagePull", "ImagePullBackOff") for r in rows) else []
        for j, r in enumerate(rows):
            stop = rows[j + 1].time if j + 1 < len(rows) else end
            if stop <= r.time and j + 1 < len(rows):
                continue
            color = status_color(r.status, r.ready)
            label = r.status if r.status != "Running" else ("Running, ready" if color == "#2f9e44"
                                                               else "Running, not ready")
            seen.setdefault(label, color)
            ax.barh(i, max(stop - r.time, span * 0.002), left=r.time - t0, height=0.5, color=color, lw=0)
            if gaps and r.status == "CrashLoopBackOff" and j + 1 < len(rows):
                ax.annotate(human_duration(round(stop - r.time)), ((r.time + stop) / 2 - t0, i - 0.25),
                            xytext=(0, 4 + 9 * (j // 2 % 2)), textcoords="offset points", ha="center",
                            va="bottom", fontsize=7.5, color="#343a40")
        if gaps and pulls:
            ax.plot([p - t0 for p in pulls], [i] * len(pulls), "|", color="black", ms=16, mew=1.5)
            for k, (a, b) in enumerate(zip(pulls, pulls[1:])):
                ax.annotate(human_duration(round(b - a)), ((a + b) / 2 - t0, i - 0.25),
                            xytext=(0, 4 + 9 * (k % 2)), textcoords="offset points", ha="center", va="bottom",
                            fontsize=7.5, color="#343a40")
            seen.setdefault("pull attempt (tick)", "black")
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(len(names) - 0.5, -0.9)
    ax.set_xlim(0, span)
    ax.set_xlabel("seconds since the first of these pods was created")
    ax.legend(handles=[Patch(color=c, label=s) for s, c in seen.items()], loc="upper left",
              bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    return ax
