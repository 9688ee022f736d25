"""``--field-selector``: the fields each kind lets the apiserver filter on (pkg/registry/*/strategy.go *ToSelectableFields)."""

from __future__ import annotations

from k8slab.errors import BadRequest

__all__ = ["parse_field_selector", "SELECTABLE"]

_COMMON = ("metadata.name", "metadata.namespace")
# upstream: pkg/registry/core/pod/strategy.go ToSelectableFields, core/event/strategy.go, core/node/strategy.go, ...
SELECTABLE = {
    "Pod": ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
            "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"),
    "Event": ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
              "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
              "reportingComponent", "source", "type"),
    "Node": ("spec.unschedulable",),
    "Secret": ("type",),
    "Namespace": ("status.phase",),
    "ReplicaSet": ("status.replicas",),
    "Job": ("status.successful",),
    "Service": ("spec.clusterIP", "spec.type"),
}


def _value(obj: dict, path: str) -> str:
    if path == "source":
        return (obj.get("source") or {}).get("component", "")
    v = obj
    for part in path.split("."):
        v = v.get(part) if isinstance(v, dict) else None
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


def parse_field_selector(text: str, kind: str, plural: str):
    """A predicate for ``field=value,field!=value`` terms; unknown fields are the apiserver's BadRequest.

    Examples
    --------
    >>> match = parse_field_selector("status.phase!=Running,spec.nodeName=n1", "Pod", "pods")
    >>> match({"status": {"phase": "Pending"}, "spec": {"nodeName": "n1"}})
    True
    """
    terms = []
    for term in filter(None, (t.strip() for t in text.split(","))):
        for op in ("!=", "==", "="):
            if op in term:
                field, value = term.split(op, 1)
                break
        else:
            raise BadRequest(f'invalid selector: \'{text}\'; can\'t understand \'{term}\'')
        if field not in _COMMON + SELECTABLE.get(kind, ()):
            raise BadRequest(f'Unable to find "/v1, Resource={plural}" that match label selector "", field selector '
                             f'"{text}": field label not supported: {field}')
        terms.append((field, op == "!=", value))
    return lambda obj: all((_value(obj, f) != v) if neg else (_value(obj, f) == v) for f, neg, v in terms)
