"""The build-pipeline chapter's widget: whose credential leaked? See what it reaches, namespace by namespace."""

from __future__ import annotations

__all__ = ["blast_radius_widget"]


def blast_radius_widget(lab, identities: dict):
    """A dropdown of identities (name -> UserInfo); below, the :class:`~k8slab.pipeline.blast.BlastRadius` table.

    Returns an ``ipywidgets.VBox`` with ``w.result`` (the last BlastRadius) and ``w.show(name)``.
    """
    import ipywidgets as W

    from k8slab.pipeline.blast import blast_radius

    pick = W.Dropdown(options=list(identities), description="stolen")
    out = W.HTML()
    box = W.VBox([pick, out])
    box.result = None

    def show(name: str | None = None):
        if name is not None:
            pick.value = name
        box.result = blast_radius(lab, identities[pick.value])
        out.value = (f"<div>{box.result.reach} of {len(box.result.namespaces) * len(box.result.actions)} "
                     f"actions allowed; ships code to: {', '.join(box.result.namespaces_writable()) or 'nowhere'}"
                     f"</div>{box.result._repr_html_()}")
        return box.result

    pick.observe(lambda _c: show(), names="value")
    box.show = show
    show()
    return box
