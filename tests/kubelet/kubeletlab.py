"""Shared helpers for the kubelet scenario tests: a lab with nodes, pre-bound pods, and an exact event log."""

from __future__ import annotations

import textwrap

import k8slab as kl

NODE = """
apiVersion: v1
kind: Node
metadata: {{name: {name}}}
status:
  capacity: {{cpu: "{cpu}", memory: {memory}, pods: "110"}}
"""


def lab_with(*manifests: str, nodes: int = 1, cpu: str = "4", memory: str = "8Gi", seed: int = 0):
    """A lab with ``nodes`` nodes (node-1, node-2, ...) and the manifests applied; events are logged with times."""
    lab = kl.Cluster(seed=seed)
    log: list[tuple[float, str, str, str, str]] = []
    record = lab.events.record

    def recording(obj, type_, reason, message, component, host=""):
        log.append((lab.now, obj["metadata"]["name"], type_, reason, message))
        return record(obj, type_, reason, message, component, host)

    lab.events.record = recording
    lab.event_log = log
    lab.apply("---".join(NODE.format(name=f"node-{i + 1}", cpu=cpu, memory=memory) for i in range(nodes)))
    for m in manifests:
        lab.apply(textwrap.dedent(m))
    return lab


def events(lab, name: str | None = None, since: float = 0.0) -> list[tuple[float, str, str]]:
    """(time, reason, message) of every event recorded about ``name`` (all objects when None), oldest first."""
    return [(round(t, 3), reason, msg) for t, n, _type, reason, msg in lab.event_log
            if (name is None or n == name) and t >= since]


def pod(lab, name: str, namespace: str = "default") -> dict:
    return lab.api.get(lab.api.resource("pods"), namespace, name)


def container_status(lab, name: str, container: str | None = None) -> dict:
    p = pod(lab, name)
    statuses = (p["status"].get("containerStatuses") or []) + (p["status"].get("initContainerStatuses") or [])
    return next(s for s in statuses if container is None or s["name"] == container)


def get_pods_line(lab, name: str) -> str:
    """The pod's row of ``kubectl get pods`` with single spaces."""
    out = lab.kubectl("get pods").stdout.splitlines()
    row = next(line for line in out if line.split()[0] == name)
    return " ".join(row.split())


def bound_pod(name: str, body: str, node: str = "node-1", annotations: dict | None = None) -> str:
    """A pod manifest bound to ``node`` (no scheduler involved); ``body`` is the indented spec tail."""
    ann = ""
    if annotations:
        ann = ", annotations: {" + ", ".join(f'"{k}": "{v}"' for k, v in annotations.items()) + "}"
    return f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}{ann}}}\nspec:\n  nodeName: {node}\n" + \
        textwrap.indent(textwrap.dedent(body).strip("\n"), "  ") + "\n"
