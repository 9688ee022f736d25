"""Typed Kubernetes API objects (pydantic), one module per group/version, loaded lazily."""

from collections.abc import Iterator, Mapping
from importlib import import_module

from ._index import CLASS_INDEX, KIND_INDEX, MODULES

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing

if TYPE_CHECKING:  # pragma: no cover
    from .base import K8sModel

__all__ = ["K8sModel", "KINDS", "model_for", *sorted({cls for _, cls in KIND_INDEX.values()})]


def _load(module: str, name: str):
    return getattr(import_module(f"{__name__}.{module}"), name)


class _Kinds(Mapping):
    """(apiVersion, kind) -> model class; a group module is imported on first lookup."""

    def __init__(self, index: dict[tuple[str, str], tuple[str, str]]):
        self._index = index
        self._cache: dict[tuple[str, str], type] = {}

    def __getitem__(self, key: tuple[str, str]) -> "type[K8sModel]":
        cls = self._cache.get(key)
        if cls is None:
            cls = self._cache[key] = _load(*self._index[key])
        return cls

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return f"<KINDS: {len(self)} kinds>"


#: The modelled kinds: ``KINDS[("apps/v1", "Deployment")]`` is the Deployment class.
KINDS: Mapping[tuple[str, str], "type[K8sModel]"] = _Kinds(KIND_INDEX)


def model_for(api_version: str, kind: str) -> "type[K8sModel]":
    """The model class of a kind; KeyError if k8slab does not model that apiVersion/kind.

    Parameters
    ----------
    api_version : str
        ``apiVersion`` as written in a manifest (``"v1"``, ``"apps/v1"``).
    kind : str
        ``kind`` as written in a manifest (``"Pod"``).

    Returns
    -------
    type[K8sModel]
        The generated model class.

    Examples
    --------
    >>> model_for("apps/v1", "Deployment")
    <class 'k8slab.api.apps_v1.Deployment'>
    >>> model_for("extensions/v1beta1", "Deployment")
    Traceback (most recent call last):
    ...
    KeyError: 'no model for kind "Deployment" in apiVersion "extensions/v1beta1"'
    """
    try:
        return KINDS[(api_version, kind)]
    except KeyError:
        raise KeyError(f'no model for kind "{kind}" in apiVersion "{api_version}"') from None


def __getattr__(name: str):
    """``k8slab.api.Pod`` etc.: import the group module that defines the name on first use."""
    module = "base" if name == "K8sModel" else CLASS_INDEX.get(name)
    if module is None:
        if name in MODULES:
            return import_module(f"{__name__}.{name}")
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = _load(module, name)
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(CLASS_INDEX) | {"K8sModel"})
