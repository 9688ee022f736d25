"""Tests for k8slab.api.quantity, transcribed from upstream resource/quantity_test.go."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from k8slab.api.quantity import (
    BINARY_SI,
    DECIMAL_EXPONENT,
    DECIMAL_SI,
    ERR_FORMAT_WRONG,
    ERR_NUMERIC,
    ERR_SUFFIX,
    Quantity,
    _interpret,
    _split,
    bytes_value,
    cpu_millis,
    parse_quantity,
)

MAX_ALLOWED = Decimal(2**63 - 1)


def dec(i, exponent):
    """upstream test helper decQuantity: i * 10^exponent."""
    return Decimal(i).scaleb(exponent)


# upstream: TestQuantityParse (input, value, format)
PARSE_TABLE = [
    ("0", dec(0, 0), DECIMAL_SI), ("0n", dec(0, 0), DECIMAL_SI), ("0u", dec(0, 0), DECIMAL_SI),
    ("0m", dec(0, 0), DECIMAL_SI), ("0Ki", dec(0, 0), BINARY_SI), ("0k", dec(0, 0), DECIMAL_SI),
    ("0Mi", dec(0, 0), BINARY_SI), ("0M", dec(0, 0), DECIMAL_SI), ("0Gi", dec(0, 0), BINARY_SI),
    ("0G", dec(0, 0), DECIMAL_SI), ("0Ti", dec(0, 0), BINARY_SI), ("0T", dec(0, 0), DECIMAL_SI),
    ("1", dec(1, 0), DECIMAL_SI),
    ("1Ki", dec(1024, 0), BINARY_SI), ("8Ki", dec(8 * 1024, 0), BINARY_SI),
    ("7Mi", dec(7 * 1024**2, 0), BINARY_SI), ("6Gi", dec(6 * 1024**3, 0), BINARY_SI),
    ("5Ti", dec(5 * 1024**4, 0), BINARY_SI), ("4Pi", dec(4 * 1024**5, 0), BINARY_SI),
    ("3Ei", dec(3 * 1024**6, 0), BINARY_SI), ("10Ti", dec(10 * 1024**4, 0), BINARY_SI),
    ("100Ti", dec(100 * 1024**4, 0), BINARY_SI),
    ("5n", dec(5, -9), DECIMAL_SI), ("4u", dec(4, -6), DECIMAL_SI), ("3m", dec(3, -3), DECIMAL_SI),
    ("9", dec(9, 0), DECIMAL_SI), ("8k", dec(8, 3), DECIMAL_SI), ("50k", dec(5, 4), DECIMAL_SI),
    ("7M", dec(7, 6), DECIMAL_SI), ("6G", dec(6, 9), DECIMAL_SI), ("5T", dec(5, 12), DECIMAL_SI),
    ("40T", dec(4, 13), DECIMAL_SI), ("300T", dec(3, 14), DECIMAL_SI), ("2P", dec(2, 15), DECIMAL_SI),
    ("1E", dec(1, 18), DECIMAL_SI),
    ("1E-3", dec(1, -3), DECIMAL_EXPONENT), ("1e3", dec(1, 3), DECIMAL_EXPONENT),
    ("1E6", dec(1, 6), DECIMAL_EXPONENT), ("1e9", dec(1, 9), DECIMAL_EXPONENT),
    ("1E12", dec(1, 12), DECIMAL_EXPONENT), ("1e15", dec(1, 15), DECIMAL_EXPONENT),
    ("1E18", dec(1, 18), DECIMAL_EXPONENT),
    ("1e14", dec(1, 14), DECIMAL_EXPONENT), ("1e13", dec(1, 13), DECIMAL_EXPONENT),
    ("100.035k", dec(100035, 0), DECIMAL_SI),
    ("0.001", dec(1, -3), DECIMAL_SI), ("0.0005k", dec(5, -1), DECIMAL_SI), ("0.005", dec(5, -3), DECIMAL_SI),
    ("0.05", dec(5, -2), DECIMAL_SI), ("0.5", dec(5, -1), DECIMAL_SI), ("0.00050k", dec(5, -1), DECIMAL_SI),
    ("0.00500", dec(5, -3), DECIMAL_SI), ("0.05000", dec(5, -2), DECIMAL_SI), ("0.50000", dec(5, -1), DECIMAL_SI),
    ("0.5e0", dec(5, -1), DECIMAL_EXPONENT), ("0.5e-1", dec(5, -2), DECIMAL_EXPONENT),
    ("0.5e-2", dec(5, -3), DECIMAL_EXPONENT), ("10.035M", dec(10035, 3), DECIMAL_SI),
    ("1.2e3", dec(12, 2), DECIMAL_EXPONENT), ("1.3E+6", dec(13, 5), DECIMAL_EXPONENT),
    ("1.40e9", dec(14, 8), DECIMAL_EXPONENT), ("1.53E12", dec(153, 10), DECIMAL_EXPONENT),
    ("1.6e15", dec(16, 14), DECIMAL_EXPONENT), ("1.7E18", dec(17, 17), DECIMAL_EXPONENT),
    ("9.01", dec(901, -2), DECIMAL_SI), ("8.1k", dec(81, 2), DECIMAL_SI), ("7.123456M", dec(7123456, 0), DECIMAL_SI),
    ("6.987654321G", dec(6987654321, 0), DECIMAL_SI), ("5.444T", dec(5444, 9), DECIMAL_SI),
    ("40.1T", dec(401, 11), DECIMAL_SI), ("300.2T", dec(3002, 11), DECIMAL_SI), ("2.5P", dec(25, 14), DECIMAL_SI),
    ("1.01E", dec(101, 16), DECIMAL_SI),
    # things that saturate/round
    ("3.001n", dec(4, -9), DECIMAL_SI), ("1.1E-9", dec(2, -9), DECIMAL_EXPONENT),
    ("0.0000000001", dec(1, -9), DECIMAL_SI), ("0.0000000005", dec(1, -9), DECIMAL_SI),
    ("0.00000000050", dec(1, -9), DECIMAL_SI), ("0.5e-9", dec(1, -9), DECIMAL_EXPONENT),
    ("0.9n", dec(1, -9), DECIMAL_SI), ("0.00000012345", dec(124, -9), DECIMAL_SI),
    ("0.00000012354", dec(124, -9), DECIMAL_SI), ("9Ei", MAX_ALLOWED, BINARY_SI),
    ("9223372036854775807Ki", MAX_ALLOWED, BINARY_SI), ("12E", dec(12, 18), DECIMAL_SI),
    # fractional binary
    ("100.035Ki", dec(10243584, -2), BINARY_SI), ("0.5Mi", dec(512 * 1024, 0), BINARY_SI),
    ("0.05Gi", dec(536870912, -1), BINARY_SI), ("0.025Ti", dec(274877906944, -1), BINARY_SI),
    # "things written by trolls"
    ("0.000000000001Ki", dec(2, -9), DECIMAL_SI), (".001", dec(1, -3), DECIMAL_SI),
    (".0001k", dec(100, -3), DECIMAL_SI), ("1.", dec(1, 0), DECIMAL_SI), ("1.G", dec(1, 9), DECIMAL_SI),
]


@pytest.mark.parametrize(("text", "value", "fmt"), PARSE_TABLE, ids=[f"{t} parses exactly" for t, _, _ in PARSE_TABLE])
def test_parse_gives_upstream_value_and_format(text, value, fmt):
    q = parse_quantity(text)
    assert (q.value, q.format) == (value, fmt)
    # upstream also parses every entry with a leading "-" and a leading "+"
    neg = parse_quantity("-" + text)
    assert (neg.value, neg.format) == (-value, fmt)
    pos = parse_quantity("+" + text)
    assert (pos.value, pos.format) == (value, fmt)


# upstream: TestQuantityParse invalid list, with the error each one reaches
INVALID = [
    ("", ERR_FORMAT_WRONG), ("1.1.M", ERR_FORMAT_WRONG), ("1+1.0M", ERR_FORMAT_WRONG),
    ("0.1mi", ERR_SUFFIX), ("0.1am", ERR_FORMAT_WRONG), ("aoeu", ERR_FORMAT_WRONG), (".5i", ERR_SUFFIX),
    ("1i", ERR_SUFFIX), ("-3.01i", ERR_SUFFIX), ("-3.01e-", ERR_SUFFIX), ("1e4294967297", ERR_SUFFIX),
    (" 1", ERR_FORMAT_WRONG), ("1 ", ERR_FORMAT_WRONG),
    (".Pi", ERR_NUMERIC),  # slow path: inf.Dec finds no digits
]


@pytest.mark.parametrize(("text", "message"), INVALID, ids=[f"{t!r} is rejected" for t, _ in INVALID])
def test_invalid_quantities_raise_upstream_message(text, message):
    with pytest.raises(ValueError) as err:
        parse_quantity(text)
    assert str(err.value) == message


def test_format_error_quotes_the_upstream_regex():
    assert ERR_FORMAT_WRONG == (
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )


# upstream: TestQuantityString (value, format, canonical text, alternate spelling)
STRING_TABLE = [
    (dec(1024**3, 0), BINARY_SI, "1Gi", "1024Mi"), (dec(300 * 1024**2, 0), BINARY_SI, "300Mi", "307200Ki"),
    (dec(6 * 1024, 0), BINARY_SI, "6Ki", ""), (dec(1001 * 1024**3, 0), BINARY_SI, "1001Gi", "1025024Mi"),
    (dec(1024**4, 0), BINARY_SI, "1Ti", "1024Gi"), (dec(5, 0), BINARY_SI, "5", "5000m"),
    (dec(500, -3), BINARY_SI, "500m", "0.5"), (dec(1, 9), DECIMAL_SI, "1G", "1000M"),
    (dec(1000, 6), DECIMAL_SI, "1G", "0.001T"), (dec(1000000, 3), DECIMAL_SI, "1G", ""),
    (dec(1000000000, 0), DECIMAL_SI, "1G", ""), (dec(1, -3), DECIMAL_SI, "1m", "1000u"),
    (dec(80, -3), DECIMAL_SI, "80m", ""), (dec(1080, -3), DECIMAL_SI, "1080m", "1.08"),
    (dec(108, -2), DECIMAL_SI, "1080m", "1080000000n"), (dec(10800, -4), DECIMAL_SI, "1080m", ""),
    (dec(300, 6), DECIMAL_SI, "300M", ""), (dec(1, 12), DECIMAL_SI, "1T", ""), (dec(1, 18), DECIMAL_SI, "1E", ""),
    (dec(1, 21), DECIMAL_SI, "1e21", "1000E"), (dec(5, 21), DECIMAL_SI, "5e21", "5000E"),
    (dec(1, 24), DECIMAL_SI, "1e24", "1000000E"),
    (dec(1, 70), BINARY_SI, "10e69", ""), (dec(2, 70), BINARY_SI, "20e69", ""), (dec(1, 72), BINARY_SI, "1e72", ""),
    (dec(1234567, 6), DECIMAL_SI, "1234567M", ""), (dec(1234567, -3), BINARY_SI, "1234567m", ""),
    (dec(3, 3), DECIMAL_SI, "3k", ""), (dec(1025, 0), BINARY_SI, "1025", ""), (dec(0, 0), DECIMAL_SI, "0", ""),
    (dec(0, 0), BINARY_SI, "0", ""), (dec(1, 9), DECIMAL_EXPONENT, "1e9", ".001e12"),
    (dec(1, -3), DECIMAL_EXPONENT, "1e-3", "0.001e0"), (dec(1, -9), DECIMAL_EXPONENT, "1e-9", "1000e-12"),
    (dec(80, -3), DECIMAL_EXPONENT, "80e-3", ""), (dec(300, 6), DECIMAL_EXPONENT, "300e6", ""),
    (dec(1, 12), DECIMAL_EXPONENT, "1e12", ""), (dec(1, 3), DECIMAL_EXPONENT, "1e3", ""),
    (dec(3, 3), DECIMAL_EXPONENT, "3e3", ""), (dec(0, 0), DECIMAL_EXPONENT, "0", "00"),
    (dec(1, -9), DECIMAL_SI, "1n", ""), (dec(80, -9), DECIMAL_SI, "80n", ""), (dec(1080, -9), DECIMAL_SI, "1080n", ""),
    (dec(108, -8), DECIMAL_SI, "1080n", ""), (dec(10800, -10), DECIMAL_SI, "1080n", ""),
    (dec(1, -6), DECIMAL_SI, "1u", ""), (dec(80, -6), DECIMAL_SI, "80u", ""), (dec(1080, -6), DECIMAL_SI, "1080u", ""),
]


@pytest.mark.parametrize(("value", "fmt", "text", "alternate"), STRING_TABLE,
                         ids=[f"{v} {f} prints as {t}" for v, f, t, _ in STRING_TABLE])
def test_canonical_string(value, fmt, text, alternate):
    q = Quantity.from_decimal(value, fmt)
    assert str(q) == text
    assert str(parse_quantity(text)) == text  # the canonical string survives a parse
    if alternate:
        assert str(parse_quantity(alternate)) == text
    if value:
        assert str(Quantity.from_decimal(-value, fmt)) == "-" + text


@pytest.mark.parametrize(("value", "fmt", "text"), [
    (dec(1, -12), DECIMAL_SI, "1e-12"),  # upstream: TestQuantityStringBelowNano
    (dec(1, -10), DECIMAL_SI, "100e-12"),
    (dec(2000, 0), BINARY_SI, "2000"),  # upstream: TestBinarySIZeroExponentString
    (dec(-2000, 0), BINARY_SI, "-2000"),
    (Decimal(2**70), BINARY_SI, "1180591620717411303424"),  # upstream: TestBinarySIPastEiArithmeticRoundTrip
], ids=["1e-12 below nano", "1e-10 below nano", "2000 BinarySI", "-2000 BinarySI", "2^70 past Ei"])
def test_strings_outside_the_suffix_tables(value, fmt, text):
    q = Quantity.from_decimal(value, fmt)
    assert str(q) == text
    if abs(value) >= Decimal("1e-9"):  # parsing rounds sub-nano values up, so those do not round-trip
        assert parse_quantity(text) == q


# upstream: TestQuantityParseEmit
EMIT = [("1Ki", "1Ki"), ("1Mi", "1Mi"), ("1Gi", "1Gi"), ("1024Mi", "1Gi"), ("1000M", "1G"), (".001Ki", "1024m"),
        (".000001Ki", "1024u"), (".000000001Ki", "1024n"), (".000000000001Ki", "2n")]


@pytest.mark.parametrize(("text", "emitted"), EMIT, ids=[f"{a} is emitted as {b}" for a, b in EMIT])
def test_parse_then_emit(text, emitted):
    assert str(parse_quantity(text)) == emitted
    assert str(parse_quantity("-" + text)) == "-" + emitted


@pytest.mark.parametrize(("text", "emitted"), [
    ("1.5Gi", "1536Mi"), ("0.1", "100m"), ("1e3", "1e3"), ("1000m", "1"), ("1.5", "1500m"),
    # upstream reuses an input that is already canonical as String(), sign and zeros included
    ("+1", "+1"), ("01", "01"), ("1.500k", "1.500k"), ("1E3", "1E3"), (".", "0"), ("-0", "0"),
], ids=lambda v: str(v))
def test_documented_and_reused_forms(text, emitted):
    assert str(parse_quantity(text)) == emitted


@pytest.mark.parametrize(("x", "y", "expect"), [("0", "0", 0), ("100m", "50m", 1), ("50m", "100m", -1),
                                                ("10000T", "100Gi", 1)], ids=lambda v: str(v))
def test_compare(x, y, expect):  # upstream: TestQuantityCmp
    a, b = parse_quantity(x), parse_quantity(y)
    assert ((a > b) - (a < b)) == expect
    assert (a == b) == (expect == 0)


# upstream: TestParseQuantityString
@pytest.mark.parametrize(("text", "parts"), [
    ("0.025Ti", (True, "0.025", "0", "025", "Ti")), ("1.025Ti", (True, "1.025", "1", "025", "Ti")),
    ("-1.025Ti", (False, "-1.025", "1", "025", "Ti")), (".", (True, ".", "0", "", "")),
    ("-.", (False, "-.", "0", "", "")), ("1E-3", (True, "1", "1", "", "E-3")),
], ids=lambda v: str(v))
def test_split_into_sign_number_and_suffix(text, parts):
    assert _split(text) == parts


# upstream: TestInterpretExponentInt32Bounds
@pytest.mark.parametrize(("suffix", "exponent"), [
    ("e14", 14), ("E2147483647", 2147483647), ("E-2147483647", -2147483647), ("E2147483648", None),
    ("E-2147483648", None), ("E4294967297", None), ("E8589934592", None), ("E9223372036854775807", None),
    ("E9223372036854775808", None), ("E6024865272343", None),
], ids=lambda v: str(v))
def test_exponent_must_fit_int32(suffix, exponent):
    if exponent is None:
        with pytest.raises(ValueError, match="suffix"):
            _interpret(suffix)
    else:
        assert _interpret(suffix) == (10, exponent, DECIMAL_EXPONENT)


@pytest.mark.parametrize(("text", "millis", "value"), [
    ("1", 1000, 1), ("500m", 500, 1), ("100m", 100, 1), ("1.5", 1500, 2), ("0.0001", 1, 1), ("3.001n", 1, 1),
    ("1Ki", 1024000, 1024), ("-1.5", -1500, -2), ("-100m", -100, -1), ("0", 0, 0),
], ids=lambda v: str(v))
def test_milli_value_and_value_round_away_from_zero(text, millis, value):
    # upstream: MilliValue = ScaledValue(Milli), Value = ScaledValue(0); int64Amount rounds away from zero
    q = parse_quantity(text)
    assert (q.milli_value(), q.int_value()) == (millis, value)
    assert (cpu_millis(text), bytes_value(text)) == (millis, value)


def test_values_past_int64_raise_overflow():
    with pytest.raises(OverflowError):
        parse_quantity("10E").milli_value()


def test_quantity_is_immutable_hashable_and_reprs_its_text():
    q = Quantity("500m")
    assert repr(q) == "Quantity('500m')" and q == Quantity("0.5") and hash(q) == hash(Quantity("0.5"))
    with pytest.raises(AttributeError):
        q.value = Decimal(1)
    assert sorted([Quantity("1Gi"), Quantity("1G"), Quantity("1Mi")]) == [Quantity("1Mi"), Quantity("1G"),
                                                                          Quantity("1Gi")]


# --- properties --------------------------------------------------------------------------------------

QUANTITY_ALPHABET = st.sampled_from(list("0123456789.+-eEinumkKMGTP ") + ["Ki", "Mi", "Gi", "x", "\n", "é"])


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=12), st.lists(QUANTITY_ALPHABET, max_size=10).map("".join)))
def test_any_text_parses_or_raises_value_error_and_round_trips(text):
    try:
        q = parse_quantity(text)
    except ValueError:
        return
    assert parse_quantity(str(q)) == q


SUFFIX_EXPONENTS = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18,
                    "e-12": -12, "e5": 5, "E+2": 2}


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["", "-", "+"]), st.text("0123456789", min_size=1, max_size=12),
       st.text("0123456789", max_size=12), st.sampled_from(sorted(SUFFIX_EXPONENTS)))
def test_decimal_value_is_the_number_rounded_up_to_a_nano(sign, whole, frac, suffix):
    text = f"{sign}{whole}.{frac}{suffix}" if frac else f"{sign}{whole}{suffix}"
    exact = Fraction(f"{whole}.{frac or 0}") * Fraction(10) ** SUFFIX_EXPONENTS[suffix]
    nanos = math.ceil(exact * 10**9) * (-1 if sign == "-" else 1)
    expected = Decimal(nanos).scaleb(-9)
    assert parse_quantity(text).value == expected
