"""``kubectl create configmap|secret generic|secret tls|secret docker-registry`` from literals, files and env files."""

# upstream: staging/src/k8s.io/kubectl/pkg/cmd/create/create_configmap.go, create_secret.go,
# create_secret_tls.go, create_secret_docker.go (handleFromLiteralSource, handleFromFileSources,
# handleFromEnvFileSource, "cannot add key %s, another key by that name already exists")

from __future__ import annotations

import base64
import json
from pathlib import Path

from k8slab.errors import ParseError
from k8slab.kubectl import KubectlResult

__all__ = ["create_data", "read_sources"]


def _add(data: dict, key: str, value: bytes, what: str) -> None:
    if key in data:
        raise ParseError(f"cannot add key {key}, another key by that name already exists in {what}")
    data[key] = value


def _env_file(path: str) -> list[tuple[str, str]]:
    # upstream: kubectl/pkg/util/env_file.go proccessEnvFileLine: KEY=VALUE lines, # comments, blank lines skipped;
    # a line with a key alone takes the value from the environment (not simulated: it is skipped)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        raise ParseError(f"error reading {path}: no such file or directory") from None
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.lstrip()
        if not line or line.startswith("#"):
            continue
        key, eq, value = line.partition("=")
        if not key.strip():
            raise ParseError(f'"{line}" is not a valid key name: a valid environment variable name must consist of '
                             "alphabetic characters, digits, '_', '-', or '.', and must not start with a digit")
        if eq:
            out.append((key, value))
    return out


def read_sources(args, what: str) -> dict[str, bytes]:
    """Key -> bytes from ``--from-literal``, ``--from-file`` (files or directories) and ``--from-env-file``."""
    data: dict[str, bytes] = {}
    for lit in args.get("from-literal") or ():
        key, eq, value = lit.partition("=")
        if not eq or not key:
            raise ParseError(f"invalid literal source {lit}, expected key=value")
        _add(data, key, value.encode(), what)
    for src in args.get("from-file") or ():
        key, eq, path = src.partition("=")
        if not eq:
            key, path = Path(src).name, src
        p = Path(path)
        if p.is_dir():
            if eq:
                raise ParseError("cannot give a key name for a directory path")
            for f in sorted(p.iterdir()):
                if f.is_file():
                    _add(data, f.name, f.read_bytes(), what)
        else:
            try:
                _add(data, key, p.read_bytes(), what)
            except OSError:
                raise ParseError(f"error reading {path}: no such file or directory") from None
    for path in args.get("from-env-file") or ():
        for key, value in _env_file(path):
            data[key] = value.encode()  # upstream: a later line overrides an earlier one
    return data


def create_data(lab, args, dry: bool, suffix: str, user) -> KubectlResult:
    words = args.words[1:]
    ns = args.get("namespace") or getattr(lab, "namespace", "default")
    if words[0] in ("configmap", "cm"):
        if len(words) < 2:
            return KubectlResult(1, "", "error: exactly one NAME is required, got 0\n")
        raw = read_sources(args, "data")
        data, binary = {}, {}
        for k, v in raw.items():  # upstream: non-UTF-8 file contents go to binaryData
            try:
                data[k] = v.decode("utf-8")
            except UnicodeDecodeError:
                binary[k] = base64.b64encode(v).decode()
        obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": words[1], "namespace": ns},
               "data": data}
        if binary:
            obj["binaryData"] = binary
        lab.api.create(obj, dry_run=dry, user=user)
        return KubectlResult(0, f"configmap/{words[1]} created{suffix}\n")
    # secret
    if len(words) < 3:
        return KubectlResult(1, "", "error: exactly one NAME is required, got 0\n")
    sub, name = words[1], words[2]
    if sub == "generic":
        stype = args.get("type") or "Opaque"
        data = {k: base64.b64encode(v).decode() for k, v in read_sources(args, "data").items()}
    elif sub == "tls":
        stype = "kubernetes.io/tls"
        try:
            data = {"tls.crt": base64.b64encode(Path(args.get("cert")).read_bytes()).decode(),
                    "tls.key": base64.b64encode(Path(args.get("key")).read_bytes()).decode()}
        except (OSError, TypeError):
            return KubectlResult(1, "", "error: --cert and --key must name readable files\n")
    elif sub == "docker-registry":
        # upstream: create_secret_docker.go builds a .dockerconfigjson
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
