"""Issue 5: "easier for today" in the check-in, and the weekly PSFS after the session.

Real scenes, real exercise and runner (game.services.GameServices), real SQLite.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pygame
import pytest
from game_test_doubles import ENVELOPE

from exercises.doses import SessionDose
from exercises.dosing import easier_values
from game.app import App
from game.dosing import DosingSource
from game.flow import SessionFlow, psfs_due
from game.input import KeyboardMouseInput
from game.loop import FixedStepLoop, SimClock
from game.players import PointerPlayer
from game.players.script import DEMO_PRE, PSFS_RANGE, ScriptedMenus, psfs_answer
from game.scenes.base import SceneStack
from game.scenes.today import EASIER, PLANNED, REST, TodayScene
from game.services import GameServices
from telemetry.store import Store
from vision.intents import HandIntent, Intents

PLANNED_SESSION = SessionDose(session_minutes=3.0, rest_every_s=600.0, pace=1.0, pain_stop_threshold=5)


@pytest.fixture
def store(tmp_path: Path):
    s = Store.open(tmp_path / "neuroplay.db", flush_interval_s=0.05)
    yield s
    s.close()


def services(store: Store) -> GameServices:
    dosing = DosingSource(store, "p1", "reaching", session=PLANNED_SESSION,
                          dose_values={"repetitions": 3, "hold_s": 0.5, "inter_target_s": 0.5})
    return GameServices(store, dosing, game="reaching", default_calibration={"envelope": ENVELOPE})


def started_session(store: Store) -> tuple[KeyboardMouseInput, SceneStack, SessionFlow, App, FixedStepLoop]:
    """p1's session flow running on a simulated clock, a pointer player and keys to press."""
    keys = KeyboardMouseInput()
    stack = SceneStack()
    flow = SessionFlow(stack, services(store), patient="p1")
    flow.start()
    app = App(pygame.Surface((640, 360)), stack, driver=PointerPlayer(speed=2.0), keys=keys)
    return keys, stack, flow, app, FixedStepLoop(SimClock())


def step(loop: FixedStepLoop, app: App) -> None:
    loop.clock.wait_frame(loop.clock.now(), 1 / 60)
    loop.tick(app)


def run_until(loop: FixedStepLoop, app: App, name: str | None, seconds: float = 120.0) -> None:
    for _ in range(int(seconds * 60)):
        top = app.stack.top
        if top is None or top.name == name:
            return
        step(loop, app)


def play(store: Store, *, pain: int = 3, keys: KeyboardMouseInput | None = None,
         psfs_answers: list[int] | None = None, easier: bool | None = None) -> SessionFlow:
    stack = SceneStack()
    flow = SessionFlow(stack, services(store), patient="p1", easier=easier)
    flow.start()
    keys = keys or KeyboardMouseInput()
    player = PointerPlayer(speed=2.0, menus=ScriptedMenus(pre={**DEMO_PRE, "pain": pain}))
    app = App(pygame.Surface((640, 360)), stack, driver=player, keys=keys)
    loop = FixedStepLoop(SimClock())
    if psfs_answers is not None:
        run_until(loop, app, "checkin_psfs")
        assert stack.top is not None and stack.top.name == "checkin_psfs"
        for value in psfs_answers:
            keys.press(f"number:{value}")
            step(loop, app)
    run_until(loop, app, None)
    assert flow.result.finished
    return flow


# ------------------------------------------------------------- easier today
def press(scene: TodayScene, intents: Intents, dt: float = 1 / 60, seconds: float = 0.0) -> object:
    for _ in range(max(1, int(seconds * 60))):
        scene.update(intents, dt)
        if scene.dismissed:
            break
    return scene.result


@pytest.mark.parametrize("how, expected", [
    ("key 2", EASIER), ("key 1", PLANNED), ("arrow right + Enter", EASIER),
    ("Enter (default)", PLANNED), ("dwell on Easier", EASIER), ("click on As planned", PLANNED)])
def test_today_choice_by_keys_dwell_or_click(how: str, expected: str) -> None:
    scene = TodayScene(pace=1.0)
    by_value = {b.value: b for b in scene.buttons}
    if how.startswith("key"):
        got = press(scene, Intents(t=0.0, number=int(how[-1])))
    elif how.startswith("arrow"):
        scene.adjust(+1)
        got = press(scene, Intents(t=0.0, confirm=True))
    elif how.startswith("Enter"):
        got = press(scene, Intents(t=0.0, confirm=True))
    elif how.startswith("dwell"):
        x, y = by_value[EASIER].center
        assert press(scene, Intents(t=0.0, right=HandIntent(x, y)), seconds=scene.dwell_s * 0.5) is None
        got = press(scene, Intents(t=0.0, right=HandIntent(x, y)), seconds=scene.dwell_s)
    else:  # the mouse is a hand plus a click
        x, y = by_value[PLANNED].center
        got = press(scene, Intents(t=0.0, right=HandIntent(x, y), click=True))
    assert got == expected


def test_high_pain_suggests_easier_and_enter_takes_it() -> None:
    scene = TodayScene(suggest_easier=True, pain=7)
    assert scene.selected == EASIER and "7 out of 10" in scene.advice
    assert press(scene, Intents(t=0.0, confirm=True)) == EASIER


@pytest.mark.parametrize("how, expected", [("key 1", REST), ("key 2", EASIER),
                                           ("Enter (default)", EASIER), ("arrow left + Enter", REST)])
def test_at_the_stop_level_the_choice_is_easier_or_rest_never_the_full_dose(how: str,
                                                                            expected: str) -> None:
    scene = TodayScene(suggest_easier=True, pain=9, full_allowed=False, minutes=10,
                       easier_minutes=6.7)
    assert {b.value for b in scene.buttons} == {EASIER, REST}  # no "as planned" at all
    assert "not offered" in scene.advice and "9 out of 10" in scene.advice
    if how.startswith("key"):
        got = press(scene, Intents(t=0.0, number=int(how[-1])))
    else:
        if how.startswith("arrow"):
            scene.adjust(-1)
        got = press(scene, Intents(t=0.0, confirm=True))
    assert got == expected


def test_easier_chosen_in_the_game_plays_shorter_and_slower_and_is_recorded(store: Store) -> None:
    keys, stack, flow, app, loop = started_session(store)
    run_until(loop, app, "easier_today")
    scene = stack.top
    assert isinstance(scene, TodayScene) and not scene.suggest_easier  # pain 3 of 5
    keys.press("number:2")
    run_until(loop, app, None)
    assert flow.result.easier and flow.result.easier_by == "patient"
    [session] = store.history("p1")
    played = session.dose["session"]
    # Shorter and slower than planned, never harder: 2/3 of the length, 3/4 of the pace.
    assert played["session_minutes"] < PLANNED_SESSION.session_minutes
    assert played["pace"] < PLANNED_SESSION.pace
    assert (played["session_minutes"], played["pace"]) == pytest.approx((2.0, 0.75))
    assert session.dose["reaching"]["repetitions"] == 3  # the exercise itself is the plan's
    runner = flow.setup.runner  # the pace reached the game: more time to reach, longer pauses
    assert runner.exercise.inter_target_s == pytest.approx(0.5 / 0.75)
    assert runner.time_remaining_s <= 2.0 * 60
    assert "easier today: session 3 min -> 2 min" in session.decisions
    assert "easier today: pace 1 -> 0.75" in session.decisions
    assert session.decisions[-1] == "today easier (shorter and slower): the patient's choice"


def test_high_pain_before_the_session_suggests_easier_and_says_why(store: Store) -> None:
    flow = play(store, pain=7)  # the script holds a hand on the suggested (first) button
    assert flow.result.easier_suggested and flow.result.easier
    [session] = store.history("p1")
    assert session.dose["session"]["session_minutes"] == pytest.approx(2.0)
    assert session.decisions[-1] == ("today easier (shorter and slower): the patient's choice; easier was "
                                     "suggested (pain before 7/10 above the acceptable level)")


def test_as_planned_keeps_the_planned_dose(store: Store) -> None:
    flow = play(store, pain=3)
    assert not flow.result.easier
    [session] = store.history("p1")
    assert session.dose["session"]["session_minutes"] == 3.0 and session.dose["session"]["pace"] == 1.0
    assert not any("easier today at" in d for d in session.decisions)
    assert session.decisions[-1] == "today as planned: the patient's choice"


def test_easier_from_the_command_line_skips_the_question(store: Store) -> None:
    flow = play(store, easier=True)
    assert "easier_today" not in flow.stack.entered
    [session] = store.history("p1")
    assert session.dose["session"]["pace"] == pytest.approx(0.75)
    assert session.decisions[-1] == "today easier (shorter and slower): chosen on the command line"


def test_easier_with_a_plan_is_never_harder_than_the_plan(store: Store) -> None:
    from dataclasses import asdict
    from importlib.resources import files

    from exercises.plans import HARDER

    plan = (files("assets.plans") / "gentle_start_fear_of_movement.toml").read_text()
    store.ensure_patient("p1")
    store.save_plan("p1", plan, author="test")
    options = DosingSource(store, "p1", "reaching").options(3)
    planned, eased = options.full, options.easier
    assert planned is not None and eased.easier and options.planned
    assert eased.session.session_minutes < planned.session.session_minutes
    assert eased.session.pace < planned.session.pace or planned.session.pace <= 0.5
    for name, sign in HARDER["session"].items():
        assert (getattr(eased.session, name) - getattr(planned.session, name)) * sign <= 0, name
    for name, sign in HARDER["reaching"].items():
        assert (asdict(eased.dose)[name] - asdict(planned.dose)[name]) * sign <= 0, name
    assert any(r.startswith("easier today: session") for r in eased.reasons)
    # The demo plays its own (shorter) session: eased from that, still under the plan.
    short = SessionDose(session_minutes=1.0, pace=1.0)
    demo = DosingSource(store, "p1", "reaching", session=short).options(3).easier
    assert demo.session.session_minutes == pytest.approx(1.0 * 2 / 3, abs=1e-3)
    assert demo.session.pain_stop_threshold == planned.session.pain_stop_threshold  # the plan's limits
    assert easier_values(SessionDose(pace=0.5))["pace"] == 0.5  # already the slowest: stays


def test_pain_at_the_stop_level_offers_only_easier_or_a_rest_day(store: Store) -> None:
    flow = play(store, pain=9)  # the script takes the suggested choice: easier
    assert not flow.result.full_allowed and flow.result.easier
    [session] = store.history("p1")
    assert session.dose["session"]["session_minutes"] == pytest.approx(2.0)
    assert "full dose was not offered (pain before 9/10" in session.decisions[-1]


def test_a_rest_day_plays_nothing_and_keeps_the_answers_as_the_days_diary(store: Store) -> None:
    keys, stack, flow, app, loop = started_session(store)
    flow.services.dosing = DosingSource(store, "p1", "reaching", session=PLANNED_SESSION)
    run_until(loop, app, "checkin_pre")
    for value in (9, 2, 2, 8):  # pain 9 (the stop level), sleep, mood, interference
        keys.press(f"number:{value}")
        step(loop, app)
    run_until(loop, app, "easier_today")
    assert isinstance(stack.top, TodayScene) and not stack.top.full_allowed
    keys.press("number:1")  # Rest today
    run_until(loop, app, None)
    assert flow.result.finished and flow.result.rest_day and flow.result.session_id is None
    assert store.history("p1") == []  # nothing was played
    [diary] = [c for c in store.checkins("p1") if c.phase == "daily"]
    assert diary.answers["pain"] == 9 and diary.session_id is None
    assert "rest_day" in stack.entered


def test_weekly_psfs_is_asked_when_due_and_stored_through_telemetry(store: Store) -> None:
    store.ensure_patient("p1")
    a = store.add_psfs_activity("p1", "Reach a cup from the shelf")
    b = store.add_psfs_activity("p1", "Comb my hair")
    flow = play(store, psfs_answers=[4, 7])
    # the first session also asks for the sensory body map (due first, then weekly)
    assert flow.stack.entered[-4:] == ["checkin_post", "bodymap", "checkin_psfs", "summary"]
    assert flow.result.psfs == {a: 4, b: 7}
    ratings = store.psfs_ratings("p1")
    assert [(r.activity_id, r.value) for r in ratings] == [(a, 4), (b, 7)]
    # Rated this week: the next session does not ask again.
    again = play(store)
    assert "checkin_psfs" not in again.stack.entered
    assert len(store.psfs_ratings("p1")) == 2


def test_psfs_not_asked_without_activities_and_asked_again_after_a_week(store: Store) -> None:
    flow = play(store)
    assert "checkin_psfs" not in flow.stack.entered
    a = store.add_psfs_activity("p1", "Carry a bag")
    store.rate_psfs("p1", {a: 5}, at=store.now() - timedelta(days=8))
    flow = play(store, psfs_answers=[6])
    assert flow.result.psfs == {a: 6}
    assert [r.value for r in store.psfs_ratings("p1")] == [5, 6]


def test_psfs_due_rule() -> None:
    from datetime import datetime, timezone

    from telemetry.records import PsfsActivity, PsfsRating

    now = datetime(2026, 3, 10, 12, tzinfo=timezone.utc)
    acts = [PsfsActivity(1, "p", "Reach", now - timedelta(days=30))]
    assert psfs_due(acts, [], now)
    assert not psfs_due([], [], now)
    assert not psfs_due(acts, [PsfsRating(1, "Reach", now - timedelta(days=6, hours=23), 5)], now)
    assert psfs_due(acts, [PsfsRating(1, "Reach", now - timedelta(days=7), 5)], now)
    assert psfs_due(acts, [PsfsRating(9, "retired", now - timedelta(days=1), 5)], now)  # not this scale


def test_stopping_the_psfs_part_way_stores_nothing_and_still_ends_on_the_summary(store: Store) -> None:
    store.ensure_patient("p1")
    store.add_psfs_activity("p1", "Reach a cup")
    store.add_psfs_activity("p1", "Open a jar")
    keys, stack, flow, app, loop = started_session(store)
    run_until(loop, app, "checkin_psfs")
    keys.press("number:8")  # the first activity answered ...
    step(loop, app)
    keys.press("stop")  # ... then stopped
    run_until(loop, app, None)
    assert flow.result.finished and flow.result.psfs is None
    assert stack.entered[-2:] == ["checkin_psfs", "summary"]
    assert store.psfs_ratings("p1") == []
    [session] = store.history("p1")
    assert session.completed  # the session was closed before the PSFS, as played


def test_the_plans_goals_are_asked_as_the_weekly_psfs_without_running_patients_psfs(store: Store) -> None:
    from importlib.resources import files

    store.ensure_patient("p1")
    store.save_plan("p1", (files("assets.plans") / "neuropathic_upper_limb_seated.toml").read_text(),
                    author="test")
    assert store.psfs_activities("p1") == []  # nobody ran `neuroplay patients psfs`
    flow = play(store)  # the demo's script answers every question, the PSFS too
    activities = store.psfs_activities("p1")
    assert [a.name for a in activities] == ["Reach a cup on a kitchen shelf", "Dress myself (sleeves, buttons)"]
    assert "checkin_psfs" in flow.stack.entered
    # The script's answers: plausible (4-6, never 0 = "unable to do it"), seeded per activity.
    expected = {a.activity_id: psfs_answer(f"psfs:{a.activity_id}") for a in activities}
    assert flow.result.psfs == expected
    assert {r.activity_id: r.value for r in store.psfs_ratings("p1")} == expected
    assert all(PSFS_RANGE[0] <= v <= PSFS_RANGE[1] for v in expected.values())
    # The next session adopts nothing twice (and this week's PSFS is done).
    again = play(store)
    assert len(store.psfs_activities("p1")) == 2 and "checkin_psfs" not in again.stack.entered


def test_scripted_psfs_answers_depend_on_the_seed_and_the_activity() -> None:
    answers = {(seed, item): psfs_answer(item, seed) for seed in range(5) for item in ("psfs:1", "psfs:2")}
    assert set(answers.values()) == set(range(PSFS_RANGE[0], PSFS_RANGE[1] + 1))
    assert answers == {(seed, item): psfs_answer(item, seed) for seed, item in answers}  # repeatable
