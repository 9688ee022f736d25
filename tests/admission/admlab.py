"""Small manifest builders for the admission tests."""


def pod(name="web", namespace="default", containers=None, **spec):
    """A pod dict; ``containers`` are dicts (name and image default)."""
    cs = containers or [{"name": name}]
    for c in cs:
        c.setdefault("image", "nginx:1.27")
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace},
            "spec": {"containers": cs, **spec}}


def resources(requests=None, limits=None):
    out = {}
    if requests:
        out["requests"] = dict(requests)
    if limits:
        out["limits"] = dict(limits)
    return out
