"""kubectl logs, describe pod (state, last state, restarts, events), cordon, uncordon and drain: exact output."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "kubelet"))
from kubeletlab import bound_pod, lab_with, pod  # noqa: E402

BROKEN = """
containers:
- name: web
  image: ghcr.io/k8slab/web:2.1-broken
"""


# -- logs ------------------------------------------------------------------------------------------------
def test_logs_of_a_running_container():
    lab = lab_with(bound_pod("web", "containers:\n- {name: web, image: 'ghcr.io/k8slab/web:1.0'}\n"))
    lab.run(3)
    assert lab.kubectl("logs web").stdout == "listening on :8080\n"
    lab.run(3)
    r = lab.kubectl("logs pod/web")
    assert (r.rc, r.stdout, r.stderr) == (0, "listening on :8080\nready to serve traffic\n", "")
    assert lab.kubectl("logs web --tail 1").stdout == "ready to serve traffic\n"


def test_logs_during_a_crash_loop_show_the_last_run_and_previous_shows_the_one_before():
    lab = lab_with(bound_pod("web", BROKEN, annotations={"k8slab.io/web.crash-after": "3s"}))
    lab.run(25)
    assert lab.kubectl("logs web").stdout == "listening on :8080\npanic: config key DATABASE_URL is not set\n"
    assert lab.kubectl("logs web --previous").stdout == \
        "listening on :8080\npanic: config key DATABASE_URL is not set\n"


LOG_ERRORS = [
    ("logs web", 'Error from server (BadRequest): container "web" in pod "web" is waiting to start: '
                 "ContainerCreating\n"),
    ("logs web -p", 'Error from server (BadRequest): previous terminated container "web" in pod "web" not found\n'),
    ("logs web -c db", "Error from server (BadRequest): container db is not valid for pod web\n"),
    ("logs nope", 'Error from server (NotFound): pods "nope" not found\n'),
    ("logs", "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required "
             "argument for the logs command\nSee 'kubectl logs -h' for help and examples\n"),
]


@pytest.mark.parametrize("cmd,stderr", LOG_ERRORS, ids=[
    "a container still being created", "no previous container yet", "an unknown container", "an unknown pod",
    "no pod named"])
def test_logs_errors(cmd, stderr):
    lab = lab_with(bound_pod("web", BROKEN))
    lab.run(0.1)
    r = lab.kubectl(cmd)
    assert (r.rc, r.stdout, r.stderr) == (1, "", stderr)


@pytest.mark.parametrize("image,what", [("nginx:nope", "image can't be pulled"),
                                        ("registry.internal:5000/app:1", "image can't be pulled")],
                         ids=["ErrImagePull", "a refused registry"])
def test_logs_of_a_container_whose_image_cannot_be_pulled(image, what):
    lab = lab_with(bound_pod("web", f"containers:\n- {{name: web, image: '{image}'}}\n"))
    lab.run(1)
    assert lab.kubectl("logs web").stderr == \
        f'Error from server (BadRequest): container "web" in pod "web" is waiting to start: {what}\n'
    lab.run(20)
    assert lab.kubectl("logs web").stderr == ('Error from server (BadRequest): container "web" in pod "web" is '
                                              "waiting to start: trying and failing to pull image\n")


def test_logs_default_to_the_first_container_and_say_so():
    lab = lab_with(bound_pod("app", """
        initContainers:
        - {name: migrate, image: "ghcr.io/k8slab/worker:1.0"}
        containers:
        - {name: web, image: "ghcr.io/k8slab/web:1.0"}
        - {name: cache, image: "redis:7.4"}
        """))
    lab.run(15)
    r = lab.kubectl("logs app")
    assert r.stderr == 'Defaulted container "web" out of: web, cache, migrate (init)\n'
    assert r.stdout == "listening on :8080\n"
    assert lab.kubectl("logs app -c migrate").stdout == "processing batch\ndone\n"
    assert lab.kubectl("logs app -c cache").stdout == "1:M 01 Jan 2026 00:00:11.000 * Ready to accept connections tcp\n"


def test_logs_of_a_workload_pick_a_pod():
    lab = lab_with()
    lab.apply("""
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeName: node-1
      containers: [{name: web, image: "ghcr.io/k8slab/web:1.0"}]
""")
    lab.run(10)
    r = lab.kubectl("logs rs/web")
    first = sorted(p.metadata.name for p in lab.list("pod"))
    assert r.stderr.startswith("Found 2 pods, using pod/")
    assert r.stderr.split("pod/")[1].strip() in first
    assert r.stdout == "listening on :8080\nready to serve traffic\n"


# -- describe pod ------------------------------------------------------------------------------------------
def test_describe_a_crash_looping_pod():
    lab = lab_with(bound_pod("web", BROKEN))
    lab.run(25)
    p = pod(lab, "web")
    uid = p["metadata"]["uid"]
    cs = p["status"]["containerStatuses"][0]
    out = lab.kubectl("describe pod web").stdout
    section = out[out.index("Containers:"):out.index("    Environment:")]
    assert section == (
        "Containers:\n"
        "  web:\n"
        f"    Container ID:   {cs['containerID']}\n"
        "    Image:          ghcr.io/k8slab/web:2.1-broken\n"
        f"    Image ID:       {cs['imageID']}\n"
        "    Port:           <none>\n"
        "    Host Port:      <none>\n"
        "    State:          Waiting\n"
        "      Reason:       CrashLoopBackOff\n"
        "    Last State:     Terminated\n"
        "      Reason:       Error\n"
        "      Exit Code:    1\n"
        "      Started:      Thu, 01 Jan 2026 00:00:16 +0000\n"
        "      Finished:     Thu, 01 Jan 2026 00:00:19 +0000\n"
        "    Ready:          False\n"
        "    Restart Count:  2\n")
    events = out[out.index("Events:"):]
    assert events == (
        "Events:\n"
        "  Type     Reason   Age               From     Message\n"
        "  ----     ------   ----              ----     -------\n"
        '  Normal   Pulling  25s               kubelet  Pulling image "ghcr.io/k8slab/web:2.1-broken"\n'
        '  Normal   Pulled   25s               kubelet  Successfully pulled image "ghcr.io/k8slab/web:2.1-broken" in '
        "310ms (310ms including waiting). Image size: 16252928 bytes.\n"
        "  Normal   Created  9s (x3 over 25s)  kubelet  Created container: web\n"
        "  Normal   Started  9s (x3 over 25s)  kubelet  Started container web\n"
        '  Normal   Pulled   9s (x2 over 22s)  kubelet  Container image "ghcr.io/k8slab/web:2.1-broken" already '
        "present on machine\n"
        f"  Warning  BackOff  6s (x2 over 19s)  kubelet  Back-off restarting failed container web in pod web_default"
        f"({uid})\n")


def test_describe_a_pod_owned_by_a_replicaset_names_its_controller():
    lab = lab_with()
    lab.apply("""
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeName: node-1
      containers: [{name: web, image: "nginx:1.27"}]
""")
    lab.run(1)
    name = lab.list("pod")[0].metadata.name
    out = lab.kubectl(f"describe pod {name}").stdout
    # Go's tabwriter aligns "  IP:" with "Controlled By:" (the "IPs:" line without a tab ends the block above)
    assert "\nIPs:\n  IP:           10.244.0.2\nControlled By:  ReplicaSet/web\n" in out


def test_describe_a_terminating_pod():
    lab = lab_with(bound_pod("web", "containers:\n- {name: web, image: 'nginx:1.27'}\n",
                             annotations={"k8slab.io/shutdown-seconds": "60"}))
    lab.run(5)
    lab.delete("pod", "web")
    lab.run(3)
    out = lab.kubectl("describe pod web").stdout
    # upstream prints the time since deletionTimestamp, which lies in the future during the grace period
    assert "\nStatus:                    Terminating (lasts <invalid>)\nTermination Grace Period:  30s\n" in out
    assert out.endswith("  Normal  Killing  3s    kubelet  Stopping container web\n")


# -- cordon, uncordon, drain ----------------------------------------------------------------------------------
CORDON = [
    (["cordon node-1"], "node/node-1 cordoned\n"),
    (["cordon node-1", "cordon node-1"], "node/node-1 already cordoned\n"),
    (["uncordon node-1"], "node/node-1 already uncordoned\n"),
    (["cordon node-1", "uncordon node-1"], "node/node-1 uncordoned\n"),
]


@pytest.mark.parametrize("cmds,out", CORDON, ids=["cordon", "cordon twice", "uncordon a schedulable node",
                                                  "uncordon a cordoned node"])
def test_cordon_and_uncordon(cmds, out):
    lab = lab_with()
    for c in cmds[:-1]:
        lab.kubectl(c)
    r = lab.kubectl(cmds[-1])
    assert (r.rc, r.stdout, r.stderr) == (0, out, "")


def test_cordon_an_unknown_node():
    r = lab_with().kubectl("cordon node-9")
    assert (r.rc, r.stdout, r.stderr) == (1, "", 'Error from server (NotFound): nodes "node-9" not found\n')
    assert lab_with().kubectl("get nodes").stdout.splitlines()[1].split()[1] == "Ready"


def test_cordoned_nodes_show_scheduling_disabled():
    lab = lab_with()
    lab.kubectl("cordon node-1")
    assert lab.kubectl("get nodes").stdout.splitlines()[1].split()[1] == "Ready,SchedulingDisabled"


BARE = "containers:\n- {name: web, image: 'ghcr.io/k8slab/web:1.0'}\n"


def test_drain_refuses_a_pod_without_a_controller():
    lab = lab_with(bound_pod("hr-app", BARE))
    lab.run(2)
    r = lab.kubectl("drain node-1")
    msg = "cannot delete cannot delete Pods that declare no controller (use --force to override): default/hr-app"
    assert r.rc == 1
    assert r.stdout == "node/node-1 cordoned\n"
    assert r.stderr == (f'error: unable to drain node "node-1" due to error: {msg}, continuing command...\n'
                        "There are pending nodes to be drained:\n node-1\n" + msg + "\n")
    assert pod(lab, "hr-app")["metadata"].get("deletionTimestamp") is None


def test_drain_with_force_deletes_it_and_warns():
    lab = lab_with(bound_pod("hr-app", BARE))
    lab.run(2)
    r = lab.kubectl("drain node-1 --force")
    assert (r.rc, r.stdout, r.stderr) == (
        0, "node/node-1 cordoned\nevicting pod default/hr-app\npod/hr-app evicted\nnode/node-1 drained\n",
        "Warning: deleting Pods that declare no controller: default/hr-app\n")


def test_drain_lists_every_reason_it_cannot():
    lab = lab_with(bound_pod("bare", BARE), bound_pod("scratch", BARE + "volumes: [{name: tmp, emptyDir: {}}]\n"))
    pods = lab.api.resource("pods")
    p = lab.api.get(pods, "default", "scratch")
    p["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "scratch",
                                         "uid": "1", "controller": True}]
    lab.api.write_status(pods, p)
    r = lab.kubectl("drain node-1")
    assert r.stderr.splitlines()[0] == (
        'error: unable to drain node "node-1" due to error: [cannot delete cannot delete Pods that declare no '
        "controller (use --force to override): default/bare, cannot delete cannot delete Pods with local storage "
        "(use --delete-emptydir-data to override): default/scratch], continuing command...")


def test_drain_waits_while_a_disruption_budget_says_no():
    lab = lab_with()
    lab.apply("""
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeName: node-1
      containers: [{name: web, image: "ghcr.io/k8slab/web:1.0"}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
""")
    lab.run(10)
    name = lab.list("pod")[0].metadata.name
    r = lab.kubectl("drain node-1 --timeout 12s")
    assert r.rc == 1
    assert r.stderr.splitlines()[0] == (f'error when evicting pods/"{name}" -n "default" (will retry after 5s): '
                                        "Cannot evict pod as it would violate the pod's disruption budget.")
    assert r.stderr.splitlines()[-1] == "drain did not complete within 12s"
