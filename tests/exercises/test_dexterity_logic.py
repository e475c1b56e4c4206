"""Dexterity games as pure logic: synthetic apertures with known answers, real pymunk."""

from __future__ import annotations

import math

import numpy as np
import pytest

from exercises.dexterity.aperture import HysteresisDetector, RelativeHysteresis, Thresholds
from exercises.dexterity.openclose import OpenCloseExercise
from exercises.dexterity.pinch import DROP, GRAB, PLACE, PinchExercise
from exercises.dexterity.tapping import TAP, TappingExercise
from exercises.doses import OpenCloseDose, PinchDose, SessionDose, TappingDose
from exercises.events import REPETITION, TRACKING_LOST, TRACKING_RESTORED
from exercises.registry import make_exercise
from vision.intents import HandIntent, Intents

DT = 1.0 / 30.0


def _intents(t: float, *, pinch: float | None = None, grasp: float | None = None, x: float = 0.5,
             y: float = -0.5, side: str = "right") -> Intents:
    hand = HandIntent(x, y, 1.0, pinch, grasp)
    return Intents(t, right=hand) if side == "right" else Intents(t, left=hand)


def tap_signal(t: np.ndarray, rate_hz: float, open_: float = 0.9, closed: float = 0.1) -> np.ndarray:
    """A tapping aperture: open at whole periods, fingers together at half periods.

    The fingers touch at phase 0.5 (t = (k + 0.5) / rate_hz): that is when a tap is timed.
    """
    phase = (t * rate_hz) % 1.0
    return closed + (open_ - closed) * 0.5 * (1.0 + np.cos(2 * np.pi * phase))


def test_hysteresis_ignores_chatter_between_thresholds() -> None:
    det = HysteresisDetector()
    th = Thresholds(0.3, 0.6)
    seq = [0.9, 0.5, 0.35, 0.31, 0.5, 0.29, 0.32, 0.28, 0.4, 0.59, 0.61, 0.2]
    changes = [det.update(v, th) for v in seq]
    assert changes.count("closed") == 2
    assert changes.count("opened") == 1
    assert changes[5] == "closed" and changes[10] == "opened" and changes[11] == "closed"


def test_relative_thresholds_follow_the_patients_own_open_aperture() -> None:
    stiff = RelativeHysteresis()
    t = np.arange(0, 6, DT)
    d = tap_signal(t, 1.5, open_=0.5, closed=0.08)  # a stiff hand that only opens to 0.5
    closes = sum(stiff.update(float(ti), float(v)) == "closed" for ti, v in zip(t, d))
    assert closes == 9
    th = stiff.thresholds
    assert th is not None and th.low == pytest.approx(0.35 * 0.5, abs=0.01)


@pytest.mark.parametrize("rate_hz,fps", [(2.0, 30.0), (3.0, 15.0), (1.2, 25.0)])
def test_tapping_counts_known_taps_and_rate(rate_hz: float, fps: float) -> None:
    ex = TappingExercise(TappingDose(tempo_hz=rate_hz, set_s=10.0, sets=1, rest_between_sets_s=0.0))
    dt = 1.0 / fps
    t = 0.0
    events = []
    while not ex.done:
        d = float(tap_signal(np.array([t]), rate_hz)[0])
        events += ex.step(_intents(t, pinch=d), dt)
        t += dt
    taps = [e for e in events if e.kind == TAP]
    assert len(taps) == round(10.0 * rate_hz)
    s = ex.summary()
    assert s["taps"] == len(taps)
    assert s["tap_rate_hz"] == pytest.approx(rate_hz, rel=0.03)
    assert s["rhythm_cov"] < 0.05
    assert s["interruptions"] == 0
    assert s["amplitude"] == pytest.approx(0.8, abs=0.08)
    reps = [e for e in events if e.kind == REPETITION]
    assert len(reps) == 1 and reps[0].data["taps"] == len(taps)


def test_tapping_scores_timing_against_the_beat() -> None:
    # A tap is timed at the touch (fingers closest): touches half a beat off the
    # metronome, then on it.
    tempo = 2.0
    ex = TappingExercise(TappingDose(tempo_hz=tempo, set_s=6.0, sets=1))
    t = 0.0
    while not ex.done:
        d = float(tap_signal(np.array([t]), tempo)[0])  # touches at 0.25 s + k x 0.5 s
        ex.step(_intents(t, pinch=d), DT)
        t += DT
    s = ex.summary()
    assert s["taps"] == 12
    assert s["on_beat_fraction"] == 0.0
    # the set's clock (and so its metronome) runs one frame ahead of the input's stamps
    assert s["mean_abs_offset_s"] == pytest.approx(0.25 - DT, abs=0.02)
    ex2 = TappingExercise(TappingDose(tempo_hz=tempo, set_s=6.0, sets=1))
    t = 0.0
    while not ex2.done:
        d = float(tap_signal(np.array([t + 0.5 / tempo]), tempo)[0])  # touches on the beats
        ex2.step(_intents(t, pinch=d), DT)
        t += DT
    s2 = ex2.summary()
    assert s2["on_beat_fraction"] == 1.0 and s2["mean_abs_offset_s"] == pytest.approx(DT, abs=0.01)


def test_tapping_sets_rest_and_alternate_sides() -> None:
    ex = TappingExercise(TappingDose(tempo_hz=2.0, set_s=3.0, sets=2, rest_between_sets_s=2.0, side="both"))
    sides = []
    t = 0.0
    while not ex.done and t < 20:
        sides.append(ex.active_side)
        d = float(tap_signal(np.array([t]), 2.0)[0])
        ex.step(_intents(t, pinch=d, side=ex.active_side), DT)
        t += DT
    assert ex.done and 7.9 < t < 8.3  # 3 s + 2 s rest + 3 s
    assert sides[0] == "right" and sides[-1] == "left"
    assert [r["side"] for r in ex.summary()["sets"]] == ["right", "left"]


def test_tapping_pauses_and_cues_when_the_hand_is_not_visible() -> None:
    ex = TappingExercise(TappingDose(tempo_hz=2.0, set_s=4.0, sets=1))
    events = []
    t = 0.0
    for _ in range(30):
        events += ex.step(_intents(t, pinch=0.9), DT)
        t += DT
    before = ex.set_elapsed
    for _ in range(30):  # pose seen, hand landmarks not
        events += ex.step(_intents(t, pinch=None), DT)
        t += DT
    assert ex.cue == "hand_not_visible"
    assert ex.set_elapsed == pytest.approx(before)
    events += ex.step(_intents(t, pinch=0.9), DT)
    kinds = [e.kind for e in events]
    assert kinds.count(TRACKING_LOST) == 1 and kinds.count(TRACKING_RESTORED) == 1
    assert ex.cue is None and ex.summary()["hand_lost_s"] == pytest.approx(1.0, abs=0.01)


def _grasp_cycle(t: float, period: float = 2.0, open_: float = 1.8, closed: float = 0.7) -> float:
    return closed + (open_ - closed) * 0.5 * (1.0 + math.cos(2 * math.pi * t / period))


def test_openclose_counts_repetitions_and_range() -> None:
    ex = OpenCloseExercise(OpenCloseDose(repetitions=4, min_range=0.4, hold_s=0.2))
    t = 0.0
    reps = []
    while not ex.done and t < 30:
        reps += [e for e in ex.step(_intents(t, grasp=_grasp_cycle(t)), DT) if e.kind == REPETITION]
        t += DT
    assert len(reps) == 4
    s = ex.summary()
    assert s["repetitions"] == 4
    assert s["range"] == pytest.approx(1.1, abs=0.05)
    assert s["mean_cycle_s"] == pytest.approx(2.0, abs=0.1)


def test_openclose_ignores_movements_smaller_than_the_dose_range() -> None:
    ex = OpenCloseExercise(OpenCloseDose(repetitions=3, min_range=0.6, hold_s=0.2, time_limit_s=10.0))
    t = 0.0
    while not ex.done:
        ex.step(_intents(t, grasp=_grasp_cycle(t, open_=1.8, closed=1.3)), DT)
        t += DT
    assert ex.summary()["repetitions"] == 0 and ex.elapsed == pytest.approx(10.0, abs=DT)


def _pinch_run(ex: PinchExercise, path: list[tuple[float, float, float, float]]) -> list:
    """Drive the hand along (t_end, x, y, aperture) waypoints, linearly, at 60 Hz."""
    events = []
    t, x, y = 0.0, path[0][1], path[0][2]
    dt = 1.0 / 60.0
    for t_end, gx, gy, ap in path:
        n = max(1, round((t_end - t) / dt))
        x0, y0 = x, y
        for k in range(1, n + 1):
            x = x0 + (gx - x0) * k / n
            y = y0 + (gy - y0) * k / n
            events += ex.step(_intents(t, pinch=ap, x=x, y=y), dt)
            t += dt
    return events


def test_pinched_object_follows_the_hand_and_lands_in_the_box() -> None:
    ex = PinchExercise(PinchDose(objects=2, object_mass=1.0))
    obj = ex.objects[0]
    ox, oy = obj.position
    bx = 0.5 * (ex.box.x0 + ex.box.x1)
    events = _pinch_run(ex, [
        (0.5, ox, oy + 0.6, 1.0), (1.0, ox, oy, 1.0), (1.3, ox, oy, 0.1),  # reach down, pinch
        (2.3, bx, ex.box.y1 + 0.5, 0.1), (2.8, bx, ex.box.y1 + 0.5, 0.1),  # carry over the box
    ])
    assert [e.kind for e in events].count(GRAB) == 1
    assert obj.state == "carried"
    px, py = obj.position
    assert math.hypot(px - bx, py - (ex.box.y1 + 0.5)) < 0.15  # it followed the hand (sags a little)
    events = _pinch_run(ex, [(0.0, bx, ex.box.y1 + 0.5, 0.1), (0.5, bx, ex.box.y1 + 0.5, 1.0),
                             (2.0, bx, ex.box.y1 + 0.8, 1.0)])
    assert [e.kind for e in events].count(PLACE) == 1
    assert obj.state == "placed" and ex.summary()["objects_moved"] == 1
    assert ex.box.x0 < obj.position[0] < ex.box.x1 and obj.position[1] < ex.box.y1  # fell into the box
    assert ex.summary()["carry_time_s"] == pytest.approx(1.8, abs=0.1)  # pinched at 1.0 s, opened at 2.8 s


def test_released_object_outside_the_box_is_a_drop_and_falls() -> None:
    ex = PinchExercise(PinchDose(objects=2))
    obj = ex.objects[0]
    ox, oy = obj.position
    events = _pinch_run(ex, [(0.5, ox, oy, 1.0), (0.8, ox, oy, 0.1), (1.5, ox, oy + 0.8, 0.1),
                             (2.0, ox, oy + 0.8, 1.0), (3.5, ox, oy + 0.8, 1.0)])
    kinds = [e.kind for e in events]
    assert kinds.count(GRAB) == 1 and kinds.count(DROP) == 1 and kinds.count(PLACE) == 0
    assert obj.state == "waiting" and obj.position[1] == pytest.approx(oy, abs=0.05)  # back on the table
    assert ex.summary()["drops"] == 1


def test_heavier_objects_lag_the_hand_more() -> None:
    lags = []
    for mass in (0.5, 4.0):
        ex = PinchExercise(PinchDose(objects=1, object_mass=mass))
        ox, oy = ex.objects[0].position
        _pinch_run(ex, [(0.5, ox, oy, 1.0), (0.8, ox, oy, 0.1), (1.1, ox + 0.6, oy + 0.6, 0.1)])
        px, py = ex.objects[0].position
        lags.append(math.hypot(px - (ox + 0.6), py - (oy + 0.6)))
    assert lags[1] > 2 * lags[0]


def test_pinch_without_an_object_near_grabs_nothing() -> None:
    ex = PinchExercise(PinchDose())
    events = _pinch_run(ex, [(0.5, 0.0, 0.5, 1.0), (1.0, 0.0, 0.5, 0.1), (1.5, 0.0, 0.5, 1.0)])
    assert GRAB not in [e.kind for e in events]


def test_registry_builds_every_dexterity_game() -> None:
    rng = np.random.default_rng(0)
    for name, dose in (("tapping", TappingDose()), ("pinch", PinchDose()), ("openclose", OpenCloseDose())):
        ex = make_exercise(name, dose, None, rng, session_dose=SessionDose(pace=0.5))
        assert ex.name == name and not ex.done
    assert make_exercise("tapping", TappingDose(tempo_hz=2.0), None, rng,
                         session_dose=SessionDose(pace=0.5)).tempo_hz == pytest.approx(1.0)
    with pytest.raises(ValueError, match="sets"):
        TappingExercise(TappingDose(sets=0))


def test_open_reference_is_the_window_maximum_and_forgets_old_openings() -> None:
    from exercises.dexterity.aperture import OpenReference

    ref = OpenReference(window_s=2.0)
    assert ref.update(0.0, 0.2) is None  # never opened yet
    assert ref.update(0.5, 1.4) == 1.4
    assert ref.update(1.0, 0.9) == 1.4
    assert ref.update(2.4, 0.8) == 1.4
    assert ref.update(2.6, 0.7) == pytest.approx(0.9)  # the 1.4 at 0.5 s is older than 2 s
    assert ref.update(5.0, 0.1) is None  # a hand closed for longer than the window
    assert OpenReference(initial=1.2).update(0.0, 0.1) == 1.2  # a calibrated opening stands in
