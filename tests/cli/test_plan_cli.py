"""`neuroplay plan ...` against real SQLite files in tmp_path."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from game.cli import cli
from telemetry.pin import PIN_SETTING, hash_pin, verify_pin
from telemetry.store import Store

TEMPLATE = "neuropathic_upper_limb_seated"
PIN = "482193"


@pytest.fixture(autouse=True)
def no_pin_delay(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The growing delay after a wrong PIN is recorded, not slept (tests/cli/test_pin_guard.py
    checks it)."""
    delays: list[float] = []
    monkeypatch.setattr("game.cli.pin_entry._sleep", delays.append)
    return delays


def template_path() -> Path:
    return Path(str(resources.files("assets.plans").joinpath(f"{TEMPLATE}.toml")))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    with Store.open(data_dir=d) as store:
        store.ensure_patient("p1", affected_side="left")
        store.set_setting(PIN_SETTING, hash_pin(PIN, n=2**10))  # cheap for tests
    return d


def run(data_dir: Path | None, *args: str, input: str | None = None,
        env: dict[str, str | None] | None = None) -> object:
    """`neuroplay plan ...`; the therapist PIN comes from $NEUROPLAY_PIN unless `env` says otherwise."""
    extra = ["--data-dir", str(data_dir)] if data_dir is not None else []
    return CliRunner().invoke(cli, ["plan", *args, *extra], input=input,
                              env={"NEUROPLAY_PIN": PIN, **(env or {})},
                              catch_exceptions=False)


def versions(data_dir: Path) -> list[int]:
    with Store.open(data_dir=data_dir) as store:
        return [h["version"] for h in store.plan_history("p1")]


def current_text(data_dir: Path) -> str:
    with Store.open(data_dir=data_dir) as store:
        cur = store.current_plan("p1")
        assert cur is not None
        return cur[1]


def test_templates_lists_the_shipped_plans() -> None:
    res = run(None, "templates")
    assert res.exit_code == 0  # type: ignore[attr-defined]
    assert TEMPLATE in res.output and "gentle_start_fear_of_movement" in res.output  # type: ignore[attr-defined]


def test_validate_good_and_bad_files(tmp_path: Path) -> None:
    res = run(None, "validate", str(template_path()))
    assert res.exit_code == 0 and "valid plan" in res.output  # type: ignore[attr-defined]
    bad = tmp_path / "bad.toml"
    text = template_path().read_text().replace("band_high = 0.85", "band_high = 0.60")
    bad.write_text(text)
    res = run(None, "validate", str(bad))
    assert res.exit_code == 2  # type: ignore[attr-defined]
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("band_low"))
    assert f"{bad}: line {line}: staircase.band_low" in res.output  # type: ignore[attr-defined]
    assert len(res.output.strip().splitlines()) == 1  # type: ignore[attr-defined]
    res = run(None, "validate", str(tmp_path / "missing.toml"))
    assert res.exit_code == 2 and "no such file" in res.output  # type: ignore[attr-defined]


def test_new_and_show(data_dir: Path) -> None:
    res = run(data_dir, "new", "p1", "--template", TEMPLATE)
    assert res.exit_code == 0 and "plan version 1" in res.output  # type: ignore[attr-defined]
    assert 'affected_side = "left"' in current_text(data_dir)  # from the patient's record
    assert "# Neuropathic pain" in current_text(data_dir)  # the template's comments are kept
    res = run(data_dir, "show", "p1", "--json")
    out = json.loads(res.output)  # type: ignore[attr-defined]
    assert out["version"] == 1 and out["plan"]["plan"]["affected_side"] == "left"
    assert out["next"]["doses"]["reaching"]["side"] == "left"
    assert out["next"]["doses"]["reaching"]["repetitions"] == 12
    assert out["next"]["phase"]["reaching"] == "baseline"
    res = run(data_dir, "show", "p1")
    assert "Next session" in res.output and "tolerance session 1 of 3" in res.output  # type: ignore[attr-defined]
    assert "Reach a cup on a kitchen shelf: trained by reaching" in res.output  # type: ignore[attr-defined]


def test_unknown_patient_template_and_missing_plan(data_dir: Path) -> None:
    res = run(data_dir, "new", "nobody", "--template", TEMPLATE)
    assert res.exit_code == 2 and "unknown patient 'nobody'" in res.output  # type: ignore[attr-defined]
    res = run(data_dir, "new", "p1", "--template", "nope")
    assert res.exit_code == 2 and "unknown template 'nope'" in res.output  # type: ignore[attr-defined]
    res = run(data_dir, "show", "p1")
    assert res.exit_code == 2 and "has no plan yet" in res.output  # type: ignore[attr-defined]


def test_show_uses_the_stored_history(data_dir: Path) -> None:
    run(data_dir, "new", "p1", "--template", TEMPLATE)
    t0 = datetime(2026, 3, 2, 10, tzinfo=timezone.utc)
    with Store.open(data_dir=data_dir) as store:
        for day, hits in enumerate((14, 15, 16)):
            at = t0 + timedelta(days=day)
            rec = store.start_session("p1", "reaching", {"reaching": {"repetitions": 12}},
                                      started_at=at)
            store.checkin("p1", "pre", {"pain": 3}, session_id=rec.session_id, at=at)
            if day < 2:  # the third session's post-session answer comes below
                store.checkin("p1", "post", {"pain": 3}, session_id=rec.session_id,
                              at=at + timedelta(minutes=10))
            rec.close({"hits": hits, "reach_fraction": 0.75, "quota_met": True},
                      ended_at=at + timedelta(minutes=10), completed=True)
            last = rec.session_id
    # A session without its post-session pain answer does not count as tolerated.
    out = json.loads(run(data_dir, "show", "p1", "--json").output)  # type: ignore[attr-defined]
    assert out["next"]["phase"]["reaching"] == "baseline"
    assert any("does not count toward the baseline (no post-session pain answer)" in r
               for r in out["next"]["reasons"])
    with Store.open(data_dir=data_dir) as store:
        store.checkin("p1", "post", {"pain": 3}, session_id=last,
                      at=t0 + timedelta(days=2, minutes=10))
    out = json.loads(run(data_dir, "show", "p1", "--json").output)  # type: ignore[attr-defined]
    assert out["next"]["phase"]["reaching"] == "progressing"
    # 14-16 hits of the 12 given count as 12 (the baseline is what was tolerated, never
    # more than was given); 80 % of 12 = 9.6, on the plan's grid (6, 8, 10...) rounded easier.
    assert out["next"]["doses"]["reaching"]["repetitions"] == 8
    # reach 75 % of the 60 % given counts as 60 %; 80 % of it = 48 %, rounded easier = 45 %
    assert out["next"]["doses"]["reaching"]["reach_fraction"] == pytest.approx(0.45)
    assert any("baseline from 3 tolerance session(s)" in r for r in out["next"]["reasons"])


def test_set_valid_keeps_comments_and_invalid_keeps_old_plan(data_dir: Path) -> None:
    run(data_dir, "new", "p1", "--template", TEMPLATE)
    res = run(data_dir, "set", "p1", "reaching.reach_fraction.max", "0.8")
    assert res.exit_code == 0 and "plan version 2" in res.output  # type: ignore[attr-defined]
    text = current_text(data_dir)
    assert "max = 0.8, step = 0.05" in text and "# tolerance sessions" in text
    res = run(data_dir, "set", "p1", "reaching.reach_fraction.start", "0.95")
    assert res.exit_code == 2  # type: ignore[attr-defined]
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("reach_fraction"))
    assert f"line {line}: reaching.reach_fraction.start: start 0.95 is outside" in res.output  # type: ignore[attr-defined]
    assert "plan version 2 stays in force" in res.output  # type: ignore[attr-defined]
    res = run(data_dir, "set", "p1", "reaching.repetitions.start", "ten")
    assert res.exit_code == 2 and "reaching.repetitions.start" in res.output  # type: ignore[attr-defined]
    res = run(data_dir, "set", "p1", "plan.sessions_per_week", "4")
    assert res.exit_code == 0  # type: ignore[attr-defined]
    assert "sessions_per_week = 4" in current_text(data_dir)
    assert versions(data_dir) == [1, 2, 3]


def write_editor(tmp_path: Path, old: str, new: str) -> str:
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\n"
        "from pathlib import Path\n"
        "p = Path(sys.argv[1])\n"
        f"p.write_text(p.read_text().replace({old!r}, {new!r}))\n")
    return f"{sys.executable} {script}"


def test_edit_saves_a_valid_edit_and_refuses_an_invalid_one(data_dir: Path,
                                                            tmp_path: Path) -> None:
    run(data_dir, "new", "p1", "--template", TEMPLATE)
    ok = write_editor(tmp_path, "sessions_per_week = 5", "sessions_per_week = 3")
    res = run(data_dir, "edit", "p1", env={"EDITOR": ok})
    assert res.exit_code == 0 and "plan version 2 saved" in res.output  # type: ignore[attr-defined]
    assert "sessions_per_week = 3" in current_text(data_dir)
    bad = write_editor(tmp_path, "window = 10", "window = 10\nwindwo = 3")
    res = run(data_dir, "edit", "p1", env={"EDITOR": bad})
    assert res.exit_code == 2  # type: ignore[attr-defined]
    assert "staircase.windwo: unknown key" in res.output  # type: ignore[attr-defined]
    assert "plan version 2 stays in force" in res.output  # type: ignore[attr-defined]
    assert versions(data_dir) == [1, 2]
    same = write_editor(tmp_path, "zzz-not-there", "x")
    res = run(data_dir, "edit", "p1", env={"EDITOR": same})
    assert res.exit_code == 0 and "no change" in res.output  # type: ignore[attr-defined]


def test_no_change_before_a_pin_is_set(tmp_path: Path) -> None:
    d = tmp_path / "fresh"
    with Store.open(data_dir=d) as store:
        store.ensure_patient("p1", affected_side="left")
    res = run(d, "new", "p1", "--template", TEMPLATE, env={"NEUROPLAY_PIN": None})
    assert res.exit_code == 2 and "no therapist PIN is set" in res.output  # type: ignore[attr-defined]
    with Store.open(data_dir=d) as store:
        assert store.plan_history("p1") == []
    res = run(d, "set-pin", input=f"{PIN}\n")
    assert res.exit_code == 0  # type: ignore[attr-defined]
    res = run(d, "new", "p1", "--template", TEMPLATE, "--pin-stdin", input="1234\n",
              env={"NEUROPLAY_PIN": None})
    assert res.exit_code == 2 and "wrong therapist PIN" in res.output  # type: ignore[attr-defined]
    res = run(d, "new", "p1", "--template", TEMPLATE, "--pin-stdin", input=f"{PIN}\n",
              env={"NEUROPLAY_PIN": None})
    assert res.exit_code == 0 and "plan version 1" in res.output  # type: ignore[attr-defined]


def test_pin_rule(data_dir: Path) -> None:
    run(data_dir, "new", "p1", "--template", TEMPLATE)
    with Store.open(data_dir=data_dir) as store:
        stored = store.get_setting(PIN_SETTING)
    assert stored is not None and PIN not in stored and stored.startswith("scrypt$")
    assert verify_pin(PIN, stored) and not verify_pin("482194", stored)

    # wrong PIN: refused, nothing changed
    res = run(data_dir, "set", "p1", "reaching.repetitions.max", "30", "--pin-stdin",
              input="0000\n")
    assert res.exit_code == 2 and "wrong therapist PIN" in res.output  # type: ignore[attr-defined]
    res = run(data_dir, "new", "p1", "--template", TEMPLATE, env={"NEUROPLAY_PIN": "1111"})
    assert res.exit_code == 2  # type: ignore[attr-defined]
    res = run(data_dir, "edit", "p1", "--pin-stdin", input="9999\n")
    assert res.exit_code == 2  # type: ignore[attr-defined]
    res = run(data_dir, "set", "p1", "reaching.repetitions.max", "30", input="",
              env={"NEUROPLAY_PIN": None})
    assert res.exit_code == 2 and "PIN" in res.output  # type: ignore[attr-defined]
    assert versions(data_dir) == [1]

    # right PIN: accepted, from stdin or the environment
    res = run(data_dir, "set", "p1", "reaching.repetitions.max", "30", "--pin-stdin",
              input=f"{PIN}\n")
    assert res.exit_code == 0  # type: ignore[attr-defined]
    res = run(data_dir, "set", "p1", "reaching.repetitions.max", "32",
              env={"NEUROPLAY_PIN": PIN})
    assert res.exit_code == 0 and versions(data_dir) == [1, 2, 3]  # type: ignore[attr-defined]

    # changing the PIN needs the current one
    res = run(data_dir, "set-pin", input="1111\n555555\n")
    assert res.exit_code == 2 and "wrong current PIN" in res.output  # type: ignore[attr-defined]
    res = run(data_dir, "set-pin", input=f"{PIN}\n555555\n")
    assert res.exit_code == 0  # type: ignore[attr-defined]
    with Store.open(data_dir=data_dir) as store:
        assert verify_pin("555555", store.get_setting(PIN_SETTING) or "")


def test_set_pin_refuses_a_short_pin(data_dir: Path) -> None:
    res = run(data_dir, "set-pin", input=f"{PIN}\n12\n")
    assert res.exit_code == 2 and "6-64 characters" in res.output  # type: ignore[attr-defined]
    with Store.open(data_dir=data_dir) as store:
        assert verify_pin(PIN, store.get_setting(PIN_SETTING) or "")  # the old PIN stays


def test_simulate_json_and_plot(tmp_path: Path) -> None:
    res = run(None, "simulate", str(template_path()), "--sessions", "30", "--profile",
              "flaring", "--json")
    assert res.exit_code == 0  # type: ignore[attr-defined]
    out = json.loads(res.output)  # type: ignore[attr-defined]
    sessions = out["sessions"]
    assert [s["session"] for s in sessions] == list(range(1, 31))
    assert set(sessions[0]) >= {"session", "dose", "reasons", "flags"}
    assert set(sessions[0]["dose"]) >= {"repetitions", "reach_fraction"}
    assert any(f["kind"] == "flare" for s in sessions for f in s["flags"])
    assert all(s["reasons"] for s in sessions)

    png = tmp_path / "plots" / "traj.png"
    res = run(None, "simulate", str(template_path()), "--sessions", "20", "--profile",
              "improving", "--plot", str(png))
    assert res.exit_code == 0 and "repetitions" in res.output  # type: ignore[attr-defined]
    import matplotlib.image as mpimg

    img = mpimg.imread(png)
    assert img.shape[0] > 300 and img.shape[1] > 500
    assert float(img[..., :3].std()) > 0.05  # something was drawn
    assert not list(png.parent.glob(".traj.png.*"))  # no temp file left behind


def test_simulate_bad_inputs(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[plan]\nname = 3\n")
    res = run(None, "simulate", str(bad))
    assert res.exit_code == 2 and "line 2: plan.name" in res.output  # type: ignore[attr-defined]
    res = run(None, "simulate", str(template_path()), "--exercise", "tapping")
    assert res.exit_code == 2 and "--exercise 'tapping'" in res.output  # type: ignore[attr-defined]


def test_simulate_plot_to_an_unwritable_place(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = run(None, "simulate", str(template_path()), "--sessions", "3",
              "--plot", str(blocker / "out.png"))
    assert res.exit_code == 2 and "cannot write the plot" in res.output  # type: ignore[attr-defined]


def test_every_plan_command_has_help_and_takes_data_dir() -> None:
    from game.cli.plan import plan

    assert set(plan.commands) == {"templates", "validate", "new", "show", "edit", "set",
                                  "set-pin", "simulate"}
    for name, cmd in plan.commands.items():
        assert cmd.help, name
        res = CliRunner().invoke(cli, ["plan", name, "--help"])
        assert res.exit_code == 0 and "--data-dir" in res.output, name
        for opt in cmd.params:
            if isinstance(opt, click.Option):
                assert opt.help, f"{name} {opt.name}"


SCRIPT_HEAD = "session,pain_pre,pain_in_session_max,pain_pauses,pain_post,quota_met\n"


def test_simulate_a_scripted_patient_whose_pain_rises(tmp_path: Path) -> None:
    """The issue's case: a calm fortnight, then in-session pain 8 with pauses. The dose never
    rises in that week and two sessions above the acceptable level drop it a level."""
    rows = [f"{i},2,2,0,2,1" for i in range(1, 15)] + \
        [f"{i},3,8,1,7,1" for i in range(15, 18)] + ["18,3,3,0,3,1"]
    script = tmp_path / "rising.csv"
    script.write_text(SCRIPT_HEAD + "\n".join(rows) + "\n")
    res = run(None, "simulate", str(template_path()), "--script", str(script), "--json")
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    out = json.loads(res.output)  # type: ignore[attr-defined]
    assert out["script"].endswith("rising.csv") and out["profile"] is None
    s = out["sessions"]
    assert [x["session"] for x in s] == list(range(1, 19))
    assert (s[14]["pain_in_session_max"], s[14]["pain_pauses"]) == (8, 1)
    reps = [x["dose"]["repetitions"] for x in s]
    assert max(reps[15:]) <= reps[14] and reps[17] < reps[14]  # no rise; a level down
    assert any("pain above the acceptable 5 in two sessions in a row" in r
               for r in s[16]["reasons"])
    table = run(None, "simulate", str(template_path()), "--script", str(script))
    assert table.exit_code == 0 and "3->8->7" in table.output  # type: ignore[attr-defined]


@pytest.mark.parametrize(("csv", "says"), [
    ("", "empty file"),
    ("session,pain_pre\n1,2\n", "missing column(s) pain_in_session_max"),
    (SCRIPT_HEAD + "1,2,2,0,11,1\n", "line 2: pain_post: 11 is outside 0-10"),
    (SCRIPT_HEAD + "1,x,2,0,2,1\n", "line 2: pain_pre: expected a whole number 0-10"),
    (SCRIPT_HEAD + "2,2,2,0,2,1\n", "row 1 says 2"),
    (SCRIPT_HEAD, "no sessions after the header"),
])
def test_simulate_a_bad_script_says_what_is_wrong_and_exits_2(tmp_path: Path, csv: str,
                                                              says: str) -> None:
    script = tmp_path / "bad.csv"
    script.write_text(csv)
    res = run(None, "simulate", str(template_path()), "--script", str(script))
    assert res.exit_code == 2 and says in res.output, res.output  # type: ignore[attr-defined]
    assert "Traceback" not in res.output  # type: ignore[attr-defined]
    both = run(None, "simulate", str(template_path()), "--script", str(script),
               "--profile", "fearful")
    assert both.exit_code == 2  # type: ignore[attr-defined]


def test_set_to_the_value_it_already_has_saves_no_new_version(data_dir: Path) -> None:
    run(data_dir, "new", "p1", "--template", TEMPLATE)
    res = run(data_dir, "set", "p1", "reaching.reach_fraction.max", "0.9")
    assert res.exit_code == 0 and "is already 0.9; no change" in res.output  # type: ignore[attr-defined]
    assert versions(data_dir) == [1]


def test_a_plan_that_switches_a_safeguard_off_is_refused_until_a_reason_is_written(
        data_dir: Path) -> None:
    run(data_dir, "new", "p1", "--template", TEMPLATE)
    res = run(data_dir, "set", "p1", "guardrails.pain_stop_threshold", "10")
    assert res.exit_code == 2 and "switches a safeguard off" in res.output  # type: ignore[attr-defined]
    assert versions(data_dir) == [1]
    res = run(data_dir, "set", "p1", "safety.override_reason",
              "Dr. Lee: supervised in clinic, reviewed weekly")
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    res = run(data_dir, "set", "p1", "guardrails.pain_stop_threshold", "10")
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    shown = run(data_dir, "show", "p1")
    assert "Dr. Lee" in shown.output and "pain_stop_threshold" in shown.output  # type: ignore[attr-defined]
    out = json.loads(run(data_dir, "show", "p1", "--json").output)  # type: ignore[attr-defined]
    assert any("pain_stop_threshold" in o for o in out["overrides"])
