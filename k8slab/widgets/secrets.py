"""Chapter 09 widget: pick an encryption provider, see what etcd stores for the same Secret."""

from __future__ import annotations

import html

__all__ = ["stored_with", "provider_widget", "PROVIDERS"]

PROVIDERS = ("identity", "aescbc", "aesgcm", "secretbox", "kms")
_KEY = "c2VjcmV0IGtleSAxIGZvciB0aGUgazhzbGFiIGxhYiE="


def stored_with(provider: str, seed: int = 0) -> str:
    """``etcdctl get /registry/secrets/default/db`` in a fresh lab whose apiserver encrypts with ``provider``.

    Examples
    --------
    >>> stored_with("aesgcm").splitlines()[1][:23]
    'k8s:enc:aesgcm:v1:key1:'
    """
    import k8slab as kl
    from k8slab.secrets.encryption import etcdctl_get

    lab = kl.Cluster(seed=seed, components=["k8slab.secrets:SecretsComponent"])
    if provider == "kms":
        body = {"kms": {"apiVersion": "v2", "name": "azurekmsprovider", "endpoint": "unix:///opt/azurekms.socket"}}
    elif provider == "identity":
        body = {"identity": {}}
    else:
        body = {provider: {"keys": [{"name": "key1", "secret": _KEY}]}}
    lab.encryption.configure({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration",
                              "resources": [{"resources": ["secrets"], "providers": [body]}]})
    lab.kubectl("create secret generic db --from-literal=username=admin --from-literal=password=S3cr3t!")
    return etcdctl_get(lab, "/registry/secrets/default/db")


def provider_widget():
    """Toggle buttons over :func:`stored_with`; ``w.result`` is the etcdctl output shown."""
    import ipywidgets as w

    pick = w.ToggleButtons(options=list(PROVIDERS), description="provider")
    out = w.HTML()
    box = w.VBox([pick, out])

    def update(_=None):
        box.result = stored_with(pick.value)
        out.value = f'<pre style="font-size:85%">{html.escape(box.result)}</pre>'

    pick.observe(update, names="value")
    update()
    return box
