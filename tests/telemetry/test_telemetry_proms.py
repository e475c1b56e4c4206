"""Check-in answers: anything outside the 0-10 items is refused with its name."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telemetry.proms import ITEMS, validate_answers

items = st.sampled_from(sorted(ITEMS))


@given(st.dictionaries(items, st.integers(0, 10), min_size=1).map(
    lambda d: {k: min(v, ITEMS[k].max_value) for k, v in d.items()}))
def test_valid_answers_pass_unchanged(answers: dict[str, int]) -> None:
    assert validate_answers("pre", answers) == answers


@given(items, st.integers(min_value=1, max_value=10**6), st.booleans())
def test_out_of_range_names_the_item(item: str, beyond: int, below: bool) -> None:
    value = -beyond if below else ITEMS[item].max_value + beyond
    expected = "0 \\(no\\) or 1 \\(yes\\)" if ITEMS[item].max_value == 1 else "0-10"
    with pytest.raises(ValueError, match=f"{item} must be {expected}"):
        validate_answers("post", {item: value})


@given(items, st.one_of(st.text(), st.floats(allow_nan=True).filter(
    lambda x: not (math.isfinite(x) and float(x).is_integer())), st.booleans(), st.none()))
def test_non_integers_are_refused(item: str, value: object) -> None:
    with pytest.raises(ValueError, match=item):
        validate_answers("pre", {item: value})  # type: ignore[dict-item]


def test_whole_floats_are_accepted_and_items_worded_as_ours() -> None:
    assert validate_answers("daily", {"pain": 3.0}) == {"pain": 3}
    for it in ITEMS.values():
        assert it.question.endswith("?") and it.low and it.high
