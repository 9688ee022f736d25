"""Secrets: encryption at rest (EncryptionConfiguration, KMS v2 with a simulated key vault), Secrets Store CSI."""

from __future__ import annotations

import base64

from k8slab._lazy import lazy_getattr
from k8slab.controllers.base import Component

__all__ = ["SecretsComponent", "etcdctl_get", "decode_encrypted_object"]

#: names chapters import from here, loaded on first use
__getattr__ = lazy_getattr(globals(), {"etcdctl_get": ".encryption", "decode_encrypted_object": ".kms"})


class SecretsComponent(Component):
    """Wires the secrets area into a lab: ``lab.encryption``, ``lab.key_vault``, ``lab.secrets_store``.

    It also does what the apiserver does to Secrets on the way in: ``stringData`` merged into ``data`` (upstream:
    pkg/apis/core/v1/conversion.go Convert_v1_Secret_To_core_Secret), and it refuses changes to immutable
    ConfigMaps and Secrets (upstream: pkg/apis/core/validation ValidateConfigMapUpdate / ValidateSecretUpdate).
    """

    name = "secrets"

    def attach(self, lab) -> None:
        import random

        from k8slab.secrets.csi_store import SecretsStore
        from k8slab.secrets.encryption import EncryptionAtRest
        from k8slab.secrets.kms import KeyVault

        self.lab = lab
        lab.encryption = EncryptionAtRest(lab)
        lab.key_vault = KeyVault("k8slab-kv", random.Random(f"{lab.seed}-keyvault"))
        lab.encryption.vault = lab.key_vault
        lab.secrets_store = SecretsStore(lab)
        lab.api.mutating_admission.insert(0, _string_data)
        lab.api.validating_admission.append(_immutable)


def _string_data(req) -> None:
    if req.resource.kind != "Secret" or not req.obj or "stringData" not in req.obj:
        return
    data = req.obj.setdefault("data", {}) or {}
    for k, v in (req.obj.pop("stringData") or {}).items():
        data[k] = base64.b64encode(str(v).encode()).decode()
    req.obj["data"] = data


def _immutable(req) -> None:
    from k8slab.errors import Invalid

    if req.verb in ("create", "delete") or req.old is None or req.resource.kind not in ("ConfigMap", "Secret"):
        return
    old, new = req.old, req.obj
    errs = []
    if req.resource.kind == "Secret" and old.get("type", "Opaque") != new.get("type", "Opaque"):
        errs.append(f'type: Invalid value: "{new.get("type")}": field is immutable')
    if old.get("immutable"):
        if not new.get("immutable"):
            errs.append("immutable: Forbidden: field is immutable when `immutable` is set")
        if (new.get("data") or {}) != (old.get("data") or {}):
            errs.append("data: Forbidden: field is immutable when `immutable` is set")
        if req.resource.kind == "ConfigMap" and (new.get("binaryData") or {}) != (old.get("binaryData") or {}):
            errs.append("binaryData: Forbidden: field is immutable when `immutable` is set")
    if errs:
        from k8slab.apiserver.field import aggregate

        raise Invalid(f'The {req.resource.kind} "{req.name}" is invalid: {aggregate(errs)}', errs)
