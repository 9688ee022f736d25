"""Object validation as the apiserver does it (pkg/apis/*/validation), every error with its field path."""

from __future__ import annotations

import functools
import re

from k8slab.api import names
from k8slab.api.quantity import parse_quantity  # at module level: an import statement per call costs ~1 us

# label keys, values and names repeat across thousands of objects: check each distinct string once
_qualified_name = functools.lru_cache(maxsize=8192)(lambda s: tuple(names.is_qualified_name(s)))
_label_value = functools.lru_cache(maxsize=8192)(lambda s: tuple(names.is_valid_label_value(s)))
_dns_label = functools.lru_cache(maxsize=8192)(lambda s: tuple(names.is_dns1123_label(s)))
from k8slab.apiserver.field import duplicate, invalid, not_supported, required, too_long

__all__ = ["validate", "decode_quantities", "decode_base64_fields", "lab_warnings", "MAX_SECRET_SIZE"]

#: upstream: pkg/apis/core/types.go MaxSecretSize (and ConfigMaps share it: 1 MiB)
MAX_SECRET_SIZE = 1 * 1024 * 1024

_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
# upstream: apimachinery validation.go IsConfigMapKey
_CONFIG_KEY_MSG = ("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  "
                   "or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")


def _name_errors(kind: str, name: str) -> list[str]:
    # upstream: each kind's ValidateXName (most are DNS-1123 subdomains; namespaces labels; services DNS-1035 labels)
    if kind == "Namespace":
        return names.is_dns1123_label(name)
    if kind == "Service":
        return names.is_dns1035_label(name)
    if kind in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"):
        # upstream: pkg/apis/rbac/validation ValidateRBACName = path.IsValidPathSegmentName
        return [f"may not contain '{c}'" for c in ("/", "%") if c in name] + (
            [f"may not be '{name}'"] if name in (".", "..") else [])
    return names.is_dns1123_subdomain(name)


def _validate_meta(obj: dict, kind: str, namespaced: bool) -> list[str]:
    # upstream: apimachinery/pkg/api/validation/objectmeta.go ValidateObjectMeta
    errs = []
    meta = obj.get("metadata") or {}
    name = meta.get("name")
    if not name:
        errs.append(required("metadata.name", "name or generateName is required"))
    else:
        errs += [invalid("metadata.name", name, m) for m in _name_errors(kind, name)]
    if namespaced and meta.get("namespace"):
        errs += [invalid("metadata.namespace", meta["namespace"], m) for m in _dns_label(meta["namespace"])]
    errs += _validate_labels(meta.get("labels"), "metadata.labels")
    for key in meta.get("annotations") or {}:
        errs += [invalid("metadata.annotations", key, m) for m in _qualified_name(key.lower())]
    return errs


_QUANTITY_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"


def _quantity_maps(obj: dict):
    """Every map of quantities in an object, as (path, map) pairs."""
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    pod_specs = []
    if kind == "Pod":
        pod_specs.append(spec)
    elif kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"):
        pod_specs.append((spec.get("template") or {}).get("spec") or {})
    elif kind == "CronJob":
        pod_specs.append(((spec.get("jobTemplate") or {}).get("spec") or {}).get("template", {}).get("spec") or {})
    for ps in pod_specs:
        for key in ("initContainers", "containers"):
            for c in ps.get(key) or ():
                res = c.get("resources") or {}
                for part in ("requests", "limits"):
                    if isinstance(res.get(part), dict):
                        yield res[part]
        if isinstance(ps.get("overhead"), dict):
            yield ps["overhead"]
    if kind == "Node":
        for part in ("capacity", "allocatable"):
            if isinstance((obj.get("status") or {}).get(part), dict):
                yield obj["status"][part]
    elif kind == "PersistentVolume" and isinstance(spec.get("capacity"), dict):
        yield spec["capacity"]
    elif kind == "PersistentVolumeClaim":
        for part in ("requests", "limits"):
            if isinstance((spec.get("resources") or {}).get(part), dict):
                yield spec["resources"][part]
    elif kind == "ResourceQuota" and isinstance(spec.get("hard"), dict):
        yield spec["hard"]
    elif kind == "LimitRange":
        for item in spec.get("limits") or ():
            for part in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
                if isinstance(item.get(part), dict):
                    yield item[part]


_B64 = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def decode_base64_fields(obj: dict) -> str | None:
    """The decoder's error for a Secret's ``data`` (or a ConfigMap's ``binaryData``) value that is not base64.

    upstream: encoding/base64 CorruptInputError, "illegal base64 data at input byte N" (N: the first bad
    character, or the start of an incomplete final quantum)
    """
    field = {"Secret": "data", "ConfigMap": "binaryData"}.get(obj.get("kind"))
    for value in ((obj.get(field) or {}).values() if field else ()):
        s = (value or "").replace("\n", "").replace("\r", "")
        body = s.rstrip("=")
        pad = len(s) - len(body)
        bad = next((i for i, ch in enumerate(body) if ch not in _B64), None)
        if bad is not None:
            return f"illegal base64 data at input byte {bad}"
        if pad > 2 or len(s) % 4 or (pad and len(body) % 4 in (0, 1)):
            return f"illegal base64 data at input byte {len(s) - len(s) % 4 if len(s) % 4 else len(body)}"
    return None


def decode_quantities(obj: dict) -> str | None:
    """The decoder's error for the first quantity that does not parse, or None.

    upstream: apimachinery/pkg/api/resource/quantity.go UnmarshalJSON (a decode error, not a field error)
    """
    for qmap in _quantity_maps(obj):
        for v in qmap.values():
            try:
                parse_quantity(str(v))
            except ValueError:
                return _QUANTITY_MSG
    return None


_RESTART = ("Always", "OnFailure", "Never")
_DNS = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
_PULL = ("Always", "IfNotPresent", "Never")
_PROTOCOLS = ("SCTP", "TCP", "UDP")


def _validate_container(c: dict, path: str, seen: set) -> list[str]:
    # upstream: pkg/apis/core/validation/validation.go validateContainerCommon
    errs = []
    name = c.get("name")
    if not name:
        errs.append(required(f"{path}.name"))
    else:
        errs += [invalid(f"{path}.name", name, m) for m in _dns_label(name)]
        if name in seen:
            errs.append(duplicate(f"{path}.name", name))
        seen.add(name)
    if not (c.get("image") or "").strip():
        errs.append(required(f"{path}.image"))
    if c.get("imagePullPolicy") and c["imagePullPolicy"] not in _PULL:
        errs.append(not_supported(f"{path}.imagePullPolicy", c["imagePullPolicy"], _PULL))
    port_names = set()
    for j, port in enumerate(c.get("ports") or ()):
        ppath = f"{path}.ports[{j}]"
        cp = port.get("containerPort")
        if cp is None:
            errs.append(required(f"{ppath}.containerPort"))
        elif not 1 <= cp <= 65535:
            errs.append(invalid(f"{ppath}.containerPort", cp, "must be between 1 and 65535, inclusive"))
        if port.get("protocol") and port["protocol"] not in _PROTOCOLS:
            errs.append(not_supported(f"{ppath}.protocol", port["protocol"], _PROTOCOLS))
        if port.get("name"):
            if port["name"] in port_names:
                errs.append(duplicate(f"{ppath}.name", port["name"]))
            port_names.add(port["name"])
    res = c.get("resources") or {}
    limits, requests = res.get("limits") or {}, res.get("requests") or {}
    if not limits and not requests:
        return errs
    # upstream: ValidateResourceQuantityValue -> ValidateNonnegativeQuantity (parse_quantity is cached: one
    # Quantity per distinct text, so each is parsed once here)
    parsed_limits = {rname: parse_quantity(str(qty)) for rname, qty in limits.items()}
    parsed_requests = {rname: parse_quantity(str(qty)) for rname, qty in requests.items()}
    for part, qmap in (("limits", parsed_limits), ("requests", parsed_requests)):
        for rname, q in qmap.items():
            if q.value < 0:
                errs.append(invalid(f"{path}.resources.{part}[{rname}]", str(q), "must be greater than or equal to 0"))
    # upstream: ValidateContainerResourceRequirements: a request may not exceed its limit
    for rname, q in parsed_requests.items():
        if rname in parsed_limits and q > parsed_limits[rname]:
            errs.append(invalid(f"{path}.resources.requests", str(q),
                                f"must be less than or equal to {rname} limit of {parsed_limits[rname]}"))
    return errs


def validate_pod_spec(spec: dict, path: str, allowed_restart=_RESTART, extra_volumes=()) -> list[str]:
    """upstream: pkg/apis/core/validation/validation.go ValidatePodSpec (the parts the lab acts on).

    ``extra_volumes`` are names mounts may use besides spec.volumes (a StatefulSet's volumeClaimTemplates).
    """
    errs = []
    seen: set = set()
    containers = spec.get("containers") or []
    if not containers:
        errs.append(required(f"{path}.containers"))
    for i, c in enumerate(spec.get("initContainers") or ()):
        errs += _validate_container(c, f"{path}.initContainers[{i}]", seen)
    for i, c in enumerate(containers):
        errs += _validate_container(c, f"{path}.containers[{i}]", seen)
    errs += _validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector")
    rp = spec.get("restartPolicy")
    if rp is not None and rp not in allowed_restart:
        errs.append(not_supported(f"{path}.restartPolicy", rp, allowed_restart))
    dp = spec.get("dnsPolicy")
    if dp is not None and dp not in _DNS:
        errs.append(not_supported(f"{path}.dnsPolicy", dp, _DNS))
    vol_names = set()
    for i, v in enumerate(spec.get("volumes") or ()):
        vname = v.get("name")
        if not vname:
            errs.append(required(f"{path}.volumes[{i}].name"))
        elif vname in vol_names:
            errs.append(duplicate(f"{path}.volumes[{i}].name", vname))
        else:
            errs += [invalid(f"{path}.volumes[{i}].name", vname, m) for m in names.is_dns1123_label(vname)]
        vol_names.add(vname)
    vol_names |= set(extra_volumes)
    for key in ("initContainers", "containers"):
        for i, c in enumerate(spec.get(key) or ()):
            for j, m in enumerate(c.get("volumeMounts") or ()):
                if m.get("name") not in vol_names:
                    errs.append(f"{path}.{key}[{i}].volumeMounts[{j}].name: Not found: {_q(m.get('name'))}")
    tgps = spec.get("terminationGracePeriodSeconds")
    if isinstance(tgps, int) and tgps < 0:
        errs.append(invalid(f"{path}.terminationGracePeriodSeconds", tgps, "must be greater than or equal to 0"))
    return errs


def _q(v) -> str:
    return invalid("", v).split("Invalid value: ", 1)[1]


def _non_negative(value, path: str) -> list[str]:
    if isinstance(value, int) and value < 0:
        return [invalid(path, value, "must be greater than or equal to 0")]
    return []


def _validate_workload(obj: dict, restart=("Always",)) -> list[str]:
    # upstream: pkg/apis/apps/validation/validation.go ValidateDeploymentSpec / ValidateReplicaSetSpec / ...
    from k8slab.api.labels import selector_from

    spec = obj.get("spec") or {}
    errs = _non_negative(spec.get("replicas"), "spec.replicas")
    selector = spec.get("selector")
    tpl_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if obj["kind"] != "Job":
        if selector is None:
            errs.append(required("spec.selector"))
        elif not selector.get("matchLabels") and not selector.get("matchExpressions"):
            errs.append(invalid("spec.selector", "", "empty selector is invalid for deployment")
                        if obj["kind"] == "Deployment" else invalid("spec.selector", "", "empty selector is not valid"))
        else:
            try:
                if not selector_from(selector).matches(tpl_labels):
                    errs.append(invalid("spec.template.metadata.labels", tpl_labels,
                                        "`selector` does not match template `labels`"))
            except ValueError as e:
                errs.append(invalid("spec.selector", "", str(e)))
    # upstream: ValidatePodTemplateSpec validates the template's labels and annotations like an object's
    errs += _validate_labels(tpl_labels, "spec.template.metadata.labels")
    claims = [(c.get("metadata") or {}).get("name") for c in spec.get("volumeClaimTemplates") or ()]
    # upstream: apps validation ValidateStatefulSetSpec -> each claim template is validated as a claim
    for i, c in enumerate(spec.get("volumeClaimTemplates") or ()):
        path = f"spec.volumeClaimTemplates[{i}]"
        name = (c.get("metadata") or {}).get("name")
        if not name:
            errs.append(required(f"{path}.metadata.name", "name or generateName is required"))
        else:
            errs += [invalid(f"{path}.metadata.name", name, m) for m in names.is_dns1123_subdomain(name)]
        errs += [e.replace("spec.", f"{path}.spec.", 1) for e in _validate_pvc({"spec": c.get("spec") or {}})]
    errs += validate_pod_spec((spec.get("template") or {}).get("spec") or {}, "spec.template.spec", restart, claims)
    return errs


def _validate_labels(labels: dict | None, path: str) -> list[str]:
    """upstream: apimachinery/pkg/apis/meta/v1/validation ValidateLabels (keys qualified names, values label values)."""
    errs = []
    for key, value in (labels or {}).items():
        errs += [invalid(path, key, m) for m in _qualified_name(key)]
        errs += [invalid(path, value, m) for m in _label_value(str(value))]
    return errs


def _validate_service(obj: dict) -> list[str]:
    # upstream: pkg/apis/core/validation/validation.go ValidateService
    spec = obj.get("spec") or {}
    errs = _validate_labels(spec.get("selector"), "spec.selector")
    ports = spec.get("ports") or []
    stype = spec.get("type", "ClusterIP")
    if not ports and stype != "ExternalName" and spec.get("clusterIP") != "None":
        errs.append(required("spec.ports"))
    seen = set()
    for i, p in enumerate(ports):
        if len(ports) > 1 and not p.get("name"):
            errs.append(required(f"spec.ports[{i}].name"))
        if p.get("name"):
            if p["name"] in seen:
                errs.append(duplicate(f"spec.ports[{i}].name", p["name"]))
            seen.add(p["name"])
        port = p.get("port")
        if port is None:
            errs.append(required(f"spec.ports[{i}].port"))
        elif not 1 <= port <= 65535:
            errs.append(invalid(f"spec.ports[{i}].port", port, "must be between 1 and 65535, inclusive"))
    # upstream: validateServiceClusterIPsRelatedFields / IsValidIP
    import ipaddress

    for i, ip in enumerate(spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])):
        if ip in ("None", ""):
            continue
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            errs.append(invalid(f"spec.clusterIPs[{i}]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or "
                                                               "2001:db8::ffff)"))
    types = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
    if stype not in types:
        errs.append(not_supported("spec.type", stype, types))
    if stype == "ExternalName" and not spec.get("externalName"):
        errs.append(required("spec.externalName"))
    return errs


def _validate_data(obj: dict) -> list[str]:
    # upstream: ValidateConfigMap / ValidateSecret: keys are config keys; the total may not exceed 1 MiB
    errs, total = [], 0
    for field in ("data", "binaryData", "stringData"):
        for key, value in (obj.get(field) or {}).items():
            if not _CONFIG_KEY.match(key) or key in (".", "..") or key.startswith(".."):
                errs.append(invalid(f"{field}[{key}]", key, _CONFIG_KEY_MSG))
            total += len(value or "")
    if obj["kind"] == "Secret":
        import base64

        total = sum(len(base64.b64decode(v or "")) for v in (obj.get("data") or {}).values())
        total += sum(len(str(v or "").encode()) for v in (obj.get("stringData") or {}).values())
    if total > MAX_SECRET_SIZE:
        errs.append(too_long("data", MAX_SECRET_SIZE))
    return errs


def _validate_pvc(obj: dict) -> list[str]:
    spec = obj.get("spec") or {}
    errs = []
    if not spec.get("accessModes"):
        errs.append(required("spec.accessModes", "at least 1 access mode is required"))
    if not ((spec.get("resources") or {}).get("requests") or {}).get("storage"):
        errs.append(required("spec.resources[storage]"))
    return errs


_VALIDATORS = {
    "Pod": lambda o: validate_pod_spec(o.get("spec") or {}, "spec"),
    "Deployment": _validate_workload,
    "ReplicaSet": _validate_workload,
    "StatefulSet": _validate_workload,
    "DaemonSet": _validate_workload,
    "Job": lambda o: _validate_workload(o, ("OnFailure", "Never")),
    "Service": _validate_service,
    "ConfigMap": _validate_data,
    "Secret": _validate_data,
    "PersistentVolumeClaim": _validate_pvc,
}


def validate(obj: dict, namespaced: bool) -> list[str]:
    """Every field error of ``obj`` (already defaulted), as the apiserver words them.

    Examples
    --------
    >>> validate({"kind": "Pod", "metadata": {"name": "web"},
    ...           "spec": {"containers": [{"name": "web"}], "restartPolicy": "Always"}}, True)
    ['spec.containers[0].image: Required value']
    """
    errs = _validate_meta(obj, obj.get("kind", ""), namespaced)
    fn = _VALIDATORS.get(obj.get("kind"))
    if fn is not None:
        errs += fn(obj)
    return errs


def _pod_spec_and_path(obj: dict):
    kind, spec = obj.get("kind"), obj.get("spec") or {}
    if kind == "Pod":
        return spec, "spec"
    if kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"):
        return (spec.get("template") or {}).get("spec") or {}, "spec.template.spec"
    if kind == "CronJob":
        return (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec") or {}, \
            "spec.jobTemplate.spec.template.spec"
    return None, ""


def lab_warnings(obj: dict) -> list[str]:
    """Warnings the lab adds to an accepted request (shown as kubectl shows ``Warning:`` headers).

    k8slab's own, not upstream's: what the lab accepts but does not simulate.

    Examples
    --------
    >>> print(*lab_warnings({"kind": "Pod", "spec": {"volumes": [{"name": "logs", "hostPath": {"path": "/var/log"}}]}}))
    spec.volumes[0].hostPath: accepted but not simulated: the lab's nodes have no host filesystem, so "/var/log" starts empty on each node and is shared by the pods there that mount it
    """
    spec, path = _pod_spec_and_path(obj)
    out = []
    for i, v in enumerate((spec or {}).get("volumes") or ()):
        if isinstance(v, dict) and isinstance(v.get("hostPath"), dict):
            out.append(f"{path}.volumes[{i}].hostPath: accepted but not simulated: the lab's nodes have no host "
                       f'filesystem, so "{v["hostPath"].get("path", "")}" starts empty on each node and is shared by '
                       "the pods there that mount it")
    return out
