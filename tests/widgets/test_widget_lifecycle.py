"""The probe tuning widget driven headless."""

import matplotlib

matplotlib.use("Agg")

from k8slab.widgets.lifecycle import probe_tuning_widget  # noqa: E402


def test_the_default_probes_kill_the_slow_app_and_a_startup_probe_saves_it():
    w = probe_tuning_widget()
    (start, period), (threshold, delay) = w.children[0].children, w.children[1].children
    guard, verdict, picture = w.children[2], w.children[3], w.children[4]
    assert w.result.ready_at is None and "never Ready" in verdict.value
    assert bytes(picture.value).startswith(b"\x89PNG")
    guard.value = True
    assert w.result.verdict == "Ready after 50.3 s, never restarted"
    assert "#2b8a3e" in verdict.value


def test_a_longer_initial_delay_also_works():
    w = probe_tuning_widget()
    w.children[1].children[1].value = 30
    assert w.result.verdict == "Ready after 50.3 s, never restarted"


def test_the_job_widget_reruns_on_a_slider():
    from k8slab.widgets.lifecycle import job_widget

    w = job_widget(6, 2, 5)
    assert w.result.most_running == 2 and "3 wave(s)" in w.children[1].value
    w.children[0].children[1].value = 6
    assert w.result.most_running == 6 and "1 wave(s)" in w.children[1].value
