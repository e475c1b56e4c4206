"""The 3-D view in the real game: options reach the app, the rail stays put, V goes back to 2-D."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pygame
import pytest
from click.testing import CliRunner

from exercises.doses import SessionDose, make_dose
from exercises.events import VIEW_MODE, Event
from exercises.reaching import ReachingExercise
from exercises.session import SessionRunner
from game.app import App
from game.cli import cli
from game.context import DrawContext
from game.input import KeyboardMouseInput
from game.scenes.base import SceneStack
from game.scenes.exercise import ExerciseScene
from game.theme import PALETTE, Theme
from game.transform import fit_body_box
from game.views.projection import VIEW_DISTANCE_M
from game.views.scene3d import COMFORT, View3DState, ViewSettings
from game.widgets import rail_rects
from vision.bodyframe import BodyFrame
from vision.intents import HandIntent, Intents

SIZE = (1280, 720)


def _scene() -> ExerciseScene:
    dose = make_dose("reaching", repetitions=5, inter_target_s=0.0)
    ex = ReachingExercise(dose, None, np.random.default_rng(0), session_dose=SessionDose())
    scene = ExerciseScene(SessionRunner(ex, SessionDose(), 2), affected="right")
    for k in range(3):  # a target appears
        scene.update(Intents(t=k / 60, right=HandIntent(0.5, -1.2)), 1 / 60)
    assert ex.targets
    return scene


def _draw(scene: ExerciseScene, view3d: View3DState | None) -> pygame.Surface:
    surf = pygame.Surface(SIZE)
    scene.draw(surf, DrawContext(theme=Theme(SIZE[1], SIZE[0]), transform=fit_body_box(SIZE),
                                 intents=scene.last_intents, view3d=view3d))
    return surf


def _colour_count(surf: pygame.Surface, rect: pygame.Rect, colour: tuple[int, int, int]) -> int:
    px = pygame.surfarray.pixels3d(surf)[rect.left:rect.right, rect.top:rect.bottom]
    return int(np.all(px == np.array(colour), axis=-1).sum())


@pytest.mark.parametrize("stereo", [None, "sbs"])
def test_3d_frame_keeps_the_rail_and_sbs_fills_both_eyes(stereo: str | None) -> None:
    scene = _scene()
    _draw(scene, None)
    tr = fit_body_box(SIZE)
    rect_2d = scene.stop_btn.rect(tr), scene.pain_btn.rect(tr)
    state = View3DState(ViewSettings(view="3d", stereo=stereo))  # type: ignore[arg-type]
    surf = _draw(scene, state)
    stop, pain = rail_rects(SIZE, "left")
    assert (scene.stop_btn.rect(tr), scene.pain_btn.rect(tr)) == rect_2d == (stop, pain)
    assert tuple(surf.get_at((stop.left + stop.w // 8, stop.bottom - stop.h // 5)))[:3] == PALETTE.stop
    w, h = SIZE
    halves = (pygame.Rect(0, 0, w // 2, h), pygame.Rect(w // 2, 0, w // 2, h))
    target = [_colour_count(surf, r, PALETTE.target) for r in halves]
    if stereo == "sbs":  # the orange target in each eye's half, at nearly the same height
        assert target[0] > 50 and target[1] > 50
        ys = [np.nonzero(np.all(pygame.surfarray.pixels3d(surf)[r.left:r.right] ==
                                np.array(PALETTE.target), axis=-1))[1].mean() for r in halves]
        assert abs(ys[0] - ys[1]) < 3  # level eyes: no vertical disparity
    else:
        assert sum(target) > 100
    # the 3-D picture is not the 2-D one (the back-wall grid and the table are drawn)
    assert _colour_count(surf, pygame.Rect(0, 0, w, h), (139, 98, 57)) > 1000


def test_3d_target_lands_where_2d_draws_it_with_the_head_centred() -> None:
    scene = _scene()
    tv = scene.runner.exercise.targets[0]
    cx, cy = fit_body_box(SIZE).to_screen_int(tv.x, tv.y)
    surf = _draw(scene, View3DState(ViewSettings(view="3d")))
    xs, ys = np.nonzero(np.all(pygame.surfarray.pixels3d(surf) == np.array(PALETTE.target), axis=-1))
    assert abs(xs.mean() - cx) < 4 and abs(ys.mean() - cy) < 4


def test_head_moves_the_view_and_low_comfort_halves_it() -> None:
    normal, low = (View3DState(ViewSettings(view="3d", comfort=c)) for c in ("normal", "low"))  # type: ignore[arg-type]
    pose = np.zeros((33, 4), np.float32)
    pose[:, 3] = 1.0
    for i in range(40):  # eyes 60 px apart, left of the image centre: the head to the patient's right
        pose[2, :2] = (0.40 + 30 / 640, 0.5)
        pose[5, :2] = (0.40 - 30 / 640, 0.5)
        f = BodyFrame(index=i, t_ns=int(i * 1e9 / 30), width=640, height=480, pose=pose.copy())
        normal.on_frame(f)
        low.on_frame(f)
    assert normal.viewpoint[0] > 0.05
    assert low.viewpoint[0] == pytest.approx(COMFORT["low"].parallax_gain * normal.viewpoint[0])
    assert low.viewpoint[2] == VIEW_DISTANCE_M  # low comfort: the distance stays put
    assert normal.viewpoint[1] == pytest.approx(0.0, abs=1e-6)


def test_the_v_key_goes_back_to_2d_and_is_logged() -> None:
    pygame.display.init()
    pygame.display.set_mode((64, 64))
    try:
        stack = SceneStack()
        scene = _scene()
        stack.push(scene)
        app = App(pygame.Surface(SIZE), stack, keys=KeyboardMouseInput(), render=True)
        app.window = True  # read pygame's event queue, as a real window does
        app.view3d = View3DState(ViewSettings(view="3d"))
        logged: list[Event] = []
        app.emit = logged.extend
        pygame.event.clear()
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_v, mod=0, unicode="v",
                                             scancode=0))
        app.fixed_update(1 / 60)
        assert app.view3d.on is False
        assert [e.kind for e in logged] == [VIEW_MODE] and logged[0].data["view"] == "2d"
        surf = app.surface
        app.draw(0.0)
        # back in 2-D: the target disc where the 2-D renderer puts it, and the hint says V: 3D
        tv = scene.runner.exercise.targets[0]
        c = app.context().transform.to_screen_int(tv.x, tv.y)
        assert tuple(surf.get_at(c))[:3] in (PALETTE.target, PALETTE.target_hold)
        assert _colour_count(surf, surf.get_rect(), (139, 98, 57)) == 0  # no table: 2-D
    finally:
        pygame.display.quit()


def _demo(tmp_path: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["demo", "--headless", "--seconds", "5", "--json", "--no-report",
                                    "--data-dir", str(tmp_path / "d"), *args])


def test_cli_view_options_reach_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from game import runtime

    seen: list[Any] = []
    real = runtime.run_flow

    def spy(*a: Any, **kw: Any) -> Any:
        result = real(*a, **kw)
        seen.append(result.app.view3d)
        return result

    monkeypatch.setattr(runtime, "run_flow", spy)
    res = _demo(tmp_path, "--stereo", "sbs", "--comfort", "low", "--ipd-mm", "60")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output.splitlines()[-1])["session_id"]
    state = seen[0]
    assert isinstance(state, View3DState) and state.on
    assert state.settings == ViewSettings(view="3d", stereo="sbs", comfort="low", ipd_m=0.060)
    assert state.head[2] != VIEW_DISTANCE_M  # the virtual patient's eyes moved the head
    res = _demo(tmp_path, "--view", "3d")
    assert res.exit_code == 0 and seen[1].settings == ViewSettings(view="3d")
    res = _demo(tmp_path)
    assert res.exit_code == 0 and seen[2] is None  # 2-D stays the default


@pytest.mark.parametrize(("args", "words"), [
    (["--view", "2d", "--stereo", "sbs"], "leave out --view 2d"),
    (["--comfort", "low"], "add --view 3d"),
    (["--view", "3d", "--ipd-mm", "60"], "add --stereo sbs"),
    (["--view", "3d", "--game", "tapping"], "draws the reaching game"),
    (["--view", "3d", "--mirror", "split"], "choose one"),
    (["--reach-mode", "forward", "--game", "tapping"], "is for --game reaching"),
])
def test_contradicting_view_options_are_one_line_and_write_nothing(
        tmp_path: Path, args: list[str], words: str) -> None:
    res = _demo(tmp_path, *args)
    assert res.exit_code == 2 and words in res.output
    assert not (tmp_path / "d").exists()


def test_stereo_takes_the_ipd_from_the_plan_unless_given(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.resources import files

    from game import runtime
    from telemetry.store import Store

    plan = (files("assets.plans") / "neuropathic_upper_limb_seated.toml").read_text()
    plan = plan.replace("sessions_per_week = 5\n", "sessions_per_week = 5\nipd_mm = 58.0\n", 1)
    with Store.open(data_dir=tmp_path / "d") as store:
        store.ensure_patient("demo")
        store.save_plan("demo", plan, author="test")
    seen: list[Any] = []
    real = runtime.run_flow

    def spy(*a: Any, **kw: Any) -> Any:
        seen.append(kw.get("view"))
        return real(*a, **kw)

    monkeypatch.setattr(runtime, "run_flow", spy)
    assert _demo(tmp_path, "--stereo", "sbs").exit_code == 0
    assert _demo(tmp_path, "--stereo", "sbs", "--ipd-mm", "66").exit_code == 0
    assert [v.ipd_m for v in seen] == [pytest.approx(0.058), pytest.approx(0.066)]


@pytest.mark.parametrize(("forward", "colour"), [(0.5, "target"), (1.5, "hit")])
def test_2d_forward_gauge_shows_the_reading_against_the_need(forward: float, colour: str) -> None:
    from exercises.reaching_forward import ForwardReachingExercise
    from vision.directions import DIRECTIONS

    cal = {"envelope": {s: dict.fromkeys(DIRECTIONS, 1.6) for s in ("left", "right")},
           "forward": {s: {"rest": 0.0, "reach": 2.0} for s in ("left", "right")}}
    dose = make_dose("reaching", reach_fraction=1.0, inter_target_s=0.0, mode="forward")
    ex = ForwardReachingExercise(dose, cal, np.random.default_rng(0), session_dose=SessionDose())
    scene = ExerciseScene(SessionRunner(ex, SessionDose(), 2), affected="right")
    for k in range(3):  # the hand far below the spot: no hit, whatever the depth
        scene.update(Intents(t=k / 60, right=HandIntent(0.5, -2.0, forward=forward)), 1 / 60)
    assert ex.targets[0].depth == pytest.approx(2.0)
    surf = _draw(scene, None)
    w, h = SIZE
    gauge = pygame.Rect(w // 2, 0, w // 2, h // 4)  # top right: away from the rail (left)
    want = getattr(PALETTE, colour)
    other = PALETTE.hit if colour == "target" else PALETTE.target
    assert _colour_count(surf, gauge, want) > 100 and _colour_count(surf, gauge, other) == 0
