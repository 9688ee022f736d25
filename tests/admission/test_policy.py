"""The Gatekeeper-style policy engine: gatekeeper-library messages, deny/warn/dryrun, audit, workload expansion."""

import pytest

from k8slab.admission.policy import PolicyEngine, allowed_repos, container_limits, disallowed_tags, \
    privileged_containers, required_labels

POD = {"kind": "Pod", "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
       "spec": {"containers": [{"name": "web", "image": "nginx:latest"}]}}


def with_container(**c):
    return POD | {"spec": {"containers": [{"name": "web", **c}]}}


TEMPLATE_CASES = [
    # the messages are gatekeeper-library's Rego sprintf formats
    ("required labels", required_labels, POD, {"labels": ["team", "app"]}, ['you must provide labels: {"team"}']),
    ("allowed repos", allowed_repos, POD, {"repos": ["registry.lab/"]},
     ['container <web> has an invalid image repo <nginx:latest>, allowed repos are ["registry.lab/"]']),
    ("a disallowed tag", disallowed_tags, POD, {"tags": ["latest"]},
     ['container <web> uses a disallowed tag <nginx:latest>; disallowed tags are ["latest"]']),
    ("no tag at all", disallowed_tags, with_container(image="nginx"), {"tags": ["latest"]},
     ["container <web> didn't specify an image tag <nginx>"]),
    ("a digest is fine", disallowed_tags, with_container(image="nginx@sha256:" + "a" * 64), {"tags": ["latest"]}, []),
    ("no limits", container_limits, POD, {}, ["container <web> has no resource limits"]),
    ("a limit over the maximum", container_limits, with_container(image="x", resources={"limits": {"cpu": "2",
                                                                                                     "memory": "1Gi"}}),
     {"cpu": "1"}, ["container <web> cpu limit <2> is higher than the maximum allowed of <1>"]),
    ("privileged", privileged_containers, with_container(image="x", securityContext={"privileged": True}), {},
     ['Privileged container is not allowed: web, securityContext: {"privileged": true}']),
]


@pytest.mark.parametrize("case,check,obj,params,messages", TEMPLATE_CASES, ids=[c[0] for c in TEMPLATE_CASES])
def test_templates_give_gatekeeper_librarys_messages(case, check, obj, params, messages):
    assert check(obj, params) == messages


BAD = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: web, image: nginx:latest}]}\n"


@pytest.fixture
def engine(lab):
    return PolicyEngine.install(lab)


def test_deny_lists_every_violation_one_per_line(lab, engine):
    engine.add("K8sRequiredLabels", "require-team", {"labels": ["team"]})
    engine.add("K8sDisallowedTags", "no-latest", {"tags": ["latest"]})
    r = lab.kubectl("apply -f -", stdin=BAD)
    assert r.stderr == ('Error from server (Forbidden): error when creating "STDIN": admission webhook '
                        '"validation.gatekeeper.sh" denied the request: [no-latest] container <web> uses a disallowed '
                        'tag <nginx:latest>; disallowed tags are ["latest"]\n[require-team] you must provide labels: '
                        '{"team"}\n')


def test_warn_admits_with_a_warning(lab, engine):
    engine.add("K8sDisallowedTags", "no-latest", {"tags": ["latest"]}, enforcement_action="warn")
    r = lab.kubectl("apply -f -", stdin=BAD)
    assert (r.stdout, r.stderr) == ("pod/web created\n", 'Warning: [no-latest] container <web> uses a disallowed tag '
                                                         '<nginx:latest>; disallowed tags are ["latest"]\n')


def test_audit_mode_admits_and_the_audit_finds_it_with_what_was_there_before(lab, engine):
    lab.kubectl("apply -f -", stdin=BAD)
    engine.add("K8sDisallowedTags", "no-latest", {"tags": ["latest"]}, enforcement_action="audit")
    assert lab.kubectl("apply -f -", stdin=BAD.replace("name: web}", "name: web2}")).ok
    report = engine.audit()
    assert [(v.constraint, v.enforcement_action, v.name) for v in report] == [
        ("no-latest", "dryrun", "web"), ("no-latest", "dryrun", "web2")]
    assert engine.constraints["no-latest"].total_violations == 2


def test_workloads_are_checked_through_their_pod_template(lab, engine):
    engine.add("K8sDisallowedTags", "no-latest", {"tags": ["latest"]})
    r = lab.kubectl("apply -f -", stdin="""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:latest}]}
""")
    assert r.stderr.endswith('denied the request: [no-latest] [implied by expand-workloads] container <web> uses a '
                             'disallowed tag <nginx:latest>; disallowed tags are ["latest"]\n')


def test_the_engine_ignores_its_own_namespace_and_fails_open(lab, engine):
    engine.add("K8sRequiredLabels", "require-team", {"labels": ["team"]}, excluded_namespaces=())
    assert lab.api.create({"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": "c", "namespace": "gatekeeper-system"}})
    cfg = lab.get("validatingwebhookconfiguration", "gatekeeper-validating-webhook-configuration")
    assert cfg.webhooks[0].failure_policy == "Ignore"


def test_unknown_templates_and_actions_are_refused(engine):
    with pytest.raises(ValueError, match="no ConstraintTemplate 'K8sNope'"):
        engine.add("K8sNope", "x")
    with pytest.raises(ValueError, match="enforcementAction must be one of deny, warn, dryrun"):
        engine.add("K8sRequiredLabels", "x", enforcement_action="block")
