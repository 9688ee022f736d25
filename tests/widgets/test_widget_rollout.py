"""The rolling update widget driven headless: sliders re-run the rollout, the time slider steps through it."""

import matplotlib

matplotlib.use("Agg")

from k8slab.widgets.rollout import pods_html, rolling_update_widget  # noqa: E402


def _parts(w):
    sliders = w.children[0].children
    return sliders, w.children[1], w.children[2], w.children[3], w.children[4]


def test_the_widget_shows_the_default_rollout():
    w = rolling_update_widget()
    sliders, summary, when, pods, chart = _parts(w)
    assert (w.result.replicas, w.result.max_surge, w.result.max_unavailable) == (10, 3, 2)
    assert "at most <b>13</b> pods" in summary.value and "at least <b>8</b> ready" in summary.value
    assert bytes(chart.value).startswith(b"\x89PNG")
    # at t=0 the controllers have already taken their first steps: 8 old pods (2 terminating) and 5 new ones
    assert pods.value.startswith("<div>t = 0.0 s: 15 pods, 8 ready (0 new), 2 terminating</div>")
    assert pods.value.count("<span") == 15


def test_moving_a_slider_rolls_out_again():
    w = rolling_update_widget()
    sliders, summary, *_ = _parts(w)
    sliders[1].value = 0
    assert (w.result.max_surge, w.result.peak_pods, w.result.min_ready) == (0, 10, 8)


def test_the_time_slider_steps_through_the_pods():
    w = rolling_update_widget(4, 1, 0)
    _, _, when, pods, _ = _parts(w)
    when.value = when.max
    assert pods.value == pods_html(w.result, when.max)
    assert pods.value.count('title="new, ready"') == 4


def test_zero_and_zero_shows_the_api_servers_error():
    w = rolling_update_widget(4, 1, 0)
    sliders, summary, _, pods, chart = _parts(w)
    sliders[1].value = 0
    sliders[2].value = 0
    assert "may not be 0 when `maxSurge` is 0" in summary.value
    assert pods.value == "" and chart.value == b""


def test_the_statefulset_widget_scales_in_order_or_in_parallel():
    from k8slab.widgets.rollout import statefulset_scale_widget

    w = statefulset_scale_widget(1, 3)
    assert [r.name for r in w.result.watch.rows if r.status == "Pending"] == ["db-1", "db-2"]
    w.children[1].value = "Parallel"
    assert w.result.policy == "Parallel"
    assert "data-db-2" in w.children[2].value
