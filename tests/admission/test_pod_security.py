"""Pod Security Admission: the checks (upstream's check_*_test.go tables) and the three modes."""

import pytest

import k8slab as kl
from k8slab.admission.pod_security import namespace_policy
from k8slab.admission.pod_security_checks import check_ids, evaluate_pod

from admlab import pod


def _result(level, spec, meta=None):
    return [(r.id, r.reason, r.detail) for r in evaluate_pod(level, meta or {}, spec)]


def c(name, **sc):
    return {"name": name, **({"securityContext": sc} if sc else {})}


CHECKS = [
    # upstream: check_runAsNonRoot_test.go TestRunAsNonRoot
    ("runAsNonRoot: no explicit runAsNonRoot", "runAsNonRoot", {"containers": [c("a")]},
     "runAsNonRoot != true", 'pod or container "a" must set securityContext.runAsNonRoot=true'),
    ("runAsNonRoot: pod runAsNonRoot=false", "runAsNonRoot",
     {"securityContext": {"runAsNonRoot": False}, "containers": [c("a")]},
     "runAsNonRoot != true", "pod must not set securityContext.runAsNonRoot=false"),
    ("runAsNonRoot: containers runAsNonRoot=false", "runAsNonRoot",
     {"securityContext": {"runAsNonRoot": True}, "containers": [
         c("a"), {"name": "b", "securityContext": {}}, c("c", runAsNonRoot=False), c("d", runAsNonRoot=False),
         c("e", runAsNonRoot=True), c("f", runAsNonRoot=True)]},
     "runAsNonRoot != true", 'containers "c", "d" must not set securityContext.runAsNonRoot=false'),
    ("runAsNonRoot: pod nil, container fallthrough", "runAsNonRoot",
     {"containers": [c("a"), {"name": "b", "securityContext": {}}, c("d", runAsNonRoot=True),
                     c("e", runAsNonRoot=True)]},
     "runAsNonRoot != true", 'pod or containers "a", "b" must set securityContext.runAsNonRoot=true'),
    # upstream: check_capabilities_restricted_test.go "multiple containers"
    ("capabilities_restricted: multiple containers", "capabilities_restricted",
     {"containers": [
         {"name": "a", "securityContext": {"capabilities": {"add": ["FOO", "BAR"]}}},
         {"name": "b", "securityContext": {"capabilities": {"add": ["BAR", "BAZ"]}}},
         {"name": "c", "securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE", "CHOWN"],
                                                            "drop": ["ALL", "FOO"]}}}]},
     "unrestricted capabilities",
     'containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; containers "a", "b", "c" must not '
     'include "BAR", "BAZ", "CHOWN", "FOO" in securityContext.capabilities.add'),
    # upstream: check_capabilities_baseline_test.go
    ("capabilities_baseline: non-default capabilities", "capabilities_baseline",
     {"containers": [{"name": "a", "securityContext": {"capabilities": {"add": ["FOO", "BAR"]}}},
                     {"name": "b", "securityContext": {"capabilities": {"add": ["BAR", "BAZ"]}}},
                     {"name": "c", "securityContext": {"capabilities": {"add": ["CHOWN"]}}}]},
     "non-default capabilities",
     'containers "a", "b" must not include "BAR", "BAZ", "FOO" in securityContext.capabilities.add'),
    # upstream: check_hostNamespaces_test.go
    ("hostNamespaces: all three", "hostNamespaces", {"hostNetwork": True, "hostPID": True, "hostIPC": True,
                                                     "containers": [c("a")]},
     "host namespaces", "hostNetwork=true, hostPID=true, hostIPC=true"),
    # upstream: check_privileged_test.go
    ("privileged: two containers", "privileged",
     {"containers": [c("a", privileged=True), c("b", privileged=False), c("c", privileged=True)]},
     "privileged", 'containers "a", "c" must not set securityContext.privileged=true'),
    # upstream: check_hostPorts_test.go
    ("hostPorts: one container", "hostPorts",
     {"containers": [{"name": "a", "ports": [{"containerPort": 80, "hostPort": 10}, {"containerPort": 81}]}]},
     "hostPort", 'container "a" uses hostPort 10'),
    ("hostPorts: several containers and ports", "hostPorts",
     {"containers": [{"name": "a", "ports": [{"containerPort": 1, "hostPort": 10}, {"containerPort": 2, "hostPort": 20}]},
                     {"name": "b", "ports": [{"containerPort": 3, "hostPort": 20}]}]},
     "hostPort", 'containers "a", "b" use hostPorts 10, 20'),
    # upstream: check_hostPathVolumes_test.go
    ("hostPathVolumes", "hostPathVolumes",
     {"volumes": [{"name": "a", "hostPath": {"path": "/"}}, {"name": "b", "emptyDir": {}},
                  {"name": "c", "hostPath": {"path": "/x"}}], "containers": [c("x")]},
     "hostPath volumes", 'volumes "a", "c"'),
    # upstream: check_restrictedVolumes_test.go
    ("restrictedVolumes", "restrictedVolumes",
     {"volumes": [{"name": "a", "hostPath": {"path": "/"}}, {"name": "b", "nfs": {"server": "s", "path": "/"}},
                  {"name": "c", "configMap": {"name": "x"}}], "containers": [c("x")]},
     "restricted volume types", 'volumes "a", "b" use restricted volume types "hostPath", "nfs"'),
    # upstream: check_seccompProfile_restricted_test.go
    ("seccompProfile_restricted: unconfined container", "seccompProfile_restricted",
     {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
      "containers": [c("a", seccompProfile={"type": "Unconfined"})]},
     "seccompProfile", 'container "a" must not set securityContext.seccompProfile.type to "Unconfined"'),
    # upstream: check_sysctls_test.go
    ("sysctls: forbidden", "sysctls",
     {"securityContext": {"sysctls": [{"name": "a", "value": "1"}, {"name": "net.ipv4.tcp_rmem", "value": "1"},
                                      {"name": "b", "value": "2"}]}, "containers": [c("x")]},
     "forbidden sysctls", "a, b"),
    # upstream: check_runAsUser_test.go
    ("runAsUser: pod and container root", "runAsUser",
     {"securityContext": {"runAsUser": 0}, "containers": [c("a", runAsUser=0), c("b", runAsUser=1000)]},
     "runAsUser=0", 'pod and container "a" must not set runAsUser=0'),
    # upstream: check_procMount_test.go
    ("procMount: unmasked", "procMount", {"containers": [c("a", procMount="Unmasked")]},
     "procMount", 'container "a" must not set securityContext.procMount to "Unmasked"'),
    # upstream: check_seLinuxOptions_test.go
    ("seLinuxOptions: bad type and user", "seLinuxOptions",
     {"securityContext": {"seLinuxOptions": {"type": "bar", "user": "u"}}, "containers": [c("a")]},
     "seLinuxOptions", 'pod set forbidden securityContext.seLinuxOptions: type "bar"; user may not be set'),
    # upstream: check_appArmorProfile_test.go
    ("appArmorProfile: unconfined", "appArmorProfile",
     {"containers": [c("a", appArmorProfile={"type": "Unconfined"})]},
     "forbidden AppArmor profile", 'container "a" must not set AppArmor profile type to "Unconfined"'),
    # upstream: check_allowPrivilegeEscalation_test.go
    ("allowPrivilegeEscalation", "allowPrivilegeEscalation",
     {"containers": [c("a"), c("b", allowPrivilegeEscalation=True), c("c", allowPrivilegeEscalation=False)]},
     "allowPrivilegeEscalation != false",
     'containers "a", "b" must set securityContext.allowPrivilegeEscalation=false'),
    # upstream: check_hostProbesAndhostLifecycle_test.go
    ("hostProbesAndHostLifecycle", "hostProbesAndHostLifecycle",
     {"containers": [{"name": "a", "livenessProbe": {"httpGet": {"host": "10.0.0.1", "port": 80}}}]},
     "probe or lifecycle host", 'container "a" uses probe or lifecycle host "10.0.0.1"'),
]


@pytest.mark.parametrize("case,check,spec,reason,detail", CHECKS, ids=[c[0] for c in CHECKS])
def test_each_check_gives_upstreams_reason_and_detail(case, check, spec, reason, detail):
    level = "baseline" if check in check_ids("baseline") else "restricted"
    found = {cid: (r, d) for cid, r, d in _result(level, spec)}
    assert found[check] == (reason, detail)


def test_a_pod_meeting_restricted_passes():
    spec = {"securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [c("a", allowPrivilegeEscalation=False, capabilities={"drop": ["ALL"]})]}
    assert _result("restricted", spec) == []


def test_restricted_replaces_three_baseline_checks():
    ids = check_ids("restricted")
    assert {"capabilities_restricted", "restrictedVolumes", "seccompProfile_restricted"} <= set(ids)
    assert not {"capabilities_baseline", "hostPathVolumes", "seccompProfile_baseline"} & set(ids)
    assert "hostProbesAndHostLifecycle" not in check_ids("baseline", (1, 33))


@pytest.mark.parametrize("labels,error", [
    ({"pod-security.kubernetes.io/enforce": "strict"},
     'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, '
     "baseline, restricted"),
    ({"pod-security.kubernetes.io/warn-version": "1.30"},
     'metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "1.30": must be "latest" or "v1.x"'),
])
def test_bad_namespace_labels_are_invalid(lab, labels, error):
    assert namespace_policy(labels)[1] == [error]
    with pytest.raises(kl.Invalid) as e:
        lab.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x", "labels": labels}})
    assert str(e.value) == f'The Namespace "x" is invalid: {error}'


def _ns(lab, name, **modes):
    labels = {f"pod-security.kubernetes.io/{m}": level for m, level in modes.items()}
    lab.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})


def test_enforce_refuses_with_upstreams_message(lab):
    _ns(lab, "secure", enforce="baseline")
    with pytest.raises(kl.Forbidden) as e:
        lab.api.create(pod("root", "secure", hostNetwork=True))
    assert str(e.value) == ('pods "root" is forbidden: violates PodSecurity "baseline:latest": host namespaces '
                            "(hostNetwork=true)")


def test_warn_admits_and_kubectl_prints_the_warning(lab):
    _ns(lab, "dev", warn="restricted")
    r = lab.kubectl("apply -f -", stdin="apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: dev}\n"
                                       "spec: {containers: [{name: web, image: nginx}]}\n")
    assert r.stdout == "pod/web created\n"
    assert r.stderr == ('Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false '
                        '(container "web" must set securityContext.allowPrivilegeEscalation=false), unrestricted '
                        'capabilities (container "web" must set securityContext.capabilities.drop=["ALL"]), '
                        'runAsNonRoot != true (pod or container "web" must set securityContext.runAsNonRoot=true), '
                        'seccompProfile (pod or container "web" must set securityContext.seccompProfile.type to '
                        '"RuntimeDefault" or "Localhost")\n')


def test_workloads_are_warned_about_but_not_refused(lab):
    _ns(lab, "dev", enforce="restricted", warn="restricted")
    r = lab.kubectl("apply -f -", stdin="""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: dev}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, securityContext: {privileged: true}}]}
""")
    assert r.stdout == "deployment.apps/web created\n"
    assert r.stderr.startswith('Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != '
                               'false (container "web" must set securityContext.allowPrivilegeEscalation=false), '
                               'unrestricted capabilities (container "web" must set securityContext.capabilities.'
                               'drop=["ALL"]), privileged (container "web" must not set securityContext.privileged=true)')


def test_audit_records_the_violation_in_the_audit_log(lab):
    _ns(lab, "dev", audit="baseline")
    lab.api.create(pod("root", "dev", hostPID=True))
    entry = lab.api.audit_log[-1]
    assert entry["annotations"] == {
        "pod-security.kubernetes.io/enforce-policy": "privileged:latest",
        "pod-security.kubernetes.io/audit-violations": 'would violate PodSecurity "baseline:latest": host namespaces '
                                                       "(hostPID=true)"}


def test_labelling_a_namespace_warns_about_the_pods_already_there(lab):
    lab.kubectl("create namespace dev")
    for name in ("a", "b", "c"):
        lab.api.create(pod(name, "dev"))
    lab.api.create(pod("root", "dev", hostIPC=True))
    r = lab.kubectl("label namespace dev pod-security.kubernetes.io/enforce=baseline")
    assert r.stdout == "namespace/dev labeled\n"
    assert r.stderr == ('Warning: existing pods in namespace "dev" violate the new PodSecurity enforce level '
                        '"baseline:latest"\nWarning: root: host namespaces\n')
    r = lab.kubectl("label namespace dev pod-security.kubernetes.io/enforce=restricted --overwrite")
    assert r.stderr.splitlines()[1:] == [
        "Warning: a (and 2 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot "
        "!= true, seccompProfile",
        "Warning: root: allowPrivilegeEscalation != false, unrestricted capabilities, host namespaces, runAsNonRoot "
        "!= true, seccompProfile"]


from hypothesis import given, strategies as st  # noqa: E402


@given(st.dictionaries(st.sampled_from(["pod-security.kubernetes.io/enforce", "pod-security.kubernetes.io/warn",
                                        "pod-security.kubernetes.io/audit-version", "other"]),
                       st.text(max_size=12)))
def test_any_labels_give_a_policy_and_name_each_bad_label(labels):
    policy, errs = namespace_policy(labels)
    assert set(policy) == {"enforce", "audit", "warn"}
    assert all(level in ("privileged", "baseline", "restricted") for level, _ in policy.values())
    for key, value in labels.items():
        bad = key.endswith(("enforce", "warn")) and value not in ("privileged", "baseline", "restricted")
        bad = bad or (key.endswith("-version") and value != "latest" and not
                      (value.startswith("v1.") and value[3:].isascii() and value[3:].isdigit() and (value[3:] == "0" or value[3] != "0")))
        assert any(f"[{key}]" in e for e in errs) is bad
