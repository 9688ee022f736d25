"""Chapter 08 widget: pick an environment, see the chart rendered for it and what differs from the others."""

from __future__ import annotations

import html

__all__ = ["environment_widget"]


def environment_widget(chart: str = "webapp", envs=("dev", "staging", "prod")):
    """A dropdown over :func:`k8slab.config.templating.render_chart`; ``w.result`` is the rendered YAML."""
    import ipywidgets as w

    from k8slab.config.templating import diff_environments, render_chart

    pick = w.ToggleButtons(options=list(envs), description="environment")
    out = w.HTML()
    box = w.VBox([pick, out])
    diffs = {k for k, _ in diff_environments(chart, envs)}

    def update(_=None):
        box.result = render_chart(chart, pick.value)
        keys = sorted(k.split(":", 1)[1].split(".")[-1].split("[")[0] for k in diffs)
        marked = []
        for line in box.result.splitlines():
            key = line.strip().split(":", 1)[0]
            esc = html.escape(line)
            marked.append(f'<b style="color:#1c7ed6">{esc}</b>' if key in keys and ":" in line else esc)
        out.value = '<pre style="font-size:85%">' + "\n".join(marked) + "</pre>"

    pick.observe(update, names="value")
    update()
    return box
