"""StatefulSet storage: the claims a replica gets from volumeClaimTemplates, and the pod volumes that mount them."""

# upstream: pkg/controller/statefulset/stateful_set_utils.go (getPersistentVolumeClaimName, getPersistentVolumeClaims,
# updateStorage, claimOwnerMatchesSetAndPod / persistentVolumeClaimRetentionPolicy)

from __future__ import annotations

import copy

__all__ = ["claim_name", "claims_for_replica", "with_claim_volumes"]


def claim_name(template: str, sts: str, ordinal: int) -> str:
    """``<template>-<statefulset>-<ordinal>``, e.g. ``data-web-0`` (getPersistentVolumeClaimName).

    Examples
    --------
    >>> claim_name("data", "web", 2)
    'data-web-2'
    """
    return f"{template}-{sts}-{ordinal}"


def claims_for_replica(sts: dict, ordinal: int) -> list[dict]:
    """The PersistentVolumeClaims replica ``ordinal`` needs, ready to create (getPersistentVolumeClaims).

    Labels are the template's plus the StatefulSet selector's matchLabels. With
    ``persistentVolumeClaimRetentionPolicy.whenDeleted: Delete`` the claim is owned by the StatefulSet (deleted with
    it); the default, Retain, leaves claims (and their data) behind. (whenScaled: Delete, which makes the pod the
    owner, needs the pod's uid: the controller adds that reference.)

    Examples
    --------
    >>> sts = {"metadata": {"name": "web", "namespace": "default", "uid": "s1"}, "spec": {
    ...     "selector": {"matchLabels": {"app": "web"}}, "volumeClaimTemplates": [{"metadata": {"name": "data"},
    ...     "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}}
    >>> c = claims_for_replica(sts, 1)[0]
    >>> c["metadata"]["name"], c["metadata"]["labels"], "ownerReferences" in c["metadata"]
    ('data-web-1', {'app': 'web'}, False)
    """
    meta, spec = sts["metadata"], sts.get("spec") or {}
    when_deleted = ((spec.get("persistentVolumeClaimRetentionPolicy") or {}).get("whenDeleted") or "Retain")
    out = []
    for tpl in spec.get("volumeClaimTemplates") or ():
        labels = dict((tpl.get("metadata") or {}).get("labels") or {})
        labels.update(((spec.get("selector") or {}).get("matchLabels")) or {})
        claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                 "metadata": {"name": claim_name(tpl["metadata"]["name"], meta["name"], ordinal),
                              "namespace": meta.get("namespace", "default"), "labels": labels},
                 "spec": copy.deepcopy(tpl.get("spec") or {})}
        ann = (tpl.get("metadata") or {}).get("annotations")
        if ann:
            claim["metadata"]["annotations"] = dict(ann)
        if when_deleted == "Delete":
            claim["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "StatefulSet",
                                                     "name": meta["name"], "uid": meta.get("uid"),
                                                     "controller": True, "blockOwnerDeletion": True}]
        out.append(claim)
    return out


def with_claim_volumes(sts: dict, pod: dict, ordinal: int) -> dict:
    """The pod with a ``persistentVolumeClaim`` volume per template, replacing same-named volumes (updateStorage).

    Examples
    --------
    >>> sts = {"metadata": {"name": "web"}, "spec": {"volumeClaimTemplates": [{"metadata": {"name": "data"}}]}}
    >>> with_claim_volumes(sts, {"spec": {"volumes": [{"name": "data", "emptyDir": {}}]}}, 0)["spec"]["volumes"]
    [{'name': 'data', 'persistentVolumeClaim': {'claimName': 'data-web-0'}}]
    """
    pod = copy.deepcopy(pod)
    templates = [t["metadata"]["name"] for t in (sts.get("spec") or {}).get("volumeClaimTemplates") or ()]
    vols = [v for v in (pod.setdefault("spec", {}).get("volumes") or ()) if v.get("name") not in templates]
    for t in templates:
        vols.append({"name": t, "persistentVolumeClaim": {"claimName": claim_name(t, sts["metadata"]["name"],
                                                                                  ordinal)}})
    pod["spec"]["volumes"] = vols
    return pod
