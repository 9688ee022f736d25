"""Deployment arithmetic as pure functions on JSON objects (upstream pkg/controller/deployment/util/deployment_util.go)."""

from __future__ import annotations

import copy

from k8slab.controllers.util import format_time, int_or_percent, parse_ts

__all__ = [
    "REVISION", "REVISION_HISTORY", "DESIRED_REPLICAS", "MAX_REPLICAS", "HASH_LABEL", "MAX_REV_HISTORY_CHARS",
    "resolve_fenceposts", "fencepost_table", "max_unavailable", "max_surge", "min_available", "is_rolling_update",
    "new_rs_new_replicas", "get_proportion", "find_active_or_latest", "is_saturated",
    "deployment_complete", "deployment_progressing", "deployment_timed_out",
    "has_progress_deadline", "has_revision_history_limit",
    "set_new_replica_set_annotations", "set_replicas_annotations", "replicas_annotations_need_update",
    "equal_ignore_hash", "find_new_replica_set", "find_old_replica_sets", "revision", "max_revision",
    "replicas", "replica_count", "actual_replica_count", "ready_replica_count", "available_replica_count",
    "filter_active", "by_creation", "by_size_newer", "by_size_older", "by_revision",
    "new_condition", "get_condition", "set_condition", "remove_condition",
]

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
HASH_LABEL = "pod-template-hash"  # apps.DefaultDeploymentUniqueLabelKey
#: upstream: sync.go maxRevHistoryLengthInChars
MAX_REV_HISTORY_CHARS = 2000
_SKIP_COPY = {"kubectl.kubernetes.io/last-applied-configuration", REVISION, REVISION_HISTORY, DESIRED_REPLICAS,
              MAX_REPLICAS, "deprecated.deployment.rollback.to"}
_INFINITY = 2**31 - 1  # math.MaxInt32: "no deadline", "keep every revision"


def replicas(obj: dict | None) -> int:
    """``*spec.replicas`` (the apiserver defaults it to 1)."""
    return 0 if obj is None else (obj.get("spec") or {}).get("replicas", 1)


def _status(obj: dict | None, field: str) -> int:
    return 0 if obj is None else (obj.get("status") or {}).get(field, 0) or 0


# -- fenceposts ----------------------------------------------------------------------------------------------------
def resolve_fenceposts(max_surge_value, max_unavailable_value, desired: int) -> tuple[int, int]:
    """maxSurge rounded up and maxUnavailable rounded down; both zero means maxUnavailable 1.

    upstream: deployment_util.go ResolveFenceposts

    Examples
    --------
    >>> resolve_fenceposts("25%", "25%", 10), resolve_fenceposts("0%", "0%", 0), resolve_fenceposts(0, "1%", 2)
    ((3, 2), (0, 1), (0, 1))
    """
    surge = int_or_percent(0 if max_surge_value is None else max_surge_value, desired, True)
    unavailable = int_or_percent(0 if max_unavailable_value is None else max_unavailable_value, desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


class _Table(list):
    def __init__(self, rows, text):
        super().__init__(rows)
        self.text = text

    def __repr__(self) -> str:
        return self.text


def fencepost_table(cases, replicas=(10, 3)):
    """resolve_fenceposts for several (maxSurge, maxUnavailable) settings and replica counts, shown as a table.

    Each row is ``(surge, unavailable, {replicas: (surge pods, unavailable pods)})``.

    Examples
    --------
    >>> fencepost_table([("25%", "25%"), (0, "10%")])
    MAXSURGE   MAXUNAVAILABLE   10 REPLICAS   3 REPLICAS
    25%        25%              +3 / -2       +1 / -0
    0          10%              +0 / -1       +0 / -1
    """
    from k8slab.kubectl.format import tabulate

    rows = [(s, u, {n: resolve_fenceposts(s, u, n) for n in replicas}) for s, u in cases]
    text = tabulate([["MAXSURGE", "MAXUNAVAILABLE", *(f"{n} REPLICAS" for n in replicas)]] +
                    [[str(s), str(u), *(f"+{r[n][0]} / -{r[n][1]}" for n in replicas)] for s, u, r in rows])
    return _Table(rows, text)


def is_rolling_update(d: dict) -> bool:
    return ((d["spec"].get("strategy") or {}).get("type") or "RollingUpdate") == "RollingUpdate"


def _rolling(d: dict) -> dict:
    return (d["spec"].get("strategy") or {}).get("rollingUpdate") or {}


def max_unavailable(d: dict) -> int:
    """``MaxUnavailable``: 0 for Recreate or no replicas, never more than the replicas."""
    if not is_rolling_update(d) or replicas(d) == 0:
        return 0
    ru = _rolling(d)
    _, unavailable = resolve_fenceposts(ru.get("maxSurge"), ru.get("maxUnavailable"), replicas(d))
    return min(unavailable, replicas(d))


def min_available(d: dict) -> int:
    return replicas(d) - max_unavailable(d) if is_rolling_update(d) else 0


def max_surge(d: dict) -> int:
    if not is_rolling_update(d):
        return 0
    ru = _rolling(d)
    return resolve_fenceposts(ru.get("maxSurge"), ru.get("maxUnavailable"), replicas(d))[0]


# -- replica sets ----------------------------------------------------------------------------------------------------
def replica_count(rss) -> int:
    """``GetReplicaCountForReplicaSets``: the sum of spec.replicas."""
    return sum(replicas(rs) for rs in rss if rs is not None)


def actual_replica_count(rss) -> int:
    return sum(_status(rs, "replicas") for rs in rss if rs is not None)


def ready_replica_count(rss) -> int:
    return sum(_status(rs, "readyReplicas") for rs in rss if rs is not None)


def available_replica_count(rss) -> int:
    return sum(_status(rs, "availableReplicas") for rs in rss if rs is not None)


def filter_active(rss) -> list[dict]:
    """``controller.FilterActiveReplicaSets``: those with spec.replicas > 0."""
    return [rs for rs in rss if rs is not None and replicas(rs) > 0]


def _created(rs: dict) -> float:
    return parse_ts(rs["metadata"].get("creationTimestamp")) or 0.0


def by_creation(rss) -> list[dict]:
    """``controller.ReplicaSetsByCreationTimestamp``: oldest first, then by name."""
    return sorted(rss, key=lambda rs: (_created(rs), rs["metadata"]["name"]))


def by_size_older(rss) -> list[dict]:
    """``ReplicaSetsBySizeOlder``: larger first, older first among equals (scale down)."""
    return sorted(rss, key=lambda rs: (-replicas(rs), _created(rs), rs["metadata"]["name"]))


def by_size_newer(rss) -> list[dict]:
    """``ReplicaSetsBySizeNewer``: larger first, newer first among equals (scale up)."""
    ordered = by_creation(rss)[::-1]
    return sorted(ordered, key=lambda rs: -replicas(rs))


def revision(rs: dict) -> int:
    """The ``deployment.kubernetes.io/revision`` annotation as an integer (0 when absent)."""
    value = (rs["metadata"].get("annotations") or {}).get(REVISION)
    if value is None:
        return 0
    return int(value)


def max_revision(rss) -> int:
    best = 0
    for rs in rss:
        try:
            best = max(best, revision(rs))
        except ValueError:
            continue
    return best


def by_revision(rss) -> list[dict]:
    """``ReplicaSetsByRevision``: lowest revision first, creation order among equals."""
    return sorted(by_creation(rss), key=revision)


def _strip_hash(template: dict) -> dict:
    t = copy.deepcopy(template or {})
    meta = t.setdefault("metadata", {})
    labels = dict(meta.get("labels") or {})
    labels.pop(HASH_LABEL, None)
    meta["labels"] = labels
    for key in ("labels", "annotations"):  # Semantic.DeepEqual: an empty map equals a missing one
        if not meta.get(key):
            meta.pop(key, None)
    if not meta:
        t.pop("metadata")
    return t


def equal_ignore_hash(t1: dict, t2: dict) -> bool:
    """``EqualIgnoreHash``: pod templates equal once the pod-template-hash label is dropped."""
    return _strip_hash(t1) == _strip_hash(t2)


def find_new_replica_set(d: dict, rss) -> dict | None:
    """The oldest ReplicaSet whose template is the Deployment's (``FindNewReplicaSet``)."""
    for rs in by_creation(rss):
        if equal_ignore_hash(rs["spec"].get("template"), d["spec"].get("template")):
            return rs
    return None


def find_old_replica_sets(d: dict, rss) -> tuple[list[dict], list[dict]]:
    """(old ones with replicas, all old ones) (``FindOldReplicaSets``)."""
    new = find_new_replica_set(d, rss)
    all_old = [rs for rs in rss if new is None or rs["metadata"].get("uid") != new["metadata"].get("uid")]
    return [rs for rs in all_old if replicas(rs) != 0], all_old


def find_active_or_latest(new_rs: dict | None, old_rss: list[dict]) -> dict | None:
    """The only active ReplicaSet, or the newest when none is active; None when several are active."""
    if new_rs is None and not old_rss:
        return None
    old_sorted = by_creation(old_rss)[::-1]
    active = filter_active(old_sorted + [new_rs])
    if not active:
        return new_rs if new_rs is not None else old_sorted[0]
    return active[0] if len(active) == 1 else None


# -- annotations -----------------------------------------------------------------------------------------------
def _annotations(obj: dict) -> dict:
    meta = obj["metadata"]
    if meta.get("annotations") is None:
        meta["annotations"] = {}
    return meta["annotations"]


def set_replicas_annotations(rs: dict, desired: int, maximum: int) -> bool:
    ann = _annotations(rs)
    updated = False
    for key, value in ((DESIRED_REPLICAS, str(desired)), (MAX_REPLICAS, str(maximum))):
        if ann.get(key) != value:
            ann[key] = value
            updated = True
    return updated


def replicas_annotations_need_update(rs: dict, desired: int, maximum: int) -> bool:
    ann = rs["metadata"].get("annotations")
    if ann is None:
        return True
    return ann.get(DESIRED_REPLICAS) != str(desired) or ann.get(MAX_REPLICAS) != str(maximum)


def set_new_replica_set_annotations(d: dict, rs: dict, new_revision: str, exists: bool,
                                    limit: int = MAX_REV_HISTORY_CHARS) -> bool:
    """Copy the Deployment's annotations, set the revision, keep the revision history (``SetNewReplicaSetAnnotations``).

    Examples
    --------
    >>> d = {"metadata": {"annotations": {"team": "a"}}, "spec": {"replicas": 3}}
    >>> rs = {"metadata": {"annotations": {REVISION: "1"}}}
    >>> set_new_replica_set_annotations(d, rs, "3", True), rs["metadata"]["annotations"]
    (True, {'deployment.kubernetes.io/revision': '3', 'team': 'a', 'deployment.kubernetes.io/revision-history': '1'})
    """
    changed = False
    ann = _annotations(rs)
    for k, v in sorted((d["metadata"].get("annotations") or {}).items()):
        if k in _SKIP_COPY or ann.get(k) == v:
            continue
        ann[k] = v
        changed = True
    old_revision = ann.get(REVISION)
    try:
        old_int = int(old_revision) if old_revision is not None and old_revision != "" else 0
    except ValueError:
        return False
    new_int = int(new_revision)
    if old_int < new_int:
        ann[REVISION] = new_revision
        changed = True
    if old_revision is not None and old_int < new_int:
        history = ann.get(REVISION_HISTORY, "")
        old_revisions = history.split(",")
        if not old_revisions[0]:
            ann[REVISION_HISTORY] = old_revision
        else:
            total = len(history) + len(old_revision) + 1
            start = 0
            while total > limit and start < len(old_revisions):
                total -= len(old_revisions[start]) + 1
                start += 1
            if total <= limit:
                ann[REVISION_HISTORY] = ",".join(old_revisions[start:] + [old_revision])
    if not exists and set_replicas_annotations(rs, replicas(d), replicas(d) + max_surge(d)):
        changed = True
    return changed


# -- scaling -------------------------------------------------------------------------------------------------------
def new_rs_new_replicas(d: dict, all_rss, new_rs: dict) -> int:
    """How big the new ReplicaSet may get now (``NewRSNewReplicas``).

    Examples
    --------
    >>> d = {"spec": {"replicas": 10, "strategy": {"type": "RollingUpdate",
    ...       "rollingUpdate": {"maxSurge": 2, "maxUnavailable": 0}}}}
    >>> new, old = {"spec": {"replicas": 0}}, {"spec": {"replicas": 10}}
    >>> new_rs_new_replicas(d, [old, new], new)
    2
    """
    strategy = (d["spec"].get("strategy") or {}).get("type") or "RollingUpdate"
    if strategy == "RollingUpdate":
        surge = int_or_percent(_rolling(d).get("maxSurge", 0), replicas(d), True)
        current = replica_count(all_rss)
        max_total = replicas(d) + surge
        if current >= max_total:
            return replicas(new_rs)
        scale_up = min(max_total - current, replicas(d) - replicas(new_rs))
        return replicas(new_rs) + scale_up
    if strategy == "Recreate":
        return replicas(d)
    raise ValueError(f"deployment type {strategy} isn't supported")


def _round(x: float) -> int:
    """``integer.RoundToInt32``: half away from zero."""
    return int(x + 0.5) if x >= 0 else -int(-x + 0.5)


def get_proportion(rs: dict | None, d: dict, to_add: int, added: int) -> int:
    """This ReplicaSet's share of a scaling event (``GetProportion``, ``getReplicaSetFraction``)."""
    if rs is None or replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    if replicas(d) == 0:
        fraction = -replicas(rs)
    else:
        deployment_replicas = replicas(d) + max_surge(d)
        try:
            annotated = int((rs["metadata"].get("annotations") or {})[MAX_REPLICAS])
        except (KeyError, ValueError):
            annotated = _status(d, "replicas")
        fraction = _round(replicas(rs) * deployment_replicas / annotated) - replicas(rs)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def is_saturated(d: dict, rs: dict | None) -> bool:
    """The new ReplicaSet has all the Deployment's replicas, and they are all available (``IsSaturated``)."""
    if rs is None:
        return False
    try:
        desired = int((rs["metadata"].get("annotations") or {}).get(DESIRED_REPLICAS, ""))
    except ValueError:
        return False
    return replicas(rs) == replicas(d) and desired == replicas(d) and _status(rs, "availableReplicas") == replicas(d)


# -- progress --------------------------------------------------------------------------------------------------------
def has_progress_deadline(d: dict) -> bool:
    pds = d["spec"].get("progressDeadlineSeconds")
    return pds is not None and pds != _INFINITY


def has_revision_history_limit(d: dict) -> bool:
    limit = d["spec"].get("revisionHistoryLimit")
    return limit is not None and limit != _INFINITY


def deployment_complete(d: dict, status: dict) -> bool:
    """All desired replicas updated and available, no old pods, the spec observed (``DeploymentComplete``)."""
    n = replicas(d)
    return (status.get("updatedReplicas", 0) == n and status.get("replicas", 0) == n
            and status.get("availableReplicas", 0) == n
            and status.get("observedGeneration", 0) >= d["metadata"].get("generation", 0))


def deployment_progressing(d: dict, status: dict) -> bool:
    """More updated, ready or available pods, or fewer old ones, than last time (``DeploymentProgressing``)."""
    old = d.get("status") or {}
    old_old = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_old = status.get("replicas", 0) - status.get("updatedReplicas", 0)
    return (status.get("updatedReplicas", 0) > old.get("updatedReplicas", 0) or new_old < old_old
            or status.get("readyReplicas", 0) > old.get("readyReplicas", 0)
            or status.get("availableReplicas", 0) > old.get("availableReplicas", 0))


def deployment_timed_out(d: dict, status: dict, now: float) -> bool:
    """No progress for progressDeadlineSeconds since the Progressing condition's lastUpdateTime (``DeploymentTimedOut``)."""
    if not has_progress_deadline(d):
        return False
    cond = get_condition(status, "Progressing")
    if cond is None:
        return False
    if cond.get("reason") == "NewReplicaSetAvailable":
        return False
    if cond.get("reason") == "ProgressDeadlineExceeded":
        return True
    start = parse_ts(cond.get("lastUpdateTime")) or 0.0
    return start + d["spec"]["progressDeadlineSeconds"] < now


# -- conditions ------------------------------------------------------------------------------------------------------
def new_condition(type_: str, status: str, reason: str, message: str, now: float) -> dict:
    t = format_time(now)
    return {"type": type_, "status": status, "lastUpdateTime": t, "lastTransitionTime": t,
            "reason": reason, "message": message}


def get_condition(status: dict, type_: str) -> dict | None:
    return next((c for c in status.get("conditions") or () if c.get("type") == type_), None)


def set_condition(status: dict, cond: dict) -> None:
    """``SetDeploymentCondition``: same status and reason changes nothing; same status keeps lastTransitionTime."""
    current = get_condition(status, cond["type"])
    if current is not None and current.get("status") == cond["status"] and current.get("reason") == cond["reason"]:
        return
    if current is not None and current.get("status") == cond["status"]:
        cond = {**cond, "lastTransitionTime": current.get("lastTransitionTime")}
    status["conditions"] = [c for c in status.get("conditions") or () if c.get("type") != cond["type"]] + [cond]


def remove_condition(status: dict, type_: str) -> None:
    conds = [c for c in status.get("conditions") or () if c.get("type") != type_]
    if conds:
        status["conditions"] = conds
    else:
        status.pop("conditions", None)
