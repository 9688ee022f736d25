"""The apiserver's defaulting, on the JSON form of objects, as upstream's SetDefaults_* functions do it."""

from __future__ import annotations

from k8slab.api.quantity import parse_quantity  # at module level: an import statement per call costs ~1 us

__all__ = ["apply_defaults", "DEFAULTERS", "default_image_pull_policy", "default_pod_spec", "pod_qos_class",
           "prepare_for_create"]


def default_image_pull_policy(image: str) -> str:
    """Always for ``:latest`` or no tag, else IfNotPresent (a digest counts as a tag).

    upstream: pkg/apis/core/v1/defaults.go SetDefaults_Container

    Examples
    --------
    >>> [default_image_pull_policy(i) for i in ("nginx", "nginx:latest", "nginx:1.27", "localhost:5000/app",
    ...                                        "nginx@sha256:abc")]
    ['Always', 'Always', 'IfNotPresent', 'Always', 'IfNotPresent']
    """
    if "@" in image:
        return "IfNotPresent"
    name = image.rsplit("/", 1)[-1]
    tag = name.split(":", 1)[1] if ":" in name else ""
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _default_probe(probe: dict | None) -> None:
    # upstream: SetDefaults_Probe, SetDefaults_HTTPGetAction, SetDefaults_GRPCAction
    if not probe:
        return
    probe.setdefault("timeoutSeconds", 1)
    probe.setdefault("periodSeconds", 10)
    probe.setdefault("successThreshold", 1)
    probe.setdefault("failureThreshold", 3)
    if "httpGet" in probe:
        probe["httpGet"].setdefault("path", "/")
        probe["httpGet"].setdefault("scheme", "HTTP")
    if "grpc" in probe:
        probe["grpc"].setdefault("service", "")


def _default_container(c: dict) -> None:
    # upstream: pkg/apis/core/v1/defaults.go SetDefaults_Container
    if "image" in c and "imagePullPolicy" not in c and isinstance(c["image"], str):
        c["imagePullPolicy"] = default_image_pull_policy(c["image"])
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    c.setdefault("resources", {})
    for port in c.get("ports") or ():
        port.setdefault("protocol", "TCP")  # SetDefaults_ContainerPort
    for env in c.get("env") or ():
        field_ref = (env.get("valueFrom") or {}).get("fieldRef")
        if field_ref is not None:
            field_ref.setdefault("apiVersion", "v1")  # SetDefaults_ObjectFieldSelector
    for name in ("livenessProbe", "readinessProbe", "startupProbe"):
        _default_probe(c.get(name))
    for hook in (c.get("lifecycle") or {}).values():
        if isinstance(hook, dict) and "httpGet" in hook:
            hook["httpGet"].setdefault("path", "/")
            hook["httpGet"].setdefault("scheme", "HTTP")
    # upstream SetDefaults_Pod: "If limits are specified, but requests are not, default requests to limits"
    res = c["resources"]
    limits = res.get("limits")
    if limits:
        requests = res.setdefault("requests", {})
        for k, v in limits.items():
            requests.setdefault(k, v)


def _default_volume(v: dict) -> None:
    # upstream: SetDefaults_Volume / SetDefaults_{Secret,ConfigMap,Projected,DownwardAPI}VolumeSource
    if len(v) == 1:  # only a name: emptyDir (SetDefaults_Volume)
        v["emptyDir"] = {}
    for src in ("secret", "configMap", "projected", "downwardAPI"):
        if src in v and isinstance(v[src], dict):
            v[src].setdefault("defaultMode", 420)
    if "hostPath" in v and isinstance(v["hostPath"], dict):
        v["hostPath"].setdefault("type", "")
    if "iscsi" in v:
        v["iscsi"].setdefault("iscsiInterface", "default")


def default_pod_spec(spec: dict) -> None:
    """Defaults of a PodSpec, in a Pod or in any pod template.

    upstream: pkg/apis/core/v1/defaults.go SetDefaults_PodSpec, SetDefaults_Pod
    """
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("enableServiceLinks", True)
    if spec.get("hostNetwork"):  # SetDefaults_PodSpec: host network pods declare their container ports
        for c in spec.get("containers") or ():
            for p in c.get("ports") or ():
                p.setdefault("hostPort", p.get("containerPort"))
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for c in spec.get(key) or ():
            if isinstance(c, dict):
                _default_container(c)
    for v in spec.get("volumes") or ():
        if isinstance(v, dict):
            _default_volume(v)


def _pod(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    default_pod_spec(spec)
    # the ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount) and the Priority admission plugin
    spec.setdefault("serviceAccountName", spec.get("serviceAccount") or "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    # the DefaultTolerationSeconds admission plugin (plugin/pkg/admission/defaulttolerationseconds)
    tolerations = spec.setdefault("tolerations", [])
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        if not any(t.get("key") == key and t.get("effect") in ("NoExecute", None, "") for t in tolerations):
            tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300})


def _template(obj: dict) -> None:
    tpl = obj.setdefault("spec", {}).setdefault("template", {})
    default_pod_spec(tpl.setdefault("spec", {}))


def _deployment(obj: dict) -> None:
    # upstream: pkg/apis/apps/v1/defaults.go SetDefaults_Deployment
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        ru = strategy.setdefault("rollingUpdate", {})
        ru.setdefault("maxUnavailable", "25%")
        ru.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    _template(obj)


def _replicaset(obj: dict) -> None:
    obj.setdefault("spec", {}).setdefault("replicas", 1)  # SetDefaults_ReplicaSet
    _template(obj)


def _statefulset(obj: dict) -> None:
    # upstream: SetDefaults_StatefulSet
    spec = obj.setdefault("spec", {})
    spec.setdefault("podManagementPolicy", "OrderedReady")
    strategy = spec.setdefault("updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        strategy.setdefault("rollingUpdate", {}).setdefault("partition", 0)
    retention = spec.setdefault("persistentVolumeClaimRetentionPolicy", {})
    retention.setdefault("whenDeleted", "Retain")
    retention.setdefault("whenScaled", "Retain")
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    for claim in spec.get("volumeClaimTemplates") or ():
        claim.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
        claim.setdefault("status", {"phase": "Pending"})
    _template(obj)


def _daemonset(obj: dict) -> None:
    # upstream: SetDefaults_DaemonSet
    spec = obj.setdefault("spec", {})
    strategy = spec.setdefault("updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        ru = strategy.setdefault("rollingUpdate", {})
        ru.setdefault("maxUnavailable", 1)
        ru.setdefault("maxSurge", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    _template(obj)


def _job(obj: dict) -> None:
    # upstream: pkg/apis/batch/v1/defaults.go SetDefaults_Job
    spec = obj.setdefault("spec", {})
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault("podReplacementPolicy", "Failed" if spec.get("podFailurePolicy") else "TerminatingOrFailed")
    _template(obj)


def _cronjob(obj: dict) -> None:
    # upstream: SetDefaults_CronJob
    spec = obj.setdefault("spec", {})
    spec.setdefault("concurrencyPolicy", "Allow")
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    job_spec = spec.setdefault("jobTemplate", {}).setdefault("spec", {})
    _job({"spec": job_spec})


def _service(obj: dict) -> None:
    # upstream: pkg/apis/core/v1/defaults.go SetDefaults_Service
    spec = obj.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec["sessionAffinity"] == "ClientIP":
        spec.setdefault("sessionAffinityConfig", {}).setdefault("clientIP", {}).setdefault("timeoutSeconds", 10800)
    for port in spec.get("ports") or ():
        port.setdefault("protocol", "TCP")
        if "targetPort" not in port:
            port["targetPort"] = port.get("port")
    if spec["type"] != "ExternalName":
        spec.setdefault("internalTrafficPolicy", "Cluster")
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if spec["type"] == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)


def _namespace(obj: dict) -> None:
    # the namespace's own name label (pkg/apis/core/v1/defaults.go SetDefaults_Namespace)
    name = obj.get("metadata", {}).get("name")
    if name:
        obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = name
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj.setdefault("status", {}).setdefault("phase", "Active")


def _secret(obj: dict) -> None:
    obj.setdefault("type", "Opaque")  # SetDefaults_Secret


def _pv(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("persistentVolumeReclaimPolicy", "Retain")  # SetDefaults_PersistentVolume
    spec.setdefault("volumeMode", "Filesystem")
    obj.setdefault("status", {}).setdefault("phase", "Pending")


def _pvc(obj: dict) -> None:
    obj.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")  # SetDefaults_PersistentVolumeClaim
    obj.setdefault("status", {}).setdefault("phase", "Pending")


def _storageclass(obj: dict) -> None:
    # upstream: pkg/apis/storage/v1/defaults.go SetDefaults_StorageClass
    obj.setdefault("reclaimPolicy", "Delete")
    obj.setdefault("volumeBindingMode", "Immediate")


def _networkpolicy(obj: dict) -> None:
    # upstream: pkg/apis/networking/v1/defaults.go SetDefaults_NetworkPolicy
    spec = obj.setdefault("spec", {})
    if not spec.get("policyTypes"):
        types = ["Ingress"]
        if spec.get("egress"):
            types.append("Egress")
        spec["policyTypes"] = types
    for rule in (spec.get("ingress") or []) + (spec.get("egress") or []):
        for port in rule.get("ports") or ():
            port.setdefault("protocol", "TCP")


def _priorityclass(obj: dict) -> None:
    obj.setdefault("preemptionPolicy", "PreemptLowerPriority")  # SetDefaults_PriorityClass


def _hpa(obj: dict) -> None:
    obj.setdefault("spec", {}).setdefault("minReplicas", 1)  # SetDefaults_HorizontalPodAutoscaler


def _limitrange(obj: dict) -> None:
    # upstream: SetDefaults_LimitRangeItem: for containers, default limits to max and default requests to limits
    for item in obj.get("spec", {}).get("limits") or ():
        if item.get("type") == "Container":
            if item.get("max"):
                default = item.setdefault("default", {})
                for k, v in item["max"].items():
                    default.setdefault(k, v)
            if item.get("default"):
                req = item.setdefault("defaultRequest", {})
                for k, v in item["default"].items():
                    req.setdefault(k, v)


def _podtemplate_holder(obj: dict) -> None:
    _template(obj)


DEFAULTERS = {
    "Pod": _pod,
    "Deployment": _deployment,
    "ReplicaSet": _replicaset,
    "StatefulSet": _statefulset,
    "DaemonSet": _daemonset,
    "Job": _job,
    "CronJob": _cronjob,
    "Service": _service,
    "Namespace": _namespace,
    "Secret": _secret,
    "PersistentVolume": _pv,
    "PersistentVolumeClaim": _pvc,
    "StorageClass": _storageclass,
    "NetworkPolicy": _networkpolicy,
    "PriorityClass": _priorityclass,
    "HorizontalPodAutoscaler": _hpa,
    "LimitRange": _limitrange,
}


def apply_defaults(obj: dict) -> dict:
    """Fill in what the apiserver fills in on create, in place; returns ``obj``.

    Examples
    --------
    >>> d = apply_defaults({"kind": "Deployment", "spec": {"template": {"spec": {"containers": [
    ...     {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}]}}}})
    >>> d["spec"]["strategy"], d["spec"]["replicas"], d["spec"]["progressDeadlineSeconds"]
    ({'type': 'RollingUpdate', 'rollingUpdate': {'maxUnavailable': '25%', 'maxSurge': '25%'}}, 1, 600)
    >>> c = d["spec"]["template"]["spec"]["containers"][0]
    >>> c["imagePullPolicy"], c["ports"][0]["protocol"]
    ('IfNotPresent', 'TCP')
    """
    fn = DEFAULTERS.get(obj.get("kind"))
    if fn is not None:
        fn(obj)
    return obj


def pod_qos_class(spec: dict) -> str:
    """Guaranteed, Burstable or BestEffort, from cpu and memory requests and limits.

    upstream: pkg/apis/core/helper/qos/qos.go GetPodQOS

    Examples
    --------
    >>> pod_qos_class({"containers": [{"resources": {}}]})
    'BestEffort'
    >>> pod_qos_class({"containers": [{"resources": {"limits": {"cpu": "1", "memory": "1Gi"},
    ...                                               "requests": {"cpu": "1", "memory": "1Gi"}}}]})
    'Guaranteed'
    >>> pod_qos_class({"containers": [{"resources": {"requests": {"cpu": "100m"}}}]})
    'Burstable'
    """
    requests: dict = {}
    limits: dict = {}
    zero = parse_quantity("0")
    guaranteed = True
    for c in list(spec.get("containers") or ()) + list(spec.get("initContainers") or ()):
        res = c.get("resources") or {}
        for name, q in (res.get("requests") or {}).items():
            if name in ("cpu", "memory"):
                parsed = parse_quantity(str(q))  # cached: the same Quantity for the same text
                if parsed > zero:
                    requests[name] = parsed
        c_limits = {}
        for n, q in (res.get("limits") or {}).items():
            if n in ("cpu", "memory"):
                parsed = parse_quantity(str(q))
                if parsed > zero:
                    c_limits[n] = parsed
        limits.update(c_limits)
        if set(c_limits) != {"cpu", "memory"}:
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed:
        for c in list(spec.get("containers") or ()) + list(spec.get("initContainers") or ()):
            res = c.get("resources") or {}
            reqs = {n: parse_quantity(str(q)) for n, q in (res.get("requests") or {}).items() if n in ("cpu", "memory")}
            lims = {n: parse_quantity(str(q)) for n, q in (res.get("limits") or {}).items() if n in ("cpu", "memory")}
            if reqs != lims:
                return "Burstable"
        return "Guaranteed"
    return "Burstable"


#: kinds whose status the apiserver resets on create (each strategy's PrepareForCreate); Node keeps its status
_STATUS_ON_CREATE = {
    "Deployment": {}, "ReplicaSet": {}, "StatefulSet": {"replicas": 0, "availableReplicas": 0}, "DaemonSet": {
        "currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0, "numberReady": 0},
    "Job": {}, "CronJob": {}, "Service": {"loadBalancer": {}}, "PersistentVolume": {"phase": "Pending"},
    "PersistentVolumeClaim": {"phase": "Pending"}, "PodDisruptionBudget": {}, "HorizontalPodAutoscaler": {},
    "ResourceQuota": {}, "Ingress": {"loadBalancer": {}},
}


def prepare_for_create(obj: dict) -> None:
    """What each kind's registry strategy does to a new object's status (pkg/registry/*/strategy.go)."""
    kind = obj.get("kind")
    if kind == "Pod":
        # upstream: pkg/registry/core/pod/strategy.go PrepareForCreate
        obj["status"] = {"phase": "Pending", "qosClass": pod_qos_class(obj.get("spec") or {})}
    elif kind in _STATUS_ON_CREATE:
        import copy

        if _STATUS_ON_CREATE[kind]:
            obj["status"] = copy.deepcopy(_STATUS_ON_CREATE[kind])
        else:
            obj.pop("status", None)
