"""JsonText (jobs.store.models): orjson where it gives what the standard library gives, the
standard library elsewhere; the same values read back as before, from old texts too."""
import json
from decimal import Decimal

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from jobs.store.models import JsonText, _exact

FIELD = JsonText()
# Every code point, lone surrogates included (orjson refuses those; the library takes them).
TEXT = st.text(st.characters(blacklist_categories=()), max_size=8)
SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(-2**70, 2**70)
           | st.decimals(allow_nan=False, allow_infinity=False)
           | st.floats(allow_nan=False, allow_infinity=False) | TEXT)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(TEXT, inner, max_size=4), max_leaves=12)


def stdlib_text(value) -> str:
    """What JsonText wrote before it tried orjson first."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except TypeError:
        return orjson.dumps(value, default=_exact).decode()


def typed(value):
    """`value` with each number's type and exact digits, so 1, 1.0 and Decimal('1.0') differ."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return type(value).__name__, repr(value)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_a_value_reads_back_as_it_did_with_the_standard_library(value):
    try:
        before = json.loads(stdlib_text(value), parse_float=Decimal)
    except TypeError:
        return
    assert typed(FIELD.python_value(FIELD.db_value(value))) == typed(before)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_a_text_stored_before_reads_as_it_did(value):
    try:
        text = stdlib_text(value)
    except TypeError:
        return
    assert typed(FIELD.python_value(text)) == typed(json.loads(text, parse_float=Decimal))


def test_integers_beyond_64_bits_and_fractions_stay_exact():
    assert FIELD.python_value("[18446744073709551616,-9223372036854775809]") == [
        18446744073709551616, -9223372036854775809]
    assert typed(FIELD.python_value('{"v":25.015,"e":1e-5}')) == typed(
        {"v": Decimal("25.015"), "e": Decimal("0.00001")})
