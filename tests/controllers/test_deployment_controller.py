"""The Deployment controller in a lab: Recreate, minReadySeconds, progress deadline, history limit, GC."""

import copy

from conftest import events_of, pods, ready_all, set_pod

DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
%s
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.26"}]}
"""


def new_image(lab, image):
    res = lab.api.resource("deployments")
    d = copy.deepcopy(lab.api.get(res, "default", "web"))
    d["spec"]["template"]["spec"]["containers"][0]["image"] = image
    lab.api.update(d)


def status(lab):
    return lab.api.get(lab.api.resource("deployments"), "default", "web")["status"]


def test_recreate_removes_every_old_pod_before_creating_new_ones(lab):
    lab.apply(DEPLOY % "  strategy: {type: Recreate}")
    lab.run(1)
    ready_all(lab)
    lab.run(1)
    old = {p["metadata"]["name"] for p in pods(lab)}
    new_image(lab, "nginx:1.27")
    lab.run(1)
    now = {p["metadata"]["name"] for p in pods(lab)}
    assert not (now & old) and len(now) == 2  # no kubelet: deleted pods are gone at once, then the new RS scales up
    msgs = [m for _, _, m in events_of(lab, "Deployment", "web")]
    assert msgs[1].startswith("Scaled down replica set web-") and msgs[1].endswith(" from 2 to 0")
    assert msgs[2].startswith("Scaled up replica set web-") and msgs[2].endswith(" from 0 to 2")


def test_min_ready_seconds_delays_availability(lab):
    lab.apply(DEPLOY % "  minReadySeconds: 10")
    lab.run(1)
    ready_all(lab)  # ready at t=1
    lab.run(5)
    assert status(lab).get("availableReplicas", 0) == 0
    assert status(lab)["readyReplicas"] == 2
    lab.run(6)  # available strictly after 1 + 10 s
    assert status(lab)["availableReplicas"] == 2


def test_a_rollout_that_never_becomes_ready_exceeds_its_progress_deadline(lab):
    lab.apply(DEPLOY % "  progressDeadlineSeconds: 30")
    lab.run(1)
    ready_all(lab)
    lab.run(1)
    new_image(lab, "nginx:broken")
    lab.run(1)
    for p in pods(lab):  # the new pod runs but never turns Ready
        if p["status"].get("phase") != "Running":
            set_pod(lab, p["metadata"]["name"], ready=False)
    r = lab.kubectl("rollout status deployment/web")
    assert r.rc == 1 and r.stderr == 'error: deployment "web" exceeded its progress deadline\n'
    cond = [c for c in status(lab)["conditions"] if c["type"] == "Progressing"][0]
    assert (cond["status"], cond["reason"]) == ("False", "ProgressDeadlineExceeded")
    assert cond["message"].endswith('" has timed out progressing.')
    assert 32 < lab.now < 33  # last progress at t=2 (the new pod was created), deadline 30 s
    assert status(lab)["availableReplicas"] == 2  # the old pods kept serving


def test_revision_history_limit_deletes_old_replica_sets(lab):
    lab.apply(DEPLOY % "  revisionHistoryLimit: 1")
    for image in ("nginx:1.27", "nginx:1.28", "nginx:1.29"):
        lab.run(1)
        ready_all(lab)
        lab.run(1)
        new_image(lab, image)
        for _ in range(4):
            lab.run(1)
            ready_all(lab)
    lab.run(1)
    rss = lab.api.list(lab.api.resource("replicasets"), "default")
    revisions = sorted(int(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]) for rs in rss)
    assert revisions == [3, 4]  # the current one and one old one


def test_deleting_a_deployment_collects_its_replica_sets_and_pods(lab):
    lab.apply(DEPLOY % "")
    lab.run(1)
    lab.kubectl("delete deployment web")
    lab.run(1)
    assert lab.api.list(lab.api.resource("replicasets"), "default") == []
    assert pods(lab) == []
