"""Pods on a kubelet: start-up, restart policies, crash-loop back-off, OOM, config errors, admission.

Each scenario checks the exact events and when they happen on the simulated clock.
"""

import pytest

from kubeletlab import bound_pod, container_status, events, get_pods_line, lab_with, pod

NGINX = """
containers:
- name: web
  image: nginx:1.27
"""
PULL = 72099501 / (50 * 2**20)  # nginx:1.27 at the lab's 50 MiB/s: 1.375 s


def test_a_pod_starts_with_kubelets_events_at_pull_time():
    lab = lab_with(bound_pod("web", NGINX))
    lab.run(1)
    assert get_pods_line(lab, "web") == "web 0/1 ContainerCreating 0 1s"
    lab.run(1)
    assert events(lab, "web") == [
        (0.0, "Pulling", 'Pulling image "nginx:1.27"'),
        (1.375, "Pulled", 'Successfully pulled image "nginx:1.27" in 1.375s (1.375s including waiting). '
                          "Image size: 72099501 bytes."),
        (1.375, "Created", "Created container: web"),
        (1.375, "Started", "Started container web"),
    ]
    assert get_pods_line(lab, "web") == "web 1/1 Running 0 2s"
    p = pod(lab, "web")
    assert [(c["type"], c["status"], c["lastTransitionTime"]) for c in p["status"]["conditions"]] == [
        ("PodReadyToStartContainers", "True", "2026-01-01T00:00:00Z"),
        ("Initialized", "True", "2026-01-01T00:00:00Z"),
        ("Ready", "True", "2026-01-01T00:00:01Z"),
        ("ContainersReady", "True", "2026-01-01T00:00:01Z"),
        ("PodScheduled", "True", "2026-01-01T00:00:00Z"),
    ]
    assert (p["status"]["podIP"], p["status"]["hostIP"], p["status"]["startTime"]) == \
        ("10.244.0.2", "10.224.0.4", "2026-01-01T00:00:00Z")


def test_the_second_pod_finds_the_image_on_the_node():
    lab = lab_with(bound_pod("a", NGINX))
    lab.run(5)
    lab.apply(bound_pod("b", NGINX))
    lab.run(1)
    assert events(lab, "b") == [(5.0, "Pulled", 'Container image "nginx:1.27" already present on machine'),
                                (5.0, "Created", "Created container: web"), (5.0, "Started", "Started container web")]


def test_pulls_on_one_node_wait_for_each_other():
    lab = lab_with(bound_pod("a", NGINX), bound_pod("b", """
        containers:
        - name: web
          image: ghcr.io/k8slab/web:1.0
        """))
    lab.run(3)
    assert events(lab, "b")[:2] == [
        (0.0, "Pulling", 'Pulling image "ghcr.io/k8slab/web:1.0"'),
        (1.675, "Pulled", 'Successfully pulled image "ghcr.io/k8slab/web:1.0" in 300ms (1.675s including waiting). '
                          "Image size: 15728640 bytes."),
    ]


RESTARTS = [
    ("Never", "1", "web 0/1 Error 0 20s", "Failed"),
    ("Never", "0", "web 0/1 Completed 0 20s", "Succeeded"),
    ("OnFailure", "0", "web 0/1 Completed 0 20s", "Succeeded"),
    ("OnFailure", "1", "web 0/1 CrashLoopBackOff 1 (9s ago) 20s", "Running"),
    ("Always", "0", "web 0/1 CrashLoopBackOff 1 (9s ago) 20s", "Running"),
]


@pytest.mark.parametrize("policy,code,row,phase", RESTARTS, ids=[
    "Never with exit 1: Error, pod Failed", "Never with exit 0: Completed, pod Succeeded",
    "OnFailure with exit 0: Completed", "OnFailure with exit 1: restarted, then backs off",
    "Always restarts even after exit 0"])
def test_restart_policy_decides_what_happens_after_an_exit(policy, code, row, phase):
    lab = lab_with(bound_pod("web", f"""
        restartPolicy: {policy}
        containers:
        - name: web
          image: nginx:1.27
        """, annotations={"k8slab.io/crash-after": "5s", "k8slab.io/exit-code": code}))
    lab.run(20)
    assert get_pods_line(lab, "web") == row
    assert pod(lab, "web")["status"]["phase"] == phase


BROKEN = """
containers:
- name: web
  image: ghcr.io/k8slab/web:2.1-broken
"""


def test_crash_loop_back_off_doubles_from_10s_to_5m():
    lab = lab_with(bound_pod("web", BROKEN))
    uid = pod(lab, "web")["metadata"]["uid"]
    lab.run(1000)
    starts = [t for t, reason, _ in events(lab, "web") if reason == "Started"]
    # pulled in 0.31 s; the app exits 3 s after each start; the first restart is immediate
    assert starts == [0.31, 3.31, 16.31, 39.31, 82.31, 165.31, 328.31, 631.31, 934.31]
    gaps = [round(b - a - 3, 2) for a, b in zip(starts[1:], starts[2:])]
    assert gaps == [10, 20, 40, 80, 160, 300, 300]
    backoffs = sorted({t for t, reason, _ in events(lab, "web") if reason == "BackOff"})
    assert backoffs[:2] == [6.31, 19.31]
    assert events(lab, "web", since=6.31)[0] == (
        6.31, "BackOff", f"Back-off restarting failed container web in pod web_default({uid})")


@pytest.mark.parametrize("at,message", [
    (10, "back-off 10s restarting failed container=web pod=web_default({uid})"),
    (30, "back-off 20s restarting failed container=web pod=web_default({uid})"),
    (60, "back-off 40s restarting failed container=web pod=web_default({uid})"),
    (100, "back-off 1m20s restarting failed container=web pod=web_default({uid})"),
    (200, "back-off 2m40s restarting failed container=web pod=web_default({uid})"),
    (400, "back-off 5m0s restarting failed container=web pod=web_default({uid})"),
], ids=["10s", "20s", "40s", "1m20s", "2m40s", "5m0s"])
def test_the_waiting_message_names_the_back_off(at, message):
    lab = lab_with(bound_pod("web", BROKEN))
    uid = pod(lab, "web")["metadata"]["uid"]
    lab.run(at)
    cs = container_status(lab, "web")
    assert cs["state"] == {"waiting": {"reason": "CrashLoopBackOff", "message": message.format(uid=uid)}}
    assert cs["lastState"]["terminated"]["reason"] == "Error"
    assert cs["lastState"]["terminated"]["exitCode"] == 1


@pytest.mark.parametrize("runs,restart_gap", [(700, 0.0), (500, 10.0)],
                         ids=["ten minutes of running resets the back-off", "less than ten minutes does not"])
def test_back_off_resets_after_ten_minutes_running(runs, restart_gap):
    lab = lab_with(bound_pod("web", NGINX, annotations={"k8slab.io/crash-after": f"{runs}s"}))
    lab.run(3 * runs + 100)
    starts = [t for t, reason, _ in events(lab, "web") if reason == "Started"]
    assert round(starts[2] - starts[1] - runs, 3) == restart_gap


def test_oom_killed_exit_137_when_memory_passes_the_limit():
    lab = lab_with(bound_pod("leaky", """
        containers:
        - name: app
          image: ghcr.io/k8slab/leaky:1.0
          resources:
            limits: {memory: 100Mi}
        """))
    lab.run(9)  # pulled at 0.2 s; 20 MiB growing 10 MiB/s passes 100 MiB 8 s after the start
    cs = container_status(lab, "leaky")
    assert cs["lastState"]["terminated"]["reason"] == "OOMKilled"
    assert cs["lastState"]["terminated"]["exitCode"] == 137
    assert cs["lastState"]["terminated"]["finishedAt"] == "2026-01-01T00:00:08Z"
    assert cs["restartCount"] == 1


def test_a_missing_configmap_key_is_create_container_config_error_until_it_exists():
    lab = lab_with(bound_pod("web", """
        containers:
        - name: web
          image: nginx:1.27
          env:
          - name: COLOR
            valueFrom:
              configMapKeyRef: {name: cfg, key: color}
        """))
    lab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"size": "L"}})
    lab.run(5)
    assert get_pods_line(lab, "web") == "web 0/1 CreateContainerConfigError 0 5s"
    assert container_status(lab, "web")["state"] == {"waiting": {
        "reason": "CreateContainerConfigError", "message": "couldn't find key color in ConfigMap default/cfg"}}
    assert events(lab, "web")[2] == (1.375, "Failed", "Error: couldn't find key color in ConfigMap default/cfg")
    lab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"},
               "data": {"size": "L", "color": "blue"}})
    lab.run(10)
    assert events(lab, "web", since=5) == [
        (11.375, "Pulled", 'Container image "nginx:1.27" already present on machine'),
        (11.375, "Created", "Created container: web"), (11.375, "Started", "Started container web")]


@pytest.mark.parametrize("ref,message", [
    ({"secretKeyRef": {"name": "db", "key": "password"}}, 'secret "db" not found'),
    ({"configMapKeyRef": {"name": "nope", "key": "x"}}, 'configmap "nope" not found'),
    ({"configMapKeyRef": {"name": "nope", "key": "x", "optional": True}}, None),
], ids=["a missing secret", "a missing configmap", "an optional reference is skipped"])
def test_missing_references(ref, message):
    lab = lab_with(bound_pod("web", f"""
        containers:
        - name: web
          image: nginx:1.27
          env:
          - name: X
            valueFrom: {ref}
        """.replace("'", '"')))
    lab.run(3)
    state = container_status(lab, "web")["state"]
    if message is None:
        assert "running" in state
    else:
        assert state == {"waiting": {"reason": "CreateContainerConfigError", "message": message}}


ADMISSION = [
    ({"cpu": "8"}, "OutOfcpu", "Node didn't have enough resource: cpu, requested: 8000, used: 0, capacity: 4000"),
    ({"memory": "16Gi"}, "OutOfmemory",
     "Node didn't have enough resource: memory, requested: 17179869184, used: 0, capacity: 8589934592"),
]


@pytest.mark.parametrize("requests,reason,message", ADMISSION, ids=["too much cpu", "too much memory"])
def test_the_kubelet_rejects_a_pod_that_does_not_fit(requests, reason, message):
    req = ", ".join(f"{k}: {v}" for k, v in requests.items())
    lab = lab_with(bound_pod("big", f"""
        containers:
        - name: web
          image: nginx:1.27
          resources:
            requests: {{{req}}}
        """))
    lab.run(1)
    status = pod(lab, "big")["status"]
    assert (status["phase"], status["reason"], status["message"]) == ("Failed", reason, "Pod was rejected: " + message)
    assert events(lab, "big") == [(0.0, reason, message)]
    assert get_pods_line(lab, "big") == f"big 0/1 {reason} 0 1s"


def test_active_deadline_seconds_ends_the_pod():
    lab = lab_with(bound_pod("web", "activeDeadlineSeconds: 10\n" + NGINX))
    lab.run(15)
    status = pod(lab, "web")["status"]
    assert (status["phase"], status["reason"], status["message"]) == (
        "Failed", "DeadlineExceeded", "Pod was active on the node longer than the specified deadline")
    assert events(lab, "web")[-2:] == [
        (10.0, "DeadlineExceeded", "Pod was active on the node longer than the specified deadline"),
        (10.0, "Killing", "Stopping container web")]
    # kubectl prints the containers' reason over the pod's (nginx exits 0 on its stop signal)
    assert get_pods_line(lab, "web") == "web 0/1 Completed 0 15s"


def test_changing_the_image_of_a_running_pod_restarts_its_container():
    lab = lab_with(bound_pod("web", """
        containers:
        - {name: web, image: "ghcr.io/k8slab/web:1.0"}
        """))
    lab.run(5)
    p = pod(lab, "web")
    p["spec"]["containers"][0]["image"] = "ghcr.io/k8slab/web:2.0"
    lab.api.update(p)
    lab.run(5)
    assert [(t, r, m) for t, r, m in events(lab, "web", since=5)][:3] == [
        (5.0, "Killing", "Container web definition changed, will be restarted"),
        (6.0, "Pulling", 'Pulling image "ghcr.io/k8slab/web:2.0"'),
        (6.31, "Pulled", 'Successfully pulled image "ghcr.io/k8slab/web:2.0" in 310ms (310ms including waiting). '
                         "Image size: 16252928 bytes.")]
    assert container_status(lab, "web")["restartCount"] == 1


def test_a_saved_lab_goes_on_running_its_containers(tmp_path):
    import k8slab as kl

    lab = lab_with(bound_pod("web", NGINX, annotations={"k8slab.io/crash-after": "100s"}))
    lab.run(50)
    before = container_status(lab, "web")
    lab.save(tmp_path / "lab.json")
    again = kl.Cluster.load(tmp_path / "lab.json")
    again.run(10)
    assert container_status(again, "web") == before
    again.run(45)  # the app crashes 100 s after it started at 1.375 s, and is restarted at once
    cs = container_status(again, "web")
    assert cs["restartCount"] == 1
    assert cs["lastState"]["terminated"]["finishedAt"] == "2026-01-01T00:01:41Z"


def test_fallback_to_logs_on_error_puts_the_end_of_the_log_in_the_termination_message():
    lab = lab_with(bound_pod("web", """
        containers:
        - name: web
          image: ghcr.io/k8slab/web:2.1-broken
          terminationMessagePolicy: FallbackToLogsOnError
        """))
    lab.run(5)
    last = container_status(lab, "web")["lastState"]["terminated"]
    assert last["message"] == "listening on :8080\npanic: config key DATABASE_URL is not set\n"
