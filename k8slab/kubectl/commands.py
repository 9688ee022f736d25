"""kubectl apply, create, delete, label, annotate, api-resources, explain, version."""

from __future__ import annotations

import copy

from k8slab import KUBERNETES_VERSION
from k8slab.api.resources import RESOURCES
from k8slab.errors import K8sLabError, NotFound, ParseError
from k8slab.kubectl import KubectlResult, command, error_text
from k8slab.kubectl.format import tabulate
from k8slab.kubectl.get import namespace_of, resolve_targets
from k8slab.manifests import iter_sources, parse_yaml

__all__ = ["not_simulated", "read_manifests"]


def not_simulated(what: str, why: str = "") -> KubectlResult:
    return KubectlResult(1, "", f"error: kubectl {what} is not simulated in k8slab{': ' + why if why else ''}\n")


def read_manifests(args, stdin) -> list[tuple[dict, str]]:
    """The documents named by ``-f`` (files, folders with ``-R``, ``-`` for stdin), parsed before anything is sent."""
    files = args.get("filename") or []
    if not files:
        raise ParseError("must specify one of -f and -k")
    docs = []
    for f in files:
        if f == "-":
            docs += [(d, "STDIN") for d in parse_yaml(stdin or "", "STDIN")]
            continue
        for path in iter_sources(f, args.has("recursive")):
            docs += [(d, str(path)) for d in parse_yaml(path.read_text(encoding="utf-8"), str(path))]
    return docs


def _meta(obj: dict) -> dict:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _type_name(res) -> str:
    return res.singular if not res.group else f"{res.singular}.{res.group}"


def _dry(args) -> tuple[bool, str]:
    mode = args.get("dry-run") or "none"
    if mode not in ("none", "client", "server"):
        raise ParseError(f'Invalid dry-run value ({mode}). Must be "none", "server", or "client".')
    return mode != "none", {"client": " (dry run)", "server": " (server dry run)"}.get(mode, "")


def _user(lab, args):
    """The identity a command acts as: ``--as``/``--as-group``, else the lab's admin."""
    return getattr(lab, "identity_for", lambda a, g: None)(args.get("as"), args.get("as-group") or [])


@command("apply")
def apply(lab, args, stdin=None) -> KubectlResult:
    dry, suffix = _dry(args)
    ns = args.get("namespace")
    docs = read_manifests(args, stdin)
    out, err, rc = [], [], 0
    user = _user(lab, args)
    for obj, source in docs:
        try:
            res = lab.api.resource(obj.get("kind"), obj.get("apiVersion"))
        except K8sLabError:
            name = _meta(obj).get("name", "")
            err.append(f'error: resource mapping not found for name: "{name}" namespace: "{_meta(obj).get("namespace", "")}" '
                       f'from "{source}": no matches for kind "{obj.get("kind")}" in version "{obj.get("apiVersion")}"\n'
                       "ensure CRDs are installed first")
            rc = 1
            continue
        try:
            stored, action = lab.api.apply(obj, namespace=ns, dry_run=dry, user=user)
            out.append(f"{_type_name(res)}/{stored['metadata']['name']} {action}{suffix}")
        except K8sLabError as e:
            exists = _exists(lab, res, obj, ns)
            err.append(error_text(e, "applying patch" if exists else "creating", source))
            rc = 1
    return KubectlResult(rc, "".join(line + "\n" for line in out), "".join(e + "\n" for e in err))


def _exists(lab, res, obj, ns) -> bool:
    try:
        lab.api.get(res, _meta(obj).get("namespace") or ns or "default",
                    _meta(obj).get("name", ""))
        return True
    except K8sLabError:
        return False


@command("create")
def create(lab, args, stdin=None) -> KubectlResult:
    dry, suffix = _dry(args)
    words = args.words[1:]
    user = _user(lab, args)
    if words and words[0] in ("namespace", "ns"):
        if len(words) < 2:
            return KubectlResult(1, "", "error: exactly one NAME is required, got 0\nSee 'kubectl create namespace -h' "
                                        "for help and examples\n")
        obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": words[1]}}
        lab.api.create(obj, dry_run=dry, user=user)
        return KubectlResult(0, f"namespace/{words[1]} created{suffix}\n")
    if words and words[0] in ("configmap", "cm", "secret"):
        from k8slab.kubectl.create_data import create_data

        return create_data(lab, args, dry, suffix, user)
    if words:
        return not_simulated(f"create {words[0]}", "write a manifest and use kubectl apply -f")
    out, err, rc = [], [], 0
    for obj, source in read_manifests(args, stdin):
        try:
            res = lab.api.resource(obj.get("kind"), obj.get("apiVersion"))
            stored = lab.api.create(obj, namespace=args.get("namespace"), dry_run=dry, user=user)
            out.append(f"{_type_name(res)}/{stored['metadata']['name']} created{suffix}")
        except K8sLabError as e:
            err.append(error_text(e, "creating", source))
            rc = 1
    return KubectlResult(rc, "".join(line + "\n" for line in out), "".join(e + "\n" for e in err))


@command("replace")
def replace(lab, args, stdin=None) -> KubectlResult:
    out, err, rc = [], [], 0
    for obj, source in read_manifests(args, stdin):
        try:
            res = lab.api.resource(obj.get("kind"), obj.get("apiVersion"))
            stored = lab.api.update(obj, namespace=args.get("namespace"), user=_user(lab, args))
            out.append(f"{_type_name(res)}/{stored['metadata']['name']} replaced")
        except K8sLabError as e:
            err.append(error_text(e, "replacing", source))
            rc = 1
    return KubectlResult(rc, "".join(line + "\n" for line in out), "".join(e + "\n" for e in err))


@command("delete")
def delete(lab, args, stdin=None) -> KubectlResult:
    from k8slab.api.labels import parse_selector

    grace = args.get("grace-period")
    grace = int(grace) if grace not in (None, "") else None
    if args.has("now"):
        grace = 1
    if args.has("force") and grace == 0:
        grace = 0
    ns = namespace_of(lab, args)
    user = _user(lab, args)
    pairs = []  # (res, namespace, name)
    if args.get("filename"):
        for obj, _src in read_manifests(args, stdin):
            res = lab.api.resource(obj.get("kind"), obj.get("apiVersion"))
            pairs.append((res, _meta(obj).get("namespace") or ns, _meta(obj).get("name", "")))
    else:
        targets = resolve_targets(args.words[1:])
        for res, names in targets:
            if names:
                pairs += [(res, ns, n) for n in names]
            elif args.get("selector") or args.has("all"):
                sel = parse_selector(args.get("selector") or "")
                pairs += [(res, ns, o["metadata"]["name"]) for o in lab.api.list(res, ns)
                          if sel.matches(o["metadata"].get("labels") or {})]
            else:
                return KubectlResult(1, "", "error: resource(s) were provided, but no name was specified\n")
    out, err, rc = [], [], 0
    for res, namespace, name in pairs:
        try:
            lab.api.delete(res, namespace, name, grace_period=grace, user=user)
            out.append(f'{_type_name(res)} "{name}" deleted')
        except NotFound as e:
            if args.has("ignore-not-found"):
                continue
            err.append(error_text(e))
            rc = 1
        except K8sLabError as e:
            err.append(error_text(e))
            rc = 1
    if not pairs and not err:
        return KubectlResult(0, "", f"No resources found\n")
    return KubectlResult(rc, "".join(line + "\n" for line in out), "".join(e + "\n" for e in err))


def _metadata_edit(lab, args, field: str, verb: str) -> KubectlResult:
    """kubectl label / annotate: ``key=value`` sets, ``key-`` removes, ``--overwrite`` to change a value."""
    words = args.words[1:]
    ns = namespace_of(lab, args)
    if words and "/" in words[0]:
        targets, changes = resolve_targets(words[:1]), words[1:]
    elif len(words) >= 2:
        targets, changes = resolve_targets(words[:2]), words[2:]
    else:
        return KubectlResult(1, "", f"error: one or more resources must be specified as <resource> <name> or "
                                    f"<resource>/<name>\n")
    if not changes:
        return KubectlResult(1, "", f"error: at least one {field[:-1]} update is required\n")
    out = []
    for res, names in targets:
        for name in names:
            obj = copy.deepcopy(lab.api.get(res, ns, name))
            current = obj["metadata"].setdefault(field, {})
            for ch in changes:
                if ch.endswith("-") and "=" not in ch:
                    current.pop(ch[:-1], None)
                    continue
                key, eq, value = ch.partition("=")
                if not eq:
                    return KubectlResult(1, "", f"error: invalid {field[:-1]} spec: {ch}\n")
                if key in current and current[key] != value and not args.has("overwrite"):
                    return KubectlResult(1, "", f"error: '{key}' already has a value ({current[key]}), and --overwrite "
                                                "is false\n")
                current[key] = value
            lab.api.update(obj, user=_user(lab, args))
            out.append(f"{_type_name(res)}/{name} {verb}")
    return KubectlResult(0, "".join(line + "\n" for line in out))


@command("label")
def label(lab, args, stdin=None) -> KubectlResult:
    return _metadata_edit(lab, args, "labels", "labeled")


@command("annotate")
def annotate(lab, args, stdin=None) -> KubectlResult:
    return _metadata_edit(lab, args, "annotations", "annotated")


@command("api-resources")
def api_resources(lab, args, stdin=None) -> KubectlResult:
    rows = [["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]]
    wide = args.get("output") == "wide"
    if wide:
        rows[0] += ["VERBS", "CATEGORIES"]
    res_list = sorted(RESOURCES, key=lambda r: (r.group != "", r.group, r.name))
    if args.get("namespaced") is not None:
        pass
    for r in res_list:
        row = [r.name, ",".join(r.short_names), r.api_version, "true" if r.namespaced else "false", r.kind]
        if wide:
            row += ["[" + " ".join(r.verbs) + "]", ",".join(r.categories)]
        rows.append(row)
    if args.get("output") == "name":
        return KubectlResult(0, "".join((r.name + ("." + r.group if r.group else "")) + "\n" for r in res_list))
    return KubectlResult(0, tabulate(rows) + "\n")


@command("version")
def version(lab, args, stdin=None) -> KubectlResult:
    v = f"v{KUBERNETES_VERSION}"
    text = f"Client Version: {v}\nKustomize Version: v5.7.1\n"
    if not args.has("client"):
        text += f"Server Version: {v}\n"
    return KubectlResult(0, text)


@command("explain")
def explain(lab, args, stdin=None) -> KubectlResult:
    from k8slab.kubectl.explain import explain_text

    if len(args.words) < 2:
        return KubectlResult(1, "", "error: You must specify the type of resource to explain. Use \"kubectl "
                                    "api-resources\" for a complete list of supported resources.\n")
    return KubectlResult(0, explain_text(args.words[1], recursive=args.has("recursive-fields")))


@command("cluster-info")
def cluster_info(lab, args, stdin=None) -> KubectlResult:
    return KubectlResult(0, "Kubernetes control plane is running at https://k8slab.local:6443 (simulated)\n\n"
                            "To further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n")
