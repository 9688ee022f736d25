"""``kubectl get``: tables, wide, labels, and -o yaml|json|name."""

from __future__ import annotations

from k8slab.api.resources import RESOURCES, resolve_resource
from k8slab.errors import NotFound
from k8slab.kubectl import KubectlResult, command, error_text
from k8slab.kubectl.format import tabulate
from k8slab.kubectl.output import as_list, to_json, to_yaml
from k8slab.kubectl.printers import columns_for, label_string

__all__ = ["get", "select", "selected", "table_rows", "resolve_targets", "namespace_of"]

_ALL = [r for r in RESOURCES if "all" in r.categories]
_ALL_ORDER = ["pods", "services", "daemonsets", "deployments", "replicasets", "statefulsets",
              "horizontalpodautoscalers", "cronjobs", "jobs"]


def namespace_of(lab, args) -> str:
    return args.get("namespace") or getattr(lab, "namespace", "default")


def resolve_targets(words: list[str]):
    """``pods``, ``po web api``, ``pods,svc``, ``pod/web svc/api``, ``all``: a list of (resource, [names])."""
    from k8slab.errors import Unsupported

    if not words:
        raise Unsupported("You must specify the type of resource to get. Use \"kubectl api-resources\" for a "
                          "complete list of supported resources.")
    targets = []
    if all("/" in w for w in words):
        for w in words:
            rname, _, name = w.partition("/")
            res = _resolve(rname)
            for r in res:
                targets.append((r, [name]))
        return targets
    names = words[1:]
    for rname in words[0].split(","):
        for r in _resolve(rname):
            targets.append((r, names))
    return targets


def _resolve(rname: str):
    from k8slab.errors import Unsupported

    if rname == "all":
        return [next(r for r in _ALL if r.name == n) for n in _ALL_ORDER]
    res = resolve_resource(rname)
    if res is None:
        raise Unsupported(f'the server doesn\'t have a resource type "{rname}"')
    return [res]


def select(lab, args, res, names: list[str], ns: str | None, errors: list[str]) -> list[dict]:
    """The objects a command names (NotFound texts go to ``errors``), or all of them filtered by -l and
    --field-selector: what get, describe and delete all start from."""
    if names:
        objs = []
        for n in names:
            try:
                objs.append(lab.api.get(res, ns or "default", n))
            except NotFound as e:
                errors.append(error_text(e))
        return objs
    return selected(args, res, lab.api.list(res, ns))


def selected(args, res, objs: list[dict]) -> list[dict]:
    """The objects that -l and --field-selector keep."""
    if args.get("selector"):
        from k8slab.api.labels import parse_selector

        selector = parse_selector(args.get("selector"))
        objs = [o for o in objs if selector.matches(o["metadata"].get("labels") or {})]
    if args.get("field-selector"):
        from k8slab.kubectl.field_selector import parse_field_selector

        objs = list(filter(parse_field_selector(args.get("field-selector"), res.kind, res.name), objs))
    return objs


@command("get")
def get(lab, args, stdin=None) -> KubectlResult:
    if args.has("watch") or args.has("watch-only"):
        from k8slab.kubectl.watch import watch

        return watch(lab, args)
    targets = resolve_targets(args.words[1:])
    ns = None if args.has("all-namespaces") else namespace_of(lab, args)
    output = args.get("output") or ""
    multi = len(targets) > 1 or args.words[1:2] == ["all"] or any("/" in w for w in args.words[1:])
    now = lab.now
    out_objs, errors, blocks = [], [], []
    for res, names in targets:
        objs = select(lab, args, res, names, ns, errors)
        out_objs.extend(objs)
        if objs and output in ("", "wide"):
            blocks.append(_table(res, objs, args, now, multi, show_ns=ns is None and res.namespaced))
    err = "".join(e + "\n" for e in errors)
    if output in ("yaml", "json"):
        if not out_objs:
            return KubectlResult(1 if errors else 0, _empty(output) if not errors else "", err)
        doc = out_objs[0] if len(out_objs) == 1 and not multi and len(targets[0][1]) == 1 else as_list(out_objs)
        return KubectlResult(1 if errors else 0, to_yaml(doc) if output == "yaml" else to_json(doc), err)
    if output == "name":
        lines = [f"{_type_name(lab, o)}/{o['metadata']['name']}" for o in out_objs]
        return KubectlResult(1 if errors else 0, "".join(line + "\n" for line in lines), err)
    if output not in ("", "wide"):
        return KubectlResult(1, "", f"error: unable to match a printer suitable for the output format \"{output}\", "
                                    "allowed formats are: json,name,wide,yaml\n")
    if not out_objs and not errors:
        where = f" in {ns} namespace" if ns is not None and all(r.namespaced for r, _ in targets) else ""
        return KubectlResult(0, "", f"No resources found{where}.\n")
    return KubectlResult(1 if errors else 0, "\n".join(blocks), err)


def _empty(output: str) -> str:
    doc = as_list([])
    return to_yaml(doc) if output == "yaml" else to_json(doc)


def _type_name(lab, obj) -> str:
    res = lab.api.resource(obj["kind"], obj["apiVersion"])
    return res.singular if not res.group else f"{res.singular}.{res.group}"


def _table(res, objs, args, now, multi, show_ns) -> str:
    return tabulate(table_rows(res, objs, args, now, multi, show_ns)) + "\n"


def table_rows(res, objs, args, now, multi, show_ns) -> list[list[str]]:
    """The cells of ``kubectl get``'s table, the header first (unless --no-headers)."""
    headers, row, wide_headers, wide_row = columns_for(res.kind)
    wide = args.get("output") == "wide" and wide_row is not None
    label_cols = [c for spec in args.get("label-columns") or () for c in spec.split(",")]
    rows = []
    if not args.has("no-headers"):
        h = (["NAMESPACE"] if show_ns else []) + headers + (wide_headers if wide else [])
        h += [c.split("/")[-1].upper() for c in label_cols]
        if args.has("show-labels"):
            h.append("LABELS")
        rows.append(h)
    prefix = (res.singular if not res.group else f"{res.singular}.{res.group}") + "/" if multi else ""
    named = headers[0] == "NAME"  # events have no NAME column
    order = (lambda o: (o["metadata"].get("namespace") or "", o["metadata"]["name"])) if named else \
        (lambda o: (o["metadata"].get("namespace") or "", o.get("lastTimestamp") or "", o["metadata"]["name"]))
    for o in sorted(objs, key=order):
        name = prefix + o["metadata"]["name"]
        if res.kind == "StorageClass" and _is_default_class(o):  # upstream: printStorageClass
            name += " (default)"
        r = ([o["metadata"].get("namespace", "")] if show_ns else []) + ([name] if named else [])
        r += row(o, now)
        if wide:
            r += wide_row(o, now)
        labels = o["metadata"].get("labels") or {}
        r += [labels.get(c, "") for c in label_cols]
        if args.has("show-labels"):
            r.append(label_string(labels))
        rows.append(r)
    return rows


def _is_default_class(sc: dict) -> bool:
    """storageclass.kubernetes.io/is-default-class (or its beta twin) set to "true"."""
    ann = sc["metadata"].get("annotations") or {}
    return "true" in (ann.get("storageclass.kubernetes.io/is-default-class"),
                      ann.get("storageclass.beta.kubernetes.io/is-default-class"))
