"""A privileged build pipeline: an image registry with digests, Ed25519 signing, promotion, and its blast radius."""

from k8slab.pipeline.blast import blast_radius
from k8slab.pipeline.pipeline import ENVIRONMENTS, BuildPipeline, signed_images_check
from k8slab.pipeline.registry import ImageRegistry, RegistryError
from k8slab.pipeline.signing import SigningKey, verify

__all__ = ["ImageRegistry", "RegistryError", "SigningKey", "verify", "BuildPipeline", "ENVIRONMENTS",
           "signed_images_check", "blast_radius"]
