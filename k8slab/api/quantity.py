"""Resource quantities ("500m", "1.5Gi") parsed and printed exactly as k8s.io/apimachinery does."""

# upstream: staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go, suffix.go, amount.go

from __future__ import annotations

import decimal
import functools
import re
from decimal import ROUND_UP, Decimal

__all__ = [
    "BINARY_SI",
    "DECIMAL_EXPONENT",
    "DECIMAL_SI",
    "Quantity",
    "bytes_value",
    "cpu_millis",
    "parse_quantity",
]

DECIMAL_EXPONENT = "DecimalExponent"  # e.g. 12e6
BINARY_SI = "BinarySI"  # e.g. 12Mi (12 * 2^20)
DECIMAL_SI = "DecimalSI"  # e.g. 12M (12 * 10^6)

# upstream: quantity.go splitREString, ErrFormatWrong, ErrNumeric, ErrSuffix
SPLIT_RE_STRING = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT_WRONG = "quantities must match the regular expression '" + SPLIT_RE_STRING + "'"
ERR_NUMERIC = "unable to parse numeric part of quantity"
ERR_SUFFIX = "unable to parse quantity's suffix"

_DIGITS = frozenset("0123456789")
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
# upstream: suffix.go newSuffixer (decimal and binary suffix tables)
_DEC_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BIN_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DEC_BY_EXP = {e: s for s, e in _DEC_SUFFIXES.items()}
_BIN_BY_EXP = {e: s for s, e in _BIN_SUFFIXES.items()}
_EXPONENT_RE = re.compile(r"[+-]?[0-9]+")  # what strconv.ParseInt(s, 10, 64) accepts
_MAX_INT32 = 2**31 - 1
_MAX_INT64 = 2**63 - 1
_MAX_INT64_DEC = Decimal(_MAX_INT64)  # upstream: maxAllowed, the BinarySI cap
_NANO = Decimal("1e-9")
# Exact arithmetic: no rounding, exponents as wide as upstream's int32 scale.
_CTX = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def _split(text: str) -> tuple[bool, str, str, str, str]:
    """Scan text into (positive, value, num, denom, suffix); upstream parseQuantityString."""
    positive, pos, end = True, 0, len(text)
    if end and text[0] in "+-":
        positive = text[0] == "+"
        pos = 1
    while pos < end and text[pos] == "0":  # strip leading zeros
        pos += 1
    if pos >= end:
        return positive, "0", "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[start:pos] or "0"
    if pos >= end:
        return positive, text, num, "", ""
    denom = ""
    if text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
        if pos >= end:
            return positive, text, num, denom, ""
    value, suffix_start = text[:pos], pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:  # a character that is neither suffix, sign nor digit
        raise ValueError(ERR_FORMAT_WRONG)
    return positive, value, num, denom, text[suffix_start:]


def _interpret(suffix: str) -> tuple[int, int, str]:
    """Return (base, exponent, format) of a suffix; upstream suffixHandler.interpret."""
    if suffix in _DEC_SUFFIXES:
        return 10, _DEC_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BIN_SUFFIXES:
        return 2, _BIN_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE" and _EXPONENT_RE.fullmatch(suffix[1:]):
        exponent = int(suffix[1:])
        # Exponents past the int32 scale are rejected rather than truncated
        # (upstream TestInterpretExponentInt32Bounds).
        if -_MAX_INT32 <= exponent <= _MAX_INT32:
            return 10, exponent, DECIMAL_EXPONENT
    raise ValueError(ERR_SUFFIX)


class Quantity:
    """An exact resource quantity: a decimal value and the format it prints in.

    Immutable; equality and ordering compare values (upstream ``Quantity.Cmp``),
    so ``Quantity('1Gi') == Quantity('1024Mi')``. ``Quantity(text)`` parses text.

    Attributes
    ----------
    value : decimal.Decimal
        The exact amount (parsing rounds it up to a multiple of 1e-9).
    format : str
        ``"DecimalSI"``, ``"BinarySI"`` or ``"DecimalExponent"``.

    Examples
    --------
    >>> q = Quantity("1.5Gi")
    >>> q, q.value, q.format
    (Quantity('1536Mi'), Decimal('1610612736'), 'BinarySI')
    >>> Quantity("1000m") == Quantity("1")
    True
    """

    __slots__ = ("value", "format", "_s")

    def __new__(cls, text: str) -> Quantity:
        return parse_quantity(text)

    @classmethod
    def _make(cls, value: Decimal, fmt: str, s: str = "") -> Quantity:
        self = object.__new__(cls)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "format", fmt)
        object.__setattr__(self, "_s", s)
        return self

    @classmethod
    def from_decimal(cls, value: Decimal | int | str, fmt: str = DECIMAL_SI) -> Quantity:
        """Wrap an exact number without rounding; upstream ``NewDecimalQuantity``.

        Examples
        --------
        >>> Quantity.from_decimal(1080, "DecimalSI"), Quantity.from_decimal("0.5", "BinarySI")
        (Quantity('1080'), Quantity('500m'))
        """
        if fmt not in (DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT):
            raise ValueError(f"unknown quantity format {fmt!r}")
        return cls._make(_tidy(Decimal(value)), fmt)

    def __setattr__(self, name, value):
        raise AttributeError("Quantity is immutable")

    def __delattr__(self, name):
        raise AttributeError("Quantity is immutable")

    def __reduce__(self):
        return (Quantity._make, (self.value, self.format, self._s))

    def __str__(self) -> str:
        # upstream Quantity.String: the parsed text when it was already canonical, else CanonicalizeBytes
        return self._s or _canonical(self.value, self.format)

    def __repr__(self) -> str:
        return f"Quantity({str(self)!r})"

    def __eq__(self, other):
        return self.value == other.value if isinstance(other, Quantity) else NotImplemented

    def __lt__(self, other):
        return self.value < other.value if isinstance(other, Quantity) else NotImplemented

    def __le__(self, other):
        return self.value <= other.value if isinstance(other, Quantity) else NotImplemented

    def __gt__(self, other):
        return self.value > other.value if isinstance(other, Quantity) else NotImplemented

    def __ge__(self, other):
        return self.value >= other.value if isinstance(other, Quantity) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.value)

    def __float__(self) -> float:
        return float(self.value)

    def milli_value(self) -> int:
        """The value times 1000, rounded away from zero; upstream ``MilliValue``.

        Examples
        --------
        >>> Quantity("500m").milli_value(), Quantity("1.0001").milli_value(), Quantity("2").milli_value()
        (500, 1001, 2000)
        """
        return _to_int64(self.value.scaleb(3, _CTX), self)

    def int_value(self) -> int:
        """The value rounded away from zero to an integer; upstream ``Value``.

        Examples
        --------
        >>> Quantity("1Ki").int_value(), Quantity("100m").int_value(), Quantity("-1.5").int_value()
        (1024, 1, -2)
        """
        return _to_int64(self.value, self)

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):  # pragma: no cover - exercised by models
        from pydantic_core import core_schema

        def validate(v):
            if isinstance(v, Quantity):
                return v
            if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                raise ValueError("quantity must be a string or a number")
            return parse_quantity(v if isinstance(v, str) else str(v))

        return core_schema.no_info_plain_validator_function(
            validate, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )


def _tidy(value: Decimal) -> Decimal:
    """Drop a -0 and trailing zeros so values read well (Decimal('0.5'), Decimal('1000'))."""
    if not value:
        return Decimal(0)
    value = value.normalize(_CTX)
    exponent = value.as_tuple().exponent
    if 0 < exponent <= 30:
        value = value.quantize(Decimal(1), context=_CTX)
    return value


def _to_int64(value: Decimal, q: Quantity) -> int:
    """Round away from zero to an int (upstream int64Amount.AsScaledInt64)."""
    if value and value.adjusted() > 19:
        raise OverflowError(f"quantity {q} does not fit in an int64 (upstream would overflow)")
    result = int(value.to_integral_value(ROUND_UP, _CTX))
    if not -_MAX_INT64 - 1 <= result <= _MAX_INT64:
        raise OverflowError(f"quantity {q} does not fit in an int64 (upstream would overflow)")
    return result


def _canonical(value: Decimal, fmt: str) -> str:
    """Canonical text of a value in a format; upstream Quantity.CanonicalizeBytes."""
    if not value:
        return "0"
    if fmt == BINARY_SI:
        if -1024 < value < 1024:
            fmt = DECIMAL_SI  # "This avoids rounding and hopefully confusion, too."
        else:
            rounded = value.to_integral_value(ROUND_UP, _CTX)
            if rounded != value:
                fmt = DECIMAL_SI  # don't lose precision
            else:
                # upstream: amount.go AsCanonicalBase1024Bytes
                mantissa, exponent = abs(int(rounded)), 0
                while mantissa >= 1024 and mantissa % 1024 == 0:
                    mantissa //= 1024
                    exponent += 1
                if exponent * 10 in _BIN_BY_EXP or exponent == 0:
                    sign = "-" if value < 0 else ""
                    return f"{sign}{mantissa}{_BIN_BY_EXP.get(exponent * 10, '')}"
                fmt = DECIMAL_EXPONENT  # past "Ei": exact decimal form (upstream fallback)
    # upstream: amount.go infDecAmount.AsCanonicalBytes: strip tens, exponent down to a multiple of 3
    sign, digits, exponent = value.normalize(_CTX).as_tuple()
    pad = exponent % 3
    exponent -= pad
    number = ("-" if sign else "") + "".join(map(str, digits)) + "0" * pad
    if fmt == DECIMAL_SI and exponent in _DEC_BY_EXP:
        return number + _DEC_BY_EXP[exponent]
    # DecimalExponent, or DecimalSI past "E" / below "n" (upstream falls back to "e" notation)
    return number if exponent == 0 else f"{number}e{exponent}"


@functools.lru_cache(maxsize=8192)
def parse_quantity(text: str) -> Quantity:
    """Parse a quantity string with upstream's grammar and rounding; upstream ``ParseQuantity``.

    Parameters
    ----------
    text : str
        E.g. ``"500m"``, ``"1.5Gi"``, ``"1e3"``; no surrounding spaces.

    Returns
    -------
    Quantity

    Raises
    ------
    ValueError
        With upstream's message (``ErrFormatWrong``, ``ErrNumeric`` or ``ErrSuffix``).

    Examples
    --------
    >>> parse_quantity("0.1"), parse_quantity("1e3"), parse_quantity("1000m"), parse_quantity("1024Mi")
    (Quantity('100m'), Quantity('1e3'), Quantity('1'), Quantity('1Gi'))
    >>> parse_quantity("0.1mi")
    Traceback (most recent call last):
    ...
    ValueError: unable to parse quantity's suffix
    """
    if not isinstance(text, str):
        raise TypeError(f"quantity must be a str, not {type(text).__name__}")
    if not text:
        raise ValueError(ERR_FORMAT_WRONG)
    if text == "0":
        return Quantity._make(Decimal(0), DECIMAL_SI, "0")
    positive, value, num, denom, suffix = _split(text)
    base, exponent, fmt = _interpret(suffix)

    # upstream's int64 fast path: when it applies, a canonical input string is kept as String()
    if fmt == BINARY_SI:
        fast = not denom and 14 - len(num) - exponent * 3 // 10 >= 0
        fast = fast and (int(num) << exponent) <= _MAX_INT64
        reuse = fast and int(num) & 7 != 0
    else:
        scale = exponent - len(denom)
        shifted = num + denom
        fast = len(shifted) <= 18 and scale >= -9
        reuse = fast and scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0"
    if not fast and not any(c in _DIGITS for c in value):
        raise ValueError(ERR_NUMERIC)  # inf.Dec.SetString found no digits

    amount = Decimal(num + "." + denom)
    if base == 10:
        amount = amount.scaleb(exponent, _CTX)
    else:
        amount = _CTX.multiply(amount, Decimal(1 << exponent))
    # Round non-zero values up to a whole nano: "if you want some resources, you should get some".
    if amount and amount.as_tuple().exponent < -9:
        amount = amount.quantize(_NANO, rounding=ROUND_UP, context=_CTX)
    if fmt == BINARY_SI and amount > _MAX_INT64_DEC:
        amount = _MAX_INT64_DEC  # the max is just a simple cap
    if fmt == BINARY_SI and 0 < amount < 1:
        fmt = DECIMAL_SI
    if not positive:
        amount = -amount
    return Quantity._make(_tidy(amount), fmt, text if reuse else "")


_INT64_MAX = 2**63 - 1


@functools.lru_cache(maxsize=8192)
def cpu_millis(text: str) -> int:
    """Millicores of a CPU quantity (cached); ``parse_quantity(text).milli_value()``.

    Examples
    --------
    >>> cpu_millis("250m"), cpu_millis("2"), cpu_millis("0.1")
    (250, 2000, 100)
    >>> cpu_millis("9223372036854776")  # beyond int64: held at the largest int64 (Go would wrap around)
    9223372036854775807
    """
    try:
        return parse_quantity(text).milli_value()
    except OverflowError:  # components compare sizes: the largest int64 keeps "more than any node has" true
        return _INT64_MAX if not text.lstrip().startswith("-") else -_INT64_MAX - 1


@functools.lru_cache(maxsize=8192)
def bytes_value(text: str) -> int:
    """Integer value of a quantity such as memory in bytes (cached); ``parse_quantity(text).int_value()``.

    Examples
    --------
    >>> bytes_value("128Mi"), bytes_value("1G"), bytes_value("1.5Ki")
    (134217728, 1000000000, 1536)
    """
    try:
        return parse_quantity(text).int_value()
    except OverflowError:  # as cpu_millis: held at the int64 limits
        return _INT64_MAX if not text.lstrip().startswith("-") else -_INT64_MAX - 1
