"""Image signatures as cosign makes them: a "simple signing" payload for a digest, signed with Ed25519."""

# upstream: sigstore/cosign pkg/cosign/payload (the payload format, "cosign container image signature");
# cosign's default keys are ECDSA P-256, here Ed25519 (deterministic, and cosign supports it). Keyless signing
# with Fulcio certificates and the Rekor transparency log are not simulated.

from __future__ import annotations

import base64
import hashlib
import json

__all__ = ["SigningKey", "signature_payload", "verify", "SIGNATURE_TYPE"]

SIGNATURE_TYPE = "cosign container image signature"


def signature_payload(repository: str, digest: str, annotations: dict | None = None) -> bytes:
    """The bytes that are signed: cosign's simple-signing JSON (``critical`` identity and digest).

    Examples
    --------
    >>> signature_payload("registry.lab/shop/web", "sha256:" + "0" * 64)[:60]
    b'{"critical":{"identity":{"docker-reference":"registry.lab/sh'
    """
    body = {"critical": {"identity": {"docker-reference": repository},
                         "image": {"docker-manifest-digest": digest}, "type": SIGNATURE_TYPE},
            "optional": dict(annotations or {}) or None}
    return json.dumps(body, separators=(",", ":")).encode()


class SigningKey:
    """An Ed25519 key pair (``cryptography``); ``SigningKey.from_seed`` makes the same key every run.

    Examples
    --------
    >>> key = SigningKey.from_seed("ci")
    >>> sig = key.sign(b"hello")
    >>> verify(key.public_pem, b"hello", sig), verify(key.public_pem, b"hellO", sig)
    (True, False)
    >>> key.key_id
    'SHA256:sIVWzFE/CvKs1HJ45pt4G/MfFOAlTb3R6XFbaDmWLvM'
    """

    def __init__(self, private_key):
        self._private = private_key

    @classmethod
    def from_seed(cls, seed: str) -> "SigningKey":
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return cls(Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"k8slab/{seed}".encode()).digest()))

    @property
    def public_pem(self) -> str:
        """The public key as cosign.pub holds it (PEM, SubjectPublicKeyInfo)."""
        from cryptography.hazmat.primitives import serialization

        return self._private.public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    @property
    def key_id(self) -> str:
        """An SSH-style fingerprint of the public key: ``SHA256:<base64>``."""
        from cryptography.hazmat.primitives import serialization

        raw = self._private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")

    def sign(self, payload: bytes) -> str:
        """The base64 signature of ``payload`` (Ed25519 signatures are deterministic)."""
        return base64.b64encode(self._private.sign(payload)).decode()

    def __repr__(self) -> str:
        return f"<SigningKey ed25519 {self.key_id}>"  # never prints the private key


def verify(public_pem: str, payload: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64) is a valid Ed25519 signature of ``payload`` under the PEM public key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        load_pem_public_key(public_pem.encode()).verify(base64.b64decode(signature), payload)
        return True
    except (InvalidSignature, ValueError):
        return False
