"""The diary as game screens and the title's "Diary" and "I'm having a flare" buttons:
values stored, the re-ask on an impossible answer, the flare plan shown and recorded,
the easier session suggested, and the screens' pixels."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pygame
import pytest

from game.flow import SessionFlow
from game.scenes.base import SceneStack
from game.scenes.diary import DiaryDoneScene, DiaryScene
from game.scenes.menus import DIARY, FLARE, TitleScene
from game.services import GameServices
from telemetry.store import Store
from vision.intents import HandIntent, Intents

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "game"))
from game_test_doubles import Services

DT = 1 / 60


class FlareServices(Services):
    """The test double plus the real flare-plan service (game/services.py)."""

    flare_plan = GameServices.flare_plan


def key(n: int | None = None, **kw: Any) -> Intents:
    return Intents(t=0.0, number=n, **kw)


def click_on(scene: Any, value: object) -> Intents:
    b = next(b for b in scene.buttons if b.value == value)
    return Intents(t=0.0, right=HandIntent(x=b.center[0], y=b.center[1]), click=True)


def test_diary_scene_asks_every_item_and_reasks_an_impossible_worst_pain() -> None:
    s = DiaryScene()
    for n in (5, 3):  # pain now 5, worst 3: impossible, asked again at once
        s.update(key(n), DT)
    assert s.inner is not None and s.inner.items == ("worst_pain",) and "cannot be" in s.note
    for n in (7, 4, 6, 8):  # worst pain again, then sleep, mood, activity
        s.update(key(n), DT)
    assert s.inner is None and s.item == "medication_change"
    s.update(click_on(s, 0), DT)  # No, by a click on the button
    s.update(key(1), DT)  # flare: yes (typed 1)
    assert s.dismissed
    e = s.result
    assert e is not None and e.answers() == {"pain": 5, "worst_pain": 7, "sleep": 4, "mood": 6,
                                             "activity": 8, "medication_change": 0, "flare": 1}


def test_stop_stores_nothing() -> None:
    s = DiaryScene()
    s.update(key(3), DT)
    s.update(Intents(t=0.0, stop=True), DT)
    assert s.dismissed and s.result is None


def test_title_offers_diary_and_flare() -> None:
    t = TitleScene()
    assert [b.value for b in t.buttons] == [None, DIARY, "bodymap", FLARE]
    t.update(click_on(t, FLARE), DT)
    assert t.result == FLARE
    t2 = TitleScene()
    t2.update(Intents(t=0.0, confirm=True), DT)  # Enter: Start, as before
    assert t2.result is True


def _run(stack: SceneStack, answers: list[Intents], until: str) -> None:
    for it in answers:
        assert stack.top is not None
        stack.update(it, DT)
    assert stack.top is not None and stack.top.name == until, stack.entered


def test_title_diary_stores_a_daily_entry_and_shows_the_flare_plan(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "np.db")
    try:
        stack = SceneStack()
        flow = SessionFlow(stack, FlareServices(store), patient="p-5")
        flow.start()
        stack.update(click_on(stack.top, DIARY), DT)
        assert stack.top is not None and stack.top.name == "patient"  # no safety screen
        stack.update(click_on(stack.top, "p-5"), DT)
        _run(stack, [key(n) for n in (4, 6, 5, 5, 7)] + [key(0), key(1)], "flare_plan")
        assert flow.result.flare_plan_shown
        daily = [c for c in store.checkins("p-5") if c.phase == "daily"]
        assert len(daily) == 1 and daily[0].answers["flare"] == 1
        assert daily[0].answers["worst_pain"] == 6
        flags = [f for f in store.flags("p-5") if f.kind == "flare_plan"]
        assert flags and "you said you are having a flare" in flags[0].message
        stack.update(Intents(t=0.0, confirm=True), DT)  # "Go on"
        assert isinstance(stack.top, DiaryDoneScene)
        stack.update(Intents(t=0.0, confirm=True), DT)
        assert flow.done and flow.result.ended_at == "diary" and flow.result.session_id is None
    finally:
        store.close()


def test_im_having_a_flare_shows_the_plan_then_suggests_easier(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "np.db")
    try:
        stack = SceneStack()
        flow = SessionFlow(stack, FlareServices(store), patient="p-6")
        flow.start()
        stack.update(click_on(stack.top, FLARE), DT)
        stack.update(Intents(t=0.0, confirm=True), DT)  # safety: I understand
        stack.update(click_on(stack.top, "p-6"), DT)
        _run(stack, [key(n) for n in (3, 6, 7, 4)], "flare_plan")  # pain 3: no flare by rule
        assert flow.result.pre == {"pain": 3, "sleep": 6, "mood": 7, "interference": 4,
                                   "flare": 1}
        stack.update(Intents(t=0.0, confirm=True), DT)
        today = stack.top
        assert today is not None and today.name == "easier_today"
        assert today.selected == "easier" and "flare" in today.reason  # type: ignore[attr-defined]
        assert flow.result.easier_suggested
    finally:
        store.close()


@pytest.mark.parametrize("step", ["score", "yes_no", "done"])
def test_diary_screens_draw(step: str, tmp_path: Path) -> None:
    from game.context import DrawContext
    from game.scenes.common import menu_transform
    from game.theme import OKABE_ITO

    pygame.font.init()
    surface = pygame.Surface((1280, 720))
    tr = menu_transform((1280, 720))
    if step == "done":
        scene: Any = DiaryDoneScene(["Pain now 4, worst today 6."])
    else:
        scene = DiaryScene()
        if step == "yes_no":
            for n in (4, 6, 5, 5, 7):
                scene.update(key(n), DT)
    scene.draw(surface, DrawContext.for_surface(surface, tr))
    pygame.image.save(surface, str(tmp_path / f"diary_{step}.png"))
    if step == "yes_no":
        yes = next(b for b in scene.buttons if b.value == 1)
        x, y = tr.to_screen(yes.center[0], yes.center[1] + yes.half[1] * 0.8)
        assert tuple(surface.get_at((round(x), round(y))))[:3] == OKABE_ITO["bluish_green"]
    else:
        b = scene.buttons[0] if step == "done" else scene.inner.buttons[0]
        x, y = tr.to_screen(b.center[0], b.center[1] + b.half[1] * 0.8)
        assert tuple(surface.get_at((round(x), round(y))))[:3] != (16, 20, 28)  # a button, not bg
