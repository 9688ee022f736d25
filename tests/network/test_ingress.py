"""Ingress matching: the docs' path table, wildcard hosts, precedence, default backend, TLS; lab.network.route."""

import pytest

import k8slab as kl
from k8slab.network.ingress import FAKE_CERTIFICATE, host_matches, path_matches, route

DOCS = "https://kubernetes.io/docs/concepts/services-networking/ingress/#examples"

# The "Examples" table of the Ingress docs: (kind, rule paths, request path, matches?)
PATH_TABLE = [
    ("Prefix", ["/"], "/anything/at/all", True, "Prefix / matches every path"),
    ("Exact", ["/foo"], "/foo", True, "Exact /foo matches /foo"),
    ("Exact", ["/foo"], "/bar", False, "Exact /foo does not match /bar"),
    ("Exact", ["/foo"], "/foo/", False, "Exact /foo does not match /foo/"),
    ("Exact", ["/foo/"], "/foo", False, "Exact /foo/ does not match /foo"),
    ("Prefix", ["/foo"], "/foo", True, "Prefix /foo matches /foo"),
    ("Prefix", ["/foo"], "/foo/", True, "Prefix /foo matches /foo/"),
    ("Prefix", ["/foo/"], "/foo", True, "Prefix /foo/ matches /foo"),
    ("Prefix", ["/foo/"], "/foo/", True, "Prefix /foo/ matches /foo/"),
    ("Prefix", ["/aaa/bb"], "/aaa/bbb", False, "Prefix /aaa/bb does not match /aaa/bbb"),
    ("Prefix", ["/aaa/bbb"], "/aaa/bbb", True, "Prefix /aaa/bbb matches /aaa/bbb"),
    ("Prefix", ["/aaa/bbb/"], "/aaa/bbb", True, "Prefix /aaa/bbb/ ignores the trailing slash"),
    ("Prefix", ["/aaa/bbb"], "/aaa/bbb/", True, "Prefix /aaa/bbb matches the trailing slash"),
    ("Prefix", ["/aaa/bbb"], "/aaa/bbb/ccc", True, "Prefix /aaa/bbb matches a subpath"),
    ("Prefix", ["/aaa/bbb"], "/aaa/bbbxyz", False, "Prefix /aaa/bbb does not match a string prefix"),
    ("Prefix", ["/", "/aaa"], "/aaa/ccc", True, "/ and /aaa: /aaa/ccc matches the /aaa prefix"),
    ("Prefix", ["/", "/aaa", "/aaa/bbb"], "/aaa/bbb", True, "/aaa/bbb matches the /aaa/bbb prefix"),
    ("Prefix", ["/", "/aaa", "/aaa/bbb"], "/ccc", True, "/ccc matches the / prefix"),
    ("Prefix", ["/aaa"], "/ccc", False, "Prefix /aaa does not match /ccc: default backend"),
]


def ingress(name, paths, host="", default=None, created="2026-01-01T00:00:00Z", ns="default", tls=None):
    spec = {"rules": [{"host": host, "http": {"paths": [
        {"path": p, "pathType": t, "backend": {"service": {"name": svc, "port": {"number": 80}}}}
        for p, t, svc in paths]}}]}
    if not host:
        del spec["rules"][0]["host"]
    if default:
        spec["defaultBackend"] = {"service": {"name": default, "port": {"number": 80}}}
    if tls:
        spec["tls"] = tls
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": name, "namespace": ns, "creationTimestamp": created}, "spec": spec}


@pytest.mark.parametrize("kind, paths, request_path, matches", [t[:4] for t in PATH_TABLE],
                         ids=[t[4] for t in PATH_TABLE])
def test_docs_path_table(kind, paths, request_path, matches):
    ing = ingress("t", [(p, kind, f"svc{i}") for i, p in enumerate(paths)])
    r = route([ing], "example.com", request_path)
    assert (r is not None) == matches
    if len(paths) > 1 and matches:  # the longest matching path wins
        best = max((p for p in paths if path_matches(kind, p, request_path)), key=len)
        assert r.path == best


def test_exact_wins_over_prefix_for_the_same_path():
    # docs: "Mixed | /foo (Prefix), /foo (Exact) | /foo | Yes, prefers Exact"
    ing = ingress("t", [("/foo", "Prefix", "prefix"), ("/foo", "Exact", "exact")])
    assert route([ing], "h", "/foo").service == "exact"
    assert route([ing], "h", "/foo/bar").service == "prefix"


HOSTS = [
    ("*.foo.com", "bar.foo.com", 2, "a wildcard matches a shared suffix"),
    ("*.foo.com", "baz.bar.foo.com", 0, "a wildcard covers a single DNS label only"),
    ("*.foo.com", "foo.com", 0, "a wildcard needs one label"),
    ("foo.bar.com", "foo.bar.com", 3, "an exact host matches itself"),
    ("foo.bar.com", "FOO.bar.com:8080", 3, "host matching ignores case and the port"),
]


@pytest.mark.parametrize("rule, host, rank", [h[:3] for h in HOSTS], ids=[h[3] for h in HOSTS])
def test_docs_hostname_wildcards(rule, host, rank):
    assert host_matches(rule, host) == rank


def test_precedence_default_backend_and_oldest_ingress():
    old = ingress("old", [("/", "Prefix", "old-svc")], host="shop.example.com", created="2026-01-01T00:00:00Z")
    new = ingress("new", [("/", "Prefix", "new-svc")], host="shop.example.com", created="2026-01-02T00:00:00Z")
    wild = ingress("wild", [("/", "Prefix", "wild-svc"), ("/api", "Prefix", "wild-api")], host="*.example.com")
    catch = ingress("catch", [("/", "Prefix", "catch-svc")], default="fallback")
    ings = [new, wild, catch, old]
    assert route(ings, "shop.example.com", "/api").service == "old-svc"  # exact host first, then oldest
    assert route(ings, "blog.example.com", "/api/x").service == "wild-api"
    assert route(ings, "other.org", "/").service == "catch-svc"
    only_default = ingress("d", [("/x", "Exact", "x")], default="fallback")
    r = route([only_default], "h", "/y")
    assert (r.service, r.path, repr(r)) == ("fallback", None,
                                            "<Route * defaultBackend -> default/fallback:80 (ingress default/d)>")


def test_tls_from_a_secret_or_the_fake_certificate():
    ing = ingress("t", [("/", "Prefix", "web")], host="shop.example.com",
                  tls=[{"hosts": ["shop.example.com"], "secretName": "shop-tls"}])
    ok = {"default/shop-tls": {"type": "kubernetes.io/tls", "data": {"tls.crt": "x", "tls.key": "y"}}}
    assert route([ing], "shop.example.com", "/", ok).certificate == "default/shop-tls"
    assert route([ing], "shop.example.com", "/", {}).certificate == FAKE_CERTIFICATE


def test_lab_network_route_reads_ingresses_and_classes():
    lab = kl.Cluster()
    lab.apply("""
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}
      - {path: /, pathType: Prefix, backend: {service: {name: front, port: {name: http}}}}
""")
    r = lab.network.route("shop.example.com", "/api/orders")
    assert (r.service, r.port, r.ingress) == ("api", 8080, "default/shop")
    assert lab.network.route("shop.example.com", "/").port == "http"
    assert lab.network.route("shop.example.com", "/", ingress_class="nginx").service == "front"
    assert lab.network.route("shop.example.com", "/", ingress_class="other") is None
    assert lab.network.route("www.example.com", "/") is None


BAD = [
    ({"rules": [{"http": {"paths": [{"path": "api", "pathType": "Prefix",
                                     "backend": {"service": {"name": "a", "port": {"number": 80}}}}]}}]},
     'spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path', "a relative path"),
    ({"rules": [{"http": {"paths": [{"path": "/a//b", "pathType": "Exact",
                                     "backend": {"service": {"name": "a", "port": {"number": 80}}}}]}}]},
     "spec.rules[0].http.paths[0].path: Invalid value: \"/a//b\": must not contain '//'", "a double slash"),
    ({"rules": [{"host": "10.0.0.1", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                                                          "backend": {"service": {"name": "a", "port": {"number": 80}}}}]}}]},
     'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address', "an IP as host"),
    ({"rules": [{"http": {"paths": [{"path": "/", "pathType": "Prefix",
                                     "backend": {"service": {"name": "a", "port": {}}}}]}}]},
     "spec.rules[0].http.paths[0].backend: Required value: port name or number is required", "a backend without port"),
]


@pytest.mark.parametrize("spec, message", [b[:2] for b in BAD], ids=[f"rejects {b[2]}" for b in BAD])
def test_invalid_ingress_is_rejected_with_upstream_text(spec, message):
    lab = kl.Cluster()
    with pytest.raises(kl.Invalid) as err:
        lab.apply({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "bad"}, "spec": spec})
    assert str(err.value) == f'The Ingress "bad" is invalid: {message}'
    assert lab.list("ingress") == []
