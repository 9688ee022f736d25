"""Sidecar injection by a mutating webhook on a labelled namespace."""

import json

from k8slab.admission.sidecar import SidecarInjector

from admlab import pod


def test_only_labelled_namespaces_get_the_sidecar(lab):
    injector = SidecarInjector.install(lab)
    lab.kubectl("create namespace shop")
    plain = lab.api.create(pod("web", "shop"))
    assert [c["name"] for c in plain["spec"]["containers"]] == ["web"]
    lab.kubectl("label namespace shop istio-injection=enabled")
    meshed = lab.api.create(pod("api", "shop"))
    assert [c["name"] for c in meshed["spec"]["containers"]] == ["api", "istio-proxy"]
    assert [c["name"] for c in meshed["spec"]["initContainers"]] == ["istio-init"]
    assert json.loads(meshed["metadata"]["annotations"]["sidecar.istio.io/status"])["containers"] == ["istio-proxy"]
    assert meshed["metadata"]["labels"]["security.istio.io/tlsMode"] == "istio"
    assert injector.injected == ["shop/api"]
    step = next(s for s in lab.api.last_trace if s.plugin == "MutatingAdmissionWebhook")
    assert step.detail == "MutatingAdmissionWebhook istio-sidecar-injector/namespace.sidecar-injector.istio.io"
    assert step.patch == injector.last_patch
    assert {"op": "add", "path": "/spec/containers/1"} in [{k: v for k, v in op.items() if k != "value"} for op in step.patch]


def test_a_pod_can_opt_out(lab):
    SidecarInjector.install(lab)
    lab.kubectl("create namespace shop")
    lab.kubectl("label namespace shop istio-injection=enabled")
    p = pod("batch", "shop")
    p["metadata"]["labels"] = {"sidecar.istio.io/inject": "false"}
    assert len(lab.api.create(p)["spec"]["containers"]) == 1


def test_the_injected_init_container_needs_privileges_pod_security_baseline_refuses(lab):
    SidecarInjector.install(lab)
    lab.kubectl("create namespace shop")
    lab.kubectl("label namespace shop istio-injection=enabled pod-security.kubernetes.io/enforce=baseline")
    r = lab.kubectl("apply -f -", stdin="apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\n"
                                       "spec: {containers: [{name: web, image: nginx:1.27}]}\n")
    assert r.stderr == ('Error from server (Forbidden): error when creating "STDIN": pods "web" is forbidden: '
                        'violates PodSecurity "baseline:latest": non-default capabilities (container "istio-init" '
                        'must not include "NET_ADMIN", "NET_RAW" in securityContext.capabilities.add)\n')
