"""The reaching game's kitchen, drawn on a real surface: cups, table, avatar, words."""

from __future__ import annotations

import numpy as np
import pygame
import pytest
from test_hit_feedback import _draw, _hit_once

from exercises.scenes.kitchen import CARRY_S, TABLE_Y, table_slot
from game.context import DrawContext
from game.theme import MIN_CONTRAST, PALETTE, Theme, contrast
from game.transform import ImagePlacement, fit_body_box
from game.views.reaching import FLOOR, TABLE_CUPS, TABLE_TOP, WALL_BOTTOM, WALL_TOP
from game.widgets import AVATAR_AFFECTED, AVATAR_BODY, draw_avatar
from vision.bodyframe import BodyFrame

SIZE = (1280, 720)


def _colour_near(arr: np.ndarray, c: tuple[int, int], r: int, colour: tuple[int, int, int]) -> int:
    x0, y0 = max(0, c[0] - r), max(0, c[1] - r)
    patch = arr[x0:c[0] + r, y0:c[1] + r]
    return int(np.sum(np.all(patch == colour, axis=-1)))


def test_the_cup_to_take_is_orange_on_its_shelf_and_the_table_is_in_front() -> None:
    scene, runner, t_hit, (_x, _y, _radius) = _hit_once(1.0)
    ex = runner.exercise
    tr = fit_body_box(SIZE)
    # before the hit, the cup stood where the target was: the scene draws the next one now
    arr = _draw(scene, t_hit)
    assert _colour_near(arr, tr.to_screen_int(-1.2, TABLE_Y + 0.1), 20, TABLE_TOP) > 400  # the table top
    waiting = [tv for tv in ex.targets if tv.state in ("waiting", "holding")]
    for tv in waiting:
        c = tr.to_screen_int(tv.x, tv.y)
        assert _colour_near(arr, c, int(tr.length(tv.radius) // 2), PALETTE.target) > 50


def test_a_hit_cup_travels_to_the_table_and_stays_there() -> None:
    scene, _runner, t_hit, (_x, _y, radius) = _hit_once(1.0)
    tr = fit_body_box(SIZE)
    slot = tr.to_screen_int(*table_slot(0, radius))
    r = int(tr.length(radius) // 2)
    assert _colour_near(_draw(scene, t_hit), slot, r, TABLE_CUPS[0]) == 0  # not there yet
    later = _draw(scene, t_hit + CARRY_S + 0.2)
    assert _colour_near(later, slot, r, TABLE_CUPS[0]) > 0.5 * r * r  # on the table now
    assert _colour_near(_draw(scene, t_hit + 20.0), slot, r, TABLE_CUPS[0]) > 0.5 * r * r  # and stays


def test_the_header_counts_cups_and_the_score_grows_with_a_hit() -> None:
    scene, _runner, t_hit, _ = _hit_once(1.0)
    _draw(scene, t_hit)
    from game.views import ViewContext

    view = ViewContext(transform=fit_body_box(SIZE), theme=Theme(720, 1280), t=t_hit + 1)
    words, reward, _ = scene.hud_words(view)
    assert words == "Cups moved 1 of 4"
    assert reward is not None and reward.score == 10
    assert scene.trains == "This trains: reaching a cup on a shelf"


def test_white_text_reads_on_every_kitchen_colour_under_it() -> None:
    for bg in (WALL_TOP, WALL_BOTTOM, FLOOR):
        assert contrast(PALETTE.text, bg) >= MIN_CONTRAST


def _frame_from_demo() -> BodyFrame:
    d = np.load("assets/demo/seated_body.npz")
    return BodyFrame(index=0, t_ns=0, width=640, height=480, pose=d["pose"][0].astype(np.float64))


@pytest.mark.parametrize("affected", ["left", "right"])
def test_the_avatar_is_filled_and_highlights_the_affected_arm(affected: str) -> None:
    frame = _frame_from_demo()
    surf = pygame.Surface(SIZE)
    surf.fill(PALETTE.background)
    place = ImagePlacement(offset=(160, 0), scale=1.5, size=(640, 480))
    ctx = DrawContext(theme=Theme(720, 1280), transform=fit_body_box(SIZE), frame=frame, placement=place)
    head = draw_avatar(surf, frame, ctx, affected)
    arr = pygame.surfarray.array3d(surf)

    def screen(i: int) -> tuple[int, int]:
        px = (1.0 - frame.pose[i, 0]) * 640 * 1.5 + 160
        return (round(px), round(frame.pose[i, 1] * 480 * 1.5))

    s, e = (12, 14) if affected == "right" else (11, 13)
    o_s, o_e = (11, 13) if affected == "right" else (12, 14)
    mid = ((screen(s)[0] + screen(e)[0]) // 2, (screen(s)[1] + screen(e)[1]) // 2)
    other = ((screen(o_s)[0] + screen(o_e)[0]) // 2, (screen(o_s)[1] + screen(o_e)[1]) // 2)
    assert tuple(arr[mid]) == AVATAR_AFFECTED
    assert tuple(arr[other]) == AVATAR_BODY
    torso = tuple(np.mean([screen(i) for i in (11, 12, 23, 24)], axis=0).round().astype(int))
    assert tuple(arr[torso]) == AVATAR_BODY  # filled, not a stick figure
    assert head is not None and head.collidepoint(screen(0))  # the head is around the nose


# ------------------------------------------------------------------ the chime
def test_a_hit_plays_the_chime_in_every_game_and_nothing_plays_without_a_device() -> None:
    from core.events import HOLD_COMPLETE, PINCH_PLACE, REPETITION, TAP, Event
    from game.audio import CHIME, HIT, Audio, chime, cue_for

    assert cue_for(Event(0.0, HOLD_COMPLETE, {})) == HIT
    assert cue_for(Event(0.0, PINCH_PLACE, {})) == HIT
    assert cue_for(Event(0.0, REPETITION, {"exercise": "openclose"})) == HIT
    assert cue_for(Event(0.0, REPETITION, {"exercise": "reaching"})) is None  # its hit already rang
    assert cue_for(Event(0.0, TAP, {})) is None  # the metronome is the tapping game's sound

    class Sound:
        played = 0

        def play(self) -> None:
            Sound.played += 1

    Audio(sounds={HIT: Sound()}, enabled=True).on_events([Event(0.0, HOLD_COMPLETE, {}),
                                                          Event(0.1, TAP, {})])
    assert Sound.played == 1
    Audio().on_events([Event(0.0, HOLD_COMPLETE, {})])  # silent Audio: nothing, no error
    audio = Audio.open()  # the dummy driver: a working mixer or a silent Audio, never an error
    audio.on_events([Event(0.0, HOLD_COMPLETE, {})])
    audio.close()
    wave = chime(*CHIME, rate=8000, channels=1).astype(float)
    assert abs(wave[0]) < 2000 and abs(wave[-1]) < 200  # no click at either end
    quarter = len(wave) // 4
    assert np.abs(wave[:quarter]).max() > 2 * np.abs(wave[-quarter:]).max()  # it rings and dies away
    assert np.abs(wave).max() <= 0.3 * 32767 + 1


# ------------------------------------------------------ no internal names on screen
@pytest.mark.parametrize("name", ["tapping", "pinch", "openclose"])
def test_every_word_a_hand_game_draws_is_plain_language(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from test_views_dexterity import draw, play

    import game.theme

    said: list[str] = []
    real = game.theme.font

    class Spy:
        def __init__(self, f: pygame.font.Font) -> None:
            self.f = f

        def render(self, text: str, *a: object, **k: object) -> pygame.Surface:
            said.append(text)
            return self.f.render(text, *a, **k)

        def __getattr__(self, attr: str) -> object:
            return getattr(self.f, attr)

    monkeypatch.setattr(game.theme, "font", lambda px, bold=False: Spy(real(px, bold)))
    scene, vp, frame, intents = play(name, 3.0)
    draw(scene, vp, frame, intents)
    from vision.intents import HandIntent

    # the hand out of view (no finger measures): the game's cue, drawn as words
    blind = replace(intents, t=intents.t + 1 / 30, left=HandIntent(-0.5, -0.5, 1.0, None, None),
                    right=HandIntent(0.5, -0.5, 1.0, None, None))
    scene.update(blind, 1 / 30)
    assert scene.runner.exercise.cue == "hand_not_visible"
    draw(scene, vp, frame, blind)
    text = " | ".join(said)
    assert said and "_" not in text, text
    for internal in ("openclose", "Openclose", "thumb-index", "Tapping", "Pinch "):
        assert internal not in text, text
    assert any("The camera cannot see your hand" in s for s in said)
    clocks = [s for s in said if s.endswith((" left", " s"))]
    assert len({c for c in clocks if ":" in c}) == 1 and all(":" in c for c in clocks if c.endswith("left"))


def test_a_dropped_berry_is_met_with_encouragement_for_a_few_seconds() -> None:
    from exercises.dexterity import PinchExercise
    from exercises.doses import PinchDose
    from game.views import ViewContext
    from game.views.dexterity import pinch_hud

    ex = PinchExercise(PinchDose(objects=4))
    view = ViewContext(transform=fit_body_box(SIZE), theme=Theme(720, 1280), t=1.0)
    assert pinch_hud(ex, view)[2] is None
    ex.drops = 1  # a berry fell on the way
    _words, reward, message = pinch_hud(ex, view)
    assert message == "Nearly! Pick it up again - no hurry." and reward.score == 0
    from dataclasses import replace

    assert pinch_hud(ex, replace(view, t=2.0))[2] == message
    assert pinch_hud(ex, replace(view, t=5.0))[2] is None
    assert pinch_hud(ex, replace(view, t=5.0, pace=0.5))[2] == message  # a slower pace: longer
    assert pinch_hud(ex, replace(view, t=7.0, pace=0.5))[2] is None


@pytest.mark.parametrize("name", ["tapping", "pinch", "openclose"])
def test_every_success_in_a_hand_game_bursts_like_a_hit_and_the_burst_ends(name: str) -> None:
    from exercises.dexterity import OpenCloseExercise, PinchExercise, TappingExercise
    from exercises.doses import OpenCloseDose, PinchDose, TappingDose
    from game.feedback import Burst
    from game.views import ViewContext
    from game.views.dexterity import draw_success_bursts

    ex = {"tapping": TappingExercise(TappingDose()), "pinch": PinchExercise(PinchDose()),
          "openclose": OpenCloseExercise(OpenCloseDose())}[name]
    surf = pygame.Surface(SIZE)
    tr = fit_body_box(SIZE)
    view = ViewContext(transform=tr, theme=Theme(720, 1280), t=1.0)
    assert draw_success_bursts(surf, ex, view, 0, (1.0, 0.0), 0.3) == 0  # nothing done yet
    surf.fill((0, 0, 0))
    from dataclasses import replace

    dur = Burst(1.0, 0.0, 0.3, 1.0).duration_s
    assert draw_success_bursts(surf, ex, view, 1, (1.0, 0.0), 0.3) == 1  # a success: a burst starts
    mid = replace(view, t=1.0 + dur * 0.4)
    surf.fill((0, 0, 0))
    draw_success_bursts(surf, ex, mid, 1, (1.0, 0.0), 0.3)
    arr = pygame.surfarray.array3d(surf)
    assert int(np.sum(np.all(arr == PALETTE.hit, axis=-1))) > 50  # the ring, in the hit colour
    assert draw_success_bursts(surf, ex, replace(view, t=1.0 + dur * 1.1), 1, (1.0, 0.0), 0.3) == 0  # over


def test_a_lean_during_a_reach_restarts_the_combo_but_never_costs_points() -> None:
    from dataclasses import dataclass, replace

    from game.views import ViewContext
    from game.views.reaching import ReachingView

    @dataclass(frozen=True)
    class Tv:
        index: int
        x: float = 1.0
        y: float = 0.5
        radius: float = 0.2
        state: str = "waiting"
        hold_progress: float = 0.0

    class Ex:  # what the renderer reads of the reaching exercise
        def __init__(self) -> None:
            self.targets: list[Tv] = []
            self.compensations = 0

    ex, view_r = Ex(), ReachingView()
    view = ViewContext(transform=fit_body_box(SIZE), theme=Theme(720, 1280), t=0.0)
    for i in range(2):  # two careful cups
        ex.targets = [Tv(i)]
        view_r.kitchen(ex, replace(view, t=2.0 * i))
        ex.targets = [Tv(i, state="popped")]
        view_r.kitchen(ex, replace(view, t=2.0 * i + 1))
    scene = view_r.kitchen(ex, view)
    assert scene is not None and scene.reward.combo == 2 and scene.reward.score == 10 + 12
    ex.targets = [Tv(2)]
    view_r.kitchen(ex, replace(view, t=4.0))
    ex.compensations = 1  # leaned during this reach (frames before the hit)
    view_r.kitchen(ex, replace(view, t=4.5))
    ex.targets = [Tv(2, state="popped")]
    view_r.kitchen(ex, replace(view, t=5.0))
    assert scene.reward.combo == 0 and scene.reward.score == 22 + 10  # points, a fresh streak
    ex.targets = [Tv(3)]
    view_r.kitchen(ex, replace(view, t=6.0))
    ex.targets = [Tv(3, state="popped")]
    view_r.kitchen(ex, replace(view, t=7.0))
    assert scene.reward.combo == 1  # the next careful cup starts the streak again
