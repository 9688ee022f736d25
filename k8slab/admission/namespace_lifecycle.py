"""NamespaceLifecycle admission: no content in missing or terminating namespaces, no deleting the system ones."""

from __future__ import annotations

from k8slab.admission.chain import AdmissionPlugin, admission_forbidden, operation
from k8slab.errors import Forbidden, NotFound

__all__ = ["NamespaceLifecycle", "IMMORTAL_NAMESPACES"]

# upstream: staging/src/k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go Register
IMMORTAL_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})


class NamespaceLifecycle(AdmissionPlugin):
    """Refuses objects in a namespace that does not exist or is being terminated; keeps the immortal namespaces.

    upstream: ``Lifecycle.Admit`` (a mutating-phase plugin that only refuses).
    """

    name = "NamespaceLifecycle"
    operations = frozenset({"CREATE", "UPDATE", "DELETE"})

    def __init__(self, api):
        self.api = api

    def admit(self, req) -> None:
        op, kind = operation(req), req.resource.kind
        if op == "DELETE" and kind == "Namespace" and req.name in IMMORTAL_NAMESPACES:
            raise Forbidden(f'namespaces "{req.name}" is forbidden: this namespace may not be deleted')
        if not req.resource.namespaced or kind == "Namespace" or op == "DELETE":
            return
        ns = self.api.etcd.read(f"/registry/namespaces/{req.namespace}")
        if ns is None:
            raise NotFound(f'namespaces "{req.namespace}" not found')
        if op == "CREATE" and (ns.get("status") or {}).get("phase") == "Terminating":
            raise admission_forbidden(req, f"unable to create new content in namespace {req.namespace} because it "
                                           "is being terminated")
