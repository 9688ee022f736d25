"""Chapter 06 widget: ask for a claim (size, access mode, class) and see which PersistentVolume would bind, and why."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ClaimPreview", "claim_preview", "claim_widget"]


@dataclass
class ClaimPreview:
    """What the PV controller would do with a new claim: bind ``volume``, provision, wait, or stay Pending."""

    outcome: str  # bind | provision | wait | pending
    volume: str | None
    reason: str

    def __repr__(self) -> str:
        return f"{self.outcome}: {self.reason}"


def claim_preview(lab, size: str, access_mode: str = "ReadWriteOnce", storage_class: str = "",
                  selector: dict | None = None) -> ClaimPreview:
    """Run upstream's matching (k8slab.storage.matching) on the lab's volumes for a claim that is not created.

    Examples
    --------
    >>> import k8slab as kl
    >>> lab = kl.Cluster()
    >>> claim_preview(lab, "1Gi")
    pending: no persistent volumes available for this claim and no storage class is set
    """
    from k8slab.storage.matching import VolumeIndex
    from k8slab.storage.pv_controller import MSG_NO_CLASS, MSG_WAIT_FIRST_CONSUMER, is_delay_binding

    claim = {"metadata": {"name": "preview", "namespace": "default", "uid": "preview"},
             "spec": {"accessModes": [access_mode], "resources": {"requests": {"storage": size}},
                      "storageClassName": storage_class}}
    if selector:
        claim["spec"]["selector"] = selector
    idx = VolumeIndex()
    for pv in lab.api.list(lab.api.resource("persistentvolumes")):
        idx.add(pv)
    classes = {c["metadata"]["name"]: c for c in lab.api.list(lab.api.resource("storageclasses"))}
    delay = is_delay_binding(claim, classes)
    pv = idx.find_best_match(claim, delay)
    if pv is not None:
        return ClaimPreview("bind", pv["metadata"]["name"],
                            f"{pv['metadata']['name']} ({pv['spec']['capacity']['storage']}) is the smallest "
                            "Available volume that fits")
    if delay:
        return ClaimPreview("wait", None, MSG_WAIT_FIRST_CONSUMER)
    if storage_class:
        cls = classes.get(storage_class)
        if cls is None:
            return ClaimPreview("pending", None, f'storageclass.storage.k8s.io "{storage_class}" not found')
        return ClaimPreview("provision", None, f"no volume fits: {cls.get('provisioner')} will create one")
    return ClaimPreview("pending", None, MSG_NO_CLASS)


def claim_widget(lab):
    """Sliders and menus over :func:`claim_preview`; the last preview is ``w.result``."""
    import ipywidgets as w

    classes = [""] + sorted(c["metadata"]["name"] for c in lab.api.list(lab.api.resource("storageclasses")))
    size = w.SelectionSlider(options=["1Gi", "2Gi", "5Gi", "10Gi", "20Gi", "50Gi", "100Gi"], value="5Gi",
                             description="size")
    mode = w.Dropdown(options=["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"],
                      description="access")
    cls = w.Dropdown(options=classes, description="class")
    out = w.HTML()
    box = w.VBox([w.HBox([size, mode, cls]), out])

    def update(_=None):
        box.result = claim_preview(lab, size.value, mode.value, cls.value)
        color = {"bind": "#2b8a3e", "provision": "#1c7ed6", "wait": "#e67700", "pending": "#c92a2a"}
        out.value = (f'<b style="color:{color[box.result.outcome]}">{box.result.outcome}</b>: '
                     f"{box.result.reason}")

    for c in (size, mode, cls):
        c.observe(update, names="value")
    update()
    return box
