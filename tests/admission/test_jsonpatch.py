"""JSON Patch: RFC 6902 examples, and diff/apply round trips."""

import pytest
from hypothesis import given, strategies as st

from k8slab.admission.jsonpatch import JSONPatchError, apply_patch, diff

# upstream: RFC 6902 Appendix A (examples A.1-A.10, A.14, A.16)
RFC_EXAMPLES = [
    ("A.1 adding an object member", {"foo": "bar"}, [{"op": "add", "path": "/baz", "value": "qux"}],
     {"baz": "qux", "foo": "bar"}),
    ("A.2 adding an array element", {"foo": ["bar", "baz"]}, [{"op": "add", "path": "/foo/1", "value": "qux"}],
     {"foo": ["bar", "qux", "baz"]}),
    ("A.3 removing an object member", {"baz": "qux", "foo": "bar"}, [{"op": "remove", "path": "/baz"}],
     {"foo": "bar"}),
    ("A.4 removing an array element", {"foo": ["bar", "qux", "baz"]}, [{"op": "remove", "path": "/foo/1"}],
     {"foo": ["bar", "baz"]}),
    ("A.5 replacing a value", {"baz": "qux", "foo": "bar"}, [{"op": "replace", "path": "/baz", "value": "boo"}],
     {"baz": "boo", "foo": "bar"}),
    ("A.6 moving a value", {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
     [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
     {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}}),
    ("A.7 moving an array element", {"foo": ["all", "grass", "cows", "eat"]},
     [{"op": "move", "from": "/foo/1", "path": "/foo/3"}], {"foo": ["all", "cows", "eat", "grass"]}),
    ("A.8 testing a value: success", {"baz": "qux", "foo": ["a", 2, "c"]},
     [{"op": "test", "path": "/baz", "value": "qux"}, {"op": "test", "path": "/foo/1", "value": 2}],
     {"baz": "qux", "foo": ["a", 2, "c"]}),
    ("A.10 adding a nested member object", {"foo": "bar"}, [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
     {"foo": "bar", "child": {"grandchild": {}}}),
    ("A.14 ~ escape ordering", {"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": 10}], {"/": 9, "~1": 10}),
    ("A.16 adding an array value", {"foo": ["bar"]}, [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
     {"foo": ["bar", ["abc", "def"]]}),
]


@pytest.mark.parametrize("case,doc,ops,expected", RFC_EXAMPLES, ids=[c[0] for c in RFC_EXAMPLES])
def test_rfc6902_examples_apply(case, doc, ops, expected):
    assert apply_patch(doc, ops) == expected


@pytest.mark.parametrize("case,doc,ops", [
    ("A.9 testing a value: error", {"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}]),
    ("A.12 adding to a nonexistent target", {"foo": "bar"}, [{"op": "add", "path": "/baz/bat", "value": "qux"}]),
    ("removing a missing member", {"foo": "bar"}, [{"op": "remove", "path": "/baz"}]),
], ids=lambda v: v if isinstance(v, str) else None)
def test_rfc6902_errors_are_refused(case, doc, ops):
    with pytest.raises(JSONPatchError):
        apply_patch(doc, ops)


def test_apply_does_not_change_its_input():
    doc = {"a": [1]}
    apply_patch(doc, [{"op": "add", "path": "/a/-", "value": 2}])
    assert doc == {"a": [1]}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(alphabet="ab/~", max_size=3),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(alphabet="ab/~", max_size=3), children,
                                                                       max_size=3),
    max_leaves=10)


@given(json_values, json_values)
def test_diff_then_apply_gives_the_new_document(old, new):
    assert apply_patch(old, diff(old, new)) == new
