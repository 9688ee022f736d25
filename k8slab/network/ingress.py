"""Ingress routing: which Service and port serve a request for a host and path, as an ingress controller decides."""

# upstream: staging/src/k8s.io/api/networking/v1/types.go (PathType semantics, host wildcards)
# upstream: https://kubernetes.io/docs/concepts/services-networking/ingress/ ("Examples" matching table,
#           "Multiple matches", "Hostname wildcards")

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Route", "path_matches", "host_matches", "route", "effective_class", "DEFAULT_CLASS_ANNOTATION"]

DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
_LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
#: ingress-nginx serves this self-signed certificate when a TLS Secret is missing or unusable
FAKE_CERTIFICATE = "Kubernetes Ingress Controller Fake Certificate"


@dataclass(frozen=True)
class Route:
    """The backend that serves a request: ``service`` and ``port`` (a number or a port name)."""

    service: str
    port: int | str
    namespace: str
    ingress: str  # namespace/name of the Ingress whose rule matched
    host: str  # the rule's host ("" for a rule without host)
    path: str | None  # the matched path, None for the default backend
    path_type: str | None
    tls_secret: str | None = None  # namespace/name of the Secret that terminates TLS for the host
    certificate: str | None = None  # what the client is shown: the Secret, or the fake certificate

    def __repr__(self) -> str:
        how = f"{self.path_type} {self.path}" if self.path is not None else "defaultBackend"
        host = self.host or "*"
        return f"<Route {host} {how} -> {self.namespace}/{self.service}:{self.port} (ingress {self.ingress})>"


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def path_matches(path_type: str, rule_path: str, request_path: str) -> bool:
    """Whether ``request_path`` matches a rule path of ``path_type``.

    Exact matches the path exactly, case-sensitively. Prefix matches element by element of the path split
    by ``/``: ``/foo/bar`` matches ``/foo/bar/baz`` but not ``/foo/barbaz``; trailing slashes are ignored.
    ImplementationSpecific is up to the IngressClass; the lab's controller (like ingress-nginx without regex)
    treats it as Prefix.

    Examples
    --------
    >>> path_matches("Prefix", "/aaa/bbb", "/aaa/bbbxyz")
    False
    >>> path_matches("Prefix", "/aaa/bbb/", "/aaa/bbb")
    True
    >>> path_matches("Exact", "/foo", "/foo/")
    False
    """
    if path_type == "Exact":
        return rule_path == request_path
    rule = _segments(rule_path or "/")
    return _segments(request_path)[:len(rule)] == rule


def host_matches(rule_host: str, host: str) -> int:
    """0: no match; 3: exact host; 2: wildcard ``*.foo.com`` covering exactly one more label; 1: rule without host.

    Examples
    --------
    >>> host_matches("*.foo.com", "bar.foo.com"), host_matches("*.foo.com", "baz.bar.foo.com")
    (2, 0)
    >>> host_matches("*.foo.com", "foo.com"), host_matches("", "anything.example")
    (0, 1)
    """
    host = host.lower().split(":")[0]
    if not rule_host:
        return 1
    if rule_host.startswith("*."):
        first, _, rest = host.partition(".")
        return 2 if first and rest == rule_host[2:].lower() else 0
    return 3 if rule_host.lower() == host else 0


def effective_class(ingress: dict, classes: list[dict]) -> str | None:
    """The IngressClass an Ingress belongs to: ``spec.ingressClassName``, the legacy annotation, or the default class."""
    spec = ingress.get("spec") or {}
    name = spec.get("ingressClassName") or ((ingress.get("metadata") or {}).get("annotations") or {}).get(
        _LEGACY_CLASS_ANNOTATION)
    if name:
        return name
    defaults = [c["metadata"]["name"] for c in classes
                if ((c["metadata"].get("annotations") or {}).get(DEFAULT_CLASS_ANNOTATION)) == "true"]
    return defaults[0] if len(defaults) == 1 else None


def _port(backend_service: dict) -> int | str:
    port = backend_service.get("port") or {}
    return port.get("number") or port.get("name") or 0


def _tls(ingresses: list[dict], host: str, secrets: dict[str, dict]) -> tuple[str | None, str | None]:
    for ing in ingresses:
        ns = ing["metadata"].get("namespace", "default")
        for t in (ing.get("spec") or {}).get("tls") or ():
            hosts = t.get("hosts") or []
            if any(host_matches(h, host) >= 2 for h in hosts):
                name = t.get("secretName")
                key = f"{ns}/{name}" if name else None
                secret = secrets.get(key) if key else None
                ok = secret is not None and secret.get("type") == "kubernetes.io/tls" \
                    and {"tls.crt", "tls.key"} <= set((secret.get("data") or {}))
                return key, (key if ok else FAKE_CERTIFICATE)
    return None, None


def route(ingresses: list[dict], host: str, path: str = "/", secrets: dict[str, dict] | None = None
          ) -> Route | None:
    """The backend for a request, over the Ingresses one controller serves.

    Precedence (the Ingress docs, and ingress-nginx's servers for hosts): the most specific host wins (an exact
    host, then a wildcard, then rules without host); within it the longest matching path, then Exact over
    Prefix, then the oldest Ingress. With no matching path the oldest ``spec.defaultBackend`` serves; with none,
    None (the controller's own 404 backend).

    Examples
    --------
    >>> ing = {"metadata": {"name": "web", "namespace": "default", "creationTimestamp": "2026-01-01T00:00:00Z"},
    ...        "spec": {"rules": [{"host": "shop.example.com", "http": {"paths": [
    ...            {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "front", "port": {"number": 80}}}},
    ...            {"path": "/api", "pathType": "Prefix", "backend": {"service": {"name": "api", "port": {"number": 8080}}}}
    ...        ]}}]}}
    >>> r = route([ing], "shop.example.com", "/api/v1/cart")
    >>> r.service, r.port
    ('api', 8080)
    >>> route([ing], "other.example.com", "/") is None
    True
    """
    ordered = sorted(ingresses, key=lambda i: (i["metadata"].get("creationTimestamp") or "",
                                               i["metadata"].get("namespace", ""), i["metadata"]["name"]))
    candidates = []  # (host rank, path length, exact?, -order, ...)
    for order, ing in enumerate(ordered):
        ns = ing["metadata"].get("namespace", "default")
        for rule in (ing.get("spec") or {}).get("rules") or ():
            rank = host_matches(rule.get("host", ""), host)
            if not rank:
                continue
            for p in ((rule.get("http") or {}).get("paths")) or ():
                ptype = p.get("pathType", "ImplementationSpecific")
                rpath = p.get("path") or "/"
                if path_matches(ptype, rpath, path):
                    candidates.append((rank, len(rpath.rstrip("/")), ptype == "Exact", -order, ns, ing, rule, p))
    tls_key, cert = _tls(ordered, host, secrets or {})
    if candidates:
        best_rank = max(c[0] for c in candidates)
        rank, _, _, _, ns, ing, rule, p = max((c for c in candidates if c[0] == best_rank), key=lambda c: c[:4])
        svc = (p.get("backend") or {}).get("service") or {}
        return Route(svc.get("name", ""), _port(svc), ns, f"{ns}/{ing['metadata']['name']}", rule.get("host", ""),
                     p.get("path") or "/", p.get("pathType"), tls_key, cert)
    for ing in ordered:
        svc = ((ing.get("spec") or {}).get("defaultBackend") or {}).get("service")
        if svc:
            ns = ing["metadata"].get("namespace", "default")
            return Route(svc.get("name", ""), _port(svc), ns, f"{ns}/{ing['metadata']['name']}", "", None, None,
                         tls_key, cert)
    return None
