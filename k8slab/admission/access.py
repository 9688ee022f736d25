"""Who may do what, wired into a lab: identities, the RBAC authorizer fed by watches, the default policy, admission."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from contextlib import contextmanager

from k8slab.admission.chain import AdmissionChain, InternalError
from k8slab.apiserver.authn import (KUBEADM_ADMIN, SERVICE_ACCOUNT_USERNAME_PREFIX, EntraDirectory,
                                    TokenAuthenticator, UserInfo, impersonate, service_account_user,
                                    split_username)
from k8slab.apiserver.rbac import Attributes, RBACAuthorizer, forbidden_error
from k8slab.errors import Forbidden, K8sLabError, NotFound

__all__ = ["AccessControl", "CLUSTER_CA_CERT", "request_attributes"]

#: The cluster CA certificate the root-ca publisher puts in every namespace (kube-root-ca.crt). Made once for
#: the lab as kubeadm makes it (RSA-2048, CN=kubernetes, 10 years from the lab's epoch); its key was discarded.
CLUSTER_CA_CERT = """-----BEGIN CERTIFICATE-----
MIIDETCCAfmgAwIBAgIUQ2a0F1zLTdGuanuX9S4Xr7YgFr0wDQYJKoZIhvcNAQEL
BQAwFTETMBEGA1UEAwwKa3ViZXJuZXRlczAeFw0yNjAxMDEwMDAwMDBaFw0zNTEy
MzAwMDAwMDBaMBUxEzARBgNVBAMMCmt1YmVybmV0ZXMwggEiMA0GCSqGSIb3DQEB
AQUAA4IBDwAwggEKAoIBAQCsFe32quNoCXh5zLUaViHbgL7NiSt7+U45OqxKlJlL
w60BP8yC4NTzhsTQjvNylZS7Ro/y/HHaoa7SgHrQ6hKynXys3OPW+R5heEPTx08q
tfhiJwlcLw6HnkNMLg80aT0qHbUa0m52TeKjBuJiB0ZcX5rfUzoASh3CE6s4frQC
MWuHGwdbziXdElyv/AApmfF24IJnF1Sliez8WJaZ3NQH8BQ9n5jssZCRK1VCL4Do
GV7fhggLshxwUl9EysH+nw3mPTLB107xxfDqz6y/lFaf4IZyuNQs4eLqH3SzNL7S
vyqobVAFjP7DmOuzEKcALfjXdkQ2xDA469fk/Wa5/zyzAgMBAAGjWTBXMA8GA1Ud
EwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgKkMB0GA1UdDgQWBBTqZx59p30bSiP1
Jfe6bwcZte2gxjAVBgNVHREEDjAMggprdWJlcm5ldGVzMA0GCSqGSIb3DQEBCwUA
A4IBAQCjTr82AcK/Vnz31GC80pwc3OiSHR//am9uJTJ6o0nhWbR/REbvyEcfzv4q
juj7iyzQRxsssncsdJn/15+PdBq/fee1uY6mgXAcoSID/4jvfrKJD//53ChsAIJm
Ah/FNOPYwE6dq1wLTmzdU8hezTVxGowmNmd6US9XjNmUAjLFTBqO15kK9hMJGU+h
OOD7F5/unY9MCdJb9Ig4Py0J4rSpR+uVBUz6OxrPxO0wMQbYeGa6LGQSpUIa6xwr
kjdZa8OWS2YZfLKoraBcxOraT5t071hQ576RTohMDfYXi2tDm8UUfT1iEKQDJAow
23RU4hbY/dieEeHSxkNE9a96WMeI
-----END CERTIFICATE-----
"""
_RBAC_KINDS = {"roles": "Role", "clusterroles": "ClusterRole", "rolebindings": "RoleBinding",
               "clusterrolebindings": "ClusterRoleBinding"}
# upstream: pkg/controller/certificates/rootcacertpublisher/publisher.go
ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
ROOT_CA_DESCRIPTION = ("Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
                       "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
                       "guaranteed across distributions of Kubernetes clusters.")


@functools.lru_cache(maxsize=1)
def _default_policy_json() -> str:
    from k8slab.apiserver.bootstrap_policy import default_policy

    return json.dumps(default_policy())


@functools.lru_cache(maxsize=1)
def _default_authorizer() -> RBACAuthorizer:
    return RBACAuthorizer(json.loads(_default_policy_json()))


def request_attributes(req) -> Attributes:
    """The authorizer's view of an API request (upstream ``RequestInfo`` -> ``AttributesRecord``).

    A create, list or watch names no object (``POST`` and ``GET`` on the collection); the namespace
    is set only for namespaced resources.
    """
    res = req.resource
    verb = req.verb
    name = "" if verb in ("create", "list", "watch", "deletecollection") else (req.name or "")
    return Attributes(req.user, verb, (req.namespace or "") if res.namespaced else "", res.group, res.name,
                      getattr(req, "subresource", "") or "", name, resource_request=True)


class AccessControl:
    """Authentication, authorization and admission of one lab (``lab.access``).

    * ``identity``: who ``lab.kubectl`` acts as without ``--as`` (a fresh cluster's kubeconfig user,
      ``kubernetes-admin`` in ``system:masters``); `use` / `use_token` / `use_entra_user` switch it.
    * ``authorizer``: the RBAC authorizer, fed from watches on Roles, ClusterRoles and bindings; the
      default ClusterRoles and ClusterRoleBindings are in the store from the start
      (``kubectl get clusterroles``) and ClusterRole aggregation runs on every change.
    * ``admission``: the admission chain (also ``lab.api.admission``) with NamespaceLifecycle,
      LimitRanger, ServiceAccount, PodSecurity, DefaultStorageClass, the two webhook plugins and ResourceQuota.
    * ``webhooks``: the lab's webhook servers (``lab.webhooks``), where Python callables answer AdmissionReviews.
    """

    name = "access-control"

    def __init__(self, lab):
        from k8slab.admission.default_storage_class import DefaultStorageClass
        from k8slab.admission.limit_ranger import LimitRanger
        from k8slab.admission.namespace_lifecycle import NamespaceLifecycle
        from k8slab.admission.pod_security import PodSecurity
        from k8slab.admission.resource_quota import ResourceQuota, ResourceQuotaController
        from k8slab.admission.service_account import ServiceAccount
        from k8slab.admission.webhooks import MutatingAdmissionWebhook, ValidatingAdmissionWebhook, WebhookRegistry

        self.lab = lab
        api = self.api = lab.api
        self.identity: UserInfo = KUBEADM_ADMIN
        self.tokens = TokenAuthenticator()
        self.entra = EntraDirectory()
        self.webhooks = WebhookRegistry()
        self.admission = AdmissionChain()
        seed = getattr(lab, "seed", 0)
        for plugin in (NamespaceLifecycle(api), LimitRanger(api), ServiceAccount(api, seed), PodSecurity(api),
                       DefaultStorageClass(api), MutatingAdmissionWebhook(api, self.webhooks, seed),
                       ValidatingAdmissionWebhook(api, self.webhooks, seed), ResourceQuota(api)):
            self.admission.register(plugin)
        self.quota_controller = ResourceQuotaController(api)
        self.authorizer = _default_authorizer().copy()  # the default policy, compiled once per process
        self._bootstrap_policy()
        for resource, kind in _RBAC_KINDS.items():
            api.watch(api.resource(resource), functools.partial(self._on_rbac_event, kind))
        api.watch(api.resource("namespaces"), self._publish_root_ca)
        api.authorizer = self.authorize
        env = getattr(lab, "env", None)
        if env is not None:
            api.in_component = lambda: env.active_process is not None
        api.admission = self.admission
        api.registry_checks.append(self.escalation_check)
        lab.identity_for = self.identity_for
        lab.webhooks = self.webhooks

    def __repr__(self) -> str:
        return f"<AccessControl as {self.identity.name}: {self.authorizer!r}>"

    # -- the default policy and its controllers --------------------------------------------------------
    def _bootstrap_policy(self) -> None:
        # upstream: the rbac/bootstrap-roles post-start hook of kube-apiserver writes the default policy
        api, now = self.api, self.api.now_rfc3339()
        for obj in json.loads(_default_policy_json()):
            res = api.resource(obj["kind"], obj["apiVersion"])
            meta = obj["metadata"]
            digest = hashlib.sha256(f"{getattr(self.lab, 'seed', 0)}/{obj['kind']}/{meta['name']}".encode()).hexdigest()
            meta["uid"] = f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-{'89ab'[int(digest[16], 16) % 4]}" \
                          f"{digest[17:20]}-{digest[20:32]}"
            meta["creationTimestamp"] = now
            api.etcd.put(res.key(None, meta["name"]), obj)

    def resync(self) -> None:
        """Rebuild the authorizer and the quota controller from the store (after ``Cluster.load``)."""
        self.authorizer = RBACAuthorizer()
        for resource, kind in _RBAC_KINDS.items():
            for obj in self.api.etcd.scan(f"/registry/{resource}/"):
                self.authorizer.add(dict(obj, kind=kind))
        self.quota_controller.resync()

    def _on_rbac_event(self, kind: str, event: str, obj: dict) -> None:
        self.authorizer.on_event(kind, event, obj)
        if kind == "ClusterRole":
            self._aggregate()

    def _aggregate(self) -> None:
        # upstream: pkg/controller/clusterroleaggregation (the lab re-aggregates synchronously on every change)
        from k8slab.apiserver.bootstrap_policy import _aggregate_one

        roles = list(self.api.etcd.scan("/registry/clusterroles/"))
        for role in roles:
            if role.get("aggregationRule") is None:
                continue
            rules = _aggregate_one(role, roles)
            if rules != (role.get("rules") or []):
                role["rules"] = rules
                self.api.write_status(self.api.resource("clusterroles"), role)
                return  # the write re-enters through the watch until nothing changes

    def _publish_root_ca(self, event: str, ns: dict) -> None:
        # upstream: rootcacertpublisher: every namespace gets the kube-root-ca.crt ConfigMap
        if event != "ADDED":
            return
        name = ns["metadata"]["name"]
        if self.api.etcd.get(f"/registry/configmaps/{name}/{ROOT_CA_CONFIGMAP}") is not None:
            return
        self.api.write_status(self.api.resource("configmaps"), {
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": ROOT_CA_CONFIGMAP, "namespace": name, "uid": self.api.new_uid(),
                         "creationTimestamp": self.api.now_rfc3339(),
                         "annotations": {"kubernetes.io/description": ROOT_CA_DESCRIPTION}},
            "data": {"ca.crt": CLUSTER_CA_CERT}})

    # -- authorization ---------------------------------------------------------------------------------
    def authorize(self, req) -> tuple[bool, str]:
        """(allowed, text): the allow reason for the trace, or the whole Forbidden message."""
        if req.user is None:  # an in-process caller: the lab's own Python API and controllers
            return True, "in-process caller (the lab's own API)"
        attrs = request_attributes(req)
        decision = self.authorizer.authorize(attrs)
        if decision.allowed:
            return True, decision.reason or f"{decision.authorizer} (system:masters)"
        return False, forbidden_error(attrs, decision.reason)

    def escalation_check(self, req) -> None:
        """RBAC's registry refuses a Role or binding that grants more than its writer holds."""
        kind = req.resource.kind
        if req.user is None or req.obj is None or kind not in _RBAC_KINDS.values():
            return
        obj = dict(req.obj, kind=kind)
        if kind in ("Role", "ClusterRole"):
            denial = self.authorizer.check_role_write(req.user, obj, req.old)
        else:
            denial = self.authorizer.check_binding_write(req.user, obj)
        if denial is not None:
            raise NotFound(denial.message) if denial.reason == "NotFound" else Forbidden(denial.message)

    def can(self, user: UserInfo, verb: str, resource: str = "", namespace: str = "", **kw) -> bool:
        """Shorthand: may ``user`` do ``verb`` on ``resource`` (see :meth:`RBACAuthorizer.can`)?"""
        return self.authorizer.can(user, verb, resource, namespace, **kw)

    # -- identities ------------------------------------------------------------------------------------
    def identity_for(self, as_user: str | None = None, groups=()) -> UserInfo:
        """Who a kubectl command acts as: the lab's identity, or ``--as``/``--as-group`` when allowed.

        upstream: staging/src/k8s.io/apiserver/pkg/endpoints/filters/impersonation.go: the acting
        identity needs ``impersonate`` on the user (or the ServiceAccount) and on each group.
        """
        groups = list(groups or ())
        base = self.identity
        if not as_user:
            if groups:
                refs = " ".join(f"{{Group  {g}  authentication.k8s.io/v1  }}" for g in groups)
                raise InternalError(f"requested [{refs}] without impersonating a user")
            return base
        checks = []
        if as_user.startswith(SERVICE_ACCOUNT_USERNAME_PREFIX):
            try:
                ns, name = split_username(as_user)
                checks.append(Attributes(base, "impersonate", ns, "", "serviceaccounts", "", name))
            except ValueError:
                checks.append(Attributes(base, "impersonate", "", "", "users", "", as_user))
        else:
            checks.append(Attributes(base, "impersonate", "", "", "users", "", as_user))
        checks += [Attributes(base, "impersonate", "", "", "groups", "", g) for g in groups]
        for attrs in checks:
            decision = self.authorizer.authorize(attrs)
            if not decision.allowed:
                raise Forbidden(forbidden_error(attrs, decision.reason))
        return impersonate(as_user, groups)

    @contextmanager
    def use(self, user: UserInfo):
        """Act as ``user`` for a while (switching kubeconfig context), then switch back.

        Examples
        --------
        >>> import k8slab as kl
        >>> lab = kl.Cluster(seed=0)
        >>> with lab.access.use(UserInfo("alice", ("system:authenticated",))):
        ...     print(lab.kubectl("get pods").stderr, end="")
        Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"
        """
        previous, self.identity = self.identity, user
        try:
            yield user
        finally:
            self.identity = previous

    def create_token(self, namespace: str, service_account: str) -> str:
        """A bearer token for a ServiceAccount (what ``kubectl create token`` returns), registered with the lab.

        The token is a JWT with upstream's claims; the lab signs it with HMAC-SHA256 (kube-apiserver
        signs with its service-account key, RS256). Expiry is not simulated.
        """
        sa = self.api.etcd.read(f"/registry/serviceaccounts/{namespace}/{service_account}")
        if sa is None:
            raise NotFound(f'serviceaccounts "{service_account}" not found')

        def b64(data: dict) -> str:
            raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        now = int(self.api.clock()) + 1767225600  # seconds since the Unix epoch at lab time
        payload = {"aud": ["https://kubernetes.default.svc.cluster.local"], "exp": now + 3600, "iat": now,
                   "iss": "https://kubernetes.default.svc.cluster.local", "nbf": now,
                   "kubernetes.io": {"namespace": namespace,
                                     "serviceaccount": {"name": service_account, "uid": sa["metadata"]["uid"]}},
                   "sub": f"system:serviceaccount:{namespace}:{service_account}"}
        signing_input = b64({"alg": "HS256", "typ": "JWT"}) + "." + b64(payload)
        key = f"k8slab/{getattr(self.lab, 'seed', 0)}/service-account-key".encode()
        signature = base64.urlsafe_b64encode(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())
        token = signing_input + "." + signature.rstrip(b"=").decode()
        self.tokens.add(token, service_account_user(namespace, service_account, sa["metadata"]["uid"],
                                                    authenticated=False))
        return token

    def use_token(self, token: str):
        """Act with a bearer token (``kubectl --token``); an unknown token is refused like the apiserver does."""
        user = self.tokens.authenticate(token)
        if user is None:
            raise Unauthorized("Unauthorized")
        return self.use(user)

    def use_entra_user(self, upn_or_oid: str):
        """Act as a Microsoft Entra ID user signed in through kubelogin (AKS): UPN and group object IDs."""
        return self.use(self.entra.user_info(upn_or_oid))


class Unauthorized(K8sLabError):
    """401: no authenticator accepted the credentials (kubectl: ``You must be logged in to the server``)."""

    reason = "Unauthorized"
    code = 401

    @property
    def kubectl_message(self) -> str:
        return "error: You must be logged in to the server (Unauthorized)"
