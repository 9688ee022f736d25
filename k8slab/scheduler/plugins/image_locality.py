"""ImageLocality: favours nodes that already hold the pod's container images, scaled by how widespread they are."""

from __future__ import annotations

import numpy as np

from ..nodeinfo import normalized_image_name
from ..status import MAX_NODE_SCORE
from .base import Plugin

__all__ = ["ImageLocality", "image_locality_score"]

# upstream: pkg/scheduler/framework/plugins/imagelocality/image_locality.go
MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB


def image_locality_score(images: list[str], node_images: dict[str, int], image_nodes: dict[str, int],
                         total_nodes: int) -> int:
    """Score from the sizes of the pod's images present on the node, each scaled by spread = nodes having it / all.

    upstream: image_locality.go sumImageScores, scaledImageScore, calculatePriority

    Examples
    --------
    >>> image_locality_score(["app:1"], {"app:1": 500 * MB}, {"app:1": 1}, 1)
    48
    >>> image_locality_score(["app:1"], {}, {}, 3)
    0
    """
    total = 0
    for img in images:
        name = normalized_image_name(img)
        size = node_images.get(name)
        if size is not None:
            spread = image_nodes.get(name, 0) / total_nodes
            total += int(size * spread)
    max_threshold = MAX_CONTAINER_THRESHOLD * len(images)
    total = min(max(total, MIN_THRESHOLD), max_threshold)
    return MAX_NODE_SCORE * (total - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)


class ImageLocality(Plugin):
    """Score only (no normalization)."""

    name = "ImageLocality"
    points = ("score",)

    def score(self, state, pod, ni):
        return image_locality_score(pod.images, ni.images, state["image_nodes"], state["total_nodes"])

    def score_vec(self, state, pod, snap, idx):
        if not snap.any_images:
            return np.zeros(len(idx), dtype=np.int64)
        return np.array([self.score(state, pod, snap.infos[i]) for i in idx], dtype=np.int64)
