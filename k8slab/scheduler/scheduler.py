"""Scheduler: informer-fed cache and queue, scheduling cycles, binding, events, preemption and explain()."""

from __future__ import annotations

import copy
import random
from typing import Callable

import numpy as np

from .framework import ERR_NO_NODES, Framework
from .nodeinfo import Cache
from .podinfo import PodInfo, pod_key
from .preemption import preempt
from .profile import Profile
from .queue import SchedulingQueue
from .report import SchedulingReport, fit_error_message

__all__ = ["Scheduler"]

_TERMINAL = ("Succeeded", "Failed")


class Scheduler:
    """A kube-scheduler for plain JSON-shaped dicts: feed it nodes and pods, call :meth:`schedule_pending`.

    Parameters
    ----------
    profiles : list of Profile, optional
        Default: one default profile ("default-scheduler").
    seed : int
        Seeds the RNG used for tie-breaks and preemption's candidate offset.
    emit_event : callable, optional
        ``emit_event(obj, type, reason, message)``.
    bind : callable, optional
        ``bind(pod, node_name)``; without it binding only updates the scheduler's cache.
    clock : callable
        Returns the simulated time in seconds.
    evict : callable, optional
        ``evict(pod, message)`` deletes a preemption victim; without it the victim is dropped from the cache.
    update_status : callable, optional
        ``update_status(pod, condition, nominated_node_name)`` records PodScheduled=False and the nominated node.
    default_selector : callable, optional
        ``default_selector(pod) -> LabelSelector dict`` from the Services/ReplicaSets/StatefulSets selecting the
        pod (PodTopologySpread's system default constraints); without it those defaults are skipped.
    namespace_labels : callable, optional
        ``namespace_labels(name) -> dict`` for pod affinity namespaceSelector.

    Examples
    --------
    >>> s = Scheduler()
    >>> s.add_node({"metadata": {"name": "n1"}, "status": {"allocatable": {"cpu": "2", "memory": "4Gi", "pods": "110"}}})
    >>> s.add_pod({"metadata": {"name": "web", "namespace": "default"}, "spec": {"containers": [
    ...     {"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "500m"}}}]}})
    >>> s.schedule_pending()
    1
    >>> s.node_of("default/web")
    'n1'
    """

    def __init__(self, profiles: list[Profile] | None = None, seed: int = 0,
                 emit_event: Callable | None = None, bind: Callable | None = None,
                 clock: Callable[[], float] = lambda: 0.0, evict: Callable | None = None,
                 update_status: Callable | None = None, default_selector: Callable | None = None,
                 namespace_labels: Callable | None = None, vectorized: bool = True):
        self.profiles = {p.name: Framework(p) for p in (profiles or [Profile()])}
        self.rng = random.Random(seed)
        self.emit_event = emit_event
        self.bind_fn = bind
        self.clock = clock
        self.evict_fn = evict
        self.update_status = update_status
        self.default_selector = default_selector
        self.namespace_labels = namespace_labels
        self.vectorized = vectorized
        self.cache = Cache()
        self.queue = SchedulingQueue()
        self.next_start = 0
        self.nominated: dict[str, dict[str, PodInfo]] = {}
        self.assumed: dict[str, PodInfo] = {}  # bound by us, the API server's confirmation not seen yet
        self.last_report: SchedulingReport | None = None

    # ---- informer: nodes ----
    def add_node(self, node: dict) -> None:
        """A node appeared."""
        self.cache.add_node(node)
        self.queue.move_all("NodeAdd", self.clock())

    def update_node(self, node: dict) -> None:
        """A node changed (labels, taints, allocatable, unschedulable)."""
        self.cache.update_node(node)
        self.queue.move_all("NodeUpdate", self.clock())

    def remove_node(self, name: str) -> None:
        """A node was deleted."""
        self.cache.remove_node(name)
        self.queue.move_all("NodeDelete", self.clock())

    # ---- informer: pods ----
    def _ours(self, pi: PodInfo) -> bool:
        return pi.scheduler_name in self.profiles

    def add_pod(self, pod: dict) -> None:
        """A pod appeared: assigned pods count on their node, unassigned ones of our profiles are queued."""
        phase = (pod.get("status") or {}).get("phase")
        pi = PodInfo(pod)
        if pi.node_name:
            if phase in _TERMINAL:
                self.remove_pod(pi.namespace, pi.name)
                return
            self.queue.delete(pi.key)
            self._forget_nomination(pi.key)
            self.cache.add_pod(pi, pi.node_name)
            self.queue.move_all("AssignedPodAdd", self.clock())
        elif self._ours(pi) and phase not in _TERMINAL:
            if pi.nominated_node_name:
                self._nominate(pi, pi.nominated_node_name)
            self.queue.add(pi, self.clock())

    def update_pod(self, pod: dict) -> None:
        """A pod changed (bound by the API server, status, labels, tolerations...)."""
        phase = (pod.get("status") or {}).get("phase")
        if self._confirm_assumed(pod, phase) or self._status_changed(pod, phase):
            return
        pi = PodInfo(pod)
        if pi.node_name:
            if phase in _TERMINAL:
                self.remove_pod(pi.namespace, pi.name)
                self.queue.move_all("AssignedPodDelete", self.clock())
                return
            self.queue.delete(pi.key)
            self._forget_nomination(pi.key)
            self.cache.add_pod(pi, pi.node_name)
            self.queue.move_all("AssignedPodUpdate", self.clock())
        elif self._ours(pi):
            if self.cache.pod_node.get(pi.key):  # assumed by us, the API server has not confirmed yet
                return
            self.queue.update(pi, self.clock())

    def _confirm_assumed(self, pod: dict, phase) -> bool:
        """The binding of a pod we assumed came back from the API server: confirm it without re-parsing the pod.

        upstream: backend/cache/cache.go AddPod of an assumed pod; the queue sees an AssignedPodAdd
        (eventhandlers.go addPodToCache -> AssignedPodAdded). Falls back to a full update if anything the plugins
        read (labels, spec other than nodeName) changed meanwhile, or the pod went elsewhere.
        """
        md = pod.get("metadata") or {}
        key = f"{md.get('namespace') or 'default'}/{md.get('name', '')}"
        pi = self.assumed.pop(key, None)
        if pi is None:
            return False
        spec = pod.get("spec") or {}
        node = spec.get("nodeName")
        old_spec = pi.pod.get("spec") or {}
        same = (node == self.cache.pod_node.get(key) and phase not in _TERMINAL and md.get("uid") == pi.uid
                and not md.get("deletionTimestamp")
                and (md.get("labels") or {}) == pi.labels
                and {**spec, "nodeName": None} == {**old_spec, "nodeName": None})
        if not same:
            return False
        pi.rebind(pod)
        pi.node_name, pi.nominated_node_name = node, ""
        self.queue.delete(key)
        self._forget_nomination(key)
        self.queue.move_all("AssignedPodAdd", self.clock())
        return True

    def _status_changed(self, pod: dict, phase) -> bool:
        """Only the status of an assigned pod changed (the kubelet's writes): keep its PodInfo and node accounting.

        upstream: eventhandlers.go updatePodInCache -> Cache.UpdatePod, and PodSchedulingPropertiesChange finds no
        label, request, gate or toleration change, so the queue sees a general AssignedPod/Update.
        """
        md = pod.get("metadata") or {}
        key = f"{md.get('namespace') or 'default'}/{md.get('name', '')}"
        node = self.cache.pod_node.get(key)
        spec = pod.get("spec") or {}
        ni = self.cache.nodes.get(node) if node is not None else None
        pi = ni.pods.get(key) if ni is not None else None
        if (pi is None or spec.get("nodeName") != node or phase in _TERMINAL or md.get("deletionTimestamp")
                or md.get("uid") != pi.uid or not _same(md.get("labels") or {}, pi.labels)
                or not _same(spec, pi.pod.get("spec"))):
            return False
        pi.rebind(pod)
        self.queue.move_all("AssignedPodUpdate", self.clock())
        return True

    def remove_pod(self, namespace: str, name: str) -> None:
        """A pod was deleted."""
        key = f"{namespace or 'default'}/{name}"
        self.assumed.pop(key, None)
        self._forget_nomination(key)
        if self.cache.remove_pod(key) is not None:
            self.queue.move_all("AssignedPodDelete", self.clock())
        self.queue.delete(key)

    def node_of(self, key: str) -> str | None:
        """The node a pod is assigned to in the scheduler's cache."""
        return self.cache.pod_node.get(key)

    # ---- nominations (upstream: backend/queue/nominator.go) ----
    def _nominate(self, pi: PodInfo, node: str) -> None:
        self._forget_nomination(pi.key)
        pi.nominated_node_name = node
        self.nominated.setdefault(node, {})[pi.key] = pi

    def _forget_nomination(self, key: str) -> None:
        for node, pods in list(self.nominated.items()):
            if pods.pop(key, None) is not None and not pods:
                del self.nominated[node]

    def _state(self, pi: PodInfo) -> dict:
        state: dict = {}
        lab = getattr(self, "lab", None)  # set by the lab component: volume plugins read claims and volumes
        if lab is not None:
            state["lab"] = lab
        if self.default_selector is not None:
            state["default_selector"] = self.default_selector(pi.pod)
        if self.namespace_labels is not None:
            state["ns_labels"] = self.namespace_labels
        if self.nominated:
            snap = self.cache
            clones: dict[int, object] = {}
            for node, pods in self.nominated.items():
                i = snap.index.get(node)
                if i is None:
                    continue
                add = [p for k, p in pods.items() if k != pi.key and p.priority >= pi.priority]
                if add:
                    c = snap.infos[i].clone()
                    for p in add:
                        c.add_pod(p)
                    clones[i] = c
            if clones:
                n = len(snap.names)
                d = [np.zeros(n, dtype=np.int64) for _ in range(4)]
                scal: dict[str, np.ndarray] = {}
                for i, c in clones.items():
                    base = snap.infos[i]
                    d[0][i] = len(c.pods) - len(base.pods)
                    d[1][i] = c.req_cpu - base.req_cpu
                    d[2][i] = c.req_mem - base.req_mem
                    d[3][i] = c.req_eph - base.req_eph
                    for k, v in c.req_scalars.items():
                        scal.setdefault(k, np.zeros(n, dtype=np.int64))[i] = v - base.req_scalars.get(k, 0)
                state["nominated"] = clones
                state["nominated_vec"] = (*d, scal)
        return state

    # ---- scheduling ----
    def next_retry_time(self) -> float | None:
        """Earliest time a waiting pod becomes ready to retry (back-off expiry or unschedulable flush)."""
        return self.queue.next_time()

    def schedule_pending(self) -> int:
        """Run scheduling cycles for every pod ready at ``clock()``; returns how many were bound."""
        now = self.clock()
        self.queue.flush(now)
        bound = 0
        while True:
            q = self.queue.pop(now)
            if q is None:
                return bound
            bound += self._schedule_one(q, now)

    def _event(self, obj, type_, reason, message) -> None:
        if self.emit_event is not None:
            self.emit_event(obj, type_, reason, message)

    def _schedule_one(self, q, now: float) -> int:
        pi = q.pi
        fw = self.profiles[pi.scheduler_name]
        self.cache.refresh()
        snap = self.cache
        state = self._state(pi)
        res = fw.schedule(pi, snap, state, self.next_start, self.rng, vectorized=self.vectorized)
        n = len(snap.names)
        if n:
            self.next_start = (self.next_start + res.processed) % n
        if res.selected is not None:
            return self._assume_and_bind(q, snap.names[res.selected], now)
        # upstream: schedule_one.go - FitError -> RunPostFilterPlugins (DefaultPreemption)
        message = res.message
        rejectors = {st.plugin for st in res.statuses.values() if st.plugin}
        if message != ERR_NO_NODES:
            post = None
            if fw.preemption:
                post = preempt(fw, state, pi, snap, res.statuses, self.rng)
                if post.node is not None:
                    self._do_preemption(pi, post)
            message = fit_error_message(n, list(res.statuses.values()), post_filter_msg=post.message if post else "",
                                        pre_filter_msg=state.get("volume_pre_filter", ""))
        self._event(pi.pod, "Warning", "FailedScheduling", message)
        if self.update_status is not None:
            cond = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message}
            self.update_status(pi.pod, cond, pi.nominated_node_name or None)
        self.queue.add_unschedulable(q, rejectors, now)
        return 0

    def _do_preemption(self, pi: PodInfo, post) -> None:
        """upstream: preemption.go prepareCandidate - evict victims, clear lower-priority nominations, nominate."""
        for v in post.victims:
            self._event(v.pod, "Normal", "Preempted", f"Preempted by pod {pi.uid} on node {post.node}")
            msg = f"{pi.scheduler_name}: preempting to accommodate a higher priority pod"
            if self.evict_fn is not None:
                self.evict_fn(v.pod, msg)
            else:
                self.cache.remove_pod(v.key)
        for key, other in list(self.nominated.get(post.node, {}).items()):
            if other.priority < pi.priority:
                self._forget_nomination(key)
                other.nominated_node_name = ""
        self._nominate(pi, post.node)

    def _assume_and_bind(self, q, node: str, now: float) -> int:
        pi = q.pi
        self.cache.add_pod(pi, node)  # assume (upstream: schedule_one.go assume)
        self._forget_nomination(pi.key)
        if self.bind_fn is not None:
            self.assumed[pi.key] = pi
            try:
                self.bind_fn(pi.pod, node)
            except Exception as exc:  # binding rejected: forget the assumed pod and retry later
                self.assumed.pop(pi.key, None)
                self.cache.remove_pod(pi.key)
                self._event(pi.pod, "Warning", "FailedScheduling", f"Binding rejected: {exc}")
                self.queue.add_unschedulable(q, set(), now)
                return 0
        self.queue.done(pi.key)
        # upstream: schedule_one.go handleSchedulingFailure/finishBinding - event "Scheduled"
        self._event(pi.pod, "Normal", "Scheduled", f"Successfully assigned {pi.namespace}/{pi.name} to {node}")
        return 1

    # ---- explanation ----
    def explain(self, pod: dict | str, profile: str | None = None) -> SchedulingReport:
        """Explain, without binding, where a pod would go and why: every node, every plugin.

        ``pod`` is a pod dict or ``"namespace/name"`` of a pending pod.
        """
        if isinstance(pod, str):
            key = pod if "/" in pod else f"default/{pod}"
            q = self.queue.infos.get(key)
            if q is None:
                raise KeyError(f"pod {key!r} is not pending in the scheduler's queue")
            pi = q.pi
        else:
            pi = PodInfo(pod)
            old = self.queue.infos.get(pod_key(pod))
            if old is not None and not pi.nominated_node_name:
                pi.nominated_node_name = old.pi.nominated_node_name
        fw = self.profiles[profile or pi.scheduler_name] if (profile or pi.scheduler_name) in self.profiles \
            else next(iter(self.profiles.values()))
        self.cache.refresh()
        snap = self.cache
        rng = copy.deepcopy(self.rng)
        state = self._state(pi)
        state["start"] = self.next_start
        res = fw.schedule(pi, snap, state, self.next_start, rng, vectorized=self.vectorized, diagnose=True)
        report = fw.report(res, snap, state)
        if res.selected is None and res.message != ERR_NO_NODES:
            post = preempt(fw, state, pi, snap, res.statuses, rng) if fw.preemption else None
            report.message = fit_error_message(len(snap.names), list(res.statuses.values()),
                                               post_filter_msg=post.message if post else "")
            if post is not None and post.node is not None:
                report.nominated_node = post.node
                report.victims = [v.key for v in post.victims]
                report.notes.append(f"preemption would nominate {post.node}, evicting "
                                    + ", ".join(report.victims))
        elif res.message == ERR_NO_NODES:
            report.message = ERR_NO_NODES
        self.last_report = report
        return report


def _same(a, b) -> bool:
    # the kubelet's status writes carry the very spec and labels objects the scheduler saw: no need to walk them
    return a is b or a == b
