"""The production-readiness chapter's widget: pick a workload, read its findings and their fixes."""

from __future__ import annotations

import html

__all__ = ["readiness_widget"]


def readiness_widget(lab, namespace: str | None = None):
    """A dropdown of the lab's workloads (from :func:`k8slab.readiness.lint`); their findings with fixes below.

    Returns an ``ipywidgets.VBox`` with ``w.result`` (the shown WorkloadReport), ``w.report`` and ``w.show(name)``.
    """
    import ipywidgets as W

    from k8slab.readiness import lint

    report = lint(lab, namespace)
    names = [f"{w.namespace}/{w.workload}" for w in report]
    pick = W.Dropdown(options=names, description="workload")
    out = W.HTML()
    box = W.VBox([pick, out])
    box.report, box.result = report, None

    def show(name: str | None = None):
        if name is not None:
            pick.value = name
        w = report[names.index(pick.value)]
        box.result = w
        rows = "".join(f"<tr><td>{f.severity}</td><td>{html.escape(f.check)}</td><td>{html.escape(f.message)}</td>"
                       f"<td>{html.escape(f.fix)}</td></tr>" for f in w.findings)
        out.value = (f"<b>score {w.score}</b><table><tr><th>severity</th><th>check</th><th>finding</th>"
                     f"<th>fix</th></tr>{rows}</table>")
        return w

    if names:
        pick.observe(lambda _c: show(), names="value")
        show()
    box.show = show
    return box
