"""``kubectl explain``: field documentation from the official OpenAPI schema of the target version."""

from __future__ import annotations

import textwrap

from k8slab.api.resources import resolve_resource
from k8slab.apiserver.schema import definition_name, definitions
from k8slab.errors import ParseError, Unsupported

__all__ = ["explain_text"]

_SPECIAL = {
    "io.k8s.apimachinery.pkg.api.resource.Quantity": "Quantity",
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "IntOrString",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time": "string",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": "string",
}


def _ref_name(schema: dict) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def _type_of(schema: dict) -> str:
    ref = _ref_name(schema)
    if ref:
        return _SPECIAL.get(ref, ref.rsplit(".", 1)[-1])
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "string")
    if t == "array":
        return "[]" + _type_of(schema.get("items") or {})
    if t == "object" and isinstance(schema.get("additionalProperties"), dict):
        return "map[string]" + _type_of(schema["additionalProperties"])
    return t or "Object"


def _resolve(schema: dict) -> tuple[str | None, dict]:
    """Follow refs and array items to the object schema describing a field's children."""
    while True:
        ref = _ref_name(schema)
        if ref:
            return ref, definitions()[ref]
        if "items" in schema:
            schema = schema["items"]
            continue
        return None, schema


def _wrap(text: str, indent: int) -> list[str]:
    out = []
    for para in text.split("\n"):
        out += textwrap.wrap(para, width=80 - indent, break_long_words=False, break_on_hyphens=False) or [""]
    return [" " * indent + line if line else "" for line in out]


def explain_text(path: str, recursive: bool = False) -> str:
    """The text ``kubectl explain PATH`` prints (PATH like ``pods.spec.containers``).

    Examples
    --------
    >>> print(explain_text("pod.spec.restartPolicy").splitlines()[3])
    FIELD: restartPolicy <string>
    """
    head, *fields = path.split(".")
    res = resolve_resource(head)
    if res is None:
        raise Unsupported(f'the server doesn\'t have a resource type "{head}"')
    defname = definition_name(res.api_version, res.kind)
    schema = definitions()[defname]
    field_schema = None
    walked = []
    for f in fields:
        props = schema.get("properties") or {}
        if f not in props:
            raise ParseError(f'field "{f}" does not exist')
        field_schema = props[f]
        walked.append(f)
        _, schema = _resolve(field_schema)
    lines = [f"KIND:       {res.kind}", f"VERSION:    {res.api_version}", ""]
    if field_schema is not None:
        lines += [f"FIELD: {walked[-1]} <{_type_of(field_schema)}>", ""]
        desc = field_schema.get("description", "")
        if schema is not field_schema and schema.get("description") and _ref_name(field_schema or {}) or \
                (field_schema.get("items") and schema.get("description")):
            desc = (desc + "\n" + schema.get("description", "")).strip()
    else:
        desc = schema.get("description", "")
    lines += ["DESCRIPTION:", *_wrap(desc, 4), "    "]
    props = schema.get("properties") or {}
    if props:
        lines.append("FIELDS:")
        required = set(schema.get("required") or ())
        for name in sorted(props):
            p = props[name]
            req = " -required-" if name in required else ""
            lines.append(f"  {name}\t<{_type_of(p)}>{req}")
            if not recursive:
                lines += _wrap(p.get("description", ""), 4)
                lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n\n"
