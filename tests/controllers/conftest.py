"""Labs with only the workload controllers; tests play the scheduler and the kubelet by writing pod status."""

import copy

import pytest

from k8slab.controllers.util import format_time

CONTROLLERS = ["k8slab.controllers.replicaset:ReplicaSetController",
               "k8slab.controllers.deployment:DeploymentController",
               "k8slab.controllers.statefulset:StatefulSetController",
               "k8slab.controllers.daemonset:DaemonSetController",
               "k8slab.controllers.job:JobController",
               "k8slab.controllers.cronjob:CronJobController"]


@pytest.fixture
def lab():
    import k8slab as kl

    return kl.Cluster(seed=0, components=list(CONTROLLERS))


def set_pod(lab, name, namespace="default", phase="Running", ready=True, node="node-1", **status):
    """What the scheduler and kubelet would write: a node, a phase, the Ready condition."""
    res = lab.api.resource("pods")
    pod = copy.deepcopy(lab.api.get(res, namespace, name))
    pod["spec"]["nodeName"] = pod["spec"].get("nodeName") or node
    now = format_time(lab.now)
    conds = [c for c in pod["status"].get("conditions") or () if c["type"] != "Ready"]
    if phase == "Running":
        conds.append({"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": now})
    pod["status"].update(phase=phase, conditions=conds, **status)
    lab.api.write_status(res, pod)


def pods(lab, namespace="default", prefix=""):
    return sorted((p for p in lab.api.list(lab.api.resource("pods"), namespace)
                   if p["metadata"]["name"].startswith(prefix)), key=lambda p: p["metadata"]["name"])


def ready_all(lab, namespace="default", prefix=""):
    for p in pods(lab, namespace, prefix):
        if p["status"].get("phase") != "Running" and not p["metadata"].get("deletionTimestamp"):
            set_pod(lab, p["metadata"]["name"], namespace)


def events_of(lab, kind, name, namespace="default"):
    evs = [e for e in lab.api.list(lab.api.resource("events"), namespace)
           if e["involvedObject"]["kind"] == kind and e["involvedObject"]["name"] == name]
    return [(e["type"], e["reason"], e["message"]) for e in sorted(evs, key=lambda e: e["metadata"]["name"])]
