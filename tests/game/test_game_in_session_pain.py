"""Issue 5: the in-session pain check at each rest break, and the pause that eases the dose.

Real scenes on a real SceneStack and App (pygame surfaces), the real reaching
exercise, session runner and staircase (from a stored plan), a real SQLite
store; the check-ins are answered by game.players.script's hand on the buttons.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pygame
import pytest
from game_test_doubles import ENVELOPE, patient_with_plan

from exercises.doses import SessionDose, make_dose
from exercises.dosing import InSessionDosing, Staircase, StairParam
from exercises.events import CHECKIN, DIFFICULTY_STEP, PAIN_STOP, PAUSE, RESUME, TARGET_SHOWN
from exercises.registry import make_exercise
from exercises.session import SessionRunner
from game.app import App
from game.context import DrawContext
from game.dosing import DosingSource
from game.flow import SessionFlow
from game.input import KeyboardMouseInput
from game.loop import FixedStepLoop, SimClock
from game.players import PointerPlayer
from game.players.script import DEMO_PRE, ScriptedMenus
from game.scenes.base import SceneStack
from game.scenes.common import menu_transform
from game.scenes.pain_check import (
    CONTINUE,
    SKIP,
    STOP_TODAY,
    PainEasierScene,
    PainNowScene,
    easier_words,
)
from game.services import GameServices
from game.theme import Theme
from telemetry.store import Store
from vision.intents import HandIntent, Intents

# One rest 6 s into a 10 s session, 2 s long; the plan's guardrails (above 5, or a rise of 2).
SESSION = SessionDose(session_minutes=10 / 60, rest_every_s=6.0, rest_s=2.0, pain_stop_threshold=5,
                      pain_rise_limit=2)
PRE_PAIN = 3


@pytest.fixture
def store(tmp_path: Path):
    s = Store.open(tmp_path / "neuroplay.db", flush_interval_s=0.05)
    yield s
    s.close()


def planned_services(store: Store) -> GameServices:
    """A patient on the seated template plan past its tolerance sessions: today's dose and
    staircase from the dosing core (game.dosing.DosingSource)."""
    patient_with_plan(store, "p1")
    dosing = DosingSource(store, "p1", "reaching", session=SESSION)
    assert dosing.options(PRE_PAIN).full.staircase() is not None
    return GameServices(store, dosing, game="reaching", default_calibration={"envelope": ENVELOPE})


def plain_services(store: Store) -> GameServices:
    """No plan: the default dose and a plain SessionRunner (no staircase)."""
    dosing = DosingSource(None, "p1", "reaching", session=SESSION,
                          dose_values={"repetitions": 40, "hold_s": 0.5, "inter_target_s": 0.5})
    return GameServices(store, dosing, game="reaching", default_calibration={"envelope": ENVELOPE})


def play(services: GameServices, in_session: int | str, pause_choice: str = CONTINUE) -> SessionFlow:
    stack = SceneStack()
    flow = SessionFlow(stack, services, patient="p1", easier=False)
    flow.start()
    menus = ScriptedMenus(pre={**DEMO_PRE, "pain": PRE_PAIN}, in_session=in_session,
                          pause_choice=pause_choice)
    app = App(pygame.Surface((640, 360)), stack, driver=PointerPlayer(speed=2.0, menus=menus),
              keys=KeyboardMouseInput())
    FixedStepLoop(SimClock()).run(app, max_frames=120 * 60)
    assert flow.result.finished
    return flow


def stored(store: Store, flow: SessionFlow) -> list[tuple[str, dict[str, Any]]]:
    return [(e.kind, dict(e.data)) for e in store.events(flow.result.session_id)]


def test_a_rise_of_two_pauses_drops_one_level_and_the_next_targets_are_easier(store: Store) -> None:
    flow = play(planned_services(store), in_session=PRE_PAIN + 2)
    assert "pain_easier" in flow.stack.entered  # the pause screen, continued by the script
    events = stored(store, flow)
    kinds = [k for k, _ in events]
    checks = [d for k, d in events if k == CHECKIN and d.get("phase") == "in_session"]
    assert checks == [{"phase": "in_session", "nrs": 5, "pre_pain": 3, "drop_levels": 1}]
    i_check = next(i for i, (k, d) in enumerate(events) if k == CHECKIN and d.get("phase") == "in_session")
    # Right after the check-in: the pain pause and the one-level drop, then the patient's Continue.
    assert events[i_check + 1] == (PAUSE, {"reason": "pain"})
    kind, step = events[i_check + 2]
    assert kind == DIFFICULTY_STEP and step["direction"] == "down"
    assert "pain rose 2 points over 3/10" in step["why"]
    assert kinds[i_check + 3] == RESUME
    t = [e.t for e in store.events(flow.result.session_id)]
    assert t[i_check + 3] > t[i_check + 1] + 0.5  # resumed when the patient chose Continue (a dwell later)
    assert step["to"]["reach_fraction"] < step["from"]["reach_fraction"]
    assert step["to"]["target_radius"] > step["from"]["target_radius"]
    # The targets shown after the drop are closer and bigger than the last one before it.
    before = [d for k, d in events[:i_check] if k == TARGET_SHOWN][-1]
    after = [d for k, d in events[i_check:] if k == TARGET_SHOWN]
    assert after, "no target after the rest"
    assert after[0]["reach_fraction"] == pytest.approx(step["to"]["reach_fraction"])
    assert after[0]["radius"] == pytest.approx(step["to"]["target_radius"])
    assert after[0]["reach_fraction"] < before["reach_fraction"] and after[0]["radius"] > before["radius"]
    summary = flow.result.outcome.summary["session"]
    assert summary["pain_ratings"] == [5] and summary["pauses"] == 1


def test_pain_within_the_limits_is_recorded_and_changes_nothing(store: Store) -> None:
    flow = play(planned_services(store), in_session=PRE_PAIN + 1)
    events = stored(store, flow)
    assert [d for k, d in events if k == CHECKIN] == [
        {"phase": "in_session", "nrs": 4, "pre_pain": 3, "drop_levels": 0}]
    assert not [d for k, d in events if k == PAUSE]
    assert not [d for k, d in events if k == DIFFICULTY_STEP and "pain" in d["why"]]
    assert "pain_easier" not in flow.stack.entered


def test_skip_records_nothing(store: Store) -> None:
    flow = play(planned_services(store), in_session=SKIP)
    assert dict(flow.stack.history)["checkin_in_session"] == {}
    events = stored(store, flow)
    assert not [d for k, d in events if k in (CHECKIN, PAUSE)]
    assert flow.result.outcome.summary["session"]["pain_ratings"] == []
    assert flow.result.outcome.reason == "time_cap"  # the rest and the session went on


def test_without_a_plan_the_pain_still_pauses_but_there_is_no_level_to_drop(store: Store) -> None:
    flow = play(plain_services(store), in_session=7)  # above 5
    events = stored(store, flow)
    assert [d for k, d in events if k == CHECKIN] == [
        {"phase": "in_session", "nrs": 7, "pre_pain": 3, "drop_levels": 1}]
    assert (PAUSE, {"reason": "pain"}) in events and any(k == RESUME for k, _ in events)
    assert not any(k == DIFFICULTY_STEP for k, _ in events)
    assert dict(flow.stack.history)["pain_easier"] == "continue"  # shown, and the patient went on


# --------------------------------------------------------------- the scenes
def runner_with_staircase(pre_pain: int = 2) -> SessionRunner:
    exercise = make_exercise("reaching", make_dose("reaching", reach_fraction=0.6, target_radius=0.3),
                             None, np.random.default_rng(0))
    stair = Staircase([StairParam("reach_fraction", 0.3, 0.9, 0.05, +1),
                       StairParam("target_radius", 0.15, 0.40, 0.025, -1)],
                      {"reach_fraction": 0.6, "target_radius": 0.3})
    return SessionRunner(exercise, SessionDose(), pre_pain=pre_pain,
                         dosing=InSessionDosing(stair, exercise))


def test_the_runner_drains_the_drop_right_after_the_check_in_and_only_once() -> None:
    r = runner_with_staircase(pre_pain=2)
    r.step(Intents(t=0.5, body_visible=True, right=HandIntent(0.5, -1.0)), 1 / 60)
    r.drain()
    r.in_session_pain(6, t=1.0)
    kinds = [e.kind for e in r.drain()]
    assert kinds == [CHECKIN, PAUSE, DIFFICULTY_STEP]
    r.resume(1.5)
    r.step(Intents(t=1.6, body_visible=True, right=HandIntent(0.5, -1.0)), 1 / 60)
    assert DIFFICULTY_STEP not in [e.kind for e in r.drain()]  # drained once, not again
    assert easier_words([]) == []


def test_pain_question_by_key_enter_dwell_and_skip() -> None:
    scene = PainNowScene()
    scene.update(Intents(t=0.0, number=7), 1 / 60)
    assert scene.result == {"pain": 7}
    scene = PainNowScene()
    scene.update(Intents(t=0.0, confirm=True), 1 / 60)  # Enter with no number chosen: skip
    assert scene.dismissed and scene.result == {}
    scene = PainNowScene()
    scene.adjust(+1)  # arrows highlight 6 (5 + 1); Enter takes it
    scene.update(Intents(t=0.0, confirm=True), 1 / 60)
    assert scene.result == {"pain": 6}
    scene = PainNowScene()
    x, y = scene.skip_btn.center
    for i in range(int(scene.dwell_s * 60) + 2):
        scene.update(Intents(t=i / 60, right=HandIntent(x, y)), 1 / 60)
    assert scene.dismissed and scene.result == {}
    scene = PainNowScene()
    scene.update(Intents(t=0.0, stop=True), 1 / 60)
    assert scene.dismissed and scene.result is None


def test_pause_screen_says_why_offers_stop_or_continue_and_waits() -> None:
    r = runner_with_staircase(pre_pain=2)
    r.in_session_pain(5, t=1.0)
    eased = PainEasierScene(nrs=5, pre_pain=2, threshold=5, rise_limit=2, easier=easier_words(r.drain()))
    assert eased.text.startswith("Your pain is 5 out of 10 now; before the session it was 2. "
                                 "It has gone up by 3, so we have paused.")
    assert eased.text.endswith("If you go on, the targets will be a little closer and a little "
                               "bigger, and it will not get harder again today.")
    assert [b.value for b in eased.buttons] == [STOP_TODAY, CONTINUE]
    stop_b, go_b = eased.buttons
    assert stop_b.half == go_b.half  # the same size: neither is the small print
    assert "Stop for today" in stop_b.label and "Continue easier" in go_b.label
    plain = PainEasierScene(nrs=7, pre_pain=None, threshold=5, rise_limit=2)
    assert "above 5" in plain.text and "easier" not in plain.continue_btn.label.lower()
    for i in range(30):  # nothing pressed: it stays
        eased.update(Intents(t=i / 60), 1 / 60)
    assert not eased.dismissed
    eased.update(Intents(t=1.0, confirm=True), 1 / 60)  # Enter: the recommended choice
    assert eased.result == STOP_TODAY
    by_key = PainEasierScene(nrs=5, pre_pain=2, threshold=5, rise_limit=2)
    by_key.update(Intents(t=0.0, number=2), 1 / 60)
    assert by_key.result == CONTINUE
    arrows = PainEasierScene(nrs=5, pre_pain=2, threshold=5, rise_limit=2)
    arrows.adjust(+1)
    arrows.update(Intents(t=0.0, confirm=True), 1 / 60)
    assert arrows.result == CONTINUE  # Enter takes the highlighted choice
    by_hand = PainEasierScene(nrs=5, pre_pain=2, threshold=5, rise_limit=2)
    for i in range(int(by_hand.dwell_s * 60) + 2):
        by_hand.update(Intents(t=i / 60, left=HandIntent(*stop_b.center)), 1 / 60)
    assert by_hand.result == STOP_TODAY


def test_stop_for_today_at_the_pain_pause_ends_gently_as_a_pain_stop(store: Store) -> None:
    flow = play(planned_services(store), in_session=PRE_PAIN + 3, pause_choice=STOP_TODAY)
    assert flow.result.outcome.reason == "pain_stop"
    assert flow.result.outcome.pain_stop_rating == PRE_PAIN + 3
    kinds = [k for k, _ in stored(store, flow)]
    assert kinds.index(PAUSE) < kinds.index(PAIN_STOP) and RESUME not in kinds
    after = flow.stack.entered[flow.stack.entered.index("pain_easier"):]
    assert after[1] == "checkin_post" and after[-1] == "summary"  # the gentle end


@pytest.mark.parametrize("size", [(1280, 720), (480, 854), (640, 360)])
def test_pain_screens_keep_their_text_off_the_buttons(size: tuple[int, int]) -> None:
    """Every line of text ends above the buttons (drawn on a real surface: the rows
    just above each button hold only the background colour)."""
    scenes = [PainNowScene(), PainEasierScene(nrs=6, pre_pain=3, threshold=5, rise_limit=2,
                                              easier=["the targets will be a little closer"])]
    for scene in scenes:
        surf = pygame.Surface(size)
        tr = menu_transform(size)
        ctx = DrawContext(theme=Theme(height=size[1], width=size[0]), transform=tr)
        scene.draw(surf, ctx)
        bg = ctx.theme.palette.background
        arr = pygame.surfarray.pixels3d(surf)
        for b in scene.buttons:
            r = b.rect(tr)
            assert surf.get_rect().contains(r), (scene.name, b.label, size)
            # the highlighted choice's outline belongs to the button
            o = r.inflate(16, 16) if isinstance(scene, PainEasierScene) else r
            strip = arr[o.left:o.right, max(0, o.top - 8):o.top - 2]
            assert np.all(strip == bg), (scene.name, b.label, size)
        del arr


def test_stop_on_the_pain_pause_ends_the_session_as_stopped(store: Store) -> None:
    stack = SceneStack()
    flow = SessionFlow(stack, plain_services(store), patient="p1", easier=False)
    flow.start()
    keys = KeyboardMouseInput()
    menus = ScriptedMenus(pre={**DEMO_PRE, "pain": PRE_PAIN}, in_session=8)
    app = App(pygame.Surface((640, 360)), stack, driver=PointerPlayer(speed=2.0, menus=menus), keys=keys)
    loop = FixedStepLoop(SimClock())
    for _ in range(120 * 60):
        if stack.top is None or stack.top.name == "pain_easier":
            break
        loop.clock.wait_frame(loop.clock.now(), 1 / 60)
        loop.tick(app)
    assert stack.top is not None and stack.top.name == "pain_easier"
    keys.press("stop")
    loop.run(app, max_frames=60 * 60)
    assert flow.result.finished and flow.result.outcome.reason == "stopped"
    assert stack.entered[-2:] == ["checkin_post", "summary"]
    kinds = [k for k, _ in stored(store, flow)]
    assert kinds.index(PAUSE) < kinds.index("stop") and RESUME not in kinds
    [session] = store.history("p1")
    assert session.completed is False
