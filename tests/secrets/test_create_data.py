"""kubectl create secret/configmap from literals, files and env files (upstream create_secret_test.go shapes)."""

from __future__ import annotations

import base64

import pytest

import k8slab as kl


@pytest.fixture
def lab():
    return kl.Cluster(components=["k8slab.secrets:SecretsComponent"])


def test_from_file_keeps_bytes_exactly(lab, tmp_path):
    f = tmp_path / "key.bin"
    f.write_bytes(bytes(range(256)))
    assert lab.kubectl(f"create secret generic bin --from-file={f}").ok
    assert base64.b64decode(lab.get("secret", "bin").data["key.bin"]) == bytes(range(256))


def test_a_binary_file_goes_to_binary_data_in_a_configmap(lab, tmp_path):
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "app.conf").write_text("a=1\n")
    assert lab.kubectl(f"create configmap assets --from-file={tmp_path}").ok
    cm = lab.get("configmap", "assets")
    assert cm.data == {"app.conf": "a=1\n"} and cm.binary_data == {"logo.png": "iVBORw0KGgo="}


def test_from_env_file_skips_comments_and_later_lines_win(lab, tmp_path):
    env = tmp_path / "app.env"
    env.write_text("# settings\nLOG_LEVEL=info\n\nCOLOR=blue\nLOG_LEVEL=debug\n")
    assert lab.kubectl(f"create configmap app --from-env-file={env}").ok
    assert lab.get("configmap", "app").data == {"LOG_LEVEL": "debug", "COLOR": "blue"}


@pytest.mark.parametrize("cmd, err", [
    ("create secret generic dup --from-literal=a=1 --from-literal=a=2",
     "error: cannot add key a, another key by that name already exists in data\n"),
    ("create secret generic bad --from-literal=novalue", "error: invalid literal source novalue, expected key=value\n"),
], ids=["a duplicate key is refused", "a literal without = is refused"])
def test_bad_sources_are_refused(lab, cmd, err):
    r = lab.kubectl(cmd)
    assert (r.rc, r.stderr) == (1, err)
