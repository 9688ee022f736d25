"""Templating per environment: a chart-like folder of Jinja2 templates plus values files, rendered into manifests."""

# The layout follows Helm's conventions (values.yaml, templates/, per-environment values files merged over the
# defaults, a checksum/config annotation that rolls pods when the ConfigMap changes); the engine is Jinja2.

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import yaml

__all__ = ["render_chart", "chart_values", "diff_environments", "environment_table", "EnvironmentDiff", "config_checksum",
           "rollout_restart", "CHARTS"]

CHARTS = Path(__file__).resolve().parent.parent.parent / "data" / "templates"


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in (over or {}).items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else copy.deepcopy(v)
    return out


def _chart(chart) -> Path:
    p = Path(chart)
    return p if p.is_dir() else CHARTS / str(chart)


def chart_values(chart, env: str) -> dict:
    """values.yaml with values-<env>.yaml merged over it (maps merge key by key; lists and scalars replace).

    Examples
    --------
    >>> chart_values("webapp", "prod")["replicas"]
    3
    """
    root = _chart(chart)
    base = yaml.safe_load((root / "values.yaml").read_text()) or {}
    env_file = root / f"values-{env}.yaml"
    if not env_file.exists():
        from k8slab.errors import NotFound

        known = sorted(p.stem[len("values-"):] for p in root.glob("values-*.yaml"))
        raise NotFound(f'environment "{env}" not found in {root.name} (known: {", ".join(known)})')
    return _merge(base, yaml.safe_load(env_file.read_text()) or {})


def config_checksum(data: dict) -> str:
    """sha256 of a ConfigMap's data (as Helm's ``sha256sum`` of the rendered ConfigMap is used in annotations).

    Examples
    --------
    >>> config_checksum({"a": "1"})[:12]
    '9afeb0f2b203'
    """
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def render_chart(chart, env: str) -> str:
    """Render every ``templates/*.j2`` of a chart for one environment into one multi-document YAML text.

    Templates see ``values``, ``env`` and the filters ``toyaml``, ``quote`` and ``sha256``; an undefined value is an
    error (StrictUndefined), as ``helm template`` with ``required`` would make it.

    Examples
    --------
    >>> print(render_chart("webapp", "dev").split("---")[0].strip().splitlines()[1])
    kind: ConfigMap
    """
    import jinja2

    root = _chart(chart)
    values = chart_values(root, env)
    jenv = jinja2.Environment(loader=jinja2.FileSystemLoader(str(root / "templates")),
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                              lstrip_blocks=True)
    jenv.filters["toyaml"] = lambda v, indent=0: yaml.safe_dump(v, default_flow_style=False, sort_keys=True) \
        .rstrip("\n").replace("\n", "\n" + " " * indent)
    jenv.filters["quote"] = lambda v: json.dumps(str(v))
    jenv.filters["sha256"] = config_checksum
    docs = []
    for t in sorted(p.name for p in (root / "templates").glob("*.j2")):
        docs.append(jenv.get_template(t).render(values=values, env=env).strip("\n"))
    return "\n---\n".join(docs) + "\n"


def _leaves(obj, path=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, list) and obj and all(isinstance(x, dict) for x in obj):
        for i, v in enumerate(obj):
            yield from _leaves(v, f"{path}[{i}]")
    else:
        yield path, obj


def diff_environments(chart, envs=("dev", "staging", "prod")) -> list[tuple[str, dict]]:
    """The fields whose rendered values differ between environments: ``[(kind/name:path, {env: value})]``.

    Examples
    --------
    >>> rows = dict(diff_environments("webapp"))
    >>> rows["Deployment/webapp:spec.replicas"]
    {'dev': 1, 'staging': 2, 'prod': 3}
    """
    per_env: dict[str, dict[str, object]] = {}
    for env in envs:
        flat = {}
        for doc in yaml.safe_load_all(render_chart(chart, env)):
            if doc:
                who = f"{doc['kind']}/{doc['metadata']['name']}"
                for p, v in _leaves({k: v for k, v in doc.items() if k not in ("apiVersion", "kind")}):
                    flat[f"{who}:{p}"] = v
        per_env[env] = flat
    keys = sorted({k for flat in per_env.values() for k in flat})
    return [(k, {e: per_env[e].get(k) for e in envs}) for k in keys
            if len({json.dumps(per_env[e].get(k), sort_keys=True) for e in envs}) > 1]


class EnvironmentDiff(list):
    """:func:`diff_environments` rows that show as a table: one line per field, one column per environment."""

    def __init__(self, rows, envs):
        super().__init__(rows)
        self.envs = tuple(envs)

    def __repr__(self) -> str:
        from k8slab.kubectl.format import tabulate

        rows = [["FIELD", *(e.upper() for e in self.envs)]]
        rows += [[field, *(json.dumps(values[e]) if not isinstance(values[e], str) else values[e]
                           for e in self.envs)] for field, values in self]
        return tabulate(rows)


def environment_table(chart, envs=("dev", "staging", "prod"), hide=("checksum",)) -> EnvironmentDiff:
    """What differs between environments, as a table; fields containing a word in ``hide`` are left out.

    Examples
    --------
    >>> print(repr(environment_table("webapp")).splitlines()[0].split())
    ['FIELD', 'DEV', 'STAGING', 'PROD']
    """
    rows = [(f, v) for f, v in diff_environments(chart, envs) if not any(h in f for h in hide)]
    return EnvironmentDiff(rows, envs)


def rollout_restart(lab, kind: str, name: str, namespace: str = "default") -> str:
    """``kubectl rollout restart``: stamp the pod template with ``kubectl.kubernetes.io/restartedAt`` (RFC 3339).

    upstream: staging/src/k8s.io/kubectl/pkg/polymorphichelpers/objectrestarter.go
    """
    res = lab.api.resource(kind)
    obj = lab.api.get(res, namespace, name)
    tpl_meta = obj["spec"]["template"].setdefault("metadata", {})
    tpl_meta.setdefault("annotations", {})["kubectl.kubernetes.io/restartedAt"] = lab.api.now_rfc3339()
    lab.api.update(obj)
    return f"{res.singular}.{res.group or ''}/{name} restarted".replace("./", "/")
