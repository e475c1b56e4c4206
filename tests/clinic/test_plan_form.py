"""The plan editor's form <-> plan mapping (clinic.plan_form, pure) and the forward
simulation on a real patient's history (exercises.simulated_patients.simulate_forward)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from clinic import plan_form as pf
from exercises.dosing import next_dose
from exercises.plans import PlanError, load_plan
from exercises.simulated_patients import SimSession, forward_rows, simulate_forward

TEXT = (Path(__file__).resolve().parents[2] / "assets" / "plans"
        / "neuropathic_upper_limb_seated.toml").read_text(encoding="utf-8")
PLAN = load_plan(TEXT, "template")


def changed(**kv: str) -> dict[str, str]:
    values = pf.form_values(PLAN)
    for k, v in kv.items():
        values[k.replace("__", ".")] = v
    return values


def test_the_form_shows_every_dose_part_and_rule_of_the_plan() -> None:
    v = pf.form_values(PLAN)
    assert v["reaching.repetitions.start"] == "12" and v["reaching.repetitions.step"] == "2"
    assert v["reaching.reach_fraction.max"] == "0.9" and v["session.session_minutes.min"] == "5"
    assert v["guardrails.pain_stop_threshold"] == "5" and v["staircase.band_low"] == "0.7"
    assert v["progression.progress"] == ("reaching.repetitions, reaching.reach_fraction, "
                                         "openclose.repetitions")
    assert v["guardrails.pre_session_stop"] == "8"  # a default, not written in the file
    doses, groups = pf.sections(PLAN, {}, {})
    assert [s.title for s in doses] == ["Session (every game)", "Reaching",
                                        "Open and close the hand"]
    reach = next(p for p in doses[1].params if p.key == "reach_fraction")
    assert (reach.label, reach.unit, reach.harder) == ("Reach", "of the reach envelope", "higher")
    assert "calibration" in reach.help
    size = next(p for p in doses[1].params if p.key == "target_radius")
    assert size.harder == "lower" and size.unit == "shoulder widths"
    assert [t for t, _ in groups] == ["Pain rules", "Progression",
                                      "Within a session (staircase)", "Safety"]


def test_unchanged_form_is_the_same_text_and_plan() -> None:
    r = pf.apply_form(PLAN, pf.form_values(PLAN))
    assert r.ok and r.text == TEXT and pf.plan_diff(PLAN, r.plan) == []


def test_a_change_is_written_in_place_keeping_the_comments() -> None:
    r = pf.apply_form(PLAN, changed(reaching__repetitions__start="14",
                                    guardrails__pain_stop_threshold="4"))
    assert r.ok and r.plan is not None
    old, new = TEXT.splitlines(), r.text.splitlines()
    assert len(old) == len(new)
    assert [(a, b) for a, b in zip(old, new, strict=True) if a != b] == [
        ("pain_stop_threshold = 5      # in-session NRS above this: pause, drop one level",
         "pain_stop_threshold = 4      # in-session NRS above this: pause, drop one level"),
        ("repetitions = { start = 12, min = 6, max = 40, step = 2 }",
         "repetitions = { start = 14, min = 6, max = 40, step = 2 }")]
    assert r.plan.ranges("reaching")["repetitions"].start == 14
    assert r.plan.guardrails.pain_stop_threshold == 4
    assert pf.plan_diff(PLAN, r.plan) == [
        pf.Change("Reaching", "Repetitions: start", "12 targets", "14 targets"),
        pf.Change("Pain rules", "Pause the session at pain above", "5/10", "4/10")]


def test_a_fixed_value_becomes_a_range_and_a_missing_key_is_added_in_place() -> None:
    r = pf.apply_form(PLAN, changed(reaching__target_timeout_s__max="12",
                                    guardrails__pre_session_stop="7"))
    assert r.ok and r.plan is not None
    assert "target_timeout_s = { start = 8, min = 8, max = 12, step = 8 }" in r.text
    assert "[guardrails]\npre_session_stop = 7\n" in r.text
    assert r.text.count("#") == TEXT.count("#")  # no comment lost
    assert r.plan.ranges("reaching")["target_timeout_s"].max == 12
    assert r.plan.model.guardrails.pre_session_stop == 7


@pytest.mark.parametrize(("field", "value", "toml_old", "toml_new"), [
    ("reaching.repetitions.start", "300", "start = 12, min = 6", "start = 300, min = 6"),
    ("reaching.repetitions.max", "abc", "max = 40", 'max = "abc"'),
    ("reaching.reach_fraction.step", "-0.1", "step = 0.05", "step = -0.1"),
    ("staircase.band_low", "0.9", "band_low = 0.70", "band_low = 0.9"),
    ("guardrails.pain_stop_threshold", "9", "pain_stop_threshold = 5", "pain_stop_threshold = 9"),
    ("progression.progress", "reaching.bogus", ('"reaching.repetitions", '
                                                '"reaching.reach_fraction", '
                                                '"openclose.repetitions"'), '"reaching.bogus"'),
])
def test_a_refused_value_gets_the_plan_models_own_message_next_to_its_field(
        field: str, value: str, toml_old: str, toml_new: str) -> None:
    r = pf.apply_form(PLAN, changed(**{field.replace(".", "__"): value}))
    assert not r.ok and r.other == []
    # the same rules as the TOML: the message is load_plan's for the same edit
    with pytest.raises(PlanError) as exc:
        load_plan(TEXT.replace(toml_old, toml_new, 1), "form")
    expected = exc.value.problems[0].split(": ", 3)[-1]
    target = field if field in r.errors else field.rsplit(".", 1)[0]
    assert r.errors[target] == expected
    if field.startswith("reaching.repetitions"):
        assert field.rsplit(".", 1)[0] in r.errors  # the parameter's row is marked too


def test_a_blank_field_is_refused_and_a_safeguard_needs_a_reason() -> None:
    r = pf.apply_form(PLAN, changed(reaching__hold_s__min=" "))
    assert not r.ok and r.errors["reaching.hold_s.min"] == "enter a value"
    r = pf.apply_form(PLAN, changed(guardrails__pain_stop_threshold="9"))
    assert not r.ok and "switches a safeguard off" in r.errors["guardrails.pain_stop_threshold"]
    r = pf.apply_form(PLAN, changed(guardrails__pain_stop_threshold="9",
                                    safety__override_reason='supervised in clinic "only"'))
    assert r.ok and r.plan is not None
    assert r.plan.override_reason == 'supervised in clinic "only"'
    assert r.plan.overrides and r.plan.overrides[0].startswith("guardrails.pain_stop_threshold")


def test_field_errors_map_keys_to_the_longest_form_field() -> None:
    names = pf.form_values(PLAN)
    found, other = pf.field_errors([
        "form: line 3: progression.progress.1: 'x' is not EXERCISE.FIELD",
        "form: line 9: reaching.repetitions: 500 is outside the physical range [1, 200]",
        "form: line 1: gmi.laterality.bogus: unknown key", "garbage"], names)
    assert found == {"progression.progress": "'x' is not EXERCISE.FIELD",
                     "reaching.repetitions": "500 is outside the physical range [1, 200]"}
    assert other == ["gmi.laterality.bogus: unknown key", "garbage"]
    assert pf.toml_error_line("plan: line 47: reaching.x: bad") == 47


def test_the_reason_is_the_versions_first_comment_and_replaced_by_the_next() -> None:
    t = pf.with_reason(TEXT, "Pain rose after\nthe new targets ", "ana", "2026-12-06 03:10 UTC")
    assert t.startswith("# Reason for this version (ana, 2026-12-06 03:10 UTC): Pain rose after\n"
                        "#   the new targets\n# Neuropathic pain")
    assert pf.reason_of(t) == "Pain rose after the new targets"
    assert load_plan(t).model == PLAN.model  # a comment: the plan is unchanged
    again = pf.with_reason(t, "back", "bob", "2026-12-07")
    assert pf.reason_of(again) == "back" and again.count("Reason for this version") == 1
    assert again.endswith(TEXT) and pf.reason_of(TEXT) is None
    odd = pf.with_reason(TEXT, "a\x00b\x7fc\u200bd\r\ne", "an)a\x1b", "today")
    assert load_plan(odd).model == PLAN.model  # control characters never break the TOML
    assert pf.reason_of(odd) == "a b c d e" and odd.startswith("# Reason for this version (ana, today)")


def _history(n: int, pain: int) -> list[SimSession]:
    start = datetime(2026, 11, 2, 10, tzinfo=timezone.utc)
    return [SimSession("reaching", start + timedelta(days=i), True, True, pain, pain,
                       {"quota_met": True}, {"reaching": {"repetitions": 12,
                                                          "reach_fraction": 0.6}},
                       session_id=f"real-{i}") for i in range(n)]


def test_forward_simulation_starts_from_the_patients_real_history() -> None:
    history = _history(6, 3)
    before = list(history)
    rows = forward_rows(history, "reaching", "steady", 6)
    assert [(r.pain_pre, r.pain_post, r.quota_met) for r in rows] == [(3, 3, True)] * 6
    today = date(2026, 12, 7)
    steps = simulate_forward(PLAN, history, [], rows, start=today, exercise="reaching")
    assert history == before  # the real history is only read
    assert [s.day for s in steps][:3] == [date(2026, 12, 7), date(2026, 12, 8),
                                          date(2026, 12, 9)]
    first = next_dose(PLAN, history, [], on=today, pre_pain=3)
    assert steps[0].decision.dose("reaching") == first.dose("reaching")
    assert steps[0].decision.phase["reaching"] == "progressing"  # baseline set by the history
    # a patient whose pain rises gets no rise and the rules say so
    rising = simulate_forward(PLAN, history, [], forward_rows(history, "reaching",
                                                              "pain_rises", 6),
                              start=today, exercise="reaching")
    assert [s.pain_pre for s in rising] == [4, 5, 6, 7, 8, 9]
    assert any(s.easier for s in rising[4:])  # pain 8+ before: only the easier session
    reps = [s.dose["repetitions"] for s in rising]
    assert reps == sorted(reps, reverse=True)  # never harder while pain rises


def test_forward_rows_repeat_the_last_sessions_and_refuse_unknown_scenarios() -> None:
    h = _history(2, 4)
    h[-1] = replace(h[-1], pain_pre=5, pain_post=6, quota_met=False)
    rows = forward_rows(h, "reaching", "as_recently", 4)
    assert [(r.pain_pre, r.pain_post, r.quota_met) for r in rows] == [
        (4, 4, True), (5, 6, False), (4, 4, True), (5, 6, False)]
    assert forward_rows([], "reaching", "as_recently", 1)[0].pain_pre == 3
    with pytest.raises(KeyError, match="unknown scenario"):
        forward_rows(h, "reaching", "nonsense", 1)


DOSE_FIELDS = sorted(k for k in pf.form_values(PLAN) if k.rsplit(".", 1)[-1] in pf.PARTS)
RULE_FIELDS = sorted(k for k in pf.RULES if k not in ("progression.progress",
                                                     "safety.override_reason"))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(DOSE_FIELDS + RULE_FIELDS),
       st.one_of(st.integers(-1000, 1000).map(str),
                 st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: f"{f:.6g}"),
                 st.sampled_from(["abc", "1e400", "nan", "inf", "[1, 2]", "true", "0x1F",
                                  "\"5\"", "1_000", "12 # x"])))
def test_any_typed_value_is_either_the_plan_or_an_error_at_its_own_field(
        field: str, raw: str) -> None:
    """Whatever the therapist types into one field: the plan model accepts it (and the
    plan then holds that number there) or refuses it with a message at that field, its
    parameter's row or the rule it contradicts in the same table (a max below the min is
    reported at min, a band_high below band_low at band_low) - never somewhere unrelated,
    never an exception."""
    r = pf.apply_form(PLAN, {**pf.form_values(PLAN), field: raw})
    if r.ok:
        assert r.plan is not None and not r.errors and not r.other
        got = pf.form_values(r.plan)[field]
        assert float(got) == float(tomllib.loads(f"v = {raw}")["v"])
        load_plan(r.text, "again")  # the text is the plan, not just the object
    else:
        assert r.other == [] and r.errors
        near = field.rsplit(".", 1)[0] if field in DOSE_FIELDS else field.split(".")[0]
        assert all(k == near or k.startswith(near + ".") for k in r.errors), r.errors
        assert field in r.errors or field.rsplit(".", 1)[0] in r.errors or \
            field.startswith(("staircase.", "progression."))
