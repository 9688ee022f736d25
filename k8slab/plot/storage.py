"""Storage drawings: the PV/PVC binding state machine, and where volumes and pods sit across zones."""

from __future__ import annotations

__all__ = ["draw_binding_state_machine", "draw_volumes_by_zone", "BINDING_TRANSITIONS"]

#: (from, to, what makes it happen), for PersistentVolumeClaims ("pvc") and PersistentVolumes ("pv")
BINDING_TRANSITIONS = [
    ("pvc", "Pending", "Bound", "a matching PV is bound\n(or provisioned)"),
    ("pvc", "Bound", "Lost", "its PV is deleted"),
    ("pv", "Pending", "Available", "created, no claim"),
    ("pv", "Available", "Bound", "claimRef set"),
    ("pv", "Bound", "Released", "claim deleted"),
    ("pv", "Released", "(deleted)", "reclaimPolicy: Delete"),
    ("pv", "Released", "Failed", "reclaim failed"),
]
_POS = {("pvc", "Pending"): (0, 1), ("pvc", "Bound"): (2, 1), ("pvc", "Lost"): (4, 1),
        ("pv", "Pending"): (-1, 0), ("pv", "Available"): (0.6, 0), ("pv", "Bound"): (2, 0),
        ("pv", "Released"): (3.4, 0), ("pv", "(deleted)"): (5, 0.45), ("pv", "Failed"): (5, -0.45)}
_COLOR = {"Pending": "#ffe8a3", "Bound": "#b2f2bb", "Available": "#a5d8ff", "Released": "#ffc9c9",
          "Lost": "#ffa8a8", "Failed": "#ffa8a8", "(deleted)": "#e9ecef"}


def draw_binding_state_machine(ax=None):
    """The phases a claim and a volume go through (upstream pv_controller.go), one row each.

    Retain keeps a Released volume (with its data) until an administrator deletes it; Delete removes the volume
    and the disk behind it.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = draw_binding_state_machine()
    >>> sorted(t.get_text() for t in ax.texts if t.get_text() in ("Released", "Lost"))
    ['Lost', 'Released']
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(11, 3.6))
    for (kind, phase), (x, y) in _POS.items():
        ax.text(x, y, phase, ha="center", va="center", fontsize=10, zorder=3,
                bbox={"boxstyle": "round,pad=0.4", "fc": _COLOR[phase], "ec": "#495057"})
    for kind, a, b, why in BINDING_TRANSITIONS:
        (x0, y0), (x1, y1) = _POS[(kind, a)], _POS[(kind, b)]
        ax.annotate("", xy=(x1 - 0.42 * (1 if x1 > x0 else 0), y1), xytext=(x0 + 0.42, y0),
                    arrowprops={"arrowstyle": "->", "color": "#495057"})
        tx, ty = (x0 + x1) / 2, (y0 + y1) / 2 + 0.13
        if y0 != y1:  # the diagonal arrows out of Released: label them beside their end
            tx, ty = x1, y1 + (0.2 if y1 > y0 else -0.33)
        ax.text(tx, ty, why, ha="center", va="bottom", fontsize=7.5, color="#343a40")
    ax.plot([2, 2], [0.18, 0.82], ls=":", color="#2b8a3e")
    ax.text(2.05, 0.5, "bound together:\nclaim.spec.volumeName\npv.spec.claimRef", fontsize=7.5, color="#2b8a3e",
            va="center")
    ax.text(3.4, -0.33, "Retain: stays Released\n(data kept)", ha="center", va="top", fontsize=7.5, color="#c92a2a")
    ax.text(-1.6, 1, "PVC", fontsize=11, weight="bold", va="center")
    ax.text(-1.6, 0, "PV", fontsize=11, weight="bold", va="center")
    ax.set_xlim(-1.8, 5.7)
    ax.set_ylim(-0.9, 1.45)
    ax.axis("off")
    ax.set_title("PersistentVolumeClaim and PersistentVolume phases")
    return ax


def _zone(node: dict) -> str:
    return ((node.get("metadata") or {}).get("labels") or {}).get("topology.kubernetes.io/zone", "")


def draw_volumes_by_zone(lab, ax=None):
    """Nodes in their zones with their pods, and each PV over the zones its node affinity allows.

    A zonal (LRS) disk covers one zone: only pods on nodes there can use it. A ZRS disk or an Azure Files share
    covers every zone.
    """
    import matplotlib.pyplot as plt

    from k8slab.storage.matching import check_node_affinity

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.2))
    nodes = sorted(lab.api.list(lab.api.resource("nodes")), key=lambda n: (_zone(n), n["metadata"]["name"]))
    zones = sorted({_zone(n) for n in nodes})
    pods = lab.api.list(lab.api.resource("pods"))
    for zi, z in enumerate(zones):
        ax.add_patch(plt.Rectangle((zi - 0.48, -0.1), 0.96, 2.4, fc="#f1f3f5", ec="#adb5bd"))
        ax.text(zi, 2.2, f"zone {z}", ha="center", va="center", fontsize=10, weight="bold")
        for ni, n in enumerate([n for n in nodes if _zone(n) == z]):
            name = n["metadata"]["name"]
            mine = sorted(p["metadata"]["name"] for p in pods if (p.get("spec") or {}).get("nodeName") == name)
            y = 1.75 - ni * 0.5
            ax.text(zi, y, name.split("-")[-1] + ("\n" + ", ".join(mine) if mine else ""), ha="center",
                    va="center", fontsize=8, bbox={"boxstyle": "round", "fc": "white", "ec": "#868e96"})
    pvs = sorted(lab.api.list(lab.api.resource("persistentvolumes")), key=lambda v: v["metadata"]["name"])
    for vi, pv in enumerate(pvs):
        ok = [i for i, z in enumerate(zones)
              if any(check_node_affinity(pv, n["metadata"].get("labels") or {}, n["metadata"]["name"])
                     for n in nodes if _zone(n) == z)]
        if not ok:
            continue
        y = 0.55 - vi * 0.3
        claim = (pv["spec"].get("claimRef") or {}).get("name", "-")
        sku = ((pv["spec"].get("csi") or {}).get("volumeAttributes") or {}).get("skuName", "")
        ax.add_patch(plt.Rectangle((min(ok) - 0.44, y - 0.11), max(ok) - min(ok) + 0.88, 0.22,
                                   fc="#d0ebff" if len(ok) > 1 else "#ffd8a8", ec="#1c7ed6"))
        ax.text((min(ok) + max(ok)) / 2, y, f"{claim} ({sku}, {pv['status'].get('phase')})", ha="center",
                va="center", fontsize=8)
    ax.set_xlim(-0.6, max(len(zones), 1) - 0.4)
    ax.set_ylim(min(-0.2, 0.4 - 0.3 * len(pvs)), 2.45)
    ax.axis("off")
    ax.set_title("Nodes, pods and the zones each PersistentVolume can be used from")
    return ax
