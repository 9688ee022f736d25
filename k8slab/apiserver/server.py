"""kube-apiserver: the request pipeline (authn, authz, admission, defaults, validation) in front of the store."""

from __future__ import annotations

import copy
import functools
import json
import random

import orjson
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from k8slab.api.resources import RESOURCES, APIResource, resolve_resource, resource_for_kind
from k8slab.apiserver import schema
from k8slab.apiserver.defaults import apply_defaults, prepare_for_create
from k8slab.apiserver.field import aggregate
from k8slab.apiserver.store import Etcd
from k8slab.apiserver.validation import decode_base64_fields, decode_quantities, lab_warnings, validate
from k8slab.errors import AlreadyExists, BadRequest, Conflict, Forbidden, Invalid, NotFound, Unsupported

__all__ = ["APIServer", "Step", "Prechecked", "EPOCH", "LAST_APPLIED", "format_time"]

#: the wall-clock instant of simulated time 0 (timestamps in objects are EPOCH + lab.now)
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_ALNUM = "bcdfghjklmnpqrstvwxz2456789"  # upstream: apimachinery/pkg/util/rand alphanums (no vowels, no 0/1/3)


def format_time(seconds: float) -> str:
    """RFC 3339 at one-second precision, as metav1.Time marshals."""
    return _format_second(int(seconds))


@functools.lru_cache(maxsize=1024)  # a bulk apply stamps thousands of objects within the same simulated second
def _format_second(seconds: int) -> str:
    return (EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Step:
    """One stage a request went through, for the pipeline trace the chapters draw.

    ``outcome`` is ``ok``/``allowed``/``stored`` when the request went on, else what stopped it
    (``denied``, ``rejected``, ``invalid``, ``exists``). An admission step also names its ``plugin``,
    the JSON ``patch`` a mutating step made and the ``message`` of a refusal or a webhook note.
    """

    stage: str
    outcome: str
    detail: str = ""
    plugin: str = field(default="", repr=False)
    message: str = field(default="", repr=False)
    patch: list | None = field(default=None, repr=False)


@dataclass
class Request:
    """One API request as admission sees it (upstream ``admission.Attributes``)."""

    verb: str
    resource: APIResource
    namespace: str | None
    name: str
    obj: dict | None = None
    user: object = None
    dry_run: bool = False
    trace: list[Step] = field(default_factory=list)
    old: dict | None = None  # the stored object, on update
    record_patches: bool = True  # the trace keeps each mutating plugin's JSON patch
    subresource: str = ""
    warnings: list[str] = field(default_factory=list)
    audit_annotations: dict = field(default_factory=dict)


def _as_caller(method):
    """An API entry point: without an explicit ``user`` it serves ``api.caller`` (a kubectl command's identity).

    Only the outermost call takes the caller: what the apiserver does inside a request (admission
    reading namespaces, watches firing, garbage collection) and what controllers do from their
    SimPy processes are in-process calls that are not authorized.
    """
    @functools.wraps(method)
    def entry(self, *args, **kwargs):
        if (self._depth == 0 and kwargs.get("user") is None and self.caller is not None
                and not self.in_component()):
            kwargs["user"] = self.caller
        self._depth += 1
        try:
            return method(self, *args, **kwargs)
        finally:
            self._depth -= 1
    return entry


class APIServer:
    """Serves the lab's API: every create, update and delete goes through the same pipeline into etcd.

    Admission plugins are callables ``plugin(request) -> None`` that may change ``request.obj``
    (mutating) or raise :class:`~k8slab.errors.Forbidden` / :class:`~k8slab.errors.Invalid` (validating).
    """

    def __init__(self, clock: Callable[[], float] = lambda: 0.0, seed: int = 0, etcd: Etcd | None = None):
        self.etcd = etcd or Etcd()
        self.clock = clock
        self.rng = random.Random(seed)
        #: returns (allowed, the allow reason or the whole Forbidden message); None authorizes everything
        self.authorizer: Callable[[Request], tuple[bool, str]] | None = None
        #: the admission chain (k8slab.admission.AdmissionChain); the plain lists below run inside it
        self.admission = None
        self.mutating_admission: list[Callable[[Request], None]] = []
        self.validating_admission: list[Callable[[Request], None]] = []
        #: checks a resource's registry makes after mutating admission (RBAC escalation prevention)
        self.registry_checks: list[Callable[[Request], None]] = []
        #: the identity of the current kubectl command (see _as_caller); None: the lab's in-process API
        self.caller = None
        #: True while a component's SimPy process runs (its calls are in-process, never the caller's)
        self.in_component: Callable[[], bool] = lambda: False
        self._depth = 0
        #: False while a stream of documents is applied: only the last request's trace shows JSON patches
        self.record_patches = True
        #: warnings the apiserver returned (``Warning:`` headers), oldest first; kubectl prints them to stderr
        self.warnings: list[str] = []
        #: one entry per admitted write with audit annotations (PodSecurity audit mode, webhook patches)
        self.audit_log: list[dict] = []
        #: run after admission and validation, before storing (a registry's allocations: ClusterIPs, node ports)
        self.before_store: list[Callable[[Request], None]] = []
        #: kind -> callable(obj) deciding deletion; returns True when it took over (graceful pod deletion)
        self.graceful_deleters: dict[str, Callable[[dict, int | None], bool]] = {}
        self.last_trace: list[Step] = []
        self._owned: dict[str, set[str]] = {}  # owner uid -> keys of dependents (garbage collector's graph)
        self.etcd.watch("/registry/", self._track_owners)

    # -- helpers -----------------------------------------------------------------------------------
    def resource(self, kind_or_name: str, api_version: str | None = None) -> APIResource:
        for field_name, value in (("kind", kind_or_name), ("apiVersion", api_version)):
            if value is not None and not isinstance(value, str):
                from k8slab.errors import ParseError

                go_type = {bool: "bool", int: "number", float: "number", list: "array", dict: "object"}
                raise ParseError(f"unable to decode: json: cannot unmarshal {go_type.get(type(value), 'value')} "
                                 f"into Go struct field TypeMeta.{field_name} of type string")
        res = resource_for_kind(api_version, kind_or_name) if api_version else resolve_resource(kind_or_name)
        if res is None:
            if api_version:
                raise Unsupported(f'no matches for kind "{kind_or_name}" in version "{api_version}"')
            raise Unsupported(f'the server doesn\'t have a resource type "{kind_or_name}"')
        return res

    def new_uid(self) -> str:
        h = "%032x" % self.rng.getrandbits(128)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:32]}"

    def random_suffix(self, n: int = 5) -> str:
        # what "".join(rng.choice(_ALNUM) for _ in range(n)) draws (Random._randbelow_with_getrandbits), without
        # two method calls per character: it was 8% of creating a Pod
        getrandbits, size = self.rng.getrandbits, len(_ALNUM)
        k = size.bit_length()
        out = []
        for _ in range(n):
            r = getrandbits(k)
            while r >= size:
                r = getrandbits(k)
            out.append(_ALNUM[r])
        return "".join(out)

    def now_rfc3339(self) -> str:
        return format_time(self.clock())

    # -- reads ---------------------------------------------------------------------------------------
    @_as_caller
    def get(self, resource: APIResource, namespace: str | None, name: str, *, user=None) -> dict:
        if user is not None:
            self._authorize("get", resource, namespace, name, user, record=False)
        obj = self.etcd.read(resource.key(namespace if resource.namespaced else None, name))
        if obj is None:
            raise NotFound(f'{resource.group_resource} "{name}" not found')
        return obj

    @_as_caller
    def list(self, resource: APIResource, namespace: str | None = None, *, user=None) -> list[dict]:
        if user is not None:
            self._authorize("list", resource, namespace, "", user, record=False)
        prefix = f"/registry/{resource.etcd_prefix or resource.name}/"
        if namespace and resource.namespaced:
            prefix += f"{namespace}/"
        return list(self.etcd.scan(prefix))

    @_as_caller
    def watch(self, resource: APIResource, callback: Callable[[str, dict], None], *, user=None,
              namespace: str | None = None) -> None:
        """Call ``callback(event_type, obj)`` for every change to objects of this resource (an informer)."""
        if user is not None:
            self._authorize("watch", resource, namespace, "", user, record=False)
        self.etcd.watch(f"/registry/{resource.etcd_prefix or resource.name}/", callback, with_key=False)

    # -- the write pipeline --------------------------------------------------------------------------
    def _authorize(self, verb: str, res: APIResource, namespace: str | None, name: str, user,
                   subresource: str = "", record: bool = True) -> list[Step]:
        """Authentication and authorization of a request; returns the trace it starts, raises Forbidden.

        ``record``: the trace becomes ``last_trace`` (writes; reads leave the last write's trace in place).
        """
        trace = [Step("authentication", "ok", getattr(user, "name", None) or "kubernetes-admin")]
        if record:
            self.last_trace = trace
        if self.authorizer is None:
            trace.append(Step("authorization", "allowed", "RBAC"))
            return trace
        req = Request(verb, res, namespace if res.namespaced else None, name, None, user, subresource=subresource)
        allowed, text = self.authorizer(req)
        if not allowed:
            trace.append(Step("authorization", "denied", text))
            raise Forbidden(text)
        trace.append(Step("authorization", "allowed", text))
        return trace

    def _admit(self, req: Request) -> None:
        """Mutating admission, the registry's checks, validation, validating admission (after authorization)."""
        req.record_patches = self.record_patches
        if not req.trace:
            req.trace.extend(self._authorize(req.verb, req.resource, req.namespace, req.name, req.user,
                                             req.subresource))
        self.last_trace = req.trace
        if req.obj is None and req.verb != "delete":
            return
        try:
            self._run_admission(req)
        finally:
            self.warnings.extend(req.warnings)
        if req.audit_annotations and not req.dry_run:
            self.audit_log.append({"verb": req.verb, "user": getattr(req.user, "name", "kubernetes-admin"),
                                   "resource": req.resource.group_resource, "namespace": req.namespace,
                                   "name": req.name, "annotations": dict(req.audit_annotations)})

    def _run_admission(self, req: Request) -> None:
        if self.admission is not None:
            self.admission.run_mutating(req, tuple(self.mutating_admission))
        elif req.obj is not None:
            self._namespace_lifecycle(req)
            for plugin in self.mutating_admission:
                plugin(req)
                req.trace.append(Step("mutating admission", "ok", _plugin_name(plugin)))
        for check in self.registry_checks:
            try:
                check(req)
            except Exception as e:
                from k8slab.errors import K8sLabError

                if isinstance(e, K8sLabError):
                    req.trace.append(Step("validation", "rejected", str(e), plugin="RBAC escalation check"))
                raise
        if req.obj is not None:
            errs = validate(req.obj, req.resource.namespaced)
            if errs:
                req.trace.append(Step("validation", "invalid", aggregate(errs)))
                raise Invalid(f'The {req.resource.kind} "{req.name}" is invalid: {aggregate(errs)}', errs)
            req.trace.append(Step("validation", "ok"))
            req.warnings.extend(lab_warnings(req.obj))
        if self.admission is not None:
            self.admission.run_validating(req, tuple(self.validating_admission))
        elif req.obj is not None:
            for plugin in self.validating_admission:
                plugin(req)
                req.trace.append(Step("validating admission", "ok", _plugin_name(plugin)))

    def _namespace_lifecycle(self, req: Request) -> None:
        # upstream: plugin/pkg/admission/namespace/lifecycle (NamespaceLifecycle); k8slab.admission has the plugin
        if not req.resource.namespaced or req.verb != "create":
            return
        ns = self.etcd.read(f"/registry/namespaces/{req.namespace}")
        if ns is None:
            raise NotFound(f'namespaces "{req.namespace}" not found')
        if (ns.get("status") or {}).get("phase") == "Terminating":
            raise Forbidden(f'{req.resource.group_resource} "{req.name}" is forbidden: unable to create new content '
                            f"in namespace {req.namespace} because it is being terminated")
        req.trace.append(Step("mutating admission", "ok", "NamespaceLifecycle"))

    def decode(self, obj: dict) -> tuple[APIResource, dict]:
        """Decode a request body strictly: its kind must be served, its fields known, its quantities valid.

        Returns a fresh copy: the caller's dict is never changed.
        """
        res, obj, _plain = self._decode(obj)
        return res, obj

    def _decode(self, obj: dict) -> tuple[APIResource, dict, bool]:
        """``decode``, and whether ``obj`` holds only str, int and bool values (see :func:`_last_applied`)."""
        odd: list = []
        obj = _drop_nulls(obj, odd)  # JSON null decodes to Go's zero value: the same as leaving the field out
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        res = self.resource(kind, api_version)
        has_floats = bool(odd) and any(isinstance(v, float) for v in odd)
        errs = schema.check_structure(obj, api_version, kind, has_floats=has_floats)
        problems = [f'unknown field "{p}"' for p in errs.unknown]
        if errs.types:
            problems = errs.types + problems
        if problems:
            detail = problems[0] if errs.types else "strict decoding error: " + ", ".join(problems)
            raise BadRequest(f'{kind} in version "{res.version}" cannot be handled as a {kind}: {detail}')
        qerr = decode_quantities(obj) or decode_base64_fields(obj)
        if qerr:
            raise BadRequest(f'{kind} in version "{res.version}" cannot be handled as a {kind}: {qerr}')
        if errs.required:
            from k8slab.apiserver.field import required

            name = (obj.get("metadata") or {}).get("name", "")
            msgs = [required(p) for p in errs.required]
            raise Invalid(f'The {kind} "{name}" is invalid: {aggregate(msgs)}', msgs)
        return res, obj, not odd

    @_as_caller
    def create(self, obj: dict, *, user=None, dry_run: bool = False, namespace: str | None = None) -> dict:
        """Create an object; raises AlreadyExists, Invalid, BadRequest, Forbidden, NotFound (namespace)."""
        res, obj = self.decode(obj)
        return self._create(res, obj, user, dry_run, namespace)

    def _create(self, res: APIResource, obj: dict, user, dry_run: bool, namespace: str | None,
                trace: list[Step] | None = None, defaulted: bool = False) -> dict:
        meta = obj.setdefault("metadata", {})
        if res.namespaced:
            meta["namespace"] = meta.get("namespace") or namespace or "default"
        else:
            meta.pop("namespace", None)
        if trace is None:
            trace = self._authorize("create", res, meta.get("namespace"), "", user)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + self.random_suffix()
        name = meta.get("name") or ""
        req = Request("create", res, meta.get("namespace"), name, obj, user, dry_run, trace)
        self.last_trace = req.trace
        if not defaulted:  # defaulting is idempotent and reads no namespace or annotation: once is enough
            apply_defaults(obj)
        self._admit(req)
        key = res.key(meta.get("namespace"), name)
        if self.etcd.get(key) is not None:
            req.trace.append(Step("storage", "exists"))
            raise AlreadyExists(f'{res.group_resource} "{name}" already exists')
        meta["uid"] = self.new_uid()
        meta["creationTimestamp"] = self.now_rfc3339()
        prepare_for_create(obj)
        if "spec" in obj and res.kind not in ("Namespace",):
            meta["generation"] = 1
        if dry_run:
            req.trace.append(Step("storage", "skipped", "dry run"))
            return obj
        for hook in self.before_store:
            hook(req)
        self.etcd.put(key, obj)
        req.trace.append(Step("storage", "stored", key))
        return obj

    @_as_caller
    def update(self, obj: dict, *, user=None, dry_run: bool = False, namespace: str | None = None,
               subresource: str = "") -> dict:
        """Replace an object (PUT). A resourceVersion in ``obj`` must match the stored one (optimistic concurrency)."""
        res, obj = self.decode(obj)
        meta = obj.setdefault("metadata", {})
        ns = (meta.get("namespace") or namespace or "default") if res.namespaced else None
        name = meta.get("name") or ""
        trace = self._authorize("update", res, ns, name, user, subresource)
        live = self.get(res, ns, name)
        rv = meta.get("resourceVersion")
        if rv and rv != live["metadata"]["resourceVersion"]:
            raise Conflict(f'Operation cannot be fulfilled on {res.group_resource} "{name}": the object has been '
                           "modified; please apply your changes to the latest version and try again")
        return self._write_update(res, live, obj, user, dry_run, subresource, trace)

    def _write_update(self, res, live, obj, user, dry_run, subresource="", trace=None, verb="update") -> dict:
        meta = obj["metadata"]
        live_meta = live["metadata"]
        for k in ("uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds"):
            if k in live_meta:
                meta[k] = live_meta[k]
            else:
                meta.pop(k, None)
        if res.namespaced:
            meta["namespace"] = live_meta["namespace"]
        if subresource == "status":
            obj = {**live, "status": obj.get("status"), "metadata": live_meta}
        else:
            apply_defaults(obj)
            if "status" in live:  # status changes only through the status subresource
                obj["status"] = live["status"]
            if res.kind == "Pod":
                self._pod_update_allowed(live, obj)
            if obj.get("spec") != live.get("spec") and "generation" in meta:
                meta["generation"] = live_meta.get("generation", 1) + 1
        req = Request(verb, res, meta.get("namespace"), meta["name"], obj, user, dry_run, list(trace or ()),
                      old=live, subresource=subresource)
        self.last_trace = req.trace
        self._admit(req)
        if not dry_run:
            for hook in self.before_store:
                hook(req)
            self.etcd.put(res.key(meta.get("namespace"), meta["name"]), obj)
            req.trace.append(Step("storage", "stored", res.key(meta.get("namespace"), meta["name"])))
        return obj

    @staticmethod
    def _pod_update_allowed(live: dict, new: dict) -> None:
        # upstream: pkg/apis/core/validation/validation.go ValidatePodUpdate: only images and a few fields may change
        def strip(spec: dict) -> dict:
            s = copy.deepcopy(spec)
            for key in ("containers", "initContainers"):
                for c in s.get(key) or ():
                    c.pop("image", None)
            for key in ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds", "nodeName"):
                s.pop(key, None)
            return s

        if strip(live.get("spec") or {}) != strip(new.get("spec") or {}):
            name = live["metadata"]["name"]
            msg = ("spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
                   "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions "
                   "to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it "
                   "was previously negative)")
            raise Invalid(f'The Pod "{name}" is invalid: {msg}', [msg])

    @_as_caller
    def apply(self, obj: dict, *, user=None, dry_run: bool = False, namespace: str | None = None,
              decoded: tuple | None = None) -> tuple[dict, str]:
        """``kubectl apply`` (client-side): create, or three-way merge with the last applied configuration.

        Returns the stored object and what happened: ``created``, ``configured`` or ``unchanged``.
        ``decoded`` is ``decode(obj)`` when the caller has already done it (the lab's all-or-nothing precheck),
        or a :class:`Prechecked` (decoded and defaulted, with the flag of ``_decode``).
        """
        defaulted = plain = False
        if decoded is None:
            res, new, plain = self._decode(obj)
        elif isinstance(decoded, Prechecked):
            res, new, plain, defaulted = decoded.resource, decoded.obj, decoded.plain, True
        else:
            res, new = decoded
        meta = new.setdefault("metadata", {})
        ns = (meta.get("namespace") or namespace or "default") if res.namespaced else None
        applied = _last_applied(obj, plain)
        meta.setdefault("annotations", {})[LAST_APPLIED] = applied + "\n"
        name = meta.get("name") or ""
        if user is not None:  # kubectl apply reads the live object first (GET), then creates or patches it
            self._authorize("get", res, ns, name, user, record=False)
        live = self.etcd.read(res.key(ns, name))  # self.get(res, ns, name), without raising NotFound each create
        if live is None:
            return self._create(res, new, user, dry_run, namespace, defaulted=defaulted), "created"
        last = json.loads((live["metadata"].get("annotations") or {}).get(LAST_APPLIED, "{}") or "{}")
        if last == json.loads(applied):
            return live, "unchanged"
        from k8slab.apiserver.strategic_merge import three_way_merge

        defname = schema.definition_name(res.api_version, res.kind)
        merged = three_way_merge(live, last, new, schema.definitions().get(defname) if defname else None)
        merged["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
        trace = self._authorize("patch", res, ns, name, user)
        stored = self._write_update(res, live, merged, user, dry_run, trace=trace, verb="patch")
        return stored, "configured"

    def write_status(self, res: APIResource, obj: dict) -> dict:
        """What controllers and kubelets do: PUT /status, bypassing admission (they hold system credentials)."""
        key = res.key(obj["metadata"].get("namespace") if res.namespaced else None, obj["metadata"]["name"])
        self.etcd.put(key, obj)
        return obj

    # -- delete ---------------------------------------------------------------------------------------
    @_as_caller
    def delete(self, res: APIResource, namespace: str | None, name: str, *, user=None,
               grace_period: int | None = None, dry_run: bool = False) -> dict:
        trace = self._authorize("delete", res, namespace, name, user)
        obj = self.get(res, namespace, name)
        req = Request("delete", res, namespace if res.namespaced else None, name, None, user, dry_run, trace,
                      old=obj)
        self.last_trace = req.trace
        self._admit(req)
        if dry_run:
            return obj
        handler = self.graceful_deleters.get(res.kind)
        if handler is not None and handler(obj, grace_period):
            return obj
        return self.remove(res, obj)

    def remove(self, res: APIResource, obj: dict) -> dict:
        """Remove from storage now, then collect dependents (background cascading deletion)."""
        meta = obj["metadata"]
        if res.kind == "Namespace":  # the namespace controller empties it first (pkg/controller/namespace)
            for r in RESOURCES:
                if r.namespaced:
                    for child in self.list(r, meta["name"]):
                        self.remove(r, child)
        gone = self.etcd.remove(res.key(meta.get("namespace") if res.namespaced else None, meta["name"]))
        for key in sorted(self._owned.pop(meta.get("uid", ""), ())):
            child = self.etcd.read(key)
            if child is not None:
                child_res = self.resource(child["kind"], child["apiVersion"])
                self.delete(child_res, child["metadata"].get("namespace"), child["metadata"]["name"])
        return gone or obj

    def _track_owners(self, event_type: str, key: str, obj: dict) -> None:
        for ref in (obj.get("metadata") or {}).get("ownerReferences") or ():
            owned = self._owned.setdefault(ref.get("uid", ""), set())
            if event_type == "DELETED":
                owned.discard(key)
            else:
                owned.add(key)


@dataclass(frozen=True, slots=True)
class Prechecked:
    """A request body decoded (``APIServer._decode``) and defaulted ahead of the write, as the lab's precheck does.

    ``plain``: the body as sent holds only str, int and bool values (no floats, no other Python types).
    """

    resource: APIResource
    obj: dict
    plain: bool


_json_sorted = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode


def _last_applied(obj: dict, plain: bool) -> str:
    """``json.dumps(obj, separators=(",", ":"), sort_keys=True)``, what kubectl writes as the last applied configuration.

    A ``plain`` body (str, int and bool values only) is encoded by orjson, ~10x faster: its bytes are the same
    when they are ASCII without DEL (the standard library escapes the rest as ``\\uXXXX``; orjson refuses
    integers beyond 64 bits and lone surrogates). Floats (formatted differently), other types and those
    cases go through the standard library.
    """
    if plain:
        try:
            out = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # orjson.JSONEncodeError
            pass
        else:
            if out.isascii() and b"\x7f" not in out:
                return out.decode("ascii")
    return _json_sorted(obj)


def _plugin_name(plugin) -> str:
    name = getattr(plugin, "__name__", None) or type(plugin).__name__
    return name.lstrip("_").removesuffix("_admission")


_PLAIN_LEAVES = frozenset({str, int, bool})


def _drop_nulls(node, odd: list | None = None):
    """A copy without nulls; appends to ``odd`` every value other than a dict, list, str, int or bool (floats
    need the integer check; any of them keeps the last applied configuration with the standard library)."""
    if isinstance(node, dict):  # str, int and bool values are copied as they are, without a call each
        return {k: v if v.__class__ in _PLAIN_LEAVES else _drop_nulls(v, odd)
                for k, v in node.items() if v is not None}
    if isinstance(node, list):  # a null element decodes to the element type's zero value
        return [v if v.__class__ in _PLAIN_LEAVES else {} if v is None else _drop_nulls(v, odd) for v in node]
    if odd is not None and node.__class__ not in _PLAIN_LEAVES:
        odd.append(node)
    return node
