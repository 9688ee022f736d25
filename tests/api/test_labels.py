"""Tests for k8slab.api.labels, transcribed from upstream labels/selector_test.go and meta/v1/helpers_test.go."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from k8slab.api.labels import (
    DOES_NOT_EXIST,
    DOUBLE_EQUALS,
    EQUALS,
    EXISTS,
    GREATER_THAN,
    IN,
    LESS_THAN,
    NOT_EQUALS,
    NOT_IN,
    Requirement,
    Selector,
    _lex,
    _new_requirement,
    parse_selector,
    selector_from,
)


def req(key, op, *values):
    return _new_requirement(key, op, sorted(set(values)))


# upstream: TestSelectorParse (String() equals the input without spaces)
GOOD = ["x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5"]


@pytest.mark.parametrize("text", GOOD, ids=[f"{t!r} restrings to itself" for t in GOOD])
def test_parse_then_string(text):
    assert str(parse_selector(text)) == text.replace(" ", "")


@pytest.mark.parametrize("text", ["x=a||y=b", "x==a==b", "!x=a", "x<a"], ids=lambda t: f"{t!r} is rejected")
def test_parse_rejects(text):
    with pytest.raises(ValueError):
        parse_selector(text)


def test_parse_is_deterministic():  # upstream: TestDeterministicParse
    assert str(parse_selector("x=a,a=x")) == str(parse_selector("a=x,x=a")) == "a=x,x=a"


# upstream: TestSelectorMatches (expectMatch / expectNoMatch)
MATCHES = [
    ("", {"x": "y"}, True), ("x=y", {"x": "y"}, True), ("x=y,z=w", {"x": "y", "z": "w"}, True),
    ("x!=y,z!=w", {"x": "z", "z": "a"}, True), ("notin=in", {"notin": "in"}, True), ("x", {"x": "z"}, True),
    ("!x", {"y": "z"}, True), ("x>1", {"x": "2"}, True), ("x<1", {"x": "0"}, True),
    ("x=z", {}, False), ("x=y", {"x": "z"}, False), ("x=y,z=w", {"x": "w", "z": "w"}, False),
    ("x!=y,z!=w", {"x": "z", "z": "w"}, False), ("x", {"y": "z"}, False), ("!x", {"x": "z"}, False),
    ("x>1", {"x": "0"}, False), ("x<1", {"x": "2"}, False),
    ("foo=bar", {"foo": "bar", "baz": "blah"}, True), ("baz=blah", {"foo": "bar", "baz": "blah"}, True),
    ("foo=bar,baz=blah", {"foo": "bar", "baz": "blah"}, True), ("foo=blah", {"foo": "bar", "baz": "blah"}, False),
    ("baz=bar", {"foo": "bar", "baz": "blah"}, False),
    ("foo=bar,foobar=bar,baz=blah", {"foo": "bar", "baz": "blah"}, False),
    ("x notin (a)", {}, True),  # NotIn matches objects lacking the key
]


@pytest.mark.parametrize(("text", "labels", "match"), MATCHES,
                         ids=[f"{t!r} {'matches' if m else 'does not match'} {ls}" for t, ls, m in MATCHES])
def test_selector_matches(text, labels, match):
    assert parse_selector(text).matches(labels) is match


def test_everything_and_nothing():  # upstream: TestEverything, TestNilMapIsValid, TestSetIsEmpty
    assert Selector.everything().matches({"x": "y"}) and Selector.everything().empty
    assert not Selector.nothing().matches({}) and not Selector.nothing().empty
    assert str(Selector.nothing()) == "" and Selector.nothing().requirements == ()


# upstream: TestLexer
@pytest.mark.parametrize(("text", "token"), [
    ("", "EndOfString"), (",", "Comma"), ("notin", "NotIn"), ("in", "In"), ("=", "Equals"), ("==", "DoubleEquals"),
    (">", "GreaterThan"), ("<", "LessThan"), ("!", "DoesNotExist"), ("!=", "NotEquals"), ("(", "OpenPar"),
    (")", "ClosedPar"), ("~", "Identifier"), ("||", "Identifier"),
], ids=lambda v: repr(v))
def test_lexer_reads_the_longest_token(text, token):
    assert _lex(text)[0] == (token, text)


# upstream: TestLexerSequence
@pytest.mark.parametrize(("text", "tokens"), [
    ("key in ( value )", "Identifier In OpenPar Identifier ClosedPar"),
    ("key notin ( value )", "Identifier NotIn OpenPar Identifier ClosedPar"),
    ("key in ( value1, value2 )", "Identifier In OpenPar Identifier Comma Identifier ClosedPar"),
    ("key", "Identifier"), ("!key", "DoesNotExist Identifier"), ("()", "OpenPar ClosedPar"),
    ("x in (),y", "Identifier In OpenPar ClosedPar Comma Identifier"),
    ("== != (), = notin", "DoubleEquals NotEquals OpenPar ClosedPar Comma Equals NotIn"),
    ("key>2", "Identifier GreaterThan Identifier"), ("key<1", "Identifier LessThan Identifier"),
], ids=lambda v: repr(v))
def test_lexer_sequence(text, tokens):
    assert [t for t, _ in _lex(text)] == tokens.split() + ["EndOfString"]


# upstream: TestRequirementConstructor
@pytest.mark.parametrize(("key", "op", "values", "ok"), [
    ("x", IN, None, False), ("x", NOT_IN, [], False), ("x", IN, ["foo"], True), ("x", NOT_IN, ["foo"], True),
    ("x", EXISTS, None, True), ("x", DOES_NOT_EXIST, None, True), ("1foo", IN, ["bar"], True),
    ("1234", IN, ["bar"], True), ("y", GREATER_THAN, ["1"], True), ("z", LESS_THAN, ["6"], True),
    ("foo", GREATER_THAN, ["bar"], False), ("barz", LESS_THAN, ["blah"], False), ("a" * 254, EXISTS, None, False),
], ids=lambda v: repr(v)[:20])
def test_requirement_constructor(key, op, values, ok):
    if ok:
        _new_requirement(key, op, values)
    else:
        with pytest.raises(ValueError):
            _new_requirement(key, op, values)


# upstream: TestToString
@pytest.mark.parametrize(("requirements", "text"), [
    ([req("x", IN, "abc", "def"), req("y", NOT_IN, "jkl"), req("z", EXISTS)], "x in (abc,def),y notin (jkl),z"),
    ([req("x", NOT_IN, "abc", "def"), req("y", NOT_EQUALS, "jkl"), req("z", DOES_NOT_EXIST)],
     "x notin (abc,def),y!=jkl,!z"),
    ([req("x", NOT_IN, "abc"), req("y", IN, "jkl", "mno"), req("z", NOT_IN, "")],
     "x notin (abc),y in (jkl,mno),z notin ()"),
    ([req("x", EQUALS, "abc"), req("y", DOUBLE_EQUALS, "jkl"), req("z", NOT_EQUALS, "a"), req("z", EXISTS)],
     "x=abc,y==jkl,z!=a,z"),
    ([req("x", GREATER_THAN, "2"), req("y", LESS_THAN, "8"), req("z", EXISTS)], "x>2,y<8,z"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_to_string(requirements, text):
    assert str(Selector(requirements)) == text


# upstream: TestRequirementSelectorMatching
@pytest.mark.parametrize(("labels", "requirements", "match"), [
    ({"x": "foo", "y": "baz"}, [req("x", IN, "foo"), req("y", NOT_IN, "alpha")], True),
    ({"x": "foo", "y": "baz"}, [req("x", IN, "foo"), req("y", IN, "alpha")], False),
    ({"y": ""}, [req("x", NOT_IN, ""), req("y", EXISTS)], True),
    ({"y": ""}, [req("x", DOES_NOT_EXIST), req("y", EXISTS)], True),
    ({"y": ""}, [req("x", NOT_IN, ""), req("y", DOES_NOT_EXIST)], False),
    ({"y": "baz"}, [req("x", IN, "")], False),
    ({"z": "2"}, [req("z", GREATER_THAN, "1")], True),
    ({"z": "v2"}, [req("z", GREATER_THAN, "1")], False),
], ids=lambda v: str(v) if isinstance(v, bool) else None)
def test_requirement_selector_matching(labels, requirements, match):
    assert Selector(requirements).matches(labels) is match


# upstream: TestSetSelectorParser (valid rows: the parsed requirements)
@pytest.mark.parametrize(("text", "requirements"), [
    ("", []), ("\rx", [req("x", EXISTS)]),
    ("this-is-a-dns.domain.com/key-with-dash", [req("this-is-a-dns.domain.com/key-with-dash", EXISTS)]),
    ("this-is-another-dns.domain.com/key-with-dash in (so,what)",
     [req("this-is-another-dns.domain.com/key-with-dash", IN, "so", "what")]),
    ("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
     [req("0.1.2.domain/99", NOT_IN, "10.10.100.1", "tick.tack.clock")]),
    ("foo  in\t (abc)", [req("foo", IN, "abc")]), ("x notin\n (abc)", [req("x", NOT_IN, "abc")]),
    ("x  notin\t\t\t(abc,def)", [req("x", NOT_IN, "abc", "def")]), ("x in (abc,def)", [req("x", IN, "abc", "def")]),
    ("x in (abc,)", [req("x", IN, "abc", "")]), ("x in ()", [req("x", IN, "")]),
    ("x notin (abc,def),bar,z in (),w",
     [req("bar", EXISTS), req("w", EXISTS), req("x", NOT_IN, "abc", "def"), req("z", IN, "")]),
    ("x,y in (a)", [req("y", IN, "a"), req("x", EXISTS)]),
    ("x=a", [req("x", EQUALS, "a")]), ("x>1", [req("x", GREATER_THAN, "1")]), ("x<7", [req("x", LESS_THAN, "7")]),
    ("x=a,y!=b", [req("x", EQUALS, "a"), req("y", NOT_EQUALS, "b")]),
    ("x=a,y!=b,z in (h,i,j)", [req("x", EQUALS, "a"), req("y", NOT_EQUALS, "b"), req("z", IN, "h", "i", "j")]),
    ("x notin ( )", [req("x", NOT_IN, "")]), ("x notin (, a)", [req("x", NOT_IN, "", "a")]),
    ("a ", [req("a", EXISTS)]), ("a in (x,y,notin, z,in)", [req("a", IN, "in", "notin", "x", "y", "z")]),
    # selector.go accepts bare keys joined by commas (kubectl -l 'environment,tier')
    ("x,y", [req("x", EXISTS), req("y", EXISTS)]),
], ids=lambda v: repr(v) if isinstance(v, str) else None)
def test_set_selector_parser(text, requirements):
    assert parse_selector(text) == Selector(requirements)


# upstream: TestSetSelectorParser invalid rows, with the texts selector.go produces
@pytest.mark.parametrize(("text", "message"), [
    ("x=a||y=b", "unable to parse requirement: values[0][x]: Invalid value: \"a||y\": a valid label must be an "
                 "empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
                 "an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation "
                 "is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
    (",x,y", "found ',', expected: !, identifier, or 'end of string'"),
    ("x nott in (y)", "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt"),
    ("env IN (a)", "unable to parse requirement: found 'IN', expected: in, notin, =, ==, !=, gt, lt"),
    ("a in (xyz),", "found '', expected: identifier after ','"),
    ("a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'"),
    ("a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'"),
    ("a notin(", "unable to parse requirement: found '', expected: ',', ')' or identifier"),
    ("a (", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"),
    ("(", "found '(', expected: !, identifier, or 'end of string'"),
    ("x==a==b", "found '==', expected: ',' or 'end of string'"),
    ("!x=a", "found '=', expected: ',' or 'end of string'"),
    ("x>=1", "unable to parse requirement: found '=', expected: identifier"),
    ("x<a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value "
            "must be an integer"),
    ("a:=b", "unable to parse requirement: <nil>: Invalid value: \"a:\": name part must consist of alphanumeric "
             "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  "
             "or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
], ids=lambda v: repr(v) if len(v) < 25 else None)
def test_parse_error_texts(text, message):
    with pytest.raises(ValueError) as err:
        parse_selector(text)
    assert str(err.value) == message


# upstream: TestLabelSelectorAsSelector (meta/v1/helpers_test.go)
BAZ_IN = [{"key": "baz", "operator": "In", "values": ["qux", "norf"]}]


@pytest.mark.parametrize(("label_selector", "text"), [
    ({"matchLabels": {"foo": "bar"}}, "foo=bar"),
    ({"matchExpressions": BAZ_IN}, "baz in (norf,qux)"),
    ({"matchLabels": {"foo": "bar"}, "matchExpressions": BAZ_IN}, "baz in (norf,qux),foo=bar"),
    ({"match_labels": {"b": "1", "a": "2"}}, "a=2,b=1"),
    ({"matchExpressions": [{"key": "k", "operator": "DoesNotExist"}]}, "!k"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_label_selector_as_selector(label_selector, text):
    # upstream compares fmt.Sprint of both selectors; values keep their given order inside
    assert str(selector_from(label_selector)) == str(parse_selector(text)) == text


def test_nil_selects_nothing_and_empty_selects_everything():
    assert selector_from(None) == Selector.nothing() and not selector_from(None).matches({"a": "b"})
    assert selector_from({}) == Selector.everything() and selector_from({}).matches({"a": "b"})


@pytest.mark.parametrize(("label_selector", "message"), [
    ({"matchExpressions": [{"key": "baz", "operator": "Exists", "values": ["qux", "norf"]}]},
     'values: Invalid value: []string{"qux", "norf"}: values set must be empty for exists and does not exist'),
    ({"matchExpressions": [{"key": "baz", "operator": "In", "values": []}]},
     "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"),
    ({"matchExpressions": [{"key": "baz", "operator": "Gt", "values": ["1"]}]},
     '"Gt" is not a valid label selector operator'),
    ({"matchLabels": {"app": "a b"}},
     "values[0][app]: Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric "
     "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
     "'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
], ids=["exists with values", "in without values", "unknown operator", "bad matchLabels value"])
def test_label_selector_errors(label_selector, message):
    with pytest.raises(ValueError) as err:
        selector_from(label_selector)
    assert str(err.value) == message


def test_requirement_is_a_value():
    assert req("a", IN, "x") == Requirement("a", IN, ("x",))


# --- properties --------------------------------------------------------------------------------------

KEYS = st.sampled_from(["app", "tier", "example.com/team", "x", "in", "notin"])
VALUES = st.sampled_from(["", "web", "api", "1", "2", "10", "in"])


@st.composite
def requirements(draw):
    op = draw(st.sampled_from([IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, EXISTS, DOES_NOT_EXIST,
                               GREATER_THAN, LESS_THAN]))
    key = draw(KEYS)
    if op in (EXISTS, DOES_NOT_EXIST):
        return _new_requirement(key, op, [])
    if op in (GREATER_THAN, LESS_THAN):
        return _new_requirement(key, op, [draw(st.sampled_from(["0", "1", "7", "10"]))])
    if op in (IN, NOT_IN):
        return _new_requirement(key, op, sorted(draw(st.sets(VALUES, min_size=1, max_size=3))))
    return _new_requirement(key, op, [draw(VALUES)])


LABEL_SETS = st.dictionaries(KEYS, VALUES, max_size=4)


@settings(max_examples=300, deadline=None)
@given(st.lists(requirements(), max_size=4), st.lists(LABEL_SETS, min_size=1, max_size=5))
def test_string_form_parses_back_to_a_selector_that_matches_the_same(reqs, label_sets):
    sel = Selector(reqs)
    again = parse_selector(str(sel))
    assert str(again) == str(sel)
    assert [again.matches(ls) for ls in label_sets] == [sel.matches(ls) for ls in label_sets]


SELECTOR_ALPHABET = st.sampled_from(list("ax=!(),<> \t1") + ["in", "notin", "\x00", "é", "/", "a/b"])


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=12), st.lists(SELECTOR_ALPHABET, max_size=12).map("".join)))
def test_any_text_parses_or_raises_value_error(text):
    try:
        sel = parse_selector(text)
    except ValueError:
        return
    assert parse_selector(str(sel)) == sel
