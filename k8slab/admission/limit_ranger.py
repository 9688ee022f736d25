"""LimitRanger admission: LimitRange defaults filled into pods, then min, max and ratio checked."""

from __future__ import annotations

from k8slab.admission.chain import AdmissionPlugin, admission_forbidden, operation
from k8slab.admission.resources import pod_limits, pod_requests, resource_list

__all__ = ["LimitRanger", "ANNOTATION", "pod_defaults", "pod_violations", "pvc_violations"]

# upstream: plugin/pkg/admission/limitranger/admission.go
ANNOTATION = "kubernetes.io/limit-ranger"
_MAX_MILLI = (2**63 - 1) // 1000  # resource.MaxMilliValue


def _enforced_values(req, lim, enforced) -> tuple[int, int, int]:
    # requestLimitEnforcedValues: compare in milli-units unless that would overflow
    r = req.int_value() if req is not None else 0
    li = lim.int_value() if lim is not None else 0
    e = enforced.int_value()
    if r <= _MAX_MILLI and li <= _MAX_MILLI and e <= _MAX_MILLI:
        r = req.milli_value() if req is not None else 0
        li = lim.milli_value() if lim is not None else 0
        e = enforced.milli_value()
    return r, li, e


def _min(limit_type, name, enforced, requests, limits):
    req, lim = requests.get(name), limits.get(name)
    r, li, e = _enforced_values(req, lim, enforced)
    if req is None:
        return f"minimum {name} usage per {limit_type} is {enforced}.  No request is specified"
    if r < e:
        return f"minimum {name} usage per {limit_type} is {enforced}, but request is {req}"
    if lim is not None and li < e:
        return f"minimum {name} usage per {limit_type} is {enforced}, but limit is {lim}"


def _max(limit_type, name, enforced, requests, limits):
    req, lim = requests.get(name), limits.get(name)
    r, li, e = _enforced_values(req, lim, enforced)
    if lim is None:
        return f"maximum {name} usage per {limit_type} is {enforced}.  No limit is specified"
    if li > e:
        return f"maximum {name} usage per {limit_type} is {enforced}, but limit is {lim}"
    if req is not None and r > e:
        return f"maximum {name} usage per {limit_type} is {enforced}, but request is {req}"


def _max_request(limit_type, name, enforced, requests):
    req = requests.get(name)
    r, _, e = _enforced_values(req, None, enforced)
    if req is None:
        return f"maximum {name} usage per {limit_type} is {enforced}.  No request is specified"
    if r > e:
        return f"maximum {name} usage per {limit_type} is {enforced}, but request is {req}"


def _ratio(limit_type, name, enforced, requests, limits):
    req, lim = requests.get(name), limits.get(name)
    r, li, _ = _enforced_values(req, lim, enforced)
    if req is None or r == 0:
        return (f"{name} max limit to request ratio per {limit_type} is {enforced}, but no request is specified "
                "or request is 0")
    if lim is None or li == 0:
        return (f"{name} max limit to request ratio per {limit_type} is {enforced}, but no limit is specified "
                "or limit is 0")
    observed = li / r
    display = observed
    maximum = float(enforced.int_value())
    if enforced.int_value() <= _MAX_MILLI:
        observed *= 1000
        maximum = float(enforced.milli_value())
    if observed > maximum:
        return f"{name} max limit to request ratio per {limit_type} is {enforced}, but provided ratio is {display:f}"


def pod_defaults(limit_range: dict, pod: dict) -> None:
    """Fill a pod's missing requests/limits from a LimitRange's Container defaults, with the annotation.

    upstream: ``PodMutateLimitFunc`` / ``mergePodResourceRequirements``.

    Examples
    --------
    >>> lr = {"spec": {"limits": [{"type": "Container", "default": {"cpu": "500m"}, "defaultRequest": {"cpu": "100m"}}]}}
    >>> pod = {"metadata": {}, "spec": {"containers": [{"name": "web"}]}}
    >>> pod_defaults(lr, pod)
    >>> pod["spec"]["containers"][0]["resources"], pod["metadata"]["annotations"]
    ({'limits': {'cpu': '500m'}, 'requests': {'cpu': '100m'}}, {'kubernetes.io/limit-ranger': 'LimitRanger plugin set: cpu request for container web; cpu limit for container web'})
    """
    requests, limits = {}, {}
    for item in (limit_range.get("spec") or {}).get("limits") or ():
        if item.get("type") == "Container":
            requests.update(resource_list(item.get("defaultRequest")))
            limits.update(resource_list(item.get("default")))
    notes = []
    spec = pod.get("spec") or {}
    for key, label in (("containers", "container"), ("initContainers", "init container")):
        for c in spec.get(key) or ():
            res = c.get("resources") or {}
            set_limits = sorted(k for k in limits if k not in (res.get("limits") or {}))
            set_requests = sorted(k for k in requests if k not in (res.get("requests") or {}))
            if set_limits or set_requests:
                res = c.setdefault("resources", {})
            for k in set_limits:
                res.setdefault("limits", {})[k] = str(limits[k])
            for k in set_requests:
                res.setdefault("requests", {})[k] = str(requests[k])
            if set_requests:
                notes.append(f"{', '.join(set_requests)} request for {label} {c.get('name', '')}")
            if set_limits:
                notes.append(f"{', '.join(set_limits)} limit for {label} {c.get('name', '')}")
    if notes:
        pod.setdefault("metadata", {}).setdefault("annotations", {})[ANNOTATION] = \
            "LimitRanger plugin set: " + "; ".join(notes)


def pod_violations(limit_range: dict, pod: dict) -> list[str]:
    """The LimitRange errors of a pod, per Container then per Pod (upstream ``PodValidateLimitFunc``).

    Resource names are visited in sorted order (upstream ranges over a Go map: random order).

    Examples
    --------
    >>> lr = {"spec": {"limits": [{"type": "Container", "max": {"cpu": "1"}}]}}
    >>> pod_violations(lr, {"spec": {"containers": [{"name": "web", "resources": {"limits": {"cpu": "2"}}}]}})
    ['maximum cpu usage per Container is 1, but limit is 2']
    """
    errs = []
    spec = pod.get("spec") or {}
    for item in (limit_range.get("spec") or {}).get("limits") or ():
        t = item.get("type")
        checks = [(_min, item.get("min")), (_max, item.get("max")), (_ratio, item.get("maxLimitRequestRatio"))]
        if t == "Container":
            for key in ("containers", "initContainers"):
                for c in spec.get(key) or ():
                    res = c.get("resources") or {}
                    requests, limits = resource_list(res.get("requests")), resource_list(res.get("limits"))
                    for fn, bounds in checks:
                        for name, value in sorted(resource_list(bounds).items()):
                            err = fn(t, name, value, requests, limits)
                            if err:
                                errs.append(err)
        elif t == "Pod":
            requests, limits = pod_requests(spec), pod_limits(spec)
            for fn, bounds in checks:
                for name, value in sorted(resource_list(bounds).items()):
                    err = fn(t, name, value, requests, limits)
                    if err:
                        errs.append(err)
    return errs


def pvc_violations(limit_range: dict, pvc: dict) -> list[str]:
    """Storage bounds of a claim (upstream ``PersistentVolumeClaimValidateLimitFunc``)."""
    errs = []
    requests = resource_list(((pvc.get("spec") or {}).get("resources") or {}).get("requests"))
    for item in (limit_range.get("spec") or {}).get("limits") or ():
        if item.get("type") != "PersistentVolumeClaim":
            continue
        for name, value in sorted(resource_list(item.get("min")).items()):
            err = _min("PersistentVolumeClaim", name, value, requests, {})
            if err:
                errs.append(err)
        for name, value in sorted(resource_list(item.get("max")).items()):
            err = _max_request("PersistentVolumeClaim", name, value, requests)
            if err:
                errs.append(err)
    return errs


def _aggregate(errs: list[str]) -> str:
    return errs[0] if len(errs) == 1 else "[" + ", ".join(errs) + "]"


class LimitRanger(AdmissionPlugin):
    """Applies every LimitRange of the namespace to pods (defaults, then bounds) and claims (storage bounds).

    Pod updates are not checked (containers cannot change); objects being deleted are skipped.
    """

    name = "LimitRanger"
    operations = frozenset({"CREATE", "UPDATE"})

    def __init__(self, api):
        self.api = api

    def handles(self, req) -> bool:
        if getattr(req, "subresource", "") or req.obj is None or operation(req) not in self.operations:
            return False
        kind = req.resource.kind
        if kind == "Pod" and operation(req) == "UPDATE":
            return False
        return kind in ("Pod", "PersistentVolumeClaim")

    def _ranges(self, req) -> list[dict]:
        if req.old is not None and (req.old.get("metadata") or {}).get("deletionTimestamp"):
            return []
        prefix = f"/registry/limitranges/{req.namespace}/"
        if not self.api.etcd.count(prefix):  # most namespaces have none: skip the range read
            return []
        return list(self.api.etcd.scan(prefix))

    def admit(self, req) -> None:
        if req.resource.kind == "Pod":
            for lr in self._ranges(req):
                pod_defaults(lr, req.obj)

    def validate(self, req) -> None:
        for lr in self._ranges(req):
            errs = (pod_violations(lr, req.obj) if req.resource.kind == "Pod"
                    else pvc_violations(lr, req.obj))
            if errs:
                raise admission_forbidden(req, _aggregate(errs))
