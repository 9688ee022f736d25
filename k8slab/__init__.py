"""k8slab: learn Kubernetes on a faithful, deterministic, in-process simulated cluster.

>>> import k8slab as kl
>>> lab = kl.Cluster(seed=0)
>>> lab.kubectl("get namespaces")
NAME              STATUS   AGE
default           Active   0s
kube-node-lease   Active   0s
kube-public       Active   0s
kube-system       Active   0s
"""

KUBERNETES_VERSION = "1.35.0"

from k8slab.errors import (  # noqa: E402
    AlreadyExists,
    BadRequest,
    Conflict,
    Forbidden,
    Invalid,
    K8sLabError,
    NotFound,
    ParseError,
    Unsupported,
)

# Names resolved on first use, so that `import k8slab` stays fast (no pydantic models, matplotlib or widgets).
_LAZY = {
    "Cluster": "k8slab.cluster",
    "ApplyResult": "k8slab.cluster",
    "KubectlResult": "k8slab.kubectl",
    "parse_quantity": "k8slab.api.quantity",
    "Quantity": "k8slab.api.quantity",
    "parse_selector": "k8slab.api.labels",
    "selector_from": "k8slab.api.labels",
    "Selector": "k8slab.api.labels",
    "is_dns1123_label": "k8slab.api.names",
    "is_dns1123_subdomain": "k8slab.api.names",
    "is_dns1035_label": "k8slab.api.names",
    "is_qualified_name": "k8slab.api.names",
    "is_valid_label_value": "k8slab.api.names",
    "plan_ips": "k8slab.network.ip_planning",
    "IPPlan": "k8slab.network.ip_planning",
    "Network": "k8slab.network.network",
    "ConnectivityMatrix": "k8slab.network.network",
    "Verdict": "k8slab.network.network_policy",
    "Route": "k8slab.network.ingress",
    "pick_endpoint": "k8slab.network.kube_proxy",
    "aks_lab": "k8slab.network.labs",
    "send_traffic": "k8slab.traffic",
    "rollout_availability": "k8slab.experiments",
    "compare_rollouts": "k8slab.experiments",
    "rolling_update_timeline": "k8slab.experiments",
    "PodWatch": "k8slab.experiments",
    "Workflow": "k8slab.workflows",
    "load_workflow": "k8slab.workflows",
    "Scheduler": "k8slab.scheduler",
    "Profile": "k8slab.scheduler",
    "SchedulingReport": "k8slab.scheduler",
    "Registry": "k8slab.registry",
    "AppBehavior": "k8slab.registry",
    "load_registry": "k8slab.registry",
    "UserInfo": "k8slab.apiserver.authn",
    "load_personas": "k8slab.apiserver.personas",
    "Persona": "k8slab.apiserver.personas",
    "who_can": "k8slab.apiserver.personas",
    "PolicyEngine": "k8slab.admission.policy",
    "SidecarInjector": "k8slab.admission.sidecar",
    "BuildPipeline": "k8slab.pipeline",
    "ImageRegistry": "k8slab.pipeline",
    "SigningKey": "k8slab.pipeline",
    "blast_radius": "k8slab.pipeline",
    "lint": "k8slab.readiness",
    "checklist": "k8slab.readiness",
    "storage_classes": "k8slab.storage",
    "render_chart": "k8slab.config.templating",
    "diff_environments": "k8slab.config.templating",
    "config_checksum": "k8slab.config.templating",
    "EncryptionAtRest": "k8slab.secrets.encryption",
    "generate_key": "k8slab.secrets.encryption",
    "KeyVault": "k8slab.secrets.kms",
    "course_map": "k8slab.course",
    "check": "k8slab.course",
    "K8sModel": "k8slab.api",
    "KINDS": "k8slab.api",
    "model_for": "k8slab.api",
}

__all__ = [
    "KUBERNETES_VERSION",
    "K8sLabError",
    "NotFound",
    "AlreadyExists",
    "Conflict",
    "Invalid",
    "BadRequest",
    "Forbidden",
    "Unsupported",
    "ParseError",
    *_LAZY,
]


from k8slab._lazy import lazy_getattr  # noqa: E402

__getattr__ = lazy_getattr(globals(), _LAZY)


def __dir__():
    return sorted(__all__)
