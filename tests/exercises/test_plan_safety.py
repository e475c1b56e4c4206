"""The plan checker refuses plans that switch a safeguard off (unless a therapist writes
why), numbers no body or camera can do, and malformed text: one line naming the file, line
and key each time. Property tests feed it arbitrary text and arbitrary numbers."""

from __future__ import annotations

import json
import math
import re
from importlib.resources import files

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exercises.doses import make_dose
from exercises.plans import PHYSICAL, SAFEGUARDS, PlanError, load_plan
from exercises.registry import make_exercise

TEMPLATE = (files("assets.plans") / "neuropathic_upper_limb_seated.toml").read_text()


def with_value(text: str, table: str, key: str, value: object) -> str:
    """The template with `key` in `[table]` set (replaced, or added under the header)."""
    shown = json.dumps(value) if isinstance(value, str) else f"{value}"  # a TOML basic string
    line = re.compile(rf"(?m)^{re.escape(key)}\s*=.*$")
    head = re.search(rf"(?m)^\[{re.escape(table)}\]\s*$", text)
    if head is None:
        return text + f"\n[{table}]\n{key} = {shown}\n"
    end = re.search(r"(?m)^\[", text[head.end():])
    body_end = head.end() + (end.start() if end else len(text) - head.end())
    body = text[head.end():body_end]
    body = line.sub(lambda _: f"{key} = {shown}", body, count=1) if line.search(body) else \
        f"\n{key} = {shown}" + body
    return text[:head.end()] + body + text[body_end:]


def beyond(g: object) -> float:
    low, high = g.low, g.high  # type: ignore[attr-defined]
    if high is not None:
        return high + (0.05 if isinstance(high, float) else 1)
    return low - (0.05 if isinstance(low, float) else 1)


@pytest.mark.parametrize("guard", SAFEGUARDS, ids=lambda g: f"{g.table}.{g.key}")
def test_each_safeguard_switched_off_is_refused_with_its_key_line_and_why(guard: object) -> None:
    value = beyond(guard)
    if guard.key == "band_low":  # type: ignore[attr-defined]
        text = with_value(TEMPLATE, "staircase", "band_high", 0.85)
    else:
        text = TEMPLATE
    text = with_value(text, guard.table, guard.key, value)  # type: ignore[attr-defined]
    with pytest.raises(PlanError) as err:
        load_plan(text, "plan.toml")
    msg = str(err.value)
    assert "\n" not in msg
    assert f"{guard.table}.{guard.key}" in msg and "switches a safeguard off" in msg  # type: ignore[attr-defined]
    assert guard.what in msg and "override_reason" in msg  # type: ignore[attr-defined]
    assert re.match(r"plan\.toml: line \d+: ", msg), msg  # the line of the offending key
    # With a therapist's written reason it loads, and the plan says what is off and why.
    allowed = with_value(text, "safety", "override_reason",
                         "Dr. Lee, 2026-03-01: supervised in clinic only")
    plan = load_plan(allowed, "plan.toml")
    assert plan.override_reason.startswith("Dr. Lee")
    assert any(f"{guard.table}.{guard.key}" in o for o in plan.overrides)  # type: ignore[attr-defined]


def test_the_issues_unsafe_plan_is_refused_at_the_first_safeguard() -> None:
    text = TEMPLATE
    for table, key, v in (("guardrails", "pain_stop_threshold", 10),
                          ("progression", "max_pain_rise", 10),
                          ("progression", "flare_rise", 10),
                          ("progression", "flare_hold_sessions", 0)):
        text = with_value(text, table, key, v)
    with pytest.raises(PlanError, match="pain_stop_threshold"):
        load_plan(text, "unsafe.toml")


def test_a_safe_template_has_no_overrides() -> None:
    plan = load_plan(TEMPLATE)
    assert plan.override_reason == "" and plan.overrides == []


@pytest.mark.parametrize(("table", "key"), [(t, k) for t, ks in PHYSICAL.items() for k in ks
                                            if t in ("session", "reaching")])
def test_a_number_past_what_a_body_or_camera_can_do_is_refused(table: str, key: str) -> None:
    _, hi, _ = PHYSICAL[table][key]
    over = hi * 2 + 1
    text = with_value(TEMPLATE, table, key, over if isinstance(hi, int) else float(over))
    with pytest.raises(PlanError) as err:
        load_plan(text, "plan.toml")
    msg = str(err.value)
    assert "\n" not in msg and f"{table}.{key}" in msg and "physical range" in msg, msg


@pytest.mark.parametrize("exercise", ["reaching", "tapping", "pinch", "openclose"])
def test_every_exercise_can_be_built_at_the_physical_limits(exercise: str) -> None:
    """A plan the checker accepts never gives an exercise a value it cannot run with."""
    for corner in (0, 1):
        values = {k: (lo, hi)[corner] for k, (lo, hi, _) in PHYSICAL[exercise].items()}
        ints = {"repetitions", "objects", "sets"}
        values = {k: int(v) if k in ints else float(v) for k, v in values.items()}
        ex = make_exercise(exercise, make_dose(exercise, **values), None,
                           np.random.default_rng(0))
        assert ex is not None


def test_brackets_nested_past_any_plan_are_one_line_not_a_recursion_crash() -> None:
    deep = "x = " + "[" * 100_000 + "]" * 100_000 + "\n"
    with pytest.raises(PlanError) as err:
        load_plan(deep, "deep.toml")
    assert "\n" not in str(err.value) and "deep.toml" in str(err.value)


def test_a_huge_file_is_refused_before_it_is_parsed() -> None:
    with pytest.raises(PlanError, match="at most"):
        load_plan("# " + "x" * 300_000, "huge.toml")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_text_is_a_plan_or_one_line_plan_error(text: str) -> None:
    try:
        load_plan(text, "fuzz.toml")
    except PlanError as err:
        assert str(err) and "\n" not in str(err)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([(g.table, g.key) for g in SAFEGUARDS] +
                       [(t, k) for t in ("session", "reaching") for k in PHYSICAL[t]]),
       st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                 st.text(max_size=10), st.booleans()))
def test_any_value_in_any_rule_is_accepted_only_when_safe(key: tuple[str, str],
                                                          value: object) -> None:
    table, name = key
    if isinstance(value, float) and not math.isfinite(value):
        shown: object = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        text = with_value(TEMPLATE, table, name, 0).replace(f"{name} = 0", f"{name} = {shown}")
    else:
        text = with_value(TEMPLATE, table, name, value)
    try:
        plan = load_plan(text, "fuzz.toml")
    except PlanError as err:
        assert "\n" not in str(err)
        return
    # Accepted: then every safeguard is on and every number physically possible.
    for g in SAFEGUARDS:
        v = getattr(getattr(plan.model, g.table), g.key)
        assert (g.low is None or v >= g.low) and (g.high is None or v <= g.high), g
    for t in ("session", "reaching"):
        for k, r in plan.ranges(t).items():
            if k in PHYSICAL[t]:
                lo, hi, _ = PHYSICAL[t][k]
                assert lo <= r.min <= r.max <= hi, (t, k, r)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300),
                 st.lists(st.lists(st.one_of(st.integers(-3, 12).map(str), st.just(""),
                                             st.text(max_size=4)), min_size=5, max_size=7),
                          max_size=12).map(lambda rows: "session,pain_pre,pain_in_session_max,"
                                           "pain_pauses,pain_post,quota_met\n"
                                           + "\n".join(",".join(r) for r in rows))))
def test_any_pain_script_is_sessions_or_one_line_error(text: str) -> None:
    """`plan simulate --script`: a CSV either reads as sessions 1..N with answers 0-10, or
    is refused in one line naming where."""
    from exercises.simulated_patients import PainScriptError, parse_pain_script

    try:
        rows = parse_pain_script(text, "pains.csv")
    except PainScriptError as err:
        assert "\n" not in str(err) and str(err).startswith("pains.csv: ")
        return
    assert [r.session for r in rows] == list(range(1, len(rows) + 1))
    for r in rows:
        for v in (r.pain_pre, r.pain_in_session_max, r.pain_post):
            assert v is None or 0 <= v <= 10
