"""Secrets drawings: stored bytes before and after encryption, the KMS v2 envelope, who can read Secrets."""

from __future__ import annotations

__all__ = ["draw_stored_bytes", "draw_envelope", "draw_who_can", "who_can_read_secrets"]


def draw_stored_bytes(before: bytes, after: bytes, ax=None):
    """Byte values of what etcd stored, before and after encryption: text bunches in printable ASCII, ciphertext
    spreads over all 256 values."""
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3))
    bins = np.arange(257)
    ax.hist(np.frombuffer(before, dtype=np.uint8), bins=bins, alpha=0.7, label=f"plaintext ({len(before)} bytes)",
            color="#1c7ed6")
    ax.hist(np.frombuffer(after, dtype=np.uint8), bins=bins, alpha=0.6, label=f"encrypted ({len(after)} bytes)",
            color="#e8590c")
    ax.axvspan(32, 126, color="#f1f3f5", zorder=0)
    ax.text(79, ax.get_ylim()[1] * 0.92, "printable ASCII", ha="center", fontsize=8, color="#495057")
    ax.set_xlabel("byte value")
    ax.set_ylabel("count")
    ax.set_xlim(0, 256)
    ax.legend(fontsize=8)
    ax.set_title("What etcd stores for one Secret")
    return ax


def draw_envelope(ax=None):
    """KMS v2 envelope encryption: the KEK never leaves the vault; it wraps a seed once, each write derives a DEK."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(12, 4))
    boxes = {
        "vault": (1.2, 2.5, "Azure Key Vault\nKEK (key-encryption key)\nnever leaves the vault", "#ffe3e3"),
        "seed": (5.0, 2.5, "DEK seed (32 random bytes)\nat apiserver start, or when\nthe KEK version changes",
                 "#fff3bf"),
        "dek": (8.8, 2.5, "a data key per write:\nHKDF-SHA256(seed, random info)", "#d3f9d8"),
        "secret": (8.8, 0.4, "the Secret's JSON\n(plaintext)", "#e7f5ff"),
        "etcd": (12.6, 1.45, "etcd value:\nk8s:enc:kms:v2:<name>:\nEncryptedObject{\n  ciphertext, keyID,\n"
                 "  wrapped seed }", "#e9ecef"),
    }
    for x, y, text, color in boxes.values():
        ax.text(x, y, text, ha="center", va="center", fontsize=8.5,
                bbox={"boxstyle": "round,pad=0.5", "fc": color, "ec": "#495057"})

    def arrow(x0, y0, x1, y1, label="", dx=0.0, dy=0.18, rad=0.0):
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops={"arrowstyle": "->", "color": "#495057", "connectionstyle": f"arc3,rad={rad}"})
        if label:
            ax.text((x0 + x1) / 2 + dx, (y0 + y1) / 2 + dy, label, ha="center", fontsize=7.5, color="#343a40")

    arrow(2.55, 2.5, 3.55, 2.5, "wraps the seed\n(one WrapKey call)", dy=0.5)
    arrow(6.45, 2.5, 7.2, 2.5, "derive", dy=0.12)
    arrow(10.35, 2.35, 11.3, 1.85, "AES-GCM key", dx=0.35, dy=0.15)
    arrow(9.75, 0.5, 11.3, 1.05, "encrypted with it", dx=0.2, dy=-0.35)
    arrow(5.0, 1.95, 11.3, 1.35, "the wrapped seed is stored with every object", dy=-0.45, rad=0.12)
    ax.set_xlim(-0.3, 14.2)
    ax.set_ylim(-0.3, 3.3)
    ax.axis("off")
    ax.set_title("KMS v2 envelope encryption (reads unwrap a seed once, then cache it)")
    return ax


def who_can_read_secrets(lab, subjects: list[dict], namespace: str = "default",
                         verbs=("get", "list", "watch", "create")):
    """A boolean matrix subjects x verbs on Secrets, from upstream's default ClusterRoles plus the lab's RBAC objects.

    ``subjects`` are RBAC subject dicts (``{"kind": "User", "name": "dev"}``, ServiceAccount, Group).
    """
    from k8slab.apiserver.bootstrap_policy import default_policy
    from k8slab.apiserver.rbac import RBACAuthorizer

    objs = list(default_policy())
    for res in ("roles", "rolebindings", "clusterroles", "clusterrolebindings"):
        objs += lab.api.list(lab.api.resource(res))
    authz = RBACAuthorizer(objs)
    return authz.who_can_matrix(subjects, [f"{v} secrets" for v in verbs], namespace=namespace)


def draw_who_can(lab, subjects: list[dict], namespace: str = "default", ax=None,
                 verbs=("get", "list", "watch", "create")):
    """Heatmap of :func:`who_can_read_secrets`: anyone who can ``get`` or ``list`` Secrets can read them all."""
    import matplotlib.pyplot as plt

    m = who_can_read_secrets(lab, subjects, namespace, verbs)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 0.6 + 0.5 * len(subjects)))
    ax.imshow(m, cmap="RdYlGn_r", vmin=0, vmax=1, aspect="auto")
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(j, i, "yes" if m[i, j] else "no", ha="center", va="center", fontsize=9)
    ax.set_xticks(range(len(verbs)), [f"{v} secrets" for v in verbs])
    ax.set_yticks(range(len(subjects)), [f"{s['kind']} {s.get('namespace', '') + '/' if s.get('namespace') else ''}"
                                         f"{s['name']}" for s in subjects])
    ax.set_title(f"Who can read Secrets in namespace {namespace}")
    return ax
