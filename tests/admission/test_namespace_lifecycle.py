"""NamespaceLifecycle, after upstream's lifecycle/admission_test.go."""

import pytest

import k8slab as kl

from admlab import pod


def test_creating_in_a_namespace_that_does_not_exist_is_not_found(lab):
    # upstream: TestAdmissionNamespaceDoesNotExist
    with pytest.raises(kl.NotFound, match='^namespaces "missing" not found$'):
        lab.api.create(pod(namespace="missing"))


def test_creating_in_a_terminating_namespace_is_forbidden(lab):
    # upstream: TestAdmissionNamespaceTerminating (create refused; update and delete allowed)
    lab.api.create(pod(namespace="default"))
    ns = lab.api.get(lab.api.resource("namespaces"), None, "default")
    ns["status"] = {"phase": "Terminating"}
    lab.api.write_status(lab.api.resource("namespaces"), ns)
    with pytest.raises(kl.Forbidden) as e:
        lab.api.create(pod("other"))
    assert str(e.value) == ('pods "other" is forbidden: unable to create new content in namespace default because '
                            "it is being terminated")
    lab.api.delete(lab.api.resource("pods"), "default", "web", grace_period=0)


@pytest.mark.parametrize("name", ["default", "kube-system", "kube-public"])
def test_the_immortal_namespaces_may_not_be_deleted(lab, name):
    # upstream: TestAdmissionNamespaceDeletion / NewLifecycle(sets.NewString(default, kube-system, kube-public))
    r = lab.kubectl(f"delete namespace {name}")
    assert r.stderr == f'Error from server (Forbidden): namespaces "{name}" is forbidden: this namespace may not be deleted\n'
    assert lab.api.get(lab.api.resource("namespaces"), None, name)


def test_cluster_scoped_objects_need_no_namespace(lab):
    lab.api.create({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"},
                    "value": 1000})
