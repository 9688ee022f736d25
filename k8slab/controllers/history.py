"""ControllerRevisions: the template history of StatefulSets and DaemonSets (upstream pkg/controller/history)."""

from __future__ import annotations

import copy

from k8slab.controllers.util import canonical_json, compute_hash, controller_ref, fnv32, parse_ts, safe_encode_string

__all__ = ["REVISION_HASH_LABEL", "CONTROLLER_REVISION_HASH_LABEL", "get_patch", "hash_controller_revision",
           "controller_revision_name", "new_controller_revision", "apply_revision", "equal_revision",
           "find_equal_revisions", "next_revision", "sort_revisions", "daemonset_revision"]

#: upstream: apps.ControllerRevisionHashLabelKey / StatefulSetRevisionLabel / DefaultDaemonSetUniqueLabelKey
REVISION_HASH_LABEL = "controller-revision-hash"
#: upstream: history.ControllerRevisionHashLabel
CONTROLLER_REVISION_HASH_LABEL = "controller.kubernetes.io/hash"


def get_patch(obj: dict) -> dict:
    """What a revision stores: a strategic merge patch that replaces ``spec.template``.

    upstream: statefulset/stateful_set_utils.go getPatch, daemon/update.go getPatch
    """
    template = copy.deepcopy((obj.get("spec") or {}).get("template") or {})
    (template.get("metadata") or {}).pop("creationTimestamp", None)
    template["$patch"] = "replace"
    return {"spec": {"template": template}}


def hash_controller_revision(raw: bytes, probe: int | None = None) -> str:
    """``history.HashControllerRevision``: FNV-1 (32 bits) of the stored bytes, then the collision probe's digits.

    Examples
    --------
    >>> h = hash_controller_revision(b'{"spec":{}}')
    >>> h == hash_controller_revision(b'{"spec":{}}'), h != hash_controller_revision(b'{"spec":{}}', 1)
    (True, True)
    """
    h = fnv32(raw)
    if probe is not None:
        h = fnv32(str(probe).encode(), h)
    return safe_encode_string(str(h))


def controller_revision_name(prefix: str, hash_: str) -> str:
    """``history.ControllerRevisionName``: the prefix cut to 223 characters, a dash, the hash."""
    return f"{prefix[:223]}-{hash_}"


def new_controller_revision(parent: dict, template_labels: dict, data: dict, revision: int,
                            collision_count: int | None) -> dict:
    """``history.NewControllerRevision`` with the StatefulSet's annotations copied (statefulset newRevision).

    Examples
    --------
    >>> sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web", "uid": "u"},
    ...        "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {}}}}
    >>> cr = new_controller_revision(sts, {"app": "web"}, get_patch(sts), 1, None)
    >>> cr["metadata"]["name"].startswith("web-"), cr["revision"], cr["metadata"]["labels"]["app"]
    (True, 1, 'web')
    """
    raw = canonical_json(data)
    h = hash_controller_revision(raw, collision_count)
    labels = dict(template_labels or {})
    labels[CONTROLLER_REVISION_HASH_LABEL] = h
    meta = {"name": controller_revision_name(parent["metadata"]["name"], h),
            "namespace": parent["metadata"].get("namespace"), "labels": labels,
            "ownerReferences": [controller_ref(parent)]}
    if parent["metadata"].get("annotations"):
        meta["annotations"] = dict(parent["metadata"]["annotations"])
    return {"apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": meta, "data": data,
            "revision": revision}


def daemonset_revision(ds: dict, revision: int) -> dict:
    """A DaemonSet's revision (upstream: daemon/update.go snapshot): named with ComputeHash of the template."""
    h = compute_hash(ds["spec"]["template"], (ds.get("status") or {}).get("collisionCount"))
    labels = dict(((ds["spec"]["template"].get("metadata") or {}).get("labels")) or {})
    labels[REVISION_HASH_LABEL] = h
    meta = {"name": f"{ds['metadata']['name']}-{h}", "namespace": ds["metadata"].get("namespace"),
            "labels": labels, "ownerReferences": [controller_ref(ds)]}
    if ds["metadata"].get("annotations"):
        meta["annotations"] = dict(ds["metadata"]["annotations"])
    return {"apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": meta, "data": get_patch(ds),
            "revision": revision}


def apply_revision(obj: dict, revision: dict) -> dict:
    """The object with the revision's template put back (statefulset ApplyRevision; the patch replaces it)."""
    out = copy.deepcopy(obj)
    template = copy.deepcopy(((revision.get("data") or {}).get("spec") or {}).get("template") or {})
    template.pop("$patch", None)
    out.setdefault("spec", {})["template"] = template
    return out


def equal_revision(a: dict | None, b: dict | None) -> bool:
    """``history.EqualRevision``: same stored data (and same hash label when both carry one)."""
    if a is None or b is None:
        return a is b
    ha = (a["metadata"].get("labels") or {}).get(CONTROLLER_REVISION_HASH_LABEL)
    hb = (b["metadata"].get("labels") or {}).get(CONTROLLER_REVISION_HASH_LABEL)
    if ha is not None and hb is not None and ha != hb:
        return False
    return canonical_json(a.get("data")) == canonical_json(b.get("data"))


def find_equal_revisions(revisions: list[dict], needle: dict) -> list[dict]:
    return [r for r in revisions if equal_revision(r, needle)]


def next_revision(revisions: list[dict]) -> int:
    """One more than the highest revision number (1 for none)."""
    return max((r.get("revision", 0) for r in revisions), default=0) + 1


def sort_revisions(revisions: list[dict]) -> list[dict]:
    """``history.SortControllerRevisions``: by revision, then creation time, then name."""
    return sorted(revisions, key=lambda r: (r.get("revision", 0),
                                            parse_ts(r["metadata"].get("creationTimestamp")) or 0.0,
                                            r["metadata"]["name"]))
