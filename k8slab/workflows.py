"""Workflows of Jobs: a DAG (networkx) of batch/v1 Jobs, each created once every Job it depends on has completed."""

# Kubernetes has no workflow object; tools such as Argo Workflows and Tekton add one. This is the core of what they
# do with Jobs: a Job starts when its dependencies succeeded; a failed Job stops its descendants (Argo: "Omitted").
# The Jobs themselves are ordinary Jobs, run by the lab's Job controller.

from __future__ import annotations

import copy
from pathlib import Path

import networkx as nx

from k8slab.controllers.base import Controller

__all__ = ["DEPENDS_ON", "WORKFLOW_LABEL", "Workflow", "load_workflow"]

#: annotation on a Job listing the Jobs it waits for, comma-separated (the lab's convention)
DEPENDS_ON = "workflows.k8slab.io/depends-on"
#: label the workflow puts on the Jobs it creates
WORKFLOW_LABEL = "workflows.k8slab.io/workflow"


def _job_state(job: dict | None) -> str:
    if job is None:
        return "Missing"
    true = {c.get("type") for c in (job.get("status") or {}).get("conditions") or () if c.get("status") == "True"}
    if "Complete" in true:
        return "Succeeded"
    if "Failed" in true:
        return "Failed"
    return "Running"


class Workflow(Controller):
    """Runs ``jobs`` (Job manifests as dicts) in dependency order on the lab's clock.

    Each Job's ``workflows.k8slab.io/depends-on`` annotation names the Jobs it waits for. Jobs whose dependencies
    all succeeded are created together, in name order; a failed Job marks every Job downstream of it ``Skipped``.
    ``steps`` holds each step's state (Waiting, Running, Succeeded, Failed, Skipped) and ``started``/``finished``
    its times.

    Examples
    --------
    >>> import k8slab as kl
    >>> lab = kl.Cluster.from_preset("kind-1node")
    >>> job = lambda name, deps="": {"apiVersion": "batch/v1", "kind": "Job",
    ...     "metadata": {"name": name, "annotations": {DEPENDS_ON: deps, "k8slab.io/complete-after": "5"}},
    ...     "spec": {"template": {"spec": {"restartPolicy": "Never",
    ...              "containers": [{"name": "w", "image": "ghcr.io/k8slab/worker:1.0"}]}}}}
    >>> wf = Workflow(lab, [job("b", "a"), job("a"), job("c", "a"), job("d", "b,c")])
    >>> wf.run().phase, wf.order
    ('Succeeded', ['a', 'b', 'c', 'd'])
    """

    name = "workflow"
    watches = ("jobs",)

    def __init__(self, lab, jobs: list[dict], name: str = "workflow", namespace: str = "default"):
        self.workflow = name
        self.namespace = namespace
        self.jobs: dict[str, dict] = {}
        for job in jobs:
            meta = job.get("metadata") or {}
            if job.get("kind") != "Job" or not meta.get("name"):
                raise ValueError(f"a workflow step must be a Job with a name, got {job.get('kind')!r}")
            if meta["name"] in self.jobs:
                raise ValueError(f'job "{meta["name"]}" appears twice in the workflow')
            self.jobs[meta["name"]] = job
        self.graph = nx.DiGraph()
        self.graph.add_nodes_from(self.jobs)
        for name_, job in self.jobs.items():
            for dep in _deps(job):
                if dep not in self.jobs:
                    raise ValueError(f'job "{name_}" depends on "{dep}", which is not in the workflow')
                self.graph.add_edge(dep, name_)
        if not nx.is_directed_acyclic_graph(self.graph):
            cycle = [a for a, _ in nx.find_cycle(self.graph)]
            raise ValueError("the workflow has a cycle: " + " -> ".join(cycle + cycle[:1]))
        self.steps = {n: "Waiting" for n in self.jobs}
        self.started: dict[str, float] = {}
        self.finished: dict[str, float] = {}
        self.order: list[str] = []
        self.t0 = lab.now
        self.attach(lab)
        self.enqueue("advance")

    # -- the controller ------------------------------------------------------------------------------
    def keys_for(self, event_type: str, obj: dict):
        meta = obj.get("metadata") or {}
        if meta.get("namespace") == self.namespace and meta.get("name") in self.jobs:
            yield "advance"

    def reconcile(self, key: str) -> None:
        res = self.api.resource("jobs")
        for n in nx.lexicographical_topological_sort(self.graph):
            if self.steps[n] != "Running":
                continue
            state = _job_state(self.api.etcd.read(res.key(self.namespace, n)))
            if state in ("Succeeded", "Failed"):
                self.steps[n] = state
                self.finished[n] = self.env.now
                if state == "Failed":
                    for d in nx.descendants(self.graph, n):
                        if self.steps[d] == "Waiting":
                            self.steps[d] = "Skipped"
        for n in nx.lexicographical_topological_sort(self.graph):
            if self.steps[n] == "Waiting" and all(self.steps[p] == "Succeeded" for p in self.graph.predecessors(n)):
                job = copy.deepcopy(self.jobs[n])
                meta = job["metadata"]
                meta["namespace"] = self.namespace
                meta.setdefault("labels", {})[WORKFLOW_LABEL] = self.workflow
                self.api.create(job)
                self.steps[n] = "Running"
                self.started[n] = self.env.now
                self.order.append(n)

    # -- for people ----------------------------------------------------------------------------------
    @property
    def phase(self) -> str:
        """Running until every step is done; then Succeeded, or Failed if a step failed."""
        states = set(self.steps.values())
        if states & {"Waiting", "Running"}:
            return "Running"
        return "Failed" if "Failed" in states else "Succeeded"

    def run(self, limit: float = 3600, step: float = 1.0) -> "Workflow":
        """Run the lab's clock until the workflow is done (at most ``limit`` simulated seconds)."""
        end = self.lab.now + limit
        while self.phase == "Running" and self.lab.now < end:
            self.lab.run(step)
        return self

    def levels(self) -> list[list[str]]:
        """The steps by generation: those without dependencies, those that need only them, and so on."""
        return [sorted(g) for g in nx.topological_generations(self.graph)]

    def critical_path(self) -> list[str]:
        """The chain of steps that decided when the workflow finished (longest by duration)."""
        dur = {n: self.finished.get(n, self.lab.now) - self.started[n] for n in self.started}
        g = nx.DiGraph()
        for a, b in self.graph.edges:
            g.add_edge(a, b, w=dur.get(b, 0.0))
        if not g.number_of_edges():
            return [max(dur, key=dur.get)] if dur else []
        path = nx.dag_longest_path(g, weight="w")
        return path

    def __repr__(self) -> str:
        from k8slab.kubectl.format import tabwriter

        rows = ["STEP\tDEPENDS ON\tSTATUS\tSTARTED\tFINISHED"]  # seconds since the workflow started
        for n in nx.lexicographical_topological_sort(self.graph):
            deps = ",".join(sorted(self.graph.predecessors(n))) or "-"
            s = f"{self.started[n] - self.t0:.0f}s" if n in self.started else "-"
            f = f"{self.finished[n] - self.t0:.0f}s" if n in self.finished else "-"
            rows.append(f"{n}\t{deps}\t{self.steps[n]}\t{s}\t{f}")
        return tabwriter(rows, padding=3).rstrip("\n")


def _deps(job: dict) -> list[str]:
    text = ((job.get("metadata") or {}).get("annotations") or {}).get(DEPENDS_ON, "")
    return [d.strip() for d in text.split(",") if d.strip()]


def load_workflow(lab, path, name: str | None = None, namespace: str = "default") -> Workflow:
    """A :class:`Workflow` of the Jobs in a YAML file (multi-document), named after the file by default."""
    from k8slab.manifests import load_documents

    docs = [doc for doc, _ in load_documents(Path(path))]
    return Workflow(lab, docs, name or Path(path).stem, namespace)
