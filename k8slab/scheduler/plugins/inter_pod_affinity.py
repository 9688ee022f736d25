"""InterPodAffinity: required pod (anti-)affinity filters nodes; preferred terms and existing pods' terms score them."""

from __future__ import annotations

import numpy as np

from k8slab.api.labels import selector_from

from ..status import MAX_NODE_SCORE, Code, Status
from .base import Plugin

__all__ = ["InterPodAffinity", "AffinityTerm", "ERR_REASON_AFFINITY", "ERR_REASON_ANTI_AFFINITY",
           "ERR_REASON_EXISTING_ANTI_AFFINITY"]

# upstream: pkg/scheduler/framework/plugins/interpodaffinity/filtering.go
ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules"
ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"


class AffinityTerm:
    """A PodAffinityTerm of a pod: namespaces (default: the pod's own), namespace selector, selector, topology key.

    upstream: pkg/scheduler/framework/types.go newAffinityTerm, AffinityTerm.Matches

    Examples
    --------
    >>> t = AffinityTerm({"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "zone"}, "prod")
    >>> t.matches("prod", {"app": "db"}, {}), t.matches("dev", {"app": "db"}, {})
    (True, False)
    """

    __slots__ = ("namespaces", "ns_selector", "selector", "key", "weight")

    def __init__(self, term: dict, pod_namespace: str, weight: int = 0):
        self.namespaces = set(term.get("namespaces") or ())
        ns_sel = term.get("namespaceSelector")
        if not self.namespaces and ns_sel is None:
            self.namespaces = {pod_namespace}
        self.ns_selector = None if ns_sel is None else selector_from(ns_sel)
        sel = term.get("labelSelector")
        self.selector = None if sel is None else selector_from(sel)  # nil selector matches nothing
        self.key = term.get("topologyKey", "")
        self.weight = weight

    def matches(self, namespace: str, labels: dict, ns_labels: dict) -> bool:
        if namespace in self.namespaces or (self.ns_selector is not None and self.ns_selector.matches(ns_labels)):
            return self.selector is not None and self.selector.matches(labels)
        return False


def _terms(pod, which: str) -> list[AffinityTerm] | tuple:
    raw = getattr(pod, which)
    if not raw:
        return ()  # most pods have no terms: nothing cached per pod
    cache = pod._cache
    key = "ipa/" + which
    if key not in cache:
        if which.startswith("preferred"):
            cache[key] = [AffinityTerm(t.get("podAffinityTerm") or {}, pod.namespace, int(t.get("weight") or 0))
                          for t in raw]
        else:
            cache[key] = [AffinityTerm(t, pod.namespace) for t in raw]
    return cache[key]


def _matches_all(terms, pod, ns_labels) -> bool:
    return bool(terms) and all(t.matches(pod.namespace, pod.labels, ns_labels) for t in terms)


class InterPodAffinity(Plugin):
    """``args`` follow InterPodAffinityArgs: ``hardPodAffinityWeight`` (default 1),
    ``ignorePreferredTermsOfExistingPods`` (default false). Namespace labels come from ``state["ns_labels"]``."""

    name = "InterPodAffinity"
    points = ("filter", "score")

    def _ns(self, state, ns):
        f = state.get("ns_labels")
        return (f(ns) or {}) if f else {}

    # ---- filter ----
    def pre_filter(self, state, pod, snap):
        req_aff = _terms(pod, "required_affinity")
        req_anti = _terms(pod, "required_anti_affinity")
        if not req_aff and not req_anti and not snap.n_anti_affinity_pods:
            return Status(Code.Skip)
        ns_labels = self._ns(state, pod.namespace)
        existing: dict[tuple[str, str], int] = {}
        aff: dict[tuple[str, str], int] = {}
        anti: dict[tuple[str, str], int] = {}
        for ni in snap.infos:
            if ni.n_anti_affinity:
                for p in ni.pods.values():
                    for t in _terms(p, "required_anti_affinity"):
                        if t.matches(pod.namespace, pod.labels, ns_labels) and t.key in ni.labels:
                            k = (t.key, ni.labels[t.key])
                            existing[k] = existing.get(k, 0) + 1
            if req_aff or req_anti:
                for p in ni.pods.values():
                    if _matches_all(req_aff, p, self._ns(state, p.namespace)):
                        for t in req_aff:
                            if t.key in ni.labels:
                                k = (t.key, ni.labels[t.key])
                                aff[k] = aff.get(k, 0) + 1
                    for t in req_anti:
                        if t.matches(p.namespace, p.labels, self._ns(state, p.namespace)) and t.key in ni.labels:
                            k = (t.key, ni.labels[t.key])
                            anti[k] = anti.get(k, 0) + 1
        if not existing and not req_aff and not req_anti:
            return Status(Code.Skip)
        state[self.name] = (existing, aff, anti, req_aff, req_anti,
                            _matches_all(req_aff, pod, ns_labels))
        return None

    def filter(self, state, pod, ni):
        existing, aff, anti, req_aff, req_anti, self_match = state[self.name]
        pods_exist = True
        for t in req_aff:
            if t.key not in ni.labels:
                return Status(Code.UnschedulableAndUnresolvable, ERR_REASON_AFFINITY)
            if aff.get((t.key, ni.labels[t.key]), 0) <= 0:
                pods_exist = False
        if not pods_exist and not (not aff and self_match):
            return Status(Code.UnschedulableAndUnresolvable, ERR_REASON_AFFINITY)
        if anti:
            for t in req_anti:
                if t.key in ni.labels and anti.get((t.key, ni.labels[t.key]), 0) > 0:
                    return Status(Code.Unschedulable, ERR_REASON_ANTI_AFFINITY)
        if existing:
            for k, v in ni.labels.items():
                if existing.get((k, v), 0) > 0:
                    return Status(Code.Unschedulable, ERR_REASON_EXISTING_ANTI_AFFINITY)
        return None

    @staticmethod
    def _pair_mask(snap, pairs: dict, key: str):
        col, codes = snap.label_column(key)
        table = np.zeros(len(codes) + 1, dtype=np.int64)
        for (k, v), n in pairs.items():
            if k == key and v in codes:
                table[codes[v]] = n
        return col, table[col]

    def filter_vec(self, state, pod, snap):
        existing, aff, anti, req_aff, req_anti, self_match = state[self.name]
        n = len(snap.names)
        fail = np.zeros(n, dtype=bool)
        missing = np.zeros(n, dtype=bool)
        absent = np.zeros(n, dtype=bool)
        for t in req_aff:
            col, cnt = self._pair_mask(snap, aff, t.key)
            missing |= col < 0
            absent |= cnt <= 0
        fail |= missing
        if not (not aff and self_match):
            fail |= absent
        if anti:
            for t in req_anti:
                col, cnt = self._pair_mask(snap, anti, t.key)
                fail |= (col >= 0) & (cnt > 0)
        if existing:
            for key in {k for k, _ in existing}:
                _, cnt = self._pair_mask(snap, existing, key)
                fail |= cnt > 0
        return fail

    # ---- score ----
    def pre_score(self, state, pod, snap, idx):
        pref_aff = _terms(pod, "preferred_affinity")
        pref_anti = _terms(pod, "preferred_anti_affinity")
        has_constraints = bool(pref_aff or pref_anti)
        if self.args.get("ignorePreferredTermsOfExistingPods") and not has_constraints:
            return Status(Code.Skip)
        if not has_constraints and not snap.n_affinity_pods:
            return Status(Code.Skip)  # no pod to process: the topology score stays empty
        hard_weight = int(self.args.get("hardPodAffinityWeight", 1))
        ns_labels = self._ns(state, pod.namespace)
        topo: dict[str, dict[str, int]] = {}

        def add(term, weight, target, tns_labels, labels, mult):
            if term.matches(target.namespace, target.labels, tns_labels) and term.key in labels:
                d = topo.setdefault(term.key, {})
                v = labels[term.key]
                d[v] = d.get(v, 0) + weight * mult

        for ni in snap.infos:
            if not ni.labels:
                continue
            if has_constraints:
                pods = ni.pods.values()
            elif ni.n_affinity:
                pods = [p for p in ni.pods.values() if p.has_affinity]
            else:
                continue
            for p in pods:
                p_ns = self._ns(state, p.namespace) if state.get("ns_labels") else {}
                for t in pref_aff:
                    add(t, t.weight, p, p_ns, ni.labels, 1)
                for t in pref_anti:
                    add(t, t.weight, p, p_ns, ni.labels, -1)
                if hard_weight > 0:
                    for t in _terms(p, "required_affinity"):
                        add(t, hard_weight, pod, ns_labels, ni.labels, 1)
                for t in _terms(p, "preferred_affinity"):
                    add(t, t.weight, pod, ns_labels, ni.labels, 1)
                for t in _terms(p, "preferred_anti_affinity"):
                    add(t, t.weight, pod, ns_labels, ni.labels, -1)
        if not topo:
            return Status(Code.Skip)
        state[self.name + "/score"] = topo
        return None

    def score(self, state, pod, ni):
        topo = state[self.name + "/score"]
        return sum(vals.get(ni.labels[k], 0) for k, vals in topo.items() if k in ni.labels)

    def score_vec(self, state, pod, snap, idx):
        topo = state[self.name + "/score"]
        total = np.zeros(len(idx), dtype=np.int64)
        for k, vals in topo.items():
            col, codes = snap.label_column(k)
            table = np.zeros(len(codes) + 1, dtype=np.int64)
            for v, s in vals.items():
                if v in codes:
                    table[codes[v]] = s
            total += table[col[idx]]
        return total

    def normalize(self, state, scores):
        """upstream: interpodaffinity/scoring.go NormalizeScore (min-max to 0..100, truncated)"""
        if not scores:
            return []
        lo, hi = min(scores), max(scores)
        diff = hi - lo
        return [int(MAX_NODE_SCORE * ((s - lo) / diff)) if diff > 0 else 0 for s in scores]

    def normalize_vec(self, state, scores):
        if not len(scores):
            return scores
        lo, hi = int(scores.min()), int(scores.max())
        diff = hi - lo
        if diff <= 0:
            return np.zeros(len(scores), dtype=np.int64)
        return (MAX_NODE_SCORE * ((scores - lo) / diff)).astype(np.int64)
