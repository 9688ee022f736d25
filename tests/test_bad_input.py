"""Bad input gets kubectl's error text and leaves the lab exactly as it was."""

import pytest

import k8slab as kl

POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: nginx:1.27
"""

CASES = [
    pytest.param("a: b: c", kl.ParseError,
                 "error: error parsing STDIN: error converting YAML to JSON: yaml: line 1: mapping values are not "
                 "allowed in this context", id="malformed YAML is a parse error with its line"),
    pytest.param("apiVersion: v1\nkind: Pod\nmetadata:\n\tname: web\n", kl.ParseError,
                 "error: error parsing STDIN: error converting YAML to JSON: yaml: line 4: found character that "
                 "cannot start any token", id="tab indentation is refused as go-yaml refuses it"),
    pytest.param("metadata: {name: web}\n", kl.ParseError,
                 'error: error validating "STDIN": error validating data: [apiVersion not set, kind not set]; if you '
                 "choose to ignore these errors, turn validation off with --validate=false",
                 id="missing kind and apiVersion"),
    pytest.param("apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n", kl.Invalid,
                 'The ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
                 id="missing metadata.name"),
    pytest.param(POD.replace("name: web\nspec", "name: Web_1\nspec"), kl.Invalid,
                 'The Pod "Web_1" is invalid: metadata.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain '
                 "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an "
                 "alphanumeric character (e.g. 'example.com', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                 id="an invalid name gets the DNS-1123 message"),
    pytest.param(POD + "    resources: {requests: {cpu: 2 cores}}\n", kl.BadRequest,
                 'Error from server (BadRequest): Pod in version "v1" cannot be handled as a Pod: quantities must '
                 "match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
                 id="an invalid quantity is a decode error"),
    pytest.param(POD.replace("containers:", "contianers:"), kl.BadRequest,
                 'Error from server (BadRequest): Pod in version "v1" cannot be handled as a Pod: strict decoding '
                 'error: unknown field "spec.contianers"', id="an unknown field is refused by strict decoding"),
    pytest.param(POD.replace("    image: nginx:1.27\n", ""), kl.Invalid,
                 'The Pod "web" is invalid: spec.containers[0].image: Required value', id="a container without image"),
    pytest.param("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: Web}]}\n",
                 kl.Invalid,
                 'The Pod "web" is invalid: [spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 '
                 "label must consist of lower case alphanumeric characters or '-', and must start and end with an "
                 "alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?'), spec.containers[0].image: Required value]",
                 id="every field error is reported, not the first"),
    pytest.param("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n", kl.Unsupported,
                 'error: no matches for kind "Widget" in version "example.com/v1"',
                 id="an unsupported kind names its kind and apiVersion"),
    pytest.param("apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: nowhere}\n"
                 "spec: {containers: [{name: web, image: nginx}]}\n", kl.NotFound,
                 'Error from server (NotFound): namespaces "nowhere" not found', id="a namespace that does not exist"),
    pytest.param("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: not*base64}\n", kl.BadRequest,
                 'Error from server (BadRequest): Secret in version "v1" cannot be handled as a Secret: illegal '
                 "base64 data at input byte 3", id="secret data that is not base64"),
]


def _state(lab):
    return lab.etcd.dump()


@pytest.mark.parametrize("text, error, message", CASES)
def test_bad_input_gets_kubectls_error_and_changes_nothing(text, error, message):
    lab = kl.Cluster(seed=0)
    before = _state(lab)
    with pytest.raises(error) as info:
        lab.apply(text)
    assert info.value.kubectl_message == message
    assert _state(lab) == before


@pytest.mark.parametrize("text, error, message", CASES)
def test_kubectl_apply_prints_the_same_error(text, error, message):
    lab = kl.Cluster(seed=0)
    before = _state(lab)
    result = lab.kubectl("apply -f -", stdin=text)
    assert result.rc == 1
    assert result.stdout == ""
    expected = message.replace("Error from server (BadRequest): ", 'Error from server (BadRequest): error when creating "STDIN": ') \
        .replace("Error from server (NotFound): ", 'Error from server (NotFound): error when creating "STDIN": ')
    if error is kl.Unsupported:
        expected = ('error: resource mapping not found for name: "w" namespace: "" from "STDIN": no matches for kind '
                    '"Widget" in version "example.com/v1"\nensure CRDs are installed first')
    assert result.stderr == expected + "\n"
    assert _state(lab) == before


def test_creating_an_existing_object_is_already_exists():
    lab = kl.Cluster(seed=0)
    lab.apply(POD)
    before = _state(lab)
    result = lab.kubectl("create -f -", stdin=POD)
    assert (result.rc, result.stderr) == (
        1, 'Error from server (AlreadyExists): error when creating "STDIN": pods "web" already exists\n')
    with pytest.raises(kl.AlreadyExists, match='pods "web" already exists'):
        lab.create(POD)
    assert _state(lab) == before


def test_a_stale_update_is_a_conflict():
    lab = kl.Cluster(seed=0)
    lab.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '1'}\n")
    stale = lab.get("configmap", "c").to_dict()
    lab.kubectl("label configmap c color=blue")
    before = _state(lab)
    stale["data"] = {"a": "2"}
    with pytest.raises(kl.Conflict) as info:
        lab.api.update(stale)
    assert info.value.kubectl_message == (
        'Error from server (Conflict): Operation cannot be fulfilled on configmaps "c": the object has been '
        "modified; please apply your changes to the latest version and try again")
    assert _state(lab) == before


def test_deleting_what_is_not_there():
    lab = kl.Cluster(seed=0)
    before = _state(lab)
    result = lab.kubectl("delete pod ghost")
    assert (result.rc, result.stdout, result.stderr) == (1, "", 'Error from server (NotFound): pods "ghost" not found\n')
    with pytest.raises(kl.NotFound):
        lab.delete("pod", "ghost")
    assert _state(lab) == before


def test_a_bad_document_in_a_stream_applies_nothing():
    lab = kl.Cluster(seed=0)
    before = _state(lab)
    good = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: good}\n---\n"
    with pytest.raises(kl.BadRequest):
        lab.apply(good + POD.replace("containers:", "contianers:"))
    assert _state(lab) == before


def test_errors_show_as_kubectl_text_in_ipython_not_a_traceback():
    err = kl.NotFound('pods "x" not found')
    assert err._render_traceback_() == ['Error from server (NotFound): pods "x" not found']


def test_a_service_selector_with_an_empty_key_is_invalid():
    lab = kl.Cluster(seed=0)
    before = _state(lab)
    with pytest.raises(kl.Invalid) as info:
        lab.apply("apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec: {selector: {'': ''}, ports: [{port: 80}]}\n")
    # upstream ValidateLabels reports each message of IsQualifiedName as its own field error
    assert info.value.message.startswith('The Service "db" is invalid: [spec.selector: Invalid value: "": name part '
                                         'must be non-empty, spec.selector: Invalid value: "": name part must consist')
    assert _state(lab) == before


def test_hostpath_is_accepted_with_a_warning():
    lab = kl.Cluster(seed=0)
    r = lab.kubectl("apply -f -", stdin="apiVersion: v1\nkind: Pod\nmetadata: {name: logs}\nspec:\n"
                    "  containers: [{name: c, image: nginx:1.27}]\n  volumes: [{name: l, hostPath: {path: /var/log}}]\n")
    assert (r.rc, r.stdout) == (0, "pod/logs created\n")
    assert r.stderr == ('Warning: spec.volumes[0].hostPath: accepted but not simulated: the lab\'s nodes have no host '
                        'filesystem, so "/var/log" starts empty on each node and is shared by the pods there that '
                        "mount it\n")


def test_a_float_where_an_integer_belongs_is_a_decode_error():
    lab = kl.Cluster(seed=0)
    before = _state(lab)
    with pytest.raises(kl.BadRequest) as info:
        lab.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
                   "spec": {"replicas": 2.0, "selector": {"matchLabels": {"a": "b"}},
                            "template": {"metadata": {"labels": {"a": "b"}},
                                         "spec": {"containers": [{"name": "c", "image": "x"}]}}}})
    assert info.value.message == ('Deployment in version "v1" cannot be handled as a Deployment: json: cannot '
                                  "unmarshal number 2.0 into Go struct field DeploymentSpec.spec.replicas of type int32")
    assert _state(lab) == before


def test_a_cluster_ip_that_is_not_an_address_is_invalid():
    lab = kl.Cluster(seed=0)
    before = _state(lab)
    with pytest.raises(kl.Invalid) as info:
        lab.apply("apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec: {clusterIP: '0', ports: [{port: 80}]}\n")
    assert info.value.message == ('The Service "db" is invalid: spec.clusterIPs[0]: Invalid value: "0": must be a valid '
                                  "IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")
    assert _state(lab) == before


def test_a_negative_request_is_invalid():
    lab = kl.Cluster(seed=0)
    with pytest.raises(kl.Invalid) as info:
        lab.apply(POD + "    resources: {requests: {cpu: -1}}\n")
    assert info.value.message == ('The Pod "web" is invalid: spec.containers[0].resources.requests[cpu]: Invalid '
                                  'value: "-1": must be greater than or equal to 0')
