"""The loader's test bed: ~790 real manifests from ../shared/corpus. Supported kinds load; the rest fail in one line."""

import copy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import k8slab as kl
from k8slab.api.resources import resource_for_kind
from k8slab.apiserver.schema import check_structure, definition_name
from k8slab.manifests import parse_yaml

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
FILES = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())

pytestmark = pytest.mark.skipif(not FILES, reason="../shared/corpus is not beside the checkout")


def _documents():
    docs = []
    for f in FILES:
        try:
            docs += [(f, d) for d in parse_yaml(f.read_text(encoding="utf-8"), str(f))]
        except kl.K8sLabError:
            pass
    return docs


DOCS = _documents()


def _fresh_lab_for(doc):
    lab = kl.Cluster(seed=0)
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    ns = meta.get("namespace")
    if isinstance(ns, str) and ns and lab.etcd.get(f"/registry/namespaces/{ns}") is None:
        try:
            lab.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        except kl.K8sLabError:
            pass
    return lab


def test_the_corpus_is_there():
    assert len(FILES) > 650 and len(DOCS) > 750


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_file_parses_or_fails_with_one_line(path):
    try:
        parse_yaml(path.read_text(encoding="utf-8"), str(path))
    except kl.ParseError as e:
        assert "\n" not in e.kubectl_message and e.kubectl_message.startswith("error: ")


def test_every_document_loads_or_fails_with_a_k8slab_error():
    """Supported kinds that the official schema accepts load; everything else fails with a one-line error."""
    loaded = unsupported = refused = 0
    for path, doc in DOCS:
        lab = _fresh_lab_for(doc)
        supported = resource_for_kind(doc.get("apiVersion"), doc.get("kind")) is not None
        try:
            lab.apply(doc)
            loaded += 1
            assert supported, f"{path}: an unsupported kind was accepted"
        except kl.Unsupported as e:
            unsupported += 1
            assert not supported
            assert e.kubectl_message == f'error: no matches for kind "{doc["kind"]}" in version "{doc["apiVersion"]}"'
        except kl.K8sLabError as e:
            refused += 1
            assert supported, f"{path}: {e}"
            errs = check_structure(doc, doc["apiVersion"], doc["kind"])
            semantic = isinstance(e, (kl.Invalid, kl.Forbidden, kl.NotFound))
            assert errs or semantic or isinstance(e, kl.BadRequest), f"{path}: refused a valid document: {e}"
            assert "\n" not in e.kubectl_message, e.kubectl_message
    assert loaded > 550 and unsupported > 100
    assert refused < 80


def test_schema_valid_supported_documents_always_load_unless_a_field_rule_says_no():
    """A document of a supported kind that passes the official schema is refused only by a named field rule."""
    for path, doc in DOCS:
        if resource_for_kind(doc.get("apiVersion"), doc.get("kind")) is None:
            continue
        if check_structure(doc, doc["apiVersion"], doc["kind"]):
            continue
        lab = _fresh_lab_for(doc)
        try:
            lab.apply(doc)
        except (kl.Invalid, kl.Forbidden) as e:
            assert ": " in e.message, f"{path}: {e}"
        except kl.BadRequest as e:  # values the schema cannot check: base64 data, quantities
            assert "illegal base64 data" in e.message or "quantities must match" in e.message, f"{path}: {e}"


SUPPORTED = [d for _, d in DOCS if resource_for_kind(d.get("apiVersion"), d.get("kind")) is not None
             and definition_name(d["apiVersion"], d["kind"])]


def _mutate(doc, data):
    """Replace, delete or retype one value somewhere in the document."""
    doc = copy.deepcopy(doc)
    paths = []

    def walk(node, path):
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + [k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, path + [i])

    walk(doc, [])
    path = data.draw(st.sampled_from(paths[1:] or [[]]))
    replacement = data.draw(st.one_of(
        st.none(), st.booleans(), st.integers(-2**40, 2**40), st.floats(allow_nan=False), st.text(max_size=12),
        st.lists(st.text(max_size=4), max_size=2), st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2),
        st.just("DELETE")))
    parent = doc
    for p in path[:-1]:
        parent = parent[p]
    if path:
        if replacement == "DELETE":
            del parent[path[-1]]
        else:
            parent[path[-1]] = replacement
    return doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(data=st.data())
def test_mutated_corpus_documents_raise_only_k8slab_errors(data):
    doc = data.draw(st.sampled_from(SUPPORTED))
    mutated = _mutate(doc, data)
    lab = kl.Cluster.from_preset("aks-3node")
    before = lab.etcd.dump()
    try:
        lab.apply(mutated)
    except kl.K8sLabError:
        assert lab.etcd.dump() == before
    else:
        lab.run(15)  # what was accepted must not crash the controllers, the scheduler or the kubelets either
    result = lab.kubectl("apply -f -", stdin=__import__("json").dumps(mutated))
    assert result.rc in (0, 1)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(text=st.text(max_size=200))
def test_arbitrary_text_raises_only_k8slab_errors(text):
    lab = kl.Cluster(seed=0)
    try:
        lab.apply(text)
    except kl.K8sLabError:
        pass
