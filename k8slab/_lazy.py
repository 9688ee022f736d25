"""Lazy exports: a package names what it offers and imports each name's module only when the name is first used."""

from __future__ import annotations

import importlib
from collections.abc import Callable

__all__ = ["lazy_getattr"]


def lazy_getattr(namespace: dict, names: dict[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` (PEP 562): ``names`` maps a name to its module (absolute, or relative to the package
    with a leading dot); the value is imported on first use and kept in the module's ``namespace``.

    Examples
    --------
    >>> ns = {"__name__": "k8slab"}
    >>> get = lazy_getattr(ns, {"parse_quantity": "k8slab.api.quantity"})
    >>> get("parse_quantity") is ns["parse_quantity"]
    True
    >>> get("nothing")
    Traceback (most recent call last):
    ...
    AttributeError: module 'k8slab' has no attribute 'nothing'
    """
    package = namespace["__name__"]

    def __getattr__(name: str):
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = namespace[name] = getattr(importlib.import_module(module, package), name)
        return value

    return __getattr__
