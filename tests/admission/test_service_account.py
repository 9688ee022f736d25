"""ServiceAccount admission, after upstream's plugin/pkg/admission/serviceaccount/admission_test.go."""

import pytest

import k8slab as kl
from k8slab.admission.service_account import TOKEN_MOUNT_PATH, token_volume_source

from admlab import pod


def _sa(lab, name, **fields):
    lab.api.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}, **fields})


def test_a_pod_without_a_service_account_gets_default_and_the_projected_token(lab):
    # upstream: TestAssignsDefaultServiceAccountAndBoundTokenWithNoSecretTokens
    p = lab.api.create(pod())
    spec = p["spec"]
    assert spec["serviceAccountName"] == "default"
    [vol] = spec["volumes"]
    assert vol["name"].startswith("kube-api-access-") and len(vol["name"]) == len("kube-api-access-") + 5
    assert vol["projected"] == token_volume_source()
    assert spec["containers"][0]["volumeMounts"] == [{"mountPath": TOKEN_MOUNT_PATH, "name": vol["name"],
                                                      "readOnly": True}]


def test_the_token_volume_source_is_upstreams():
    # upstream: TokenVolumeSource (3607 s expiry, kube-root-ca.crt, the namespace through the downward API)
    assert token_volume_source() == {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
        {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                    "path": "namespace"}]}}]}


def test_every_namespace_has_the_root_ca_configmap_the_token_volume_needs(lab):
    lab.kubectl("create namespace dev")
    cm = lab.get("configmap", "kube-root-ca.crt", "dev")
    assert cm.data["ca.crt"].startswith("-----BEGIN CERTIFICATE-----\n")


@pytest.mark.parametrize("pod_value,sa_value,mounted", [
    (None, None, True), (None, False, False), (True, False, True), (False, True, False), (False, None, False),
], ids=["by default", "the service account opts out", "the pod opts in over its service account",
        "the pod opts out over its service account", "the pod opts out"])
def test_automount_the_pods_preference_wins_then_the_service_accounts(lab, pod_value, sa_value, mounted):
    # upstream: TestAutomountsAPIToken / TestAutomountServiceAccountTokenFalse (shouldAutomount)
    _sa(lab, "app", **({} if sa_value is None else {"automountServiceAccountToken": sa_value}))
    spec = {"serviceAccountName": "app"}
    if pod_value is not None:
        spec["automountServiceAccountToken"] = pod_value
    p = lab.api.create(pod(**spec))
    assert bool(p["spec"].get("volumes")) is mounted


def test_an_existing_mount_at_the_token_path_is_respected(lab):
    # upstream: TestRespectsExistingMount
    mount = {"name": "my-token", "mountPath": TOKEN_MOUNT_PATH}
    p = lab.api.create(pod(containers=[{"name": "web", "volumeMounts": [mount]}],
                           volumes=[{"name": "my-token", "emptyDir": {}}]))
    assert p["spec"]["containers"][0]["volumeMounts"] == [mount]
    assert [v["name"] for v in p["spec"]["volumes"]] == ["my-token"]


def test_init_containers_mount_the_token_too(lab):
    p = lab.api.create(pod(initContainers=[{"name": "init", "image": "busybox"}]))
    assert p["spec"]["initContainers"][0]["volumeMounts"][0]["mountPath"] == TOKEN_MOUNT_PATH


def test_the_service_accounts_image_pull_secrets_are_copied(lab):
    # upstream: TestAddImagePullSecrets
    _sa(lab, "puller", imagePullSecrets=[{"name": "foo"}, {"name": "bar"}])
    p = lab.api.create(pod(serviceAccountName="puller"))
    assert p["spec"]["imagePullSecrets"] == [{"name": "foo"}, {"name": "bar"}]


def test_a_missing_service_account_is_forbidden(lab):
    # upstream: TestFetchesUncachedServiceAccount (not found -> admission.NewForbidden)
    with pytest.raises(kl.Forbidden) as e:
        lab.api.create(pod(serviceAccountName="ghost"))
    assert str(e.value) == ('pods "web" is forbidden: error looking up service account default/ghost: '
                            'serviceaccount "ghost" not found')


def test_a_mirror_pod_may_not_name_a_service_account(lab):
    # upstream: TestRejectsMirrorPodWithServiceAccount
    p = pod(serviceAccountName="default")
    p["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "mirror"}
    with pytest.raises(kl.Forbidden, match="a mirror pod may not reference service accounts$"):
        lab.api.create(p)


def test_enforced_mountable_secrets_refuse_an_unreferenced_secret(lab):
    # upstream: TestRejectsUnreferencedSecretVolumes
    _sa(lab, "strict", metadata={"name": "strict", "annotations": {"kubernetes.io/enforce-mountable-secrets": "true"}},
        secrets=[{"name": "allowed"}])
    with pytest.raises(kl.Forbidden) as e:
        lab.api.create(pod(serviceAccountName="strict", volumes=[{"name": "s", "secret": {"secretName": "other"}}]))
    assert str(e.value).endswith('volume with secret.secretName="other" is not allowed because service account strict '
                                 "does not reference that secret")
