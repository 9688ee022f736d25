"""The zero-downtime experiment and the rolling update timeline: facts computed by the simulation, not typed in."""

import numpy as np
import pytest

from k8slab.experiments import compare_rollouts, rolling_update_timeline, web_manifests
from k8slab.registry import behavior_for, load_registry
from k8slab.traffic import MIN_SYNC_PERIOD


@pytest.fixture(scope="module")
def runs():
    c = compare_rollouts()
    return {(r.strategy, r.readiness_probe, r.pre_stop): r for r in c}


def _app():
    d, _ = web_manifests()
    return behavior_for(load_registry(), d["spec"]["template"], d["spec"]["template"]["spec"]["containers"][0])


def test_rolling_update_with_readiness_probe_and_prestop_loses_no_request(runs):
    r = runs[("RollingUpdate", True, 5)]
    assert r.traffic.sent > 20 * (r.finished_at - r.started_at)  # traffic ran through the whole rollout
    assert r.traffic.failed == 0
    pods = set(r.traffic.pods)
    assert len(pods) == 6  # the 3 old pods answered, then the 3 new ones


def test_without_a_readiness_probe_new_pods_get_traffic_before_the_app_serves(runs):
    r = runs[("RollingUpdate", False, 5)]
    app = _app()
    assert r.traffic.failed > 0
    assert set(r.traffic.failure_reasons()) <= {"connection refused (app starting)", "HTTP 503"}
    # every failure reached a new pod before it was warm: no outage is longer than the app's warm-up
    assert r.traffic.longest_outage() <= app.ready_seconds


def test_recreate_has_an_outage_at_least_as_long_as_the_apps_warm_up(runs):
    r = runs[("Recreate", True, 5)]
    app = _app()
    assert r.traffic.longest_outage() >= app.ready_seconds
    assert "no endpoints (REJECT)" in r.traffic.failure_reasons()
    # the old pods served through their preStop sleep: nothing failed in the first 5 s of the rollout
    early = r.traffic.times < r.started_at + 5
    assert r.traffic.ok[early].all()


def test_without_prestop_only_kube_proxys_sync_lag_loses_requests(runs):
    r = runs[("RollingUpdate", True, 0)]
    assert r.traffic.failed > 0
    assert set(r.traffic.failure_reasons()) == {"connection refused (SIGTERM: app shutting down)"}
    assert r.traffic.longest_outage() < MIN_SYNC_PERIOD


def test_the_zero_downtime_run_is_the_only_one_without_failures(runs):
    assert [k for k, r in runs.items() if r.traffic.failed == 0] == [("RollingUpdate", True, 5)]


def test_runs_are_deterministic(runs):
    again = compare_rollouts(variants=[("RollingUpdate", True, 0)])[0]
    first = runs[("RollingUpdate", True, 0)]
    assert np.array_equal(again.traffic.ok, first.traffic.ok) and again.traffic.pods == first.traffic.pods


def test_the_comparison_prints_a_table(runs):
    text = repr(compare_rollouts(variants=[("Recreate", True, 5)]))
    assert text.splitlines()[0].split() == ["VARIANT", "REQUESTS", "FAILED", "SUCCESS", "LONGEST", "OUTAGE",
                                            "ROLLOUT"]
    assert text.splitlines()[1].startswith("Recreate, readiness probe, preStop 5 s")


@pytest.mark.parametrize("replicas, surge, unavailable, peak, min_ready", [
    (10, "25%", "25%", 13, 8),
    (4, 1, 0, 5, 4),
    (4, 0, 1, 4, 3),
    (3, "25%", "25%", 4, 3),
    (5, "100%", 0, 10, 5),
], ids=["10 replicas at 25%/25%: 3 extra, 2 unavailable (surge rounds up, unavailable down)",
        "surge one, none unavailable: never below 4 ready", "no surge, one unavailable: never above 4 pods",
        "3 replicas at 25%: surge 1, unavailable 0", "100% surge: a whole new set before the old goes"])
def test_a_rolling_update_stays_within_its_fenceposts(replicas, surge, unavailable, peak, min_ready):
    # upstream: pkg/controller/deployment/util/deployment_util_test.go TestResolveFenceposts (rounding)
    tl = rolling_update_timeline(replicas, surge, unavailable)
    assert (tl.peak_pods, tl.min_ready) == (peak, min_ready)
    assert tl.counts.at(tl.finished_at) == {"old_ready": 0, "old_not_ready": 0, "new_ready": replicas,
                                            "new_not_ready": 0, "terminating": 0}


@pytest.mark.parametrize("surge, unavailable, shown", [(0, 0, "0"), ("0%", "0%", '"0%"'), ("0%", 0, "0")],
                         ids=["ints", "percents", "mixed"])
def test_zero_surge_and_zero_unavailable_is_invalid(surge, unavailable, shown):
    tl = rolling_update_timeline(3, surge, unavailable)
    assert tl.error == ('The Deployment "web" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid '
                        f"value: {shown}: may not be 0 when `maxSurge` is 0")


def test_scaling_events_are_the_deployment_controllers():
    tl = rolling_update_timeline(4, 1, 0)
    assert [m.split(" replica set ")[0] for _, m in tl.events][:2] == ["Scaled up", "Scaled down"]
    assert tl.events[-1][1].endswith("from 1 to 0")


def test_web_manifests_reject_an_unknown_strategy():
    with pytest.raises(ValueError, match='strategy must be "RollingUpdate" or "Recreate"'):
        web_manifests("BlueGreen")
