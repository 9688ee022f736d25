"""Dynamic admission: Mutating/ValidatingWebhookConfigurations whose webhooks are Python callables registered with the lab."""

# upstream: staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/ (generic/webhook.go ShouldCallHook,
# predicates/rules, predicates/namespace, predicates/object, mutating/dispatcher.go, validating/dispatcher.go,
# errors/statuserror.go ToStatusErr) and pkg/webhook/errors.go ErrCallingWebhook

from __future__ import annotations

import base64
import copy
import json
import random
from collections.abc import Callable

from k8slab.admission.chain import AdmissionPlugin, InternalError, operation
from k8slab.admission.jsonpatch import JSONPatchError, apply_patch
from k8slab.api.labels import selector_from
from k8slab.errors import BadRequest, K8sLabError

__all__ = ["WebhookRegistry", "MutatingAdmissionWebhook", "ValidatingAdmissionWebhook", "StatusError",
           "allowed", "denied", "patched", "rule_matches", "endpoint_of"]

_NEVER_CALLED_FOR = {"mutatingwebhookconfigurations", "validatingwebhookconfigurations",
                     "validatingadmissionpolicies", "validatingadmissionpolicybindings"}


class StatusError(K8sLabError):
    """An error whose API status (reason, code) a webhook chose (``apierrors.StatusError``)."""

    def __init__(self, message: str, reason: str = "Forbidden", code: int = 403):
        super().__init__(message)
        self.reason = reason or {400: "BadRequest", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
                                 422: "Invalid"}.get(code, "BadRequest")
        self.code = code


# ---------------------------------------------------------------- building responses in a handler

def allowed(review: dict, warnings: list[str] | None = None) -> dict:
    """An AdmissionReview response that admits the request (what a webhook server returns).

    Examples
    --------
    >>> allowed({"request": {"uid": "42"}})
    {'apiVersion': 'admission.k8s.io/v1', 'kind': 'AdmissionReview', 'response': {'uid': '42', 'allowed': True}}
    """
    response = {"uid": review["request"]["uid"], "allowed": True}
    if warnings:
        response["warnings"] = list(warnings)
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response}


def denied(review: dict, message: str, code: int = 403, reason: str = "Forbidden") -> dict:
    """A response that refuses the request with a message (controller-runtime's ``admission.Denied``)."""
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "response": {"uid": review["request"]["uid"], "allowed": False,
                         "status": {"code": code, "reason": reason, "message": message}}}


def patched(review: dict, ops: list[dict], warnings: list[str] | None = None) -> dict:
    """A response that admits the request with a JSON Patch (base64 as on the wire, ``patchType: JSONPatch``)."""
    out = allowed(review, warnings)
    out["response"]["patchType"] = "JSONPatch"
    out["response"]["patch"] = base64.b64encode(json.dumps(ops, separators=(",", ":")).encode()).decode()
    return out


# ---------------------------------------------------------------- where webhooks live

def endpoint_of(client_config: dict) -> str:
    """The URL the apiserver would POST to for a webhook's ``clientConfig``.

    Examples
    --------
    >>> endpoint_of({"service": {"namespace": "istio-system", "name": "istiod", "path": "/inject", "port": 443}})
    'https://istiod.istio-system.svc:443/inject'
    """
    if client_config.get("url"):
        return client_config["url"]
    svc = client_config.get("service") or {}
    return f"https://{svc.get('name')}.{svc.get('namespace')}.svc:{svc.get('port', 443)}{svc.get('path') or ''}"


class WebhookRegistry:
    """The webhook servers of the lab: an endpoint URL (or a Service) mapped to a Python callable.

    A handler receives an ``admission.k8s.io/v1`` AdmissionReview (a dict with ``request``) and returns
    one with a ``response`` (see `allowed`, `denied`, `patched`). Calls are instant: ``timeoutSeconds``
    is not simulated; a handler that raises is a failed call, handled by the webhook's failurePolicy.
    """

    def __init__(self):
        self._handlers: dict[str, Callable[[dict], dict]] = {}

    def register(self, handler: Callable[[dict], dict], *, url: str | None = None, service: str | None = None,
                 path: str = "", port: int = 443) -> str:
        """Serve ``handler`` at a URL or at ``service`` ("namespace/name") + ``path``; returns the endpoint."""
        if url is None:
            ns, _, name = (service or "").partition("/")
            url = endpoint_of({"service": {"namespace": ns, "name": name, "path": path, "port": port}})
        self._handlers[url] = handler
        return url

    def unregister(self, endpoint: str) -> None:
        self._handlers.pop(endpoint, None)

    def handler(self, client_config: dict):
        return self._handlers.get(endpoint_of(client_config))

    def __repr__(self) -> str:
        return f"<WebhookRegistry {len(self._handlers)} endpoints>"


# ---------------------------------------------------------------- matching

def _matches_pattern(pattern_resource: str, resource: str, sub: str) -> bool:
    # upstream: predicates/rules/rules.go resource(): "*", "*/*", "pods", "pods/*", "*/status", "pods/status"
    res, _, psub = pattern_resource.partition("/")
    if not psub:
        return sub == "" and res in ("*", resource)
    return res in ("*", resource) and psub in ("*", sub)


def rule_matches(rule: dict, op: str, group: str, version: str, resource: str, sub: str, namespaced: bool) -> bool:
    """upstream: predicates/rules/rules.go Matcher.Matches (operation, group, version, resource, scope).

    Examples
    --------
    >>> r = {"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}
    >>> rule_matches(r, "CREATE", "", "v1", "pods", "", True), rule_matches(r, "CREATE", "", "v1", "pods", "status", True)
    (True, False)
    """
    ops = rule.get("operations") or ()
    if "*" not in ops and op not in ops:
        return False
    groups, versions = rule.get("apiGroups") or (), rule.get("apiVersions") or ()
    if "*" not in groups and group not in groups:
        return False
    if "*" not in versions and version not in versions:
        return False
    if not any(_matches_pattern(p, resource, sub) for p in rule.get("resources") or ()):
        return False
    scope = rule.get("scope", "*")
    return scope == "*" or (scope == "Namespaced") == namespaced


class _Dispatcher(AdmissionPlugin):
    """What both webhook plugins share: finding the webhooks that apply, and calling one."""

    config_resource = ""
    records_own_steps = True
    operations = frozenset({"CREATE", "UPDATE", "DELETE", "CONNECT"})

    def __init__(self, api, registry: WebhookRegistry, seed: int = 0):
        self.api = api
        self.registry = registry
        self.rng = random.Random(f"{seed}/{self.name}")

    def handles(self, req) -> bool:
        return req.resource.name not in _NEVER_CALLED_FOR

    def hooks(self, req) -> list[tuple[str, dict]]:
        """(configuration name, webhook) pairs that apply to the request, configurations by name."""
        out = []
        prefix = f"/registry/{self.config_resource}/"
        if not self.api.etcd.count(prefix):  # no configurations: no webhook to call
            return out
        for cfg in sorted(self.api.etcd.scan(prefix), key=lambda c: c["metadata"]["name"]):
            for hook in cfg.get("webhooks") or ():
                if self._should_call(hook, req):
                    out.append((cfg["metadata"]["name"], hook))
        return out

    def _should_call(self, hook: dict, req) -> bool:
        res, op = req.resource, operation(req)
        sub = getattr(req, "subresource", "")
        if not any(rule_matches(r, op, res.group, res.version, res.name, sub, res.namespaced)
                   for r in hook.get("rules") or ()):
            return False
        ns_sel = hook.get("namespaceSelector")
        if ns_sel:  # upstream: predicates/namespace/matcher.go
            if res.kind == "Namespace":
                labels = ((req.obj or req.old or {}).get("metadata") or {}).get("labels") or {}
            elif not res.namespaced:
                labels = None  # cluster-scoped: the namespace selector does not apply
            else:
                ns = self.api.etcd.read(f"/registry/namespaces/{req.namespace}") or {}
                labels = (ns.get("metadata") or {}).get("labels") or {}
            if labels is not None and not selector_from(ns_sel).matches(labels):
                return False
        obj_sel = hook.get("objectSelector")
        if obj_sel:  # upstream: predicates/object/matcher.go: the new or the old object's labels
            sel = selector_from(obj_sel)
            if not any(sel.matches(((o or {}).get("metadata") or {}).get("labels") or {})
                       for o in (req.obj, req.old) if o is not None):
                return False
        return True

    def review(self, req) -> dict:
        """The AdmissionReview the apiserver sends (``admission.k8s.io/v1``)."""
        res = req.resource
        uid = "%032x" % self.rng.getrandbits(128)
        uid = f"{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:]}"
        user = req.user
        user_info = {"username": getattr(user, "name", "kubernetes-admin")}
        groups = getattr(user, "groups", ("system:masters", "system:authenticated"))
        if groups:
            user_info["groups"] = list(groups)
        request = {
            "uid": uid,
            "kind": {"group": res.group, "version": res.version, "kind": res.kind},
            "resource": {"group": res.group, "version": res.version, "resource": res.name},
            "requestKind": {"group": res.group, "version": res.version, "kind": res.kind},
            "requestResource": {"group": res.group, "version": res.version, "resource": res.name},
            "name": req.name,
            "operation": operation(req),
            "userInfo": user_info,
            "object": copy.deepcopy(req.obj),
            "oldObject": copy.deepcopy(req.old),
            "dryRun": bool(req.dry_run),
        }
        if getattr(req, "subresource", ""):
            request["subResource"] = req.subresource
        if res.namespaced:
            request["namespace"] = req.namespace
        return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}

    def call(self, hook: dict, review: dict) -> dict:
        """POST the review to the webhook; returns its response or raises the call error (ErrCallingWebhook)."""
        name = hook.get("name", "")
        handler = self.registry.handler(hook.get("clientConfig") or {})
        url = endpoint_of(hook.get("clientConfig") or {})
        timeout = hook.get("timeoutSeconds", 10)
        if handler is None:
            raise _CallError(name, f'failed to call webhook: Post "{url}?timeout={timeout}s": no endpoints available '
                                   f"for service \"{(hook.get('clientConfig') or {}).get('service', {}).get('name', url)}\"")
        try:
            answer = handler(copy.deepcopy(review))
        except Exception as e:  # noqa: BLE001 - any failure of the webhook server is a failed call
            raise _CallError(name, f'failed to call webhook: an error on the server ("{type(e).__name__}: {e}") has '
                                   "prevented the request from succeeding") from None
        response = (answer or {}).get("response") if isinstance(answer, dict) else None
        if response is None:
            raise _CallError(name, "received empty response")
        uid = review["request"]["uid"]
        if response.get("uid") != uid:
            raise _CallError(name, f'expected response.uid="{uid}", got "{response.get("uid", "")}"')
        return response

    def _step(self, req, outcome: str, config: str, hook: dict, message: str = "", patch=None) -> None:
        from k8slab.apiserver.server import Step

        stage = "mutating admission" if self.name.startswith("Mutating") else "validating admission"
        req.trace.append(Step(stage, outcome, f"{self.name} {config}/{hook.get('name', '')}", plugin=self.name,
                              message=message, patch=patch))

    def _dispatch_one(self, req, config: str, hook: dict):
        """Call one webhook with failurePolicy and dry-run rules; returns its response or None when ignored."""
        name = hook.get("name", "")
        if req.dry_run and hook.get("sideEffects") not in ("None", "NoneOnDryRun"):
            # upstream: webhookerrors.NewDryRunUnsupportedErr
            err = BadRequest(f'admission webhook "{name}" does not support dry run')
            self._step(req, "rejected", config, hook, str(err))
            raise err
        try:
            response = self.call(hook, self.review(req))
        except _CallError as e:
            if hook.get("failurePolicy", "Fail") == "Ignore":
                self._step(req, "ok", config, hook, f"failed open (failurePolicy: Ignore): {e}")
                return None
            err = InternalError(str(e))
            self._step(req, "rejected", config, hook, str(err))
            raise err from None
        req.warnings.extend(response.get("warnings") or ())
        if not response.get("allowed"):
            err = _status_error(name, response.get("status"))
            self._step(req, "rejected", config, hook, str(err))
            raise err
        return response


def _replace_in_place(obj: dict, new: dict) -> None:
    """Make ``obj`` equal ``new`` keeping ``obj`` and ``obj["metadata"]`` the same dicts (the apiserver holds them)."""
    meta = obj.get("metadata")
    new_meta = new.get("metadata")
    obj.clear()
    obj.update(new)
    if isinstance(meta, dict) and isinstance(new_meta, dict):
        meta.clear()
        meta.update(new_meta)
        obj["metadata"] = meta


class _CallError(Exception):
    def __init__(self, webhook: str, reason: str):
        super().__init__(f'failed calling webhook "{webhook}": {reason}')


def _status_error(webhook: str, status: dict | None) -> StatusError:
    # upstream: webhook/errors/statuserror.go ToStatusErr
    status = dict(status or {})
    code = status.get("code") or 400
    if code < 400:
        code = 400
    denied_by = f'admission webhook "{webhook}" denied the request'
    if status.get("message"):
        message = f"{denied_by}: {status['message']}"
    elif status.get("reason"):
        message = f"{denied_by}: {status['reason']}"
    else:
        message = f"{denied_by} without explanation"
    return StatusError(message, status.get("reason", ""), code)


class MutatingAdmissionWebhook(_Dispatcher):
    """Calls the mutating webhooks in order; each may patch the object the next one sees.

    ``reinvocationPolicy: IfNeeded`` webhooks are called once more when a later webhook changed the object.
    """

    name = "MutatingAdmissionWebhook"
    config_resource = "mutatingwebhookconfigurations"

    def admit(self, req) -> None:
        hooks = self.hooks(req)
        reinvoke = False
        for i, (config, hook) in enumerate(hooks):
            changed = self._run(req, config, hook)
            if changed and any(h.get("reinvocationPolicy") == "IfNeeded" for _, h in hooks[:i]):
                reinvoke = True
        if reinvoke:  # upstream: mutating/reinvocationcontext.go, one extra round for IfNeeded webhooks
            for config, hook in hooks:
                if hook.get("reinvocationPolicy") == "IfNeeded":
                    self._run(req, config, hook)

    def _run(self, req, config: str, hook: dict) -> bool:
        response = self._dispatch_one(req, config, hook)
        if response is None:
            return False
        ops = []
        if response.get("patch"):
            if response.get("patchType", "JSONPatch") != "JSONPatch":
                raise InternalError(f'failed calling webhook "{hook.get("name")}": unsupported patch type '
                                    f'"{response.get("patchType")}"')
            raw = response["patch"]
            try:
                ops = raw if isinstance(raw, list) else json.loads(base64.b64decode(raw))
                new = apply_patch(req.obj, ops)
            except (JSONPatchError, ValueError) as e:
                err = InternalError(f'failed calling webhook "{hook.get("name")}": JSON Patch: {e}')
                self._step(req, "rejected", config, hook, str(err))
                raise err from None
            _replace_in_place(req.obj, new)
            index = sum(1 for s in req.trace if s.plugin == self.name)
            req.audit_annotations[f"patch.webhook.admission.k8s.io/round_0_index_{index}"] = json.dumps(
                {"configuration": config, "webhook": hook.get("name"), "patch": ops, "patchType": "JSONPatch"})
        self._step(req, "ok", config, hook, patch=ops or None)
        return bool(ops)


class ValidatingAdmissionWebhook(_Dispatcher):
    """Calls the validating webhooks (upstream: in parallel; here in order, the first refusal wins)."""

    name = "ValidatingAdmissionWebhook"
    config_resource = "validatingwebhookconfigurations"

    def validate(self, req) -> None:
        for config, hook in self.hooks(req):
            if self._dispatch_one(req, config, hook) is not None:
                self._step(req, "ok", config, hook)
