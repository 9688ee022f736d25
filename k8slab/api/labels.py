"""Label selectors: kubectl's ``-l`` grammar and metav1.LabelSelector, matched as upstream does."""

# upstream: staging/src/k8s.io/apimachinery/pkg/labels/selector.go
# upstream: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go (LabelSelectorAsSelector)

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from k8slab.api.names import is_qualified_name, is_valid_label_value

__all__ = ["Requirement", "Selector", "parse_selector", "selector_from"]

# upstream: k8s.io/apimachinery/pkg/selection/operator.go
DOES_NOT_EXIST, EQUALS, DOUBLE_EQUALS, IN, NOT_EQUALS, NOT_IN = "!", "=", "==", "in", "!=", "notin"
EXISTS, GREATER_THAN, LESS_THAN = "exists", "gt", "lt"
_BINARY_OPERATORS = (IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN)
_VALID_OPERATORS = _BINARY_OPERATORS + (EXISTS, DOES_NOT_EXIST)
_INT64_RE = re.compile(r"[+-]?[0-9]+")  # what strconv.ParseInt(s, 10, 64) accepts, range aside


def _parse_int64(text: str) -> int | None:
    if not _INT64_RE.fullmatch(text):
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


def _go_quote(s: str) -> str:
    """Go's strconv.Quote (the %q verb), for error texts."""
    out = []
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\a\b\f\n\r\t\v":
            out.append("\\" + "abfnrtv"["\a\b\f\n\r\t\v".index(ch)])
        elif ch == " " or (ch.isprintable() and o != 0x7F):
            out.append(ch)
        elif o < 0x80:
            out.append(f"\\x{o:02x}")
        else:
            out.append(f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}")
    return '"' + "".join(out) + '"'


def _go_slice(values: list[str] | None) -> str:
    """Go's %#v of a []string: []string{"a", "b"} or []string(nil)."""
    if values is None:
        return "[]string(nil)"
    return "[]string{" + ", ".join(map(_go_quote, values)) + "}"


def _invalid(path: str, shown: str, detail: str) -> str:
    """field.Invalid(path, value, detail).Error()."""
    return f"{path}: Invalid value: {shown}: {detail}"


def _aggregate(errs: list[str]) -> str:
    """utilerrors.Aggregate.Error(): one message, or "[a, b]" without duplicates."""
    unique = list(dict.fromkeys(errs))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


@dataclass(frozen=True, slots=True)
class Requirement:
    """One term of a selector: a key, an operator and its values (upstream ``labels.Requirement``)."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether a label set satisfies this requirement; upstream ``Requirement.Matches``."""
        op = self.operator
        if op in (IN, EQUALS, DOUBLE_EQUALS):
            return self.key in labels and labels[self.key] in self.values
        if op in (NOT_IN, NOT_EQUALS):
            return self.key not in labels or labels[self.key] not in self.values
        if op == EXISTS:
            return self.key in labels
        if op == DOES_NOT_EXIST:
            return self.key not in labels
        if op in (GREATER_THAN, LESS_THAN):
            if self.key not in labels or len(self.values) != 1:
                return False
            have, want = _parse_int64(labels[self.key]), _parse_int64(self.values[0])
            if have is None or want is None:
                return False
            return have > want if op == GREATER_THAN else have < want
        return False

    def __str__(self) -> str:
        # upstream: Requirement.String
        op = self.operator
        head = ("!" if op == DOES_NOT_EXIST else "") + self.key
        if op in (EXISTS, DOES_NOT_EXIST):
            return head
        sym = {EQUALS: "=", DOUBLE_EQUALS: "==", NOT_EQUALS: "!=", IN: " in ", NOT_IN: " notin ",
               GREATER_THAN: ">", LESS_THAN: "<"}.get(op, "")
        vals = self.values[0] if len(self.values) == 1 else ",".join(sorted(self.values))
        return f"{head}{sym}({vals})" if op in (IN, NOT_IN) else f"{head}{sym}{vals}"


def _new_requirement(key: str, op: str, vals: list[str] | None) -> Requirement:
    """Validate and build a requirement; upstream ``NewRequirement`` (paths relative to the requirement)."""
    errs = []
    if key_errs := is_qualified_name(key):
        errs.append(_invalid("key", _go_quote(key), "; ".join(key_errs)))
    values = vals or []
    if op in (IN, NOT_IN):
        if not values:
            errs.append(_invalid("values", _go_slice(vals), "for 'in', 'notin' operators, values set can't be empty"))
    elif op in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS):
        if len(values) != 1:
            errs.append(_invalid("values", _go_slice(vals), "exact-match compatibility requires one single value"))
    elif op in (EXISTS, DOES_NOT_EXIST):
        if values:
            errs.append(_invalid("values", _go_slice(vals), "values set must be empty for exists and does not exist"))
    elif op in (GREATER_THAN, LESS_THAN):
        if len(values) != 1:
            errs.append(_invalid("values", _go_slice(vals), "for 'Gt', 'Lt' operators, exactly one value is required"))
        for i, v in enumerate(values):
            if _parse_int64(v) is None:
                errs.append(_invalid(f"values[{i}]", _go_quote(v), "for 'Gt', 'Lt' operators, the value must be an integer"))
    else:
        supported = ", ".join(map(_go_quote, _VALID_OPERATORS))
        errs.append(f"operator: Unsupported value: {_go_quote(op)}: supported values: {supported}")
    for i, v in enumerate(values):
        if val_errs := is_valid_label_value(v):
            errs.append(_invalid(f"values[{i}][{key}]", _go_quote(v), "; ".join(val_errs)))
    if errs:
        raise ValueError(_aggregate(errs))
    return Requirement(key, op, tuple(values))


class Selector:
    """An AND of requirements, sorted by key; or the selector that matches nothing.

    Examples
    --------
    >>> sel = parse_selector("tier=web,app in (web,api),!canary")
    >>> str(sel), sel.matches({"app": "web", "tier": "web"}), sel.matches({"app": "db", "tier": "web"})
    ('app in (api,web),!canary,tier=web', True, False)
    """

    __slots__ = ("requirements", "selectable", "_equality")

    def __init__(self, requirements=(), *, selectable: bool = True):
        # upstream: internalSelector.Add sorts by key (Python's sort is stable; Go's only for <= 12 terms)
        object.__setattr__(self, "requirements", tuple(sorted(requirements, key=lambda r: r.key)))
        object.__setattr__(self, "selectable", selectable)
        # performance only: when every term is =, == or in (matchLabels, the common case), matches() checks
        # (key, values) pairs directly instead of dispatching on the operator per term and per object
        eq = tuple((r.key, r.values) for r in self.requirements if r.operator in (IN, EQUALS, DOUBLE_EQUALS))
        object.__setattr__(self, "_equality", eq if len(eq) == len(self.requirements) else None)

    def __setattr__(self, name, value):
        raise AttributeError("Selector is immutable")

    @classmethod
    def everything(cls) -> Selector:
        """The selector that matches every object (upstream ``labels.Everything``)."""
        return cls()

    @classmethod
    def nothing(cls) -> Selector:
        """The selector that matches no object (upstream ``labels.Nothing``)."""
        return cls(selectable=False)

    @property
    def empty(self) -> bool:
        """True when the selector does not restrict anything (``Nothing`` is not empty)."""
        return self.selectable and not self.requirements

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """Whether an object with these labels is selected."""
        if not self.selectable:
            return False
        labels = labels or {}
        eq = self._equality
        if eq is not None:
            for key, values in eq:  # Requirement.matches for IN/EQUALS: key present and its value among values
                if key not in labels or labels[key] not in values:
                    return False
            return True
        return all(r.matches(labels) for r in self.requirements)

    def __str__(self) -> str:
        return ",".join(map(str, self.requirements))

    def __repr__(self) -> str:
        return f"Selector({str(self)!r})" if self.selectable else "Selector.nothing()"

    def __eq__(self, other):
        if not isinstance(other, Selector):
            return NotImplemented
        return (self.selectable, self.requirements) == (other.selectable, other.requirements)

    def __hash__(self) -> int:
        return hash((self.selectable, self.requirements))


# --- lexer and parser (upstream: selector.go Lexer, Parser) -----------------------------------------

_TOKENS = {")": "ClosedPar", ",": "Comma", "!": "DoesNotExist", "==": "DoubleEquals", "=": "Equals",
           ">": "GreaterThan", "in": "In", "<": "LessThan", "!=": "NotEquals", "notin": "NotIn", "(": "OpenPar"}
_SPECIAL = frozenset("=!(),><")
_WHITESPACE = frozenset(" \t\r\n")
_OPERATOR_OF = {"In": IN, "Equals": EQUALS, "DoubleEquals": DOUBLE_EQUALS, "GreaterThan": GREATER_THAN,
                "LessThan": LESS_THAN, "NotIn": NOT_IN, "NotEquals": NOT_EQUALS}


def _lex(s: str) -> list[tuple[str, str]]:
    """Tokenize like upstream's Lexer; a NUL character reads as the end of the string, as in Go."""
    items, pos, n = [], 0, len(s)

    def read() -> str:
        nonlocal pos
        if pos < n:
            pos += 1
            return s[pos - 1]
        return "\0"

    while True:
        ch = read()
        while ch in _WHITESPACE:
            ch = read()
        if ch == "\0":
            items.append(("EndOfString", ""))
            return items
        pos -= 1
        buf = ""
        if ch in _SPECIAL:
            last = None
            while (ch := read()) != "\0":
                if ch not in _SPECIAL:
                    pos -= 1
                    break
                buf += ch
                if buf in _TOKENS:
                    last = (_TOKENS[buf], buf)
                elif last is not None:
                    pos -= 1
                    break
            items.append(last or ("Error", f"error expected: keyword found '{buf}'"))
        else:
            while (ch := read()) != "\0":
                if ch in _SPECIAL or ch in _WHITESPACE:
                    pos -= 1
                    break
                buf += ch
            items.append((_TOKENS.get(buf, "Identifier"), buf))


class _Parser:
    def __init__(self, text: str):
        self.items = _lex(text)
        self.position = 0

    def lookahead(self, values: bool = True) -> tuple[str, str]:
        tok, lit = self.items[self.position]
        return ("Identifier", lit) if values and tok in ("In", "NotIn") else (tok, lit)

    def consume(self, values: bool = True) -> tuple[str, str]:
        item = self.lookahead(values)
        self.position += 1
        return item

    def parse(self) -> list[Requirement]:
        requirements = []
        while True:
            tok, lit = self.lookahead()
            if tok in ("Identifier", "DoesNotExist"):
                try:
                    requirements.append(self.parse_requirement())
                except ValueError as err:
                    raise ValueError(f"unable to parse requirement: {err}") from None
                tok, lit = self.consume()
                if tok == "EndOfString":
                    return requirements
                if tok != "Comma":
                    raise ValueError(f"found '{lit}', expected: ',' or 'end of string'")
                tok2, lit2 = self.lookahead()
                if tok2 not in ("Identifier", "DoesNotExist"):
                    raise ValueError(f"found '{lit2}', expected: identifier after ','")
            elif tok == "EndOfString":
                return requirements
            else:
                raise ValueError(f"found '{lit}', expected: !, identifier, or 'end of string'")

    def parse_requirement(self) -> Requirement:
        operator = ""
        tok, key = self.consume()
        if tok == "DoesNotExist":
            operator = DOES_NOT_EXIST
            tok, key = self.consume()
        if tok != "Identifier":
            raise ValueError(f"found '{key}', expected: identifier")
        if key_errs := is_qualified_name(key):
            raise ValueError(_invalid("<nil>", _go_quote(key), "; ".join(key_errs)))
        if self.lookahead()[0] in ("EndOfString", "Comma"):
            return _new_requirement(key, operator or EXISTS, [])
        if operator == DOES_NOT_EXIST:
            return _new_requirement(key, operator, [])
        tok, lit = self.consume(values=False)
        if tok not in _OPERATOR_OF:
            raise ValueError(f"found '{lit}', expected: {', '.join(_BINARY_OPERATORS)}")
        operator = _OPERATOR_OF[tok]
        values = self.parse_values() if operator in (IN, NOT_IN) else self.parse_exact_value()
        return _new_requirement(key, operator, sorted(values))  # sets.String.List() is sorted

    def parse_values(self) -> set[str]:
        tok, lit = self.consume()
        if tok != "OpenPar":
            raise ValueError(f"found '{lit}' expected: '('")
        tok, lit = self.lookahead()
        if tok in ("Identifier", "Comma"):
            values = self.parse_identifiers_list()
            if self.consume()[0] != "ClosedPar":
                raise ValueError(f"found '{lit}', expected: ')'")
            return values
        if tok == "ClosedPar":  # "()"
            self.consume()
            return {""}
        raise ValueError(f"found '{lit}', expected: ',', ')' or identifier")

    def parse_identifiers_list(self) -> set[str]:
        values: set[str] = set()
        while True:
            tok, lit = self.consume()
            if tok == "Identifier":
                values.add(lit)
                tok2, lit2 = self.lookahead()
                if tok2 == "Comma":
                    continue
                if tok2 == "ClosedPar":
                    return values
                raise ValueError(f"found '{lit2}', expected: ',' or ')'")
            if tok == "Comma":  # "(," ",," and ",)" each add the empty value
                if not values:
                    values.add("")
                tok2 = self.lookahead()[0]
                if tok2 == "ClosedPar":
                    values.add("")
                    return values
                if tok2 == "Comma":
                    values.add("")
            else:
                raise ValueError(f"found '{lit}', expected: ',', or identifier")

    def parse_exact_value(self) -> set[str]:
        if self.lookahead()[0] in ("EndOfString", "Comma"):
            return {""}
        tok, lit = self.consume()
        if tok == "Identifier":
            return {lit}
        raise ValueError(f"found '{lit}', expected: identifier")


def parse_selector(text: str) -> Selector:
    """Parse a label selector in kubectl's ``-l`` syntax; upstream ``labels.Parse``.

    Parameters
    ----------
    text : str
        E.g. ``"app=web"``, ``"env in (prod,staging),!canary"``, ``"tier notin (db)"``, ``"gen>1"``.

    Returns
    -------
    Selector
        The empty string gives the selector that matches everything.

    Raises
    ------
    ValueError
        With upstream's message.

    Examples
    --------
    >>> str(parse_selector("x in (b,a), y!=c ,z"))
    'x in (a,b),y!=c,z'
    >>> parse_selector("x<a")
    Traceback (most recent call last):
    ...
    ValueError: unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, \
the value must be an integer
    """
    return Selector(_Parser(text).parse())


def _get(obj, camel: str, snake: str):
    if isinstance(obj, Mapping):
        return obj.get(camel, obj.get(snake))
    return getattr(obj, snake, None)


_EXPRESSION_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}


def selector_from(label_selector) -> Selector:
    """Convert a metav1.LabelSelector (dict or model) to a Selector; upstream ``LabelSelectorAsSelector``.

    ``None`` selects nothing; an empty selector selects everything. ``NotIn`` and
    ``DoesNotExist`` also match objects that lack the key.

    Examples
    --------
    >>> sel = selector_from({"matchLabels": {"app": "web"},
    ...                      "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]})
    >>> str(sel), sel.matches({"app": "web"}), sel.matches({"app": "web", "tier": "db"})
    ('app=web,tier notin (db)', True, False)
    >>> selector_from(None).matches({}), selector_from({}).matches({})
    (False, True)
    """
    if label_selector is None:
        return Selector.nothing()
    match_labels = _get(label_selector, "matchLabels", "match_labels") or {}
    expressions = _get(label_selector, "matchExpressions", "match_expressions") or []
    if not match_labels and not expressions:
        return Selector.everything()
    requirements = []
    for key in sorted(match_labels):  # Go ranges over a map in random order: sorted here, deterministic
        requirements.append(_new_requirement(key, EQUALS, [match_labels[key]]))
    for expr in expressions:
        operator = _get(expr, "operator", "operator")
        if operator not in _EXPRESSION_OPERATORS:
            raise ValueError(f"{_go_quote(str(operator))} is not a valid label selector operator")
        values = _get(expr, "values", "values")
        key = _get(expr, "key", "key") or ""
        requirements.append(_new_requirement(key, _EXPRESSION_OPERATORS[operator], list(values) if values else None))
    return Selector(requirements)
