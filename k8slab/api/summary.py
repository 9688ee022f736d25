"""One-line summaries that make model reprs read well in a notebook: ``<Pod default/web Running on node-1>``."""

from __future__ import annotations

__all__ = ["summary"]


def _pod(p) -> str:
    status = p.status
    phase = (status.phase if status else None) or "Pending"
    if p.metadata and p.metadata.deletion_timestamp:
        phase = "Terminating"
    node = p.spec.node_name if p.spec else None
    return f"{phase} on {node}" if node else phase


def _node(n) -> str:
    conds = {c.type: c.status for c in (n.status.conditions if n.status and n.status.conditions else [])}
    state = {"True": "Ready", "False": "NotReady"}.get(conds.get("Ready"), "Unknown")
    return state + (",SchedulingDisabled" if n.spec and n.spec.unschedulable else "")


def _replicas(d) -> str:
    ready = (d.status.ready_replicas if d.status else None) or 0
    want = d.spec.replicas if d.spec and d.spec.replicas is not None else 1
    return f"{ready}/{want} ready"


def _service(s) -> str:
    spec = s.spec
    return f"{spec.type or 'ClusterIP'} {spec.cluster_ip}" if spec and spec.cluster_ip else (spec.type if spec else "")


def _phase(o) -> str:
    return (o.status.phase if o.status else None) or ""


_SUMMARIES = {
    "Pod": _pod, "Node": _node, "Deployment": _replicas, "ReplicaSet": _replicas, "StatefulSet": _replicas,
    "Service": _service, "PersistentVolume": _phase, "PersistentVolumeClaim": _phase, "Namespace": _phase,
}


def summary(model) -> str:
    """A few words on the object's state, or "" for kinds without one.

    Examples
    --------
    >>> from k8slab.api.core_v1 import Pod
    >>> summary(Pod.from_dict({"metadata": {"name": "web"}, "spec": {"nodeName": "node-1", "containers": []},
    ...                        "status": {"phase": "Running"}}))
    'Running on node-1'
    """
    fn = _SUMMARIES.get(type(model).__name__)
    try:
        return fn(model) if fn else ""
    except AttributeError:  # a partly filled object: no summary rather than an error in a repr
        return ""
