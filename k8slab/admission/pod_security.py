"""PodSecurity admission: Pod Security Standards enforced, audited and warned per namespace label."""

# upstream: staging/src/k8s.io/pod-security-admission/admission/admission.go and api/helpers.go

from __future__ import annotations

import re

from k8slab.admission.chain import AdmissionPlugin, admission_forbidden, operation
from k8slab.admission.pod_security_checks import LEVELS, evaluate_pod, forbidden_detail
from k8slab.errors import Invalid

__all__ = ["PodSecurity", "LABEL_PREFIX", "namespace_policy", "pod_template"]

LABEL_PREFIX = "pod-security.kubernetes.io/"
MODES = ("enforce", "audit", "warn")
ENFORCED_POLICY_ANNOTATION = "pod-security.kubernetes.io/enforce-policy"
AUDIT_VIOLATIONS_ANNOTATION = "pod-security.kubernetes.io/audit-violations"
_VERSION = re.compile(r"v1\.(0|[1-9][0-9]*)")  # upstream api/helpers.go versionRegexp (Go: $ = end of text)
#: kinds whose pod template PodSecurity checks (for warn and audit only; upstream DefaultPodSpecExtractor)
_CONTROLLERS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob",
                "ReplicationController", "PodTemplate")


def _parse_version(text: str):
    if text == "latest":
        return None
    if not _VERSION.fullmatch(text):
        raise ValueError('must be "latest" or "v1.x"')
    return (1, int(text.split(".")[1]))


def namespace_policy(labels: dict | None) -> tuple[dict, list[str]]:
    """The level and version per mode from a namespace's labels, and the label errors.

    Unlabelled modes default to ``privileged:latest`` (the default AdmissionConfiguration).
    upstream: pod-security-admission/api/helpers.go ``PolicyToEvaluate``.

    Examples
    --------
    >>> policy, errs = namespace_policy({"pod-security.kubernetes.io/enforce": "baseline",
    ...                                  "pod-security.kubernetes.io/warn": "restricted",
    ...                                  "pod-security.kubernetes.io/warn-version": "v1.30"})
    >>> policy["enforce"], policy["warn"], policy["audit"], errs
    (('baseline', None), ('restricted', (1, 30)), ('privileged', None), [])
    """
    labels = labels or {}
    policy, errs = {}, []
    for mode in MODES:
        level = labels.get(LABEL_PREFIX + mode, "privileged")
        if level not in LEVELS:
            errs.append(f'metadata.labels[{LABEL_PREFIX}{mode}]: Invalid value: "{level}": must be one of '
                        "privileged, baseline, restricted")
            level = "restricted"  # upstream: an invalid level is treated as restricted
        version = None
        raw = labels.get(f"{LABEL_PREFIX}{mode}-version")
        if raw is not None:
            try:
                version = _parse_version(raw)
            except ValueError as e:
                errs.append(f'metadata.labels[{LABEL_PREFIX}{mode}-version]: Invalid value: "{raw}": {e}')
        policy[mode] = (level, version)
    return policy, errs


def _level_string(level_version) -> str:
    level, version = level_version
    return f"{level}:{'latest' if version is None else f'v1.{version[1]}'}"


def pod_template(obj: dict) -> tuple[dict, dict] | None:
    """(metadata, spec) of the pod an object runs: a Pod itself, or a workload's pod template."""
    kind = obj.get("kind")
    if kind == "Pod":
        return obj.get("metadata") or {}, obj.get("spec") or {}
    spec = obj.get("spec") or {}
    if kind == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    if kind == "PodTemplate":
        template = obj.get("template") or {}
    else:
        template = spec.get("template") or {}
    return template.get("metadata") or {}, template.get("spec") or {}


def _significant_pod_update(new: dict, old: dict) -> bool:
    # upstream: admission.go isSignificantPodUpdate / isSignificantContainerUpdate
    seccomp = "seccomp.security.alpha.kubernetes.io/pod"
    na, oa = (new.get("metadata") or {}).get("annotations") or {}, (old.get("metadata") or {}).get("annotations") or {}
    if na.get(seccomp) != oa.get(seccomp):
        return True
    ns, os_ = new.get("spec") or {}, old.get("spec") or {}
    for key in ("containers", "initContainers"):
        a, b = ns.get(key) or [], os_.get(key) or []
        if len(a) != len(b):
            return True
        for c, o in zip(a, b):
            prefix = "container.seccomp.security.alpha.kubernetes.io/" + c.get("name", "")
            if c.get("image") != o.get("image") or na.get(prefix) != oa.get(prefix):
                return True
    return False


class PodSecurity(AdmissionPlugin):
    """Pod Security Admission (built in since 1.25): the namespace's labels choose a level per mode.

    * ``enforce``: a violating Pod is refused: ``violates PodSecurity "restricted:latest": ...``
    * ``warn``: the request succeeds with a ``Warning: would violate PodSecurity ...`` (Pods and workloads)
    * ``audit``: the request succeeds; the violation is recorded in the audit log annotations

    Changing a namespace's ``enforce`` label warns about the existing pods that would violate it.
    Exemptions (usernames, runtime classes, namespaces) are not simulated: the default configuration has none.
    """

    name = "PodSecurity"
    operations = frozenset({"CREATE", "UPDATE"})

    def __init__(self, api):
        self.api = api

    def handles(self, req) -> bool:
        if operation(req) not in self.operations or req.obj is None:
            return False
        kind = req.resource.kind
        sub = getattr(req, "subresource", "")
        if kind == "Pod":
            return sub in ("", "ephemeralcontainers")
        return sub == "" and (kind == "Namespace" or kind in _CONTROLLERS)

    def _policy(self, namespace: str) -> dict:
        ns = self.api.etcd.read(f"/registry/namespaces/{namespace}") or {}
        return namespace_policy((ns.get("metadata") or {}).get("labels"))[0]

    def validate(self, req) -> None:
        kind = req.resource.kind
        if kind == "Namespace":
            self._validate_namespace(req)
            return
        if kind == "Pod" and operation(req) == "UPDATE" and req.old is not None \
                and not _significant_pod_update(req.obj, req.old):
            return
        policy = self._policy(req.namespace)
        meta, spec = pod_template(req.obj)
        results = {}

        def evaluate(mode):
            key = policy[mode]
            if key not in results:
                results[key] = evaluate_pod(key[0], meta, spec, key[1])
            return results[key]

        denied = None
        if kind == "Pod":
            req.audit_annotations[ENFORCED_POLICY_ANNOTATION] = _level_string(policy["enforce"])
            failed = evaluate("enforce")
            if failed:
                denied = admission_forbidden(
                    req, f'violates PodSecurity "{_level_string(policy["enforce"])}": {forbidden_detail(failed)}')
        failed = evaluate("audit")
        if failed:
            req.audit_annotations[AUDIT_VIOLATIONS_ANNOTATION] = (
                f'would violate PodSecurity "{_level_string(policy["audit"])}": {forbidden_detail(failed)}')
        if denied is not None:
            raise denied  # upstream: no warnings on a request that is refused
        failed = evaluate("warn")
        if failed:
            req.warnings.append(f'would violate PodSecurity "{_level_string(policy["warn"])}": '
                                f"{forbidden_detail(failed)}")

    def _validate_namespace(self, req) -> None:
        # upstream: admission.go ValidateNamespace
        labels = (req.obj.get("metadata") or {}).get("labels") or {}
        new, errs = namespace_policy(labels)
        if errs:
            name = req.obj["metadata"].get("name", "")
            raise Invalid(f'The Namespace "{name}" is invalid: ' + (errs[0] if len(errs) == 1 else
                                                                   "[" + ", ".join(errs) + "]"), errs)
        if operation(req) != "UPDATE" or req.old is None:
            return
        old, _ = namespace_policy((req.old.get("metadata") or {}).get("labels"))
        if new["enforce"] == old["enforce"]:
            return
        req.warnings.extend(self.pods_violating(req.obj["metadata"]["name"], new["enforce"]))

    def pods_violating(self, namespace: str, enforce) -> list[str]:
        """The warnings for existing pods that violate a new enforce level (upstream ``EvaluatePodsInNamespace``)."""
        counts, order = {}, []
        for pod in self.api.etcd.scan(f"/registry/pods/{namespace}/"):
            failed = evaluate_pod(enforce[0], pod.get("metadata") or {}, pod.get("spec") or {}, enforce[1])
            if not failed:
                continue
            reasons = ", ".join(r.reason for r in failed)
            name = pod["metadata"]["name"]
            if reasons not in counts:
                counts[reasons] = [name, 0]
                order.append(reasons)
            elif name < counts[reasons][0]:
                counts[reasons][0] = name
            counts[reasons][1] += 1
        if not order:
            return []
        out = [f'existing pods in namespace "{namespace}" violate the new PodSecurity enforce level '
               f'"{_level_string(enforce)}"']
        decorated = []
        for reasons in order:
            first, n = counts[reasons]
            if n == 1:
                decorated.append(f"{first}: {reasons}")
            elif n == 2:
                decorated.append(f"{first} (and 1 other pod): {reasons}")
            else:
                decorated.append(f"{first} (and {n - 1} other pods): {reasons}")
        return out + sorted(decorated)
