"""The production-readiness linter: each check fires on what it names and is fixed by its fix."""

import pytest

import k8slab as kl
from k8slab.readiness import CHECKS, lint

GOOD = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway,
         labelSelector: {matchLabels: {app: web}}}
      securityContext: {runAsNonRoot: true, runAsUser: 10001}
      containers:
      - name: web
        image: registry.lab/shop/web@sha256:7ee1c7201efcd36066425e515e0cad396fb090ab5c515acdecfe8faecfe75cd6
        readinessProbe: {httpGet: {path: /ready, port: 8080}}
        livenessProbe: {httpGet: {path: /healthz, port: 8080}}
        resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
        securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false}
        volumeMounts: [{name: creds, mountPath: /var/run/creds, readOnly: true}]
      volumes: [{name: creds, secret: {secretName: db}}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec: {minAvailable: 2, selector: {matchLabels: {app: web}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{podSelector: {matchLabels: {app: gateway}}}]}]
"""


@pytest.fixture
def lab():
    lab = kl.Cluster(seed=0, components=[])
    lab.kubectl("create namespace shop")
    return lab


def test_a_production_ready_deployment_scores_100(lab):
    lab.apply(GOOD)
    [w] = lint(lab)
    assert (w.workload, w.score, w.findings) == ("deployment/web", 100, [])
    assert set(w.checked) == set(CHECKS)


BREAKS = [
    ("no probes", ("        readinessProbe: {httpGet: {path: /ready, port: 8080}}\n"
                   "        livenessProbe: {httpGet: {path: /healthz, port: 8080}}\n", ""), "pod-probes",
     ['container "web" has no readinessProbe', 'container "web" has no livenessProbe']),
    ("no resources", ("        resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}\n", ""),
     "container-resources", ['container "web" sets no requests.cpu, requests.memory, limits.memory']),
    ("the latest tag", ("registry.lab/shop/web@sha256:7ee1c7201efcd36066425e515e0cad396fb090ab5c515acdecfe8faecfe75cd6",
                        "nginx:latest"), "container-image-tag",
     ['container "web" uses image "nginx:latest" (latest: which version runs is unknown)']),
    ("one replica", ("  replicas: 3\n", "  replicas: 1\n"), "deployment-replicas",
     ["1 replica: one node or pod failure is an outage"]),
    ("root", ("      securityContext: {runAsNonRoot: true, runAsUser: 10001}\n", ""),
     "container-security-context-user-group-id", ['container "web" may run as root (no runAsNonRoot, no runAsUser > 0)']),
    ("a secret value in env", ("        volumeMounts:", "        env: [{name: DB_PASSWORD, value: hunter2}]\n"
                                                     "        volumeMounts:"),
     "env-var-secret", ['container "web" has the secret-looking variable DB_PASSWORD written in the manifest']),
    ("a Secret in env", ("        volumeMounts:", "        env: [{name: DB, valueFrom: {secretKeyRef: {name: db, key: "
                                                "url}}}]\n        volumeMounts:"),
     "secret-in-env-var", ['container "web" gets Secret db in variable DB']),
]


@pytest.mark.parametrize("case,edit,check,messages", BREAKS, ids=[b[0] for b in BREAKS])
def test_each_check_fires_with_its_finding_and_lowers_the_score(lab, case, edit, check, messages):
    lab.apply(GOOD.replace(*edit))
    [w] = lint(lab)
    assert [f.message for f in w.findings if f.check == check] == messages
    assert {f.check for f in w.findings} == {check}
    assert w.score < 100 and all(f.fix for f in w.findings)


def test_a_missing_pdb_and_networkpolicy_are_found(lab):
    lab.apply(GOOD.split("---")[0])
    [w] = lint(lab)
    assert {f.check for f in w.findings} == {"deployment-has-poddisruptionbudget", "pod-networkpolicy"}
    assert w.score == round(100 * (24 - 2) / 24)


def test_owned_pods_are_judged_through_their_owner_and_system_namespaces_are_skipped(lab):
    lab.apply(GOOD)
    lab.api.create({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": "web-x", "namespace": "shop",
                                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1",
                                                      "uid": "u"}]},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    lab.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "dns", "namespace": "kube-system"},
                    "spec": {"containers": [{"name": "c", "image": "coredns"}]}})
    assert [w.workload for w in lint(lab)] == ["deployment/web"]


def test_the_checklist_ties_items_to_chapters_and_says_what_it_cannot_tell(lab):
    from k8slab.readiness import checklist

    lab.apply(GOOD)
    items = {i.item: i for i in checklist(lab, ["shop"])}
    assert items["every workload scores 90 or more in the readiness report"].status == "yes"
    assert items["Pod Security enforced on every app namespace"].status == "no"
    assert items["metrics, logs and alerts collected off-cluster (Azure Monitor)"].status == "manual"
    lab.kubectl("label namespace shop pod-security.kubernetes.io/enforce=restricted")
    assert {i.item: i for i in checklist(lab, ["shop"])}["Pod Security enforced on every app namespace"].status == "yes"


@pytest.mark.parametrize("exercise,answer,ok", [
    ("10-dana-prod", "no", True), ("10-can-i-list", "kubectl auth can-i --list -n dev", True),
    ("10-can-i-list", "kubectl auth can-i list pods", False), ("12-environments", 3, True),
    ("22-group-name", "display name", False), ("24-drain", "PodDisruptionBudget", True),
])
def test_access_exercises(exercise, answer, ok):
    from k8slab.access_exercises import check

    assert bool(check(exercise, answer)) is ok
