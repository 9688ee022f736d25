"""Field errors as the apiserver words them (k8s.io/apimachinery/pkg/util/validation/field/errors.go)."""

from __future__ import annotations

import json

__all__ = ["required", "invalid", "not_supported", "duplicate", "forbidden", "too_long", "aggregate"]


def _value(v) -> str:
    # ErrorBody: strings %q, simple types %v, nil "null"
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):  # %#v of a map[string]string
        inner = ", ".join(f"{json.dumps(k)}:{json.dumps(x)}" for k, x in sorted(v.items()))
        return "map[string]string{" + inner + "}"
    return repr(v)


def _with_detail(s: str, detail: str) -> str:
    return f"{s}: {detail}" if detail else s


def required(path: str, detail: str = "") -> str:
    """``spec.containers[0].image: Required value``"""
    return _with_detail(f"{path}: Required value", detail)


def invalid(path: str, value, detail: str = "") -> str:
    """``metadata.name: Invalid value: "Web": ...``"""
    return _with_detail(f"{path}: Invalid value: {_value(value)}", detail)


def not_supported(path: str, value, supported) -> str:
    """``spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", ...``"""
    detail = "supported values: " + ", ".join(json.dumps(s) for s in supported) if supported else ""
    return _with_detail(f"{path}: Unsupported value: {_value(value)}", detail)


def duplicate(path: str, value) -> str:
    return f"{path}: Duplicate value: {_value(value)}"


def forbidden(path: str, detail: str = "") -> str:
    return _with_detail(f"{path}: Forbidden", detail)


def too_long(path: str, max_bytes: int) -> str:
    return f"{path}: Too long: must have at most {max_bytes} bytes"


def aggregate(errors: list[str]) -> str:
    """utilerrors.NewAggregate(...).Error(): one message alone, several as ``[a, b]`` (duplicates dropped).

    Examples
    --------
    >>> aggregate(["a: Required value"])
    'a: Required value'
    >>> aggregate(["a: Required value", "b: Required value", "a: Required value"])
    '[a: Required value, b: Required value]'
    """
    seen: list[str] = []
    for e in errors:
        if e not in seen:
            seen.append(e)
    return seen[0] if len(seen) == 1 else "[" + ", ".join(seen) + "]"
