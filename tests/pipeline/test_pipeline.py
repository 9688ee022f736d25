"""The build pipeline: digests, Ed25519 signatures, registry grants, signed-image admission, promotion, blast radius."""

import pytest

import k8slab as kl
from k8slab.apiserver.authn import UserInfo, service_account_user
from k8slab.pipeline import BuildPipeline, ImageRegistry, RegistryError, SigningKey, blast_radius, verify
from k8slab.pipeline.signing import signature_payload


def test_same_content_same_digest_and_tags_move():
    reg = ImageRegistry()
    reg.grant("ci", "shop/")
    a = reg.push("ci", "shop/web", "1.0", {"commit": "a"})
    b = reg.push("ci", "shop/web", "latest", {"commit": "a"})
    c = reg.push("ci", "shop/web", "latest", {"commit": "b"})
    assert a.digest == b.digest != c.digest
    assert reg.resolve("registry.lab/shop/web:latest") == c.digest
    assert reg.resolve("registry.lab/shop/web:1.0") == a.digest
    assert reg.resolve("registry.lab/shop/web:2.0") is None


def test_pushing_needs_a_grant():
    reg = ImageRegistry()
    reg.grant("ci", "shop/")
    with pytest.raises(RegistryError, match="^denied: requested access to the resource is denied"):
        reg.push("ci", "billing/api", "1.0", {})
    with pytest.raises(RegistryError):
        reg.push("alice", "shop/web", "1.0", {})


def test_signatures_are_real_ed25519_and_bind_the_digest():
    key, other = SigningKey.from_seed("ci"), SigningKey.from_seed("attacker")
    payload = signature_payload("registry.lab/shop/web", "sha256:" + "1" * 64)
    sig = key.sign(payload)
    assert sig == key.sign(payload)  # Ed25519 is deterministic
    assert verify(key.public_pem, payload, sig)
    assert not verify(other.public_pem, payload, sig)
    assert not verify(key.public_pem, payload.replace(b"1111", b"2222"), sig)
    assert key.public_pem.startswith("-----BEGIN PUBLIC KEY-----\n")


def test_a_signature_covers_one_digest_only():
    reg, key = ImageRegistry(), SigningKey.from_seed("ci")
    reg.grant("ci", "shop/")
    v1 = reg.push("ci", "shop/web", "1.0", {"commit": "a"})
    reg.sign("ci", v1.reference, key)
    reg.push("ci", "shop/web", "1.0", {"commit": "evil"})  # the tag now points at unsigned content
    assert reg.verify(v1.reference, key.public_pem)
    assert not reg.verify("registry.lab/shop/web:1.0", key.public_pem)
    assert not reg.verify(v1.reference, SigningKey.from_seed("other").public_pem)


@pytest.fixture
def lab():
    return kl.Cluster(seed=0, components=[])


@pytest.fixture
def pipe(lab):
    return BuildPipeline.install(lab)


def test_a_run_builds_signs_and_deploys_by_digest(pipe):
    run = pipe.run("1.0", "a1b2c3")
    assert run.ok, run
    assert [s.stage for s in run.steps] == ["build and push", "sign", "deploy to dev"]
    assert pipe.deployed_image("dev").startswith("registry.lab/shop/web@sha256:")


def test_promotion_moves_the_same_digest_one_environment_at_a_time(pipe):
    pipe.run("1.0", "a1b2c3")
    assert not pipe.promote("dev", "prod").ok
    assert pipe.promote("dev", "staging").ok and pipe.promote("staging", "prod").ok
    assert pipe.deployed_image("prod") == pipe.deployed_image("dev")


def test_unsigned_and_foreign_images_are_refused(pipe):
    unsigned = pipe.build("1.1", "d4e5f6")
    r = pipe.deploy("dev", unsigned.reference)
    assert r.stderr == ('Error from server (Forbidden): error when creating "STDIN": admission webhook '
                        '"validation.gatekeeper.sh" denied the request: [signed-images] [implied by expand-workloads] '
                        f'Subject failed verification: {unsigned.reference}\n')
    forged = pipe.build("1.2", "evil")
    pipe.sign(forged.reference, key=SigningKey.from_seed("attacker"))
    assert not pipe.deploy("dev", forged.reference).ok
    assert "invalid image repo <nginx:1.27>" in pipe.deploy("dev", "nginx:1.27").stderr


def test_a_developer_cannot_deploy_to_prod_the_pipeline_can(lab, pipe):
    lab.apply("""
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: developers-edit, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: Group, name: developers, apiGroup: rbac.authorization.k8s.io}]
""")
    run = pipe.run("1.0", "a1b2c3")
    image = pipe.deployed_image("dev")
    r = lab.kubectl("apply -f -", stdin=pipe.manifest("prod", image), as_user="dana", groups=["developers"])
    # kubectl apply reads the live object first: the GET is what is refused
    assert r.stderr.endswith('deployments.apps "web" is forbidden: User "dana" cannot get resource "deployments" in '
                             'API group "apps" in the namespace "prod"\n')
    assert run.ok and pipe.promote("dev", "staging").ok


def test_a_stolen_pipeline_token_reaches_exactly_the_environments(lab, pipe):
    br = blast_radius(lab, service_account_user("ci", "pipeline"))
    assert br.namespaces_writable() == ["dev", "prod", "staging"]
    assert not any(row[br.actions.index("get secrets")] for row in br.allowed)
    assert br.reach == 6
    lab.apply("""
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: pipeline-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: pipeline, namespace: ci}]
""")
    assert blast_radius(lab, service_account_user("ci", "pipeline")).reach == len(br.namespaces) * len(br.actions)
    assert blast_radius(lab, UserInfo("nobody", ("system:authenticated",))).reach == 0


def test_the_pipeline_acts_with_its_own_token(lab, pipe):
    with lab.access.use_token(pipe.token):
        assert lab.kubectl("auth whoami").stdout.splitlines()[1] == "Username    system:serviceaccount:ci:pipeline"
        assert lab.kubectl("auth can-i create deployments -n prod").stdout == "yes\n"
        assert lab.kubectl("auth can-i get secrets -n prod").stdout == "no\n"
