"""SchedulingReport: per node and per plugin, why a pod went where it went (or stays Pending)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

from .status import Code, Status

__all__ = ["NodeVerdict", "SchedulingReport", "fit_error_message", "NO_NODE_AVAILABLE_MSG"]

# upstream: pkg/scheduler/framework/types.go (NoNodeAvailableMsg, SeparatorFormat)
NO_NODE_AVAILABLE_MSG = "0/{} nodes are available"


def fit_error_message(num_all_nodes: int, statuses: list[Status], pre_filter_msg: str = "",
                      post_filter_msg: str = "", absent: Status | None = None) -> str:
    """The FailedScheduling message: a sorted histogram of filter reasons, then PostFilter's message.

    upstream: pkg/scheduler/framework/types.go FitError.Error

    Parameters
    ----------
    num_all_nodes : int
        Number of nodes in the snapshot.
    statuses : list of Status
        The failing status of each evaluated node.
    pre_filter_msg, post_filter_msg : str
        Messages from PreFilter (replaces the histogram) and PostFilter (preemption).
    absent : Status, optional
        Status counted for nodes not in ``statuses``.

    Examples
    --------
    >>> s = [Status(Code.Unschedulable, "Insufficient cpu")] + 2 * [
    ...     Status(Code.UnschedulableAndUnresolvable, "node(s) had untolerated taint(s)")]
    >>> fit_error_message(3, s, post_filter_msg="preemption: 0/3 nodes are available: "
    ...                   "3 Preemption is not helpful for scheduling.")
    '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint(s). preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..'
    """
    msg = NO_NODE_AVAILABLE_MSG.format(num_all_nodes) + ":"
    if pre_filter_msg:
        msg += f" {pre_filter_msg}."
    else:
        reasons: dict[str, int] = {}
        for st in statuses:
            for r in st.reasons:
                reasons[r] = reasons.get(r, 0) + 1
        if absent is not None and len(statuses) < num_all_nodes:
            for r in absent.reasons:
                reasons[r] = reasons.get(r, 0) + num_all_nodes - len(statuses)
        parts = sorted(f"{v} {k}" for k, v in reasons.items())
        if parts:
            msg += f" {', '.join(parts)}."
    if post_filter_msg:
        msg += f" {post_filter_msg}."
    return msg


@dataclass
class NodeVerdict:
    """What the scheduler decided about one node for one pod.

    ``passed``: all filters passed; ``plugin``/``reason``/``code``: the first failing filter;
    ``evaluated``: the scheduler's sampling loop reached this node; ``scores``: normalized 0-100 per score
    plugin, ``weighted``: times the plugin weight, ``total``: their sum (None when the node was not scored).
    """

    name: str
    passed: bool
    plugin: str | None = None
    reason: str = ""
    code: Code = Code.Success
    evaluated: bool = True
    scores: dict[str, int] = field(default_factory=dict)
    weighted: dict[str, int] = field(default_factory=dict)
    raw: dict[str, int] = field(default_factory=dict)
    total: int | None = None

    @property
    def scored(self) -> bool:
        """Whether this node was among the scored (sampled, feasible) nodes."""
        return self.total is not None


class SchedulingReport:
    """Per-node, per-plugin explanation of one scheduling cycle (kube-scheduler-simulator's vocabulary:
    filter result, score, final score, selected node).

    Attributes
    ----------
    pod : str
        ``namespace/name``.
    nodes : dict
        Node name -> :class:`NodeVerdict`, in the scheduler's node order.
    selected : str or None
        The chosen node.
    message : str
        The FailedScheduling text when no node fits ("" otherwise).
    sampled : list of str
        Nodes that were scored (feasible nodes the sampling loop found).
    filter_plugins, score_plugins : list of str
        Plugins that ran at Filter and Score (PreFilter/PreScore skips removed).
    weights : dict
        Score plugin -> weight.
    notes : list of str
        What was not simulated or skipped, in words.
    """

    def __init__(self, pod: str, nodes: dict[str, NodeVerdict], selected: str | None, message: str,
                 sampled: list[str], filter_plugins: list[str], score_plugins: list[str], weights: dict[str, int],
                 notes: list[str], num_to_find: int, evaluated: int, profile: str = "default-scheduler"):
        self.pod = pod
        self.nodes = nodes
        self.selected = selected
        self.message = message
        self.sampled = sampled
        self.filter_plugins = filter_plugins
        self.score_plugins = score_plugins
        self.weights = weights
        self.notes = notes
        self.num_to_find = num_to_find
        self.evaluated = evaluated
        self.profile = profile
        self.nominated_node: str | None = None
        self.victims: list[str] = []

    @property
    def feasible(self) -> list[str]:
        """Names of nodes that pass every filter (whether sampled or not)."""
        return [n for n, v in self.nodes.items() if v.passed]

    def to_rows(self) -> list[dict]:
        """One flat dict per node: filter verdict, then ``score:<plugin>`` and ``weighted:<plugin>`` columns.

        Examples
        --------
        >>> r = SchedulingReport("default/web", {"n1": NodeVerdict("n1", True, scores={"ImageLocality": 0},
        ...                      weighted={"ImageLocality": 0}, total=0)}, "n1", "", ["n1"], [], ["ImageLocality"],
        ...                      {"ImageLocality": 1}, [], 1, 1)
        >>> r.to_rows()[0]["score:ImageLocality"], r.to_rows()[0]["selected"]
        (0, True)
        """
        rows = []
        for name, v in self.nodes.items():
            row = {"node": name, "passed": v.passed, "plugin": v.plugin, "reason": v.reason,
                   "evaluated": v.evaluated, "scored": v.scored, "total": v.total, "selected": name == self.selected}
            for p in self.score_plugins:
                row[f"score:{p}"] = v.scores.get(p)
                row[f"weighted:{p}"] = v.weighted.get(p)
            rows.append(row)
        return rows

    def matrix(self, kind: str = "weighted") -> tuple[list[str], list[str], np.ndarray]:
        """Nodes x score plugins as a float array (NaN where not scored), for heatmaps.

        ``kind`` is "weighted" or "scores" (normalized 0-100).
        """
        names = list(self.nodes)
        m = np.full((len(names), len(self.score_plugins)), np.nan)
        for i, n in enumerate(names):
            d = getattr(self.nodes[n], "weighted" if kind == "weighted" else "scores")
            for j, p in enumerate(self.score_plugins):
                if p in d:
                    m[i, j] = d[p]
        return names, list(self.score_plugins), m

    def __repr__(self) -> str:
        fits = sum(v.passed for v in self.nodes.values())
        where = f"-> {self.selected}" if self.selected else "Pending"
        return f"<SchedulingReport {self.pod} {where}: {fits}/{len(self.nodes)} nodes fit, {len(self.sampled)} scored>"

    def _repr_html_(self) -> str:
        e = html.escape
        head = "".join(f"<th>{e(p)}<br>(x{self.weights.get(p, 1)})</th>" for p in self.score_plugins)
        rows = []
        for name, v in self.nodes.items():
            style = ' style="font-weight:bold;background:#e6f4ea"' if name == self.selected else ""
            verdict = "fits" if v.passed else f"{e(v.plugin or '')}: {e(v.reason)}"
            if v.passed and not v.evaluated:
                verdict = "fits (not sampled)"
            cells = "".join(
                f"<td>{v.scores[p]} &rarr; {v.weighted[p]}</td>" if p in v.scores else "<td></td>"
                for p in self.score_plugins)
            total = "" if v.total is None else str(v.total)
            rows.append(f"<tr{style}><td>{e(name)}</td><td>{verdict}</td>{cells}<td>{total}</td></tr>")
        caption = (f"Pod {e(self.pod)}: selected <b>{e(self.selected)}</b>" if self.selected
                   else f"Pod {e(self.pod)}: FailedScheduling: {e(self.message)}")
        notes = "".join(f"<li>{e(n)}</li>" for n in self.notes)
        return (f"<table><caption>{caption}</caption><tr><th>node</th><th>filter result</th>{head}"
                f"<th>final score</th></tr>{''.join(rows)}</table>" + (f"<ul>{notes}</ul>" if notes else ""))
