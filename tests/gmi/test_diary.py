"""The daily diary (`neuroplay diary`), its effect on the flare rule and flags, the flare
plan from the plan, the report's therapies section, and the GMI ladder across sessions."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from exercises.diary import DiaryEntry, FlarePlan, flare_plan_lines, flare_status
from game.cli import cli
from telemetry.store import Store

PLAN = Path(__file__).resolve().parents[2] / "assets" / "plans" / "neuropathic_upper_limb_seated.toml"
DAY = ["--worst", "5", "--sleep", "6", "--mood", "7", "--activity", "8", "--no-medication-change"]


def _run(tmp: Path, *args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, ["diary", "--data-dir", str(tmp), *args], input=input)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    store = Store.open(tmp_path / "neuroplay.db")
    store.ensure_patient("P-D1", affected_side="right")
    store.close()
    return tmp_path


def test_entry_round_trip_as_a_daily_checkin(home: Path) -> None:
    res = _run(home, "--patient", "P-D1", "--pain", "3", *DAY, "--json", "--no-report")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["answers"] == {"pain": 3, "worst_pain": 5, "sleep": 6, "mood": 7, "activity": 8,
                              "medication_change": 0}
    assert out["flare"] is False and out["flare_plan"] is None
    store = Store.open(home / "neuroplay.db", create=False)
    try:
        [c] = store.checkins("P-D1")
        assert c.phase == "daily" and c.session_id is None and dict(c.answers) == out["answers"]
    finally:
        store.close()


def test_answers_not_given_are_asked(home: Path) -> None:
    res = _run(home, "--patient", "P-D1", "--no-report", input="4\n6\n5\n5\n3\ny\n")
    assert res.exit_code == 0, res.output
    store = Store.open(home / "neuroplay.db", create=False)
    try:
        [c] = store.checkins("P-D1")
        assert dict(c.answers) == {"pain": 4, "worst_pain": 6, "sleep": 5, "mood": 5,
                                   "activity": 3, "medication_change": 1}
    finally:
        store.close()


@pytest.mark.parametrize(("args", "words"), [
    (["--patient", "P-D1", "--pain", "7", "--worst", "3"], "worst pain 3 is below the pain now 7"),
    (["--patient", "P-NOPE1", "--pain", "3", *DAY], "unknown patient"),
    (["--patient", "P-D1", "--pain", "3", *DAY, "--date", "2999-01-01"], "in the future"),
])
def test_bad_input_is_one_line_exit_2_nothing_written(home: Path, args: list[str],
                                                      words: str) -> None:
    extra = [] if "--sleep" in args else ["--sleep", "5", "--mood", "5", "--activity", "5",
                                          "--no-medication-change"]
    res = _run(home, *args, *extra, "--no-report")
    assert res.exit_code == 2 and words in res.output
    assert len(res.output.strip().splitlines()) == 1
    store = Store.open(home / "neuroplay.db", create=False)
    try:
        assert store.checkins("P-D1") == []
    finally:
        store.close()


def test_a_flare_from_diary_pain_shows_the_therapists_plan_and_is_kept(home: Path) -> None:
    store = Store.open(home / "neuroplay.db", create=False)
    plan = PLAN.read_text() + ('\n[flare_plan]\nsteps = ["Halve the session", "Use the '
                               'warm pack"]\ncall_when = "after 5 days"\ncontact = "Clinic '
                               '555-0100"\nwritten_by = "A. Therapist"\n')
    store.save_plan("P-D1", plan, "test")
    today = store.now().date()
    store.close()
    days = [today - timedelta(days=k) for k in range(5, -1, -1)]
    pains = [2, 2, 2, 2, 5, 5]  # baseline 2; two days at +3: a flare on the last day
    outs = []
    for d, p in zip(days, pains, strict=True):
        res = _run(home, "--patient", "P-D1", "--pain", str(p), "--worst", str(p + 1),
                   "--sleep", "5", "--mood", "5", "--activity", "5", "--no-medication-change",
                   "--date", d.isoformat(), "--json")
        assert res.exit_code == 0, res.output
        outs.append(json.loads(res.output))
    assert [o["flare"] for o in outs] == [False] * 5 + [True]
    lines = outs[-1]["flare_plan"]
    assert lines[2:4] == ["1. Halve the session", "2. Use the warm pack"]
    assert "When to call: after 5 days" in lines and "Contact: Clinic 555-0100" in lines
    assert "at least 2 points above your usual (2)" in outs[-1]["flare_reason"]
    store = Store.open(home / "neuroplay.db", create=False)
    try:
        flags = {f.kind: f for f in store.flags("P-D1", status="open")}
        assert "flare" in flags  # the therapist's flare flag, from diary pain alone
        assert flags["flare_plan"].evidence["shown"][0]["written_by"] == "A. Therapist"
    finally:
        store.close()
    html = Path(outs[-1]["report"]).read_text()
    assert "Flare plan shown to the patient" in html and "Daily diary (newest 6)" in html
    # an entry without a flare next time: the record of the showing stays open
    res = _run(home, "--patient", "P-D1", "--pain", "2", *DAY, "--json", "--flare")
    out = json.loads(res.output)
    assert out["flare_reason"].startswith("you said you are having a flare")
    store = Store.open(home / "neuroplay.db", create=False)
    try:
        [f] = [f for f in store.flags("P-D1", status="open") if f.kind == "flare_plan"]
        assert len(f.evidence["shown"]) == 2
    finally:
        store.close()


def test_flare_plan_text_pure() -> None:
    plan = FlarePlan()
    lines = flare_plan_lines(plan, flare_status(True, "pain up for 2 days", True))
    assert lines[1] == "Why you see this: you said you are having a flare; pain up for 2 days."
    assert lines[-1].startswith("(General advice")
    assert not flare_status(False, "", False).flare
    entry = DiaryEntry(3, 4, 5, 6, 7, True, flare=True)
    assert entry.answers()["medication_change"] == 1 and entry.answers()["flare"] == 1


def test_gmi_ladder_moves_up_after_three_qualifying_laterality_sessions(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "neuroplay.db")
    store.ensure_patient("P-G1", affected_side="right")
    store.save_plan("P-G1", PLAN.read_text() + "\n[gmi]\ntrials_per_set = 8\n"
                    "[gmi.norms.keys]\naccuracy = 0.5\nmedian_rt_s = 9.0\n", "test")
    store.close()
    outs = []
    for seed in range(4):
        res = CliRunner().invoke(cli, ["demo", "--game", "laterality", "--json", "--seed",
                                       str(seed), "--patient", "P-G1", "--data-dir",
                                       str(tmp_path), "--no-report" if seed < 3 else "--json"])
        assert res.exit_code == 0, res.output
        outs.append(json.loads(res.output.strip().splitlines()[-1]))
    assert [o["gmi_stage"] for o in outs] == [1, 1, 1, 2]
    assert outs[0]["decisions"] == [("GMI stage 1 (laterality recognition): the plan's starting "
                                    "stage")]
    assert outs[3]["decisions"][0].startswith("GMI stage 2 (imagined movements): up to imagined "
                                              "movements: 3 sessions in a row")
    assert outs[3]["decisions"][1] == ("this session plays stage 1 (laterality recognition) as "
                                       "asked")
    html = Path(outs[3]["report"]).read_text()
    assert "GMI stage decisions" in html and "up to imagined movements" in html
    assert "not yet confirmed by a clinician" in html


def test_diary_pain_day_alone_is_not_a_flare_before_a_baseline(home: Path) -> None:
    d = date.today().isoformat()
    res = _run(home, "--patient", "P-D1", "--pain", "9", "--worst", "9", "--sleep", "5",
               "--mood", "5", "--activity", "5", "--no-medication-change", "--date", d,
               "--json", "--no-report")
    assert res.exit_code == 0 and json.loads(res.output)["flare"] is False


def test_the_game_shows_the_flare_plan_after_the_checkin_when_todays_pain_completes_a_flare(
        home: Path) -> None:
    store = Store.open(home / "neuroplay.db", create=False)
    now = store.now()
    for k, p in ((5, 2), (4, 2), (3, 2), (2, 2), (1, 5)):
        store.checkin("P-D1", "daily", {"pain": p}, at=now - timedelta(days=k))
    store.close()
    shots = home / "shots"
    res = CliRunner().invoke(cli, ["demo", "--headless", "--json", "--seconds", "10",
                                   "--patient", "P-D1", "--pre-pain", "5", "--no-report",
                                   "--data-dir", str(home), "--screenshots", str(shots)])
    assert res.exit_code == 0, res.output
    assert (shots / "flare_plan.png").exists() or any("flare_plan" in p.name
                                                       for p in shots.iterdir())
    store = Store.open(home / "neuroplay.db", create=False)
    try:
        [f] = [f for f in store.flags("P-D1", status="open") if f.kind == "flare_plan"]
        assert f.evidence["shown"][0]["where"] == "game"
        assert "at least 2 points above your usual (2)" in f.message
        assert len(store.history("P-D1")) == 1  # the session went on after the plan
    finally:
        store.close()


def test_no_flare_no_plan_in_the_game(home: Path) -> None:
    res = CliRunner().invoke(cli, ["demo", "--headless", "--json", "--seconds", "10",
                                   "--patient", "P-D1", "--pre-pain", "5", "--no-report",
                                   "--data-dir", str(home)])
    assert res.exit_code == 0, res.output
    store = Store.open(home / "neuroplay.db", create=False)
    try:
        assert not [f for f in store.flags("P-D1") if f.kind == "flare_plan"]
    finally:
        store.close()
