"""A CI/CD pipeline with special privileges: build, push, sign, deploy, promote dev -> staging -> prod."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from k8slab.pipeline.registry import ImageRegistry, RegistryError
from k8slab.pipeline.signing import SigningKey

__all__ = ["BuildPipeline", "PipelineStep", "ENVIRONMENTS", "signed_images_check", "DEPLOYER_RULES"]

ENVIRONMENTS = ("dev", "staging", "prod")
#: what the pipeline's Role grants in each environment namespace: ship workloads, nothing else
DEPLOYER_RULES = [
    {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch", "create", "update", "patch"]},
    {"apiGroups": [""], "resources": ["services", "configmaps"], "verbs": ["get", "list", "create", "update", "patch"]},
    {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]},
]


def signed_images_check(registry: ImageRegistry, public_pem: str):
    """A ConstraintTemplate check: every image must resolve in ``registry`` and carry a signature by the key.

    The message is Ratify's (Gatekeeper's ``RatifyVerification`` template): ``Subject failed verification: <ref>``.
    """

    def check(obj: dict, params: dict) -> list[str]:
        from k8slab.admission.policy import _containers

        out = []
        for c in _containers(obj):
            image = c.get("image", "")
            digest = registry.resolve(image)
            subject = image if digest is None or "@" in image else f"{image.rsplit(':', 1)[0]}@{digest}"
            if digest is None or not registry.verify(image, public_pem):
                out.append(f"Subject failed verification: {subject}")
        return out

    return check


@dataclass
class PipelineStep:
    stage: str
    ok: bool
    detail: str


@dataclass
class PipelineRun:
    """What one pipeline run did, stage by stage."""

    steps: list[PipelineStep] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)

    def __repr__(self) -> str:
        width = max(len(s.stage) for s in self.steps) if self.steps else 0
        return "\n".join(f"{s.stage.ljust(width)}   {'ok  ' if s.ok else 'FAIL'}   {s.detail}" for s in self.steps)

    def _repr_html_(self) -> str:
        rows = "".join(f'<tr><td>{s.stage}</td><td style="color:{"#2b8a3e" if s.ok else "#c92a2a"}">'
                       f'{"ok" if s.ok else "failed"}</td><td><code>{html.escape(s.detail)}</code></td></tr>'
                       for s in self.steps)
        return f"<table>{rows}</table>"


class BuildPipeline:
    """The pipeline of one app: its ServiceAccount, its registry rights, its signing key, its environments.

    ``install`` creates what a platform team sets up once: the ``ci`` namespace and the ``pipeline``
    ServiceAccount, a ``deployer`` Role bound to it in each environment namespace (and nothing else),
    push rights on the app's repository, and an admission policy that admits only images from the
    trusted registry with a valid signature by the pipeline's key. The pipeline acts with a token of its
    ServiceAccount, like a CI runner holding a kubeconfig.
    """

    def __init__(self, lab, app: str = "shop/web", registry: ImageRegistry | None = None,
                 key: SigningKey | None = None, environments=ENVIRONMENTS, namespace: str = "ci",
                 service_account: str = "pipeline"):
        self.lab = lab
        self.app = app
        self.registry = registry or ImageRegistry("registry.lab")
        self.key = key or SigningKey.from_seed(f"{getattr(lab, 'seed', 0)}/{app}")
        self.environments = tuple(environments)
        self.namespace, self.service_account = namespace, service_account
        self.identity = f"system:serviceaccount:{namespace}:{service_account}"
        self.token: str | None = None

    def __repr__(self) -> str:
        return (f"<BuildPipeline {self.app}: runs as {self.identity}, pushes to {self.registry.host}, signs with "
                f"{self.key.key_id}, deploys {' -> '.join(self.environments)}>")

    @classmethod
    def install(cls, lab, **kwargs) -> "BuildPipeline":
        from k8slab.admission.policy import PolicyEngine

        p = cls(lab, **kwargs)
        api = lab.api
        ns_res = api.resource("namespaces")
        for ns in (p.namespace, *p.environments):
            if api.etcd.get(ns_res.key(None, ns)) is None:
                api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        api.create({"apiVersion": "v1", "kind": "ServiceAccount",
                    "metadata": {"name": p.service_account, "namespace": p.namespace}})
        for env in p.environments:
            api.create({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                        "metadata": {"name": "deployer", "namespace": env}, "rules": DEPLOYER_RULES})
            api.create({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                        "metadata": {"name": "pipeline-deployer", "namespace": env},
                        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "deployer"},
                        "subjects": [{"kind": "ServiceAccount", "name": p.service_account,
                                      "namespace": p.namespace}]})
        p.registry.grant(p.identity, p.app.split("/")[0] + "/")
        engine = getattr(lab, "policy_engine", None) or PolicyEngine.install(lab)
        engine.register_template("RatifyVerification", signed_images_check(p.registry, p.key.public_pem))
        engine.add("K8sAllowedRepos", "trusted-registry", {"repos": [p.registry.host + "/"]},
                   kinds=("Pod",), namespaces=p.environments)
        engine.add("RatifyVerification", "signed-images", kinds=("Pod",), namespaces=p.environments)
        p.token = lab.access.create_token(p.namespace, p.service_account)
        lab.pipeline = p
        return p

    # -- the stages ------------------------------------------------------------------------------------
    def build(self, version: str, commit: str, identity: str | None = None):
        """Build and push ``app:version``; the image's content is its commit (same commit, same digest)."""
        return self.registry.push(identity or self.identity, self.app, version, {"app": self.app, "commit": commit})

    def sign(self, reference: str, key: SigningKey | None = None, identity: str | None = None) -> dict:
        return self.registry.sign(identity or self.identity, reference, key or self.key)

    def manifest(self, env: str, image: str) -> str:
        name = self.app.split("/")[-1]
        return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {env}, labels: {{app: {name}}}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
      - name: {name}
        image: {image}
"""

    def deploy(self, env: str, image: str, token: str | None = None):
        """``kubectl apply`` the app's Deployment into ``env`` with the pipeline's token (or another one)."""
        with self.lab.access.use_token(token or self.token):
            return self.lab.kubectl("apply -f -", stdin=self.manifest(env, image))

    def deployed_image(self, env: str) -> str | None:
        name = self.app.split("/")[-1]
        obj = self.lab.api.etcd.read(f"/registry/deployments/{env}/{name}")
        return obj["spec"]["template"]["spec"]["containers"][0]["image"] if obj else None

    def run(self, version: str, commit: str, env: str = "dev", sign: bool = True) -> PipelineRun:
        """Build, push, sign and deploy to ``env`` by digest (what the CI job does on a merge)."""
        run = PipelineRun()
        try:
            image = self.build(version, commit)
        except RegistryError as e:
            run.steps.append(PipelineStep("push", False, str(e)))
            return run
        run.steps.append(PipelineStep("build and push", True, f"{image.repository}:{version} -> {image.digest}"))
        if sign:
            self.sign(image.reference)
            run.steps.append(PipelineStep("sign", True, f"{image.reference} with {self.key.key_id}"))
        result = self.deploy(env, image.reference)
        run.steps.append(PipelineStep(f"deploy to {env}", result.ok, (result.stdout or result.stderr).strip()))
        return run

    def promote(self, source: str, target: str) -> PipelineRun:
        """Deploy to ``target`` exactly the digest running in ``source``; only to the next environment."""
        run = PipelineRun()
        order = list(self.environments)
        if source not in order or target not in order or order.index(target) != order.index(source) + 1:
            run.steps.append(PipelineStep("promote", False, f"promotion goes {' -> '.join(order)}, one step at a "
                                                            f"time: not {source} -> {target}"))
            return run
        image = self.deployed_image(source)
        if image is None:
            run.steps.append(PipelineStep("promote", False, f"nothing deployed in {source}"))
            return run
        result = self.deploy(target, image)
        run.steps.append(PipelineStep(f"promote {source} -> {target}", result.ok,
                                      (result.stdout or result.stderr).strip()))
        return run
