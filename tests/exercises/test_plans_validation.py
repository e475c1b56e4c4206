"""Plan schema: templates load; every kind of bad plan gives one line naming line and key."""

from __future__ import annotations

from importlib import resources

import pytest

from exercises.doses import ReachingDose
from exercises.plans import HARDER, PlanError, load_plan
from vision.directions import SEATED_DIRECTIONS

GOOD = """\
[plan]
name = "Test plan"
affected_side = "left"
seated = true
exercises = ["reaching"]

[progression]
baseline_sessions = 3
progress = ["reaching.repetitions", "reaching.reach_fraction"]

[staircase]
band_low = 0.70
band_high = 0.85

[reaching]
reach_fraction = { start = 0.6, min = 0.3, max = 0.9, step = 0.05 }
repetitions = { start = 12, min = 6, max = 40, step = 2 }
hold_s = 1.5

[reaching.target_radius]
start = 0.30
min = 0.15
max = 0.40
step = 0.025

[[goals]]
activity = "Reach a shelf"
exercises = ["reaching"]
"""


def line_of(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in text")


def error_of(text: str) -> str:
    with pytest.raises(PlanError) as info:
        load_plan(text, "bad.toml")
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith("bad.toml: line ")
    return msg


def test_good_plan_values_ranges_and_fixed() -> None:
    p = load_plan(GOOD, "good.toml")
    r = p.ranges("reaching")
    assert (r["reach_fraction"].start, r["reach_fraction"].min, r["reach_fraction"].max) == \
        (0.6, 0.3, 0.9)
    assert r["target_radius"].step == 0.025
    assert r["hold_s"].min == r["hold_s"].max == 1.5  # a plain number is a fixed value
    assert r["inter_target_s"].start == ReachingDose().inter_target_s  # unset: the default
    assert p.fixed("reaching") == {"side": "left", "directions": SEATED_DIRECTIONS}
    assert p.fixed("session")["pain_stop_threshold"] == 5
    assert p.progressed("reaching") == ("repetitions", "reach_fraction")
    assert p.goals_for("reaching") == ["Reach a shelf"]


@pytest.mark.parametrize("name", sorted(
    x.name for x in resources.files("assets.plans").iterdir() if x.name.endswith(".toml")))
def test_every_template_is_valid(name: str) -> None:
    text = resources.files("assets.plans").joinpath(name).read_text(encoding="utf-8")
    p = load_plan(text, name)
    assert p.goals, "templates link PSFS goals to exercises"
    for goal in p.goals:
        assert set(goal.exercises) <= set(p.exercises)
    for key in p.progression.progress:
        ex, _, field = key.partition(".")
        r = p.ranges(ex)[field]
        assert r.min < r.max, f"{key} is progressed but has no room"


def test_required_templates_exist() -> None:
    names = {x.name for x in resources.files("assets.plans").iterdir()}
    assert "neuropathic_upper_limb_seated.toml" in names
    assert "gentle_start_fear_of_movement.toml" in names


def test_wrong_type_names_key_and_line() -> None:
    text = GOOD.replace("start = 12,", 'start = "twelve",')
    msg = error_of(text)
    assert f"line {line_of(text, 'twelve')}:" in msg
    assert "reaching.repetitions.start" in msg and "integer" in msg and "'twelve'" in msg


def test_float_where_whole_number_expected() -> None:
    text = GOOD.replace("start = 12,", "start = 12.5,")
    msg = error_of(text)
    assert "reaching.repetitions.start" in msg and "integer" in msg


def test_unknown_key_names_key_line_and_expected_keys() -> None:
    text = GOOD.replace("hold_s = 1.5", "hold_s = 1.5\nreach_fracton = 0.5")
    msg = error_of(text)
    assert f"line {line_of(text, 'reach_fracton')}:" in msg
    assert "reaching.reach_fracton: unknown key" in msg and "reach_fraction" in msg


def test_unknown_key_in_sub_table() -> None:
    text = GOOD.replace("step = 0.025", "step = 0.025\nmaximum = 0.5")
    msg = error_of(text)
    assert f"line {line_of(text, 'maximum')}:" in msg
    assert "reaching.target_radius.maximum: unknown key" in msg


def test_unknown_table() -> None:
    text = GOOD + "\n[jumping]\nheight = 2\n"
    msg = error_of(text)
    assert f"line {line_of(text, '[jumping]')}:" in msg and "jumping: unknown key" in msg


def test_start_outside_range() -> None:
    text = GOOD.replace("start = 0.6, min = 0.3", "start = 0.95, min = 0.3")
    msg = error_of(text)
    assert f"line {line_of(text, 'start = 0.95')}:" in msg
    assert "reaching.reach_fraction.start" in msg and "outside [min 0.3, max 0.9]" in msg


def test_min_greater_than_max_in_sub_table() -> None:
    text = GOOD.replace("min = 0.15\nmax = 0.40", "min = 0.45\nmax = 0.40").replace(
        "start = 0.30\n", "start = 0.42\n")
    msg = error_of(text)
    assert f"line {line_of(text, 'min = 0.45')}:" in msg
    assert "reaching.target_radius.min" in msg and "greater than max" in msg


@pytest.mark.parametrize("step", ["0", "-0.05"])
def test_step_not_positive(step: str) -> None:
    text = GOOD.replace("max = 0.9, step = 0.05", f"max = 0.9, step = {step}")
    msg = error_of(text)
    assert "reaching.reach_fraction.step" in msg and "step must be > 0" in msg
    assert f"line {line_of(text, 'reach_fraction =')}:" in msg


def test_band_low_not_below_high() -> None:
    text = GOOD.replace("band_low = 0.70", "band_low = 0.90")
    msg = error_of(text)
    assert f"line {line_of(text, 'band_low')}:" in msg
    assert "staircase.band_low" in msg and "below band_high" in msg


def test_out_of_bounds_rule_value() -> None:
    text = GOOD.replace("baseline_sessions = 3", "baseline_sessions = 0")
    msg = error_of(text)
    assert f"line {line_of(text, 'baseline_sessions')}:" in msg
    assert "progression.baseline_sessions" in msg and "greater than or equal to 1" in msg


def test_progressed_key_must_be_a_numeric_field_of_an_enabled_exercise() -> None:
    text = GOOD.replace('"reaching.reach_fraction"]', '"reaching.variant"]')
    msg = error_of(text)
    assert f"line {line_of(text, 'progress =')}:" in msg and "reaching.variant" in msg
    text = GOOD.replace('"reaching.reach_fraction"]', '"tapping.tempo_hz"]')
    assert "does not enable" in error_of(text)


def test_goal_must_link_enabled_exercises() -> None:
    text = GOOD.replace('activity = "Reach a shelf"\nexercises = ["reaching"]',
                        'activity = "Reach a shelf"\nexercises = ["tapping"]')
    msg = error_of(text)
    assert "goals.0.exercises" in msg and "does not enable" in msg
    assert f"line {line_of(text, 'tapping')}:" in msg


def test_seated_plan_refuses_standing_directions() -> None:
    text = GOOD.replace("hold_s = 1.5", 'hold_s = 1.5\ndirections = ["up", "down"]')
    msg = error_of(text)
    assert "reaching.directions" in msg and "down" in msg
    assert f"line {line_of(text, 'directions')}:" in msg


def test_missing_plan_table() -> None:
    text = GOOD.replace("[plan]\n", "[planx]\n")
    msg = error_of(text)
    assert "plan: missing" in msg or "planx: unknown key" in msg


def test_toml_syntax_error_names_line() -> None:
    text = GOOD.replace("band_high = 0.85", "band_high = = 0.85")
    msg = error_of(text)
    assert f"line {line_of(text, 'band_high')}:" in msg and "not valid TOML" in msg


def test_all_problems_are_kept_and_counted() -> None:
    text = GOOD.replace("start = 12,", 'start = "x",').replace("band_low = 0.70", "band_low = 2")
    with pytest.raises(PlanError) as info:
        load_plan(text, "bad.toml")
    assert len(info.value.problems) == 2 and "(and 1 more)" in str(info.value)


def test_harder_table_covers_every_numeric_dose_field() -> None:
    from dataclasses import fields

    from exercises.doses import DOSE_TYPES

    for ex, cls in DOSE_TYPES.items():
        numeric = {f.name for f in fields(cls) if f.type in ("float", "int")}
        if ex == "session":
            numeric -= {"pain_stop_threshold", "pain_rise_limit"}
        assert numeric == set(HARDER[ex]), ex


def test_session_fields_are_not_progressed() -> None:
    text = GOOD.replace('progress = ["reaching.repetitions"', 'progress = ["session.pace"')
    msg = error_of(text)
    assert "progression.progress.0" in msg and "session fields" in msg


def test_whole_table_missing_points_at_line_1() -> None:
    msg = error_of(GOOD.replace("[plan]\n", "[plab]\n"))
    assert msg.startswith("bad.toml: line 1: plan: missing [plan] table (required)")


def test_a_list_where_a_range_belongs() -> None:
    text = GOOD.replace("repetitions = { start = 12, min = 6, max = 40, step = 2 }",
                        "repetitions = [1, 2]")
    msg = error_of(text)
    assert f"line {line_of(text, 'repetitions = [1, 2]')}: reaching.repetitions:" in msg
    assert "a number or a range { start, min, max, step }" in msg


def test_mangled_plans_always_give_one_located_line() -> None:
    """Seeded random damage to a good plan: never a crash, always file + line + key."""
    import random

    rng = random.Random(7)
    lines = GOOD.splitlines()
    junk = ['"x"', "-1", "1e9", "true", "[]"]
    inserts = ["foo = 1", "[x]", "step = 0", "min = 99", "[[goals]]", "start = -5"]
    rejected = 0
    for _ in range(600):
        ls = lines[:]
        for _ in range(rng.randrange(1, 3)):
            j = rng.randrange(len(ls))
            op = rng.randrange(4)
            if op == 0:
                ls[j] = ls[j].replace(rng.choice("0123456789"), rng.choice(junk), 1)
            elif op == 1:
                del ls[j]
            elif op == 2:
                ls.insert(j, rng.choice(inserts))
            else:
                ls[j] = ls[j][: rng.randrange(len(ls[j]) + 1)]
        try:
            load_plan("\n".join(ls), "m.toml")
        except PlanError as exc:
            rejected += 1
            msg = str(exc)
            assert "\n" not in msg and msg.startswith("m.toml: line ")
            assert not msg.startswith("m.toml: line ?")
    assert rejected > 300
