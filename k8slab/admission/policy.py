"""A policy engine in the style of OPA Gatekeeper: constraint templates, constraints, deny/warn/dryrun, and audit."""

# Gatekeeper runs as a validating webhook ("validation.gatekeeper.sh", failurePolicy Ignore); each
# ConstraintTemplate is Rego, each Constraint its parameters and enforcementAction. Here templates are Python
# functions with the Rego's messages (gatekeeper-library: general/requiredlabels, allowedrepos, disallowedtags,
# containerlimits, pod-security-policy/privileged-containers). Rego itself and the CRDs are not simulated.

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from k8slab.admission.pod_security import pod_template
from k8slab.admission.webhooks import allowed, denied
from k8slab.api.labels import selector_from

__all__ = ["PolicyEngine", "Constraint", "Violation", "AuditReport", "TEMPLATES", "go_value"]

WEBHOOK_NAME = "validation.gatekeeper.sh"
CONFIGURATION = "gatekeeper-validating-webhook-configuration"
NAMESPACE = "gatekeeper-system"
SERVICE = f"{NAMESPACE}/gatekeeper-webhook-service"
#: Gatekeeper's enforcementAction values; "enforce" and "audit" are accepted as the course's words for deny/dryrun
ACTIONS = {"deny": "deny", "enforce": "deny", "warn": "warn", "dryrun": "dryrun", "audit": "dryrun"}
_WORKLOADS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob")


def go_value(value) -> str:
    """How Rego's ``sprintf("%v", x)`` prints a value: sets and arrays in JSON-ish form.

    Examples
    --------
    >>> go_value({"team"}), go_value(["latest"]), go_value({"privileged": True})
    ('{"team"}', '["latest"]', '{"privileged": true}')
    """
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(json.dumps(v) for v in sorted(value)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(json.dumps(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in sorted(value.items())) + "}"
    return str(value)


def _containers(obj: dict):
    spec = pod_template(obj)[1]
    for key in ("containers", "initContainers", "ephemeralContainers"):
        yield from spec.get(key) or ()


def required_labels(obj: dict, params: dict) -> list[str]:
    """gatekeeper-library k8srequiredlabels: ``you must provide labels: {"team"}``."""
    labels = (obj.get("metadata") or {}).get("labels") or {}
    names = [entry["key"] if isinstance(entry, dict) else entry for entry in params.get("labels") or ()]
    missing = {n for n in names if n not in labels}
    out = [f"you must provide labels: {go_value(missing)}"] if missing else []
    for entry in params.get("labels") or ():
        if isinstance(entry, dict) and entry.get("allowedRegex") and entry["key"] in labels:
            import re

            if not re.search(entry["allowedRegex"], labels[entry["key"]]):
                out.append(f"Label <{entry['key']}: {labels[entry['key']]}> does not satisfy allowed regex: "
                           f"{entry['allowedRegex']}")
    return out


def allowed_repos(obj: dict, params: dict) -> list[str]:
    """gatekeeper-library k8sallowedrepos (prefix match)."""
    repos = list(params.get("repos") or ())
    return [f"container <{c['name']}> has an invalid image repo <{c.get('image', '')}>, allowed repos are "
            f"{go_value(repos)}" for c in _containers(obj)
            if not any(c.get("image", "").startswith(r) for r in repos)]


def _image_tag(image: str) -> str | None:
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def disallowed_tags(obj: dict, params: dict) -> list[str]:
    """gatekeeper-library k8sdisallowedtags: a listed tag, or no tag at all (an image with a digest passes)."""
    tags = list(params.get("tags") or ())
    out = []
    for c in _containers(obj):
        image = c.get("image", "")
        if image in (params.get("exemptImages") or ()):
            continue
        tag = _image_tag(image)
        if tag is not None and tag in tags:
            out.append(f"container <{c['name']}> uses a disallowed tag <{image}>; disallowed tags are {go_value(tags)}")
        elif tag is None and "@" not in image:
            out.append(f"container <{c['name']}> didn't specify an image tag <{image}>")
    return out


def container_limits(obj: dict, params: dict) -> list[str]:
    """gatekeeper-library k8scontainerlimits: limits must be set (and under the given maxima)."""
    from k8slab.api.quantity import parse_quantity

    out = []
    for c in _containers(obj):
        limits = (c.get("resources") or {}).get("limits")
        if not limits:
            out.append(f"container <{c['name']}> has no resource limits")
            continue
        for resource in ("cpu", "memory"):
            if resource not in limits:
                out.append(f"container <{c['name']}> has no {resource} limit")
            elif params.get(resource) and parse_quantity(str(limits[resource])) > parse_quantity(str(params[resource])):
                out.append(f"container <{c['name']}> {resource} limit <{limits[resource]}> is higher than the maximum "
                           f"allowed of <{params[resource]}>")
    return out


def privileged_containers(obj: dict, params: dict) -> list[str]:
    """gatekeeper-library k8spspprivilegedcontainer."""
    return [f"Privileged container is not allowed: {c['name']}, securityContext: {go_value(c['securityContext'])}"
            for c in _containers(obj) if (c.get("securityContext") or {}).get("privileged")]


#: ConstraintTemplate kind -> check(object, parameters) -> messages
TEMPLATES: dict[str, Callable[[dict, dict], list[str]]] = {
    "K8sRequiredLabels": required_labels,
    "K8sAllowedRepos": allowed_repos,
    "K8sDisallowedTags": disallowed_tags,
    "K8sContainerLimits": container_limits,
    "K8sPSPPrivilegedContainer": privileged_containers,
}


@dataclass
class Constraint:
    """One constraint: a template kind, parameters, ``enforcementAction`` and ``match`` (kinds, namespaces)."""

    kind: str
    name: str
    parameters: dict = field(default_factory=dict)
    enforcement_action: str = "deny"
    kinds: tuple[str, ...] = ("Pod",)
    namespaces: tuple[str, ...] = ()
    excluded_namespaces: tuple[str, ...] = ()
    label_selector: dict | None = None
    total_violations: int = 0
    violations: list = field(default_factory=list)

    def __repr__(self) -> str:
        where = f"in {', '.join(self.namespaces)}" if self.namespaces else "everywhere"
        return f"<Constraint {self.kind}/{self.name}: {self.enforcement_action} {'/'.join(self.kinds)} {where}>"

    def matches(self, obj: dict, namespace_kind: str | None = None) -> bool:
        kind = namespace_kind or obj.get("kind")
        if "*" not in self.kinds and kind not in self.kinds:
            return False
        ns = (obj.get("metadata") or {}).get("namespace")
        if self.namespaces and ns not in self.namespaces:
            return False
        if ns in self.excluded_namespaces:
            return False
        if self.label_selector is not None:
            return selector_from(self.label_selector).matches((obj.get("metadata") or {}).get("labels") or {})
        return True


@dataclass(frozen=True)
class Violation:
    """One audit finding (a row of ``kubectl get <constraint> -o yaml``'s ``status.violations``)."""

    constraint: str
    enforcement_action: str
    kind: str
    namespace: str
    name: str
    message: str


class AuditReport(list):
    """Audit findings, printed as a table."""

    def __repr__(self) -> str:
        if not self:
            return "no violations"
        rows = [("CONSTRAINT", "ACTION", "KIND", "NAMESPACE", "NAME", "MESSAGE")]
        rows += [(v.constraint, v.enforcement_action, v.kind, v.namespace, v.name, v.message) for v in self]
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        return "\n".join("   ".join(c.ljust(w) for c, w in zip(r[:5], widths)) + "   " + r[5] for r in rows)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ("constraint", "action", "kind", "namespace", "name", "message"))
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(x))}</td>" for x in
                                        (v.constraint, v.enforcement_action, v.kind, v.namespace, v.name, v.message))
                       + "</tr>" for v in self)
        return f"<table><tr>{head}</tr>{body}</table>"


class PolicyEngine:
    """Gatekeeper in the lab: a ValidatingWebhookConfiguration whose webhook is this engine.

    * ``deny`` (``enforce``): a violating request is refused with ``[constraint] message`` lines
    * ``warn``: admitted with a ``Warning: [constraint] message``
    * ``dryrun`` (``audit``): admitted; :meth:`audit` reports it, with everything already in the cluster
    Workload kinds are checked through their pod template when ``expand_workloads`` (Gatekeeper's
    expansion templates); messages then say ``[implied by expand-workloads]``.

    Examples
    --------
    >>> import k8slab as kl
    >>> lab = kl.Cluster(seed=0, components=[])
    >>> engine = PolicyEngine.install(lab)
    >>> _ = engine.add("K8sRequiredLabels", "require-team", {"labels": ["team"]})
    >>> r = lab.kubectl("apply -f -", stdin="apiVersion: v1\\nkind: Pod\\nmetadata: {name: web}\\n"
    ...                 "spec: {containers: [{name: web, image: nginx:1.27}]}\\n")
    >>> print(r.stderr, end="")
    Error from server (Forbidden): error when creating "STDIN": admission webhook "validation.gatekeeper.sh" denied the request: [require-team] you must provide labels: {"team"}
    """

    def __init__(self, lab, expand_workloads: bool = True):
        self.lab = lab
        self.constraints: dict[str, Constraint] = {}
        self.templates = dict(TEMPLATES)
        self.expand_workloads = expand_workloads

    @classmethod
    def install(cls, lab, expand_workloads: bool = True) -> "PolicyEngine":
        """Install the engine like Gatekeeper's chart: its namespace, its webhook configuration, its webhook server."""
        engine = cls(lab, expand_workloads)
        api = lab.api
        if api.etcd.get(f"/registry/namespaces/{NAMESPACE}") is None:
            api.create({"apiVersion": "v1", "kind": "Namespace",
                        "metadata": {"name": NAMESPACE, "labels": {"admission.gatekeeper.sh/ignore": "no-self-managing"}}})
        lab.webhooks.register(engine.handle, service=SERVICE, path="/v1/admit")
        config = {
            "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": CONFIGURATION, "labels": {"gatekeeper.sh/system": "yes"}},
            "webhooks": [{
                "name": WEBHOOK_NAME, "admissionReviewVersions": ["v1", "v1beta1"], "sideEffects": "None",
                "failurePolicy": "Ignore", "matchPolicy": "Exact", "timeoutSeconds": 3,
                "clientConfig": {"service": {"namespace": NAMESPACE, "name": "gatekeeper-webhook-service",
                                             "path": "/v1/admit", "port": 443}},
                "namespaceSelector": {"matchExpressions": [
                    {"key": "admission.gatekeeper.sh/ignore", "operator": "DoesNotExist"},
                    {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": [NAMESPACE]}]},
                "rules": [{"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["CREATE", "UPDATE"],
                           "resources": ["*", "pods/ephemeralcontainers", "services/status"], "scope": "*"}],
            }]}
        if api.etcd.get(f"/registry/validatingwebhookconfigurations/{CONFIGURATION}") is None:
            api.create(config)
        lab.policy_engine = engine
        return engine

    def register_template(self, kind: str, check: Callable[[dict, dict], list[str]]) -> None:
        """Add a ConstraintTemplate: ``check(object, parameters)`` returns the violation messages."""
        self.templates[kind] = check

    def add(self, kind: str, name: str, parameters: dict | None = None, *, enforcement_action: str = "deny",
            kinds=("Pod",), namespaces=(), excluded_namespaces=("kube-system", NAMESPACE),
            label_selector: dict | None = None) -> Constraint:
        """Create a constraint of a template kind (``K8sRequiredLabels``, ``K8sAllowedRepos``, ...)."""
        if kind not in self.templates:
            raise ValueError(f"no ConstraintTemplate {kind!r} (known: {', '.join(sorted(self.templates))})")
        action = ACTIONS.get(enforcement_action)
        if action is None:
            raise ValueError(f"enforcementAction must be one of deny, warn, dryrun (got {enforcement_action!r})")
        c = Constraint(kind, name, dict(parameters or {}), action, tuple(kinds), tuple(namespaces),
                       tuple(excluded_namespaces), label_selector)
        self.constraints[name] = c
        return c

    def remove(self, name: str) -> None:
        self.constraints.pop(name, None)

    def review(self, obj: dict) -> list[tuple[Constraint, str]]:
        """Every (constraint, message) an object violates, constraints by kind then name."""
        out = []
        for c in sorted(self.constraints.values(), key=lambda c: (c.kind, c.name)):
            check = self.templates[c.kind]
            if c.matches(obj):
                out += [(c, msg) for msg in check(obj, c.parameters)]
            elif self.expand_workloads and obj.get("kind") in _WORKLOADS and c.matches(obj, "Pod"):
                out += [(c, f"[implied by expand-workloads] {msg}") for msg in check(obj, c.parameters)]
        return out

    def handle(self, review: dict) -> dict:
        """The webhook server: answers an AdmissionReview."""
        request = review["request"]
        obj = request.get("object") or {}
        found = self.review(obj)
        deny = [f"[{c.name}] {msg}" for c, msg in found if c.enforcement_action == "deny"]
        warn = [f"[{c.name}] {msg}" for c, msg in found if c.enforcement_action == "warn"]
        if deny:
            return denied(review, "\n".join(deny))
        return allowed(review, warn)

    def audit(self) -> AuditReport:
        """What Gatekeeper's audit finds in the cluster now (every action), kept on each constraint's status."""
        from k8slab.api.resources import RESOURCES

        report = AuditReport()
        for c in self.constraints.values():
            c.total_violations, c.violations = 0, []
        for res in RESOURCES:
            for obj in self.lab.api.etcd.scan(f"/registry/{res.etcd_prefix or res.name}/"):
                obj.setdefault("kind", res.kind)
                ns = (obj.get("metadata") or {}).get("namespace") or ""
                if ns == NAMESPACE:
                    continue
                for c, msg in self.review(obj):
                    v = Violation(c.name, c.enforcement_action, res.kind, ns, obj["metadata"]["name"], msg)
                    c.total_violations += 1
                    c.violations.append(v)
                    report.append(v)
        report.sort(key=lambda v: (v.constraint, v.namespace, v.kind, v.name, v.message))
        return report
