"""The admission chain: plugins in kube-apiserver's order, a mutating then a validating phase, every step traced."""

from __future__ import annotations

import functools
from collections.abc import Callable

from k8slab.admission.jsonpatch import diff
from k8slab.apiserver.store import _dumps, _loads
from k8slab.errors import Forbidden, K8sLabError

__all__ = [
    "UPSTREAM_ORDER",
    "DEFAULT_ON",
    "AdmissionPlugin",
    "AdmissionChain",
    "InternalError",
    "operation",
    "admission_forbidden",
    "request_name",
    "mutations",
    "Mutations",
]

# upstream: pkg/kubeapiserver/options/plugins.go AllOrderedPlugins (Kubernetes 1.35): the order plugins run in,
# whatever order --enable-admission-plugins lists them in.
UPSTREAM_ORDER: tuple[str, ...] = (
    "AlwaysAdmit", "NamespaceAutoProvision", "NamespaceLifecycle", "NamespaceExists",
    "LimitPodHardAntiAffinityTopology", "LimitRanger", "ServiceAccount", "NodeRestriction",
    "TaintNodesByCondition", "AlwaysPullImages", "ImagePolicyWebhook", "PodSecurity", "PodNodeSelector",
    "Priority", "DefaultTolerationSeconds", "PodTolerationRestriction", "EventRateLimit",
    "ExtendedResourceToleration", "DefaultStorageClass", "StorageObjectInUseProtection", "PodGroupProtection",
    "OwnerReferencesPermissionEnforcement", "PersistentVolumeClaimResize", "RuntimeClass", "CertificateApproval",
    "CertificateSigning", "ClusterTrustBundleAttest", "CertificateSubjectRestriction", "DefaultIngressClass",
    "DenyServiceExternalIPs", "PodTopologyLabels", "PodGroupWorkloadExists", "NodeDeclaredFeatureValidator",
    "JobValidation", "PodResizeValidator",
    # "webhook, resourcequota, and deny plugins must go at the end"
    "MutatingAdmissionPolicy", "MutatingAdmissionWebhook", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionWebhook", "ResourceQuota", "AlwaysDeny",
)
# upstream: plugins.go DefaultOffAdmissionPlugins (the complement of these is off unless enabled)
DEFAULT_ON = frozenset({
    "NamespaceLifecycle", "LimitRanger", "ServiceAccount", "DefaultStorageClass", "PersistentVolumeClaimResize",
    "DefaultTolerationSeconds", "MutatingAdmissionWebhook", "ValidatingAdmissionWebhook", "ResourceQuota",
    "StorageObjectInUseProtection", "PodGroupProtection", "Priority", "TaintNodesByCondition", "RuntimeClass",
    "CertificateApproval", "CertificateSigning", "ClusterTrustBundleAttest", "CertificateSubjectRestriction",
    "DefaultIngressClass", "PodSecurity", "PodTopologyLabels", "MutatingAdmissionPolicy",
    "ValidatingAdmissionPolicy", "PodGroupWorkloadExists", "NodeDeclaredFeatureValidator", "JobValidation",
    "PodResizeValidator",
})
_INSERT_BEFORE = UPSTREAM_ORDER.index("MutatingAdmissionPolicy")  # "new admission plugins ... above here"
#: in-process callables already on the APIServer's plain lists, by function name -> upstream plugin name
_CALLABLE_NAMES = {"Cluster._priority_admission": "Priority",
                   "PersistentVolumeController._admission": "StorageObjectInUseProtection"}

_OPERATIONS = {"create": "CREATE", "update": "UPDATE", "patch": "UPDATE", "delete": "DELETE",
               "deletecollection": "DELETE", "connect": "CONNECT"}


def operation(req) -> str:
    """The admission operation of a request: CREATE, UPDATE (also for patch and apply), DELETE or CONNECT.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> operation(SimpleNamespace(verb="patch"))
    'UPDATE'
    """
    return _OPERATIONS.get(req.verb, req.verb.upper())


class InternalError(K8sLabError):
    """A 500 from the apiserver (``apierrors.NewInternalError``), e.g. a webhook that could not be called."""

    reason = "InternalError"
    code = 500

    def __init__(self, message: str):
        super().__init__(f"Internal error occurred: {message}")


def request_name(req) -> str:
    """The name admission errors show: the request's name, else the object's name or generateName, else Unknown.

    upstream: staging/src/k8s.io/apiserver/pkg/admission/errors.go extractResourceName
    """
    if req.name:
        return req.name
    meta = (req.obj or {}).get("metadata") or {}
    return meta.get("name") or meta.get("generateName") or "Unknown"


def admission_forbidden(req, message: str) -> Forbidden:
    """``admission.NewForbidden(a, err)``: ``pods "web" is forbidden: <message>``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> res = SimpleNamespace(group_resource="pods")
    >>> str(admission_forbidden(SimpleNamespace(name="web", obj=None, resource=res), "no"))
    'pods "web" is forbidden: no'
    """
    return Forbidden(f'{req.resource.group_resource} "{request_name(req)}" is forbidden: {message}')


class AdmissionPlugin:
    """Base of the lab's admission plugins (upstream ``admission.Interface`` + ``admission.Handler``).

    A plugin has a ``name`` (upstream's), the ``operations`` it handles and an ``admit(req)``
    (mutating: may change ``req.obj``) and/or ``validate(req)`` (validating: may only refuse,
    by raising a :class:`~k8slab.errors.K8sLabError`). ``handles(req)`` narrows what it sees.
    """

    name = ""
    operations: frozenset[str] = frozenset({"CREATE", "UPDATE", "DELETE", "CONNECT"})

    def handles(self, req) -> bool:
        return operation(req) in self.operations

    def __repr__(self) -> str:
        return f"<admission plugin {self.name}>"


class _Callable(AdmissionPlugin):
    """An in-process callable ``fn(req)`` from the APIServer's plain plugin lists.

    It cannot say which requests it handles, so it leaves a step only when it changed the object or refused it.
    """

    quiet = True

    def __init__(self, fn: Callable, phase: str):
        qualname = getattr(fn, "__qualname__", type(fn).__name__)
        short = qualname.rsplit(".", 1)[-1].lstrip("_").removesuffix("_admission")
        self.name = _CALLABLE_NAMES.get(qualname, short or qualname)
        if phase == "mutating":
            self.admit = fn
        else:
            self.validate = fn

    def handles(self, req) -> bool:
        return req.obj is not None  # the plain lists have only ever seen writes with a body


class AdmissionChain:
    """The enabled admission plugins in upstream's order; runs a request through both phases.

    Each plugin that handles the request leaves a :class:`~k8slab.apiserver.server.Step` in the
    request's trace: ``ok`` (with ``patch``, the JSON Patch it made, if it changed the object) or
    ``rejected`` (its ``detail`` is the error as kubectl prints it). A plugin that does not handle
    the request (a ConfigMap never meets LimitRanger) leaves no step; the webhook plugins leave one
    step per webhook they call.

    Examples
    --------
    >>> chain = AdmissionChain()
    >>> class Hello(AdmissionPlugin):
    ...     name = "Hello"
    ...     def admit(self, req):
    ...         req.obj.setdefault("metadata", {}).setdefault("labels", {})["hello"] = "world"
    >>> chain.register(Hello())
    >>> chain.names
    ['Hello']
    """

    def __init__(self):
        self._plugins: dict[str, AdmissionPlugin] = {}
        self.disabled: set[str] = set()
        self._ordered: dict[tuple, list[AdmissionPlugin]] = {}  # see _phase

    def register(self, plugin: AdmissionPlugin) -> None:
        """Add (or replace) a plugin; it runs at its upstream position (unknown names just before the webhooks)."""
        self._plugins[plugin.name] = plugin

    def get(self, name: str) -> AdmissionPlugin | None:
        return self._plugins.get(name)

    @property
    def names(self) -> list[str]:
        """Enabled plugin names in the order they run (``--enable-admission-plugins`` as the apiserver logs it)."""
        return [p.name for p in self.plugins()]

    def phase_names(self, phase: str, extra: tuple = ()) -> list[str]:
        """The plugins of one phase in order (``"mutating"`` or ``"validating"``), with plain callables placed.

        Examples
        --------
        >>> import k8slab as kl
        >>> api = kl.Cluster(seed=0, components=[]).api
        >>> api.admission.phase_names("validating", tuple(api.validating_admission))[-3:]
        ['PodSecurity', 'ValidatingAdmissionWebhook', 'ResourceQuota']
        """
        method = "admit" if phase == "mutating" else "validate"
        return [p.name for p in self.plugins(tuple(_Callable(f, phase) for f in extra))
                if getattr(p, method, None) is not None]

    def plugins(self, extra: tuple = ()) -> list[AdmissionPlugin]:
        """Enabled plugins in upstream order, with the APIServer's plain callables placed by name."""
        found = [p for p in self._plugins.values() if p.name not in self.disabled] + list(extra)
        return sorted(found, key=_position)

    def _phase(self, phase: str, extra: tuple) -> list[AdmissionPlugin]:
        """``plugins()`` with ``extra`` wrapped for ``phase``, ordered once per set of plugins, not per request."""
        key = (phase, extra, tuple(self._plugins.values()), frozenset(self.disabled))
        try:
            found = self._ordered.get(key)
        except TypeError:  # an unhashable callable
            return self.plugins(tuple(_Callable(f, phase) for f in extra))
        if found is None:
            if len(self._ordered) > 64:
                self._ordered.clear()
            found = self._ordered[key] = self.plugins(tuple(_Callable(f, phase) for f in extra))
        return found

    # -- the two phases ------------------------------------------------------------------------------
    def run_mutating(self, req, extra: tuple = ()) -> None:
        """The mutating phase: every enabled plugin with an ``admit`` in order; JSON Patch of each change."""
        Step = _step_class()
        for plugin in self._phase("mutating", extra):
            admit = getattr(plugin, "admit", None)
            if admit is None:
                continue
            if not plugin.handles(req):
                continue
            if getattr(plugin, "records_own_steps", False):
                admit(req)
                continue
            # a serialized snapshot costs a tenth of a deep copy; most plugins change nothing, so diff only on change.
            # Bulk work (all but the last document of a stream) skips the patches: only the last trace is shown.
            patches = getattr(req, "record_patches", True)
            before = _snapshot(req.obj) if req.obj is not None and patches else None
            try:
                admit(req)
            except K8sLabError as e:
                req.trace.append(_rejected("mutating admission", plugin.name, e))
                raise
            patch = []
            if before is not None and _snapshot(req.obj) != before:
                patch = diff(_loads(before), req.obj)
            if patch or not getattr(plugin, "quiet", False):
                req.trace.append(Step("mutating admission", "ok", plugin.name, plugin=plugin.name, patch=patch or None))

    def run_validating(self, req, extra: tuple = ()) -> None:
        """The validating phase: every enabled plugin with a ``validate`` in order; the first refusal stops it."""
        Step = _step_class()
        for plugin in self._phase("validating", extra):
            validate = getattr(plugin, "validate", None)
            if validate is None:
                continue
            if not plugin.handles(req):
                continue
            if getattr(plugin, "records_own_steps", False):
                validate(req)
                continue
            try:
                validate(req)
            except K8sLabError as e:
                req.trace.append(_rejected("validating admission", plugin.name, e))
                raise
            if not getattr(plugin, "quiet", False):
                req.trace.append(Step("validating admission", "ok", plugin.name, plugin=plugin.name))


@functools.cache
def _step_class():
    """``k8slab.apiserver.server.Step``, imported on first use (an import statement per request costs ~1 us)."""
    from k8slab.apiserver.server import Step

    return Step


def _rejected(stage: str, plugin: str, err: K8sLabError):
    """The step of a refusal: its detail is the error as kubectl prints it."""
    from k8slab.apiserver.server import Step
    from k8slab.kubectl import error_text

    return Step(stage, "rejected", error_text(err), plugin=plugin, message=str(err))


# the store's encoder (orjson, with the standard library's fallback): two snapshots per plugin per request were 10%
# of a 1,000-replica rollout with the standard library
_snapshot = _dumps


def _position(plugin) -> tuple[int, str]:
    try:
        return UPSTREAM_ORDER.index(plugin.name), ""
    except ValueError:
        return _INSERT_BEFORE, plugin.name


class Mutations(list):
    """The JSON Patch operations the mutating steps of a trace made, one row per operation."""

    def __repr__(self) -> str:
        if not self:
            return "no mutations"
        width = max(len(p) for p, _ in self)
        out = []
        for plugin, op in self:
            value = op.get("value")
            shown = "" if value is None else " " + (repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "...")
            out.append(f"{plugin.ljust(width)}   {op['op']:<7} {op['path']}{shown}")
        return "\n".join(out)


def mutations(trace) -> Mutations:
    """What mutating admission changed in a request: (plugin or webhook, JSON Patch operation) rows.

    Examples
    --------
    >>> import k8slab as kl
    >>> lab = kl.Cluster(seed=0, components=[])
    >>> _ = lab.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
    ...                     "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}})
    >>> print(mutations(lab.api.last_trace))
    ServiceAccount   add     /spec/containers/0/volumeMounts [{'mountPath': '/var/run/secrets/kubernetes.io/serviceacc...
    ServiceAccount   add     /spec/volumes [{'name': 'kube-api-access-kth4b', 'projected': {'default...
    Priority         add     /spec/priority 0
    """
    out = Mutations()
    for s in trace:
        if s.stage == "mutating admission" and getattr(s, "patch", None):
            name = s.plugin if s.plugin != "MutatingAdmissionWebhook" else s.detail.split("/", 1)[-1]
            out.extend((name, op) for op in s.patch)
    return out
