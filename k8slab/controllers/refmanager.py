"""Adoption and release of dependents by label selector (upstream pkg/controller/controller_ref_manager.go)."""

from __future__ import annotations

import copy

from k8slab.controllers.util import controller_of, controller_ref
from k8slab.errors import K8sLabError

__all__ = ["claim"]


def claim(api, resource, owner: dict, owned: list[dict], orphans: list[dict], selector) -> list[dict]:
    """``ClaimObjects``: keep owned objects that still match, release those that don't, adopt matching orphans.

    ``owned`` are objects whose controller is ``owner``; ``orphans`` have no controller. Returns the claimed
    objects (in the order given: owned first, then adopted). Adoption and release are metadata updates
    through the API server, like upstream's patches.

    Examples
    --------
    >>> from k8slab.api.labels import parse_selector
    >>> owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "rs", "uid": "u1"}}
    >>> orphan = {"metadata": {"name": "p", "labels": {"app": "db"}}}
    >>> claim(None, None, owner, [], [orphan], parse_selector("app=web"))  # no match: left alone
    []
    """
    claimed = []
    being_deleted = bool(owner["metadata"].get("deletionTimestamp"))
    for obj in owned:
        if selector.matches(obj["metadata"].get("labels")):
            claimed.append(obj)
        elif not being_deleted:
            _release(api, resource, owner, obj)
    if being_deleted:
        return claimed
    for obj in orphans:
        if obj["metadata"].get("deletionTimestamp") or not selector.matches(obj["metadata"].get("labels")):
            continue
        adopted = _adopt(api, resource, owner, obj)
        if adopted is not None:
            claimed.append(adopted)
    return claimed


def _adopt(api, resource, owner: dict, obj: dict) -> dict | None:
    try:
        live = copy.deepcopy(api.get(resource, obj["metadata"].get("namespace"), obj["metadata"]["name"]))
    except K8sLabError:
        return None
    if controller_of(live) is not None:
        return None
    live["metadata"].setdefault("ownerReferences", []).append(controller_ref(owner))
    try:
        return api.update(live)
    except K8sLabError:
        return None


def _release(api, resource, owner: dict, obj: dict) -> None:
    try:
        live = copy.deepcopy(api.get(resource, obj["metadata"].get("namespace"), obj["metadata"]["name"]))
    except K8sLabError:
        return
    uid = owner["metadata"]["uid"]
    refs = [r for r in live["metadata"].get("ownerReferences") or () if r.get("uid") != uid]
    if refs:
        live["metadata"]["ownerReferences"] = refs
    else:
        live["metadata"].pop("ownerReferences", None)
    try:
        api.update(live)
    except K8sLabError:
        pass
