"""The dosing rules end to end: `neuroplay demo` on a real SQLite store, the whole game flow
(check-ins, today's choice, the session, the pain pause), its JSON and what it stored."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from game.cli import cli
from telemetry.store import Store

PLAN = (files("assets.plans") / "neuropathic_upper_limb_seated.toml").read_text().replace(
    "repetitions = { start = 12, min = 6, max = 40, step = 2 }",
    "repetitions = { start = 40, min = 6, max = 40, step = 2 }")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Patient p1 on the seated plan with 40 repetitions, past its 3 tolerance sessions
    (so today's staircase runs): the issue's first reproduction."""
    assert "start = 40" in PLAN
    d = tmp_path / "data"
    with Store.open(data_dir=d) as store:
        store.ensure_patient("p1")
        store.save_plan("p1", PLAN, author="test")
        for _ in range(3):
            rec = store.start_session("p1", "reaching", {"reaching": {"repetitions": 40}})
            rec.checkin("pre", {"pain": 3})
            rec.checkin("post", {"pain": 3})
            rec.close({"hits": 40, "session": {"completed": True, "quota_met": True,
                                               "rests": 0}}, completed=True)
    return d


def demo(data_dir: Path, *args: str) -> dict[str, Any]:
    res = CliRunner().invoke(cli, ["demo", "--patient", "p1", "--headless", "--json",
                                   "--no-report", "--data-dir", str(data_dir), *args])
    assert res.exit_code == 0, res.output
    return dict(json.loads(res.output.strip().splitlines()[-1]))


def test_after_a_pain_pause_the_level_stays_down_for_the_rest_of_the_session(
        data_dir: Path) -> None:
    out = demo(data_dir, "--seconds", "150", "--rest-pain", "8")
    steps = out["difficulty_steps"]
    pause = next(i for i, s in enumerate(steps) if s["reason"].startswith("pain pause"))
    assert steps[pause]["level"] < steps[pause - 1]["level"]  # one level down
    assert "ceiling at level" in steps[pause]["reason"]
    assert all(s["level"] <= steps[pause]["level"] for s in steps[pause:])
    with Store.open(data_dir=data_dir) as store:
        [*_, session] = store.history("p1")
        assert session.summary["difficulty_steps"] == steps  # the stored log is the same
        events = store.events(out["session_id"])
    t_pause = steps[pause]["t_s"]
    after = [e for e in events if e.kind == "hold_complete" and e.t > t_pause]
    assert len(after) >= 5  # enough trials after the pause for the staircase to have climbed
    ups = [e for e in events if e.kind == "difficulty_step" and e.t > t_pause
           and e.data["direction"] == "up"]
    assert not ups
    assert out["session"]["pain_ratings"] == [8] and out["end_reason"] == "completed"


def test_stop_for_today_at_a_pain_pause_ends_the_session_as_a_pain_stop(data_dir: Path) -> None:
    out = demo(data_dir, "--seconds", "150", "--rest-pain", "8", "--pain-pause", "stop")
    assert out["end_reason"] == "pain_stop"
    assert out["session"]["completed"] is False and out["session"]["quota_met"] is False
    with Store.open(data_dir=data_dir) as store:
        [*_, session] = store.history("p1")
        assert session.completed is False and session.pain_pauses == 1
        assert session.pain_in_session_max == 8


def test_at_the_stop_level_the_full_dose_is_never_played(data_dir: Path) -> None:
    suggested = demo(data_dir, "--pre-pain", "9", "--seconds", "60")
    assert suggested["easier"] is True and suggested["pain_pre"] == 9
    asked_full = demo(data_dir, "--pre-pain", "9", "--seconds", "60", "--today", "planned")
    assert asked_full["easier"] is True  # "As planned" is not on the screen at pain 9
    calm = demo(data_dir, "--pre-pain", "3", "--seconds", "60", "--today", "planned")
    assert calm["easier"] is False


def test_a_rest_day_plays_nothing_and_keeps_the_answers(data_dir: Path) -> None:
    with Store.open(data_dir=data_dir) as store:
        before = len(store.history("p1"))
    out = demo(data_dir, "--pre-pain", "9", "--today", "rest")
    assert out["rest_day"] is True and out["session_id"] is None
    assert out["end_reason"] == "rest_day" and out["hits"] == 0
    with Store.open(data_dir=data_dir) as store:
        assert len(store.history("p1")) == before  # no session
        daily = [c for c in store.checkins("p1") if c.phase == "daily"]
        assert daily and daily[-1].answers["pain"] == 9  # the diary keeps today's pain
    text = CliRunner().invoke(cli, ["demo", "--patient", "p1", "--headless", "--no-report",
                                    "--data-dir", str(data_dir), "--pre-pain", "9",
                                    "--today", "rest"])
    assert text.exit_code == 0 and "Rest day for patient p1" in text.output


@pytest.mark.parametrize(("plan_seated", "asked_seated", "played_seated"), [
    (True, False, True),  # a seated plan is never played standing
    (False, True, True),  # the patient may always sit
    (False, False, False),
])
def test_the_session_is_seated_when_the_plan_or_the_patient_says_so(
        data_dir: Path, plan_seated: bool, asked_seated: bool, played_seated: bool) -> None:
    from game.dosing import DosingSource

    text = PLAN.replace("seated = true", f"seated = {str(plan_seated).lower()}")
    with Store.open(data_dir=data_dir) as store:
        store.save_plan("p1", text, author="test")
        opts = DosingSource(store, "p1", "reaching", seated=asked_seated, pace=0.8).options(3)
    assert opts.full is not None
    assert opts.full.session.seated is played_seated and opts.easier.session.seated is played_seated
    assert opts.full.session.pace <= 0.8  # never faster than the patient's own pace
