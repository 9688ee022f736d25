"""Config drawings: when a ConfigMap change reaches each pod's files (the kubelet's syncs), and that env never does."""

from __future__ import annotations

__all__ = ["draw_propagation"]


def draw_propagation(lab, changed_at: float, ax=None, pods=None):
    """One row per pod: its kubelet syncs (ticks), the ConfigMap change (red line), the moment its mounted files
    changed (green dot) and its environment (grey bar: the value from container start, until a restart).

    ``lab.config`` (k8slab.config.propagation.ConfigSync) recorded the syncs and changes.
    """
    import matplotlib.pyplot as plt

    sync = lab.config
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 0.6 + 0.55 * max(1, len(pods or {p for _, p in sync.syncs}))))
    names = sorted(pods or {p for _, p in sync.syncs})
    end = lab.now
    for i, name in enumerate(names):
        ticks = [t for t, p in sync.syncs if p == name]
        ax.plot(ticks, [i] * len(ticks), "|", ms=14, color="#495057")
        ax.plot([min(ticks or [0]), end], [i - 0.25, i - 0.25], color="#adb5bd", lw=5, solid_capstyle="butt")
        ax.text(end, i - 0.25, "env: as at container start ", ha="right", va="center", fontsize=7, color="#495057")
        seen = [t for t, p, _v, what in sync.history if p == name and what == "updated" and t >= changed_at]
        if seen:
            ax.plot(seen[0], i, "o", color="#2b8a3e", ms=9)
            ax.annotate(f"files updated +{seen[0] - changed_at:.0f} s", (seen[0], i), xytext=(6, 6),
                        textcoords="offset points", fontsize=8, color="#2b8a3e")
    ax.axvline(changed_at, color="#c92a2a", lw=1.5)
    ax.text(changed_at, len(names) - 0.4, " ConfigMap updated", color="#c92a2a", fontsize=8, va="bottom")
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(-0.7, len(names) - 0.1)
    ax.set_xlim(-3, end)
    ax.set_xlabel("simulated seconds (ticks: kubelet pod syncs; grey: env as the container started)")
    ax.set_title("A ConfigMap change reaches mounted files at each pod's next sync; env vars never change")
    return ax
