"""The kubelet's image manager: pull policy, the node's image cache, the serial puller and pull back-off."""

from __future__ import annotations

import base64
import json
from functools import lru_cache

from k8slab.kubelet.backoff import IMAGE_BACKOFF, MAX_CONTAINER_BACKOFF, Backoff, go_duration
from k8slab.registry import ImageRef, parse_image

__all__ = ["ImageManager", "default_tag", "pull_credentials"]


def default_tag(image: str) -> str:
    """The image as the kubelet names it in events: ``nginx`` -> ``nginx:latest`` (no registry added).

    upstream: pkg/kubelet/images/image_manager.go applyDefaultImageTag

    Examples
    --------
    >>> default_tag("nginx"), default_tag("nginx:1.27"), default_tag("ghcr.io/k8slab/web")
    ('nginx:latest', 'nginx:1.27', 'ghcr.io/k8slab/web:latest')
    """
    try:
        ref = parse_image(image)
    except ValueError as e:
        raise ValueError(f'couldn\'t parse image name "{image}": {e}') from None
    if not ref.digest and ref.tag and not image.endswith(":" + ref.tag):
        return f"{image}:{ref.tag}"
    return image


@lru_cache(maxsize=4096)
def _resolve(requested: str) -> tuple[str, ImageRef, str]:
    """(the image as events name it, its parsed reference, the reference as the node's cache keys it).

    Performance only: what :meth:`ImageManager.ensure` computes for every container start, once per image text
    (a ValueError is raised as by :func:`default_tag` and :func:`parse_image`, and not cached).
    """
    image = default_tag(requested)
    ref = parse_image(requested)
    return image, ref, str(ref)


def pull_credentials(api, pod: dict) -> tuple[set[str], list[str]]:
    """Registry hosts the pod's imagePullSecrets hold credentials for, and the secrets that could not be read.

    upstream: pkg/kubelet/kubelet_pods.go getPullSecretsForPod; pkg/credentialprovider/secrets
    """
    hosts: set[str] = set()
    missing: list[str] = []
    ns = pod["metadata"].get("namespace") or "default"
    res = api.resource("secrets")
    for ref in (pod.get("spec") or {}).get("imagePullSecrets") or ():
        name = ref.get("name") or ""
        raw = api.etcd.read(res.key(ns, name))
        if raw is None:
            missing.append(name)
            continue
        data = raw.get("data") or {}
        try:
            if ".dockerconfigjson" in data:
                auths = json.loads(base64.b64decode(data[".dockerconfigjson"])).get("auths") or {}
            elif ".dockercfg" in data:
                auths = json.loads(base64.b64decode(data[".dockercfg"]))
            else:
                auths = {}
        except (ValueError, TypeError):
            auths = {}
        for server in auths:
            host = server.split("://", 1)[-1].split("/", 1)[0]
            hosts.add("docker.io" if host in ("index.docker.io", "registry-1.docker.io") else host)
    return hosts, missing


@lru_cache(maxsize=1024)  # performance only: a node's pulls share a few durations
def _ms(seconds: float) -> str:
    """A duration truncated to milliseconds, as Go prints it (the clock's float noise removed first)."""
    return go_duration(int(round(seconds, 6) * 1000) / 1000)


class ImageManager:
    """One node's images: what is present, one pull at a time (serializeImagePulls: true), back-off per pod+image.

    upstream: pkg/kubelet/images/image_manager.go EnsureImageExists, pullImage; puller.go serialImagePuller
    """

    def __init__(self, kubelet):
        import simpy

        self.kubelet = kubelet
        self.env = kubelet.env
        self.registry = kubelet.registry
        self.present: dict[str, tuple[str, int]] = {}  # normalized reference -> (imageID, size)
        self.puller = simpy.Resource(self.env, capacity=1)
        self.backoff = Backoff(IMAGE_BACKOFF, MAX_CONTAINER_BACKOFF, clock=lambda: self.env.now)
        self._prev_error: dict[str, str] = {}

    def preload(self, image: str) -> None:
        """Put an image on the node without pulling (a node image's baked-in images)."""
        ref = parse_image(image)
        outcome = self.registry.pull(ref, credentials={ref.domain})
        if outcome.ok:
            self.present[str(ref)] = (f"{ref.repository}@{outcome.digest}", outcome.size)

    def images(self) -> list[dict]:
        """The node's ``status.images`` entries."""
        return [{"names": [image_id, name], "sizeBytes": size}
                for name, (image_id, size) in sorted(self.present.items())]

    def ensure(self, pw, container: dict):
        """Generator: make sure the container's image is on the node. Returns (imageID, message, error reason).

        ``error reason`` is None on success, else ErrImagePull, ImagePullBackOff, ErrImageNeverPull,
        InvalidImageName; ``message`` is what the container's waiting state says.
        """
        requested = container.get("image") or ""
        event = pw.container_event
        name = container["name"]
        try:
            image, ref, key_ref = _resolve(requested)
        except ValueError as e:
            msg = f'Failed to apply default image tag "{requested}": {e}'
            event(name, "Warning", "InspectFailed", msg)
            return "", msg, "InvalidImageName"
        policy = container.get("imagePullPolicy") or "IfNotPresent"
        have = self.present.get(key_ref)
        if policy != "Always" and have is not None:
            event(name, "Normal", "Pulled", f'Container image "{requested}" already present on machine')
            return have[0], "", None
        if policy == "Never":
            msg = f'Container image "{requested}" is not present with pull policy of Never'
            event(name, "Warning", "ErrImageNeverPull", msg)
            return "", msg, "ErrImageNeverPull"
        backoff_key = f"{pw.uid}_{image}"
        if self.backoff.is_in_backoff_since_update(backoff_key, self.env.now):
            msg = f'Back-off pulling image "{image}"'
            event(name, "Normal", "BackOff", msg)
            prev = self._prev_error.get(backoff_key)
            return "", f"{msg}: {prev}" if prev else msg, "ImagePullBackOff"
        self._prev_error.pop(backoff_key, None)
        hosts, missing = pull_credentials(self.kubelet.api, pw.pod)
        if missing:
            pw.pod_event("Warning", "FailedToRetrieveImagePullSecret",
                         f"Unable to retrieve some image pull secrets ({', '.join(missing)}); attempting to pull "
                         "the image may not succeed.")
        event(name, "Normal", "Pulling", f'Pulling image "{image}"')
        asked = self.env.now
        outcome = self.registry.pull(ref, credentials=hosts)
        with self.puller.request() as turn:
            yield turn
            if pw.cancelled:
                return "", "", "Cancelled"
            started = self.env.now
            if outcome.ok and key_ref not in self.present:
                yield self.env.timeout(self.registry.pull_seconds(outcome.size))
        if not outcome.ok:
            event(name, "Warning", "Failed", f'Failed to pull image "{image}": {outcome.error}')
            self.backoff.next(backoff_key, self.env.now)
            self._prev_error[backoff_key] = f"ErrImagePull: {outcome.error}"
            return "", outcome.error, "ErrImagePull"
        image_id = f"{ref.repository}@{outcome.digest}"
        self.present[key_ref] = (image_id, outcome.size)
        self.kubelet.images_changed()
        pulled, total = self.env.now - started, self.env.now - asked
        event(name, "Normal", "Pulled", f'Successfully pulled image "{image}" in {_ms(pulled)}'
                                        f" ({_ms(total)} including waiting). "
                                        f"Image size: {outcome.size} bytes.")
        self.backoff.gc()
        return image_id, "", None
