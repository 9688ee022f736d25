"""Manifests in: YAML text, files, folders, dicts, lists and models to a list of object dicts, with kubectl's errors."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml

from k8slab.errors import ParseError

__all__ = ["load_documents", "iter_sources", "parse_yaml", "to_dict"]

try:  # libyaml is several times faster; fall back to the pure-Python loader
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _BaseLoader = yaml.SafeLoader

_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
#: scalar tags the fast constructor builds with SafeConstructor's own functions (timestamps, binary: PyYAML's path)
_PLAIN_SCALARS = frozenset({"tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                            "tag:yaml.org,2002:float"})


class _Loader(_BaseLoader):
    """SafeLoader with a memoized resolver: a plain scalar's implicit tag depends on its text alone.

    ``BaseResolver.resolve`` runs every implicit resolver's regexp on every plain scalar of every document;
    the answers are the same (no path resolvers are registered), so the few scalars that start like a bool, a
    number, a null or a timestamp are resolved once, and the rest (names, images) are strings at once.
    """

    _tags: dict[str, str] = {}

    def resolve(self, kind, value, implicit):
        if kind is _ScalarNode and implicit[0] and not self.yaml_path_resolvers:
            resolvers = self.yaml_implicit_resolvers
            if value[:1] not in resolvers and None not in resolvers:
                return self.DEFAULT_SCALAR_TAG
            tag = self._tags.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(self._tags) < 4096:
                    self._tags[value] = tag
            return tag
        return super().resolve(kind, value, implicit)


_ScalarNode, _MappingNode, _SequenceNode = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode


class _Unusual(Exception):
    """A node the fast constructor leaves to PyYAML (merge keys, non-string keys, aliases in a cycle, tags)."""


def _construct(loader, node, path: set):
    """PyYAML's SafeConstructor result for JSON-shaped YAML, built in one pass with string keys.

    Anything else (``<<`` merge keys, non-string keys, timestamps, binary, sets, explicit tags, recursive
    aliases) raises :class:`_Unusual` and the document goes through PyYAML's constructor and ``_stringify_keys``.
    An alias is built afresh at each use, as ``_stringify_keys`` copies what PyYAML shares.
    """
    cls = node.__class__
    if cls is _ScalarNode:
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag in _PLAIN_SCALARS:
            return loader.yaml_constructors[tag](loader, node)
        raise _Unusual
    key = id(node)
    if key in path:
        raise _Unusual
    path.add(key)
    if cls is _MappingNode and node.tag == _MAP:
        out = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not _ScalarNode or key_node.tag != _STR:
                raise _Unusual
            out[key_node.value] = _construct(loader, value_node, path)
    elif cls is _SequenceNode and node.tag == _SEQ:
        out = [_construct(loader, item, path) for item in node.value]
    else:
        raise _Unusual
    path.discard(key)
    return out


def _load_all(text: str) -> list:
    """``list(yaml.load_all(text, Loader=CSafeLoader))`` with ``_stringify_keys`` applied to each document."""
    loader = _Loader(text)
    fast = loader.yaml_constructors is _BaseLoader.yaml_constructors  # nobody registered their own constructors
    docs = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if fast:
                try:
                    docs.append(_construct(loader, node, set()))
                    continue
                except _Unusual:
                    pass
            docs.append(_stringify_keys(loader.construct_document(node)))
    finally:
        loader.dispose()
    return docs

_EXTENSIONS = (".yaml", ".yml", ".json")


def _yaml_problem(err: yaml.YAMLError) -> str:
    """go-yaml's wording, ``yaml: line 3: mapping values are not allowed in this context``."""
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    problem = problem.replace("found character '\\t' that cannot start any token",
                              "found character that cannot start any token")
    line = f"line {mark.line + 1}: " if mark is not None else ""
    return f"yaml: {line}{problem}"


def parse_yaml(text: str, source: str = "STDIN") -> list[dict]:
    """Split a YAML (or JSON) stream into object dicts, expanding ``kind: List``.

    Examples
    --------
    >>> [d["metadata"]["name"] for d in parse_yaml("kind: List\\napiVersion: v1\\nitems:\\n"
    ...  "- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\\n---\\n"
    ...  "apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: b}\\n")]
    ['a', 'b']
    >>> parse_yaml("a: b: c")
    Traceback (most recent call last):
    ...
    k8slab.errors.ParseError: error parsing STDIN: error converting YAML to JSON: yaml: line 1: mapping values are not allowed in this context
    """
    try:
        docs = _load_all(text)
    except yaml.YAMLError as e:
        raise ParseError(f"error parsing {source}: error converting YAML to JSON: {_yaml_problem(e)}") from None
    out: list[dict] = []
    for doc in docs:
        if doc is None:
            continue
        out.extend(_expand(doc, source, copy=False))
    return out


def _expand(doc, source: str, copy: bool = True) -> list[dict]:
    """``doc``, or a List's items, checked; ``copy``: with string keys (a copy), else ``doc`` already has them."""
    if not isinstance(doc, dict):
        raise ParseError(f"error validating {_q(source)}: error validating data: invalid object to validate")
    if copy:
        doc = _stringify_keys(doc)
    if doc.get("kind") == "List" or (isinstance(doc.get("kind"), str) and doc["kind"].endswith("List")
                                     and isinstance(doc.get("items"), list)):
        items = []
        for item in doc.get("items") or ():
            items.extend(_expand(item, source, copy=False))
        return items
    missing = [f for f in ("apiVersion", "kind") if not doc.get(f)]
    if missing:
        # upstream: kubectl's validation (staging/src/k8s.io/kubectl/pkg/validation/schema.go)
        listed = ", ".join(f"{f} not set" for f in missing)
        raise ParseError(f"error validating {_q(source)}: error validating data: [{listed}]; if you choose to ignore "
                         "these errors, turn validation off with --validate=false")
    return [doc]


_SCALARS = frozenset({str, int, bool, float, type(None)})


def _stringify_keys(obj):
    """YAML allows non-string keys (``80: x``, ``true: y``); JSON and Kubernetes do not: convert like yaml.v2->JSON."""
    if isinstance(obj, dict):  # JSON's scalars are kept as they are, without a call each
        return {(k if isinstance(k, str) else json.dumps(k) if not isinstance(k, (int, float)) else str(k)):
                v if v.__class__ in _SCALARS else _stringify_keys(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [v if v.__class__ in _SCALARS else _stringify_keys(v) for v in obj]
    if hasattr(obj, "isoformat"):  # YAML timestamps become strings, as in JSON
        return obj.isoformat().replace("+00:00", "Z")
    return obj


def _q(s: str) -> str:
    return json.dumps(s)


def to_dict(obj) -> dict:
    """A pydantic model or a dict, as a plain JSON-shaped dict."""
    if isinstance(obj, dict):
        return obj
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if hasattr(obj, "model_dump"):
        return obj.model_dump(by_alias=True, exclude_none=True)
    raise ParseError(f"cannot apply an object of type {type(obj).__name__}: pass YAML text, a path, a dict or a model")


def iter_sources(path: str | os.PathLike, recursive: bool = False) -> Iterator[Path]:
    """Files ``kubectl apply -f`` reads from ``path``: the file itself, or the manifests in a folder."""
    p = Path(path)
    if p.is_dir():
        pattern = "**/*" if recursive else "*"
        for f in sorted(p.glob(pattern)):
            if f.is_file() and f.suffix in _EXTENSIONS:
                yield f
    elif p.exists():
        yield p
    else:
        raise ParseError(f'the path "{path}" does not exist')


def load_documents(src, recursive: bool = False) -> list[tuple[dict, str]]:
    """Everything ``lab.apply`` accepts, as (object dict, source name) pairs.

    ``src`` is YAML/JSON text, a path to a file or folder, a dict, a model, or a list of any of these.
    """
    if isinstance(src, (list, tuple)):
        out = []
        for item in src:
            out.extend(load_documents(item, recursive))
        return out
    if isinstance(src, os.PathLike) or (isinstance(src, str) and "\n" not in src and _looks_like_path(src)):
        out = []
        for f in iter_sources(src, recursive):
            out.extend((d, str(f)) for d in parse_yaml(f.read_text(encoding="utf-8"), str(f)))
        return out
    if isinstance(src, str):
        return [(d, "STDIN") for d in parse_yaml(src)]
    return [(d, "STDIN") for d in _expand(to_dict(src), "STDIN")]


def _looks_like_path(s: str) -> bool:
    s = s.strip()
    return bool(s) and ":" not in s.split("/")[0] and (os.path.exists(s) or s.endswith(_EXTENSIONS) or "/" in s)


def documents_of(items: Iterable) -> list[dict]:
    return [d for d, _ in load_documents(list(items))]
