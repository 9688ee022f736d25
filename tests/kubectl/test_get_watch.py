"""kubectl get -w: the table, then a row per change on the simulated clock (upstream kubectl/pkg/cmd/get/get.go)."""

import pytest

import k8slab as kl
from k8slab.errors import K8sLabError
from k8slab.kubectl.watch import request_timeout

POD = """apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers: [{name: web, image: nginx:1.27}]
"""


@pytest.fixture()
def lab():
    lab = kl.Cluster.from_preset("aks-3node", seed=0)
    lab.apply(POD)
    return lab


def test_rows_follow_the_table_each_aligned_alone_as_kubectl_flushes_them(lab):
    r = lab.kubectl("get pods -w --request-timeout=10s")
    assert r.rc == 0 and r.stderr == ""
    assert r.stdout == (
        "NAME   READY   STATUS    RESTARTS   AGE\n"
        "web    0/1     Pending   0          0s\n"
        "web   0/1   Pending   0     0s\n"                 # bound to a node
        "web   0/1   ContainerCreating   0     0s\n"       # the kubelet's first status
        "web   1/1   Running   0     1s\n")
    assert lab.now == 10  # the clock ran for the request timeout


def test_output_watch_events_adds_the_event_type(lab):
    lab.run(5)
    lab.kubectl("delete pod web")
    r = lab.kubectl("get pods --watch-only --output-watch-events -l app=web --request-timeout=40s")
    assert r.stdout == (
        "EVENT      NAME   READY   STATUS        RESTARTS   AGE\n"
        "MODIFIED   web    0/1     Terminating   0          5s\n"
        "MODIFIED   web   0/1   Completed   0     5s\n"
        "DELETED   web   0/1   Completed   0     5s\n")


def test_a_named_object_with_no_headers(lab):
    lab.run(5)
    assert lab.kubectl("get pod web -w --no-headers --request-timeout=5s").stdout == "web   1/1   Running   0     5s\n"


@pytest.mark.parametrize("command, stderr", [
    ("get pods -w", "error: kubectl get --watch without --request-timeout is not simulated in k8slab: the lab has no "
                    "live terminal to interrupt; add --request-timeout=60s (say) to watch that long on the simulated "
                    "clock\n"),
    ("get pods,svc -w --request-timeout=5s", "error: watch is only supported on individual resources and resource "
                                            "collections - more than 1 resource was found\n"),
    ("get pods -w --request-timeout=5x", "error: invalid timeout value. Timeout must be a single integer in seconds, "
                                         "or an integer followed by a corresponding time unit (e.g. 1s | 2m | 3h)\n"),
    ("get pod nope -w --request-timeout=5s", 'Error from server (NotFound): pods "nope" not found\n'),
], ids=["without a timeout", "two resource types", "a bad duration", "a missing object"])
def test_bad_watches_say_why_and_leave_the_clock(lab, command, stderr):
    r = lab.kubectl(command)
    assert (r.rc, r.stdout, r.stderr, lab.now) == (1, "", stderr, 0)


@pytest.mark.parametrize("text, seconds", [("90", 90.0), ("0", 0.0), ("2m", 120.0), ("1h30m", 5400.0),
                                           ("1.5s", 1.5), ("500ms", 0.5)])
def test_request_timeout_is_seconds_or_a_go_duration(text, seconds):
    assert request_timeout(text) == seconds


@pytest.mark.parametrize("text", ["5x", "s", "-1", "1 m"])
def test_request_timeout_refuses_what_client_go_refuses(text):
    with pytest.raises(K8sLabError):
        request_timeout(text)


def test_a_crash_loop_watched_shows_each_error_then_the_back_off():
    # upstream syncPod reports the terminated container (generateAPIPodStatus) before SyncPod restarts it or backs
    # off; the first restart is immediate, the next ones wait 10 s, 20 s... (CrashLoopBackOff)
    lab = kl.Cluster.from_preset("kind-1node", seed=0)
    lab.apply("data/manifests/03-pod-lifecycle/crashloop.yaml")
    lines = lab.kubectl("get pod crash -w --request-timeout=30s").stdout.splitlines()
    assert lines == [
        "NAME    READY   STATUS    RESTARTS   AGE",
        "crash   0/1     Pending   0          0s",
        "crash   0/1   Pending   0     0s",
        "crash   0/1   ContainerCreating   0     0s",
        "crash   1/1   Running   0     0s",
        "crash   0/1   Error   0     3s",
        "crash   1/1   Running   1 (0s ago)   3s",
        "crash   0/1   Error   1 (3s ago)   6s",
        "crash   0/1   CrashLoopBackOff   1 (0s ago)   6s",
        "crash   1/1   Running   2 (10s ago)   16s",
        "crash   0/1   Error   2 (13s ago)   19s",
        "crash   0/1   CrashLoopBackOff   2 (0s ago)   19s",
    ]
