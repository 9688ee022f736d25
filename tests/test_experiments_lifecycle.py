"""Pod lifecycle experiments: the watch recorder, crash-loop and image-pull back-offs, probe tuning outcomes."""

import networkx as nx
import pytest

import k8slab as kl
from k8slab.experiments.lifecycle import POD_STATES, PodWatch, backoff_gaps, probe_outcome

MANIFESTS = "data/manifests/03-pod-lifecycle"


@pytest.fixture
def lab():
    return kl.Cluster.from_preset("kind-1node")


def test_the_watch_prints_like_kubectl_get_pods_w(lab):
    w = PodWatch(lab)
    lab.apply(f"{MANIFESTS}/web-pod.yaml")
    lab.run(5)
    assert repr(w).splitlines() == [
        "TIME   NAME   READY   STATUS              RESTARTS",
        "0s     web    0/1     Pending             0",
        "0s     web    0/1     ContainerCreating   0",
        "1s     web    1/1     Running             0",
    ]


# upstream: pkg/kubelet/kubelet.go backOffPeriod = 10s, MaxContainerBackOff = 300s (doubling in
# k8s.io/client-go/util/flowcontrol/backoff.go); the first restart is immediate (no back-off entry yet)
def test_a_crash_loop_backs_off_10s_doubling_to_300s(lab):
    w = PodWatch(lab)
    lab.apply(f"{MANIFESTS}/crashloop.yaml")
    lab.run(1200)
    assert [round(s) for _, s in backoff_gaps(w, "crash")] == [10, 20, 40, 80, 160, 300, 300]
    # each death is reported first (upstream syncPod: generateAPIPodStatus before SyncPod restarts or backs off):
    # Error, then an immediate restart the first time, CrashLoopBackOff after
    assert w.statuses("crash")[:10] == ["Pending", "ContainerCreating", "Running", "Error", "Running", "Error",
                                        "CrashLoopBackOff", "Running", "Error", "CrashLoopBackOff"]


@pytest.mark.parametrize("pod", ["no-such-tag", "private", "registry-down"],
                         ids=["a missing tag", "a private registry without credentials", "a registry that is down"])
def test_image_pulls_are_retried_with_the_same_back_off(lab, pod):
    # upstream: pkg/kubelet/images/image_manager.go (backOff.Next after a failed pull); the pod worker retries the
    # sync every 10 s (pod_workers.go backOffPeriod), so a pull happens once the back-off since the last one is over
    w = PodWatch(lab)
    lab.apply(f"{MANIFESTS}/image-pull-failures.yaml")
    lab.run(400)
    pulls = w.pulls(pod)
    assert [round(b - a) for a, b in zip(pulls, pulls[1:])] == [10, 20, 40, 80, 160]
    assert w.statuses(pod)[-2:] == ["ErrImagePull", "ImagePullBackOff"]


def test_the_shop_pod_starts_in_order_and_stops_after_its_prestop(lab):
    w = PodWatch(lab, "shop")
    lab.apply(f"{MANIFESTS}/init-and-hooks.yaml")
    lab.run(20)
    lab.delete("pod", "shop")
    lab.run(10)
    rows = [(round(r.time), r.ready, r.status) for r in w.rows]
    # init container 5 s, then sidecar and app; the app's postStart (3 s) holds the pod's Ready; /ready answers
    # 200 once the app is warm (5 s after start); deleted at 20 s: preStop 5 s, SIGTERM, 1 s shutdown
    assert rows[0][2] == "Pending" and rows[1][2].startswith("Init:")
    assert (20, "2/2", "Terminating") in rows and (26, "1/2", "Terminating") in rows
    assert rows[-1][2] == "Completed"


SLOW = [
    (dict(startup_seconds=15, period=10, failure_threshold=3), 20.3, 0),
    (dict(startup_seconds=45, period=10, failure_threshold=3), None, None),
    (dict(startup_seconds=45, period=10, failure_threshold=6), 50.3, 0),
    (dict(startup_seconds=45, period=10, failure_threshold=3, initial_delay=30), 50.3, 0),
    (dict(startup_seconds=45, period=10, failure_threshold=3, startup_probe=True), 50.3, 0),
]


@pytest.mark.parametrize("kw, ready_at, restarts", SLOW, ids=[
    "an app that listens within the probes' 20 s starts", "a 45 s start-up is killed before it listens",
    "six failures allowed give it 50 s", "an initial delay of 30 s gives it 50 s",
    "a startup probe holds liveness back"])
def test_probe_settings_decide_whether_a_slow_app_ever_starts(kw, ready_at, restarts):
    o = probe_outcome(**kw)
    assert o.ready_at == ready_at
    if ready_at is None:
        assert o.restarts >= 3 and o.status == "CrashLoopBackOff"
    else:
        assert o.restarts == restarts


def test_every_status_in_the_diagram_is_reachable_from_pending():
    g = nx.DiGraph([(a, b) for a, b, _ in POD_STATES["edges"]])
    assert set(POD_STATES["nodes"]) - {"Pending"} <= nx.descendants(g, "Pending")
    assert set(POD_STATES["nodes"].values()) == {"Pending", "Running", "Succeeded", "Failed", "Terminating"}
