"""The laterality scene (real pygame surface, dummy driver) and `demo --game laterality`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame
from click.testing import CliRunner

from exercises.gmi.laterality import Trial
from exercises.gmi.laterality_run import LateralityRun
from game.cli import cli
from game.context import DrawContext
from game.scenes.common import menu_transform
from game.scenes.laterality import SKIN, LateralityScene, camera_answer, hands_down
from telemetry.store import Store
from vision.intents import HandIntent, Intents

PLAN = Path(__file__).resolve().parents[2] / "assets" / "plans" / "neuropathic_upper_limb_seated.toml"


def test_raising_one_hand_answers_that_side_both_or_none_do_not() -> None:
    up, down = HandIntent(0.5, 1.0), HandIntent(0.5, -1.0)
    assert camera_answer(Intents(t=0, left=up, right=down)) == "left"
    assert camera_answer(Intents(t=0, left=down, right=up)) == "right"
    assert camera_answer(Intents(t=0, left=up, right=up)) is None
    assert camera_answer(Intents(t=0)) is None
    assert not hands_down(Intents(t=0, right=up)) and hands_down(Intents(t=0, right=down))
    hidden = HandIntent(0.5, 1.0, visibility=0.2)
    assert camera_answer(Intents(t=0, right=hidden)) is None


def _scene() -> tuple[LateralityScene, LateralityRun]:
    from assets.gmi import hand_poses

    run = LateralityRun([Trial(0, "right", "palmar", 45, 0), Trial(1, "left", "dorsal", 0, 1)],
                        deadline_s=3.0, ready_s=0.2, feedback_s=0.2)
    return LateralityScene(run, hand_poses()), run


def test_scene_draws_the_hand_and_takes_a_click_a_key_and_a_raised_hand() -> None:
    pygame.font.init()
    scene, run = _scene()
    size = (960, 540)
    surface = pygame.Surface(size)
    ctx = DrawContext.for_surface(surface, menu_transform(size))
    rest = Intents(t=0, left=HandIntent(-0.4, -1.6), right=HandIntent(0.4, -1.6))
    for _ in range(15):
        scene.update(rest, 1 / 60)
    assert run.phase == "show"
    scene.draw(surface, ctx)
    centre = pygame.Rect(size[0] // 2 - 150, size[1] // 2 - 150, 300, 300)
    skin = sum(1 for x in range(centre.left, centre.right, 3) for y in range(centre.top,
               centre.bottom, 3) if abs(surface.get_at((x, y))[0] - SKIN[0]) < 60
               and surface.get_at((x, y))[0] > 120)
    assert skin > 200  # a filled hand, not an outline or nothing
    right_btn = scene.buttons[1]
    scene.update(Intents(t=0, right=HandIntent(*right_btn.center), click=True), 1 / 60)
    assert run.answers[-1].correct and run.modes[-1] == "click"
    while run.phase != "show":
        scene.update(rest, 1 / 60)
    scene.update(Intents(t=0, left=HandIntent(-0.6, 1.0), right=HandIntent(0.4, -1.6)), 1 / 60)
    assert run.answers[-1].answer == "left" and run.modes[-1] == "camera"
    while not scene.dismissed:
        scene.update(rest, 1 / 60)
    assert scene.result["trials"] == 2 and scene.result["accuracy"] == 1.0


def test_a_key_outside_a_picture_answers_nothing() -> None:
    scene, run = _scene()
    scene.update(Intents(t=0, number=2), 1 / 60)  # during "ready"
    assert run.answers == [] and run.phase == "ready"


def _demo(tmp: Path, *args: str) -> dict[str, Any]:
    res = CliRunner().invoke(cli, ["demo", "--game", "laterality", "--json", "--no-report",
                                   "--data-dir", str(tmp), *args])
    assert res.exit_code == 0, res.output
    return json.loads(res.output.strip().splitlines()[-1])


def test_demo_laterality_json_and_store(tmp_path: Path) -> None:
    out = _demo(tmp_path, "--seed", "5")
    for key in ("trials", "accuracy", "median_rt_s"):
        assert key in out and key in out["left"] and key in out["right"]
    assert out["trials"] == 40 and out["left"]["trials"] + out["right"]["trials"] == 40
    assert out["answer_mode"] == "keys" and out["norm"]["confirmed_by"] is None
    assert out["right"]["median_rt_s"] > out["left"]["median_rt_s"]  # the affected side
    store = Store.open(tmp_path / "neuroplay.db", create=False)
    try:
        [session] = store.history("demo")
        assert session.exercise == "laterality"
        events = [e for e in store.events(session.session_id) if e.kind == "gmi_trial"]
        assert len(events) == 40
        assert sum(e.data["correct"] for e in events) == round(out["accuracy"] * 40)
    finally:
        store.close()


def test_camera_answers_are_slower_and_judged_by_the_plans_camera_norm(tmp_path: Path) -> None:
    keys = _demo(tmp_path / "k", "--seed", "5", "--patient", "P-K1")
    store = Store.open(tmp_path / "c" / "neuroplay.db")
    store.ensure_patient("P-C1", affected_side="right")
    plan = PLAN.read_text() + "\n[gmi.norms.camera]\naccuracy = 0.5\nmedian_rt_s = 9.0\n"
    store.save_plan("P-C1", plan, "test")
    store.close()
    cam = _demo(tmp_path / "c", "--seed", "5", "--patient", "P-C1", "--answer", "camera")
    assert cam["answer_mode"] == "camera"
    assert cam["median_rt_s"] > keys["median_rt_s"] + 0.3
    assert cam["norm"] == {"mode": "camera", "accuracy": 0.5, "median_rt_s": 9.0,
                           "confirmed_by": None}
    assert cam["criteria_met"] is True


def test_a_bad_gmi_plan_is_one_line_exit_2(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "neuroplay.db")
    store.ensure_patient("P-B1", affected_side="right")
    store.save_plan("P-B1", PLAN.read_text(), "test")
    store.close()
    import sqlite3

    con = sqlite3.connect(tmp_path / "neuroplay.db")
    con.execute("UPDATE plans SET toml_text = toml_text || ?", ("\n[gmi]\ntrials_per_set = 1\n",))
    con.commit()
    con.close()
    res = CliRunner().invoke(cli, ["demo", "--game", "laterality", "--json", "--no-report",
                                   "--patient", "P-B1", "--data-dir", str(tmp_path)])
    assert res.exit_code == 2
    assert "gmi.trials_per_set" in res.output and len(res.output.strip().splitlines()) == 1


def test_gmi_demo_refuses_recordings_and_mirror(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["demo", "--game", "imagery", "--mirror", "split",
                                   "--data-dir", str(tmp_path)])
    assert res.exit_code == 2 and "not for it" in res.output
    assert not (tmp_path / "neuroplay.db").exists()
