"""ResourceQuota, after upstream's resourcequota/admission_test.go and the quota evaluators' tests."""

import pytest

import k8slab as kl
from k8slab.admission.resource_quota import usage
from k8slab.api.resources import resolve_resource

from admlab import pod, resources


def quota(lab, name="quota", hard=None, **spec):
    lab.api.create({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": name},
                    "spec": {"hard": hard or {}, **spec}})


def rpod(name, cpu="", memory="", limits=None, **spec):
    req = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    return pod(name, containers=[{"name": name, "resources": resources(req, limits)}], **spec)


def used(lab, name="quota"):
    return lab.api.get(lab.api.resource("resourcequotas"), "default", name)["status"]["used"]


@pytest.fixture
def busy(lab):
    """upstream's fixture state: used cpu=1, memory=50Gi, pods=3 against hard cpu=3, memory=100Gi, pods=5."""
    quota(lab, hard={"cpu": "3", "memory": "100Gi", "pods": "5"})
    lab.api.create(rpod("one", "1", "50Gi"))
    lab.api.create(rpod("two", "0", "0"))
    lab.api.create(rpod("three", "0", "0"))
    assert used(lab) == {"cpu": "1", "memory": "50Gi", "pods": "3"}
    return lab


def test_a_pod_below_the_limit_is_admitted_and_charged(busy):
    # upstream: TestAdmitBelowQuotaLimit (expected used: cpu=1100m, memory=52Gi, pods=4)
    busy.api.create(rpod("allowed-pod", "100m", "2Gi"))
    assert used(busy) == {"cpu": "1100m", "memory": "52Gi", "pods": "4"}


def test_a_pod_over_the_limit_is_refused_with_upstreams_message(busy):
    # upstream: TestAdmitExceedQuotaLimit
    with pytest.raises(kl.Forbidden) as e:
        busy.api.create(rpod("not-allowed-pod", "3", "2Gi"))
    assert str(e.value) == ('pods "not-allowed-pod" is forbidden: exceeded quota: quota, requested: cpu=3, used: cpu=1, '
                            "limited: cpu=3")
    assert used(busy) == {"cpu": "1", "memory": "50Gi", "pods": "3"}


def test_every_tracked_compute_resource_must_be_specified(lab):
    # upstream: TestAdmitEnforceQuotaConstraints (the quota tracks limits.memory; the pod sets none)
    quota(lab, hard={"cpu": "3", "memory": "100Gi", "limits.memory": "200Gi", "pods": "5"})
    with pytest.raises(kl.Forbidden) as e:
        lab.api.create(rpod("not-allowed-pod", "100m", "2Gi", limits={"cpu": "200m"}))
    assert str(e.value) == ('pods "not-allowed-pod" is forbidden: failed quota: quota: must specify limits.memory '
                            "for: not-allowed-pod")


def test_a_namespace_without_quota_admits_anything(lab):
    # upstream: TestAdmitPodInNamespaceWithoutQuota
    lab.kubectl("create namespace other")
    quota(lab, hard={"pods": "0"})
    lab.api.create(rpod("allowed-pod", "100m", "2Gi") | {"metadata": {"name": "allowed-pod", "namespace": "other"}})


def test_a_terminating_pod_is_charged_to_the_terminating_quota_only(lab):
    # upstream: TestAdmitBelowTerminatingQuotaLimit
    quota(lab, "quota-non-terminating", {"cpu": "3", "memory": "100Gi", "pods": "5"}, scopes=["NotTerminating"])
    quota(lab, "quota-terminating", {"cpu": "3", "memory": "100Gi", "pods": "5"}, scopes=["Terminating"])
    lab.api.create(rpod("allowed-pod", "100m", "2Gi", activeDeadlineSeconds=30))
    assert used(lab, "quota-terminating") == {"cpu": "100m", "memory": "2Gi", "pods": "1"}
    assert used(lab, "quota-non-terminating") == {"cpu": "0", "memory": "0", "pods": "0"}


def test_best_effort_pods_go_to_the_best_effort_quota(lab):
    # upstream: TestAdmitBelowBestEffortQuotaLimit and TestAdmitBestEffortQuotaLimitIgnoresBurstable
    quota(lab, "quota-besteffort", {"pods": "5"}, scopes=["BestEffort"])
    quota(lab, "quota-not-besteffort", {"pods": "5"}, scopes=["NotBestEffort"])
    lab.api.create(rpod("best-effort"))
    assert (used(lab, "quota-besteffort"), used(lab, "quota-not-besteffort")) == ({"pods": "1"}, {"pods": "0"})
    lab.api.create(rpod("burstable", "100m", "1Gi"))
    assert (used(lab, "quota-besteffort"), used(lab, "quota-not-besteffort")) == ({"pods": "1"}, {"pods": "1"})


def test_object_counts_and_service_resources(lab):
    # upstream: TestAdmitBelowQuotaLimitWithSvcs... services, services.loadbalancers, services.nodeports
    quota(lab, hard={"services": "10", "services.loadbalancers": "1", "count/configmaps": "2"})
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "lb"},
           "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}}
    lab.api.create(svc)
    with pytest.raises(kl.Forbidden) as e:
        lab.api.create(svc | {"metadata": {"name": "lb2"}})
    assert str(e.value) == ('services "lb2" is forbidden: exceeded quota: quota, requested: services.loadbalancers=1, '
                            "used: services.loadbalancers=1, limited: services.loadbalancers=1")
    lab.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c1"}})
    with pytest.raises(kl.Forbidden, match="exceeded quota: quota, requested: count/configmaps=1, used: "
                                           "count/configmaps=2, limited: count/configmaps=2$"):
        lab.api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c2"}})


def test_finished_pods_stop_counting(lab):
    # upstream: pods.go QuotaV1Pod: Succeeded and Failed pods are not charged (count/pods still is)
    quota(lab, hard={"pods": "1", "count/pods": "5"})
    p = lab.api.create(rpod("job"))
    p["status"]["phase"] = "Succeeded"
    lab.api.write_status(lab.api.resource("pods"), p)
    assert used(lab) == {"count/pods": "1", "pods": "0"}
    lab.api.create(rpod("next"))


@pytest.mark.parametrize("spec,expected", [
    ({"containers": [{"name": "a", "resources": {"requests": {"cpu": "1"}, "limits": {"cpu": "2"}}}],
      "initContainers": [{"name": "i", "resources": {"requests": {"cpu": "3"}}}]},
     {"count/pods": "1", "cpu": "3", "limits.cpu": "2", "pods": "1", "requests.cpu": "3"}),
    ({"containers": [{"name": "a", "resources": {"requests": {"memory": "1Gi"}}}],
      "initContainers": [{"name": "s", "restartPolicy": "Always", "resources": {"requests": {"memory": "1Gi"}}}]},
     {"count/pods": "1", "memory": "2Gi", "pods": "1", "requests.memory": "2Gi"}),
], ids=["an init container larger than the app sets the request", "a sidecar adds to the app"])
def test_pod_usage_follows_upstreams_pod_requests(spec, expected):
    # upstream: pods_test.go TestPodEvaluatorUsage
    got = usage(resolve_resource("pods"), {"spec": spec})
    assert {k: str(v) for k, v in got.items()} == expected
