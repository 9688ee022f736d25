"""Storage: volume matching (upstream index_test.go TestMatchVolume shapes), the seed scenario, bad input, events."""

from __future__ import annotations

import pytest

import k8slab as kl
from k8slab.storage.matching import VolumeIndex, find_matching_volume

SEED = "/work/shared/corpus/seed"


def pv(name, size, modes=("ReadWriteOnce",), cls="", phase="Available", labels=None, claim_ref=None, mode=None):
    spec = {"capacity": {"storage": size}, "accessModes": list(modes), "storageClassName": cls}
    if claim_ref:
        spec["claimRef"] = claim_ref
    if mode:
        spec["volumeMode"] = mode
    return {"metadata": {"name": name, "labels": labels or {}}, "status": {"phase": phase}, "spec": spec}


def claim(size, modes=("ReadWriteOnce",), cls="", selector=None, name="c", uid="u1", mode=None):
    spec = {"accessModes": list(modes), "resources": {"requests": {"storage": size}}, "storageClassName": cls}
    if selector:
        spec["selector"] = selector
    if mode:
        spec["volumeMode"] = mode
    return {"metadata": {"name": name, "namespace": "default", "uid": uid}, "spec": spec}


VOLUMES = [pv("small", "1Gi"), pv("medium", "5Gi"), pv("large", "10Gi"), pv("rwx", "5Gi", ("ReadWriteMany",)),
           pv("both", "2Gi", ("ReadWriteOnce", "ReadOnlyMany")), pv("fast", "5Gi", cls="ssd", labels={"tier": "gold"}),
           pv("bound", "3Gi", phase="Bound", claim_ref={"namespace": "default", "name": "other", "uid": "x"}),
           pv("block", "3Gi", mode="Block")]

# upstream: pkg/controller/volume/persistentvolume/index_test.go TestMatchVolume (same kinds of cases)
CASES = [
    ("the smallest volume that fits wins", claim("3Gi"), "medium"),
    ("an exact fit is taken", claim("1Gi"), "small"),
    ("a volume with more access modes is tried only after the exact mode group", claim("2Gi"), "medium"),
    ("a claim asking for two modes needs a volume that has both", claim("1Gi", ("ReadWriteOnce", "ReadOnlyMany")),
     "both"),
    ("ReadWriteMany claims only match ReadWriteMany volumes", claim("1Gi", ("ReadWriteMany",)), "rwx"),
    ("too big a request matches nothing", claim("20Gi"), None),
    ("the class must match", claim("1Gi", cls="ssd"), "fast"),
    ("a selector filters by labels", claim("1Gi", cls="ssd", selector={"matchLabels": {"tier": "silver"}}), None),
    ("a Block claim needs a Block volume", claim("1Gi", mode="Block"), "block"),
    ("a volume pre-bound to the claim wins over a smaller one",
     claim("1Gi", name="other", uid="x"), "bound"),
]


@pytest.mark.parametrize("c, want", [(c, w) for _, c, w in CASES], ids=[i for i, _, _ in CASES])
def test_index_matches_like_find_by_claim(c, want):
    idx = VolumeIndex()
    for v in VOLUMES:
        idx.add(v)
    got = idx.find_best_match(c)
    assert (got["metadata"]["name"] if got else None) == want


def test_delay_binding_returns_only_prebound_volumes():
    assert find_matching_volume(claim("1Gi"), VOLUMES, delay_binding=True) is None


def test_node_affinity_is_checked_on_the_scheduler_path():
    v = pv("zonal", "1Gi")
    v["spec"]["nodeAffinity"] = {"required": {"nodeSelectorTerms": [{"matchExpressions": [
        {"key": "zone", "operator": "In", "values": ["a"]}]}]}}
    node_b = {"metadata": {"name": "n", "labels": {"zone": "b"}}}
    node_a = {"metadata": {"name": "n", "labels": {"zone": "a"}}}
    assert find_matching_volume(claim("1Gi"), [v], node=node_b) is None
    assert find_matching_volume(claim("1Gi"), [v], node=node_a)["metadata"]["name"] == "zonal"


def seeded_lab():
    lab = kl.Cluster.from_preset("aks-3node")
    lab.apply(f"{SEED}/storageclass-managed-premium-retain.yaml")
    lab.apply(f"{SEED}/pod-nginx-azure-managed-disk.yaml")
    return lab


def messages(lab, kind=None):
    return [(e.reason, e.message) for e in lab.list("event") if kind is None or e.involved_object.kind == kind]


def test_seed_pod_waits_for_its_claim_with_the_schedulers_message():
    lab = seeded_lab().run(5)
    assert ("FailedScheduling", '0/3 nodes are available: persistentvolumeclaim "azure-managed-disk" not found. '
            "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..") in messages(lab)


def test_seed_claim_is_provisioned_after_scheduling_and_retained_after_deletion():
    lab = seeded_lab().run(5)
    lab.apply("data/manifests/06-volumes-and-storage/pvc-azure-managed-disk.yaml")
    lab.run(1)
    assert lab.get("pvc", "azure-managed-disk").status.phase == "Pending"
    assert ("WaitForPodScheduled", "waiting for pod nginx to be scheduled") in messages(lab)
    lab.run(30)
    c = lab.get("pvc", "azure-managed-disk")
    assert c.status.phase == "Bound"
    node = lab.get("pod", "nginx").spec.node_name
    assert c.metadata.annotations["volume.kubernetes.io/selected-node"] == node
    v = lab.get("pv", c.spec.volume_name)
    assert v.spec.persistent_volume_reclaim_policy == "Retain"
    zones = [t.match_expressions[0].values[0] for t in v.spec.node_affinity.required.node_selector_terms]
    assert zones == ["eastus-1", "eastus-2", "eastus-3", ""]  # Premium_ZRS: every zone
    lab.delete("pod", "nginx")
    lab.run(40)
    lab.delete("pvc", "azure-managed-disk")
    lab.run(5)
    assert lab.get("pv", c.spec.volume_name).status.phase == "Released"


def test_a_claim_nothing_can_satisfy_stays_pending_with_upstreams_event():
    lab = kl.Cluster()
    lab.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
               "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "",
                        "resources": {"requests": {"storage": "1Gi"}}}})
    lab.run(1)
    assert lab.get("pvc", "data").status.phase == "Pending"
    assert ("FailedBinding", "no persistent volumes available for this claim and no storage class is set") \
        in messages(lab)


def test_a_missing_storage_class_is_a_provisioning_failure():
    lab = kl.Cluster()
    lab.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
               "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "nope",
                        "resources": {"requests": {"storage": "1Gi"}}}})
    lab.run(1)
    assert ("ProvisioningFailed", 'storageclass.storage.k8s.io "nope" not found') in messages(lab)


def test_the_default_class_is_filled_in_by_admission():
    from k8slab.storage import storage_classes

    lab = kl.Cluster()
    lab.apply(storage_classes("aks"))
    lab.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
               "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
    assert lab.get("pvc", "data").spec.storage_class_name == "default"


def test_an_rwo_disk_wanted_on_a_second_node_gives_multi_attach():
    from k8slab.storage.attach import multi_attach_message

    assert multi_attach_message("pvc-1", "default", [("default", "web-0"), ("other", "x")]) == (
        'Multi-Attach error for volume "pvc-1" Volume is already used by pod(s) web-0 and 1 pod(s) in different '
        "namespaces")


def test_emptydir_data_goes_with_the_pod_and_pv_data_stays():
    lab = kl.Cluster.from_preset("aks-3node")
    from k8slab.storage import storage_classes

    lab.apply(storage_classes("aks-zonal"))
    lab.apply("""
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], storageClassName: managed-csi, resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer}
spec:
  containers: [{name: app, image: busybox:1.36, volumeMounts: [{name: data, mountPath: /data},
                                                            {name: scratch, mountPath: /scratch}]}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}, {name: scratch, emptyDir: {}}]
""")
    lab.run(30)
    lab.storage.write("default/writer", "/data/note.txt", "kept")
    lab.storage.write("default/writer", "/scratch/tmp.txt", "lost")
    pv_key = next(k for k in lab.storage.data if k.startswith("pv:"))
    lab.delete("pod", "writer", grace_period=0)
    lab.run(1)
    assert not [k for k in lab.storage.data if k.startswith("emptydir:")]
    assert lab.storage.data[pv_key] == {"note.txt": b"kept"}


def _bound_claim(cls="managed-csi"):
    from k8slab.storage import storage_classes

    lab = kl.Cluster.from_preset("aks-3node")
    lab.apply(storage_classes("aks"))
    lab.apply(f"""
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: data}}
spec: {{accessModes: [ReadWriteOnce], storageClassName: {cls}, resources: {{requests: {{storage: 8Gi}}}}}}
---
apiVersion: v1
kind: Pod
metadata: {{name: app}}
spec:
  containers: [{{name: app, image: nginx:1.27}}]
  volumes: [{{name: d, persistentVolumeClaim: {{claimName: data}}}}]
""")
    return lab.run(30)


def _resize(lab, size):
    return lab.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
                      "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "managed-csi",
                               "resources": {"requests": {"storage": size}}}})


def test_shrinking_a_claim_is_refused_and_changes_nothing():
    lab = _bound_claim()
    with pytest.raises(kl.Invalid) as err:
        _resize(lab, "4Gi")
    assert str(err.value) == ('The PersistentVolumeClaim "data" is invalid: spec.resources.requests.storage: '
                              "Forbidden: field can not be less than status.capacity")
    assert lab.get("pvc", "data").spec.resources.requests["storage"] == "8Gi"


def test_growing_a_claim_resizes_its_disk():
    lab = _bound_claim()
    _resize(lab, "16Gi")
    lab.run(5)
    c = lab.get("pvc", "data")
    assert c.status.capacity["storage"] == "16Gi"
    assert lab.get("pv", c.spec.volume_name).spec.capacity["storage"] == "16Gi"
