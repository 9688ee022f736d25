"""Structural validation against the official OpenAPI schemas of the target version (kubernetes-validate)."""

from __future__ import annotations

import functools
import json
import os

__all__ = ["definitions", "definition_name", "check_structure", "StructuralErrors"]

SCHEMA_VERSION = "v1.35.0"


@functools.cache
def definitions() -> dict:
    """All OpenAPI definitions of the target version, keyed like ``io.k8s.api.core.v1.Pod``."""
    import importlib.util

    # locate the package's data without importing it (importing it pulls in the slow pure-Python jsonschema)
    spec = importlib.util.find_spec("kubernetes_validate")
    path = os.path.join(
        list(spec.submodule_search_locations)[0],
        "kubernetes-json-schema",
        f"{SCHEMA_VERSION}-local-strict",
        "_definitions.json",
    )
    with open(path, encoding="utf-8") as f:
        return json.load(f)["$defs"]


@functools.cache
def _gvk_index() -> dict[tuple[str, str], str]:
    index = {}
    for name, schema in definitions().items():
        for gvk in schema.get("x-kubernetes-group-version-kind", ()):
            api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            index[(api_version, gvk["kind"])] = name
    return index


def definition_name(api_version: str, kind: str) -> str | None:
    """The OpenAPI definition of a kind, or None when the target version has no such kind.

    Examples
    --------
    >>> definition_name("apps/v1", "Deployment")
    'io.k8s.api.apps.v1.Deployment'
    >>> definition_name("extensions/v1beta1", "Ingress") is None
    True
    """
    return _gvk_index().get((api_version, kind))


@functools.cache
def _validator(defname: str):
    import jsonschema_rs

    # compiled once per kind: a compiled check costs about a microsecond per object
    return jsonschema_rs.validator_for({"$defs": definitions(), "$ref": f"#/$defs/{defname}"})


class StructuralErrors:
    """What the decoder and the schema found: unknown fields, type mismatches, missing required fields."""

    def __init__(self):
        self.unknown: list[str] = []
        self.types: list[str] = []
        self.required: list[str] = []

    def __bool__(self) -> bool:
        return bool(self.unknown or self.types or self.required)


_JSON_TYPE = {str: "string", bool: "bool", int: "number", float: "number", list: "array", dict: "object"}
_GO_TYPE = {"string": "string", "boolean": "bool", "integer": "int32", "number": "float64"}


def _field_path(parts) -> str:
    """``spec.containers[0].image``: the apiserver's field path notation."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out


def _go_struct_path(parts) -> str:
    """``spec.containers.image``: how encoding/json names a field (no indices)."""
    return ".".join(str(p) for p in parts if not isinstance(p, int))


def check_structure(obj: dict, api_version: str, kind: str, has_floats: bool | None = None) -> StructuralErrors:
    """Validate ``obj`` against the strict schema of its kind.

    Examples
    --------
    >>> errs = check_structure({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
    ...                         "spec": {"contianers": []}}, "v1", "Pod")
    >>> errs.unknown
    ['spec.contianers']
    """
    errs = StructuralErrors()
    defname = definition_name(api_version, kind)
    validator = _validator(defname)
    if validator.is_valid(obj):
        if _has_float(obj) if has_floats is None else has_floats:  # JSON Schema counts 3.0 as an integer; Go does not
            _float_into_int(obj, definitions()[defname], defname, [], errs)
        return errs
    defs = definitions()
    for e in validator.iter_errors(obj):
        path = list(e.instance_path)
        kind_name = e.kind.name if hasattr(e.kind, "name") else type(e.kind).__name__
        if kind_name == "additionalProperties" or type(e.kind).__name__ == "AdditionalProperties":
            for extra in e.kind.unexpected:
                errs.unknown.append(_field_path([*path, extra]))
        elif type(e.kind).__name__ == "Required":
            missing = e.kind.as_dict().get("property", e.message)
            errs.required.append(_field_path([*path, missing]))
        elif type(e.kind).__name__ == "Type" and path:
            value = obj
            for p in path:
                value = value[p]
            # the Go struct that holds the field: the last $defs name on the schema path
            schema_path = list(e.schema_path)
            struct = next((schema_path[i + 1] for i in range(len(schema_path) - 1, -1, -1)
                           if schema_path[i] == "$defs"), defname)
            go_struct = struct.rsplit(".", 1)[-1]
            expected = defs.get(struct, {}).get("properties", {}).get(path[-1], {}).get("type", ["string"])
            expected = next((t for t in (expected if isinstance(expected, list) else [expected]) if t != "null"),
                            "string")
            got = "null" if value is None else _JSON_TYPE.get(type(value), "value")
            errs.types.append(
                f"json: cannot unmarshal {got} into Go struct field {go_struct}.{_go_struct_path(path)} "
                f"of type {_GO_TYPE.get(expected, expected)}"
            )
        else:
            errs.types.append(f"{_field_path(path) or '<root>'}: {e.message}")
    # upstream reports unknown fields in the order the decoder meets them; sort for determinism
    errs.unknown.sort()
    return errs


def _has_float(node) -> bool:
    if isinstance(node, float):
        return True
    if isinstance(node, dict):
        return any(_has_float(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_float(v) for v in node)
    return False


def _float_into_int(node, schema: dict, struct: str, path: list, errs: StructuralErrors) -> None:
    """``json: cannot unmarshal number 2.0 into Go struct field X.spec.replicas of type int32`` for each such value."""
    defs = definitions()
    while "$ref" in schema:
        struct = schema["$ref"].rsplit("/", 1)[-1]
        schema = defs.get(struct, {})
    if isinstance(node, float):
        types = schema.get("type")
        if types == "integer" or (isinstance(types, list) and "integer" in types and "number" not in types):
            go = "int64" if schema.get("format") == "int64" else "int32"
            errs.types.append(f"json: cannot unmarshal number {node!r} into Go struct field "
                              f"{struct.rsplit('.', 1)[-1]}.{_go_struct_path(path)} of type {go}")
    elif isinstance(node, dict):
        props = schema.get("properties")
        for k, v in node.items():
            sub = props.get(k) if props is not None else schema.get("additionalProperties")
            if isinstance(sub, dict) and _has_float(v):
                _float_into_int(v, sub, struct, path + [k], errs)
    elif isinstance(node, list) and isinstance(schema.get("items"), dict):
        for i, v in enumerate(node):
            if _has_float(v):
                _float_into_int(v, schema["items"], struct, path + [i], errs)
