"""Tests of the generated API models: corpus round trips, attribute access, strictness, registry."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pydantic
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import k8slab.api as api
from k8slab.api import KINDS, model_for
from k8slab.api.apps_v1 import Deployment
from k8slab.api.base import K8sModel
from k8slab.api.core_v1 import Container, ContainerPort, Pod, PodSpec, Service, ServiceSpec
from k8slab.api.meta import ObjectMeta
from k8slab.api.networking_v1 import IPBlock, NetworkPolicyIngressRule

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
SCHEMA = (
    Path(importlib.util.find_spec("kubernetes_validate").origin).parent
    / "kubernetes-json-schema" / "v1.35.0-local-strict" / "_definitions.json"
)


# --------------------------------------------------------------------------- corpus


def corpus_docs():
    """(id, doc) for every corpus document, items of kind List included, whose kind is modelled."""
    out = []
    if not CORPUS.is_dir():
        return out
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix not in (".yaml", ".yml", ".json") or not path.is_file():
            continue
        try:
            docs = list(yaml.safe_load_all(path.read_text()))
        except yaml.YAMLError:
            continue  # files PyYAML cannot parse: the loader's tests cover them
        rel = path.relative_to(CORPUS).as_posix()
        for i, doc in enumerate(docs):
            if not isinstance(doc, dict):
                continue
            items = doc.get("items") if doc.get("kind") == "List" else [doc]
            for j, item in enumerate(items or []):
                if isinstance(item, dict) and (item.get("apiVersion"), item.get("kind")) in KINDS:
                    suffix = f"#{i}" + (f".items[{j}]" if doc.get("kind") == "List" else "")
                    out.append((rel + suffix, item))
    return out


CORPUS_DOCS = corpus_docs()

# Corpus documents the models reject, with the field pydantic names. Each is also invalid
# against the official 1.35 schema (strict): a field that does not exist in 1.35 (typos,
# removed or not-yet-merged fields), a wrong type, or a list where an object belongs.
REJECTED = {
    "k8s-examples/_archived/volumes/fibre_channel/fc.yaml#0": "spec.volumes.0.fc.lun",  # "<ADD LUN ID Here>"
    "k8s-examples/_archived/volumes/rbd/rbd.yaml#0": "spec.volumes.0.rbd.imageformat",
    "k8s-examples/_archived/volumes/scaleio/pod.yaml#0": "spec.volumes.0.scaleIO.protectionDoamin",
    "k8s-examples/_archived/volumes/storageos/storageos-pod.yaml#0": "spec.volumes.0.storageos.pool",
    "k8s-examples/_archived/volumes/storageos/storageos-pv.yaml#0": "spec.storageos.secretName",
    "k8s-website-examples/deployments/deployment-with-capacity-reservation.yaml#0":
        "spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution.0.labelSelector",
    "k8s-website-examples/pods/emptydir-volume-mode.yaml#0": "spec.volumes.0.emptyDir.mode",
    "k8s-website-examples/pods/pod-with-node-affinity.yaml#0":
        "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution",
    "k8s-website-examples/pods/security/security-context-7.yaml#0":
        "spec.containers.0.securityContext.cgroupOptions",
    "k8s-website-examples/secret/serviceaccount/mysecretname.yaml#0": "metadata.annotations",
    "k8s-website-examples/service/networking/dual-stack-ipv6-lb-svc.yaml#0": "spec.ipFamily",
    "k8s-website-examples/service/networking/dual-stack-ipv6-svc.yaml#0": "spec.ipFamily",
}
# Documents with explicit nulls: the model drops null fields, as the apiserver does.
NULLS_DROPPED = {"k8s-website-examples/policy/gold-vac-pvc.yaml#0"}  # storageClassName: (null)


def drop_nulls(value):
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def test_corpus_is_there_and_big():
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus not present")
    assert len(CORPUS_DOCS) > 600


@pytest.mark.parametrize(("doc_id", "doc"), CORPUS_DOCS, ids=[i for i, _ in CORPUS_DOCS])
def test_corpus_document_round_trips(doc_id, doc):
    cls = KINDS[(doc["apiVersion"], doc["kind"])]
    if doc_id in REJECTED:
        with pytest.raises(pydantic.ValidationError) as err:
            cls.from_dict(doc)
        locs = [".".join(map(str, e["loc"])) for e in err.value.errors()]
        assert REJECTED[doc_id] in locs
        return
    out = cls.from_dict(doc).to_dict()
    if doc_id in NULLS_DROPPED:
        assert out != doc
        assert out == drop_nulls(doc)
    else:
        assert out == doc
        assert yaml.safe_load(cls.from_dict(doc).to_yaml()) == doc


def test_every_known_exception_is_in_the_corpus():
    ids = {i for i, _ in CORPUS_DOCS}
    if not ids:
        pytest.skip("../shared/corpus not present")
    assert set(REJECTED) | NULLS_DROPPED <= ids


@pytest.fixture(scope="module")
def schema_validators():
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    defs = json.loads(SCHEMA.read_text())["$defs"]
    by_gvk = {}
    for name, s in defs.items():
        for g in s.get("x-kubernetes-group-version-kind", []):
            av = f"{g['group']}/{g['version']}" if g["group"] else g["version"]
            by_gvk.setdefault((av, g["kind"]), name)
    return {
        key: jsonschema_rs.validator_for({"$ref": f"#/$defs/{by_gvk[key]}", "$defs": defs})
        for key in KINDS
    }


def test_models_accept_exactly_what_the_official_schema_accepts(schema_validators):
    """Apart from `required` (left to the schema validator), pydantic and the schema agree."""
    disagree = []
    for doc_id, doc in CORPUS_DOCS:
        key = (doc["apiVersion"], doc["kind"])
        errors = [e.message for e in schema_validators[key].iter_errors(doc)]
        schema_ok = all(m.endswith("is a required property") for m in errors)
        try:
            KINDS[key].from_dict(doc)
            model_ok = True
        except pydantic.ValidationError:
            model_ok = False
        if schema_ok != model_ok:
            disagree.append((doc_id, errors))
    assert disagree == []


# --------------------------------------------------------------------------- attribute access

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
    "spec": {
        "containers": [{
            "name": "web",
            "image": "nginx:1.27",
            "ports": [{"containerPort": 80, "name": "http"}],
            "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}, "limits": {"cpu": 1}},
            "readinessProbe": {"httpGet": {"path": "/", "port": "http"}},
        }],
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "hostIPC": False,
    },
}
SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web"},
    "spec": {"selector": {"app": "web"}, "externalIPs": ["10.0.0.9"],
             "ports": [{"port": 80, "targetPort": 8080}, {"port": 443, "targetPort": "https"}]},
}


@pytest.mark.parametrize(
    ("doc", "path", "expected"),
    [
        (POD, lambda p: p.spec.containers[0].image, "nginx:1.27"),
        (POD, lambda p: p.spec.containers[0].ports[0].container_port, 80),
        (POD, lambda p: p.spec.containers[0].resources.requests["cpu"], "250m"),
        (POD, lambda p: p.spec.containers[0].resources.limits["cpu"], 1),
        (POD, lambda p: p.spec.containers[0].readiness_probe.http_get.port, "http"),
        (POD, lambda p: p.spec.termination_grace_period_seconds, 30),
        (POD, lambda p: p.spec.host_ipc, False),
        (POD, lambda p: p.spec.node_name, None),
        (POD, lambda p: p.metadata.labels, {"app": "web"}),
        (SERVICE, lambda s: s.spec.ports[0].target_port, 8080),
        (SERVICE, lambda s: s.spec.ports[1].target_port, "https"),
        (SERVICE, lambda s: s.spec.external_ips, ["10.0.0.9"]),
    ],
    ids=[
        "a pod's container image reads as pod.spec.containers[0].image",
        "containerPort reads as container_port",
        "a cpu request written as a string stays the string",
        "a cpu limit written as an int stays an int",
        "a named probe port stays a string",
        "terminationGracePeriodSeconds reads as termination_grace_period_seconds",
        "hostIPC reads as host_ipc",
        "a field left out reads as None",
        "labels read as a dict",
        "a numeric targetPort stays an int",
        "a named targetPort stays a string",
        "externalIPs reads as external_ips",
    ],
)
def test_attribute_access(doc, path, expected):
    obj = model_for(doc["apiVersion"], doc["kind"]).from_dict(doc)
    value = path(obj)
    assert value == expected
    assert type(value) is type(expected)


def test_python_keywords_get_a_trailing_underscore_and_keep_their_json_name():
    rule = NetworkPolicyIngressRule.from_dict(
        {"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]})
    assert rule.from_[0].ip_block.except_ == ["10.1.0.0/16"]
    assert rule.to_dict() == {"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]}
    assert IPBlock(cidr="10.0.0.0/8", except_=["10.1.0.0/16"]).to_dict()["except"] == ["10.1.0.0/16"]
    assert api.ListMeta(continue_="abc").to_dict() == {"continue": "abc"}


def test_models_built_in_python_by_attribute_name_serialize_with_json_names():
    pod = Pod(metadata=ObjectMeta(name="web"),
              spec=PodSpec(containers=[Container(name="web", image="nginx",
                                                 ports=[ContainerPort(container_port=80)])]))
    assert pod.to_dict() == {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
        "spec": {"containers": [{"image": "nginx", "name": "web", "ports": [{"containerPort": 80}]}]},
    }


# --------------------------------------------------------------------------- strictness


@pytest.mark.parametrize(
    ("cls", "doc", "loc", "error_type"),
    [
        (Pod, {"spec": {"contianers": []}}, "spec.contianers", "extra_forbidden"),
        (Pod, {"metadata": {"name": "x", "lables": {}}}, "metadata.lables", "extra_forbidden"),
        (Pod, {"spec": {"containers": [{"name": "a", "imagePullpolicy": "Always"}]}},
         "spec.containers.0.imagePullpolicy", "extra_forbidden"),
        (Pod, {"status": {"phase": "Running", "foo": 1}}, "status.foo", "extra_forbidden"),
        (Pod, {"spec": {"node_name": "n1"}}, "spec.node_name", "extra_forbidden"),
        (Deployment, {"spec": {"replicas": "3"}}, "spec.replicas", "int_type"),
        (Deployment, {"spec": {"paused": "true"}}, "spec.paused", "bool_type"),
        (Service, {"spec": {"ports": [{"port": 80, "targetPort": 1.5}]}},
         "spec.ports.0.targetPort", None),
        (Pod, {"metadata": {"labels": {"app": 1}}}, "metadata.labels.app", "string_type"),
        (Pod, {"spec": {"containers": {"name": "a"}}}, "spec.containers", "list_type"),
    ],
    ids=[
        "a misspelt spec field is rejected",
        "a misspelt metadata field is rejected",
        "a misspelt container field is rejected",
        "an unknown status field is rejected",
        "snake_case names are not accepted in a manifest",
        "a replica count written as a string is rejected",
        "a bool written as a string is rejected",
        "a fractional targetPort is rejected",
        "a non-string label value is rejected",
        "an object where a list belongs is rejected",
    ],
)
def test_bad_fields_raise_validation_error_with_the_field_path(cls, doc, loc, error_type):
    with pytest.raises(pydantic.ValidationError) as err:
        cls.from_dict(doc)
    errors = err.value.errors()
    assert loc in [".".join(map(str, e["loc"][:loc.count(".") + 1])) for e in errors]
    if error_type:
        assert error_type in [e["type"] for e in errors]


def test_unknown_keyword_argument_is_rejected():
    with pytest.raises(pydantic.ValidationError):
        Container(name="a", imagee="nginx")


# --------------------------------------------------------------------------- unions, property tests

quantities = st.one_of(
    st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))


@given(value=quantities)
def test_a_quantity_keeps_its_python_type(value):
    doc = {"containers": [{"name": "c", "resources": {"requests": {"cpu": value}}}]}
    out = PodSpec.from_dict(doc).to_dict()
    assert out == doc
    assert type(out["containers"][0]["resources"]["requests"]["cpu"]) is type(value)


@given(value=st.one_of(st.integers(), st.text(max_size=12)))
def test_an_int_or_string_keeps_its_python_type(value):
    doc = {"ports": [{"port": 80, "targetPort": value}]}
    out = ServiceSpec.from_dict(doc).to_dict()
    assert out == doc
    assert type(out["ports"][0]["targetPort"]) is type(value)


@given(labels=st.dictionaries(st.text(max_size=20), st.text(max_size=20), max_size=5),
       replicas=st.one_of(st.none(), st.integers(min_value=0, max_value=2**31 - 1)))
def test_random_labels_and_replicas_round_trip(labels, replicas):
    doc = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "labels": labels},
           "spec": {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}}}}
    if replicas is not None:
        doc["spec"]["replicas"] = replicas
    assert Deployment.from_dict(doc).to_dict() == doc


@given(value=st.one_of(st.booleans(), st.none(), st.lists(st.integers(), max_size=2)))
def test_an_int_or_string_rejects_other_types(value):
    doc = {"spec": {"ports": [{"port": 80, "targetPort": value}]}}
    if value is None:
        assert Service.from_dict(doc).spec.ports[0].target_port is None
    else:
        with pytest.raises(pydantic.ValidationError):
            Service.from_dict(doc)


# --------------------------------------------------------------------------- to_dict, repr


def test_to_dict_fills_api_version_and_kind_first():
    d = Pod(metadata=ObjectMeta(name="web")).to_dict()
    assert list(d) == ["apiVersion", "kind", "metadata"]
    assert d == {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}}
    assert Deployment().to_dict() == {"apiVersion": "apps/v1", "kind": "Deployment"}


def test_to_dict_keeps_an_api_version_that_was_set():
    assert Pod(api_version="v1", kind="Pod").to_dict() == {"apiVersion": "v1", "kind": "Pod"}


def test_to_yaml_sorts_keys_like_kubectl():
    assert Service.from_dict(SERVICE).to_yaml() == (
        "apiVersion: v1\n"
        "kind: Service\n"
        "metadata:\n"
        "  name: web\n"
        "spec:\n"
        "  externalIPs:\n"
        "  - 10.0.0.9\n"
        "  ports:\n"
        "  - port: 80\n"
        "    targetPort: 8080\n"
        "  - port: 443\n"
        "    targetPort: https\n"
        "  selector:\n"
        "    app: web\n"
    )


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (Pod.from_dict(POD), "<Pod default/web Pending>"),
        (api.Node(metadata=ObjectMeta(name="aks-node-1")), "<Node aks-node-1 Unknown>"),
        (api.Namespace(), "<Namespace (no name)>"),
        (Pod(metadata=ObjectMeta(generate_name="web-", namespace="dev")), "<Pod dev/web- Pending>"),
        (ContainerPort(container_port=80, protocol="TCP"), "ContainerPort(container_port=80, protocol='TCP')"),
    ],
    ids=["a namespaced object shows namespace/name", "a cluster-scoped object shows its name",
         "an object without a name says so", "generateName stands in for the name",
         "a nested type shows only the fields that are set"],
)
def test_repr(obj, expected):
    assert repr(obj) == expected


def test_repr_calls_the_overridable_repr_extra():
    class RichPod(Pod):
        def _repr_extra(self):
            return f"{self.status.phase} on {self.spec.node_name}"

    pod = RichPod.from_dict({**POD, "spec": {**POD["spec"], "nodeName": "aks-node-1"},
                             "status": {"phase": "Running"}})
    assert repr(pod) == "<RichPod default/web Running on aks-node-1>"


# --------------------------------------------------------------------------- registry, generated files

EXPECTED_KINDS = {
    ("v1", k) for k in (
        "Namespace", "Node", "Pod", "ConfigMap", "Secret", "Service", "ServiceAccount", "Endpoints",
        "PersistentVolume", "PersistentVolumeClaim", "ResourceQuota", "LimitRange", "Event")
} | {
    ("storage.k8s.io/v1", "StorageClass"), ("apps/v1", "Deployment"), ("apps/v1", "ReplicaSet"),
    ("apps/v1", "StatefulSet"), ("apps/v1", "DaemonSet"), ("batch/v1", "Job"), ("batch/v1", "CronJob"),
    ("rbac.authorization.k8s.io/v1", "Role"), ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"), ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("networking.k8s.io/v1", "NetworkPolicy"), ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "IngressClass"), ("policy/v1", "PodDisruptionBudget"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"), ("scheduling.k8s.io/v1", "PriorityClass"),
    ("discovery.k8s.io/v1", "EndpointSlice"),
    ("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"),
}


def test_kinds_registry_holds_the_modelled_kinds():
    assert set(KINDS) == EXPECTED_KINDS
    for (api_version, kind), cls in KINDS.items():
        assert issubclass(cls, K8sModel)
        assert cls.__name__ == kind
        assert (cls.api_version_default, cls.kind_default) == (api_version, kind)


@pytest.mark.parametrize(("api_version", "kind"), [
    ("extensions/v1beta1", "Deployment"), ("v1", "ReplicationController"), ("policy/v1beta1", "PodDisruptionBudget"),
], ids=["an old apiVersion", "an unmodelled kind", "a removed version"])
def test_model_for_an_unmodelled_kind_raises_key_error(api_version, kind):
    assert (api_version, kind) not in KINDS
    with pytest.raises(KeyError, match=f'no model for kind "{kind}" in apiVersion "{api_version}"'):
        model_for(api_version, kind)


def test_nested_types_have_no_kind_default():
    assert Container.kind_default is None and ObjectMeta.api_version_default is None


def test_package_attributes_resolve_to_the_group_module_classes():
    assert api.Pod is Pod
    assert api.Deployment is Deployment
    assert api.K8sModel is K8sModel
    assert api.core_v1.Pod is Pod
    with pytest.raises(AttributeError):
        api.NoSuchKind  # noqa: B018


def test_import_k8slab_api_is_lazy_and_does_not_load_pydantic():
    """`import k8slab.api` itself adds only the index (k8slab's own imports aside)."""
    code = ("import sys, k8slab; before = set(sys.modules); import k8slab.api; "
            "print(sorted(m for m in set(sys.modules) - before "
            "if m.startswith(('pydantic', 'k8slab.')) and m != 'k8slab.api'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() in ("['k8slab.api._index']", "[]")


def _load_generator():
    spec = importlib.util.spec_from_file_location("gen_models", ROOT / "tools" / "gen_models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_files_are_what_the_generator_writes():
    files = _load_generator().generate()
    stale = [name for name, src in files.items() if (ROOT / "k8slab" / "api" / name).read_text() != src]
    assert stale == []
    for name, src in files.items():
        assert src.startswith(
            "# Generated by tools/gen_models.py from the Kubernetes 1.35 OpenAPI schema "
            "(kubernetes-validate). Do not edit.\n\"\"\"")
        assert "__all__" in src


@pytest.mark.parametrize(("json_name", "attr"), [
    ("externalIPs", "external_ips"), ("podCIDRs", "pod_cidrs"), ("hostIPC", "host_ipc"),
    ("nonResourceURLs", "non_resource_urls"), ("setHostnameAsFQDN", "set_hostname_as_fqdn"),
    ("targetWWNs", "target_wwns"), ("runAsUser", "run_as_user"), ("from", "from_"),
    ("continue", "continue_"), ("apiVersion", "api_version"), ("targetCPUUtilizationPercentage",
                                                                 "target_cpu_utilization_percentage"),
], ids=lambda v: v)
def test_snake_case_names(json_name, attr):
    assert _load_generator().snake(json_name) == attr
