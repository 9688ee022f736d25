"""Rollout drawings: one availability panel per run with its numbers, pod counts stacked by state."""

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from k8slab.experiments import compare_rollouts, rolling_update_timeline  # noqa: E402
from k8slab.plot.rollout import draw_availability, draw_pods_at, draw_rollout_counts  # noqa: E402


@pytest.fixture(scope="module")
def two_runs():
    return compare_rollouts(variants=[("RollingUpdate", True, 5), ("Recreate", True, 5)])


def test_one_panel_per_run_titled_with_its_failures(two_runs):
    axes = draw_availability(two_runs)
    assert len(axes) == 2
    for ax, run in zip(axes, two_runs):
        assert ax.get_title(loc="left").startswith(f"{run.label}: {run.traffic.failed} of {run.traffic.sent} "
                                                   "requests failed")
    plt.close("all")


def test_a_single_run_gives_one_axes(two_runs):
    ax = draw_availability(two_runs[1])
    assert "longest outage 6.3 s" in ax.get_title(loc="left")
    plt.close("all")


def test_counts_show_the_fenceposts_and_a_cursor():
    tl = rolling_update_timeline(4, 1, 0)
    ax = draw_rollout_counts(tl, at=3.0)
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["replicas + maxSurge = 5", "replicas - maxUnavailable = 4"]
    assert [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "-" and
            len(line.get_xdata()) == 2 and line.get_xdata()[0] == line.get_xdata()[1]] == [3.0]
    plt.close("all")


def test_pods_at_draws_one_square_per_pod():
    tl = rolling_update_timeline(4, 1, 0)
    ax = draw_pods_at(tl, 0.0)
    assert len(ax.patches) == 5  # 4 old ready + 1 new, not ready yet
    assert ax.get_title(loc="left") == "t = 0.0 s: 5 pods, 4 ready (0 new), 0 terminating"
    plt.close("all")
