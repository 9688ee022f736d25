"""The RBAC chapter's widget: pick a persona, a verb, a resource and a namespace; see RBAC's answer and why."""

from __future__ import annotations

import html
from dataclasses import dataclass

__all__ = ["AccessAnswer", "access_check", "can_i_widget", "VERBS", "RESOURCES"]

VERBS = ("get", "list", "watch", "create", "update", "patch", "delete")
RESOURCES = ("pods", "pods/log", "pods/exec", "deployments.apps", "services", "configmaps", "secrets",
             "rolebindings.rbac.authorization.k8s.io", "nodes")


@dataclass(frozen=True)
class AccessAnswer:
    """RBAC's decision for one request, as ``kubectl auth can-i`` and the apiserver would word it."""

    allowed: bool
    reason: str
    message: str  # "yes", or the apiserver's Forbidden message

    def __repr__(self) -> str:
        return f"yes ({self.reason})" if self.allowed else f"no: {self.message}"


def access_check(lab, user, verb: str, resource: str, namespace: str = "default") -> AccessAnswer:
    """Ask the lab's authorizer about one request of ``user`` (a UserInfo or a Persona).

    Examples
    --------
    >>> import k8slab as kl
    >>> from k8slab.apiserver.personas import PERSONAS, load_personas
    >>> lab = kl.Cluster(seed=0, components=[])
    >>> _ = load_personas(lab)
    >>> access_check(lab, PERSONAS[0], "delete", "pods", "prod")
    no: pods is forbidden: User "dana" cannot delete resource "pods" in API group "" in the namespace "prod"
    """
    from k8slab.apiserver.rbac import Attributes, forbidden_error, parse_resource_verb

    user = getattr(user, "user", user)
    verb, group, res, sub, path = parse_resource_verb(f"{verb} {resource}")
    scoped = lab.api.resource(res).namespaced if not path and res not in ("*",) else True
    attrs = Attributes(user, verb, namespace if scoped else "", group, res, sub, path=path,
                       resource_request=not path)
    d = lab.access.authorizer.authorize(attrs)
    if d.allowed:
        return AccessAnswer(True, d.reason or "system:masters", "yes")
    return AccessAnswer(False, d.reason, forbidden_error(attrs, d.reason))


def can_i_widget(lab, personas=None, namespaces=("dev", "staging", "prod")):
    """Dropdowns for persona, verb, resource and namespace; the answer (and the binding behind a yes) below.

    Returns an ``ipywidgets.VBox`` with ``w.result`` (the last :class:`AccessAnswer`) and ``w.ask(...)``.
    """
    import ipywidgets as W

    from k8slab.apiserver.personas import PERSONAS

    personas = list(personas or PERSONAS)
    who = W.Dropdown(options=[(f"{p.name} ({p.role})", i) for i, p in enumerate(personas)], description="who")
    verb = W.Dropdown(options=VERBS, description="verb")
    res = W.Dropdown(options=RESOURCES, description="resource")
    ns = W.Dropdown(options=list(namespaces), description="namespace")
    out = W.HTML()
    box = W.VBox([W.HBox([who, verb]), W.HBox([res, ns]), out])
    box.result = None

    def ask(persona: int | None = None, v: str | None = None, r: str | None = None, n: str | None = None):
        for w, value in ((who, persona), (verb, v), (res, r), (ns, n)):
            if value is not None:
                w.value = value
        box.result = access_check(lab, personas[who.value], verb.value, res.value, ns.value)
        if box.result.allowed:
            out.value = (f'<b style="color:#2b8a3e">yes</b> &mdash; {html.escape(box.result.reason)}')
        else:
            out.value = (f'<b style="color:#c92a2a">no</b> &mdash; <code>Error from server (Forbidden): '
                         f"{html.escape(box.result.message)}</code>")
        return box.result

    for w in (who, verb, res, ns):
        w.observe(lambda _c: ask(), names="value")
    box.ask = ask
    ask()
    return box
