"""The course's RBAC personas (data/personas/): who they are as the apiserver sees them, and who may do what."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from k8slab.apiserver.authn import UserInfo, add_authenticated_group, service_account_user

__all__ = ["Persona", "PERSONAS", "load_personas", "who_can", "WhoCan", "DEFAULT_ACTIONS"]

_DATA = Path(__file__).resolve().parent.parent.parent / "data" / "personas"


@dataclass(frozen=True)
class Persona:
    """A person or a machine the course follows, with the identity their credentials carry."""

    name: str
    role: str
    user: UserInfo

    def __repr__(self) -> str:
        return f"<Persona {self.name} ({self.role}): {self.user.name} groups=[{' '.join(self.user.groups)}]>"


PERSONAS: tuple[Persona, ...] = (
    Persona("dana", "developer", add_authenticated_group(UserInfo("dana", ("developers",)))),
    Persona("oscar", "operator", add_authenticated_group(UserInfo("oscar", ("operators",)))),
    Persona("pipeline", "CI/CD pipeline", service_account_user("ci", "pipeline")),
    Persona("aude", "auditor", add_authenticated_group(UserInfo("aude", ("auditors",)))),
)

#: the columns of the course's who-can matrix: everyday verbs on the resources people work with
DEFAULT_ACTIONS = ("get pods", "get pods/log", "create pods/exec", "create deployments.apps", "delete deployments.apps",
                   "get secrets", "create rolebindings.rbac.authorization.k8s.io", "patch nodes")


def load_personas(lab) -> tuple[Persona, ...]:
    """Apply data/personas/personas.yaml (namespaces dev/staging/prod/ci, Roles and bindings) to the lab."""
    lab.apply(_DATA / "personas.yaml")
    return PERSONAS


@dataclass
class WhoCan:
    """A subjects x actions matrix for one namespace (True = allowed)."""

    subjects: list[str]
    actions: list[str]
    namespace: str
    allowed: object  # numpy bool array

    def __repr__(self) -> str:
        w = max(len(s) for s in self.subjects + ["SUBJECT"])
        lines = ["SUBJECT".ljust(w) + "   " + "   ".join(self.actions)]
        for s, row in zip(self.subjects, self.allowed.tolist()):
            lines.append(s.ljust(w) + "   " + "   ".join(("yes" if ok else "no").ljust(len(a))
                                                        for a, ok in zip(self.actions, row)).rstrip())
        return "\n".join(lines)


def who_can(lab, namespace: str = "dev", personas=PERSONAS, actions=DEFAULT_ACTIONS) -> WhoCan:
    """Who may do what in ``namespace``: every persona against every action (RBAC's answer, cluster and namespace).

    Examples
    --------
    >>> import k8slab as kl
    >>> lab = kl.Cluster(seed=0, components=[])
    >>> _ = load_personas(lab)
    >>> m = who_can(lab, "prod", actions=("get pods", "create deployments.apps"))
    >>> m.allowed.tolist()
    [[False, False], [True, True], [True, True], [True, False]]
    """
    users = [p.user for p in personas]
    matrix = lab.access.authorizer.who_can_matrix(users, list(actions), namespace=namespace)
    return WhoCan([p.name for p in personas], list(actions), namespace, matrix)
