"""The admission chain: upstream's order, the two phases, the trace, refusals that change nothing."""

import pytest

import k8slab as kl
from k8slab.admission.chain import DEFAULT_ON, UPSTREAM_ORDER, AdmissionChain, AdmissionPlugin

from admlab import pod


def test_the_lab_runs_the_default_plugins_in_upstream_order(lab):
    # upstream: pkg/kubeapiserver/options/plugins.go AllOrderedPlugins
    assert lab.api.admission.names == ["NamespaceLifecycle", "LimitRanger", "ServiceAccount", "PodSecurity",
                                       "DefaultStorageClass", "MutatingAdmissionWebhook",
                                       "ValidatingAdmissionWebhook", "ResourceQuota"]
    assert set(lab.api.admission.names) <= DEFAULT_ON


def test_webhooks_and_quota_come_last_as_upstream_requires():
    assert UPSTREAM_ORDER[-6:] == ("MutatingAdmissionPolicy", "MutatingAdmissionWebhook", "ValidatingAdmissionPolicy",
                                   "ValidatingAdmissionWebhook", "ResourceQuota", "AlwaysDeny")


def test_plugins_run_in_upstream_order_whatever_the_registration_order():
    seen = []

    def plugin(name):
        p = AdmissionPlugin()
        p.name = name
        p.admit = lambda req: seen.append(name)
        return p

    chain = AdmissionChain()
    for name in ("ResourceQuota", "Custom", "NamespaceLifecycle", "MutatingAdmissionWebhook", "LimitRanger"):
        chain.register(plugin(name))
    assert chain.names == ["NamespaceLifecycle", "LimitRanger", "Custom", "MutatingAdmissionWebhook",
                           "ResourceQuota"]


def test_a_pod_create_leaves_a_step_per_plugin_and_stage(lab):
    lab.api.create(pod())
    trace = [(s.stage, s.outcome, s.detail) for s in lab.api.last_trace]
    assert trace == [
        ("authentication", "ok", "kubernetes-admin"),
        ("authorization", "allowed", "in-process caller (the lab's own API)"),
        ("mutating admission", "ok", "NamespaceLifecycle"),
        ("mutating admission", "ok", "LimitRanger"),
        ("mutating admission", "ok", "ServiceAccount"),
        ("mutating admission", "ok", "Priority"),
        ("validation", "ok", ""),
        ("validating admission", "ok", "LimitRanger"),
        ("validating admission", "ok", "ServiceAccount"),
        ("validating admission", "ok", "PodSecurity"),
        ("validating admission", "ok", "ResourceQuota"),
        ("storage", "stored", "/registry/pods/default/web"),
    ]


def test_a_mutating_step_carries_the_json_patch_it_made(lab):
    lab.api.create(pod())
    sa = next(s for s in lab.api.last_trace if s.detail == "ServiceAccount" and s.stage == "mutating admission")
    assert [(op["op"], op["path"]) for op in sa.patch] == [
        ("add", "/spec/containers/0/volumeMounts"), ("add", "/spec/volumes")]


def test_a_refusal_is_the_last_step_and_changes_nothing_in_the_store(lab):
    before = lab.etcd.revision
    with pytest.raises(kl.Forbidden):
        lab.api.create(pod(spec_sa := "web") | {"spec": {"serviceAccountName": "ghost",
                                                         "containers": [{"name": "web", "image": "nginx"}]}})
    last = lab.api.last_trace[-1]
    assert (last.stage, last.outcome, last.plugin) == ("mutating admission", "rejected", "ServiceAccount")
    assert last.detail == ('Error from server (Forbidden): pods "web" is forbidden: error looking up service account '
                           'default/ghost: serviceaccount "ghost" not found')
    assert lab.etcd.revision == before and spec_sa == "web"


def test_server_dry_run_runs_the_whole_chain_and_stores_nothing(lab):
    before = lab.etcd.revision
    r = lab.kubectl("create -f - --dry-run=server", stdin="apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n"
                                                          "spec: {containers: [{name: web, image: nginx}]}\n")
    assert r.stdout == "pod/web created (server dry run)\n"
    assert [s.stage for s in lab.api.last_trace][-1] == "storage"
    assert lab.api.last_trace[-1].outcome == "skipped"
    assert "validating admission" in {s.stage for s in lab.api.last_trace}
    assert lab.etcd.revision == before
