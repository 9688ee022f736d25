"""Graceful deletion: deletionTimestamp, preStop, SIGTERM, SIGKILL after the grace period, then the pod is gone."""

import pytest
from kubeletlab import bound_pod, container_status, events, get_pods_line, lab_with, pod

WEB = """
containers:
- name: web
  image: ghcr.io/k8slab/web:1.0
"""


def gone(lab, name):
    return lab.api.etcd.read(lab.api.resource("pods").key("default", name)) is None


def test_delete_sets_deletion_timestamp_and_the_kubelet_finishes_the_job():
    lab = lab_with(bound_pod("web", WEB))
    lab.run(10)
    lab.delete("pod", "web")
    meta = pod(lab, "web")["metadata"]
    assert (meta["deletionTimestamp"], meta["deletionGracePeriodSeconds"]) == ("2026-01-01T00:00:40Z", 30)
    assert get_pods_line(lab, "web") == "web 1/1 Terminating 0 10s"
    lab.run(0.5)
    assert not gone(lab, "web")  # the app takes 1 s to drain after SIGTERM
    lab.run(1)
    assert gone(lab, "web")
    assert events(lab, "web", since=10) == [(10.0, "Killing", "Stopping container web")]


@pytest.mark.parametrize("grace,gone_at", [(None, 40.0), (5, 15.0)], ids=[
    "an app ignoring SIGTERM is SIGKILLed after 30 s", "--grace-period=5 shortens it"])
def test_sigkill_after_the_grace_period(grace, gone_at):
    lab = lab_with(bound_pod("web", WEB, annotations={"k8slab.io/shutdown-seconds": "120"}))
    lab.run(10)
    lab.delete("pod", "web", grace_period=grace)
    lab.run(gone_at - lab.now - 0.001)
    assert not gone(lab, "web")
    lab.run(0.002)
    assert gone(lab, "web")


def test_grace_period_zero_removes_the_pod_at_once():
    lab = lab_with(bound_pod("web", WEB))
    lab.run(10)
    lab.delete("pod", "web", grace_period=0)
    assert gone(lab, "web")


def test_the_final_status_before_removal_is_terminated_with_137_after_sigkill():
    lab = lab_with(bound_pod("web", WEB, annotations={"k8slab.io/shutdown-seconds": "120"}))
    statuses = []
    lab.api.watch(lab.api.resource("pods"), lambda ev, p: statuses.append((ev, p.get("status", {}).get("phase"))))
    lab.run(10)
    lab.delete("pod", "web", grace_period=5)
    final = {}
    lab.api.watch(lab.api.resource("pods"), lambda ev, p: final.update(p) if ev == "MODIFIED" else None)
    lab.run(10)
    term = final["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (term["exitCode"], term["reason"], term["finishedAt"]) == (137, "Error", "2026-01-01T00:00:15Z")
    assert final["status"]["phase"] == "Failed"
    assert statuses[-1] == ("DELETED", "Failed")


def test_pre_stop_runs_first_and_its_time_counts_against_the_grace_period():
    lab = lab_with(bound_pod("web", """
        terminationGracePeriodSeconds: 10
        containers:
        - name: web
          image: ghcr.io/k8slab/web:1.0
          lifecycle:
            preStop: {sleep: {seconds: 8}}
        """, annotations={"k8slab.io/shutdown-seconds": "60"}))
    lab.run(10)
    lab.delete("pod", "web")
    lab.run(9.9)
    assert not gone(lab, "web")  # preStop 8 s, then at least 2 s (minimumGracePeriodInSeconds) before SIGKILL
    lab.run(0.2)
    assert gone(lab, "web")


def test_a_pod_that_never_got_a_node_is_deleted_at_once():
    lab = lab_with()
    lab.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: lost}\nspec:\n  nodeSelector: {disk: ssd}\n"
              "  containers: [{name: web, image: 'nginx:1.27'}]\n")
    lab.delete("pod", "lost")
    assert gone(lab, "lost")


def test_a_finished_pod_is_deleted_at_once():
    lab = lab_with(bound_pod("job", "restartPolicy: Never\n" + WEB, annotations={"k8slab.io/complete-after": "2s"}))
    lab.run(5)
    assert pod(lab, "job")["status"]["phase"] == "Succeeded"
    lab.delete("pod", "job")
    assert gone(lab, "job")


def test_sidecars_stop_after_the_containers():
    lab = lab_with(bound_pod("app", """
        initContainers:
        - {name: proxy, image: "ghcr.io/k8slab/web:1.0", restartPolicy: Always}
        containers:
        - name: web
          image: ghcr.io/k8slab/web:1.0
          lifecycle:
            preStop: {sleep: {seconds: 5}}
        """))
    lab.run(10)
    lab.delete("pod", "app")
    lab.run(10)
    assert events(lab, "app", since=10) == [(10.0, "Killing", "Stopping container web"),
                                            (16.0, "Killing", "Stopping container proxy")]
    assert gone(lab, "app")


def test_a_force_delete_removes_the_pod_and_the_kubelet_stops_its_containers():
    lab = lab_with(bound_pod("web", WEB))
    lab.run(5)
    ip = pod(lab, "web")["status"]["podIP"]
    lab.kubectl("delete pod web --grace-period=0 --force")
    assert gone(lab, "web")
    lab.apply(bound_pod("again", WEB))
    lab.run(2)
    assert pod(lab, "again")["status"]["podIP"] == "10.244.0.3"  # host-local style: the next address, not web's
    assert ip == "10.244.0.2"
    k = lab.components["kubelet"].nodes["node-1"]
    assert [pw.name for pw in k.workers.values()] == ["again"]


def test_container_status_shows_terminated_when_a_pod_is_done():
    lab = lab_with(bound_pod("job", "restartPolicy: Never\n" + WEB, annotations={"k8slab.io/complete-after": "2s"}))
    lab.run(5)
    assert container_status(lab, "job")["state"]["terminated"]["reason"] == "Completed"
    assert get_pods_line(lab, "job") == "job 0/1 Completed 0 5s"
