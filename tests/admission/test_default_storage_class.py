"""DefaultStorageClass, after upstream's storageclass/setdefault/admission_test.go."""

import pytest

ANN = "storageclass.kubernetes.io/is-default-class"


def sc(lab, name, default):
    lab.api.create({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "provisioner": "disk.csi.azure.com",
                    "metadata": {"name": name, "annotations": {ANN: default}}})


def claim(**spec):
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}, **spec}}


@pytest.mark.parametrize("classes,spec,expected", [
    ([("default", "true"), ("other", "false")], {}, "default"),
    ([("a", "true"), ("b", "true")], {}, "a"),
    ([("default", "true")], {"storageClassName": "mine"}, "mine"),
    ([("default", "true")], {"storageClassName": ""}, ""),
    ([("other", "false")], {}, None),
], ids=["a claim without a class gets the default", "of two defaults created together, the first by name",
        "a claim that names a class keeps it", "an empty class name asks for no class", "no default, no class"])
def test_default_class(lab, classes, spec, expected):
    for name, default in classes:
        sc(lab, name, default)
    stored = lab.api.create(claim(**spec))
    assert stored["spec"].get("storageClassName") == expected
