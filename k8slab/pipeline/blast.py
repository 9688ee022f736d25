"""The blast radius of a credential: what its holder could do, namespace by namespace."""

from __future__ import annotations

import html
from dataclasses import dataclass

from k8slab.apiserver.rbac import parse_resource_verb

__all__ = ["BlastRadius", "blast_radius", "DEFAULT_ACTIONS"]

#: what an attacker holding a token tries first: deploy, read secrets, exec into pods, grant itself more
DEFAULT_ACTIONS = ("create deployments.apps", "patch deployments.apps", "delete deployments.apps", "get secrets",
                   "create pods/exec", "create rolebindings.rbac.authorization.k8s.io", "create pods")


@dataclass
class BlastRadius:
    """A namespaces x actions matrix of what one identity may do (True = allowed by RBAC)."""

    user: object
    namespaces: list[str]
    actions: list[str]
    allowed: list[list[bool]]

    @property
    def reach(self) -> int:
        """How many (namespace, action) pairs the identity may do."""
        return sum(map(sum, self.allowed))

    def namespaces_writable(self) -> list[str]:
        """Namespaces where it may create or change Deployments (where a stolen token can ship code)."""
        cols = [j for j, a in enumerate(self.actions) if a.split()[0] in ("create", "patch") and "deployments" in a]
        return [ns for ns, row in zip(self.namespaces, self.allowed) if any(row[j] for j in cols)]

    def __repr__(self) -> str:
        width = max(len(n) for n in self.namespaces + ["NAMESPACE"])
        head = "NAMESPACE".ljust(width) + "   " + "   ".join(a for a in self.actions)
        rows = [head]
        for ns, row in zip(self.namespaces, self.allowed):
            cells = "   ".join(("yes" if ok else "no").ljust(len(a)) for a, ok in zip(self.actions, row))
            rows.append(ns.ljust(width) + "   " + cells.rstrip())
        return "\n".join(rows)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(a)}</th>" for a in self.actions)
        body = "".join(f"<tr><th>{html.escape(ns)}</th>" + "".join(
            f'<td style="background:{"#ffc9c9" if ok else "#d3f9d8"}">{"yes" if ok else "no"}</td>' for ok in row)
            + "</tr>" for ns, row in zip(self.namespaces, self.allowed))
        return f"<table><tr><th>namespace</th>{head}</tr>{body}</table>"


def blast_radius(lab, user, namespaces=None, actions=DEFAULT_ACTIONS) -> BlastRadius:
    """What ``user`` may do in each namespace (all of them by default), for the actions attackers try.

    Examples
    --------
    >>> import k8slab as kl
    >>> from k8slab.apiserver.authn import UserInfo
    >>> lab = kl.Cluster(seed=0, components=[])
    >>> blast_radius(lab, UserInfo("nobody", ("system:authenticated",)), ["default"]).reach
    0
    """
    if namespaces is None:
        namespaces = [n["metadata"]["name"] for n in lab.api.etcd.scan("/registry/namespaces/")]
    authz = lab.access.authorizer
    matrix = []
    for ns in namespaces:
        row = []
        for action in actions:
            verb, group, resource, sub, path = parse_resource_verb(action)
            row.append(authz.can(user, verb, resource, ns, api_group=group, subresource=sub, path=path))
        matrix.append(row)
    return BlastRadius(user, list(namespaces), list(actions), matrix)
