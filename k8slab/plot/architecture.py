"""The cluster's architecture from a live lab: control plane, nodes and their pods, as a networkx graph drawing."""

from __future__ import annotations

__all__ = ["architecture_graph", "draw_architecture"]

# What runs in a control plane, and how a lab's component names map onto it.
_CONTROL_PLANE = ("kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager")
_MAX_PODS_SHOWN = 6


def _controllers(lab) -> list[str]:
    return sorted(str(n) for n in getattr(lab, "components", {})
                  if "scheduler" not in str(n).lower() and "kubelet" not in str(n).lower())


def _running(lab) -> dict[str, bool]:
    names = [str(n).lower() for n in getattr(lab, "components", {})]
    return {
        "kube-apiserver": True,
        "etcd": True,
        "kube-scheduler": any("scheduler" in n for n in names),
        "kube-controller-manager": any("scheduler" not in n and "kubelet" not in n for n in names),
        "kubelet": any("kubelet" in n for n in names),
    }


def architecture_graph(lab):
    """The lab as a graph: control-plane components, nodes (each with its kubelet) and pods.

    Node attributes: ``layer`` (control-plane, node, pod), ``label``, ``running`` (for components),
    ``phase`` (for pods). Edges: who talks to whom (everything goes through kube-apiserver; only it
    talks to etcd) and which node a pod is bound to (``spec.nodeName``); unbound pods hang from a
    "Pending" group.

    Examples
    --------
    >>> from k8slab.course import control_plane_lab
    >>> g = architecture_graph(control_plane_lab("kind-1node"))
    >>> sorted(n for n, d in g.nodes(data=True) if d["layer"] == "node")
    ['node/kind-control-plane']
    >>> g.nodes["kube-scheduler"]["running"]
    False
    """
    import networkx as nx

    running = _running(lab)
    g = nx.Graph()
    for name in _CONTROL_PLANE:
        g.add_node(name, layer="control-plane", label=name, running=running[name])
    g.add_edge("kube-apiserver", "etcd", kind="storage")
    for name in _CONTROL_PLANE[2:]:
        g.add_edge("kube-apiserver", name, kind="watch")
    nodes = lab.api.list(lab.api.resource("nodes"))
    for n in nodes:
        node_id = f"node/{n['metadata']['name']}"
        zone = (n["metadata"].get("labels") or {}).get("topology.kubernetes.io/zone", "")
        alloc = (n.get("status") or {}).get("allocatable") or {}
        g.add_node(node_id, layer="node", label=n["metadata"]["name"], zone=zone,
                   cpu=str(alloc.get("cpu", "")), memory=str(alloc.get("memory", "")), running=running["kubelet"])
        g.add_edge("kube-apiserver", node_id, kind="kubelet")
    pods = lab.api.list(lab.api.resource("pods"))
    if any(not (p.get("spec") or {}).get("nodeName") for p in pods):
        g.add_node("pending", layer="node", label="not scheduled", zone="", cpu="", memory="", running=False)
    for p in pods:
        meta = p["metadata"]
        pod_id = f"pod/{meta['namespace']}/{meta['name']}"
        host = (p.get("spec") or {}).get("nodeName")
        g.add_node(pod_id, layer="pod", label=meta["name"], namespace=meta["namespace"],
                   phase=(p.get("status") or {}).get("phase", ""))
        g.add_edge(f"node/{host}" if host and f"node/{host}" in g else "pending", pod_id, kind="runs")
    return g


def draw_architecture(lab, ax=None, title: str | None = None):
    """Draw the lab's control plane, nodes and pods (grey, dashed: components not running in this lab).

    Parameters
    ----------
    lab : k8slab.Cluster
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt
    import networkx as nx

    g = architecture_graph(lab)
    node_ids = [n for n, d in g.nodes(data=True) if d["layer"] == "node"]
    width = max(len(node_ids), 3)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(8.0, 3.8 * width), 5.6))
    mid = width / 2
    pos = {"kube-apiserver": (mid, 3.0), "etcd": (mid - 0.32 * width, 3.0),
           "kube-scheduler": (mid + 0.32 * width, 3.4), "kube-controller-manager": (mid + 0.32 * width, 2.6)}
    for i, node_id in enumerate(node_ids):
        x = (i + 0.5) * width / len(node_ids)
        pos[node_id] = (x, 1.6)
        pods = sorted(g.neighbors(node_id), key=lambda p: p)
        pods = [p for p in pods if g.nodes[p]["layer"] == "pod"]
        for j, pod in enumerate(pods[:_MAX_PODS_SHOWN]):
            pos[pod] = (x, 0.95 - 0.32 * j)
        for pod in pods[_MAX_PODS_SHOWN:]:
            g.remove_node(pod)
        if len(pods) > _MAX_PODS_SHOWN:
            ax.text(x, 0.95 - 0.32 * _MAX_PODS_SHOWN, f"+{len(pods) - _MAX_PODS_SHOWN} more pods",
                    ha="center", va="center", fontsize=8, color="#555")
    edges = [(u, v) for u, v, d in g.edges(data=True) if d["kind"] != "runs"]
    nx.draw_networkx_edges(g, pos, edgelist=edges, ax=ax, edge_color="#9aa5b1", width=1.2)
    runs = [(u, v) for u, v, d in g.edges(data=True) if d["kind"] == "runs"]
    nx.draw_networkx_edges(g, pos, edgelist=runs, ax=ax, edge_color="#cfd6dd", width=0.8, style="dotted")
    for n, d in g.nodes(data=True):
        x, y = pos[n]
        if d["layer"] == "control-plane":
            face, edge, ls = ("#326ce5", "#1d4fb8", "-") if d["running"] else ("#eef1f4", "#9aa5b1", "--")
            color = "white" if d["running"] else "#6b7785"
            text = d["label"] if d["running"] else f"{d['label']}\n(not running)"
            if n == "kube-controller-manager" and d["running"]:
                names = _controllers(lab)
                text = "controllers\n" + "\n".join(names[:4]) + (f"\n+{len(names) - 4} more" if len(names) > 4 else "")
            ax.text(x, y, text, ha="center", va="center", fontsize=9, color=color,
                    bbox=dict(boxstyle="round,pad=0.45", fc=face, ec=edge, ls=ls))
        elif d["layer"] == "node":
            if n == "pending":
                text, face, edge, ls = "not scheduled\n(no node yet)", "#fff7e6", "#d9a441", "--"
            else:
                kubelet = "kubelet" if d["running"] else "kubelet not running"
                zone = f"zone {d['zone']}\n" if d["zone"] else ""
                text = f"{d['label']}\n{zone}allocatable: cpu {d['cpu']}, memory {d['memory']}\n{kubelet}"
                face, edge, ls = "#f3f6fb", "#326ce5", "-"
            ax.text(x, y, text, ha="center", va="center", fontsize=7.5, color="#1f2d3d",
                    bbox=dict(boxstyle="round,pad=0.5", fc=face, ec=edge, ls=ls))
        else:
            face = {"Running": "#d8f3dc", "Pending": "#fff3bf", "Succeeded": "#e9ecef",
                    "Failed": "#ffd6d6"}.get(d["phase"], "#f1f3f5")
            ax.text(x, y, f"{d['label']}  {d['phase']}", ha="center", va="center", fontsize=7.5,
                    bbox=dict(boxstyle="round,pad=0.3", fc=face, ec="#adb5bd"))
    ax.text(-0.1, 3.75, "control plane", fontsize=9, color="#326ce5", weight="bold")
    ax.text(-0.1, 2.2, "nodes and their pods", fontsize=9, color="#326ce5", weight="bold")
    lowest = min(y for _, y in pos.values()) if pos else 0.0
    ax.set_xlim(-0.2, width + 0.2)
    ax.set_ylim(min(lowest, 0.9) - 0.45, 3.95)
    ax.set_axis_off()
    ax.set_title(title or f"{lab.name}: {len(node_ids) - ('pending' in g)} nodes, "
                 f"{sum(1 for _, d in g.nodes(data=True) if d['layer'] == 'pod')} pods shown, t={lab.now:g}s",
                 fontsize=10)
    return ax
