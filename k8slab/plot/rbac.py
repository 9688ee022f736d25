"""RBAC drawings: the who-can matrix of personas x actions, and a credential's blast radius, as heatmaps."""

from __future__ import annotations

__all__ = ["plot_who_can", "plot_blast_radius", "plot_access_matrix"]

_YES, _NO = "#51cf66", "#f1f3f5"


def _short(action: str) -> str:
    """``create rolebindings.rbac.authorization.k8s.io`` -> ``create\nrolebindings`` (the group left out)."""
    verb, _, target = action.partition(" ")
    resource, _, sub = target.partition("/")
    return f"{verb}\n{resource.split('.')[0]}" + (f"/{sub}" if sub else "")


def plot_access_matrix(rows, cols, allowed, ax=None, title: str = "", yes: str = _YES, no: str = _NO):
    """A boolean matrix drawn as coloured cells labelled yes/no; rows and cols are the tick labels."""
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import ListedColormap

    data = np.asarray(allowed, dtype=bool)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.1 * len(cols) + 2.2, 0.55 * len(rows) + 1.8))
    ax.imshow(data.astype(int), cmap=ListedColormap([no, yes]), vmin=0, vmax=1, aspect="auto")
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            ax.text(j, i, "yes" if data[i, j] else "no", ha="center", va="center", fontsize=9,
                    color="#1b4332" if data[i, j] else "#868e96")
    ax.set_xticks(range(len(cols)), [_short(c) for c in cols], fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=9)
    ax.set_xticks(np.arange(-0.5, len(cols)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(rows)), minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    ax.xaxis.tick_top()
    if title:
        ax.set_title(title, fontsize=11, pad=12, loc="left")
    return ax


def plot_who_can(matrix, ax=None):
    """Heatmap of a :class:`~k8slab.apiserver.personas.WhoCan` matrix (personas x actions in one namespace).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import k8slab as kl
    >>> from k8slab.apiserver.personas import load_personas, who_can
    >>> lab = kl.Cluster(seed=0, components=[])
    >>> _ = load_personas(lab)
    >>> ax = plot_who_can(who_can(lab, "prod"))
    >>> ax.get_title(loc="left")
    'Who can do what in namespace "prod"'
    """
    return plot_access_matrix(matrix.subjects, matrix.actions, matrix.allowed, ax,
                              f'Who can do what in namespace "{matrix.namespace}"')


def plot_blast_radius(radius, ax=None):
    """Heatmap of a :class:`~k8slab.pipeline.blast.BlastRadius`: what a credential reaches, per namespace."""
    name = getattr(radius.user, "name", str(radius.user))
    return plot_access_matrix(radius.namespaces, radius.actions, radius.allowed, ax,
                              f"Blast radius of {name}: {radius.reach} of "
                              f"{len(radius.namespaces) * len(radius.actions)} actions allowed",
                              yes="#ff8787")
