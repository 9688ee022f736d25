"""The Cluster: the public API, one clock, determinism, save and load."""

import json

import pytest

import k8slab as kl
from k8slab.apiserver.schema import _validator, definition_name

WEB = """apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers: [{name: web, image: nginx:1.27, resources: {requests: {cpu: 100m}}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: "nginx:1.27"}]}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec: {selector: {app: api}, ports: [{port: 80}]}
"""


def test_a_new_cluster_has_the_system_namespaces_and_the_kubernetes_service():
    lab = kl.Cluster(seed=0)
    assert [ns.metadata.name for ns in lab.list("namespaces")] == [
        "default", "kube-node-lease", "kube-public", "kube-system"]
    svc = lab.get("service", "kubernetes")
    assert (svc.spec.cluster_ip, svc.spec.ports[0].port, svc.spec.ports[0].target_port) == ("10.96.0.1", 443, 6443)
    assert lab.get("serviceaccount", "default", namespace="kube-system").metadata.name == "default"


def test_apply_returns_what_kubectl_prints_and_get_returns_models():
    lab = kl.Cluster(seed=0)
    assert [str(r) for r in lab.apply(WEB)] == ["pod/web created", "deployment.apps/api created", "service/api created"]
    assert [str(r) for r in lab.apply(WEB)] == ["pod/web unchanged", "deployment.apps/api unchanged",
                                                "service/api unchanged"]
    pod = lab.get("pod", "web")
    assert pod.spec.containers[0].image == "nginx:1.27"
    assert pod.spec.restart_policy == "Always" and pod.spec.termination_grace_period_seconds == 30
    assert pod.status.qos_class == "Burstable"
    assert lab.get("deploy", "api").spec.strategy.rolling_update.max_surge == "25%"


def test_reapplying_a_changed_manifest_configures_it_and_bumps_generation():
    lab = kl.Cluster(seed=0)
    lab.apply(WEB)
    assert lab.get("deploy", "api").metadata.generation == 1
    [_, deploy, _] = lab.apply(WEB.replace("replicas: 2", "replicas: 3"))
    assert str(deploy) == "deployment.apps/api configured"
    d = lab.get("deploy", "api")
    assert (d.spec.replicas, d.metadata.generation) == (3, 2)


def test_resource_versions_come_from_one_counter_and_keys_follow_the_etcd_layout():
    lab = kl.Cluster(seed=0)
    lab.apply(WEB)
    rvs = [int(o.metadata.resource_version) for o in lab.list("pods") + lab.list("deployments")]
    assert len(set(rvs)) == len(rvs)
    assert lab.etcd.get("/registry/pods/default/web").startswith(b'{"apiVersion":"v1","kind":"Pod"')
    assert "/registry/services/specs/default/api" in lab.etcd.keys()
    assert "/registry/namespaces/default" in lab.etcd.keys()


def test_list_filters_by_label_selector():
    lab = kl.Cluster(seed=0)
    lab.apply(WEB)
    assert [p.metadata.name for p in lab.list("pods", selector="app in (web,db)")] == ["web"]
    assert lab.list("pods", selector={"matchLabels": {"app": "nope"}}) == []


def test_deleting_an_owner_collects_its_dependents():
    lab = kl.Cluster(seed=0, components=[])
    owner = lab.create("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: owner}\n")
    lab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "child", "ownerReferences": [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner.metadata.uid}]}})
    lab.delete("configmap", "owner")
    with pytest.raises(kl.NotFound):
        lab.get("configmap", "child")


def test_deleting_a_namespace_deletes_what_is_in_it():
    lab = kl.Cluster(seed=0)
    lab.kubectl("create namespace dev")
    lab.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: dev}\n")
    lab.delete("namespace", "dev")
    assert lab.list("configmaps", namespace="dev") == []


def test_the_clock_moves_only_when_run():
    lab = kl.Cluster(seed=0)
    lab.apply(WEB)
    assert lab.now == 0
    lab.run(12.5)
    assert lab.now == 12.5
    assert lab.kubectl("get deploy api").stdout.splitlines()[1].split()[-1] == "12s"
    with pytest.raises(kl.K8sLabError):
        lab.run(-1)


def test_same_seed_same_lab():
    def build():
        lab = kl.Cluster(seed=7)
        lab.apply(WEB)
        lab.run(30)
        return lab.etcd.dump(), lab.kubectl("get all -A -o wide").stdout

    assert build() == build()


def test_kubectl_get_yaml_validates_against_the_official_schema():
    lab = kl.Cluster(seed=0)
    lab.apply(WEB)
    lab.run(5)
    import yaml

    for kind in ("pods", "deployments", "services", "namespaces", "serviceaccounts", "events"):
        doc = yaml.safe_load(lab.kubectl(f"get {kind} -A -o yaml").stdout)
        for item in doc["items"]:
            validator = _validator(definition_name(item["apiVersion"], item["kind"]))
            errors = [e.message for e in validator.iter_errors(item)]
            assert errors == [], (kind, errors)


def test_save_and_load_give_back_the_same_lab(tmp_path):
    lab = kl.Cluster(seed=3)
    lab.apply(WEB)
    lab.run(20)
    path = lab.save(tmp_path / "lab.json")
    again = kl.Cluster.load(path)
    assert again.now == 20
    assert again.etcd.dump() == lab.etcd.dump()
    assert again.kubectl("get all -o wide").stdout == lab.kubectl("get all -o wide").stdout
    # components restart from the store, as after a control-plane restart: a loaded lab goes on deterministically
    twice = kl.Cluster.load(path)
    again.run(10)
    twice.run(10)
    assert again.etcd.dump() == twice.etcd.dump()
    assert not list(tmp_path.glob(".*tmp"))  # written atomically: no temporary file left behind


@pytest.mark.parametrize("content, message", [
    ("not json", "cannot load lab from {p}: Expecting value: line 1 column 1 (char 0)"),
    ('{"format": "other"}', "cannot load lab from {p}: not a k8slab save file (expected format 'k8slab/v1')"),
    ('{"format": "k8slab/v1", "etcd": {"data": {"/etc/passwd": "x"}, "revision": 1}}',
     "cannot load lab from {p}: unexpected key '/etc/passwd'"),
], ids=["a file that is not JSON", "another program's file", "a store key outside /registry/"])
def test_loading_a_corrupt_file_is_a_clear_error(tmp_path, content, message):
    p = tmp_path / "bad.json"
    p.write_text(content)
    with pytest.raises(kl.K8sLabError) as info:
        kl.Cluster.load(p)
    assert str(info.value) == message.format(p=p)


def test_loading_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(kl.K8sLabError, match="cannot load lab from .*missing.json"):
        kl.Cluster.load(tmp_path / "missing.json")


def test_repr_reads_well():
    lab = kl.Cluster.from_preset("aks-3node")
    assert repr(lab).startswith("<Cluster ") and "3 nodes" in repr(lab)


def test_the_garbage_collector_pauses_only_while_the_lab_works():
    import gc

    from k8slab.cluster import without_cyclic_gc
    from k8slab.errors import K8sLabError

    lab = kl.Cluster(seed=0)
    seen = []
    lab.env.process(_probe(lab, seen))
    lab.run(2)
    assert seen == [False] and gc.isenabled()
    with pytest.raises(K8sLabError):
        lab.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: []}\n")
    assert gc.isenabled()
    gc.disable()
    try:
        with without_cyclic_gc():  # the caller's choice is kept
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def _probe(lab, seen):
    import gc

    yield lab.env.timeout(1)
    seen.append(gc.isenabled())


def test_a_deleted_event_carries_the_revision_of_the_delete():
    # upstream apiserver/pkg/storage/etcd3/watcher.go: the old object with the delete's revision
    lab = kl.Cluster(seed=0, components=[])
    lab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
    seen = []
    lab.api.watch(lab.api.resource("configmaps"), lambda t, o: seen.append((t, o["metadata"]["resourceVersion"])))
    created = int(lab.api.get(lab.api.resource("configmaps"), "default", "a")["metadata"]["resourceVersion"])
    lab.delete("configmap", "a")
    assert seen == [("DELETED", str(lab.etcd.revision))] and lab.etcd.revision > created
