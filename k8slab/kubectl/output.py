"""``-o yaml|json|name`` output: what sigs.k8s.io/yaml and kubectl's printers write."""

from __future__ import annotations

import json

import yaml

__all__ = ["to_yaml", "to_json", "as_list"]


class _Dumper(yaml.SafeDumper):
    def choose_scalar_style(self):
        # go-yaml quotes with double quotes where PyYAML would use single ones: creationTimestamp: "2026-..."
        style = super().choose_scalar_style()
        return '"' if style == "'" else style


def _str_representer(dumper, data: str):
    # multi-line strings as literal blocks, as go-yaml writes them (the last-applied annotation ends in "\n")
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_representer)


def to_yaml(obj) -> str:
    """YAML with sorted keys, block style, lists at the key's indentation (like ``kubectl get -o yaml``).

    Examples
    --------
    >>> print(to_yaml({"kind": "Pod", "apiVersion": "v1", "spec": {"containers": [{"name": "a"}]}}), end="")
    apiVersion: v1
    kind: Pod
    spec:
      containers:
      - name: a
    """
    return yaml.dump(obj, Dumper=_Dumper, default_flow_style=False, sort_keys=True, allow_unicode=True,
                     width=float("inf"))


def to_json(obj) -> str:
    """JSON indented by four spaces, as kubectl prints it."""
    return json.dumps(obj, indent=4, ensure_ascii=False) + "\n"


def as_list(items: list[dict]) -> dict:
    """Several objects are printed as a ``kind: List``."""
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
