"""Name, label key and label value checks with upstream's exact error texts."""

# upstream: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go
# upstream: staging/src/k8s.io/apimachinery/pkg/api/validate/content/{dns.go,kube.go,errors.go}

from __future__ import annotations

import re

__all__ = [
    "is_dns1035_label",
    "is_dns1123_label",
    "is_dns1123_subdomain",
    "is_qualified_name",
    "is_valid_label_value",
    "max_len_error",
    "regex_error",
]

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL_ERR_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
DNS1123_LABEL_MAX_LENGTH = 63
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1123_SUBDOMAIN_ERR_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)
DNS1123_SUBDOMAIN_MAX_LENGTH = 253
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
DNS1035_LABEL_ERR_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
    "start with an alphabetic character, and end with an alphanumeric character"
)
DNS1035_LABEL_MAX_LENGTH = 63
LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_KEY_ERR_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
)
LABEL_KEY_MAX_LENGTH = 63
LABEL_VALUE_FMT = "(" + LABEL_KEY_FMT + ")?"
LABEL_VALUE_ERR_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
LABEL_VALUE_MAX_LENGTH = 63

# Go's regexp "^...$" matches the whole text; Python's fullmatch does the same ("$" alone would
# also accept a trailing newline).
_DNS1123_LABEL_RE = re.compile(DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN_RE = re.compile(DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL_RE = re.compile(DNS1035_LABEL_FMT)
_LABEL_KEY_RE = re.compile(LABEL_KEY_FMT)
_LABEL_VALUE_RE = re.compile(LABEL_VALUE_FMT)


def _nbytes(value: str) -> int:
    """Length as Go's len() measures it: UTF-8 bytes."""
    return len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))


def max_len_error(length: int) -> str:
    """Upstream ``MaxLenError``.

    Wording as in Kubernetes 1.35 and earlier ("characters"; later upstream says "bytes").

    Examples
    --------
    >>> max_len_error(63)
    'must be no more than 63 characters'
    """
    return f"must be no more than {length} characters"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """Upstream ``RegexError``: the message, examples and the regex used.

    Examples
    --------
    >>> regex_error("must be digits", "[0-9]+", "1", "23")
    "must be digits (e.g. '1',  or '23', regex used for validation is '[0-9]+')"
    """
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    return msg + " (e.g. " + " or ".join(f"'{e}', " for e in examples) + f"regex used for validation is '{fmt}')"


def is_dns1123_label(value: str) -> list[str]:
    """Errors for a DNS (RFC 1123) label such as a namespace name; upstream ``IsDNS1123Label``.

    Examples
    --------
    >>> is_dns1123_label("web-1")
    []
    >>> is_dns1123_label("a.b")
    ['must not contain dots']
    """
    errs = []
    if _nbytes(value) > DNS1123_LABEL_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_LABEL_MAX_LENGTH))
    if not _DNS1123_LABEL_RE.fullmatch(value):
        if _DNS1123_SUBDOMAIN_RE.fullmatch(value):
            errs.append("must not contain dots")  # a valid subdomain, so it must be the dots
        else:
            errs.append(regex_error(DNS1123_LABEL_ERR_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    """Errors for a DNS (RFC 1123) subdomain such as most object names; upstream ``IsDNS1123Subdomain``.

    Examples
    --------
    >>> is_dns1123_subdomain("example.com")
    []
    >>> is_dns1123_subdomain("Web")  # doctest: +NORMALIZE_WHITESPACE
    ["a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must
    start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is
    '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]
    """
    errs = []
    if _nbytes(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _DNS1123_SUBDOMAIN_RE.fullmatch(value):
        errs.append(regex_error(DNS1123_SUBDOMAIN_ERR_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    """Errors for a DNS (RFC 1035) label such as a Service name; upstream ``IsDNS1035Label``.

    Examples
    --------
    >>> is_dns1035_label("web")
    []
    >>> is_dns1035_label("1web")  # doctest: +NORMALIZE_WHITESPACE
    ["a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic
    character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for
    validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"]
    """
    errs = []
    if _nbytes(value) > DNS1035_LABEL_MAX_LENGTH:
        errs.append(max_len_error(DNS1035_LABEL_MAX_LENGTH))
    if not _DNS1035_LABEL_RE.fullmatch(value):
        errs.append(regex_error(DNS1035_LABEL_ERR_MSG, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def is_qualified_name(value: str) -> list[str]:
    """Errors for a qualified name (label key, annotation key): ``[prefix/]name``; upstream ``IsLabelKey``.

    Examples
    --------
    >>> is_qualified_name("app.kubernetes.io/name")
    []
    >>> is_qualified_name("example.com/")
    ['name part must be non-empty', "name part must consist of alphanumeric characters, '-', '_' or '.', \
and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', \
regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"]
    """
    errs = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in is_dns1123_subdomain(prefix))
    else:
        return [
            "a valid label key "
            + regex_error(LABEL_KEY_ERR_MSG, LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif _nbytes(name) > LABEL_KEY_MAX_LENGTH:
        errs.append("name part " + max_len_error(LABEL_KEY_MAX_LENGTH))
    if not _LABEL_KEY_RE.fullmatch(name):
        errs.append("name part " + regex_error(LABEL_KEY_ERR_MSG, LABEL_KEY_FMT, "MyName", "my.name", "123-abc"))
    return errs


def is_valid_label_value(value: str) -> list[str]:
    """Errors for a label value (empty is allowed); upstream ``IsValidLabelValue``.

    Examples
    --------
    >>> is_valid_label_value(""), is_valid_label_value("v1.2_beta")
    ([], [])
    >>> is_valid_label_value("a" * 64)[0]
    'must be no more than 63 characters'
    """
    errs = []
    if _nbytes(value) > LABEL_VALUE_MAX_LENGTH:
        errs.append(max_len_error(LABEL_VALUE_MAX_LENGTH))
    if not _LABEL_VALUE_RE.fullmatch(value):
        errs.append(regex_error(LABEL_VALUE_ERR_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs
