"""JSON Patch (RFC 6902): the diff an admission step made, and applying a webhook's patch."""

from __future__ import annotations

import copy

__all__ = ["diff", "apply_patch", "escape", "JSONPatchError"]


class JSONPatchError(ValueError):
    """A patch that cannot be applied (a missing path, a failed ``test``)."""


def escape(token: str) -> str:
    """A JSON Pointer reference token (RFC 6901): ``~`` -> ``~0``, ``/`` -> ``~1``.

    Examples
    --------
    >>> escape("sidecar.istio.io/status")
    'sidecar.istio.io~1status'
    """
    return token.replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def diff(old, new, path: str = "") -> list[dict]:
    """The operations that turn ``old`` into ``new``: ``add``, ``remove``, ``replace``.

    Objects are compared key by key (removals first, then changes and additions in ``new``'s
    order); lists element by element, elements past the shorter list added or removed at their
    index (removals from the end backwards, so each path is valid when applied in order).

    Examples
    --------
    >>> diff({"a": 1, "b": [1]}, {"a": 2, "b": [1, 2], "c": {"d": "x"}})
    [{'op': 'replace', 'path': '/a', 'value': 2}, {'op': 'add', 'path': '/b/1', 'value': 2}, {'op': 'add', 'path': '/c', 'value': {'d': 'x'}}]
    >>> apply_patch({"a": 1, "b": [1]}, _) == {"a": 2, "b": [1, 2], "c": {"d": "x"}}
    True
    """
    if isinstance(old, dict) and isinstance(new, dict):
        ops = [{"op": "remove", "path": f"{path}/{escape(k)}"} for k in old if k not in new]
        for k, v in new.items():
            p = f"{path}/{escape(k)}"
            if k not in old:
                ops.append({"op": "add", "path": p, "value": copy.deepcopy(v)})
            elif old[k] != v:
                ops += diff(old[k], v, p)
        return ops
    if isinstance(old, list) and isinstance(new, list):
        ops = []
        for i in range(min(len(old), len(new))):
            if old[i] != new[i]:
                ops += diff(old[i], new[i], f"{path}/{i}")
        for i in range(len(old) - 1, len(new) - 1, -1):
            ops.append({"op": "remove", "path": f"{path}/{i}"})
        for i in range(len(old), len(new)):
            ops.append({"op": "add", "path": f"{path}/{i}", "value": copy.deepcopy(new[i])})
        return ops
    if old == new and type(old) is type(new):
        return []
    return [{"op": "replace", "path": path, "value": copy.deepcopy(new)}]


def _walk(doc, tokens: list[str], whole: str):
    node = doc
    for t in tokens:
        if isinstance(node, dict):
            if t not in node:
                raise JSONPatchError(f"doc is missing path: {whole!r}")
            node = node[t]
        elif isinstance(node, list):
            if not t.isdigit() or int(t) >= len(node):
                raise JSONPatchError(f"doc is missing path: {whole!r}")
            node = node[int(t)]
        else:
            raise JSONPatchError(f"doc is missing path: {whole!r}")
    return node


def _split(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise JSONPatchError(f"invalid JSON pointer {path!r}")
    return [_unescape(t) for t in path[1:].split("/")]


def apply_patch(doc, ops: list[dict]):
    """Apply RFC 6902 operations to a copy of ``doc`` and return it (``add``, ``remove``, ``replace``,
    ``copy``, ``move``, ``test``); raises `JSONPatchError` like evanphx/json-patch does.

    Examples
    --------
    >>> apply_patch({"spec": {"containers": [{"name": "app"}]}},
    ...             [{"op": "add", "path": "/spec/containers/-", "value": {"name": "proxy"}}])
    {'spec': {'containers': [{'name': 'app'}, {'name': 'proxy'}]}}
    """
    doc = copy.deepcopy(doc)
    for op in ops:
        kind, path = op.get("op"), op.get("path", "")
        tokens = _split(path)
        if kind == "test":
            if _walk(doc, tokens, path) != op.get("value"):
                raise JSONPatchError(f"testing value {path!r} failed")
            continue
        if kind in ("copy", "move"):
            src = op.get("from", "")
            value = copy.deepcopy(_walk(doc, _split(src), src))
            if kind == "move":
                doc = apply_patch(doc, [{"op": "remove", "path": src}])
            doc = apply_patch(doc, [{"op": "add", "path": path, "value": value}])
            continue
        if not tokens:
            if kind in ("add", "replace"):
                doc = copy.deepcopy(op.get("value"))
                continue
            raise JSONPatchError(f"cannot {kind} the whole document")
        parent = _walk(doc, tokens[:-1], path)
        last = tokens[-1]
        value = copy.deepcopy(op.get("value"))
        if isinstance(parent, dict):
            if kind == "add":
                parent[last] = value
            elif last not in parent:
                raise JSONPatchError(f"{kind} operation does not apply: doc is missing key: {path}")
            elif kind == "replace":
                parent[last] = value
            elif kind == "remove":
                del parent[last]
            else:
                raise JSONPatchError(f"unexpected kind: {kind!r}")
        elif isinstance(parent, list):
            if kind == "add" and last == "-":
                parent.append(value)
                continue
            if not last.isdigit():
                raise JSONPatchError(f"invalid array index {last!r} in {path!r}")
            i = int(last)
            if kind == "add":
                if i > len(parent):
                    raise JSONPatchError(f"add operation does not apply: index out of bounds: {path}")
                parent.insert(i, value)
            elif i >= len(parent):
                raise JSONPatchError(f"{kind} operation does not apply: index out of bounds: {path}")
            elif kind == "replace":
                parent[i] = value
            elif kind == "remove":
                del parent[i]
            else:
                raise JSONPatchError(f"unexpected kind: {kind!r}")
        else:
            raise JSONPatchError(f"doc is missing path: {path!r}")
    return doc
