"""Resource lists as admission sums them: a pod's requests and limits, quota arithmetic, prettyPrint."""

from __future__ import annotations

from k8slab.api.quantity import Quantity, parse_quantity

__all__ = ["resource_list", "add", "subtract_non_negative", "pod_requests", "pod_limits", "pretty_print",
           "less_than_or_equal", "mask", "remove_zeros"]


def resource_list(raw: dict | None) -> dict[str, Quantity]:
    """``{"cpu": "500m"}`` -> ``{"cpu": Quantity('500m')}`` (numbers accepted as YAML gives them)."""
    return {k: v if isinstance(v, Quantity) else parse_quantity(str(v)) for k, v in (raw or {}).items()}


def _sum(a: Quantity, b: Quantity) -> Quantity:
    return Quantity.from_decimal(a.value + b.value, a.format)


def add(a: dict, b: dict) -> dict:
    """``quota.Add``: every key of either list, summed.

    Examples
    --------
    >>> add(resource_list({"cpu": "500m"}), resource_list({"cpu": "600m", "pods": "1"}))
    {'cpu': Quantity('1100m'), 'pods': Quantity('1')}
    """
    out = dict(a)
    for k, v in b.items():
        out[k] = _sum(out[k], v) if k in out else v
    return out


def subtract_non_negative(a: dict, b: dict) -> dict:
    """``quota.SubtractWithNonNegativeResult``: a - b per key of ``a``, floored at 0."""
    out = {}
    for k, v in a.items():
        d = v.value - (b[k].value if k in b else 0)
        out[k] = Quantity.from_decimal(max(d, 0), v.format)
    return out


def _max_into(target: dict, other: dict) -> None:
    for k, v in other.items():
        if k not in target or v > target[k]:
            target[k] = v


def _pod_sum(spec: dict, field: str) -> dict:
    # upstream: plugin/pkg/admission/limitranger/admission.go podRequests/podLimits (and component-helpers'
    # PodRequests): containers summed; init containers take the max, restartable (sidecar) ones add up.
    total: dict = {}
    for c in spec.get("containers") or ():
        total = add(total, resource_list((c.get("resources") or {}).get(field)))
    sidecars: dict = {}
    init_max: dict = {}
    for c in spec.get("initContainers") or ():
        own = resource_list((c.get("resources") or {}).get(field))
        if c.get("restartPolicy") == "Always":
            total = add(total, own)
            sidecars = add(sidecars, own)
            cur = sidecars
        else:
            cur = add(own, sidecars)
        _max_into(init_max, cur)
    _max_into(total, init_max)
    overhead = resource_list(spec.get("overhead")) if field == "requests" else {}
    return add(total, overhead) if overhead else total


def pod_requests(spec: dict) -> dict:
    """The requests of a pod: containers summed, init containers as a maximum, plus overhead.

    Examples
    --------
    >>> spec = {"containers": [{"resources": {"requests": {"cpu": "250m"}}}, {"resources": {"requests": {"cpu": "250m"}}}],
    ...         "initContainers": [{"resources": {"requests": {"cpu": "1"}}}]}
    >>> pod_requests(spec)
    {'cpu': Quantity('1')}
    """
    return _pod_sum(spec, "requests")


def pod_limits(spec: dict) -> dict:
    """The limits of a pod, summed like `pod_requests` (without overhead)."""
    return _pod_sum(spec, "limits")


def mask(items: dict, names) -> dict:
    """``quota.Mask``: only the named keys."""
    return {k: v for k, v in items.items() if k in names}


def remove_zeros(items: dict) -> dict:
    """``quota.RemoveZeros``."""
    return {k: v for k, v in items.items() if v.value != 0}


def less_than_or_equal(a: dict, b: dict) -> tuple[bool, list[str]]:
    """``quota.LessThanOrEqual``: every key of ``a`` found in ``b`` is <= it; the keys that exceed."""
    exceeded = [k for k, v in a.items() if k in b and v > b[k]]
    return not exceeded, exceeded


def pretty_print(items: dict) -> str:
    """``prettyPrint`` of the quota admission: ``key=value`` sorted by key, comma-separated.

    Examples
    --------
    >>> pretty_print(resource_list({"requests.memory": "1Gi", "pods": "3"}))
    'pods=3,requests.memory=1Gi'
    """
    return ",".join(f"{k}={items[k]}" for k in sorted(items))
