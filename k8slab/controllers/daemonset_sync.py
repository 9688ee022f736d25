"""One sync of a DaemonSet as a pure function: (set, nodes, its pods, revisions, now) -> actions and status.

upstream: pkg/controller/daemon/{daemon_controller,update}.go, pkg/controller/daemon/util/daemonset_util.go
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from k8slab.controllers import history as hist
from k8slab.controllers.util import canonical_json, int_or_percent, is_pod_available, is_pod_ready, parse_ts

__all__ = ["plan_daemonset", "DaemonSetSync", "node_should_run_daemon_pod", "daemon_pod_tolerations",
           "target_node_name", "BURST_REPLICAS", "TEMPLATE_GENERATION_LABEL"]

#: upstream: daemon_controller.go BurstReplicas
BURST_REPLICAS = 250
TEMPLATE_GENERATION_LABEL = "pod-template-generation"  # extensions.DaemonSetTemplateGenerationKey
_TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"


def daemon_pod_tolerations(spec: dict) -> list[dict]:
    """``AddOrUpdateDaemonPodTolerations``: tolerate not-ready/unreachable (NoExecute) and the condition taints."""
    tols = [dict(t) for t in spec.get("tolerations") or ()]
    wanted = [("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
              ("node.kubernetes.io/disk-pressure", "NoSchedule"), ("node.kubernetes.io/memory-pressure", "NoSchedule"),
              ("node.kubernetes.io/pid-pressure", "NoSchedule"), ("node.kubernetes.io/unschedulable", "NoSchedule")]
    if spec.get("hostNetwork"):
        wanted.append(("node.kubernetes.io/network-unavailable", "NoSchedule"))
    for key, effect in wanted:
        tol = {"key": key, "operator": "Exists", "effect": effect}
        # AddOrUpdateTolerationInPodSpec: an equal toleration (same key, operator, value, effect) is replaced
        tols = [t for t in tols if not (t.get("key") == key and t.get("effect") == effect
                                        and (t.get("operator") or "Equal") == "Exists" and not t.get("value"))]
        tols.append(tol)
    return tols


def node_should_run_daemon_pod(node: dict, ds: dict) -> tuple[bool, bool]:
    """(should run, should continue running) of a DaemonSet pod on a node (``NodeShouldRunDaemonPod``).

    Examples
    --------
    >>> ds = {"spec": {"template": {"spec": {"nodeSelector": {"disk": "ssd"}}}}}
    >>> node_should_run_daemon_pod({"metadata": {"name": "n", "labels": {"disk": "ssd"}}, "spec": {}}, ds)
    (True, True)
    >>> node_should_run_daemon_pod({"metadata": {"name": "n", "labels": {}}, "spec": {}}, ds)
    (False, False)
    """
    from k8slab.scheduler.plugins.node_affinity import required_node_affinity_matches
    from k8slab.scheduler.plugins.taint_toleration import tolerations_tolerate_taint

    spec = ds["spec"]["template"].get("spec") or {}
    name = node["metadata"]["name"]
    if spec.get("nodeName") and spec["nodeName"] != name:
        return False, False
    labels = node["metadata"].get("labels") or {}
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution")
    if not required_node_affinity_matches(spec.get("nodeSelector") or {}, required, labels, name):
        return False, False
    tols = daemon_pod_tolerations(spec)
    taints = (node.get("spec") or {}).get("taints") or []
    untolerated = [t for t in taints if t.get("effect") in ("NoSchedule", "NoExecute")
                   and not tolerations_tolerate_taint(tols, t)]
    if untolerated:
        return False, not any(t.get("effect") == "NoExecute" for t in untolerated)
    return True, True


def target_node_name(pod: dict) -> str | None:
    """``GetTargetNodeName``: spec.nodeName, else the node its affinity pins it to."""
    if (pod.get("spec") or {}).get("nodeName"):
        return pod["spec"]["nodeName"]
    terms = (((pod["spec"].get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution") or {}).get("nodeSelectorTerms") or []
    for term in terms:
        for f in term.get("matchFields") or ():
            if f.get("key") == "metadata.name" and f.get("operator") == "In" and len(f.get("values") or ()) == 1:
                return f["values"][0]
    return None


def _pin_to_node(affinity: dict | None, node: str) -> dict:
    """``ReplaceDaemonSetPodNodeNameNodeAffinity``: required node affinity to exactly this node."""
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
    affinity = copy.deepcopy(affinity) if affinity else {}
    na = affinity.setdefault("nodeAffinity", {})
    req = na.get("requiredDuringSchedulingIgnoredDuringExecution")
    if req is None:
        na["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [term]}
    else:
        req["nodeSelectorTerms"] = [term]
    return affinity


def _by_creation_and_phase(pods: list[dict]) -> list[dict]:
    """``podByCreationTimestampAndPhase``: scheduled before unscheduled, running first, oldest first."""
    def key(p):
        return (not (p.get("spec") or {}).get("nodeName"), (p.get("status") or {}).get("phase") != "Running",
                parse_ts(p["metadata"].get("creationTimestamp")) or 0.0, p["metadata"]["name"])
    return sorted(pods, key=key)


@dataclass
class DaemonSetSync:
    """Upstream's DaemonSetsController sync for one DaemonSet, writing into ``actions`` (verb, kind, object)."""

    ds: dict
    nodes: list[dict]
    pods: list[dict]
    revisions: list[dict]
    now: float
    revision_names: dict[str, dict] = field(default_factory=dict)
    actions: list[tuple] = field(default_factory=list)

    def generation(self) -> str | None:
        value = (self.ds["metadata"].get("annotations") or {}).get(_TEMPLATE_GENERATION_ANNOTATION)
        return value if value and value.isdigit() else None

    def is_updated(self, pod: dict, hash_: str) -> bool:
        """``IsPodUpdated``: the pod carries the current revision hash (or template generation)."""
        labels = pod["metadata"].get("labels") or {}
        gen = self.generation()
        return (bool(hash_) and labels.get(hist.REVISION_HASH_LABEL) == hash_) or (
            gen is not None and labels.get(TEMPLATE_GENERATION_LABEL) == gen)

    def nodes_to_pods(self) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for p in self.pods:
            phase = (p.get("status") or {}).get("phase")
            if phase in ("Succeeded", "Failed") and p["metadata"].get("deletionTimestamp"):
                continue
            node = target_node_name(p)
            if node is not None:
                out.setdefault(node, []).append(p)
        return out

    # -- history (update.go constructHistory, cleanupHistory) --------------------------------------------------------
    def construct_history(self) -> tuple[dict | None, list[dict]]:
        patch = canonical_json(hist.get_patch(self.ds))
        current = [r for r in self.revisions if canonical_json(r.get("data")) == patch]
        old = [r for r in self.revisions if canonical_json(r.get("data")) != patch]
        revision = max((r.get("revision", 0) for r in old), default=0) + 1
        if not current:
            cur = hist.daemonset_revision(self.ds, revision)
            taken = self.revision_names.get(cur["metadata"]["name"])
            if taken is not None:
                if canonical_json(taken.get("data")) == patch:
                    return taken, old
                status = self.ds.setdefault("status", {})  # a hash collision: bump collisionCount, requeue
                status["collisionCount"] = (status.get("collisionCount") or 0) + 1
                self.actions.append(("status", "collision", copy.deepcopy(self.ds)))
                return None, old
            self.actions.append(("create", "revision", cur))
            return cur, old
        cur = max(current, key=lambda r: r.get("revision", 0))
        for dup in current:  # dedupCurHistories: keep the newest, point the others' pods at it (not simulated)
            if dup is not cur:
                self.actions.append(("delete", "revision", dup))
        if cur.get("revision", 0) < revision:
            cur = copy.deepcopy(cur)
            cur["revision"] = revision
            self.actions.append(("update", "revision", cur))
        return cur, old

    def cleanup_history(self, old: list[dict]) -> None:
        to_kill = len(old) - self.ds["spec"].get("revisionHistoryLimit", 10)
        if to_kill <= 0:
            return
        live = {(p["metadata"].get("labels") or {}).get(hist.REVISION_HASH_LABEL) for p in self.pods}
        for r in hist.sort_revisions(old):
            if to_kill <= 0:
                break
            if (r["metadata"].get("labels") or {}).get(hist.REVISION_HASH_LABEL) in live:
                continue
            self.actions.append(("delete", "revision", r))
            to_kill -= 1

    # -- manage and rolling update ----------------------------------------------------------------------------------
    def manage(self, hash_: str) -> None:
        node_pods = self.nodes_to_pods()
        needing, to_delete = [], []
        for node in self.nodes:
            name = node["metadata"]["name"]
            should_run, should_continue = node_should_run_daemon_pod(node, self.ds)
            pods = node_pods.get(name)
            if should_run and not pods:
                needing.append(name)
            elif should_continue and pods:
                running = []
                for p in pods:
                    if p["metadata"].get("deletionTimestamp"):
                        continue
                    phase = (p.get("status") or {}).get("phase")
                    if phase == "Failed":  # upstream backs off repeated deletions per node (failedPodsBackoff)
                        self.actions.append(("event", "Warning", "FailedDaemonPod",
                                             f"Found failed daemon pod {p['metadata']['namespace']}/"
                                             f"{p['metadata']['name']} on node {name}, will try to kill it"))
                        to_delete.append(p)
                    elif phase == "Succeeded":
                        to_delete.append(p)
                    else:
                        running.append(p)
                if len(running) > 1:  # no surge: keep the oldest
                    to_delete += _by_creation_and_phase(running)[1:]
            elif not should_continue and pods:
                to_delete += [p for p in pods if not p["metadata"].get("deletionTimestamp")]
        known = {n["metadata"]["name"] for n in self.nodes}
        for name, pods in node_pods.items():  # getUnscheduledPodsWithoutNode
            if name not in known:
                to_delete += [p for p in pods if not (p.get("spec") or {}).get("nodeName")
                              and not p["metadata"].get("deletionTimestamp")]
        self.sync_nodes(to_delete, needing, hash_)

    def sync_nodes(self, to_delete: list[dict], needing: list[str], hash_: str) -> None:
        template = copy.deepcopy(self.ds["spec"]["template"])
        template.setdefault("spec", {})["tolerations"] = daemon_pod_tolerations(template["spec"])
        labels = template.setdefault("metadata", {}).setdefault("labels", {})
        if self.generation() is not None:
            labels[TEMPLATE_GENERATION_LABEL] = self.generation()
        if hash_:
            labels[hist.REVISION_HASH_LABEL] = hash_
        for node in needing[:BURST_REPLICAS]:
            t = copy.deepcopy(template)
            t["spec"]["affinity"] = _pin_to_node(t["spec"].get("affinity"), node)
            self.actions.append(("create", "pod", t))
        for pod in to_delete[:BURST_REPLICAS]:
            self.actions.append(("delete", "pod", pod))

    def desired_counts(self, node_pods) -> tuple[int, int, int]:
        desired = sum(1 for n in self.nodes if node_should_run_daemon_pod(n, self.ds)[0])
        strategy = self.ds["spec"].get("updateStrategy") or {}
        ru = strategy.get("rollingUpdate") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return 0, 0, desired
        surge = int_or_percent(ru.get("maxSurge", 0), desired, True)
        unavailable = int_or_percent(ru.get("maxUnavailable", 1), desired, True)
        if desired > 0 and unavailable == 0 and surge == 0:
            unavailable = 1
        return surge, unavailable, desired

    def rolling_update(self, hash_: str) -> None:
        """update.go rollingUpdate without surge: delete old pods while staying within maxUnavailable.

        A ``maxSurge`` above 0 (new pod first, old one after) is not simulated: the lab rolls without surge.
        """
        node_pods = self.nodes_to_pods()
        _, max_unavailable, _ = self.desired_counts(node_pods)
        min_ready = self.ds["spec"].get("minReadySeconds", 0) or 0
        unavailable, replacements, candidates = 0, [], []
        for node in sorted(node_pods):
            new, old, ok = None, None, True
            for p in node_pods[node]:
                if p["metadata"].get("deletionTimestamp"):
                    continue
                if self.is_updated(p, hash_):
                    ok, new = new is None and ok, p
                else:
                    ok, old = old is None and ok, p
            if not ok or (old is None) == (new is None):
                unavailable += 1
            elif new is not None:
                if not is_pod_available(new, min_ready, self.now):
                    unavailable += 1
            elif not is_pod_available(old, min_ready, self.now):
                replacements.append(old)
                unavailable += 1
            elif unavailable < max_unavailable:
                candidates.append(old)
        remaining = min(max(max_unavailable - unavailable, 0), len(candidates))
        self.sync_nodes(replacements + candidates[:remaining], [], hash_)

    def status(self, hash_: str) -> dict:
        """``updateDaemonSetStatus``: desired, current, misscheduled, ready, updated and available counts."""
        node_pods = self.nodes_to_pods()
        min_ready = self.ds["spec"].get("minReadySeconds", 0) or 0
        c = dict.fromkeys(("desiredNumberScheduled", "currentNumberScheduled", "numberMisscheduled", "numberReady",
                           "updatedNumberScheduled", "numberAvailable"), 0)
        for node in self.nodes:
            should_run, _ = node_should_run_daemon_pod(node, self.ds)
            pods = node_pods.get(node["metadata"]["name"])
            if should_run:
                c["desiredNumberScheduled"] += 1
                if not pods:
                    continue
                c["currentNumberScheduled"] += 1
                pod = _by_creation_and_phase(pods)[0]
                if is_pod_ready(pod):
                    c["numberReady"] += 1
                    if is_pod_available(pod, min_ready, self.now):
                        c["numberAvailable"] += 1
                if self.is_updated(pod, hash_):
                    c["updatedNumberScheduled"] += 1
            elif pods:
                c["numberMisscheduled"] += 1
        c["numberUnavailable"] = c["desiredNumberScheduled"] - c["numberAvailable"]
        c["observedGeneration"] = self.ds["metadata"].get("generation", 0)
        keep = ("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady")
        status = {k: v for k, v in c.items() if v or k in keep}
        for k in ("collisionCount", "conditions"):
            if (self.ds.get("status") or {}).get(k) is not None:
                status[k] = self.ds["status"][k]
        return status

    def run(self) -> tuple[list[tuple], dict | None]:
        cur, old = self.construct_history()
        if cur is None:
            return self.actions, None
        hash_ = (cur["metadata"].get("labels") or {}).get(hist.REVISION_HASH_LABEL, "")
        if not self.ds["metadata"].get("deletionTimestamp"):
            self.manage(hash_)
            if (self.ds["spec"].get("updateStrategy") or {}).get("type", "RollingUpdate") == "RollingUpdate":
                # pods manage just created or deleted count as the informer will see them
                self.pods = self._after(self.pods)
                self.rolling_update(hash_)
            self.cleanup_history(old)
        return self.actions, self.status(hash_)

    def _after(self, pods: list[dict]) -> list[dict]:
        gone = {a[2]["metadata"]["name"] for a in self.actions if a[0] == "delete" and a[1] == "pod"}
        return [p for p in pods if p["metadata"]["name"] not in gone] + [
            {"metadata": {"name": "", "labels": a[2]["metadata"]["labels"]}, "spec": a[2]["spec"], "status": {}}
            for a in self.actions if a[0] == "create" and a[1] == "pod"]


def plan_daemonset(ds: dict, nodes: list[dict], pods: list[dict], revisions: list[dict], now: float,
                   revision_names: dict[str, dict] | None = None) -> tuple[list[tuple], dict | None]:
    """What one sync of ``ds`` does (actions as (verb, kind, object) or ("event", type, reason, message)) and
    the status it reports.

    Examples
    --------
    >>> from k8slab.apiserver.defaults import apply_defaults
    >>> ds = apply_defaults({"apiVersion": "apps/v1", "kind": "DaemonSet",
    ...     "metadata": {"name": "agent", "namespace": "kube-system", "uid": "d1", "generation": 1},
    ...     "spec": {"selector": {"matchLabels": {"app": "agent"}},
    ...              "template": {"metadata": {"labels": {"app": "agent"}},
    ...                           "spec": {"containers": [{"name": "a", "image": "busybox"}]}}}})
    >>> nodes = [{"metadata": {"name": n}, "spec": {}} for n in ("n1", "n2")]
    >>> actions, status = plan_daemonset(ds, nodes, [], [], 0.0)
    >>> [(a[0], a[1]) for a in actions], status["desiredNumberScheduled"]
    ([('create', 'revision'), ('create', 'pod'), ('create', 'pod')], 2)
    """
    sync = DaemonSetSync(copy.deepcopy(ds), nodes, pods, revisions, now, dict(revision_names or {}))
    return sync.run()
