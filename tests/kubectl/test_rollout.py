"""kubectl rollout status|history|undo|restart|pause|resume, set image and scale: exact texts
(upstream: kubectl pkg/cmd/rollout, pkg/polymorphichelpers, pkg/cmd/set/set_image.go, pkg/cmd/scale)."""

import copy

import pytest

from k8slab.controllers.util import format_time
from k8slab.kubectl.rollout import status_message

CONTROLLERS = ["k8slab.controllers.replicaset:ReplicaSetController",
               "k8slab.controllers.deployment:DeploymentController"]


class ReadyKubelet:
    """The tests' stand-in for the kubelet: a new pod is bound and Running and Ready a second later."""

    name = "test-kubelet"

    def attach(self, lab):
        self.lab, self.res = lab, lab.api.resource("pods")
        lab.api.watch(self.res, self._on_pod)

    def resync(self):
        pass

    def _on_pod(self, event, pod):
        if event == "ADDED":
            self.lab.env.process(self._start(pod["metadata"]["namespace"], pod["metadata"]["name"]))

    def _start(self, ns, name):
        yield self.lab.env.timeout(1)
        try:
            pod = copy.deepcopy(self.lab.api.get(self.res, ns, name))
        except Exception:
            return
        pod["spec"]["nodeName"] = "node-1"
        pod["status"].update(phase="Running", conditions=[{"type": "Ready", "status": "True",
                                                           "lastTransitionTime": format_time(self.lab.now)}])
        self.lab.api.write_status(self.res, pod)


@pytest.fixture
def lab():
    import k8slab as kl

    lab = kl.Cluster(seed=0, components=list(CONTROLLERS))
    lab.add_component(ReadyKubelet())
    lab.apply("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.26", ports: [{containerPort: 80}]}]}
""")
    return lab


def k(lab, cmd):
    r = lab.kubectl(cmd)
    return r.rc, r.stdout, r.stderr


def deployment(replicas=3, gen=2, observed=2, updated=3, total=3, available=3, reason=None):
    conds = [{"type": "Progressing", "status": "False", "reason": reason}] if reason else []
    return {"kind": "Deployment", "metadata": {"name": "web", "generation": gen}, "spec": {"replicas": replicas},
            "status": {"observedGeneration": observed, "updatedReplicas": updated, "replicas": total,
                       "availableReplicas": available, "conditions": conds}}


# upstream: rollout_status_test.go TestDeploymentStatusViewerStatus
@pytest.mark.parametrize("d, want", [
    (deployment(gen=2, observed=1), ("Waiting for deployment spec update to be observed...\n", False)),
    (deployment(updated=1, total=4, available=3),
     ('Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...\n', False)),
    (deployment(updated=3, total=4, available=3),
     ('Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...\n', False)),
    (deployment(updated=3, total=3, available=2),
     ('Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...\n', False)),
    (deployment(), ('deployment "web" successfully rolled out\n', True)),
], ids=["spec not observed yet", "new replicas being updated", "old replicas pending termination",
        "updated replicas not yet available", "rolled out"])
def test_deployment_status_messages(d, want):
    assert status_message(d) == want


def test_a_deployment_past_its_deadline_is_an_error():
    with pytest.raises(ValueError, match='deployment "web" exceeded its progress deadline'):
        status_message(deployment(updated=1, reason="ProgressDeadlineExceeded"))


# upstream: rollout_status_test.go TestDaemonSetStatusViewerStatus and TestStatefulSetStatusViewerStatus
@pytest.mark.parametrize("obj, want", [
    ({"kind": "DaemonSet", "metadata": {"name": "ds", "generation": 1}, "spec": {},
      "status": {"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 1}},
     ('Waiting for daemon set "ds" rollout to finish: 1 out of 3 new pods have been updated...\n', False)),
    ({"kind": "DaemonSet", "metadata": {"name": "ds", "generation": 1}, "spec": {},
      "status": {"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 3,
                 "numberAvailable": 2}},
     ('Waiting for daemon set "ds" rollout to finish: 2 of 3 updated pods are available...\n', False)),
    ({"kind": "DaemonSet", "metadata": {"name": "ds", "generation": 1}, "spec": {},
      "status": {"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 3,
                 "numberAvailable": 3}}, ('daemon set "ds" successfully rolled out\n', True)),
    ({"kind": "StatefulSet", "metadata": {"name": "s", "generation": 2}, "spec": {"replicas": 3},
      "status": {"observedGeneration": 1}}, ("Waiting for statefulset spec update to be observed...\n", False)),
    ({"kind": "StatefulSet", "metadata": {"name": "s", "generation": 1}, "spec": {"replicas": 3},
      "status": {"observedGeneration": 1, "readyReplicas": 1}}, ("Waiting for 2 pods to be ready...\n", False)),
    ({"kind": "StatefulSet", "metadata": {"name": "s", "generation": 1},
      "spec": {"replicas": 3, "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}},
      "status": {"observedGeneration": 1, "readyReplicas": 3, "updatedReplicas": 0}},
     ("Waiting for partitioned roll out to finish: 0 out of 1 new pods have been updated...\n", False)),
    ({"kind": "StatefulSet", "metadata": {"name": "s", "generation": 1},
      "spec": {"replicas": 3, "updateStrategy": {"type": "RollingUpdate"}},
      "status": {"observedGeneration": 1, "readyReplicas": 3, "updatedReplicas": 3, "currentReplicas": 3,
                 "currentRevision": "s-1", "updateRevision": "s-1"}},
     ("statefulset rolling update complete 3 pods at revision s-1...\n", True)),
], ids=["daemon set pods being updated", "daemon set pods becoming available", "daemon set rolled out",
        "statefulset spec not observed", "statefulset pods not ready", "partition still rolling",
        "statefulset without a partition rolled out"])
def test_daemonset_and_statefulset_status_messages(obj, want):
    assert status_message(obj) == want


def test_rollout_status_runs_the_clock_until_done(lab):
    rc, out, err = k(lab, "rollout status deployment/web")
    assert rc == 0 and err == ""
    assert out.splitlines()[0] == "Waiting for deployment spec update to be observed..."
    assert out.splitlines()[-1] == 'deployment "web" successfully rolled out'
    assert lab.now == pytest.approx(1.0)


def test_set_image_then_history_and_undo(lab):
    k(lab, "rollout status deployment/web")
    assert k(lab, "set image deployment/web web=nginx:1.27") == (0, "deployment.apps/web image updated\n", "")
    assert k(lab, "set image deployment/web web=nginx:1.27") == (0, "", "")  # no change, nothing printed
    assert k(lab, "set image deployment/web nope=nginx:1.27") == (1, "", 'error: unable to find container named '
                                                                         '"nope"\n')
    k(lab, "rollout status deployment/web")
    assert k(lab, "rollout history deployment/web") == (
        0, "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n", "")
    rc, out, _ = k(lab, "rollout history deployment/web --revision=1")
    assert out.startswith("deployment.apps/web with revision #1\nPod Template:\n  Labels:\tapp=web\n"
                          "\tpod-template-hash=")
    assert "   web:\n    Image:\tnginx:1.26\n    Port:\t80/TCP\n    Host Port:\t0/TCP\n" in out
    assert k(lab, "rollout undo deployment/web --to-revision=7") == (
        1, "", "error: unable to find specified revision 7 in history\n")
    assert k(lab, "rollout undo deployment/web") == (0, "deployment.apps/web rolled back\n", "")
    k(lab, "rollout status deployment/web")
    assert k(lab, "rollout history deployment/web")[1] == (
        "deployment.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n")
    assert k(lab, "rollout undo deployment/web --to-revision=3") == (
        0, "deployment.apps/web skipped rollback (current template already matches revision 3)\n", "")
    d = lab.api.get(lab.api.resource("deployments"), "default", "web")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    assert "pod-template-hash" not in d["spec"]["template"]["metadata"]["labels"]


def test_pause_resume_and_restart(lab):
    k(lab, "rollout status deployment/web")
    assert k(lab, "rollout pause deployment/web") == (0, "deployment.apps/web paused\n", "")
    assert k(lab, "rollout pause deployment/web") == (1, "", 'error: deployments.apps "web" is already paused\n')
    assert k(lab, "rollout restart deployment/web") == (
        1, "", "error: can't restart paused deployment (run rollout resume first)\n")
    assert k(lab, "rollout undo deployment/web") == (
        1, "", "error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and "
               "try again\n")
    assert k(lab, "rollout resume deployment/web") == (0, "deployment.apps/web resumed\n", "")
    assert k(lab, "rollout resume deployment/web") == (1, "", 'error: deployments.apps "web" is not paused\n')
    assert k(lab, "rollout restart deployment/web") == (0, "deployment.apps/web restarted\n", "")
    d = lab.api.get(lab.api.resource("deployments"), "default", "web")
    assert d["spec"]["template"]["metadata"]["annotations"] == {"kubectl.kubernetes.io/restartedAt": format_time(lab.now)}


def test_scale(lab):
    assert k(lab, "scale deployment/web --replicas=5") == (0, "deployment.apps/web scaled\n", "")
    assert k(lab, "scale deployment web") == (1, "", 'error: required flag(s) "replicas" not set\n')
    assert k(lab, "scale deployment/web --replicas=-1") == (
        1, "", "error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n")
    lab.run(3)
    assert lab.api.get(lab.api.resource("deployments"), "default", "web")["status"]["availableReplicas"] == 5


def test_rollout_of_something_without_rollouts(lab):
    lab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}})
    assert k(lab, "rollout status configmap/c") == (1, "", "error: no status viewer has been implemented for "
                                                          "ConfigMap\n")
    assert k(lab, "rollout history configmap/c") == (1, "", 'error: no history viewer has been implemented for '
                                                           '"ConfigMap"\n')
    assert k(lab, "rollout status deployment/nope") == (1, "", 'Error from server (NotFound): '
                                                              'deployments.apps "nope" not found\n')


def test_a_rolling_update_keeps_availability_and_says_what_it_did(lab):
    # RollingUpdate with 25%/25% on 3 replicas: maxSurge rounds up to 1, maxUnavailable down to 0
    k(lab, "rollout status deployment/web")
    k(lab, "set image deployment/web web=nginx:1.27")
    lowest = 3
    for _ in range(20):
        lab.run(0.5)
        d = lab.api.get(lab.api.resource("deployments"), "default", "web")
        lowest = min(lowest, d["status"].get("availableReplicas", 0))
    assert lowest == 3
    rss = {rs["metadata"]["name"]: rs for rs in lab.api.list(lab.api.resource("replicasets"), "default")}
    old, new = sorted(rss, key=lambda n: rss[n]["metadata"]["annotations"]["deployment.kubernetes.io/revision"])
    msgs = [e["message"] for e in sorted(lab.api.list(lab.api.resource("events"), "default"),
                                         key=lambda e: e["metadata"]["name"])
            if e["involvedObject"]["kind"] == "Deployment"]
    assert msgs == [f"Scaled up replica set {old} from 0 to 3", f"Scaled up replica set {new} from 0 to 1",
                    f"Scaled down replica set {old} from 3 to 2", f"Scaled up replica set {new} from 1 to 2",
                    f"Scaled down replica set {old} from 2 to 1", f"Scaled up replica set {new} from 2 to 3",
                    f"Scaled down replica set {old} from 1 to 0"]
