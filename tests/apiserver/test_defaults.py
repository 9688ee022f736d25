"""The apiserver's defaulting, case by case from upstream's defaults tests."""

import pytest

from k8slab.apiserver.defaults import apply_defaults, default_image_pull_policy, pod_qos_class


def d(obj):
    return apply_defaults(obj)


# upstream: pkg/apis/core/v1/defaults_test.go TestSetDefaultContainer* / TestSetDefaultImagePullPolicy
@pytest.mark.parametrize("image, policy", [
    ("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.27", "IfNotPresent"),
    ("registry:5000/team/app", "Always"), ("registry:5000/team/app:v2", "IfNotPresent"),
    ("nginx@sha256:0123abcd", "IfNotPresent"), ("nginx:1.27@sha256:0123abcd", "IfNotPresent"),
], ids=lambda v: v)
def test_image_pull_policy_follows_the_tag(image, policy):
    assert default_image_pull_policy(image) == policy


def test_pod_defaults():
    pod = d({"kind": "Pod", "spec": {"containers": [{"name": "c", "image": "nginx:1.27",
                                                      "ports": [{"containerPort": 80}],
                                                      "readinessProbe": {"httpGet": {"port": 80}}}]}})
    spec = pod["spec"]
    assert (spec["restartPolicy"], spec["dnsPolicy"], spec["terminationGracePeriodSeconds"], spec["schedulerName"],
            spec["serviceAccountName"], spec["enableServiceLinks"], spec["securityContext"]) == (
        "Always", "ClusterFirst", 30, "default-scheduler", "default", True, {})
    c = spec["containers"][0]
    assert (c["terminationMessagePath"], c["terminationMessagePolicy"], c["ports"][0]["protocol"]) == (
        "/dev/termination-log", "File", "TCP")
    # upstream: TestSetDefaultProbe
    assert c["readinessProbe"] == {"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1,
                                   "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
    # the DefaultTolerationSeconds admission plugin
    assert spec["tolerations"] == [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 300}]


def test_limits_without_requests_default_the_requests():
    # upstream: TestSetDefaultRequestsPod
    pod = d({"kind": "Pod", "spec": {"containers": [{"name": "c", "image": "x",
                                                      "resources": {"limits": {"cpu": "100m"},
                                                                    "requests": {"memory": "1Gi"}}}]}})
    assert pod["spec"]["containers"][0]["resources"]["requests"] == {"memory": "1Gi", "cpu": "100m"}


def test_host_network_pods_declare_host_ports():
    # upstream: TestSetDefaultHostPort / SetDefaults_PodSpec with hostNetwork
    pod = d({"kind": "Pod", "spec": {"hostNetwork": True, "containers": [
        {"name": "c", "image": "x", "ports": [{"containerPort": 8080}]}]}})
    assert pod["spec"]["containers"][0]["ports"][0]["hostPort"] == 8080


def test_volume_defaults():
    # upstream: TestSetDefaultSecretVolumeSource, TestSetDefaultConfigMapVolumeSource, TestSetDefaulEmptyDir
    pod = d({"kind": "Pod", "spec": {"containers": [], "volumes": [
        {"name": "a", "secret": {"secretName": "s"}}, {"name": "b", "configMap": {"name": "c"}}, {"name": "c"}]}})
    assert [v for v in pod["spec"]["volumes"]] == [
        {"name": "a", "secret": {"secretName": "s", "defaultMode": 420}},
        {"name": "b", "configMap": {"name": "c", "defaultMode": 420}},
        {"name": "c", "emptyDir": {}}]


def test_deployment_defaults():
    # upstream: pkg/apis/apps/v1/defaults_test.go TestSetDefaultDeployment
    spec = d({"kind": "Deployment", "spec": {"template": {"spec": {"containers": []}}}})["spec"]
    assert (spec["replicas"], spec["strategy"], spec["revisionHistoryLimit"], spec["progressDeadlineSeconds"]) == (
        1, {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}, 10, 600)
    recreate = d({"kind": "Deployment", "spec": {"strategy": {"type": "Recreate"}, "template": {"spec": {}}}})
    assert recreate["spec"]["strategy"] == {"type": "Recreate"}


def test_statefulset_and_daemonset_defaults():
    # upstream: TestSetDefaultStatefulSet, TestSetDefaultDaemonSetSpec
    sts = d({"kind": "StatefulSet", "spec": {"template": {"spec": {}}}})["spec"]
    assert (sts["replicas"], sts["podManagementPolicy"], sts["updateStrategy"], sts["revisionHistoryLimit"],
            sts["persistentVolumeClaimRetentionPolicy"]) == (
        1, "OrderedReady", {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}, 10,
        {"whenDeleted": "Retain", "whenScaled": "Retain"})
    ds = d({"kind": "DaemonSet", "spec": {"template": {"spec": {}}}})["spec"]
    assert ds["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}


@pytest.mark.parametrize("given, completions, parallelism", [
    ({}, 1, 1), ({"completions": 5}, 5, 1), ({"parallelism": 3}, None, 3), ({"completions": 5, "parallelism": 2}, 5, 2),
], ids=["neither set: both 1", "completions only: parallelism 1", "parallelism only: completions unset",
        "both set: kept"])
def test_job_completions_and_parallelism(given, completions, parallelism):
    # upstream: pkg/apis/batch/v1/defaults_test.go TestSetDefaultJob
    spec = d({"kind": "Job", "spec": {**given, "template": {"spec": {}}}})["spec"]
    assert (spec.get("completions"), spec["parallelism"], spec["backoffLimit"], spec["completionMode"],
            spec["suspend"]) == (completions, parallelism, 6, "NonIndexed", False)


def test_cronjob_defaults():
    spec = d({"kind": "CronJob", "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {}}}}})["spec"]
    assert (spec["concurrencyPolicy"], spec["suspend"], spec["successfulJobsHistoryLimit"],
            spec["failedJobsHistoryLimit"]) == ("Allow", False, 3, 1)


def test_service_defaults():
    # upstream: TestSetDefaultService, TestSetDefaultServiceTargetPort, TestSetDefaultServiceSessionAffinity
    spec = d({"kind": "Service", "spec": {"ports": [{"port": 80}, {"port": 443, "targetPort": "https"}]}})["spec"]
    assert (spec["type"], spec["sessionAffinity"], spec["internalTrafficPolicy"]) == ("ClusterIP", "None", "Cluster")
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80},
                             {"port": 443, "targetPort": "https", "protocol": "TCP"}]
    lb = d({"kind": "Service", "spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP", "ports": []}})["spec"]
    assert (lb["externalTrafficPolicy"], lb["allocateLoadBalancerNodePorts"],
            lb["sessionAffinityConfig"]) == ("Cluster", True, {"clientIP": {"timeoutSeconds": 10800}})


def test_storage_defaults():
    # upstream: TestSetDefaultPersistentVolume, TestSetDefaultPersistentVolumeClaim, storage/v1 TestSetDefaultVolumeBindingMode
    pv = d({"kind": "PersistentVolume", "spec": {}})
    assert (pv["spec"]["persistentVolumeReclaimPolicy"], pv["spec"]["volumeMode"], pv["status"]["phase"]) == (
        "Retain", "Filesystem", "Pending")
    pvc = d({"kind": "PersistentVolumeClaim", "spec": {}})
    assert (pvc["spec"]["volumeMode"], pvc["status"]["phase"]) == ("Filesystem", "Pending")
    sc = d({"kind": "StorageClass", "provisioner": "disk.csi.azure.com"})
    assert (sc["reclaimPolicy"], sc["volumeBindingMode"]) == ("Delete", "Immediate")


def test_other_defaults():
    assert d({"kind": "Secret"})["type"] == "Opaque"
    ns = d({"kind": "Namespace", "metadata": {"name": "dev"}})
    assert (ns["metadata"]["labels"], ns["status"]["phase"]) == ({"kubernetes.io/metadata.name": "dev"}, "Active")
    np = d({"kind": "NetworkPolicy", "spec": {"egress": [{"ports": [{"port": 53}]}]}})["spec"]
    assert (np["policyTypes"], np["egress"][0]["ports"][0]["protocol"]) == (["Ingress", "Egress"], "TCP")
    assert d({"kind": "PriorityClass", "value": 10})["preemptionPolicy"] == "PreemptLowerPriority"
    assert d({"kind": "HorizontalPodAutoscaler", "spec": {}})["spec"]["minReplicas"] == 1


# upstream: pkg/apis/core/helper/qos/qos_test.go TestGetPodQOS
@pytest.mark.parametrize("containers, qos", [
    ([{}], "BestEffort"),
    ([{"requests": {"cpu": "0"}}], "BestEffort"),
    ([{"limits": {"cpu": "100m", "memory": "100Mi"}, "requests": {"cpu": "100m", "memory": "100Mi"}}], "Guaranteed"),
    ([{"limits": {"cpu": "100m", "memory": "100Mi"}, "requests": {"cpu": "100m", "memory": "100Mi"}},
      {"limits": {"cpu": "100m", "memory": "100Mi"}, "requests": {"cpu": "50m", "memory": "100Mi"}}], "Burstable"),
    ([{"limits": {"cpu": "100m"}, "requests": {"cpu": "100m"}}], "Burstable"),
    ([{"requests": {"memory": "100Mi"}}, {}], "Burstable"),
    ([{"requests": {"nvidia.com/gpu": "1"}}], "BestEffort"),
], ids=["no resources", "zero requests", "limits equal requests", "one container below its limit",
        "cpu only", "one container with a request", "only extended resources"])
def test_qos_class(containers, qos):
    assert pod_qos_class({"containers": [{"resources": r} for r in containers]}) == qos
