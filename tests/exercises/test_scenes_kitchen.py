"""The kitchen scene of the reaching game, the gentle reward and the activity lines (pure)."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exercises.doses import SessionDose, make_dose
from exercises.reaching import ReachingExercise
from exercises.scenes.activities import linked_goal, trains_line
from exercises.scenes.kitchen import (
    CARRY_S,
    LIFT,
    TABLE_HALF_W,
    TABLE_Y,
    KitchenScene,
    board_under,
    carry,
    table_radius,
    table_slot,
)
from exercises.scenes.reward import POINTS, Reward


@dataclass(frozen=True)
class T:
    index: int
    x: float
    y: float
    radius: float = 0.2
    state: str = "waiting"
    hold_progress: float = 0.0


def test_each_cup_stands_on_a_board_at_the_calibrated_target() -> None:
    dose = make_dose("reaching", repetitions=6, inter_target_s=0.0)
    ex = ReachingExercise(dose, None, np.random.default_rng(3), session_dose=SessionDose())
    from vision.intents import Intents

    ex.step(Intents(t=0.0), 1 / 60)
    scene = KitchenScene()
    scene.update(ex.targets, 0.0)
    items, boards = scene.items(0.0), scene.boards(0.0)
    assert len(items) == len(ex.targets) >= 1
    for tv, item, board in zip(ex.targets, items, boards, strict=True):
        assert (item.x, item.y, item.radius) == (tv.x, tv.y, tv.radius)  # the cup IS the target
        assert board.y == pytest.approx(tv.y - tv.radius)  # standing on the board
        assert board.x0 < tv.x < board.x1


def test_a_hit_lifts_the_cup_and_carries_it_to_the_table_then_it_stays() -> None:
    scene = KitchenScene(pace=1.0)
    scene.update([T(0, 1.0, 0.5)], 0.0)
    assert scene.update([T(0, 1.0, 0.5, state="popped")], 1.0) == ["moved"]
    assert scene.moved == 1 and scene.reward.score == POINTS
    mid = scene.items(1.0 + CARRY_S / 2)[0]
    assert mid.state == "carried" and mid.lift == pytest.approx(1.0)
    assert mid.y > min(0.5, TABLE_Y)  # lifted above the straight line
    end = scene.items(1.0 + CARRY_S + 0.01)[0]
    slot = table_slot(0, 0.2)
    assert end.state == "table" and (end.x, end.y) == slot
    assert slot[1] == pytest.approx(TABLE_Y + table_radius(0.2))  # standing on the table top
    assert scene.items(100.0)[0].state == "table"  # it stays
    assert scene.update([T(0, 1.0, 0.5, state="popped")], 2.0) == []  # counted once


def test_a_slower_pace_carries_slower() -> None:
    slow, fast = KitchenScene(pace=0.5), KitchenScene(pace=1.0)
    for s in (slow, fast):
        s.update([T(0, 1.0, 0.5, state="popped")], 0.0)
    assert fast.items(CARRY_S + 0.01)[0].state == "table"
    assert slow.items(CARRY_S + 0.01)[0].state == "carried"
    assert slow.items(2 * CARRY_S + 0.01)[0].state == "table"


def test_carry_is_smooth_and_lands_exactly() -> None:
    pts = [carry((1.0, 0.5), (0.0, -1.2), k / 100) for k in range(101)]
    assert pts[0][:2] == (1.0, 0.5) and pts[-1][:2] == pytest.approx((0.0, -1.2))
    steps = [math.hypot(b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(pts)]
    assert max(steps) < 0.05  # no jump
    assert max(p[1] for p in pts) <= 0.5 + LIFT


def test_table_slots_fill_from_the_middle_and_never_overlap_nor_leave_the_table() -> None:
    r = 0.2
    slots = [table_slot(k, 0.3) for k in range(30)]  # a big target's cup: smaller on the table
    r = table_radius(0.3)
    assert r < 0.3
    assert slots[0] == (0.0, TABLE_Y + r)
    assert slots[1][0] > 0 > slots[2][0]
    for i, a in enumerate(slots):
        assert abs(a[0]) <= TABLE_HALF_W
        for b in slots[i + 1:]:
            assert math.hypot(a[0] - b[0], a[1] - b[1]) >= 1.9 * r


def test_a_missed_cup_stays_on_the_shelf_and_the_scene_encourages() -> None:
    scene = KitchenScene()
    scene.update([T(0, 1.0, 0.5)], 0.0, hand=(1.0, 0.15))  # came within a cup's width
    assert scene.update([T(0, 1.0, 0.5, state="missed")], 3.0) == ["near_miss"]
    assert scene.message_now(3.5) == "So close! The next cup is waiting."
    assert scene.message_now(10.0) is None
    assert scene.reward.score == 0 and scene.left == 1
    far = KitchenScene()
    far.update([T(0, 1.0, 0.5)], 0.0, hand=(-1.0, -1.0))
    assert far.update([T(0, 1.0, 0.5, state="missed")], 3.0) == ["left"]
    assert "take your time" in (far.message_now(3.0) or "")
    assert "pain" not in (far.message_now(3.0) or "").lower()


def test_the_board_is_under_the_cup() -> None:
    b = board_under(0.5, 1.0, 0.25)
    assert b.y == 0.75 and b.x0 < 0.5 < b.x1


@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.floats(0.0, 60.0)), max_size=40))
def test_score_never_falls_and_time_never_matters(events: list[tuple[bool, bool, float]]) -> None:
    fast, slow = Reward(), Reward()
    last = 0
    for hit, careful, _gap in events:
        for r in (fast, slow):  # the same successes, whatever the time between them
            if hit:
                r.success(careful)
            else:
                r.timed_out()
        assert fast.score >= last
        last = fast.score
        assert (fast.score, fast.combo) == (slow.score, slow.combo)
    assert fast.score >= POINTS * sum(1 for h, _, _ in events if h)


def test_a_time_out_keeps_the_combo_and_a_lean_only_restarts_it() -> None:
    r = Reward()
    r.success()
    r.success()
    r.timed_out()
    assert r.combo == 2 and r.combo_text == "2 in a row"
    before = r.score
    r.success(careful=False)
    assert r.combo == 0 and r.score == before + POINTS


def test_the_activity_line_names_the_patients_goal_when_one_matches() -> None:
    goals = ["Walk to the shop", "Reach a cup on a kitchen shelf"]
    assert trains_line("reaching", goals) == ('This trains: reaching a cup on a shelf - for your goal '
                                              '"Reach a cup on a kitchen shelf"')
    assert trains_line("reaching", ["Walk to the shop"]) == "This trains: reaching a cup on a shelf"
    assert linked_goal("pinch", ["Do up my buttons"]) == "Do up my buttons"
    assert linked_goal("openclose", ["Walk to the shop"]) is None
    assert trains_line("laterality") is None


# ------------------------------------------------------------ the hand games' scenes
from exercises.scenes.hands import (
    MIN_MOTION_S,
    HandReward,
    juice_level,
    motion_s,
    orange_points,
    squash,
    strike,
)


@pytest.mark.parametrize("pace", [0.25, 0.5, 1.0, 4.0])
def test_the_drum_skin_springs_back_smoothly_never_faster_than_a_third_of_a_second(pace: float) -> None:
    dur = motion_s(0.4, pace)
    assert dur >= MIN_MOTION_S
    ks = [strike(dur * i / 50, pace) for i in range(51)]
    assert ks[0] == 1.0 and ks[-1] == pytest.approx(0.0, abs=1e-9)
    assert all(b <= a for a, b in itertools.pairwise(ks))  # only ever eases back: one move, no blink
    assert strike(None) == 0.0 and strike(-1.0) == 0.0


def test_the_orange_squashes_as_the_hand_closes_and_keeps_its_size() -> None:
    assert squash(2.0, 1.0, 2.0) == 0.0 and squash(1.0, 1.0, 2.0) == 1.0
    assert squash(1.5, 1.0, 2.0) == pytest.approx(0.5)
    assert squash(0.2, 1.0, 2.0) == 1.0 and squash(None, 1.0, 2.0) == 0.0 and squash(1.5, None, 2.0) == 0.0
    flat = orange_points(0, 0, 1.0, 1.0)
    round_ = orange_points(0, 0, 1.0, 0.0)
    h = lambda pts: max(p[1] for p in pts) - min(p[1] for p in pts)
    w = lambda pts: max(p[0] for p in pts) - min(p[0] for p in pts)
    assert h(flat) < h(round_) and w(flat) > w(round_)
    assert w(flat) * h(flat) == pytest.approx(w(round_) * h(round_), rel=0.02)


def test_juice_fills_a_share_per_squeeze() -> None:
    assert juice_level(0, 8) == 0.0 and juice_level(4, 8) == 0.5 and juice_level(9, 8) == 1.0
    assert juice_level(3, 0) == 0.0


def test_hand_reward_scores_each_new_success_once_and_a_drop_only_restarts_the_combo() -> None:
    hr = HandReward()
    assert hr.update(2) == 2 and hr.reward.score == 10 + 12 and hr.reward.combo == 2
    assert hr.update(2) == 0 and hr.reward.score == 22  # drawn again: nothing new
    before = hr.reward.score
    hr.update(3, drops=1)  # placed after a drop: points, but the streak starts again
    assert hr.reward.score == before + 10 and hr.reward.combo == 0


# ------------------------------------------------------------------- the face
from exercises.scenes.layout import HEAD_BOX, Box, clear_of_face


@given(st.sampled_from(["left", "right"]), st.floats(0.6, 2.0), st.floats(0.0, math.pi), st.floats(0.1, 0.35))
def test_a_target_is_turned_clear_of_the_face_on_its_envelope_and_its_side(side: str, dist: float, a: float,
                                                                          r: float) -> None:
    sx = 0.5 if side == "right" else -0.5
    x, y = sx + dist * math.cos(a), dist * math.sin(a)
    px, py = clear_of_face(x, y, r, side)
    assert math.hypot(px - sx, py) == pytest.approx(dist)  # the same reach distance
    if (px, py) != (x, y):
        assert not Box(px - r, py - r, px + r, py + r).overlaps(HEAD_BOX)  # clear of the face
        assert py >= -dist * math.sin(math.radians(20)) - 1e-9  # never turned into a low reach
        if abs(x - sx) > 1e-6:
            assert (px - sx) * (x - sx) > 0  # an "in" target stays in, an "out" one out
