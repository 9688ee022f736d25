"""Encryption at rest: an EncryptionConfiguration's providers (identity, aescbc, aesgcm, secretbox, kms v2) on etcd."""

# upstream: staging/src/k8s.io/apiserver/pkg/server/options/encryptionconfig/config.go (prefixes, provider order),
# pkg/storage/value/encrypt/aes (aes_cbc.go, aes.go), pkg/storage/value/encrypt/secretbox,
# pkg/storage/value/encrypt/envelope/kmsv2 (envelope.go, api.proto EncryptedObject)

from __future__ import annotations

import base64
import random

import yaml

from k8slab.errors import Invalid, K8sLabError

__all__ = ["InternalError", "EncryptionAtRest", "parse_encryption_config", "Provider", "etcdctl_get", "generate_key", "PREFIXES"]

PREFIXES = {"aescbc": "k8s:enc:aescbc:v1:", "aesgcm": "k8s:enc:aesgcm:v1:", "secretbox": "k8s:enc:secretbox:v1:",
            "kms": "k8s:enc:kms:v2:"}


class InternalError(K8sLabError):
    """A storage transformer failed (metav1.StatusReasonInternalError, HTTP 500)."""

    reason = "InternalError"


class Provider:
    """One provider entry with one key: ``name`` is the key (or KMS plugin) name written in the prefix."""

    def __init__(self, kind: str, name: str = "", secret: bytes = b"", kms=None, rng: random.Random | None = None):
        self.kind, self.name, self.secret, self.kms = kind, name, secret, kms
        self.rng = rng or random.Random(0)
        self.prefix = b"" if kind == "identity" else f"{PREFIXES[kind]}{name}:".encode()

    def __repr__(self) -> str:
        return f"<Provider {self.kind}{':' + self.name if self.name else ''}>"

    def encrypt(self, key: str, data: bytes) -> bytes:
        from cryptography.hazmat.primitives import padding
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if self.kind == "identity":
            return data
        if self.kind == "aescbc":
            iv = self.rng.randbytes(16)
            padder = padding.PKCS7(128).padder()
            padded = padder.update(data) + padder.finalize()
            enc = Cipher(algorithms.AES(self.secret), modes.CBC(iv)).encryptor()
            return self.prefix + iv + enc.update(padded) + enc.finalize()
        if self.kind == "aesgcm":
            nonce = self.rng.randbytes(12)
            return self.prefix + nonce + AESGCM(self.secret).encrypt(nonce, data, key.encode())
        if self.kind == "secretbox":
            from k8slab.secrets.secretbox import seal

            nonce = self.rng.randbytes(24)
            return self.prefix + nonce + seal(data, nonce, self.secret)
        return self.prefix + self.kms.encrypt(key, data)

    def decrypt(self, key: str, stored: bytes) -> bytes:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives import padding
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        body = stored[len(self.prefix):]
        if self.kind == "identity":
            return stored
        if self.kind == "aescbc":
            dec = Cipher(algorithms.AES(self.secret), modes.CBC(body[:16])).decryptor()
            padded = dec.update(body[16:]) + dec.finalize()
            unpadder = padding.PKCS7(128).unpadder()
            try:
                return unpadder.update(padded) + unpadder.finalize()
            except ValueError:
                raise ValueError("invalid PKCS7 data (empty or not padded)") from None
        if self.kind == "aesgcm":
            try:
                return AESGCM(self.secret).decrypt(body[:12], body[12:], key.encode())
            except InvalidTag:
                raise ValueError("cipher: message authentication failed") from None
        if self.kind == "secretbox":
            from k8slab.secrets.secretbox import open_box

            return open_box(body[24:], body[:24], self.secret)
        return self.kms.decrypt(key, body)


def _key_bytes(kind: str, name: str, secret_b64: str, path: str) -> bytes:
    try:
        raw = base64.b64decode(secret_b64, validate=True)
    except (ValueError, TypeError):
        raise Invalid(f"{path}.secret: Invalid value: \"REDACTED\": secrets must be base64 encoded", []) from None
    ok = (16, 24, 32) if kind in ("aescbc", "aesgcm") else (32,)
    if len(raw) not in ok:
        want = "16, 24 or 32" if kind != "secretbox" else "32"
        raise Invalid(f"{path}.secret: Invalid value: \"REDACTED\": secret is not of the expected length, got "
                      f"{len(raw)}, expected one of [{want}]", [])
    return raw


def parse_encryption_config(text_or_dict, vault=None, rng: random.Random | None = None
                            ) -> dict[str, list[Provider]]:
    """Resource name -> providers in order (the first writes; all read), from an EncryptionConfiguration.

    ``vault`` is the simulated key vault the ``kms`` providers use (see :mod:`k8slab.secrets.kms`).

    Examples
    --------
    >>> cfg = '''
    ... apiVersion: apiserver.config.k8s.io/v1
    ... kind: EncryptionConfiguration
    ... resources:
    ... - resources: [secrets]
    ...   providers:
    ...   - aescbc: {keys: [{name: key1, secret: MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=}]}
    ...   - identity: {}
    ... '''
    >>> parse_encryption_config(cfg)
    {'secrets': [<Provider aescbc:key1>, <Provider identity>]}
    """
    cfg = yaml.safe_load(text_or_dict) if isinstance(text_or_dict, str) else text_or_dict
    if not isinstance(cfg, dict) or cfg.get("kind") != "EncryptionConfiguration" or cfg.get("apiVersion") not in (
            "apiserver.config.k8s.io/v1", "apiserver.k8s.io/v1"):
        raise K8sLabError("error while parsing encryption provider configuration file: not an EncryptionConfiguration "
                          "of apiserver.config.k8s.io/v1")
    rng = rng or random.Random(0)
    out: dict[str, list[Provider]] = {}
    for i, entry in enumerate(cfg.get("resources") or ()):
        providers: list[Provider] = []
        for j, p in enumerate(entry.get("providers") or ()):
            (kind, body), = p.items()
            path = f"resources[{i}].providers[{j}].{kind}"
            if kind == "identity":
                providers.append(Provider("identity"))
            elif kind in ("aescbc", "aesgcm", "secretbox"):
                for k, key in enumerate((body or {}).get("keys") or ()):
                    providers.append(Provider(kind, key["name"], _key_bytes(kind, key["name"], key["secret"],
                                                                             f"{path}.keys[{k}]"), rng=rng))
            elif kind == "kms":
                if (body or {}).get("apiVersion", "v1") != "v2":
                    raise K8sLabError(f"{path}.apiVersion: KMS v1 is deprecated and not simulated: use apiVersion: v2")
                from k8slab.secrets.kms import KMSv2

                if vault is None:
                    raise K8sLabError(f"{path}: no key vault for the KMS plugin {body.get('name')!r}")
                providers.append(Provider("kms", body["name"], kms=KMSv2(body["name"], vault, rng), rng=rng))
            else:
                raise K8sLabError(f"{path}: provider {kind!r} is not known")
        for r in entry.get("resources") or ():
            out[r] = providers
    return out


class EncryptionAtRest:
    """kube-apiserver's ``--encryption-provider-config`` on the lab's etcd (``lab.encryption``).

    Examples
    --------
    >>> import k8slab as kl
    >>> lab = kl.Cluster()
    >>> enc = EncryptionAtRest(lab)
    >>> enc.configure({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration",
    ...     "resources": [{"resources": ["secrets"], "providers": [{"aesgcm": {"keys": [
    ...         {"name": "key1", "secret": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}]}}, {"identity": {}}]}]})
    >>> _ = lab.kubectl("create secret generic db --from-literal=password=hunter2")
    >>> lab.etcd.get("/registry/secrets/default/db")[:23]
    b'k8s:enc:aesgcm:v1:key1:'
    """

    def __init__(self, lab):
        self.lab = lab
        self.rng = random.Random(f"{lab.seed}-encryption")
        self.providers: dict[str, list[Provider]] = {}
        self.vault = None

    def configure(self, config) -> None:
        """Restart the apiserver with this EncryptionConfiguration (YAML text or dict); existing data stays as stored."""
        self.providers = parse_encryption_config(config, self.vault, self.rng)
        self.lab.etcd.transform_to_storage = self._to_storage if self.providers else None
        self.lab.etcd.transform_from_storage = self._from_storage if self.providers else None

    def _resource(self, key: str) -> str | None:
        parts = key.split("/")
        return parts[2] if len(parts) > 2 and parts[2] in self.providers else None

    def _to_storage(self, key: str, data: bytes) -> bytes:
        res = self._resource(key)
        if res is None or not self.providers[res]:
            return data
        return self.providers[res][0].encrypt(key, data)

    def _from_storage(self, key: str, stored: bytes) -> bytes:
        res = self._resource(key)
        if res is None:
            return stored
        for p in self.providers[res]:  # upstream: prefix transformers, the first whose prefix matches
            if p.prefix and stored.startswith(p.prefix):
                return p.decrypt(key, stored)
        if any(p.kind == "identity" for p in self.providers[res]) and not stored.startswith(b"k8s:enc:"):
            return stored
        raise InternalError(f"Internal error occurred: unable to transform key \"{key}\": no matching prefix found")

    def rewrite(self, resource: str = "secrets") -> int:
        """Rewrite every object of a resource with the current first provider (``kubectl get secrets -A -o json |
        kubectl replace -f -``): the last step of key rotation. Returns how many were rewritten."""
        return self.lab.etcd.rewrite_all(f"/registry/{resource}/")

    def provider_of(self, key: str) -> str:
        """Which provider (and key) wrote what is stored under ``key``: ``aescbc:key1``, ``identity``..."""
        raw = self.lab.etcd.get(key) or b""
        if not raw.startswith(b"k8s:enc:"):
            return "identity"
        _k8s, _enc, kind, _v, name = raw.split(b":", 5)[:5]
        return f"{kind.decode()}:{name.decode()}"


def generate_key(rng: random.Random) -> str:
    """A fresh base64 32-byte key, as ``head -c 32 /dev/urandom | base64`` (drawn from the lab's seeded RNG).

    Examples
    --------
    >>> len(base64.b64decode(generate_key(random.Random(0))))
    32
    """
    return base64.b64encode(rng.randbytes(32)).decode()


def etcdctl_get(lab, key: str, width: int = 64) -> str:
    """What ``etcdctl get KEY`` prints: the key, then the stored bytes (unprintable bytes as ``.``), wrapped.

    Examples
    --------
    >>> import k8slab as kl
    >>> lab = kl.Cluster()
    >>> _ = lab.kubectl("create secret generic db --from-literal=password=hunter2")
    >>> print(etcdctl_get(lab, "/registry/secrets/default/db", width=80).splitlines()[0])
    /registry/secrets/default/db
    """
    raw = lab.etcd.get(key)
    if raw is None:
        return ""
    text = "".join(chr(b) if 32 <= b < 127 else "." for b in raw)
    return key + "\n" + "\n".join(text[i:i + width] for i in range(0, len(text), width))
