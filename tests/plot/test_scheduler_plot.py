"""Scheduler drawings: the report heatmap's grid (filter verdicts, scores, totals), and each figure's content."""

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import k8slab as kl  # noqa: E402
from k8slab.plot.scheduler import (  # noqa: E402
    CYCLE_STEPS,
    draw_report,
    draw_sampling,
    draw_scheduling_cycle,
    draw_utilization,
    report_heatmap_data,
)
from k8slab.scheduler import Scheduler  # noqa: E402
from k8slab.scheduler.experiments import compare_scoring_strategies, preset_nodes, sampling_effect, what_if_pod  # noqa: E402,E501


def _node(name, cpu, taints=(), labels=None):
    return {"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
            "spec": {"taints": list(taints)}, "status": {"allocatable": {"cpu": cpu, "memory": "8Gi", "pods": "110"}}}


@pytest.fixture
def report():
    s = Scheduler()
    s.add_node(_node("big", "4"))
    s.add_node(_node("medium", "2"))
    s.add_node(_node("tainted", "4", taints=[{"key": "gpu", "value": "true", "effect": "NoSchedule"}]))
    s.add_node(_node("small", "1"))
    return s.explain(what_if_pod("web", cpu="1500m", memory="1Gi"))


def test_filter_cells_pass_until_the_first_failure_and_are_not_run_after(report):
    d = report_heatmap_data(report)
    filters = [c for c, k in zip(d.columns, d.kinds) if k == "filter"]
    row = dict(zip(filters, d.cells[d.nodes.index("tainted")]))  # filter columns come first
    taint = filters.index("TaintToleration")
    assert [row[f] for f in filters[:taint]] == ["pass"] * taint
    assert row["TaintToleration"] == "fail"
    assert all(row[f] == "not run" for f in filters[taint + 1:])
    assert d.text[d.nodes.index("small")][d.columns.index("NodeResourcesFit")] == "Insufficient cpu"


def test_score_cells_hold_normalized_scores_and_weights_and_the_total_is_their_weighted_sum(report):
    d = report_heatmap_data(report)
    i = d.nodes.index("big")
    scores = {c: v for c, v, k in zip(d.columns, d.cells[i], d.kinds) if k == "score"}
    verdict = report.nodes["big"]
    assert scores == verdict.scores
    assert d.cells[i][-1] == verdict.total == sum(v * report.weights[p] for p, v in verdict.scores.items())
    assert d.text[i][d.columns.index("TaintToleration", len(d.kinds) - d.kinds[::-1].index("filter"))] == "100×3"


def test_rejected_nodes_have_no_scores_and_the_winner_is_starred(report):
    d = report_heatmap_data(report)
    assert report.selected == "big"  # LeastAllocated: the most room left after the pod
    assert d.selected == d.nodes.index("big")
    assert d.text[d.selected][-1].endswith("★")
    for name in ("tainted", "small"):
        row = d.cells[d.nodes.index(name)]
        assert all(c is None for c, k in zip(row, d.kinds) if k != "filter")


def test_draw_report_draws_one_cell_per_node_and_column(report):
    ax = draw_report(report)
    d = report_heatmap_data(report)
    assert len(ax.patches) == len(d.nodes) * len(d.columns) + 1  # + the outline of the selected row
    assert [t.get_text() for t in ax.get_yticklabels()] == d.nodes
    assert ax.get_title() == "default/web → big"
    plt.close(ax.figure)


def test_draw_report_of_a_pending_pod_says_so():
    lab = kl.Cluster.from_preset("aks-3node")
    r = lab.scheduler.explain(what_if_pod("huge", cpu="8"))
    ax = draw_report(r)
    assert ax.get_title() == "default/huge Pending: no node fits"
    plt.close(ax.figure)


def test_utilization_bars_are_requested_cpu_per_node_per_strategy():
    runs = compare_scoring_strategies(preset_nodes("aks-3node", 4),
                                      [what_if_pod(f"p{i}", cpu="400m", memory="128Mi") for i in range(4)])
    ax = draw_utilization(runs)
    heights = [round(b.get_height(), 1) for b in ax.patches]
    assert heights[:4] == [round(100 * c, 1) for c in runs[0].cpu]
    assert heights[4:] == [round(100 * c, 1) for c in runs[1].cpu]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "LeastAllocated: 4 of 4 nodes used", "MostAllocated: 1 of 4 nodes used"]
    plt.close(ax.figure)


def test_sampling_plot_has_one_bar_per_setting():
    effect = sampling_effect(nodes=200, pods=5, percentages=(None, 100))
    ax = draw_sampling(effect)
    assert [b.get_height() for b in ax.patches] == [r.scored for r in effect.rows]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["adaptive (50%)", "100%"]  # 49 % of 200 is below the 100-node floor
    plt.close(ax.figure)


def test_scheduling_cycle_has_one_box_per_extension_point():
    ax = draw_scheduling_cycle()
    labels = [t.get_text().replace("\n", "") for t in ax.texts]
    for name, _ in CYCLE_STEPS:
        assert name in labels
    assert len(ax.patches) == len(CYCLE_STEPS)
    plt.close(ax.figure)
