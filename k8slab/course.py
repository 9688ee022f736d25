"""The course: its map of chapters, the labs the first chapters start from, and the exercises' self-checks."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Chapter", "CHAPTERS", "CourseMap", "course_map", "Check", "check", "EXERCISES", "control_plane_lab",
           "WatchLog", "watch_log", "reconcile_replicas", "MiniReplicaController"]

_DATA = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Chapter:
    """One notebook of the course: ``notebooks/<number>-<slug>.ipynb``."""

    number: int
    slug: str
    title: str
    topic: str
    status: str  # "available" or "planned"

    @property
    def notebook(self) -> str:
        return f"notebooks/{self.number:02d}-{self.slug}.ipynb"


#: The course map. A chapter turns "available" when its notebook lands (tests/test_course.py checks both ways).
CHAPTERS: tuple[Chapter, ...] = (
    Chapter(0, "welcome", "Welcome", "how to use the lab, kubectl in the lab, the course map", "available"),
    Chapter(2, "how-kubernetes-works", "How Kubernetes works",
            "control plane, nodes and pods; a request through the API server into etcd; watch and reconcile",
            "available"),
    Chapter(3, "pod-lifecycle", "Pod lifecycle", "phases, restarts and CrashLoopBackOff, image pulls, probes, hooks",
            "available"),
    Chapter(4, "scheduler", "The scheduler", "filter and score plugins, Pending pods, spread vs bin-pack", "available"),
    Chapter(5, "deployments", "Deployments", "rolling updates, maxSurge/maxUnavailable, zero-downtime rollouts",
            "available"),
    Chapter(6, "volumes-and-storage", "Volumes and storage", "emptyDir, PersistentVolumes and claims, binding, zones",
            "available"),
    Chapter(7, "stateful-apps", "Stateful apps", "StatefulSets: ordinals, stable names, per-replica claims",
            "available"),
    Chapter(8, "configmaps", "ConfigMaps", "configuration as env and files, propagation, per-environment values",
            "available"),
    Chapter(9, "secrets", "Secrets", "base64 is not encryption, etcd encryption at rest, rotation, who can read",
            "available"),
    Chapter(10, "rbac", "RBAC", "personas, Roles and bindings, can-i, the access matrix", "available"),
    Chapter(11, "admission-controllers", "Admission controllers", "mutating and validating admission, policies",
            "available"),
    Chapter(12, "build-pipeline", "A privileged build pipeline", "signing, promotion, blast radius", "available"),
    Chapter(13, "services-and-networking", "Services and networking", "Services, kube-proxy, DNS, Ingress, egress",
            "available"),
    Chapter(14, "network-policies", "Network policies", "default deny, policies step by step, namespaces",
            "available"),
    Chapter(15, "kubenet-vs-azure-cni", "kubenet vs Azure CNI", "pod IP address budgets on AKS", "available"),
    Chapter(20, "batch-and-workflows", "Batch and workflows", "Jobs, CronJobs, workflows of Jobs", "available"),
    Chapter(22, "access-and-identity", "Access and identity on AKS", "service accounts, Entra ID groups, bindings",
            "available"),
    Chapter(24, "production-ready", "Production ready", "readiness report, CI/CD, monitoring, failover", "available"),
)


class CourseMap:
    """The chapters as a table: text in a terminal, HTML in a notebook, Markdown for the README.

    Examples
    --------
    >>> print(course_map().markdown().splitlines()[2])
    | 00 | [Welcome](notebooks/00-welcome.ipynb) | how to use the lab, kubectl in the lab, the course map | available |
    """

    def __init__(self, chapters=CHAPTERS):
        self.chapters = tuple(chapters)

    def markdown(self) -> str:
        rows = ["| # | Chapter | Topic | Status |", "|---|---|---|---|"]
        for c in self.chapters:
            title = f"[{c.title}]({c.notebook})" if c.status == "available" else c.title
            rows.append(f"| {c.number:02d} | {title} | {c.topic} | {c.status} |")
        return "\n".join(rows)

    def __repr__(self) -> str:
        width = max(len(c.title) for c in self.chapters)
        lines = [f"{'#':<3} {'CHAPTER':<{width}}   STATUS      TOPIC"]
        lines += [f"{c.number:02d}  {c.title:<{width}}   {c.status:<10}  {c.topic}" for c in self.chapters]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{c.number:02d}</td><td>{html.escape(c.title)}</td><td>{html.escape(c.topic)}</td>"
            f"<td>{'&#10003; available' if c.status == 'available' else 'planned'}</td></tr>" for c in self.chapters)
        return ("<table><thead><tr><th>#</th><th>Chapter</th><th>Topic</th><th>Status</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>")


def course_map() -> CourseMap:
    """The course map: every chapter with its number, title, topic and status (available / planned)."""
    return CourseMap()


# -- labs ------------------------------------------------------------------------------------------------
def control_plane_lab(preset: str | None = None, seed: int = 0):
    """A lab running the API server and its store only: no scheduler, kubelets or controllers.

    The first chapters use it to show what the API server does on its own: objects are stored and
    watched, but nothing acts on them (pods stay Pending). Nodes come from ``data/clusters/<preset>.yaml``.

    Examples
    --------
    >>> lab = control_plane_lab("kind-1node")
    >>> lab
    <Cluster k8slab: 1 nodes, 0 pods, t=0s>
    >>> lab.components
    {}
    """
    import yaml

    from k8slab.cluster import Cluster
    from k8slab.errors import NotFound

    if preset is None:
        return Cluster(seed=seed, components=[])
    path = _DATA / "clusters" / f"{preset}.yaml"
    if not path.exists():
        raise NotFound(f'preset "{preset}" not found')
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    settings = next((d for d in docs if d.get("kind") == "ClusterPreset"), {})
    lab = Cluster(seed=seed, components=[], **(settings.get("spec") or {}))
    lab.preset = preset
    lab.apply([d for d in docs if d.get("kind") != "ClusterPreset"])
    return lab


# -- chapter 02: watch and a tiny reconcile loop ----------------------------------------------------------
class WatchLog:
    """What a watch on one resource delivered: one line per event, like ``kubectl get --watch --output-watch-events``.

    Examples
    --------
    >>> lab = control_plane_lab()
    >>> log = watch_log(lab, "configmaps")
    >>> _ = lab.apply("{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}")
    >>> log  # doctest: +ELLIPSIS
    EVENT    RV   KEY
    ADDED    ...  /registry/configmaps/default/a
    """

    def __init__(self, lab, resource: str):
        self.events: list[tuple[str, str, str]] = []
        res = lab.api.resource(resource)
        lab.api.watch(res, self._on_event)
        self._res = res

    def _on_event(self, event_type: str, obj: dict) -> None:
        meta = obj.get("metadata") or {}
        key = self._res.key(meta.get("namespace") if self._res.namespaced else None, meta.get("name", ""))
        self.events.append((event_type, meta.get("resourceVersion", ""), key))

    def __repr__(self) -> str:
        lines = [f"{'EVENT':<8} {'RV':<4} KEY"] + [f"{t:<8} {rv:<4} {k}" for t, rv, k in self.events]
        return "\n".join(lines)


def watch_log(lab, resource: str) -> WatchLog:
    """Start watching ``resource`` (plural, kind or short name) in ``lab``; the log fills as objects change."""
    return WatchLog(lab, resource)


def reconcile_replicas(desired: int, observed: list[str], prefix: str) -> list[tuple[str, str]]:
    """The heart of a controller: compare desired with observed and return the actions that close the gap.

    Pods are named ``<prefix>-<ordinal>``; missing ordinals are created lowest first, extra pods deleted
    highest first (the real ReplicaSet controller ranks pods more carefully: not simulated here).

    Examples
    --------
    >>> reconcile_replicas(3, ["web-0"], "web")
    [('create', 'web-1'), ('create', 'web-2')]
    >>> reconcile_replicas(1, ["web-0", "web-1", "web-2"], "web")
    [('delete', 'web-2'), ('delete', 'web-1')]
    >>> reconcile_replicas(2, ["web-0", "web-1"], "web")
    []
    """
    have = set(observed)
    actions: list[tuple[str, str]] = []
    extra = len(have) - desired
    if extra > 0:
        def ordinal(name: str):
            tail = name.rsplit("-", 1)[-1]
            return (int(tail) if tail.isdigit() else -1, name)

        actions += [("delete", n) for n in sorted(have, key=ordinal, reverse=True)[:extra]]
    i = 0
    while len(have) + sum(a == "create" for a, _ in actions) < desired:
        name = f"{prefix}-{i}"
        if name not in have:
            actions.append(("create", name))
        i += 1
    return actions


class MiniReplicaController:
    """A tiny controller: a ConfigMap labelled ``k8slab.io/replicas-of=<app>`` says how many pods of an image to run.

    It watches ConfigMaps and Pods, queues the ConfigMap's key on every change, and one second later (on the
    simulated clock) reconciles: it lists the pods, calls :func:`reconcile_replicas` and sends the creates and
    deletes through the API server, like every controller does. Pods it creates name the ConfigMap as their owner,
    so deleting the ConfigMap deletes them (garbage collection).
    """

    name = "mini-replica-controller"
    label = "k8slab.io/replicas-of"

    def __init__(self, delay: float = 1.0):
        from k8slab.controllers.base import Controller

        outer = self

        class _Loop(Controller):
            watches = ("configmaps", "pods")
            name = outer.name

            def keys_for(self, event_type, obj):
                meta = obj.get("metadata") or {}
                app = (meta.get("labels") or {}).get(outer.label)
                if app:
                    yield f"{meta.get('namespace')}/{app}"

            def reconcile(self, key):
                outer.reconcile(key)

        _Loop.delay = delay
        self._loop = _Loop()
        self.log: list[str] = []

    def attach(self, lab) -> None:
        self.lab = lab
        self._loop.attach(lab)

    def resync(self) -> None:
        """Nothing cached: every reconcile reads the store."""

    def reconcile(self, key: str) -> None:
        api = self.lab.api
        namespace, app = key.split("/", 1)
        cm = next((c for c in api.list(api.resource("configmaps"), namespace)
                   if (c["metadata"].get("labels") or {}).get(self.label) == app), None)
        if cm is None:
            return
        data = cm.get("data") or {}
        pods = [p["metadata"]["name"] for p in api.list(api.resource("pods"), namespace)
                if (p["metadata"].get("labels") or {}).get(self.label) == app
                and not p["metadata"].get("deletionTimestamp")]
        for action, name in reconcile_replicas(int(data.get("replicas", "0")), pods, app):
            self.log.append(f"t={self.lab.now:g}s {action} pod/{name}")
            if action == "create":
                api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {
                    "name": name, "namespace": namespace, "labels": {"app": app, self.label: app},
                    "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": cm["metadata"]["name"],
                                         "uid": cm["metadata"]["uid"]}]},
                    "spec": {"containers": [{"name": app, "image": data.get("image", "nginx")}]}})
            else:
                api.delete(api.resource("pods"), namespace, name, grace_period=0)

    def __repr__(self) -> str:
        return "\n".join(self.log) if self.log else "(nothing done yet)"


# -- self-checks -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    """The verdict on an answer: shows as one line, ✔ or ✘, with a hint when it is not right yet."""

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return ("✔ " if self.ok else "✘ ") + self.message


def _norm(text) -> str:
    return " ".join(str(text).split()).strip().lower()


def _count_namespaces(answer) -> Check:
    if answer == 4 or _norm(answer) == "4":
        return Check(True, "Right: default, kube-node-lease, kube-public and kube-system.")
    return Check(False, 'Not yet: count the rows of lab.kubectl("get namespaces").')


def _all_namespaces(answer) -> Check:
    words = _norm(answer).split()
    if words[:1] == ["kubectl"]:
        words = words[1:]
    if words[:2] in (["get", "pods"], ["get", "pod"], ["get", "po"]) and (
            "-a" in words or "--all-namespaces" in words):
        return Check(True, "Right: -A (--all-namespaces) lists pods in every namespace.")
    return Check(False, "Not yet: it is a `get pods` with the flag that means every namespace.")


def _etcd_key(answer) -> Check:
    if _norm(answer) == "/registry/pods/shop/web":
        return Check(True, "Right: /registry/<resource>/<namespace>/<name>.")
    if _norm(answer).startswith("/registry/pod/"):
        return Check(False, "Almost: the key uses the resource's plural name.")
    return Check(False, "Not yet: look at the storage step of lab.api.last_trace, or lab.etcd.keys('/registry/pods/').")


def _rejecting_stage(answer) -> Check:
    if _norm(answer) == "validation":
        return Check(True, "Right: validation rejects it, so nothing reaches etcd.")
    return Check(False, "Not yet: send missing-image.yaml through the widget and find the step that is not ok.")


_ORDER = ["authentication", "authorization", "mutating admission", "validation", "validating admission", "storage"]


def _pipeline_order(answer) -> Check:
    given = [_norm(s) for s in answer] if isinstance(answer, (list, tuple)) else []
    if given == _ORDER:
        return Check(True, "Right: who are you, may you, adjust, check, check policies, store.")
    if sorted(given) == sorted(_ORDER):
        return Check(False, "Not yet: the stages are right, the order is not (admission changes come before checks).")
    return Check(False, f"Not yet: give a list of these six stages in order: {', '.join(sorted(_ORDER))}.")


def _desired_pods(answer) -> Check:
    if answer == 5 or _norm(answer) == "5":
        return Check(True, "Right: the loop creates pods until observed equals desired, whatever was there before.")
    return Check(False, "Not yet: the reconcile loop makes observed equal to desired.")


#: exercise id -> (question, checker); notebooks call ``check(id, answer)``
EXERCISES = {
    "00-namespaces": ("How many namespaces does a new lab have?", _count_namespaces),
    "00-all-namespaces": ("Which kubectl command lists the pods of every namespace?", _all_namespaces),
    "02-etcd-key": ('Under which etcd key is Pod "web" of namespace "shop" stored?', _etcd_key),
    "02-rejecting-stage": ("Which stage of the pipeline rejects a Pod whose container has no image?",
                           _rejecting_stage),
    "02-pipeline-order": ("Put the six stages of a write request in order.", _pipeline_order),
    "02-desired-pods": ("The ConfigMap says replicas: 5 and 7 pods exist. How many exist after the loop runs?",
                        _desired_pods),
}


def check(exercise: str, answer) -> Check:
    """Check an answer to one of the chapters' exercises.

    Examples
    --------
    >>> check("00-namespaces", 4)
    ✔ Right: default, kube-node-lease, kube-public and kube-system.
    >>> check("02-etcd-key", None)
    ✘ No answer yet: replace None with your answer.
    """
    if exercise not in EXERCISES:
        from k8slab.errors import NotFound

        raise NotFound(f'exercise "{exercise}" not found (known: {", ".join(EXERCISES)})')
    if answer is None or answer == "" or answer == "...":
        return Check(False, "No answer yet: replace None with your answer.")
    return EXERCISES[exercise][1](answer)
