"""Authentication as kube-apiserver sees it: users, groups, service accounts, certificates, tokens, Entra ID."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

__all__ = [
    "UserInfo",
    "SYSTEM_PRIVILEGED_GROUP",
    "NODES_GROUP",
    "MONITORING_GROUP",
    "ALL_UNAUTHENTICATED",
    "ALL_AUTHENTICATED",
    "ANONYMOUS",
    "APISERVER_USER",
    "KUBE_PROXY",
    "KUBE_CONTROLLER_MANAGER",
    "KUBE_SCHEDULER",
    "SERVICE_ACCOUNT_USERNAME_PREFIX",
    "SERVICE_ACCOUNT_GROUP_PREFIX",
    "ALL_SERVICE_ACCOUNTS_GROUP",
    "KUBEADM_ADMIN",
    "make_username",
    "matches_username",
    "split_username",
    "make_group_names",
    "make_namespace_group_name",
    "service_account_user",
    "authenticate_cert",
    "anonymous_user",
    "add_authenticated_group",
    "impersonate",
    "TokenAuthenticator",
    "EntraDirectory",
    "jwt_claims",
]

# upstream: staging/src/k8s.io/apiserver/pkg/authentication/user/user.go (well-known user and group names)
SYSTEM_PRIVILEGED_GROUP = "system:masters"
NODES_GROUP = "system:nodes"
MONITORING_GROUP = "system:monitoring"
ALL_UNAUTHENTICATED = "system:unauthenticated"
ALL_AUTHENTICATED = "system:authenticated"
ANONYMOUS = "system:anonymous"
APISERVER_USER = "system:apiserver"
KUBE_PROXY = "system:kube-proxy"
KUBE_CONTROLLER_MANAGER = "system:kube-controller-manager"
KUBE_SCHEDULER = "system:kube-scheduler"

# upstream: staging/src/k8s.io/apiserver/pkg/authentication/serviceaccount/util.go
SERVICE_ACCOUNT_USERNAME_PREFIX = "system:serviceaccount:"
SERVICE_ACCOUNT_USERNAME_SEPARATOR = ":"
SERVICE_ACCOUNT_GROUP_PREFIX = "system:serviceaccounts:"
ALL_SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts"
POD_NAME_KEY = "authentication.kubernetes.io/pod-name"
POD_UID_KEY = "authentication.kubernetes.io/pod-uid"


@dataclass(frozen=True)
class UserInfo:
    """The identity a request carries after authentication (upstream ``user.DefaultInfo``).

    Examples
    --------
    >>> UserInfo("alice", ("dev",))
    <UserInfo alice groups=[dev]>
    """

    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "groups", tuple(self.groups))
        # a plain dict of tuples (copyable and picklable); treat it as read-only
        object.__setattr__(self, "extra", {k: tuple(v) for k, v in dict(self.extra).items()})

    def __hash__(self):
        return hash((self.name, self.groups, self.uid, tuple(sorted(self.extra.items()))))

    def __eq__(self, other):
        if not isinstance(other, UserInfo):
            return NotImplemented
        return (self.name, self.groups, self.uid, dict(self.extra)) == (
            other.name, other.groups, other.uid, dict(other.extra))

    def __repr__(self):
        return f"<UserInfo {self.name or '(no name)'} groups=[{' '.join(self.groups)}]>"

    def to_dict(self) -> dict:
        """The ``authentication.k8s.io/v1`` UserInfo shape (as in a SelfSubjectReview status).

        Examples
        --------
        >>> UserInfo("alice", ("dev", "system:authenticated")).to_dict()
        {'username': 'alice', 'groups': ['dev', 'system:authenticated']}
        """
        out: dict = {"username": self.name}
        if self.uid:
            out["uid"] = self.uid
        if self.groups:
            out["groups"] = list(self.groups)
        if self.extra:
            out["extra"] = {k: list(v) for k, v in sorted(self.extra.items())}
        return out


#: The default identity of a fresh kubeadm cluster: client certificate CN=kubernetes-admin,
#: O=system:masters (kubeadm >= 1.29 writes that certificate to super-admin.conf and gives
#: admin.conf O=kubeadm:cluster-admins, bound to cluster-admin; the lab keeps the classic form).
KUBEADM_ADMIN = UserInfo("kubernetes-admin", (SYSTEM_PRIVILEGED_GROUP, ALL_AUTHENTICATED))


def make_username(namespace: str, name: str) -> str:
    """The user name of a ServiceAccount (upstream ``serviceaccount.MakeUsername``).

    Examples
    --------
    >>> make_username("dev", "ci")
    'system:serviceaccount:dev:ci'
    """
    return SERVICE_ACCOUNT_USERNAME_PREFIX + namespace + SERVICE_ACCOUNT_USERNAME_SEPARATOR + name


def matches_username(namespace: str, name: str, username: str) -> bool:
    """Whether ``username`` is the ServiceAccount ``namespace/name`` (upstream ``MatchesUsername``).

    Examples
    --------
    >>> matches_username("dev", "ci", "system:serviceaccount:dev:ci")
    True
    >>> matches_username("dev", "ci", "system:serviceaccount:dev:cd")
    False
    """
    return username == make_username(namespace, name)


_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def split_username(username: str) -> tuple[str, str]:
    """Namespace and name of a ServiceAccount user name (upstream ``serviceaccount.SplitUsername``).

    Raises ``ValueError`` with upstream's message when the name was not made by `make_username`
    (namespace must be a DNS-1123 label, name a DNS-1123 subdomain).

    Examples
    --------
    >>> split_username("system:serviceaccount:dev:ci")
    ('dev', 'ci')
    >>> split_username("alice")
    Traceback (most recent call last):
    ...
    ValueError: Username must be in the form system:serviceaccount:namespace:name
    """
    err = ValueError("Username must be in the form " + make_username("namespace", "name"))
    if not username.startswith(SERVICE_ACCOUNT_USERNAME_PREFIX):
        raise err
    parts = username[len(SERVICE_ACCOUNT_USERNAME_PREFIX):].split(SERVICE_ACCOUNT_USERNAME_SEPARATOR)
    if len(parts) != 2:
        raise err
    namespace, name = parts
    # upstream: apimachinery ValidateNamespaceName (DNS-1123 label) / ValidateServiceAccountName (subdomain)
    if len(namespace) > 63 or not _DNS1123_LABEL.match(namespace):
        raise err
    if len(name) > 253 or not _DNS1123_SUBDOMAIN.match(name):
        raise err
    return namespace, name


def make_namespace_group_name(namespace: str) -> str:
    """The group every ServiceAccount of a namespace is in.

    Examples
    --------
    >>> make_namespace_group_name("dev")
    'system:serviceaccounts:dev'
    """
    return SERVICE_ACCOUNT_GROUP_PREFIX + namespace


def make_group_names(namespace: str) -> tuple[str, str]:
    """The groups of a ServiceAccount (upstream ``serviceaccount.MakeGroupNames``).

    Examples
    --------
    >>> make_group_names("dev")
    ('system:serviceaccounts', 'system:serviceaccounts:dev')
    """
    return (ALL_SERVICE_ACCOUNTS_GROUP, make_namespace_group_name(namespace))


def service_account_user(namespace: str, name: str, uid: str = "", pod_name: str = "",
                         pod_uid: str = "", authenticated: bool = True) -> UserInfo:
    """The identity of a ServiceAccount token, as the apiserver sees it.

    ``ServiceAccountInfo.UserInfo`` gives the name and the two service-account groups; the
    authenticated-group adder then appends ``system:authenticated`` (``authenticated=False``
    leaves it out, as the token authenticator alone returns).

    Examples
    --------
    >>> service_account_user("dev", "ci").groups
    ('system:serviceaccounts', 'system:serviceaccounts:dev', 'system:authenticated')
    """
    extra = {}
    if pod_name and pod_uid:  # upstream: ServiceAccountInfo.UserInfo adds both or neither
        extra = {POD_NAME_KEY: (pod_name,), POD_UID_KEY: (pod_uid,)}
    info = UserInfo(make_username(namespace, name), make_group_names(namespace), uid, extra)
    return add_authenticated_group(info) if authenticated else info


def add_authenticated_group(info: UserInfo) -> UserInfo:
    """Append ``system:authenticated`` as the apiserver does after any successful authentication.

    upstream: staging/src/k8s.io/apiserver/pkg/authentication/group/authenticated_group_adder.go —
    not for ``system:anonymous``, and not when ``system:authenticated`` or
    ``system:unauthenticated`` is already present.

    Examples
    --------
    >>> add_authenticated_group(UserInfo("alice", ("dev",))).groups
    ('dev', 'system:authenticated')
    >>> add_authenticated_group(anonymous_user()).groups
    ('system:unauthenticated',)
    """
    if info.name == ANONYMOUS:
        return info
    if ALL_AUTHENTICATED in info.groups or ALL_UNAUTHENTICATED in info.groups:
        return info
    return UserInfo(info.name, info.groups + (ALL_AUTHENTICATED,), info.uid, info.extra)


def anonymous_user() -> UserInfo:
    """The identity of a request no authenticator accepted, when anonymous auth is on.

    upstream: staging/src/k8s.io/apiserver/pkg/authentication/request/anonymous/anonymous.go

    Examples
    --------
    >>> anonymous_user()
    <UserInfo system:anonymous groups=[system:unauthenticated]>
    """
    return UserInfo(ANONYMOUS, (ALL_UNAUTHENTICATED,))


def authenticate_cert(cn: str, orgs: Iterable[str] = ()) -> UserInfo | None:
    """The user of a verified client certificate: name from CN, groups from O.

    upstream: staging/src/k8s.io/apiserver/pkg/authentication/request/x509/x509.go
    ``CommonNameUserConversion`` (an empty CN authenticates nobody: ``None``), then the
    authenticated-group adder. Chain verification against the client CA is not simulated.

    Examples
    --------
    >>> authenticate_cert("kubernetes-admin", ["system:masters"])
    <UserInfo kubernetes-admin groups=[system:masters system:authenticated]>
    >>> authenticate_cert("") is None
    True
    """
    if not cn:
        return None
    return add_authenticated_group(UserInfo(cn, tuple(orgs)))


def impersonate(username: str, groups: Iterable[str] = (), uid: str = "",
                extra: Mapping[str, Iterable[str]] | None = None) -> UserInfo:
    """The identity kubectl ``--as``/``--as-group`` produces once impersonation is allowed.

    upstream: staging/src/k8s.io/apiserver/pkg/endpoints/filters/impersonation.go — a
    ServiceAccount user name without ``--as-group`` gets its fixed groups; a non-anonymous user
    gets ``system:authenticated`` unless ``system:authenticated``/``system:unauthenticated``
    was given; ``system:anonymous`` gets ``system:unauthenticated``. (The ``impersonate`` verb
    checks on users/groups/serviceaccounts are the authorizer's job.)

    Examples
    --------
    >>> impersonate("alice", ["dev"]).groups
    ('dev', 'system:authenticated')
    >>> impersonate("system:serviceaccount:ci:deployer").groups
    ('system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated')
    """
    groups = list(groups)
    if not groups and username.startswith(SERVICE_ACCOUNT_USERNAME_PREFIX):
        try:
            namespace, _ = split_username(username)
            groups = list(make_group_names(namespace))
        except ValueError:
            pass
    if username != ANONYMOUS:
        if ALL_AUTHENTICATED not in groups and ALL_UNAUTHENTICATED not in groups:
            groups.append(ALL_AUTHENTICATED)
    elif ALL_UNAUTHENTICATED not in groups:
        groups.append(ALL_UNAUTHENTICATED)
    return UserInfo(username, tuple(groups), uid, {k: tuple(v) for k, v in (extra or {}).items()})


class TokenAuthenticator:
    """A static bearer-token table, like kube-apiserver ``--token-auth-file``.

    upstream: staging/src/k8s.io/apiserver/pkg/authentication/token/tokenfile/tokenfile.go.
    `authenticate` returns the user with ``system:authenticated`` added (the group adder wraps
    every authenticator), or ``None`` for an unknown token.

    Examples
    --------
    >>> tokens = TokenAuthenticator({"s3cr3t": UserInfo("ci-bot", ("ci",))})
    >>> tokens.authenticate("s3cr3t")
    <UserInfo ci-bot groups=[ci system:authenticated]>
    >>> tokens.authenticate("nope") is None
    True
    """

    def __init__(self, tokens: Mapping[str, UserInfo] | None = None):
        self._tokens: dict[str, UserInfo] = dict(tokens or {})

    def add(self, token: str, user: UserInfo) -> None:
        """Map ``token`` to ``user`` (replacing any previous mapping)."""
        self._tokens[token] = user

    def remove(self, token: str) -> None:
        """Forget ``token`` (a revoked credential)."""
        self._tokens.pop(token, None)

    def __len__(self):
        return len(self._tokens)

    def __repr__(self):
        return f"<TokenAuthenticator {len(self._tokens)} tokens>"  # never prints token values

    def authenticate(self, token: str) -> UserInfo | None:
        """The user of ``token`` with ``system:authenticated`` added, or ``None``."""
        user = self._tokens.get(token)
        return None if user is None else add_authenticated_group(user)

    @classmethod
    def from_csv(cls, text: str, path: str = "tokens.csv") -> "TokenAuthenticator":
        """Parse a token file: ``token,user,uid,"group1,group2"`` per line.

        Raises ``ValueError`` with upstream's message for a record with fewer than 3 columns;
        records with an empty token are skipped (upstream logs a warning).

        Examples
        --------
        >>> t = TokenAuthenticator.from_csv('abc,alice,1001,"dev,qa"')
        >>> t.authenticate("abc")
        <UserInfo alice groups=[dev qa system:authenticated]>
        >>> TokenAuthenticator.from_csv("abc,alice")
        Traceback (most recent call last):
        ...
        ValueError: token file 'tokens.csv' must have at least 3 columns (token, user name, user uid), found 2
        """
        tokens: dict[str, UserInfo] = {}
        for record in csv.reader(io.StringIO(text)):
            if not record:
                continue  # Go's csv reader skips empty lines
            if len(record) < 3:
                raise ValueError(f"token file '{path}' must have at least 3 columns "
                                 f"(token, user name, user uid), found {len(record)}")
            if record[0] == "":
                continue
            groups = tuple(record[3].split(",")) if len(record) >= 4 else ()
            tokens[record[0]] = UserInfo(record[1], groups, record[2])
        return cls(tokens)


class EntraDirectory:
    """A small Microsoft Entra ID tenant: users and groups with object IDs, for AKS.

    On AKS with Microsoft Entra integration, kubectl signs in through kubelogin and the
    apiserver's webhook token authenticator turns the Entra token into a user: the user name is
    the user principal name (UPN) and the groups are the *object IDs* of the Entra groups the user
    is in. Kubernetes RBAC bindings therefore name users by UPN and groups by object ID
    (``kind: Group, name: <objectId>``). `group_subject` / `user_subject` accept a display name or
    an object ID and give the subject to put in a binding.

    Kubernetes RBAC vs Azure RBAC: with "Microsoft Entra authentication with Kubernetes RBAC" the
    cluster's own Roles and RoleBindings decide (what this package simulates). With "Azure RBAC
    for Kubernetes Authorization", Azure role assignments (Azure Kubernetes Service RBAC Reader /
    Writer / Admin / Cluster Admin, scoped to the cluster or a namespace) are checked by an
    authorization webhook managed by Azure; Kubernetes RBAC still applies to what the webhook does
    not allow. The Azure RBAC webhook, group overage claims and token lifetimes are not simulated.

    Examples
    --------
    >>> d = EntraDirectory()
    >>> d.add_group("appdev", "a1b2c3d4-0000-0000-0000-000000000001")
    >>> d.add_user("aksdev@contoso.com", "f0e1d2c3-0000-0000-0000-000000000009", groups=["appdev"])
    >>> d.user_info("aksdev@contoso.com").groups
    ('a1b2c3d4-0000-0000-0000-000000000001', 'system:authenticated')
    >>> d.group_subject("appdev")
    {'apiGroup': 'rbac.authorization.k8s.io', 'kind': 'Group', 'name': 'a1b2c3d4-0000-0000-0000-000000000001'}
    >>> d.display_name("a1b2c3d4-0000-0000-0000-000000000001")
    'appdev'
    """

    def __init__(self):
        self._groups: dict[str, str] = {}        # display name -> object id
        self._group_names: dict[str, str] = {}   # object id -> display name
        self._users: dict[str, str] = {}         # UPN -> object id
        self._user_names: dict[str, str] = {}    # object id -> UPN
        self._members: dict[str, list[str]] = {}  # UPN -> group object ids, in the order given

    def __repr__(self):
        return f"<EntraDirectory {len(self._users)} users, {len(self._groups)} groups>"

    def add_group(self, display_name: str, object_id: str) -> None:
        """Register a group."""
        self._groups[display_name] = object_id
        self._group_names[object_id] = display_name

    def add_user(self, upn: str, object_id: str, groups: Iterable[str] = ()) -> None:
        """Register a user and the groups (names or object IDs) they belong to."""
        self._users[upn] = object_id
        self._user_names[object_id] = upn
        self._members[upn] = [self.group_object_id(g) for g in groups]

    def add_member(self, upn_or_oid: str, group: str) -> None:
        """Add a user to a group (both by name or object ID)."""
        upn = self._user_names.get(upn_or_oid, upn_or_oid)
        oid = self.group_object_id(group)
        if oid not in self._members.setdefault(upn, []):
            self._members[upn].append(oid)

    def group_object_id(self, name_or_oid: str) -> str:
        """Object ID of a group given its display name or object ID; ``KeyError`` if unknown."""
        if name_or_oid in self._group_names:
            return name_or_oid
        if name_or_oid in self._groups:
            return self._groups[name_or_oid]
        raise KeyError(f"no Entra group {name_or_oid!r}")

    def user_object_id(self, upn_or_oid: str) -> str:
        """Object ID of a user given the UPN or object ID; ``KeyError`` if unknown."""
        if upn_or_oid in self._user_names:
            return upn_or_oid
        if upn_or_oid in self._users:
            return self._users[upn_or_oid]
        raise KeyError(f"no Entra user {upn_or_oid!r}")

    def display_name(self, object_id: str) -> str:
        """The group display name or user UPN of an object ID (the ID itself if unknown)."""
        return self._group_names.get(object_id) or self._user_names.get(object_id) or object_id

    def user_info(self, upn_or_oid: str) -> UserInfo:
        """The Kubernetes identity of a signed-in Entra user: UPN and group object IDs."""
        upn = self._user_names.get(upn_or_oid, upn_or_oid)
        self.user_object_id(upn)
        return add_authenticated_group(UserInfo(upn, tuple(self._members.get(upn, ()))))

    def user_subject(self, upn_or_oid: str) -> dict:
        """The RBAC subject for an Entra user (``kind: User``, name = UPN)."""
        upn = self._user_names.get(upn_or_oid, upn_or_oid)
        self.user_object_id(upn)
        return {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": upn}

    def group_subject(self, name_or_oid: str) -> dict:
        """The RBAC subject for an Entra group (``kind: Group``, name = object ID)."""
        return {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
                "name": self.group_object_id(name_or_oid)}


def jwt_claims(token: str) -> dict:
    """The claims of a JWT (its middle part, base64url JSON), without checking the signature.

    What ``kubectl create token`` returns can be read this way (so can anyone who finds it).

    Examples
    --------
    >>> jwt_claims("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.sig")
    {'sub': 'alice'}
    """
    import base64
    import json

    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
