"""Traffic to a Service: kube-proxy's sync runner, its lag behind the EndpointSlices, and what the app answers."""

import numpy as np
import pytest
import simpy

import k8slab as kl
from k8slab.traffic import MIN_SYNC_PERIOD, SyncRunner, TrafficResult, app_answers, send_traffic


def _runs(asks, min_interval=1.0, max_interval=None, until=20.0):
    env = simpy.Environment()
    runs = []
    r = SyncRunner(env, lambda: runs.append(round(env.now, 6)), min_interval, max_interval)

    def client():
        for t in asks:
            yield env.timeout(t - env.now)
            r.run()

    env.process(client())
    env.run(until)
    return runs


# upstream: pkg/proxy/runner/bounded_frequency_runner_test.go Test_BoundedFrequencyRunnerNoBurst (minInterval 1s,
# maxInterval 10s): Run() at 0 runs at once; at 0.5 and 0.999 it is deferred to 1.0; Run() right after that run
# (1.0, 1.001) waits for 2.0; nothing queued, the max interval runs at 12.0; a Run() at 12.001 waits for 13.0.
def test_sync_runner_follows_upstreams_no_burst_sequence():
    assert _runs([0.0, 0.5, 0.999, 1.0, 1.001, 12.001], max_interval=10.0, until=14.0) == [0.0, 1.0, 2.0, 12.0,
                                                                                            13.0]


@pytest.mark.parametrize("asks, expected", [
    ([0.0], [0.0]),
    ([0.0, 0.1, 0.2, 0.3], [0.0, 1.0]),
    ([0.0, 1.0], [0.0, 1.0]),
    ([0.0, 5.0, 5.5, 9.0], [0.0, 5.0, 6.0, 9.0]),
    ([2.0, 2.0, 2.0], [2.0, 3.0]),
], ids=["a first request runs at once", "requests during the cool-down coalesce into one run when it ends",
        "a request exactly one interval later runs at once", "quiet periods reset the cool-down",
        "repeated requests at one instant give one run now and one after the interval"])
def test_sync_runner_never_runs_twice_within_the_min_interval(asks, expected):
    assert _runs(asks) == expected


WEB_POD = """
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  terminationGracePeriodSeconds: 30
  containers:
  - name: web
    image: ghcr.io/k8slab/web:1.0
    ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
"""


@pytest.fixture
def web_lab():
    lab = kl.Cluster.from_preset("kind-1node")
    lab.apply(WEB_POD)
    lab.run(10)
    return lab


def test_a_service_without_pods_rejects_every_request():
    lab = kl.Cluster.from_preset("kind-1node")
    lab.apply(WEB_POD.split("---")[1])
    t = send_traffic(lab, "default/web", rate=4)
    lab.run(1)
    r = t.stop()
    assert (r.sent, r.failed, dict(r.failure_reasons())) == (5, 5, {"no endpoints (REJECT)": 5})


def test_a_missing_service_fails_at_the_dns_lookup():
    lab = kl.Cluster.from_preset("kind-1node")
    t = send_traffic(lab, "default/nothing", rate=1)
    lab.run(1)
    assert dict(t.stop().failure_reasons()) == {"no such Service (DNS: NXDOMAIN)": 2}


def test_a_running_pod_answers_every_request(web_lab):
    t = send_traffic(web_lab, "default/web", rate=10)
    web_lab.run(3)
    r = t.stop()
    assert (r.sent, r.failed, set(r.pods)) == (31, 0, {"default/web"})


@pytest.fixture
def two_pods():
    lab = kl.Cluster.from_preset("kind-1node")
    lab.apply(WEB_POD.replace("name: web\n  labels", "name: web-a\n  labels"))
    lab.apply(WEB_POD.split("---")[0].replace("name: web\n  labels", "name: web-b\n  labels"))
    lab.run(10)
    return lab


def test_a_deleted_pod_gets_requests_until_kube_proxy_syncs(two_pods):
    # web-a has no preStop hook: SIGTERM comes at once and the app stops accepting. Its EndpointSlice entry turns
    # terminating at once, but kube-proxy synced when the traffic started and waits minSyncPeriod before it writes
    # the rules again: until then some connections still go to web-a
    lab = two_pods
    t = send_traffic(lab, "default/web", rate=100)
    lab.run(0.5)
    deleted_at = lab.now
    lab.delete("pod", "web-a")
    lab.run(2)
    r = t.stop()
    sync = next(s for s in r.syncs if s > deleted_at)
    assert sync == pytest.approx(deleted_at + MIN_SYNC_PERIOD - 0.5)
    failed = ~r.ok
    assert set(np.array(r.reasons)[failed]) == {"connection refused (SIGTERM: app shutting down)"}
    assert set(np.array(r.pods)[failed]) == {"default/web-a"}
    assert r.times[failed].min() > deleted_at and r.times[failed].max() < sync
    assert set(np.array(r.pods)[r.times >= sync]) == {"default/web-b"}


def test_without_the_sync_lag_nothing_is_sent_to_the_deleted_pod(two_pods):
    t = send_traffic(two_pods, "default/web", rate=100, min_sync_period=0.0)
    two_pods.run(0.5)
    two_pods.delete("pod", "web-a")
    two_pods.run(2)
    r = t.stop()
    assert r.failed == 0 and r.sent == 251


def test_the_last_pod_terminating_still_gets_traffic_while_it_is_serving(web_lab):
    # upstream: pkg/proxy/topology.go CategorizeEndpoints: no ready endpoint left, so kube-proxy uses the serving
    # terminating ones (KEP-1669); the app has closed its socket after SIGTERM, so those connections are refused
    t = send_traffic(web_lab, "default/web", rate=10, min_sync_period=0.0)
    web_lab.delete("pod", "web")
    web_lab.run(0.5)
    r = t.stop()
    assert set(r.pods) == {"default/web"}
    assert set(r.failure_reasons()) == {"connection refused (SIGTERM: app shutting down)"}


def test_a_pod_in_its_prestop_sleep_still_answers():
    lab = kl.Cluster.from_preset("kind-1node")
    lab.apply(WEB_POD.replace("    ports: [{containerPort: 8080}]",
                              "    ports: [{containerPort: 8080}]\n    lifecycle: {preStop: {sleep: {seconds: 3}}}"))
    lab.run(10)
    [endpoint] = lab.network.endpoints("default/web")
    lab.delete("pod", "web")
    lab.run(2.9)
    assert app_answers(lab, endpoint) == (True, "")
    lab.run(0.2)
    assert app_answers(lab, endpoint) == (False, "connection refused (SIGTERM: app shutting down)")


@pytest.mark.parametrize("annotations, at, expected", [
    ({"k8slab.io/startup-seconds": "2"}, 1.0, (False, "connection refused (app starting)")),
    ({"k8slab.io/readiness-paths": "/", "k8slab.io/ready-after": "5"}, 3.0, (False, "HTTP 503")),
    ({"k8slab.io/readiness-paths": "/", "k8slab.io/ready-after": "5"}, 6.0, (True, "")),
    ({"k8slab.io/paths": "/healthz"}, 1.0, (False, "HTTP 404")),
    ({"k8slab.io/hang-after": "1"}, 2.0, (False, "timeout (app hung)")),
], ids=["an app that is not listening yet refuses the connection", "a warming-up app answers 503",
        "a warm app answers 200", "an unknown path is a 404", "a hung app times out"])
def test_the_app_answers_as_its_behaviour_says(annotations, at, expected):
    lab = kl.Cluster.from_preset("kind-1node")
    lab.apply(WEB_POD.replace("  labels: {app: web}", f"  labels: {{app: web}}\n  annotations: {annotations!r}"))
    lab.run(0.5)  # the image is pulled in 0.3 s: the app starts then
    pw = next(iter(lab.components["kubelet"].nodes["kind-control-plane"].workers.values()))
    started = pw.instances["web"][-1].started_at
    lab.run(started + at - lab.now)
    [endpoint] = [e for e in lab.network.proxy.endpoints("default/web")] or [None]
    from k8slab.network.kube_proxy import ServiceEndpoint

    endpoint = endpoint or ServiceEndpoint(pw.ip, 8080, "default/web", "kind-control-plane", False, False, False)
    assert app_answers(lab, endpoint, "/") == expected


def test_the_same_seed_gives_the_same_requests(web_lab):
    def once():
        lab = kl.Cluster.from_preset("kind-1node")
        lab.apply(WEB_POD.replace("name: web\n  labels", "name: web-a\n  labels"))
        lab.apply(WEB_POD.split("---")[0].replace("name: web\n  labels", "name: web-b\n  labels"))
        lab.run(10)
        t = send_traffic(lab, "default/web", rate=50)
        lab.run(2)
        return t.stop().pods

    first = once()
    assert first == once() and set(first) == {"default/web-a", "default/web-b"}


def _result(times, ok):
    return TrafficResult("default/web", np.array(times, float), np.array(ok, bool), [""] * len(times),
                         ["x" if not o else "" for o in ok], [])


@pytest.mark.parametrize("times, ok, outage", [
    ([0, 1, 2, 3], [True] * 4, 0.0),
    ([0, 1, 2, 3, 4], [True, False, False, True, True], 2.0),
    ([0, 1, 2, 3], [True, False, True, False], 1.0),
    ([0, 1, 2], [True, True, False], 0.0),
    ([0, 1, 2, 3], [False, False, False, False], 3.0),
], ids=["no failure is no outage", "an outage lasts from the first failure to the next success",
        "the longest of several outages counts", "one failure at the very end lasts no time",
        "all failed: the whole run"])
def test_longest_outage(times, ok, outage):
    assert _result(times, ok).longest_outage() == outage


def test_buckets_give_the_success_rate_per_second():
    r = _result([0.0, 0.5, 1.0, 1.5, 3.0], [True, False, False, False, True])
    starts, rate, n = r.buckets(1.0)
    assert starts.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert n.tolist() == [2, 2, 0, 1]
    assert rate[0] == 0.5 and rate[1] == 0.0 and np.isnan(rate[2]) and rate[3] == 1.0
