"""Pod phase and conditions, with the cases of upstream's tables.

upstream: pkg/kubelet/kubelet_pods_test.go TestPodPhaseWithRestartAlways, TestPodPhaseWithRestartNever,
TestPodPhaseWithRestartOnFailure, TestPodPhaseWithRestartNeverInitContainers,
TestPodPhaseWithRestartAlwaysRestartableInitContainers;
pkg/kubelet/status/generate_test.go
"""

import pytest

from k8slab.kubelet.status import get_phase, initialized_condition, pod_conditions, ready_condition

RUNNING = {"state": {"running": {}}, "ready": True, "started": True}
SUCCEEDED = {"state": {"terminated": {"exitCode": 0}}}
FAILED = {"state": {"terminated": {"exitCode": 1}}}
WAITING = {"state": {"waiting": {"reason": "ContainerCreating"}}}
CRASHLOOP = {"state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": {"terminated": {"exitCode": 1}}}
STARTING_SIDECAR = {"state": {"running": {}}, "started": False}


def spec(policy, *names, init=(), sidecars=()):
    return {"restartPolicy": policy, "containers": [{"name": n} for n in names],
            "initContainers": [{"name": n} for n in init] + [{"name": n, "restartPolicy": "Always"} for n in sidecars]}


PHASES = [
    # TestPodPhaseWithRestartAlways
    ("Always", {"a": RUNNING, "b": RUNNING}, False, "Running", "all running"),
    ("Always", {"a": SUCCEEDED, "b": FAILED}, False, "Running", "all stopped are restarting"),
    ("Always", {"a": SUCCEEDED, "b": SUCCEEDED}, True, "Succeeded", "all stopped with pod terminal: succeeded"),
    ("Always", {"a": SUCCEEDED, "b": FAILED}, True, "Failed", "all stopped with pod terminal: one failure fails"),
    ("Always", {"a": RUNNING, "b": FAILED}, False, "Running", "mixed state: running and stopped"),
    ("Always", {"a": RUNNING, "b": WAITING}, False, "Pending", "mixed state: running and waiting"),
    ("Always", {"a": RUNNING, "b": CRASHLOOP}, False, "Running", "backoff crashloop container"),
    ("Always", {"a": RUNNING}, False, "Pending", "a container without status keeps the pod pending"),
    # TestPodPhaseWithRestartNever
    ("Never", {"a": RUNNING, "b": RUNNING}, False, "Running", "never: all running"),
    ("Never", {"a": SUCCEEDED, "b": SUCCEEDED}, False, "Succeeded", "never: all succeeded"),
    ("Never", {"a": FAILED, "b": FAILED}, False, "Failed", "never: all failed"),
    ("Never", {"a": RUNNING, "b": SUCCEEDED}, False, "Running", "never: mixed running and succeeded"),
    ("Never", {"a": RUNNING, "b": WAITING}, False, "Pending", "never: mixed waiting"),
    # TestPodPhaseWithRestartOnFailure
    ("OnFailure", {"a": SUCCEEDED, "b": SUCCEEDED}, False, "Succeeded", "onfailure: all succeeded"),
    ("OnFailure", {"a": FAILED, "b": FAILED}, False, "Running", "onfailure: all failed are restarting"),
    ("OnFailure", {"a": RUNNING, "b": CRASHLOOP}, False, "Running", "onfailure: backoff crashloop container"),
    ("OnFailure", {"a": SUCCEEDED, "b": FAILED}, True, "Failed", "onfailure: terminal pod with a failure"),
]


@pytest.mark.parametrize("policy,statuses,terminal,phase,_", PHASES, ids=[p[-1] for p in PHASES])
def test_phase_from_container_statuses(policy, statuses, terminal, phase, _):
    assert get_phase(spec(policy, "a", "b"), statuses, terminal) == phase


INIT_PHASES = [
    # TestPodPhaseWithRestartNeverInitContainers
    ({"init": SUCCEEDED, "a": RUNNING}, "Never", "Running", "init succeeded, container running"),
    ({"init": FAILED, "a": WAITING}, "Never", "Failed", "init failed with restartPolicy Never fails the pod"),
    ({"init": FAILED, "a": WAITING}, "Always", "Pending", "init failed is retried with restartPolicy Always"),
    ({"init": RUNNING, "a": WAITING}, "Never", "Pending", "init running"),
    ({"init": {"state": {"waiting": {"reason": "CrashLoopBackOff"}},
               "lastState": {"terminated": {"exitCode": 1}}}, "a": WAITING}, "OnFailure", "Pending",
     "init in crash loop"),
]


@pytest.mark.parametrize("statuses,policy,phase,_", INIT_PHASES, ids=[p[-1] for p in INIT_PHASES])
def test_phase_with_init_containers(statuses, policy, phase, _):
    assert get_phase(spec(policy, "a", init=["init"]), statuses) == phase


SIDECAR_PHASES = [
    # TestPodPhaseWithRestartAlwaysRestartableInitContainers
    ({"side": STARTING_SIDECAR, "a": WAITING}, "Pending", "a sidecar not yet started keeps the pod pending"),
    ({"side": RUNNING, "a": RUNNING}, "Running", "sidecar and container running"),
    ({"side": RUNNING, "a": SUCCEEDED}, "Running", "a job's container succeeded while its sidecar still runs"),
    ({"side": {"state": {"terminated": {"exitCode": 137}}}, "a": SUCCEEDED}, "Succeeded",
     "the sidecar stopped: a stopped sidecar does not count"),
    ({"side": CRASHLOOP, "a": RUNNING}, "Running", "a crash-looping sidecar after start keeps Running"),
]


@pytest.mark.parametrize("statuses,phase,_", SIDECAR_PHASES, ids=[p[-1] for p in SIDECAR_PHASES])
def test_phase_with_sidecars(statuses, phase, _):
    policy = "OnFailure"
    assert get_phase(spec(policy, "a", sidecars=["side"]), statuses) == phase


def test_ready_condition_names_the_unready_containers_as_go_prints_a_list():
    s = spec("Always", "web", "log")
    c = ready_condition(s, [], {"web": {"ready": False}, "log": {"ready": False}}, "Running")
    assert c == {"type": "Ready", "status": "False", "reason": "ContainersNotReady",
                 "message": "containers with unready status: [web log]"}


def test_ready_condition_waits_for_readiness_gates():
    s = {**spec("Always", "web"), "readinessGates": [{"conditionType": "example.com/lb"}]}
    c = ready_condition(s, [], {"web": {"ready": True}}, "Running")
    assert c["reason"] == "ReadinessGatesNotReady"
    assert c["message"] == 'corresponding condition of pod readiness gate "example.com/lb" does not exist.'


def test_initialized_condition_lists_incomplete_init_containers():
    s = spec("Always", "web", init=["migrate", "seed"])
    c = initialized_condition(s, {"migrate": {"ready": True}, "seed": {"ready": False}}, {}, "Pending")
    assert c == {"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized",
                 "message": "containers with incomplete status: [seed]"}


def test_terminal_pods_say_why_they_are_not_ready():
    s = spec("Never", "job")
    conds = pod_conditions(s, [], {}, {"job": SUCCEEDED}, "Succeeded", True)
    by_type = {c["type"]: c for c in conds}
    assert by_type["Ready"] == {"type": "Ready", "status": "False", "reason": "PodCompleted"}
    assert by_type["ContainersReady"]["reason"] == "PodCompleted"
    assert by_type["Initialized"] == {"type": "Initialized", "status": "True", "reason": "PodCompleted"}


def test_conditions_come_in_the_kubelets_order_and_keep_others():
    disruption = {"type": "DisruptionTarget", "status": "True", "reason": "EvictionByEvictionAPI"}
    conds = pod_conditions(spec("Always", "web"), [disruption], {}, {"web": RUNNING}, "Running", True)
    assert [c["type"] for c in conds] == ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady",
                                        "PodScheduled", "DisruptionTarget"]
