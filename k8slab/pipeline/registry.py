"""A simulated OCI registry: repositories, tags, content-addressed digests, cosign signatures, push permissions."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from k8slab.pipeline.signing import SigningKey, signature_payload, verify

__all__ = ["ImageRegistry", "RegistryError", "Image"]


class RegistryError(Exception):
    """What a registry client prints on a refused push or a missing tag."""


@dataclass
class Image:
    """One pushed manifest: where it lives, its digest, its tags and the signatures attached to it."""

    repository: str
    digest: str
    config: dict
    tags: set[str] = field(default_factory=set)
    signatures: list[dict] = field(default_factory=list)

    @property
    def reference(self) -> str:
        """The image pinned by digest: ``registry/repo@sha256:...``."""
        return f"{self.repository}@{self.digest}"


class ImageRegistry:
    """A registry such as Azure Container Registry: ``push`` needs a grant (AcrPush), pulls are open.

    Digests are sha256 of the image manifest, as OCI defines them: the same content always gets the same
    digest; a tag is a movable name for a digest. Signatures are stored next to the image, as cosign stores
    them (the ``sha256-<hex>.sig`` tag). Layers, blobs and the HTTP API are not simulated.

    Examples
    --------
    >>> reg = ImageRegistry("registry.lab")
    >>> reg.grant("ci", "shop/")
    >>> img = reg.push("ci", "shop/web", "1.0", {"app": "web", "commit": "a1b2c3"})
    >>> img.reference
    'registry.lab/shop/web@sha256:7ee1c7201efcd36066425e515e0cad396fb090ab5c515acdecfe8faecfe75cd6'
    >>> reg.resolve("registry.lab/shop/web:1.0") == img.digest
    True
    """

    def __init__(self, host: str = "registry.lab"):
        self.host = host
        self.images: dict[str, Image] = {}  # "repository@digest" -> Image
        self._tags: dict[tuple[str, str], str] = {}  # (repository, tag) -> digest
        self._grants: dict[str, list[str]] = {}  # identity -> repository prefixes it may push to

    def __repr__(self) -> str:
        return f"<ImageRegistry {self.host}: {len(self.images)} images>"

    def grant(self, identity: str, prefix: str = "") -> None:
        """Let ``identity`` push to repositories starting with ``prefix`` (an AcrPush role assignment)."""
        self._grants.setdefault(identity, []).append(prefix)

    def can_push(self, identity: str, path: str) -> bool:
        return any(path.startswith(p) for p in self._grants.get(identity, ()))

    def push(self, identity: str, path: str, tag: str, config: dict) -> Image:
        """Push an image built from ``config`` (what the build produced) as ``path:tag``; returns it."""
        if not self.can_push(identity, path):
            # what docker/oras print for a push without AcrPush
            raise RegistryError(f"denied: requested access to the resource is denied: {identity} may not push to "
                                f"{self.host}/{path}")
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                               "digest": "sha256:" + hashlib.sha256(_canonical(config)).hexdigest()}}
        digest = "sha256:" + hashlib.sha256(_canonical(manifest)).hexdigest()
        repository = f"{self.host}/{path}"
        image = self.images.setdefault(f"{repository}@{digest}", Image(repository, digest, dict(config)))
        image.tags.add(tag)
        self._tags[(repository, tag)] = digest
        return image

    def resolve(self, reference: str) -> str | None:
        """The digest an image reference points at now (a digest reference resolves to itself); None if unknown."""
        if "@" in reference:
            repo, digest = reference.split("@", 1)
            return digest if f"{repo}@{digest}" in self.images else None
        name, _, tag = reference.rpartition(":")
        if not name or "/" in tag:
            name, tag = reference, "latest"
        return self._tags.get((name, tag))

    def get(self, reference: str) -> Image | None:
        digest = self.resolve(reference)
        if digest is None:
            return None
        repository = reference.split("@", 1)[0] if "@" in reference else reference.rpartition(":")[0] or reference
        return self.images.get(f"{repository}@{digest}")

    def sign(self, identity: str, reference: str, key: SigningKey, annotations: dict | None = None) -> dict:
        """Sign the digest a reference resolves to (``cosign sign --key``); signing needs push rights."""
        image = self.get(reference)
        if image is None:
            raise RegistryError(f"{reference}: not found")
        if not self.can_push(identity, image.repository.removeprefix(self.host + "/")):
            raise RegistryError(f"denied: {identity} may not write signatures to {image.repository}")
        payload = signature_payload(image.repository, image.digest, annotations)
        sig = {"payload": payload.decode(), "signature": key.sign(payload), "keyId": key.key_id}
        image.signatures.append(sig)
        return sig

    def verify(self, reference: str, public_pem: str) -> bool:
        """``cosign verify --key``: a signature by that key over this repository and digest exists."""
        image = self.get(reference)
        if image is None:
            return False
        wanted = signature_payload(image.repository, image.digest)
        for sig in image.signatures:
            payload = sig["payload"].encode()
            body = json.loads(payload)
            if body["critical"] != json.loads(wanted)["critical"]:
                continue
            if verify(public_pem, payload, sig["signature"]):
                return True
        return False

    def tags(self, path: str) -> list[str]:
        repository = f"{self.host}/{path}"
        return sorted(t for (r, t) in self._tags if r == repository)


def _canonical(obj: dict) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()
