"""Client-side apply's three-way strategic merge, driven by the schema's patch strategies and merge keys.

upstream: staging/src/k8s.io/apimachinery/pkg/util/strategicpatch (CreateThreeWayMergePatch + StrategicMergePatch):
lists whose schema says ``x-kubernetes-patch-strategy: merge`` merge item by item on their merge key (containers by
name, volumeMounts by mountPath, env by name, ...); other lists are replaced whole.
"""

from __future__ import annotations

import copy

from k8slab.apiserver.schema import definitions

__all__ = ["three_way_merge"]


def _resolve(schema: dict | None) -> dict:
    while schema and "$ref" in schema:
        schema = definitions().get(schema["$ref"].rsplit("/", 1)[-1], {})
    return schema or {}


def _child(schema: dict, key: str) -> dict:
    schema = _resolve(schema)
    props = schema.get("properties")
    if props is not None:
        return props.get(key, {})
    extra = schema.get("additionalProperties")
    return extra if isinstance(extra, dict) else {}


def three_way_merge(live: dict, last: dict, new: dict, schema: dict | None) -> dict:
    """Set what ``new`` sets, drop what ``last`` set and ``new`` no longer does, keep everything else of ``live``.

    Examples
    --------
    >>> from k8slab.apiserver.schema import definitions
    >>> pod = definitions()["io.k8s.api.core.v1.Pod"]
    >>> live = {"spec": {"containers": [{"name": "a", "image": "x:1", "volumeMounts": [{"mountPath": "/t", "name": "tok"}]}]}}
    >>> last = {"spec": {"containers": [{"name": "a", "image": "x:1"}]}}
    >>> new = {"spec": {"containers": [{"name": "a", "image": "x:2"}]}}
    >>> three_way_merge(live, last, new, pod)["spec"]["containers"]
    [{'name': 'a', 'image': 'x:2', 'volumeMounts': [{'mountPath': '/t', 'name': 'tok'}]}]
    """
    out = copy.deepcopy(live)
    for k, v in new.items():
        sub = _child(schema or {}, k)
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = three_way_merge(out[k], last.get(k) if isinstance(last.get(k), dict) else {}, v, sub)
        elif isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = _merge_list(out[k], last.get(k) if isinstance(last.get(k), list) else [], v, sub)
        else:
            out[k] = copy.deepcopy(v)
    for k in last:
        if k not in new:
            out.pop(k, None)
    return out


def _merge_list(live: list, last: list, new: list, schema: dict) -> list:
    strategy = (schema.get("x-kubernetes-patch-strategy") or "").split(",")
    if "merge" not in strategy:
        return copy.deepcopy(new)
    key = schema.get("x-kubernetes-patch-merge-key")
    items = _resolve(schema.get("items") or {})
    if key is None:  # a merged list of scalars (finalizers): union, minus what the manifest stopped listing
        removed = [x for x in last if x not in new]
        return [x for x in live if x not in removed] + [x for x in new if x not in live]
    by_key = {}
    for item in live:
        if isinstance(item, dict):
            by_key.setdefault(item.get(key), item)
    last_by_key = {item.get(key): item for item in last if isinstance(item, dict)}
    new_keys = [item.get(key) for item in new if isinstance(item, dict)]
    out = []
    for item in live:  # live order first, as the server keeps it
        if not isinstance(item, dict):
            continue
        k = item.get(key)
        if k in last_by_key and k not in new_keys:
            continue  # the manifest dropped it
        if k in new_keys:
            n = next(x for x in new if isinstance(x, dict) and x.get(key) == k)
            out.append(three_way_merge(item, last_by_key.get(k, {}), n, items))
        else:
            out.append(copy.deepcopy(item))
    out += [copy.deepcopy(x) for x in new if isinstance(x, dict) and x.get(key) not in by_key]
    return out
