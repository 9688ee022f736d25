"""What the workload controllers share (upstream pkg/controller/controller_utils.go and pkg/api/v1/pod/util.go)."""

from __future__ import annotations

import copy
import json
import math
from datetime import datetime, timedelta
from functools import cmp_to_key, lru_cache

from k8slab.api.labels import Selector, selector_from
from k8slab.apiserver.server import EPOCH, format_time

__all__ = [
    "fnv32", "fnv32a", "safe_encode_string", "compute_hash", "canonical_json",
    "controller_ref", "controller_of", "is_controlled_by",
    "parse_ts", "format_time", "pod_ready_condition", "is_pod_ready", "is_pod_active", "is_pod_terminating",
    "is_pod_available", "next_availability_check", "pod_from_template", "slow_start_batch",
    "sort_pods_for_deletion", "selector_of", "max_container_restarts", "int_or_percent",
]

_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"  # upstream: apimachinery/pkg/util/rand/rand.go alphanums


def fnv32a(data: bytes, h: int = 0x811C9DC5) -> int:
    """FNV-1a, 32 bits, as Go's ``hash/fnv.New32a``.

    Examples
    --------
    >>> [hex(fnv32a(s)) for s in (b"", b"a", b"ab", b"abc")]  # upstream: Go's hash/fnv golden32a
    ['0x811c9dc5', '0xe40c292c', '0x4d2505ca', '0x1a47e90b']
    """
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def fnv32(data: bytes, h: int = 0x811C9DC5) -> int:
    """FNV-1, 32 bits, as Go's ``hash/fnv.New32`` (ControllerRevision names hash with it).

    Examples
    --------
    >>> [hex(fnv32(s)) for s in (b"", b"a", b"ab", b"abc")]  # upstream: Go's hash/fnv golden32
    ['0x811c9dc5', '0x50c5d7e', '0x70772d38', '0x439c2f4b']
    """
    for b in data:
        h = ((h * 0x01000193) & 0xFFFFFFFF) ^ b
    return h


def safe_encode_string(s: str) -> str:
    """Map each character to the vowel-free alphabet, as ``rand.SafeEncodeString`` (no bad words in names).

    Examples
    --------
    >>> safe_encode_string("1234567890")
    '56789bcdf4'
    """
    return "".join(_ALPHANUMS[ord(c) % len(_ALPHANUMS)] for c in s)


def canonical_json(obj) -> bytes:
    """Go's ``json.Marshal`` of a map: sorted keys, no spaces, ``<``, ``>`` and ``&`` escaped."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def compute_hash(template: dict, collision_count: int | None = None) -> str:
    """The ``pod-template-hash`` of a pod template: fnv32a, then SafeEncodeString of the decimal digits.

    upstream: pkg/controller/controller_utils.go ComputeHash. Upstream feeds the hash with the Go
    struct as ``spew`` prints it (DeepHashObject); the lab cannot reproduce Go's in-memory layout, so it
    hashes the template's canonical JSON instead. Same algorithm around it (fnv32a, collisionCount as 8
    little-endian bytes, SafeEncodeString), so names have the real shape and are stable, but are not the
    ones a real cluster would print for the same template.

    Examples
    --------
    >>> t = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}
    >>> h = compute_hash(t)
    >>> h == compute_hash(copy.deepcopy(t)), h != compute_hash(t, 1), set(h) <= set(_ALPHANUMS), len(h) <= 10
    (True, True, True, True)
    """
    h = fnv32a(canonical_json(template))
    if collision_count is not None:
        h = fnv32a((collision_count & 0xFFFFFFFF).to_bytes(4, "little") + b"\0\0\0\0", h)
    return safe_encode_string(str(h))


# -- owner references (upstream: apimachinery/pkg/apis/meta/v1/controller_ref.go) -------------------------------
def controller_ref(owner: dict) -> dict:
    """``metav1.NewControllerRef``: controller and blockOwnerDeletion set."""
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def controller_of(obj: dict) -> dict | None:
    """``metav1.GetControllerOf``: the owner reference with ``controller: true``."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


def is_controlled_by(obj: dict, owner: dict) -> bool:
    ref = controller_of(obj)
    return ref is not None and ref.get("uid") == owner["metadata"].get("uid")


# -- time --------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=65536)
def parse_ts(ts: str | None) -> float | None:
    """Lab seconds for an RFC 3339 timestamp (None stays None).

    Examples
    --------
    >>> parse_ts(format_time(42.7)), parse_ts(None)
    (42.0, None)
    """
    if not ts:
        return None
    return (datetime.fromisoformat(ts.replace("Z", "+00:00")) - EPOCH) / timedelta(seconds=1)


# -- pods (upstream: pkg/api/v1/pod/util.go, pkg/controller/controller_utils.go) --------------------------------
def pod_ready_condition(pod: dict) -> dict | None:
    for c in (pod.get("status") or {}).get("conditions") or ():
        if c.get("type") == "Ready":
            return c
    return None


def is_pod_ready(pod: dict) -> bool:
    """``podutil.IsPodReady``: the Ready condition is True."""
    c = pod_ready_condition(pod)
    return c is not None and c.get("status") == "True"


def is_pod_active(pod: dict) -> bool:
    """``controller.IsPodActive``: not Succeeded, not Failed, not being deleted."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not pod["metadata"].get("deletionTimestamp")


def is_pod_terminating(pod: dict) -> bool:
    """``controller.IsPodTerminating``: being deleted and not yet in a terminal phase."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and bool(pod["metadata"].get("deletionTimestamp"))


def is_pod_available(pod: dict, min_ready_seconds: int, now: float) -> bool:
    """``podutil.IsPodAvailable``: ready, and ready for more than ``minReadySeconds`` (strictly before now).

    Examples
    --------
    >>> pod = {"status": {"conditions": [{"type": "Ready", "status": "True",
    ...                                   "lastTransitionTime": format_time(10)}]}}
    >>> is_pod_available(pod, 0, 10), is_pod_available(pod, 5, 15), is_pod_available(pod, 5, 15.5)
    (True, False, True)
    """
    c = pod_ready_condition(pod)
    if c is None or c.get("status") != "True":
        return False
    if not min_ready_seconds:
        return True
    t = parse_ts(c.get("lastTransitionTime"))
    return t is not None and t + min_ready_seconds < now


def next_availability_check(pods, min_ready_seconds: int, now: float) -> float | None:
    """Seconds until the next ready pod becomes available (``controller.FindMinNextPodAvailabilityCheck``)."""
    if min_ready_seconds <= 0:
        return None
    best = None
    for pod in pods:
        c = pod_ready_condition(pod)
        if c is None or c.get("status") != "True":
            continue
        t = parse_ts(c.get("lastTransitionTime"))
        if t is None:
            continue
        wait = t + min_ready_seconds - now
        if wait >= 0 and (best is None or wait < best):
            best = wait
    return best


def pod_from_template(template: dict, owner: dict, namespace: str) -> dict:
    """``controller.GetPodFromTemplate``: labels, annotations, finalizers and spec from the template;
    ``generateName`` is the owner's name and a dash; the owner is the controller."""
    meta = template.get("metadata") or {}
    pod_meta = {"generateName": owner["metadata"]["name"] + "-", "namespace": namespace,
                "ownerReferences": [controller_ref(owner)]}
    for key in ("labels", "annotations", "finalizers"):
        if meta.get(key):
            pod_meta[key] = copy.deepcopy(meta[key])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta,
            "spec": copy.deepcopy(template.get("spec") or {})}


def slow_start_batch(count: int, initial_batch_size: int, fn) -> tuple[int, Exception | None]:
    """Call ``fn`` ``count`` times in batches of 1, 2, 4, ...; stop after a batch with an error.

    upstream: pkg/controller/replicaset/replica_set.go slowStartBatch. Returns (successes, first error).

    Examples
    --------
    >>> calls = []
    >>> def fn():
    ...     calls.append(1)
    ...     if len(calls) == 3:
    ...         raise ValueError("quota")
    >>> slow_start_batch(10, 1, fn)[0], len(calls)  # batches 1, 2 (one fails): 3 calls, 2 successes
    (2, 3)
    """
    remaining, batch, successes = count, min(count, initial_batch_size), 0
    while batch > 0:
        errors = []
        for _ in range(batch):
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - an API error ends the batch, as upstream's error channel
                errors.append(e)
        successes += batch - len(errors)
        if errors:
            return successes, errors[0]
        remaining -= batch
        batch = min(2 * batch, remaining)
    return successes, None


@lru_cache(maxsize=4096)
def _selector(key: str) -> Selector:
    try:
        return selector_from(json.loads(key))
    except (ValueError, TypeError, AttributeError):  # upstream controllers log the error and select nothing
        return Selector.nothing()


def selector_of(label_selector: dict | None) -> Selector:
    """A parsed, cached ``metav1.LabelSelector``; one that does not parse selects nothing.

    Examples
    --------
    >>> selector_of({"matchLabels": {"app": "web"}}).matches({"app": "web"}), selector_of({"matchLabels": {"": ""}})
    (True, Selector.nothing())
    """
    return _selector(json.dumps(label_selector, sort_keys=True))


def int_or_percent(value, total: int, round_up: bool) -> int:
    """``intstr.GetScaledValueFromIntOrPercent``: an int, or a percent of ``total`` rounded up or down.

    Examples
    --------
    >>> int_or_percent("25%", 10, True), int_or_percent("25%", 10, False), int_or_percent(3, 10, True)
    (3, 2, 3)
    """
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    text = str(value)
    if not text.endswith("%"):
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"invalid value for IntOrString: invalid type: string is not a percentage") from None
    pct = int(text[:-1])
    return math.ceil(pct * total / 100) if round_up else math.floor(pct * total / 100)


# -- which pod to delete first (upstream: controller_utils.go ActivePodsWithRanks.Less) -------------------------
_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}


def max_container_restarts(pod: dict) -> tuple[int, int]:
    """(regular, sidecar) highest restart counts (upstream: controller_utils.go maxContainerRestarts)."""
    st = pod.get("status") or {}
    regular = max((c.get("restartCount", 0) for c in st.get("containerStatuses") or ()), default=0)
    sidecars = {c["name"] for c in (pod.get("spec") or {}).get("initContainers") or ()
                if c.get("restartPolicy") == "Always"}
    sidecar = max((c.get("restartCount", 0) for c in st.get("initContainerStatuses") or ()
                   if c.get("name") in sidecars), default=0)
    return regular, sidecar


def _ready_time(pod: dict) -> float | None:
    c = pod_ready_condition(pod)
    if c is None or c.get("status") != "True":
        return None
    return parse_ts(c.get("lastTransitionTime"))


def _deletion_cost(pod: dict) -> int:
    value = ((pod.get("metadata") or {}).get("annotations") or {}).get("controller.kubernetes.io/pod-deletion-cost")
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def _log_rank(t: float, now: float) -> int:
    d = (now - t) * 1e9  # Go compares time.Duration, nanoseconds
    return int(math.log2(d)) if d > 0 else -1


def _after_or_zero(t1, t2) -> bool:
    if t1 is None or t2 is None:
        return t1 is None
    return t1 > t2


def sort_pods_for_deletion(pods: list[dict], ranks: list[int], now: float) -> list[dict]:
    """Pods ordered as the ReplicaSet controller deletes them, first to go first.

    Unassigned < assigned; Pending < Unknown < Running; not ready < ready; lower
    ``controller.kubernetes.io/pod-deletion-cost``; more same-controller pods on the node; ready for less time
    and created later, both in log2 buckets (LogarithmicScaleDown, with the UID breaking a bucket tie);
    more restarts. Python's sort is stable where Go's is not: equal pods keep their input (name) order.
    """
    def less(a, b) -> bool:
        pa, ra = a
        pb, rb = b
        na, nb = (pa.get("spec") or {}).get("nodeName") or "", (pb.get("spec") or {}).get("nodeName") or ""
        if na != nb and (not na or not nb):
            return not na
        pha = _PHASE_ORDINAL.get((pa.get("status") or {}).get("phase"), 0)
        phb = _PHASE_ORDINAL.get((pb.get("status") or {}).get("phase"), 0)
        if pha != phb:
            return pha < phb
        rda, rdb = is_pod_ready(pa), is_pod_ready(pb)
        if rda != rdb:
            return not rda
        ca, cb = _deletion_cost(pa), _deletion_cost(pb)
        if ca != cb:
            return ca < cb
        if ra != rb:
            return ra > rb
        if rda and rdb:
            ta, tb = _ready_time(pa), _ready_time(pb)
            if ta != tb:
                if ta is None or tb is None:
                    return _after_or_zero(ta, tb)
                diff = _log_rank(ta, now) - _log_rank(tb, now)
                return pa["metadata"].get("uid", "") < pb["metadata"].get("uid", "") if diff == 0 else diff < 0
        (rega, sida), (regb, sidb) = max_container_restarts(pa), max_container_restarts(pb)
        if rega != regb:
            return rega > regb
        if sida != sidb:
            return sida > sidb
        ta, tb = parse_ts(pa["metadata"].get("creationTimestamp")), parse_ts(pb["metadata"].get("creationTimestamp"))
        if ta != tb:
            if ta is None or tb is None:
                return _after_or_zero(ta, tb)
            diff = _log_rank(ta, now) - _log_rank(tb, now)
            return pa["metadata"].get("uid", "") < pb["metadata"].get("uid", "") if diff == 0 else diff < 0
        return False

    def cmp(a, b) -> int:
        return -1 if less(a, b) else (1 if less(b, a) else 0)

    return [p for p, _ in sorted(zip(pods, ranks), key=cmp_to_key(cmp))]
