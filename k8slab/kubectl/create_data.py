"""``kubectl create configmap|secret generic|secret tls|secret docker-registry`` from literals and files."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from k8slab.errors import ParseError
from k8slab.kubectl import KubectlResult

__all__ = ["create_data"]


def _pairs(args) -> dict[str, str]:
    data: dict[str, str] = {}
    for lit in args.get("from-literal") or ():
        key, eq, value = lit.partition("=")
        if not eq or not key:
            raise ParseError(f"invalid literal source {lit}, expected key=value")
        data[key] = value
    for src in args.get("from-file") or ():
        key, eq, path = src.partition("=")
        if not eq:
            key, path = Path(src).name, src
        p = Path(path)
        if p.is_dir():
            for f in sorted(p.iterdir()):
                if f.is_file():
                    data[f.name] = f.read_text(encoding="utf-8")
        else:
            try:
                data[key] = p.read_text(encoding="utf-8")
            except OSError:
                raise ParseError(f"error reading {path}: no such file or directory") from None
    return data


def create_data(lab, args, dry: bool, suffix: str, user) -> KubectlResult:
    words = args.words[1:]
    ns = args.get("namespace") or getattr(lab, "namespace", "default")
    if words[0] in ("configmap", "cm"):
        if len(words) < 2:
            return KubectlResult(1, "", "error: exactly one NAME is required, got 0\n")
        obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": words[1], "namespace": ns},
               "data": _pairs(args)}
        lab.api.create(obj, dry_run=dry, user=user)
        return KubectlResult(0, f"configmap/{words[1]} created{suffix}\n")
    # secret
    if len(words) < 3:
        return KubectlResult(1, "", "error: exactly one NAME is required, got 0\n")
    sub, name = words[1], words[2]
    if sub == "generic":
        stype = args.get("type") or "Opaque"
        data = {k: base64.b64encode(v.encode()).decode() for k, v in _pairs(args).items()}
    elif sub == "tls":
        stype = "kubernetes.io/tls"
        try:
            data = {"tls.crt": base64.b64encode(Path(args.get("cert")).read_bytes()).decode(),
                    "tls.key": base64.b64encode(Path(args.get("key")).read_bytes()).decode()}
        except (OSError, TypeError):
            return KubectlResult(1, "", "error: --cert and --key must name readable files\n")
    elif sub == "docker-registry":
        # upstream: kubectl create secret docker-registry builds a .dockerconfigjson
        stype = "kubernetes.io/dockerconfigjson"
        server = args.get("docker-server") or "https://index.docker.io/v1/"
        user_, pw = args.get("docker-username") or "", args.get("docker-password") or ""
        auth = base64.b64encode(f"{user_}:{pw}".encode()).decode()
        entry = {"username": user_, "password": pw, "auth": auth}
        if args.get("docker-email"):
            entry["email"] = args.get("docker-email")
        cfg = json.dumps({"auths": {server: entry}}, separators=(",", ":"))
        data = {".dockerconfigjson": base64.b64encode(cfg.encode()).decode()}
    else:
        return KubectlResult(1, "", f'error: unknown command "{sub}" for "kubectl create secret"\n')
    obj = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": ns}, "type": stype,
           "data": data}
    lab.api.create(obj, dry_run=dry, user=user)
    return KubectlResult(0, f"secret/{name} created{suffix}\n")
