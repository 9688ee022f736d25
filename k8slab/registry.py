"""The simulated image registries (data/registry.yaml): image references, pulls and how each image's app behaves."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

__all__ = ["ImageRef", "parse_image", "AppBehavior", "Registry", "PullOutcome", "load_registry", "behavior_for",
           "ANNOTATION_PREFIX", "parse_seconds"]

_DATA = Path(__file__).resolve().parent.parent / "data" / "registry.yaml"
ANNOTATION_PREFIX = "k8slab.io/"

# upstream: github.com/distribution/reference regexp.go (the grammar containerd and the kubelet parse with)
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(rf"^((?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*)(?::({_TAG}))?(?:@({_DIGEST}))?$")
_ANY_CASE = re.compile(rf"^((?:{_DOMAIN}/)?[a-zA-Z0-9._/-]+)(?::({_TAG}))?(?:@({_DIGEST}))?$")


@dataclass(frozen=True)
class ImageRef:
    """A parsed, normalized image reference: ``nginx`` is ``docker.io/library/nginx:latest``."""

    domain: str
    path: str
    tag: str
    digest: str = ""

    @property
    def repository(self) -> str:
        return f"{self.domain}/{self.path}"

    def __str__(self) -> str:
        return self.repository + (f"@{self.digest}" if self.digest else f":{self.tag}")


@lru_cache(maxsize=4096)
def parse_image(image: str) -> ImageRef:
    """Parse and normalize an image reference as containerd does (docker.io, library/, latest).

    upstream: github.com/distribution/reference normalize.go ParseNormalizedNamed, splitDockerDomain

    Examples
    --------
    >>> str(parse_image("nginx")), str(parse_image("nginx:1.27")), str(parse_image("ghcr.io/k8slab/web:1.0"))
    ('docker.io/library/nginx:latest', 'docker.io/library/nginx:1.27', 'ghcr.io/k8slab/web:1.0')
    >>> str(parse_image("localhost:5000/app")), str(parse_image("bitnami/redis:7"))
    ('localhost:5000/app:latest', 'docker.io/bitnami/redis:7')
    >>> parse_image("Nginx:1.27")
    Traceback (most recent call last):
    ...
    ValueError: invalid reference format: repository name (library/Nginx) must be lowercase
    """
    if not image or image != image.strip():
        raise ValueError("invalid reference format")
    name = image
    i = name.find("/")
    first = name[:i] if i >= 0 else ""
    if i == -1 or (not any(ch in first for ch in ".:") and first != "localhost" and first.lower() == first):
        domain, rest = "docker.io", name
    else:
        domain, rest = first, name[i + 1:]
    if domain == "index.docker.io":
        domain = "docker.io"
    if domain == "docker.io" and "/" not in rest.split(":")[0].split("@")[0]:
        rest = "library/" + rest
    m = _REFERENCE.match(f"{domain}/{rest}")
    if not m:
        loose = _ANY_CASE.match(f"{domain}/{rest}")
        if loose and loose.group(1).lower() != loose.group(1):
            repo = loose.group(1)[len(domain) + 1:]
            raise ValueError(f"invalid reference format: repository name ({repo}) must be lowercase")
        raise ValueError("invalid reference format")
    path = m.group(1)[len(domain) + 1:]
    return ImageRef(domain, path, m.group(2) or ("" if m.group(3) else "latest"), m.group(3) or "")


def parse_seconds(value) -> float:
    """``"30"``, ``"30s"``, ``"2m"``, ``"1m30s"``, ``1.5`` -> seconds (annotation values).

    Examples
    --------
    >>> [parse_seconds(v) for v in ("30", "30s", "2m", "1m30s", 1.5, "500ms")]
    [30.0, 30.0, 120.0, 90.0, 1.5, 0.5]
    """
    import math

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            number = None
    if number is not None:
        if not math.isfinite(number) or number < 0:
            raise ValueError(f"invalid duration {value!r} (a duration is a finite number of seconds, 0 or more)")
        return number
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"invalid duration {value!r} (use seconds, or Go durations like 30s, 2m, 1m30s)")
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * scale[u] for n, u in parts)


@dataclass(frozen=True)
class AppBehavior:
    """How a simulated app behaves once its container starts (data/registry.yaml, overridable by annotations)."""

    port: int | None = None
    paths: tuple[str, ...] = ("*",)
    startup_seconds: float = 0.0
    ready_seconds: float = 0.0
    readiness_paths: tuple[str, ...] = ()
    crash_after: float | None = None
    exit_code: int = 1
    memory_start_mi: float = 0.0
    memory_growth_mi: float = 0.0
    hang_after: float | None = None
    shutdown_seconds: float = 0.0
    sigterm_exit_code: int = 0
    logs: dict = field(default_factory=dict, hash=False, compare=False)

    def answers(self, path: str) -> bool:
        return "*" in self.paths or path in self.paths

    def seconds_to_oom(self, limit_bytes: int | None) -> float | None:
        """Seconds after start when memory passes ``limit_bytes`` (None: never)."""
        if not limit_bytes:
            return None
        limit_mi = limit_bytes / 2**20
        if self.memory_start_mi > limit_mi:
            return 0.0
        if self.memory_growth_mi <= 0:
            return None
        return (limit_mi - self.memory_start_mi) / self.memory_growth_mi


# yaml key / annotation key -> (field, converter)
_KEYS = {
    "port": ("port", int), "paths": ("paths", tuple), "startupSeconds": ("startup_seconds", parse_seconds),
    "readySeconds": ("ready_seconds", parse_seconds), "readinessPaths": ("readiness_paths", tuple),
    "crashAfter": ("crash_after", parse_seconds), "exitCode": ("exit_code", int),
    "memoryStartMi": ("memory_start_mi", float), "memoryGrowthMi": ("memory_growth_mi", float),
    "hangAfter": ("hang_after", parse_seconds), "shutdownSeconds": ("shutdown_seconds", parse_seconds),
    "sigtermExitCode": ("sigterm_exit_code", int), "logs": ("logs", dict),
}
#: annotation names (after the k8slab.io/ prefix, optionally after "<container>.") -> yaml keys
ANNOTATIONS = {
    "port": "port", "paths": "paths", "startup-seconds": "startupSeconds", "ready-after": "readySeconds",
    "readiness-paths": "readinessPaths", "crash-after": "crashAfter", "exit-code": "exitCode",
    "memory-start": "memoryStartMi", "memory-growth": "memoryGrowthMi", "hang-after": "hangAfter",
    "shutdown-seconds": "shutdownSeconds", "sigterm-exit-code": "sigtermExitCode", "complete-after": "completeAfter",
}


def _apply(behavior: AppBehavior, raw: dict, where: str) -> AppBehavior:
    changes = {}
    for key, value in (raw or {}).items():
        if key == "completeAfter":  # a batch app: exits 0 after N seconds
            changes["crash_after"] = parse_seconds(value)
            changes["exit_code"] = 0
            continue
        if key not in _KEYS:
            raise ValueError(f"{where}: unknown behavior key {key!r} (known: {', '.join(sorted(_KEYS))})")
        name, conv = _KEYS[key]
        if conv is tuple:
            value = tuple(v.strip() for v in value.split(",")) if isinstance(value, str) else tuple(value)
        elif conv is dict:
            value = {**behavior.logs, **value}
        elif key in ("memoryStartMi", "memoryGrowthMi") and isinstance(value, str):
            value = _mebibytes(value)
        else:
            value = conv(value)
        changes[name] = value
    return replace(behavior, **changes) if changes else behavior


def _mebibytes(text: str) -> float:
    from k8slab.api.quantity import parse_quantity

    text = text.strip().removesuffix("/s")
    return float(parse_quantity(text).value) / 2**20 if not text.replace(".", "").isdigit() else float(text)


@dataclass(frozen=True)
class PullOutcome:
    """What a pull from the simulated registry gives: the digest and size, or containerd's error text."""

    ok: bool
    size: int = 0
    digest: str = ""
    error: str = ""


class Registry:
    """The registries of data/registry.yaml: which images and tags exist, their sizes, who may pull them."""

    def __init__(self, data: dict):
        from k8slab.api.quantity import parse_quantity

        self.data = data
        self.bandwidth = int(parse_quantity(str(data.get("pullBandwidth", "50Mi"))).value)
        self.registries: dict = data.get("registries") or {}
        self._behaviors: dict[ImageRef, AppBehavior] = {}
        # performance only: a pull's outcome depends on the reference and the credentials alone (the data is read
        # once), so every kubelet's pull of one image reuses it
        self._pulls: dict[tuple[ImageRef, frozenset], PullOutcome] = {}

    def pull_seconds(self, size: int) -> float:
        """Seconds a pull of ``size`` bytes takes at the lab's pull bandwidth."""
        return size / self.bandwidth

    def image(self, ref: ImageRef) -> dict | None:
        return ((self.registries.get(ref.domain) or {}).get("images") or {}).get(ref.path)

    def digest(self, ref: ImageRef) -> str:
        if ref.digest:
            return ref.digest
        return "sha256:" + hashlib.sha256(f"{ref.repository}:{ref.tag}".encode()).hexdigest()

    def pull(self, ref: ImageRef, credentials: set[str] = frozenset()) -> PullOutcome:
        """Resolve and fetch ``ref``; ``credentials`` are the registry hosts the pod's pull secrets cover.

        The error texts are containerd's (CRI PullImage), as the kubelet shows them in events.
        """
        key = (ref, frozenset(credentials))
        found = self._pulls.get(key)
        if found is None:
            if len(self._pulls) >= 4096:
                self._pulls.clear()
            found = self._pulls[key] = self._pull(ref, key[1])
        return found

    def _pull(self, ref: ImageRef, credentials: frozenset) -> PullOutcome:
        full = str(ref)
        prefix = f'failed to pull and unpack image "{full}": failed to resolve reference "{full}": '
        reg = self.registries.get(ref.domain)
        if reg is None:
            return PullOutcome(False, error=f"rpc error: code = Unknown desc = {prefix}failed to do request: Head "
                                            f'"https://{ref.domain}/v2/{ref.path}/manifests/{ref.tag or ref.digest}": '
                                            f"dial tcp: lookup {ref.domain.split(':')[0]}: no such host")
        if reg.get("reachable", True) is False:
            host, _, port = ref.domain.partition(":")
            return PullOutcome(False, error=f"rpc error: code = Unknown desc = {prefix}failed to do request: Head "
                                            f'"https://{ref.domain}/v2/{ref.path}/manifests/{ref.tag or ref.digest}": '
                                            f"dial tcp {reg.get('ip', host)}:{port or 443}: connect: "
                                            "connection refused")
        image = self.image(ref)
        denied = (f"rpc error: code = Unknown desc = {prefix}pull access denied, repository does not exist or may "
                  "require authorization: server message: insufficient_scope: authorization failed")
        if reg.get("private") and ref.domain not in credentials:
            return PullOutcome(False, error=denied)
        if image is None:  # Docker Hub and distribution answer 401 for a repository that does not exist
            return PullOutcome(False, error=denied)
        tags = image.get("tags") or {}
        if ref.digest:
            tag = next((t for t in tags if self.digest(replace(ref, digest="", tag=t)) == ref.digest), None)
        else:
            tag = ref.tag if ref.tag in tags else None
        if tag is None:
            return PullOutcome(False, error=f"rpc error: code = NotFound desc = {prefix}{full}: not found")
        return PullOutcome(True, size=int(tags[tag]["size"]), digest=self.digest(replace(ref, digest="", tag=tag)))

    def behavior(self, ref: ImageRef) -> AppBehavior:
        """The app behaviour the registry declares for an image (tag-specific keys win)."""
        cached = self._behaviors.get(ref)
        if cached is None:
            cached = self._behaviors[ref] = self._behavior(ref)
        return cached

    def _behavior(self, ref: ImageRef) -> AppBehavior:
        image = self.image(ref) or {}
        b = _apply(AppBehavior(), image.get("behavior") or {}, str(ref))
        tag_b = (image.get("tagBehavior") or {}).get(ref.tag)
        return _apply(b, tag_b, str(ref)) if tag_b else b


@lru_cache(maxsize=4)
def _load(path: str) -> Registry:
    import yaml

    return Registry(yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})


def load_registry(path=None) -> Registry:
    """The registry described by ``path`` (default: the lab's data/registry.yaml), parsed once."""
    return _load(str(path or _DATA))


def behavior_for(registry: Registry, pod: dict, container: dict) -> AppBehavior:
    """The behaviour of one container: its image's, then ``k8slab.io/<key>`` and ``k8slab.io/<container>.<key>``.

    Examples
    --------
    >>> reg = load_registry()
    >>> pod = {"metadata": {"annotations": {"k8slab.io/crash-after": "5s", "k8slab.io/web.exit-code": "3"}}}
    >>> b = behavior_for(reg, pod, {"name": "web", "image": "nginx:1.27"})
    >>> b.port, b.crash_after, b.exit_code
    (80, 5.0, 3)
    """
    try:
        ref = parse_image(container.get("image") or "")
        b = registry.behavior(ref)
    except ValueError:
        b = AppBehavior()
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    if not any(k.startswith(ANNOTATION_PREFIX) for k in annotations):
        return b
    general, specific = {}, {}
    for key, value in annotations.items():
        if not key.startswith(ANNOTATION_PREFIX):
            continue
        name = key[len(ANNOTATION_PREFIX):]
        cname, dot, short = name.partition(".")
        if dot and short in ANNOTATIONS:
            if cname == container.get("name"):
                specific[ANNOTATIONS[short]] = value
        elif name in ANNOTATIONS:
            general[ANNOTATIONS[name]] = value
    where = f"pod {(pod.get('metadata') or {}).get('name')} annotations"
    return _apply(_apply(b, general, where), specific, where)

