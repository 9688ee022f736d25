"""Secrets: encryption providers (prefixes, round trips, rotation, KMS v2), stringData, immutability, CSI store."""

from __future__ import annotations

import base64

import pytest

import k8slab as kl
from k8slab.errors import Invalid, K8sLabError
from k8slab.secrets.secretbox import open_box, salsa20_core, seal

KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="  # 32 bytes
KEY2 = base64.b64encode(b"k" * 32).decode()
DB = "/registry/secrets/default/db"


def config(*providers):
    return {"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration",
            "resources": [{"resources": ["secrets"], "providers": list(providers)}]}


def key(kind, name="key1", secret=KEY):
    return {kind: {"keys": [{"name": name, "secret": secret}]}}


@pytest.fixture
def lab():
    lab = kl.Cluster()
    lab.kubectl("create secret generic db --from-literal=password=hunter2")
    return lab


def test_secrets_are_plaintext_in_etcd_by_default(lab):
    assert b'"data":{"password":"aHVudGVyMg=="}' in lab.etcd.get(DB)


@pytest.mark.parametrize("kind, prefix", [("aescbc", b"k8s:enc:aescbc:v1:key1:"), ("aesgcm", b"k8s:enc:aesgcm:v1:key1:"),
                                          ("secretbox", b"k8s:enc:secretbox:v1:key1:")],
                         ids=["aescbc writes upstream's prefix", "aesgcm writes upstream's prefix",
                              "secretbox writes upstream's prefix"])
def test_each_provider_encrypts_and_reads_back(lab, kind, prefix):
    lab.encryption.configure(config(key(kind), {"identity": {}}))
    assert lab.encryption.rewrite() == 1
    raw = lab.etcd.get(DB)
    assert raw.startswith(prefix) and b"aHVudGVyMg" not in raw
    assert lab.get("secret", "db").data == {"password": "aHVudGVyMg=="}


def test_the_first_provider_writes_and_all_read(lab):
    lab.encryption.configure(config(key("aescbc"), {"identity": {}}))
    lab.kubectl("create secret generic new --from-literal=a=b")
    assert lab.encryption.provider_of("/registry/secrets/default/new") == "aescbc:key1"
    assert lab.encryption.provider_of(DB) == "identity"  # written before: still plaintext until rewritten
    assert lab.get("secret", "db").data == {"password": "aHVudGVyMg=="}


def test_key_rotation_by_rewriting_all_secrets(lab):
    lab.encryption.configure(config(key("aescbc", "key1"), {"identity": {}}))
    lab.encryption.rewrite()
    lab.encryption.configure(config(key("aescbc", "key2", KEY2), key("aescbc", "key1"), {"identity": {}}))
    assert lab.encryption.provider_of(DB) == "aescbc:key1"
    lab.encryption.rewrite()
    assert lab.encryption.provider_of(DB) == "aescbc:key2"
    lab.encryption.configure(config(key("aescbc", "key2", KEY2), {"identity": {}}))
    assert lab.get("secret", "db").data == {"password": "aHVudGVyMg=="}


def test_dropping_a_key_still_in_use_makes_reads_fail(lab):
    lab.encryption.configure(config(key("aescbc"), {"identity": {}}))
    lab.encryption.rewrite()
    lab.encryption.configure(config(key("aesgcm"), {"identity": {}}))
    with pytest.raises(K8sLabError, match="no matching prefix found"):
        lab.get("secret", "db")


def test_kms_v2_wraps_one_seed_and_derives_a_key_per_write(lab):
    lab.encryption.configure(config({"kms": {"apiVersion": "v2", "name": "azurekmsprovider",
                                             "endpoint": "unix:///opt/azurekms.socket"}}, {"identity": {}}))
    lab.encryption.rewrite()
    for i in range(5):
        lab.kubectl(f"create secret generic s{i} --from-literal=a=b")
    assert lab.etcd.get(DB).startswith(b"k8s:enc:kms:v2:azurekmsprovider:")
    assert lab.key_vault.calls == {"wrap": 1, "unwrap": 0}
    assert lab.get("secret", "s3").data == {"a": "Yg=="}


def test_bad_keys_are_refused():
    lab = kl.Cluster()
    with pytest.raises(Invalid, match="secret is not of the expected length, got 5"):
        lab.encryption.configure(config(key("aescbc", secret=base64.b64encode(b"short").decode())))


def test_salsa20_matches_the_specification_example():
    # Bernstein, "Salsa20 specification", section 9 (Salsa20_k with a 32-byte key)
    out = salsa20_core(bytes(range(1, 17)) + bytes(range(201, 217)), bytes(range(101, 117)))
    assert list(out[:16]) == [69, 37, 68, 39, 41, 15, 107, 193, 255, 139, 122, 6, 170, 233, 217, 98]


def test_secretbox_detects_tampering():
    box = bytearray(seal(b"data", bytes(24), bytes(32)))
    box[-1] ^= 1
    with pytest.raises(ValueError):
        open_box(bytes(box), bytes(24), bytes(32))


def test_string_data_becomes_data():
    lab = kl.Cluster()
    lab.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"u": "admin"}})
    s = lab.get("secret", "s")
    assert s.data == {"u": "YWRtaW4="} and s.string_data is None


@pytest.mark.parametrize("doc, message", [
    ({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "b"}, "data": {"k": "not base64!"}},
     'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3'),
    ({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "b"}, "data": {"a/b": "eA=="}},
     "data[a/b]: Invalid value: \"a/b\": a valid config key must consist of alphanumeric characters"),
    ({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "b"},
      "data": {"k": base64.b64encode(b"x" * (1024 * 1024 + 1)).decode()}}, "data: Too long"),
], ids=["invalid base64 is a decode error", "a key that is not a file name is invalid",
        "more than 1 MiB is too long"])
def test_bad_secrets_get_the_apiservers_error_and_change_nothing(doc, message):
    lab = kl.Cluster()
    before = len(lab.etcd)
    with pytest.raises(K8sLabError) as err:
        lab.apply(doc)
    assert message in str(err.value)
    assert len(lab.etcd) == before


def test_immutable_configmaps_refuse_changes():
    lab = kl.Cluster()
    lab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "immutable": True,
               "data": {"a": "1"}})
    with pytest.raises(Invalid) as err:
        lab.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "2"}})
    assert str(err.value) == ('The ConfigMap "c" is invalid: [immutable: Forbidden: field is immutable when '
                              '`immutable` is set, data: Forbidden: field is immutable when `immutable` is set]')


def test_secrets_store_csi_reads_the_vault_and_syncs_a_secret():
    lab = kl.Cluster()
    lab.secrets_store.set_secret("k8slab-kv", "db-password", "s3cr3t")
    lab.secrets_store.apply({"apiVersion": "secrets-store.csi.x-k8s.io/v1", "kind": "SecretProviderClass",
                             "metadata": {"name": "kv"}, "spec": {"provider": "azure", "parameters": {
                                 "keyvaultName": "k8slab-kv",
                                 "objects": "array:\n  - |\n    objectName: db-password\n    objectType: secret\n"},
                                 "secretObjects": [{"secretName": "db", "type": "Opaque", "data": [
                                     {"objectName": "db-password", "key": "password"}]}]}})
    from k8slab.secrets.csi_store import mount_files

    pod = {"metadata": {"name": "p", "namespace": "default"}}
    vol = {"name": "kv", "csi": {"driver": "secrets-store.csi.k8s.io",
                                 "volumeAttributes": {"secretProviderClass": "kv"}}}
    assert mount_files(lab, pod, vol) == {"db-password": b"s3cr3t"}
    assert lab.get("secret", "db").data == {"password": "czNjcjN0"}
