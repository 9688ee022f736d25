"""Init containers, sidecars, probes and lifecycle hooks: upstream's order, thresholds, reasons and messages."""

import pytest
from kubeletlab import bound_pod, container_status, events, get_pods_line, lab_with, pod


def reasons(lab, name, since=0.0):
    return [(t, r) for t, r, _m in events(lab, name, since)]


# -- init containers -------------------------------------------------------------------------------------
INIT = """
initContainers:
- {name: migrate, image: "ghcr.io/k8slab/worker:1.0"}
- {name: seed, image: "ghcr.io/k8slab/worker:1.0"}
containers:
- {name: web, image: "nginx:1.27"}
"""


def test_init_containers_run_one_after_the_other_before_the_containers():
    lab = lab_with(bound_pod("app", INIT))
    lab.run(5)
    assert get_pods_line(lab, "app") == "app 0/1 Init:0/2 0 5s"
    p = pod(lab, "app")
    init = {c["type"]: c for c in p["status"]["conditions"]}["Initialized"]
    assert (init["status"], init["reason"], init["message"]) == (
        "False", "ContainersNotInitialized", "containers with incomplete status: [migrate seed]")
    assert container_status(lab, "app", "web")["state"] == {"waiting": {"reason": "PodInitializing"}}
    lab.run(30)
    # the worker image runs 10 s: migrate 0.16-10.16, seed 10.16-20.16, then web (pulled in 1.375 s)
    assert [(t, m) for t, r, m in events(lab, "app") if r == "Started"] == [
        (0.16, "Started container migrate"), (10.16, "Started container seed"), (21.535, "Started container web")]
    assert get_pods_line(lab, "app") == "app 1/1 Running 0 35s"


@pytest.mark.parametrize("policy,row,phase", [
    ("Never", "app 0/1 Init:Error 0 30s", "Failed"),
    ("Always", "app 0/1 Init:CrashLoopBackOff 1 (10s ago) 30s", "Pending"),
], ids=["a failed init container fails a Never pod", "with Always it is retried with back-off"])
def test_a_failing_init_container(policy, row, phase):
    lab = lab_with(bound_pod("app", f"restartPolicy: {policy}\n" + INIT,
                             annotations={"k8slab.io/migrate.exit-code": "1"}))
    lab.run(30)
    assert get_pods_line(lab, "app") == row
    assert pod(lab, "app")["status"]["phase"] == phase
    assert "Started container web" not in [m for _t, _r, m in events(lab, "app")]


# -- sidecars -----------------------------------------------------------------------------------------------
SIDECAR_JOB = """
restartPolicy: Never
initContainers:
- {name: proxy, image: "ghcr.io/k8slab/web:1.0", restartPolicy: Always,
   startupProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}}
containers:
- {name: work, image: "ghcr.io/k8slab/worker:1.0"}
"""


def test_a_sidecar_starts_first_stays_up_and_is_stopped_when_the_job_is_done():
    lab = lab_with(bound_pod("job", SIDECAR_JOB))
    lab.run(5)
    assert get_pods_line(lab, "job") == "job 2/2 Running 0 5s"
    lab.run(20)
    # proxy pulled by 0.3 s and started (startup probe passes at once); work pulled 0.16 s later, runs 10 s
    assert [(t, r, m) for t, r, m in events(lab, "job") if r in ("Started", "Killing")] == [
        (0.3, "Started", "Started container proxy"), (0.46, "Started", "Started container work"),
        (10.46, "Killing", "Stopping container proxy")]
    assert get_pods_line(lab, "job") == "job 0/2 Completed 0 25s"
    assert pod(lab, "job")["status"]["phase"] == "Succeeded"


def test_the_next_container_waits_for_the_sidecars_startup_probe():
    lab = lab_with(bound_pod("app", """
        initContainers:
        - name: db
          image: postgres:17
          restartPolicy: Always
          startupProbe: {tcpSocket: {port: 5432}, periodSeconds: 2}
        containers:
        - {name: web, image: "nginx:1.27"}
        """))
    lab.run(15)
    started = [(t, m) for t, r, m in events(lab, "app") if r == "Started"]
    # postgres pulled in 3.0226 s, listens 3 s later: startup probes at 3.02, 5.02 fail, 7.02 succeeds
    assert started == [(3.023, "Started container db"), (8.398, "Started container web")]
    assert [m for t, r, m in events(lab, "app") if r == "Unhealthy"] == [
        "Startup probe failed: dial tcp 10.244.0.2:5432: connect: connection refused"] * 2


# -- probes -------------------------------------------------------------------------------------------------
def probe_pod(probe: str, field: str = "readinessProbe", annotations=None) -> str:
    return bound_pod("web", f"""
        containers:
        - name: web
          image: ghcr.io/k8slab/web:1.0
          {field}: {probe}
        """, annotations=annotations)


def test_readiness_waits_for_the_app_and_counts_from_the_container_start():
    lab = lab_with(probe_pod("{httpGet: {path: /ready, port: 8080}, periodSeconds: 2}"))
    lab.run(10)
    # started at 0.3 s; /ready answers 503 for 5 s: probes at 0.3, 2.3, 4.3 fail, 6.3 succeeds
    assert [t for t, r, _m in events(lab, "web") if r == "Unhealthy"] == [0.3, 2.3, 4.3]
    ready = {c["type"]: c for c in pod(lab, "web")["status"]["conditions"]}["Ready"]
    assert (ready["status"], ready["lastTransitionTime"]) == ("True", "2026-01-01T00:00:06Z")


def test_readiness_failure_thresholds_take_a_ready_pod_out():
    lab = lab_with(probe_pod("{httpGet: {path: /ready, port: 8080}, periodSeconds: 5, failureThreshold: 3}",
                             annotations={"k8slab.io/hang-after": "20s"}))
    lab.run(60)
    ready = {c["type"]: c for c in pod(lab, "web")["status"]["conditions"]}["Ready"]
    # hangs at 20.3 s: probes at 20.3, 25.3, 30.3 fail; the third takes the pod out
    assert (ready["status"], ready["lastTransitionTime"]) == ("False", "2026-01-01T00:00:30Z")
    assert events(lab, "web", since=20)[0] == (20.3, "Unhealthy", 'Readiness probe failed: Get '
                                               '"http://10.244.0.2:8080/ready": context deadline exceeded '
                                               "(Client.Timeout exceeded while awaiting headers)")
    assert get_pods_line(lab, "web") == "web 0/1 Running 0 60s"  # readiness never restarts


def test_liveness_failure_restarts_the_container():
    lab = lab_with(probe_pod("{httpGet: {path: /healthz, port: 8080}, periodSeconds: 5, failureThreshold: 2}",
                             field="livenessProbe", annotations={"k8slab.io/hang-after": "12s"}))
    lab.run(25)
    # hung at 12.3: probes at 15.3 and 20.3 fail; the second kills it; the hung app ignores SIGTERM for 30 s
    assert reasons(lab, "web", since=15) == [(15.3, "Unhealthy"), (20.3, "Unhealthy"), (20.3, "Killing")]
    assert events(lab, "web", since=20)[1][2] == "Container web failed liveness probe, will be restarted"
    lab.run(30)
    cs = container_status(lab, "web")
    assert cs["restartCount"] == 1
    assert (cs["lastState"]["terminated"]["exitCode"], cs["lastState"]["terminated"]["finishedAt"]) == \
        (137, "2026-01-01T00:00:50Z")


BAD_PROBES = [
    ("{httpGet: {path: /healthz, port: 9090}}",
     'Liveness probe failed: Get "http://10.244.0.2:9090/healthz": dial tcp 10.244.0.2:9090: connect: connection '
     "refused"),
    ("{httpGet: {path: /nope, port: 8080}}", "Liveness probe failed: HTTP probe failed with statuscode: 404"),
    ("{tcpSocket: {port: 9090}}", "Liveness probe failed: dial tcp 10.244.0.2:9090: connect: connection refused"),
    ("{httpGet: {path: /healthz, port: http}}",
     'Liveness probe failed: Get "http://10.244.0.2:None/healthz": dial tcp 10.244.0.2:None: connect: connection '
     "refused"),
]


@pytest.mark.parametrize("probe,message", BAD_PROBES, ids=[
    "a wrong port is refused", "a wrong path is 404", "a wrong tcp port is refused",
    "an unknown named port"])
def test_bad_probes_give_the_probers_messages(probe, message):
    lab = lab_with(probe_pod(probe, field="livenessProbe"))
    lab.run(1)
    assert events(lab, "web")[-1] == (0.3, "Unhealthy", message)


def test_a_named_probe_port_resolves_to_the_container_port():
    lab = lab_with(bound_pod("web", """
        containers:
        - name: web
          image: ghcr.io/k8slab/web:1.0
          ports: [{name: http, containerPort: 8080}]
          livenessProbe: {httpGet: {path: /healthz, port: http}}
        """))
    lab.run(35)
    assert [r for _t, r, _m in events(lab, "web")] == ["Pulling", "Pulled", "Created", "Started"]


def test_probe_defaults_show_in_describe():
    lab = lab_with(probe_pod("{httpGet: {path: /ready, port: 8080}}"))
    out = lab.kubectl("describe pod web").stdout
    assert ("    Readiness:      http-get http://:8080/ready delay=0s timeout=1s period=10s #success=1 "
            "#failure=3\n") in out


# -- hooks --------------------------------------------------------------------------------------------------
def test_post_start_runs_before_the_container_counts_as_started():
    lab = lab_with(bound_pod("web", """
        containers:
        - name: web
          image: nginx:1.27
          lifecycle:
            postStart: {exec: {command: ["sh", "-c", "sleep 5"]}}
        - {name: side, image: "busybox:1.36", command: ["sleep", "3600"]}
        """, annotations={"k8slab.io/side.crash-after": "1h"}))
    lab.run(10)
    # the next container is created only after web's postStart hook returns (upstream: startContainer blocks)
    assert [(t, m) for t, r, m in events(lab, "web") if r in ("Started", "Pulling")] == [
        (0.0, 'Pulling image "nginx:1.27"'), (1.375, "Started container web"),
        (6.375, 'Pulling image "busybox:1.36"'), (6.416, "Started container side")]


def test_a_failing_post_start_hook_kills_and_restarts_the_container():
    lab = lab_with(bound_pod("web", """
        containers:
        - name: web
          image: nginx:1.27
          lifecycle:
            postStart: {httpGet: {path: /warmup, port: 8080}}
        """))
    uid = pod(lab, "web")["metadata"]["uid"]
    lab.run(5)
    assert events(lab, "web")[-2:] == [(1.375, "FailedPostStartHook", "PostStartHook failed"),
                                       (1.375, "Killing", "FailedPostStartHook")]
    assert container_status(lab, "web")["state"] == {"waiting": {
        "reason": "PostStartHookError",
        "message": f'HTTP lifecycle hook (/warmup) for Container "web" in Pod "web_default({uid})" failed - error: '
                   'Get "http://10.244.0.2:8080/warmup": dial tcp 10.244.0.2:8080: connect: connection refused'}}
    lab.run(10)
    assert (11.375, "Started", "Started container web") in events(lab, "web")
