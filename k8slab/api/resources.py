"""The API resources the lab serves: names, short names, scope and etcd keys, as `kubectl api-resources` lists them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["APIResource", "RESOURCES", "resource_for_kind", "resolve_resource", "UNSUPPORTED_HINT"]

_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class APIResource:
    """One row of `kubectl api-resources`."""

    name: str  # plural, as in URLs: "pods"
    kind: str
    group: str  # "" for the core group
    version: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    singular: str = ""
    #: the storage key prefix kube-apiserver uses (pkg/registry/*/storage): /registry/<etcd_prefix>/...
    etcd_prefix: str = ""
    categories: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        """``deployments.apps``, or ``pods`` in the core group: how errors name the resource."""
        return f"{self.name}.{self.group}" if self.group else self.name

    @property
    def qualified_kind(self) -> str:
        """``Deployment.apps``, or ``Pod``: how apiserver messages name the kind (schema.GroupKind.String)."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    @property
    def verbs(self) -> tuple[str, ...]:
        return _VERBS

    def key(self, namespace: str | None, name: str) -> str:
        """The etcd key, e.g. ``/registry/pods/default/web`` or ``/registry/minions/node-1``."""
        prefix = f"/registry/{self.etcd_prefix or self.name}"
        return f"{prefix}/{namespace}/{name}" if self.namespaced else f"{prefix}/{name}"


def _r(name, kind, api_version, namespaced, short=(), etcd="", categories=()):
    group, _, version = api_version.rpartition("/")
    return APIResource(
        name=name,
        kind=kind,
        group=group,
        version=version,
        namespaced=namespaced,
        short_names=tuple(short),
        singular=kind.lower(),
        etcd_prefix=etcd,
        categories=tuple(categories),
    )


_ALL = ("all",)
# The rows of `kubectl api-resources` on a 1.35 cluster, for the kinds the lab simulates. etcd prefixes from
# upstream's storage packages (nodes are still "minions", services "services/specs", ingresses "ingress").
RESOURCES: tuple[APIResource, ...] = (
    _r("configmaps", "ConfigMap", "v1", True, ["cm"]),
    _r("endpoints", "Endpoints", "v1", True, ["ep"], etcd="services/endpoints"),
    _r("events", "Event", "v1", True, ["ev"]),
    _r("limitranges", "LimitRange", "v1", True, ["limits"]),
    _r("namespaces", "Namespace", "v1", False, ["ns"]),
    _r("nodes", "Node", "v1", False, ["no"], etcd="minions"),
    _r("persistentvolumeclaims", "PersistentVolumeClaim", "v1", True, ["pvc"]),
    _r("persistentvolumes", "PersistentVolume", "v1", False, ["pv"]),
    _r("pods", "Pod", "v1", True, ["po"], categories=_ALL),
    _r("resourcequotas", "ResourceQuota", "v1", True, ["quota"]),
    _r("secrets", "Secret", "v1", True),
    _r("serviceaccounts", "ServiceAccount", "v1", True, ["sa"]),
    _r("services", "Service", "v1", True, ["svc"], etcd="services/specs", categories=_ALL),
    _r("mutatingwebhookconfigurations", "MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1", False),
    _r("validatingwebhookconfigurations", "ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1", False),
    _r("controllerrevisions", "ControllerRevision", "apps/v1", True),
    _r("daemonsets", "DaemonSet", "apps/v1", True, ["ds"], categories=_ALL),
    _r("deployments", "Deployment", "apps/v1", True, ["deploy"], categories=_ALL),
    _r("replicasets", "ReplicaSet", "apps/v1", True, ["rs"], categories=_ALL),
    _r("statefulsets", "StatefulSet", "apps/v1", True, ["sts"], categories=_ALL),
    _r("horizontalpodautoscalers", "HorizontalPodAutoscaler", "autoscaling/v2", True, ["hpa"], categories=_ALL),
    _r("cronjobs", "CronJob", "batch/v1", True, ["cj"], categories=_ALL),
    _r("jobs", "Job", "batch/v1", True, categories=_ALL),
    _r("endpointslices", "EndpointSlice", "discovery.k8s.io/v1", True),
    _r("ingressclasses", "IngressClass", "networking.k8s.io/v1", False),
    _r("ingresses", "Ingress", "networking.k8s.io/v1", True, ["ing"], etcd="ingress"),
    _r("networkpolicies", "NetworkPolicy", "networking.k8s.io/v1", True, ["netpol"]),
    _r("poddisruptionbudgets", "PodDisruptionBudget", "policy/v1", True, ["pdb"]),
    _r("clusterrolebindings", "ClusterRoleBinding", "rbac.authorization.k8s.io/v1", False),
    _r("clusterroles", "ClusterRole", "rbac.authorization.k8s.io/v1", False),
    _r("rolebindings", "RoleBinding", "rbac.authorization.k8s.io/v1", True),
    _r("roles", "Role", "rbac.authorization.k8s.io/v1", True),
    _r("priorityclasses", "PriorityClass", "scheduling.k8s.io/v1", False, ["pc"]),
    _r("storageclasses", "StorageClass", "storage.k8s.io/v1", False, ["sc"]),
)

_BY_KIND = {(r.api_version, r.kind): r for r in RESOURCES}
_BY_NAME: dict[str, APIResource] = {}
for _res in reversed(RESOURCES):  # first row wins for ambiguous names, as kubectl prefers the core group
    for _alias in (_res.name, _res.singular, *_res.short_names, f"{_res.name}.{_res.group}" if _res.group else ""):
        if _alias:
            _BY_NAME[_alias.lower()] = _res
for _res in RESOURCES:  # kind names resolve too: kubectl get Deployment
    _BY_NAME.setdefault(_res.kind.lower(), _res)

UNSUPPORTED_HINT = "ensure CRDs are installed first"


def resource_for_kind(api_version: str, kind: str) -> APIResource | None:
    """The resource serving ``(apiVersion, kind)``, or None when the lab does not simulate it.

    Examples
    --------
    >>> resource_for_kind("apps/v1", "Deployment").key("default", "web")
    '/registry/deployments/default/web'
    >>> resource_for_kind("extensions/v1beta1", "Deployment") is None
    True
    """
    return _BY_KIND.get((api_version, kind))


def resolve_resource(name: str) -> APIResource | None:
    """Resolve what a kubectl user types (``po``, ``pods``, ``pod``, ``deployments.apps``, ``Deployment``).

    Examples
    --------
    >>> resolve_resource("svc").kind
    'Service'
    >>> resolve_resource("deploy").api_version
    'apps/v1'
    """
    return _BY_NAME.get(name.lower())
