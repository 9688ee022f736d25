"""ServiceAccount admission: every pod runs as a ServiceAccount that exists, with its API token mounted."""

from __future__ import annotations

import random

from k8slab.admission.chain import AdmissionPlugin, admission_forbidden, operation

__all__ = ["ServiceAccount", "TOKEN_MOUNT_PATH", "token_volume_source"]

# upstream: plugin/pkg/admission/serviceaccount/admission.go
DEFAULT_SERVICE_ACCOUNT = "default"
TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
VOLUME_PREFIX = "kube-api-access"
MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror"
ENFORCE_MOUNTABLE_SECRETS = "kubernetes.io/enforce-mountable-secrets"
#: upstream: pkg/serviceaccount WarnOnlyBoundTokenExpirationSeconds (1h7s)
WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 3607
_ALNUM = "bcdfghjklmnpqrstvwxz2456789"  # upstream: apimachinery/pkg/util/rand alphanums


def token_volume_source() -> dict:
    """The projected volume every pod gets for its token (upstream ``TokenVolumeSource``).

    Examples
    --------
    >>> [next(iter(s)) for s in token_volume_source()["sources"]]
    ['serviceAccountToken', 'configMap', 'downwardAPI']
    """
    return {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS, "path": "token"}},
        {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
        {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                    "path": "namespace"}]}},
    ]}


class ServiceAccount(AdmissionPlugin):
    """Sets ``serviceAccountName: default``, refuses a missing ServiceAccount, mounts the token, copies pull secrets.

    The token volume is named ``kube-api-access-<5 random characters>``; the characters come from a
    generator seeded with the lab's seed (upstream uses a process-wide random source).
    """

    name = "ServiceAccount"
    operations = frozenset({"CREATE", "UPDATE"})

    def __init__(self, api, seed: int = 0):
        self.api = api
        self.rng = random.Random(f"{seed}/kube-api-access")

    def handles(self, req) -> bool:
        return (req.resource.kind == "Pod" and req.obj is not None and operation(req) in self.operations
                and getattr(req, "subresource", "") in ("", "ephemeralcontainers"))

    def _lookup(self, req, name: str) -> dict:
        sa = self.api.etcd.read(f"/registry/serviceaccounts/{req.namespace}/{name}")
        if sa is None:
            raise admission_forbidden(req, f"error looking up service account {req.namespace}/{name}: "
                                           f'serviceaccount "{name}" not found')
        return sa

    def admit(self, req) -> None:
        if operation(req) != "CREATE":
            return
        pod = req.obj
        if MIRROR_POD_ANNOTATION in ((pod.get("metadata") or {}).get("annotations") or {}):
            return self.validate(req)
        spec = pod.setdefault("spec", {})
        if not spec.get("serviceAccountName"):
            spec["serviceAccountName"] = DEFAULT_SERVICE_ACCOUNT
        sa = self._lookup(req, spec["serviceAccountName"])
        if self._automount(sa, spec):
            self._mount_token(spec)
        if not spec.get("imagePullSecrets") and sa.get("imagePullSecrets"):
            spec["imagePullSecrets"] = [{"name": s.get("name", "")} for s in sa["imagePullSecrets"]]
        self._validate(req, sa)  # the ServiceAccount just read: nothing ran since

    @staticmethod
    def _automount(sa: dict, spec: dict) -> bool:
        # upstream: shouldAutomount: the pod's preference wins, then the ServiceAccount's, else true
        if spec.get("automountServiceAccountToken") is not None:
            return bool(spec["automountServiceAccountToken"])
        if sa.get("automountServiceAccountToken") is not None:
            return bool(sa["automountServiceAccountToken"])
        return True

    def _mount_token(self, spec: dict) -> None:
        volumes = spec.get("volumes") or []
        name = next((v["name"] for v in volumes if v.get("name", "").startswith(VOLUME_PREFIX + "-")), None)
        has_volume = name is not None
        if name is None:
            name = f"{VOLUME_PREFIX}-" + "".join(self.rng.choice(_ALNUM) for _ in range(5))
        mount = {"mountPath": TOKEN_MOUNT_PATH, "name": name, "readOnly": True}
        needs = False
        for key in ("initContainers", "containers"):
            for c in spec.get(key) or ():
                if not any(m.get("mountPath") == TOKEN_MOUNT_PATH for m in c.get("volumeMounts") or ()):
                    c.setdefault("volumeMounts", []).append(dict(mount))
                    needs = True
        if needs and not has_volume:
            spec.setdefault("volumes", []).append({"name": name, "projected": token_volume_source()})

    def validate(self, req) -> None:
        self._validate(req)

    def _validate(self, req, sa: dict | None = None) -> None:
        pod, op = req.obj, operation(req)
        if op != "CREATE":
            return
        spec = pod.get("spec") or {}
        if MIRROR_POD_ANNOTATION in ((pod.get("metadata") or {}).get("annotations") or {}):
            if spec.get("serviceAccountName"):
                raise admission_forbidden(req, "a mirror pod may not reference service accounts")
            return
        if not spec.get("serviceAccountName"):
            raise admission_forbidden(req, f"no service account specified for pod {req.namespace}/{req.name}")
        if sa is None:
            sa = self._lookup(req, spec["serviceAccountName"])
        if ((sa.get("metadata") or {}).get("annotations") or {}).get(ENFORCE_MOUNTABLE_SECRETS) == "true":
            self._limit_secret_references(req, sa, spec)

    @staticmethod
    def _limit_secret_references(req, sa: dict, spec: dict) -> None:
        mountable = {s.get("name") for s in sa.get("secrets") or ()}
        sa_name = sa["metadata"]["name"]
        for v in spec.get("volumes") or ():
            secret = (v.get("secret") or {}).get("secretName")
            if v.get("secret") is not None and secret not in mountable:
                raise admission_forbidden(req, f'volume with secret.secretName="{secret}" is not allowed because '
                                               f"service account {sa_name} does not reference that secret")
        for key, label in (("initContainers", "init container"), ("containers", "container")):
            for c in spec.get(key) or ():
                for env in c.get("env") or ():
                    ref = (env.get("valueFrom") or {}).get("secretKeyRef")
                    if ref is not None and ref.get("name") not in mountable:
                        raise admission_forbidden(
                            req, f'{label} {c["name"]} with envVar {env["name"]} referencing secret.secretName='
                                 f'"{ref.get("name")}" is not allowed because service account {sa_name} does not '
                                 "reference that secret")
                for env_from in c.get("envFrom") or ():
                    ref = env_from.get("secretRef")
                    if ref is not None and ref.get("name") not in mountable:
                        raise admission_forbidden(
                            req, f'{label} {c["name"]} with envFrom referencing secret.secretName="{ref.get("name")}" '
                                 f"is not allowed because service account {sa_name} does not reference that secret")
        pulls = {s.get("name") for s in sa.get("imagePullSecrets") or ()}
        for i, ref in enumerate(spec.get("imagePullSecrets") or ()):
            if ref.get("name") not in pulls:
                raise admission_forbidden(req, f'imagePullSecrets[{i}].name="{ref.get("name")}" is not allowed because '
                                               f"service account {sa_name} does not reference that imagePullSecret")
