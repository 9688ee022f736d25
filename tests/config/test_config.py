"""Config: env resolution errors, propagation (files follow at the next sync, env does not), templating."""

from __future__ import annotations

import pytest

import k8slab as kl
from k8slab.config.propagation import EnvError, resolve_env
from k8slab.config.templating import diff_environments, render_chart


CM = {"data": {"LOG_LEVEL": "info"}}


@pytest.mark.parametrize("container, want", [
    ({"env": [{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "app", "key": "missing"}}}]},
     "couldn't find key missing in ConfigMap default/app"),
    ({"env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k"}}}]}, 'secret "nope" not found'),
    ({"envFrom": [{"configMapRef": {"name": "nope"}}]}, 'configmap "nope" not found'),
], ids=["a missing key", "a missing secret", "a missing configmap in envFrom"])
def test_missing_sources_are_create_container_config_errors(container, want):
    def lookup(kind, ns, name):
        return CM if name == "app" else None
    with pytest.raises(EnvError) as err:
        resolve_env({"metadata": {"name": "p", "namespace": "default"}}, container, lookup)
    assert str(err.value) == want


def test_optional_sources_are_skipped():
    c = {"env": [{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "x", "key": "k", "optional": True}}}],
         "envFrom": [{"configMapRef": {"name": "app"}, "prefix": "APP_"}]}
    assert resolve_env({"metadata": {"name": "p"}}, c, lambda k, ns, n: CM if n == "app" else None) == {
        "APP_LOG_LEVEL": "info"}


def test_files_follow_a_configmap_change_at_the_next_sync_and_env_does_not():
    lab = kl.Cluster.from_preset("aks-3node")
    lab.apply("""
apiVersion: v1
kind: ConfigMap
metadata: {name: app}
data: {LOG_LEVEL: info}
---
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: web
    image: nginx:1.27
    envFrom: [{configMapRef: {name: app}}]
    volumeMounts: [{name: cfg, mountPath: /etc/app}]
  volumes: [{name: cfg, configMap: {name: app}}]
""")
    lab.run(2)
    assert lab.storage.read("default/web", "/etc/app/LOG_LEVEL") == "info"
    lab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app"}, "data": {"LOG_LEVEL": "debug"}})
    lab.run(1)
    assert lab.storage.read("default/web", "/etc/app/LOG_LEVEL") == "info"  # not yet
    lab.run(90)  # a sync comes within 60-90 s
    assert lab.storage.read("default/web", "/etc/app/LOG_LEVEL") == "debug"
    assert lab.config.env_of("default/web") == {"LOG_LEVEL": "info"}


def test_environments_differ_where_their_values_do():
    rows = dict(diff_environments("webapp"))
    assert rows["ConfigMap/webapp-config:data.LOG_LEVEL"] == {"dev": "debug", "staging": "info", "prod": "warn"}
    assert rows["Service/webapp:spec.type"] == {"dev": "ClusterIP", "staging": "ClusterIP", "prod": "LoadBalancer"}


def test_rendered_manifests_apply_cleanly():
    lab = kl.Cluster()
    assert [str(r) for r in lab.apply(render_chart("webapp", "staging"))] == [
        "configmap/webapp-config created", "deployment.apps/webapp created", "service/webapp created"]


def test_an_unknown_environment_is_a_clear_error():
    with pytest.raises(kl.NotFound, match='environment "qa" not found in webapp'):
        render_chart("webapp", "qa")
