"""Sidecar injection by a mutating webhook, as Istio does it in namespaces labelled istio-injection=enabled."""

# The names, image, ports, user 1337, annotations and labels follow Istio's injection template
# (manifests/charts/istio-control/istio-discovery/files/injection-template.yaml); probes, environment, the
# bootstrap configuration and most volumes are trimmed. Envoy itself (traffic interception) is not simulated.

from __future__ import annotations

import copy
import json

from k8slab.admission.jsonpatch import diff
from k8slab.admission.webhooks import allowed, patched

__all__ = ["SidecarInjector", "ISTIO_VERSION"]

ISTIO_VERSION = "1.28.0"
PROXY_IMAGE = f"docker.io/istio/proxyv2:{ISTIO_VERSION}"
CONFIGURATION = "istio-sidecar-injector"
WEBHOOK_NAME = "namespace.sidecar-injector.istio.io"
STATUS_ANNOTATION = "sidecar.istio.io/status"


def _proxy() -> dict:
    return {
        "name": "istio-proxy", "image": PROXY_IMAGE,
        "args": ["proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local",
                 "--proxyLogLevel=warning", "--proxyComponentLogLevel=misc:error", "--log_output_level=default:info"],
        "ports": [{"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}],
        "readinessProbe": {"httpGet": {"path": "/healthz/ready", "port": 15021}, "periodSeconds": 15,
                           "timeoutSeconds": 3, "failureThreshold": 4},
        "resources": {"limits": {"cpu": "2", "memory": "1Gi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "privileged": False,
                            "readOnlyRootFilesystem": True, "runAsGroup": 1337, "runAsNonRoot": True,
                            "runAsUser": 1337},
        "volumeMounts": [{"mountPath": "/etc/istio/proxy", "name": "istio-envoy"}],
    }


def _init() -> dict:
    return {
        "name": "istio-init", "image": PROXY_IMAGE,
        "args": ["istio-iptables", "-p", "15001", "-z", "15006", "-u", "1337", "-m", "REDIRECT", "-i", "*", "-x", "",
                 "-b", "*", "-d", "15090,15021,15020", "--log_output_level=default:info"],
        "resources": {"limits": {"cpu": "2", "memory": "1Gi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        "securityContext": {"allowPrivilegeEscalation": False,
                            "capabilities": {"add": ["NET_ADMIN", "NET_RAW"], "drop": ["ALL"]},
                            "privileged": False, "readOnlyRootFilesystem": False, "runAsGroup": 0,
                            "runAsNonRoot": False, "runAsUser": 0},
    }


def inject(pod: dict) -> dict:
    """The pod as Istio's injector returns it: istio-init and istio-proxy added, annotated and labelled."""
    out = copy.deepcopy(pod)
    meta = out.setdefault("metadata", {})
    spec = out.setdefault("spec", {})
    app = (spec.get("containers") or [{}])[0].get("name", "")
    spec.setdefault("initContainers", []).append(_init())
    spec.setdefault("containers", []).append(_proxy())
    spec.setdefault("volumes", []).append({"name": "istio-envoy", "emptyDir": {"medium": "Memory"}})
    status = {"initContainers": ["istio-init"], "containers": ["istio-proxy"], "volumes": ["istio-envoy"],
              "imagePullSecrets": None, "revision": "default"}
    annotations = meta.setdefault("annotations", {})
    annotations["kubectl.kubernetes.io/default-container"] = app
    annotations["kubectl.kubernetes.io/default-logs-container"] = app
    annotations[STATUS_ANNOTATION] = json.dumps(status, separators=(",", ":"))
    labels = meta.setdefault("labels", {})
    labels["security.istio.io/tlsMode"] = "istio"
    labels["service.istio.io/canonical-name"] = (labels.get("app.kubernetes.io/name") or labels.get("app")
                                                 or meta.get("name") or meta.get("generateName", "").rstrip("-"))
    labels["service.istio.io/canonical-revision"] = labels.get("app.kubernetes.io/version") or labels.get(
        "version") or "latest"
    return out


class SidecarInjector:
    """istiod's injection webhook: pods created in a namespace labelled ``istio-injection=enabled`` get the proxy.

    The patch of the last injection is kept in ``last_patch`` (the trace of the request shows it too).

    Examples
    --------
    >>> import k8slab as kl
    >>> lab = kl.Cluster(seed=0, components=[])
    >>> injector = SidecarInjector.install(lab)
    >>> _ = lab.kubectl("create namespace shop"), lab.kubectl("label namespace shop istio-injection=enabled")
    >>> pod = lab.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"},
    ...                       "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}})
    >>> [c["name"] for c in pod["spec"]["containers"]], [op["path"] for op in injector.last_patch][:2]
    (['web', 'istio-proxy'], ['/metadata/annotations', '/metadata/labels'])
    """

    def __init__(self, lab):
        self.lab = lab
        self.last_patch: list[dict] | None = None
        self.injected: list[str] = []

    @classmethod
    def install(cls, lab) -> "SidecarInjector":
        """Install like istioctl: the istio-system namespace, the webhook configuration, istiod's /inject endpoint."""
        injector = cls(lab)
        api = lab.api
        if api.etcd.get("/registry/namespaces/istio-system") is None:
            api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "istio-system"}})
        lab.webhooks.register(injector.handle, service="istio-system/istiod", path="/inject")
        if api.etcd.get(f"/registry/mutatingwebhookconfigurations/{CONFIGURATION}") is None:
            api.create({
                "apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
                "metadata": {"name": CONFIGURATION, "labels": {"app": "sidecar-injector"}},
                "webhooks": [{
                    "name": WEBHOOK_NAME, "admissionReviewVersions": ["v1"], "sideEffects": "None",
                    "failurePolicy": "Fail", "reinvocationPolicy": "Never", "timeoutSeconds": 10,
                    "clientConfig": {"service": {"namespace": "istio-system", "name": "istiod", "path": "/inject",
                                                 "port": 443}},
                    "namespaceSelector": {"matchExpressions": [
                        {"key": "istio-injection", "operator": "In", "values": ["enabled"]}]},
                    "objectSelector": {"matchExpressions": [
                        {"key": "sidecar.istio.io/inject", "operator": "NotIn", "values": ["false"]}]},
                    "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"],
                               "resources": ["pods"], "scope": "*"}],
                }]})
        lab.sidecar_injector = injector
        return injector

    def handle(self, review: dict) -> dict:
        """istiod's ``/inject``: skip host-network and already-injected pods, else answer with a JSON Patch."""
        pod = review["request"]["object"]
        meta = pod.get("metadata") or {}
        if (pod.get("spec") or {}).get("hostNetwork") or STATUS_ANNOTATION in (meta.get("annotations") or {}):
            return allowed(review)
        ops = diff(pod, inject(pod))
        self.last_patch = ops
        self.injected.append(f"{review['request'].get('namespace', '')}/{meta.get('name') or meta.get('generateName')}")
        return patched(review, ops)
