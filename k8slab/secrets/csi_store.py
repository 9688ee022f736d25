"""The Secrets Store CSI driver with the Azure Key Vault provider: vault secrets as files, optionally synced to a Secret."""

# upstream: kubernetes-sigs/secrets-store-csi-driver (SecretProviderClass secrets-store.csi.x-k8s.io/v1, secretObjects
# sync, the "secrets-store.csi.k8s.io" driver name), Azure/secrets-store-csi-driver-provider-azure (objects array of
# objectName/objectType, keyvaultName, tenantId). SecretProviderClass is a CRD: the lab keeps them in
# lab.secrets_store, not in the API (CRDs are not simulated).

from __future__ import annotations

import base64

import yaml

from k8slab.errors import K8sLabError, NotFound

__all__ = ["SecretsStore", "mount_files", "DRIVER"]

DRIVER = "secrets-store.csi.k8s.io"


class SecretsStore:
    """SecretProviderClasses by namespace/name, and the simulated vaults' secrets (``lab.secrets_store``).

    Examples
    --------
    >>> import k8slab as kl
    >>> lab = kl.Cluster()
    >>> store = lab.secrets_store
    >>> store.set_secret("k8slab-kv", "db-password", "s3cr3t")
    >>> store.apply('''
    ... apiVersion: secrets-store.csi.x-k8s.io/v1
    ... kind: SecretProviderClass
    ... metadata: {name: azure-kv}
    ... spec:
    ...   provider: azure
    ...   parameters:
    ...     keyvaultName: k8slab-kv
    ...     objects: |
    ...       array:
    ...         - |
    ...           objectName: db-password
    ...           objectType: secret
    ... ''')
    'secretproviderclass.secrets-store.csi.x-k8s.io/azure-kv created'
    """

    def __init__(self, lab):
        self.lab = lab
        self.classes: dict[str, dict] = {}
        #: vault name -> secret name -> versions (newest last)
        self.vaults: dict[str, dict[str, list[str]]] = {}

    def set_secret(self, vault: str, name: str, value: str) -> None:
        """``az keyvault secret set --vault-name VAULT --name NAME --value VALUE`` (adds a version)."""
        self.vaults.setdefault(vault, {}).setdefault(name, []).append(value)

    def apply(self, manifest) -> str:
        obj = yaml.safe_load(manifest) if isinstance(manifest, str) else manifest
        if obj.get("kind") != "SecretProviderClass":
            raise K8sLabError(f'expected a SecretProviderClass, got {obj.get("kind")}')
        ns = obj["metadata"].get("namespace", "default")
        key = f"{ns}/{obj['metadata']['name']}"
        action = "configured" if key in self.classes else "created"
        self.classes[key] = obj
        return f"secretproviderclass.secrets-store.csi.x-k8s.io/{obj['metadata']['name']} {action}"

    def objects(self, spc: dict) -> list[dict]:
        params = (spc.get("spec") or {}).get("parameters") or {}
        arr = (yaml.safe_load(params.get("objects") or "") or {}).get("array") or []
        return [yaml.safe_load(o) if isinstance(o, str) else o for o in arr]

    def files(self, namespace: str, name: str) -> dict[str, bytes]:
        spc = self.classes.get(f"{namespace}/{name}")
        if spc is None:
            raise NotFound(f'failed to get secretproviderclass {namespace}/{name}, error: '
                           f'SecretProviderClass.secrets-store.csi.x-k8s.io "{name}" not found')
        vault = ((spc.get("spec") or {}).get("parameters") or {}).get("keyvaultName", "")
        out = {}
        for o in self.objects(spc):
            versions = self.vaults.get(vault, {}).get(o["objectName"])
            if not versions:
                raise NotFound(f"failed to mount objects, error: failed to get objectType:{o.get('objectType')}, "
                               f"objectName:{o['objectName']}, objectVersion:: keyvault.BaseClient#GetSecret: "
                               f"Failure responding to request: StatusCode=404 -- Original Error: "
                               f"autorest/azure: Service returned an error. Status=404 Code=\"SecretNotFound\"")
            out[o.get("objectAlias") or o["objectName"]] = versions[-1].encode()
        return out

    def sync(self, namespace: str, name: str) -> list[str]:
        """Create or update the Secrets in ``spec.secretObjects`` from the mounted contents (done on mount)."""
        spc = self.classes[f"{namespace}/{name}"]
        files = self.files(namespace, name)
        done = []
        res = self.lab.api.resource("secrets")
        for so in (spc.get("spec") or {}).get("secretObjects") or ():
            data = {d["key"]: base64.b64encode(files[d["objectName"]]).decode() for d in so.get("data") or ()}
            obj = {"apiVersion": "v1", "kind": "Secret", "type": so.get("type", "Opaque"),
                   "metadata": {"name": so["secretName"], "namespace": namespace,
                                "labels": {"secrets-store.csi.k8s.io/managed": "true"}}, "data": data}
            if self.lab.etcd.get(res.key(namespace, so["secretName"])) is None:
                self.lab.api.create(obj)
            else:
                live = self.lab.api.get(res, namespace, so["secretName"])
                live["data"] = data
                self.lab.api.update(live)
            done.append(so["secretName"])
        return done


def mount_files(lab, pod: dict, volume: dict) -> dict[str, bytes]:
    """Files of a ``csi: {driver: secrets-store.csi.k8s.io}`` volume (and the secretObjects sync, as on mount)."""
    store = lab.secrets_store
    ns = pod["metadata"].get("namespace", "default")
    name = ((volume.get("csi") or {}).get("volumeAttributes") or {}).get("secretProviderClass", "")
    files = store.files(ns, name)
    if (store.classes[f"{ns}/{name}"].get("spec") or {}).get("secretObjects"):
        store.sync(ns, name)
    return files
