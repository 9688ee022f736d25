"""Tests for k8slab.api.names, transcribed from upstream util/validation/validation_test.go."""

import pytest

from k8slab.api.names import (
    is_dns1035_label,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_label_value,
)

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
    "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
NAME_PART_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
    "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)


def cases(good, bad):
    return [pytest.param(v, True, id=f"{v[:20]!r} is valid") for v in good] + [
        pytest.param(v, False, id=f"{v[:20]!r} is invalid") for v in bad]


# upstream: TestIsDNS1123Label
@pytest.mark.parametrize(("value", "ok"), cases(
    ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2", "a" * 63],
    ["", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_", "_a", "a_b", "1_", "_1",
     "1_2", ".", "a.", ".a", "a.b", "1.", ".1", "1.2", " ", "a ", " a", "a b", "1 ", " 1", "1 2", "a" * 64,
     "a\n"]))
def test_dns1123_label(value, ok):
    assert (is_dns1123_label(value) == []) is ok


# upstream: TestIsDNS1123Subdomain
@pytest.mark.parametrize(("value", "ok"), cases(
    ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2", "a.a", "ab.a",
     "abc.a", "a1.a", "a-1.a", "a--1--2--b.a", "a.1", "ab.1", "abc.1", "a1.1", "a-1.1", "a--1--2--b.1", "0.a",
     "01.a", "012.a", "1a.a", "1-a.a", "0.1", "01.1", "012.1", "1a.1", "1-a.1", "1--a--b--2.1", "a.b.c.d.e",
     "aa.bb.cc.dd.ee", "1.2.3.4.5", "11.22.33.44.55", "a" * 253],
    ["", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_", "_a", "a_b", "1_", "_1",
     "1_2", ".", "a.", ".a", "a..b", "1.", ".1", "1..2", " ", "a ", " a", "a b", "1 ", " 1", "1 2", "A.a", "aB.a",
     "ab.A", "A1.a", "a1.A", "A.1", "aB.1", "A1.1", "1A.1", "0.A", "01.A", "012.A", "1A.a", "1a.A", "A.B.C.D.E",
     "AA.BB.CC.DD.EE", "a.B.c.d.e", "aa.bB.cc.dd.ee", "a@b", "a,b", "a;b", "a:b", "a%b", "a?b", "a$b",
     "a" * 254]))
def test_dns1123_subdomain(value, ok):
    assert (is_dns1123_subdomain(value) == []) is ok


# upstream: TestIsDNS1035Label
@pytest.mark.parametrize(("value", "ok"), cases(
    ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "a" * 63],
    ["0", "01", "012", "1a", "1-a", "1--a--b--2", "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-",
     "-1", "_", "a_", "_a", "a_b", "1_", "_1", "1_2", ".", "a.", ".a", "a.b", "1.", ".1", "1.2", " ", "a ", " a",
     "a b", "1 ", " 1", "1 2", "a" * 64]))
def test_dns1035_label(value, ok):
    assert (is_dns1035_label(value) == []) is ok


# upstream: TestIsQualifiedName
@pytest.mark.parametrize(("value", "ok"), cases(
    ["simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple", "now-with-dashes/simple",
     "now-with-dashes/now-with-dashes", "now.with.dots/simple", "now-with.dashes-and.dots/simple", "1-num.2-num/3-num",
     "1234/5678", "1.2.3.4/5678", "Uppercase_Is_OK_123", "example.com/Uppercase_Is_OK_123", "requests.storage-foo",
     "a" * 63, "a" * 253 + "/" + "b" * 63],
    ["nospecialchars%^=@", "cantendwithadash-", "-cantstartwithadash-", "only/one/slash", "Example.com/abc",
     "example_com/abc", "example.com/", "/simple", "a" * 64, "a" * 254 + "/abc"]))
def test_qualified_name(value, ok):
    assert (is_qualified_name(value) == []) is ok


# upstream: TestIsValidLabelValue
@pytest.mark.parametrize(("value", "ok"), cases(
    ["simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", "a" * 63, ""],
    ["nospecialchars%^=@", "Tama-nui-te-rā.is.Māori.sun", "\\backslashes\\are\\bad", "-starts-with-dash",
     "ends-with-dash-", ".starts.with.dot", "ends.with.dot.", "a" * 64]))
def test_label_value(value, ok):
    assert (is_valid_label_value(value) == []) is ok


@pytest.mark.parametrize(("check", "value", "errors"), [
    (is_dns1123_subdomain, "Web", [SUBDOMAIN_MSG]),
    (is_dns1123_subdomain, "a" * 254, ["must be no more than 253 characters"]),
    (is_dns1123_subdomain, "-" * 254, ["must be no more than 253 characters", SUBDOMAIN_MSG]),
    (is_dns1123_label, "a.b", ["must not contain dots"]),
    (is_dns1123_label, "a_b", [LABEL_MSG]),
    (is_dns1123_label, "a" * 64, ["must be no more than 63 characters"]),
    (is_dns1035_label, "1web", [DNS1035_MSG]),
    (is_qualified_name, "a:", [NAME_PART_MSG]),
    (is_qualified_name, "/simple", ["prefix part must be non-empty"]),
    (is_qualified_name, "Example.com/abc", ["prefix part " + SUBDOMAIN_MSG]),
    (is_qualified_name, "example.com/", ["name part must be non-empty", NAME_PART_MSG]),
    (is_qualified_name, "a" * 64, ["name part must be no more than 63 characters"]),
    (is_qualified_name, "a/b/c", [
        "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' "
        "(e.g. 'example.com/MyName')"]),
    (is_valid_label_value, "-x", [VALUE_MSG]),
    # Go measures length in UTF-8 bytes: 32 two-byte characters are 64 bytes
    (is_valid_label_value, "é" * 32, ["must be no more than 63 characters", VALUE_MSG]),
], ids=lambda v: v.__name__ if callable(v) else None)
def test_exact_error_texts(check, value, errors):
    assert check(value) == errors
