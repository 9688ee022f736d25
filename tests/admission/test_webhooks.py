"""Admission webhooks: rules (upstream rules_test.go), selectors, failurePolicy, dry run, patches, ToStatusErr."""

import pytest

import k8slab as kl
from k8slab.admission.webhooks import _status_error, allowed, denied, patched, rule_matches

from admlab import pod

RULE_CASES = [
    # upstream: staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/predicates/rules/rules_test.go
    ("all resources match a main resource", {"resources": ["*"]}, "pods", "", True),
    ("all resources do not match a subresource", {"resources": ["*"]}, "pods", "status", False),
    ("*/* matches subresources", {"resources": ["*/*"]}, "pods", "status", True),
    ("pods/* matches the main resource too", {"resources": ["pods/*"]}, "pods", "", True),
    ("pods/* matches pods/log", {"resources": ["pods/*"]}, "pods", "log", True),
    ("*/status matches any status", {"resources": ["*/status"]}, "deployments", "status", True),
    ("*/status does not match scale", {"resources": ["*/status"]}, "deployments", "scale", False),
    ("an exact resource", {"resources": ["pods"]}, "services", "", False),
]


@pytest.mark.parametrize("case,rule,resource,sub,want", RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_rule_resources(case, rule, resource, sub, want):
    base = {"operations": ["*"], "apiGroups": ["*"], "apiVersions": ["*"]}
    assert rule_matches(base | rule, "CREATE", "", "v1", resource, sub, True) is want


@pytest.mark.parametrize("rule,op,namespaced,want", [
    ({"operations": ["CREATE"]}, "UPDATE", True, False),
    ({"operations": ["*"]}, "DELETE", True, True),
    ({"operations": ["*"], "scope": "Cluster"}, "CREATE", True, False),
    ({"operations": ["*"], "scope": "Namespaced"}, "CREATE", True, True),
], ids=["an operation not listed", "any operation", "a cluster scope rule and a namespaced object",
        "a namespaced scope rule"])
def test_rule_operations_and_scope(rule, op, namespaced, want):
    base = {"apiGroups": ["*"], "apiVersions": ["*"], "resources": ["*"]}
    assert rule_matches(base | rule, op, "", "v1", "pods", "", namespaced) is want


@pytest.mark.parametrize("status,message", [
    (None, 'admission webhook "foo" denied the request without explanation'),
    ({"message": "you shall not pass"}, 'admission webhook "foo" denied the request: you shall not pass'),
    ({"reason": "Forbidden"}, 'admission webhook "foo" denied the request: Forbidden'),
    ({"message": "you shall not pass", "reason": "Forbidden"},
     'admission webhook "foo" denied the request: you shall not pass'),
    ({}, 'admission webhook "foo" denied the request without explanation'),
], ids=["nil result", "only message", "only reason", "message and reason", "no message, no reason"])
def test_to_status_err(status, message):
    # upstream: webhook/errors/statuserror_test.go TestToStatusErr
    err = _status_error("foo", status)
    assert str(err) == message and err.code >= 400


def webhook_config(kind, name, hook, **fields):
    return {"apiVersion": "admissionregistration.k8s.io/v1", "kind": kind, "metadata": {"name": name},
            "webhooks": [{"name": hook, "admissionReviewVersions": ["v1"], "sideEffects": "None",
                          "clientConfig": {"service": {"namespace": "hooks", "name": "svc", "path": f"/{hook}"}},
                          "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"],
                                     "resources": ["pods"]}], **fields}]}


@pytest.fixture
def calls(lab):
    seen = []

    def deny(review):
        seen.append(review["request"])
        return denied(review, "pods need a team label")

    lab.webhooks.register(deny, service="hooks/svc", path="/deny.example.com")
    return seen


def _pod_yaml(name="web", ns="default", labels="{}"):
    return (f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}, labels: {labels}}}\n"
            "spec: {containers: [{name: web, image: nginx}]}\n")


def test_a_validating_webhook_refuses_as_kubectl_shows_it(lab, calls):
    lab.api.create(webhook_config("ValidatingWebhookConfiguration", "policy", "deny.example.com"))
    r = lab.kubectl("apply -f -", stdin=_pod_yaml())
    assert r.stderr == ('Error from server (Forbidden): error when creating "STDIN": admission webhook '
                        '"deny.example.com" denied the request: pods need a team label\n')
    review = calls[0]
    assert (review["operation"], review["namespace"], review["userInfo"]["username"]) == (
        "CREATE", "default", "kubernetes-admin")
    assert review["resource"] == {"group": "", "version": "v1", "resource": "pods"}
    assert lab.etcd.get("/registry/pods/default/web") is None


def test_the_namespace_selector_limits_which_namespaces_are_checked(lab, calls):
    lab.kubectl("create namespace dev")
    lab.kubectl("label namespace dev policy=strict")
    lab.api.create(webhook_config("ValidatingWebhookConfiguration", "policy", "deny.example.com",
                                  namespaceSelector={"matchLabels": {"policy": "strict"}}))
    assert lab.kubectl("apply -f -", stdin=_pod_yaml()).ok
    assert not lab.kubectl("apply -f -", stdin=_pod_yaml(ns="dev")).ok
    assert len(calls) == 1


def test_the_object_selector_limits_which_objects_are_checked(lab, calls):
    lab.api.create(webhook_config("ValidatingWebhookConfiguration", "policy", "deny.example.com",
                                  objectSelector={"matchExpressions": [{"key": "skip", "operator": "DoesNotExist"}]}))
    assert lab.kubectl("apply -f -", stdin=_pod_yaml(labels="{skip: 'yes'}")).ok
    assert not lab.kubectl("apply -f -", stdin=_pod_yaml("other")).ok


@pytest.mark.parametrize("policy,ok", [("Fail", False), ("Ignore", True)])
def test_a_webhook_that_raises_obeys_its_failure_policy(lab, policy, ok):
    def broken(review):
        raise RuntimeError("boom")

    lab.webhooks.register(broken, service="hooks/svc", path="/broken.example.com")
    lab.api.create(webhook_config("ValidatingWebhookConfiguration", "v", "broken.example.com", failurePolicy=policy))
    r = lab.kubectl("apply -f -", stdin=_pod_yaml())
    assert r.ok is ok
    if not ok:
        assert r.stderr == ('Error from server (InternalError): error when creating "STDIN": Internal error occurred: '
                            'failed calling webhook "broken.example.com": failed to call webhook: an error on the server '
                            '("RuntimeError: boom") has prevented the request from succeeding\n')
    else:
        step = next(s for s in lab.api.last_trace if s.plugin == "ValidatingAdmissionWebhook")
        assert step.message.startswith("failed open (failurePolicy: Ignore)")


def test_a_webhook_nobody_serves_fails_the_call(lab):
    lab.api.create(webhook_config("ValidatingWebhookConfiguration", "v", "nobody.example.com"))
    with pytest.raises(kl.K8sLabError) as e:
        lab.api.create(pod())
    assert str(e.value) == ('Internal error occurred: failed calling webhook "nobody.example.com": failed to call '
                            'webhook: Post "https://svc.hooks.svc:443/nobody.example.com?timeout=10s": no endpoints '
                            'available for service "svc"')


def test_a_wrong_response_uid_is_a_failed_call(lab):
    lab.webhooks.register(lambda review: {"response": {"uid": "nope", "allowed": True}}, service="hooks/svc",
                          path="/uid.example.com")
    lab.api.create(webhook_config("ValidatingWebhookConfiguration", "v", "uid.example.com"))
    with pytest.raises(kl.K8sLabError, match='expected response.uid="[0-9a-f-]{36}", got "nope"$'):
        lab.api.create(pod())


def test_server_dry_run_needs_webhooks_without_side_effects(lab):
    lab.webhooks.register(lambda review: allowed(review), service="hooks/svc", path="/fx.example.com")
    lab.api.create(webhook_config("ValidatingWebhookConfiguration", "v", "fx.example.com", sideEffects="Some"))
    r = lab.kubectl("apply -f - --dry-run=server", stdin=_pod_yaml())
    assert r.stderr == ('Error from server (BadRequest): error when creating "STDIN": admission webhook '
                        '"fx.example.com" does not support dry run\n')
    assert lab.kubectl("apply -f -", stdin=_pod_yaml()).ok


def test_a_mutating_webhook_patches_the_object_and_the_trace_shows_the_patch(lab):
    ops = [{"op": "add", "path": "/metadata/labels/team", "value": "platform"}]
    lab.webhooks.register(lambda review: patched(review, ops), service="hooks/svc", path="/label.example.com")
    lab.api.create(webhook_config("MutatingWebhookConfiguration", "m", "label.example.com"))
    stored = lab.api.create(pod() | {"metadata": {"name": "web", "labels": {"app": "web"}}})
    assert stored["metadata"]["labels"] == {"app": "web", "team": "platform"}
    step = next(s for s in lab.api.last_trace if s.plugin == "MutatingAdmissionWebhook")
    assert (step.stage, step.outcome, step.detail, step.patch) == (
        "mutating admission", "ok", "MutatingAdmissionWebhook m/label.example.com", ops)


def test_if_needed_webhooks_run_again_after_a_later_change(lab):
    seen = []

    def first(review):
        seen.append(dict(review["request"]["object"]["metadata"].get("labels") or {}))
        return allowed(review)

    lab.webhooks.register(first, service="hooks/svc", path="/a.example.com")
    lab.webhooks.register(lambda r: patched(r, [{"op": "add", "path": "/metadata/labels", "value": {"b": "1"}}]),
                          service="hooks/svc", path="/b.example.com")
    lab.api.create(webhook_config("MutatingWebhookConfiguration", "1-a", "a.example.com", reinvocationPolicy="IfNeeded"))
    lab.api.create(webhook_config("MutatingWebhookConfiguration", "2-b", "b.example.com"))
    lab.api.create(pod())
    assert seen == [{}, {"b": "1"}]


def test_webhooks_are_never_called_for_webhook_configurations(lab, calls):
    rule = {"operations": ["*"], "apiGroups": ["*"], "apiVersions": ["*"], "resources": ["*"]}
    cfg = webhook_config("ValidatingWebhookConfiguration", "all", "deny.example.com", rules=[rule])
    lab.api.create(cfg)
    lab.api.delete(lab.api.resource("validatingwebhookconfigurations"), None, "all")
    assert calls == []


def test_a_patched_object_still_gets_its_uid_and_creation_time(lab):
    ops = [{"op": "add", "path": "/metadata/labels", "value": {"patched": "yes"}}]
    lab.webhooks.register(lambda review: patched(review, ops), service="hooks/svc", path="/p.example.com")
    lab.api.create(webhook_config("MutatingWebhookConfiguration", "m", "p.example.com"))
    lab.api.create(pod())
    stored = lab.api.etcd.read("/registry/pods/default/web")
    assert stored["metadata"]["labels"] == {"patched": "yes"}
    assert stored["metadata"]["uid"] and stored["metadata"]["creationTimestamp"] == "2026-01-01T00:00:00Z"
