"""ResourceQuota: usage evaluators per resource, the admission check ("exceeded quota") and the usage controller."""

# upstream: staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go (CheckRequest),
# pkg/quota/v1/evaluator/core/{pods,services,persistent_volume_claims}.go, pkg/quota/v1/generic/evaluator.go,
# pkg/controller/resourcequota/resource_quota_controller.go

from __future__ import annotations

from k8slab.admission.chain import AdmissionPlugin, admission_forbidden, operation
from k8slab.admission.resources import (add, less_than_or_equal, mask, pod_limits, pod_requests, pretty_print,
                                        remove_zeros, resource_list, subtract_non_negative)
from k8slab.api.quantity import Quantity

__all__ = ["ResourceQuota", "ResourceQuotaController", "usage", "matching_resources", "quota_matches"]

_ONE = Quantity.from_decimal(1)
_COMPUTE = ("cpu", "memory", "ephemeral-storage")
# upstream: pods.go podResources / validationSet
_POD_RESOURCES = {"pods", "count/pods", "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory",
                  "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage"}
_VALIDATION_SET = {"cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"}
# upstream: pkg/quota/v1/evaluator/core/registry.go legacyObjectCountAliases
_LEGACY = {"configmaps": "configmaps", "secrets": "secrets", "resourcequotas": "resourcequotas",
           "replicationcontrollers": "replicationcontrollers", "persistentvolumeclaims": "persistentvolumeclaims",
           "services": "services"}


def _count_name(res) -> str:
    return f"count/{res.name}" if not res.group else f"count/{res.name}.{res.group}"


def _compute_usage(requests: dict, limits: dict) -> dict:
    # upstream: pods.go podComputeUsageHelper
    out = {"pods": _ONE}
    for r in _COMPUTE:
        if r in requests:
            out[r] = requests[r]
            out[f"requests.{r}"] = requests[r]
        if r in limits:
            out[f"limits.{r}"] = limits[r]
    for r, q in requests.items():
        if r.startswith("hugepages-") or ("/" in r and not r.startswith("kubernetes.io/")):
            out[f"requests.{r}"] = q
            if r.startswith("hugepages-"):
                out[r] = q
    return out


def _pod_counts(pod: dict) -> bool:
    # upstream: pods.go QuotaV1Pod: terminal pods and pods past their deletion grace period are not charged
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed")


def usage(res, obj: dict) -> dict:
    """What one object charges against quota (upstream ``Evaluator.Usage``).

    Examples
    --------
    >>> from k8slab.api.resources import resolve_resource
    >>> pod = {"spec": {"containers": [{"name": "a", "resources": {"requests": {"cpu": "250m"}, "limits": {"cpu": "1"}}}]}}
    >>> sorted(usage(resolve_resource("pods"), pod).items())
    [('count/pods', Quantity('1')), ('cpu', Quantity('250m')), ('limits.cpu', Quantity('1')), ('pods', Quantity('1')), ('requests.cpu', Quantity('250m'))]
    """
    out = {_count_name(res): _ONE}
    if res.name in _LEGACY:
        out[_LEGACY[res.name]] = _ONE
    spec = obj.get("spec") or {}
    if res.kind == "Pod":
        out = {"count/pods": _ONE}
        if _pod_counts(obj):
            out.update(_compute_usage(pod_requests(spec), pod_limits(spec)))
    elif res.kind == "Service":
        kind = spec.get("type", "ClusterIP")
        if kind == "LoadBalancer":
            out["services.loadbalancers"] = _ONE
        if kind == "NodePort" or (kind == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts", True)):
            out["services.nodeports"] = Quantity.from_decimal(len(spec.get("ports") or ()))
    elif res.kind == "PersistentVolumeClaim":
        storage = resource_list((spec.get("resources") or {}).get("requests")).get("storage")
        allocated = resource_list((obj.get("status") or {}).get("allocatedResources")).get("storage")
        if allocated is not None and (storage is None or allocated > storage):
            storage = allocated
        sc = spec.get("storageClassName")
        if sc:
            out[f"{sc}.storageclass.storage.k8s.io/persistentvolumeclaims"] = _ONE
        if storage is not None:
            out["requests.storage"] = storage
            if sc:
                out[f"{sc}.storageclass.storage.k8s.io/requests.storage"] = storage
    return out


def matching_resources(res, names) -> list[str]:
    """The quota resource names an evaluator tracks among ``names`` (upstream ``MatchingResources``)."""
    if res.kind == "Pod":
        return sorted(n for n in names if n in _POD_RESOURCES or n.startswith("requests.hugepages-")
                      or (n.startswith("requests.") and "/" in n))
    own = {_count_name(res)} | ({_LEGACY[res.name]} if res.name in _LEGACY else set())
    if res.kind == "Service":
        own |= {"services.loadbalancers", "services.nodeports"}
    if res.kind == "PersistentVolumeClaim":
        own.add("requests.storage")
        return sorted(n for n in names if n in own or n.endswith(".storageclass.storage.k8s.io/requests.storage")
                      or n.endswith(".storageclass.storage.k8s.io/persistentvolumeclaims"))
    return sorted(n for n in names if n in own)


def _best_effort(spec: dict) -> bool:
    return not any((c.get("resources") or {}).get(k) for key in ("containers", "initContainers")
                   for c in spec.get(key) or () for k in ("requests", "limits"))


def _scope_matches(scope: dict, obj: dict) -> bool:
    # upstream: pods.go podMatchesScopeFunc
    spec = obj.get("spec") or {}
    name, op, values = scope.get("scopeName"), scope.get("operator", "Exists"), scope.get("values") or ()
    if name == "Terminating":
        return spec.get("activeDeadlineSeconds") is not None and spec["activeDeadlineSeconds"] >= 0
    if name == "NotTerminating":
        return spec.get("activeDeadlineSeconds") is None or spec["activeDeadlineSeconds"] < 0
    if name == "BestEffort":
        return _best_effort(spec)
    if name == "NotBestEffort":
        return not _best_effort(spec)
    if name == "PriorityClass":
        pc = spec.get("priorityClassName") or ""
        if op == "Exists":
            return bool(pc)
        if op == "DoesNotExist":
            return not pc
        if op == "In":
            return pc in values
        return pc not in values
    if name == "CrossNamespacePodAffinity":
        aff = spec.get("affinity") or {}
        terms = [t for k in ("podAffinity", "podAntiAffinity") for kind in
                 ("requiredDuringSchedulingIgnoredDuringExecution", "preferredDuringSchedulingIgnoredDuringExecution")
                 for t in (aff.get(k) or {}).get(kind) or ()]
        terms = [t.get("podAffinityTerm", t) for t in terms]
        return any(t.get("namespaces") or t.get("namespaceSelector") is not None for t in terms)
    return False


def quota_matches(quota: dict, res, obj: dict) -> bool:
    """Whether a quota applies to an object: it tracks one of its resources and every scope matches."""
    hard = (quota.get("status") or {}).get("hard") or (quota.get("spec") or {}).get("hard") or {}
    if not matching_resources(res, hard):
        return False
    spec = quota.get("spec") or {}
    selectors = [{"scopeName": s, "operator": "Exists"} for s in spec.get("scopes") or ()]
    selectors += list((spec.get("scopeSelector") or {}).get("matchExpressions") or ())
    if selectors and res.kind != "Pod":
        return False  # upstream: only the pod evaluator supports scopes
    return all(_scope_matches(s, obj) for s in selectors)


def _constraints(res, required: list[str], obj: dict) -> str | None:
    # upstream: pods.go Constraints (each container must request what a quota on cpu/memory tracks)
    if res.kind != "Pod":
        return None
    wanted = set(required) & _VALIDATION_SET
    missing: dict[str, set] = {}
    spec = obj.get("spec") or {}
    for key in ("containers", "initContainers"):
        for c in spec.get(key) or ():
            r = c.get("resources") or {}
            have = set(_compute_usage(resource_list(r.get("requests")), resource_list(r.get("limits"))))
            for name in wanted - have:
                missing.setdefault(name, set()).add(c.get("name", ""))
    if not missing:
        return None
    return "must specify " + "; ".join(f"{r} for: {','.join(sorted(missing[r]))}" for r in sorted(missing))


class ResourceQuota(AdmissionPlugin):
    """Refuses what would push a namespace past a ResourceQuota (the last plugin of the chain).

    upstream: ``CheckRequest``. Usage is read from the quota's ``status.used``, which
    `ResourceQuotaController` keeps current after every change (upstream's admission also reserves
    usage in the quota status itself; the controller reconciles it).
    """

    name = "ResourceQuota"
    operations = frozenset({"CREATE", "UPDATE"})

    def __init__(self, api):
        self.api = api

    def handles(self, req) -> bool:
        if req.obj is None or not req.resource.namespaced or getattr(req, "subresource", ""):
            return False
        op, kind = operation(req), req.resource.kind
        if op == "CREATE":
            return True
        return op == "UPDATE" and kind in ("Service", "PersistentVolumeClaim")

    def validate(self, req) -> None:
        res, obj = req.resource, req.obj
        prefix = f"/registry/resourcequotas/{req.namespace}/"
        if not self.api.etcd.count(prefix):  # most namespaces have no quota: nothing to check
            return
        quotas = sorted(self.api.etcd.scan(prefix), key=lambda q: q["metadata"]["name"])
        interesting = []
        for q in quotas:
            if not quota_matches(q, res, obj):
                continue
            hard = resource_list((q.get("status") or {}).get("hard") or (q.get("spec") or {}).get("hard"))
            restricted = matching_resources(res, hard)
            err = _constraints(res, restricted, obj)
            name = q["metadata"]["name"]
            if err:
                raise admission_forbidden(req, f"failed quota: {name}: {err}")
            used = resource_list((q.get("status") or {}).get("used"))
            if any(r not in used for r in restricted):
                raise admission_forbidden(req, f"status unknown for quota: {name}, resources: "
                                               f"{','.join(sorted(restricted))}")
            interesting.append((q, hard, used))
        if not interesting:
            return
        new_usage = usage(res, obj)
        negative = sorted(k for k, v in new_usage.items() if v.value < 0)
        if negative:
            raise admission_forbidden(req, f"quota usage is negative for resource(s): {','.join(negative)}")
        for q, hard, used in interesting:
            delta = new_usage
            if operation(req) == "UPDATE" and req.old is not None \
                    and (req.old.get("metadata") or {}).get("resourceVersion") and quota_matches(q, res, req.old):
                delta = subtract_non_negative(new_usage, usage(res, req.old))
            requested = mask(remove_zeros(delta), set(hard))
            if not requested:
                continue
            total = add(used, requested)
            ok, exceeded = less_than_or_equal(mask(total, set(requested)), hard)
            if not ok:
                raise admission_forbidden(
                    req, f"exceeded quota: {q['metadata']['name']}, requested: {pretty_print(mask(requested, exceeded))}, "
                         f"used: {pretty_print(mask(used, exceeded))}, limited: {pretty_print(mask(hard, exceeded))}")


class ResourceQuotaController:
    """Keeps ``status.hard`` and ``status.used`` of every ResourceQuota current, as kube-controller-manager does.

    upstream: pkg/controller/resourcequota: recalculates usage from the objects in the namespace. The
    lab recalculates synchronously whenever an object of a namespace with quotas changes (upstream:
    on events it watches, and a full resync every 5 minutes).
    """

    def __init__(self, api):
        self.api = api
        self._namespaces: dict[str, set[str]] = {}
        api.etcd.watch("/registry/", self._on_event)

    def resync(self) -> None:
        self._namespaces.clear()
        for q in self.api.etcd.scan("/registry/resourcequotas/"):
            self._namespaces.setdefault(q["metadata"]["namespace"], set()).add(q["metadata"]["name"])
        for ns in sorted(self._namespaces):
            self.sync(ns)

    def _on_event(self, event: str, key: str, obj: dict) -> None:
        meta = obj.get("metadata") or {}
        ns = meta.get("namespace")
        if not ns:
            return
        if key.startswith("/registry/resourcequotas/"):
            names = self._namespaces.setdefault(ns, set())
            if event == "DELETED":
                names.discard(meta.get("name"))
                return
            names.add(meta.get("name"))
        if self._namespaces.get(ns):
            self.sync(ns)

    def sync(self, namespace: str) -> None:
        """Recalculate every quota of a namespace; writes status only when it changed."""
        from k8slab.api.resources import RESOURCES

        quotas = list(self.api.etcd.scan(f"/registry/resourcequotas/{namespace}/"))
        if not quotas:
            return
        objects = {r.name: list(self.api.etcd.scan(f"/registry/{r.etcd_prefix or r.name}/{namespace}/"))
                   for r in RESOURCES if r.namespaced}
        res_by_name = {r.name: r for r in RESOURCES}
        for q in quotas:
            hard_raw = (q.get("spec") or {}).get("hard") or {}
            hard = resource_list(hard_raw)
            used: dict = {}
            for rname, objs in objects.items():
                res = res_by_name[rname]
                if not matching_resources(res, hard):
                    continue
                for o in objs:
                    if quota_matches(q, res, o):
                        used = add(used, mask(usage(res, o), set(hard)))
            for k in hard:
                used.setdefault(k, Quantity.from_decimal(0))
            status = {"hard": {k: str(v) for k, v in sorted(hard.items())},
                      "used": {k: str(v) for k, v in sorted(used.items())}}
            if q.get("status") != status:
                q["status"] = status
                self.api.write_status(self.api.resource("resourcequotas"), q)
