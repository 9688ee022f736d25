"""What if a pod asked for this? Requests, nodeSelector and tolerations in; which nodes pass and which one wins out."""

from __future__ import annotations

import html

__all__ = ["what_if", "node_taints", "node_label_choices", "report_html", "scheduler_widget"]


def _selector(node_selector) -> dict:
    if not node_selector:
        return {}
    if isinstance(node_selector, dict):
        return dict(node_selector)
    out = {}
    for part in str(node_selector).split(","):
        key, eq, value = part.strip().partition("=")
        if key:
            out[key] = value if eq else ""
    return out


def _toleration(taint: str) -> dict:
    # "key=value:Effect" or "key:Effect" -> a toleration that tolerates exactly that taint (operator Equal / Exists)
    kv, _, effect = taint.rpartition(":")
    key, eq, value = kv.partition("=")
    tol = {"key": key, "operator": "Equal" if eq else "Exists", "effect": effect}
    if eq:
        tol["value"] = value
    return tol


def what_if(lab, cpu: str | None = "100m", memory: str | None = "128Mi", node_selector=None,
            tolerations=(), name: str = "what-if"):
    """Ask the lab's scheduler where a pod with these requests would go, without creating it.

    Parameters
    ----------
    lab : k8slab.Cluster
    cpu, memory : str or None
        Container requests, e.g. ``"500m"`` and ``"256Mi"``.
    node_selector : dict or str, optional
        ``{"workload": "batch"}`` or ``"workload=batch"``.
    tolerations : list of str or dict
        Taints to tolerate, as kubectl writes them (``"workload=batch:NoSchedule"``), or toleration dicts.

    Returns
    -------
    k8slab.scheduler.SchedulingReport

    Examples
    --------
    >>> from k8slab.cluster import Cluster
    >>> lab = Cluster.from_preset("aks-3node")
    >>> what_if(lab, cpu="1500m").selected  # three empty nodes tie: a seeded random choice, as upstream's selectHost
    'aks-nodepool1-27563185-vmss000001'
    >>> what_if(lab, cpu="3").message.split(". ")[0]
    '0/3 nodes are available: 3 Insufficient cpu'
    >>> what_if(lab, node_selector="workload=batch").feasible
    []
    """
    from k8slab.scheduler.experiments import what_if_pod

    tols = [_toleration(t) if isinstance(t, str) else dict(t) for t in tolerations or ()]
    pod = what_if_pod(name, cpu=cpu or None, memory=memory or None, node_selector=_selector(node_selector),
                      tolerations=tols)
    return lab.scheduler.explain(pod)


def node_taints(lab) -> list[str]:
    """Distinct taints on the lab's nodes, as kubectl writes them (``key=value:Effect``), sorted.

    Examples
    --------
    >>> from k8slab.cluster import Cluster
    >>> lab = Cluster.from_preset("aks-3node")
    >>> lab.kubectl("taint nodes aks-nodepool1-27563185-vmss000002 workload=batch:NoSchedule").stdout
    'node/aks-nodepool1-27563185-vmss000002 tainted\\n'
    >>> node_taints(lab)
    ['workload=batch:NoSchedule']
    """
    from k8slab.kubectl.describe_node import taint_string

    seen = set()
    for n in lab.api.list(lab.api.resource("nodes")):
        for t in (n.get("spec") or {}).get("taints") or ():
            seen.add(taint_string(t))
    return sorted(seen)


def node_label_choices(lab, skip=("kubernetes.io/hostname", "kubernetes.azure.com/cluster")) -> list[str]:
    """``key=value`` of every label some (but not every) node has, plus a few shared ones; for the selector box.

    Examples
    --------
    >>> from k8slab.cluster import Cluster
    >>> "topology.kubernetes.io/zone=eastus-1" in node_label_choices(Cluster.from_preset("aks-3node"))
    True
    """
    pairs = set()
    for n in lab.api.list(lab.api.resource("nodes")):
        for k, v in ((n.get("metadata") or {}).get("labels") or {}).items():
            if k not in skip:
                pairs.add(f"{k}={v}")
    return sorted(pairs)


_PASS, _FAIL, _NOT_RUN = "#b7e4c7", "#ffa8a8", "#eeeeee"


def report_html(report) -> str:
    """A report as a coloured HTML table (the heatmap's colours), with the verdict on top; fast enough to redraw live.

    Examples
    --------
    >>> from k8slab.cluster import Cluster
    >>> report_html(what_if(Cluster.from_preset("aks-3node"), cpu="4")).startswith('<div style="margin:4px 0"><b style="color:#c92a2a">Pending')
    True
    """
    from k8slab.plot.scheduler import report_heatmap_data

    d = report_heatmap_data(report)
    e = html.escape
    head = "".join(f'<th style="font-size:80%;padding:2px 4px">{e(c)}</th>' for c in d.columns)
    rows = []
    totals = [c[-1] for c in d.cells if c[-1] is not None]
    tmax = max(totals) if totals else 1
    for i, node in enumerate(d.nodes):
        cells = []
        for j, kind in enumerate(d.kinds):
            c = d.cells[i][j]
            if kind == "filter":
                bg = {"pass": _PASS, "fail": _FAIL}.get(c, _NOT_RUN)
            elif c is None:
                bg = "#ffffff"
            else:
                level = c / 100 if kind == "score" else c / max(tmax, 1)
                bg = f"rgba(34,139,230,{0.12 + 0.6 * level:.2f})"
            cells.append(f'<td style="background:{bg};font-size:80%;padding:2px 4px;text-align:center">'
                         f"{e(d.text[i][j])}</td>")
        style = ' style="outline:2px solid #e67700"' if i == d.selected else ""
        rows.append(f'<tr{style}><td style="font-size:80%;padding:2px 4px">{e(node)}</td>{"".join(cells)}</tr>')
    if report.selected:
        verdict = f'<b style="color:#2b8a3e">Scheduled</b> on <code>{e(report.selected)}</code>'
    else:
        verdict = f'<b style="color:#c92a2a">Pending</b> &mdash; FailedScheduling: <code>{e(report.message)}</code>'
    return (f'<div style="margin:4px 0">{verdict}</div><table style="border-collapse:collapse">'
            f'<tr><th></th>{head}</tr>{"".join(rows)}</table>')


def scheduler_widget(lab, cpu: str = "250m", memory: str = "256Mi"):
    """Sliders for CPU and memory requests, a nodeSelector box and one checkbox per node taint.

    Every change asks :func:`what_if` again and redraws which nodes pass each filter, their scores and the
    winner. The widget keeps ``w.result`` (the last :class:`~k8slab.scheduler.SchedulingReport`) and
    ``w.set(cpu=..., memory=..., node_selector=..., tolerations=[...])`` to drive it from code.

    Examples
    --------
    >>> from k8slab.cluster import Cluster
    >>> w = scheduler_widget(Cluster.from_preset("aks-3node"))
    >>> w.set(cpu="2").message.split(". ")[0]
    '0/3 nodes are available: 3 Insufficient cpu'
    >>> w.result.selected is None
    True
    """
    import ipywidgets as W

    from k8slab.api.quantity import bytes_value, cpu_millis

    cpu_s = W.IntSlider(value=cpu_millis(cpu), min=0, max=4000, step=50, description="cpu (m)",
                        continuous_update=False)
    mem_s = W.IntSlider(value=bytes_value(memory) // 2**20, min=0, max=8192, step=64, description="memory (Mi)",
                        continuous_update=False)
    sel = W.Combobox(options=node_label_choices(lab), placeholder="key=value", description="nodeSelector",
                     ensure_option=False)
    taints = node_taints(lab)
    boxes = [W.Checkbox(value=False, description=f"tolerate {t}", indent=False) for t in taints]
    view = W.HTML()
    box = W.VBox([W.HBox([cpu_s, mem_s]), sel, W.VBox(boxes), view])
    box.lab, box.result, box.view = lab, None, view

    quiet = []

    def redraw(*_):
        if quiet:
            return box.result
        tols = [t for t, b in zip(taints, boxes) if b.value]
        box.result = what_if(lab, cpu=f"{cpu_s.value}m", memory=f"{mem_s.value}Mi", node_selector=sel.value,
                             tolerations=tols)
        view.value = report_html(box.result)
        return box.result

    def set_values(cpu=None, memory=None, node_selector=None, tolerations=None):
        quiet.append(True)  # one redraw for all the changes
        try:
            if cpu is not None:
                cpu_s.value = cpu_millis(str(cpu))
            if memory is not None:
                mem_s.value = bytes_value(str(memory)) // 2**20
            if node_selector is not None:
                sel.value = node_selector
            if tolerations is not None:
                for t, b in zip(taints, boxes):
                    b.value = t in tolerations
        finally:
            quiet.clear()
        return redraw()

    for w in (cpu_s, mem_s, sel, *boxes):
        w.observe(redraw, names="value")
    box.set = set_values
    redraw()
    return box
