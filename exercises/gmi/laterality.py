"""GMI stage 1, laterality recognition: trial generation and scoring.

Why pure: the clinical value is in the numbers (accuracy and median response
time per side; the lateral-minus-medial difference that shows motor imagery is
used; the affected/unaffected ratio), so they are computed here and tested
directly; the scene only shows pictures and collects answers.

Angles are counter-clockwise in the picture, 0 = fingers up. A rotation is
"lateral" when the fingers turn away from the body midline as the patient sees
their own hand (a right hand's fingers turning right: clockwise, negative
angles), "medial" toward it; 0 is "upright" and 180 "inverted".
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

Side = Literal["left", "right"]
View = Literal["dorsal", "palmar"]
AnswerMode = Literal["keys", "click", "camera"]
SIDES: tuple[Side, Side] = ("left", "right")
ANSWER_MODES: tuple[str, ...] = ("keys", "click", "camera")


@dataclass(frozen=True, slots=True)
class Trial:
    index: int
    side: Side
    view: View
    angle_deg: int  # counter-clockwise, in [0, 360)
    posture: int  # index into the hand pose set


def signed_angle(angle_deg: float) -> float:
    """The angle in (-180, 180]."""
    a = (float(angle_deg) + 180.0) % 360.0 - 180.0
    return 180.0 if a == -180.0 else a


def rotation_kind(side: Side, angle_deg: float) -> Literal["upright", "medial", "lateral",
                                                             "inverted"]:
    a = signed_angle(angle_deg)
    if a == 0:
        return "upright"
    if a == 180:
        return "inverted"
    clockwise = a < 0
    return "lateral" if clockwise == (side == "right") else "medial"


def generate_trials(n: int, angles: Sequence[int], views: Sequence[View], postures: int,
                    seed: int, max_run: int = 3) -> list[Trial]:
    """`n` trials, sides balanced (counts differ by at most 1), angles and views spread
    evenly within each side, at most `max_run` pictures of one side in a row, shuffled
    by `seed` (the same seed gives the same set)."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if not angles or not views or postures < 1:
        raise ValueError("need at least one angle, one view and one posture")
    if max_run < 1:
        raise ValueError("max_run must be at least 1")
    rng = random.Random(seed)
    combos = [(a % 360, v) for a in angles for v in views]
    per_side: dict[str, list[tuple[int, View]]] = {}
    counts = {"left": n // 2 + (n % 2 if rng.random() < 0.5 else 0)}
    counts["right"] = n - counts["left"]
    for s in SIDES:
        order = combos[:]
        rng.shuffle(order)
        per_side[s] = [order[i % len(order)] for i in range(counts[s])]
        rng.shuffle(per_side[s])
    sides = _sides_sequence(counts["left"], counts["right"], max_run, rng)
    out: list[Trial] = []
    for i, s in enumerate(sides):
        angle, view = per_side[s].pop()
        out.append(Trial(i, s, view, angle, rng.randrange(postures)))
    return out


def _completable(same: int, other: int, run: int, max_run: int) -> bool:
    """Can `same` more of the side just shown (already `run` in a row) and `other` of the
    other side still be ordered with no run over max_run?"""
    return same <= (max_run - run) + max_run * other and other <= max_run * (same + 1)


def _sides_sequence(n_left: int, n_right: int, max_run: int, rng: random.Random) -> list[Side]:
    """A random order of the sides with no run longer than max_run (when one exists):
    each pick is random, weighted by what remains, among the picks that keep the rest
    of the order possible."""
    left, right, seq = n_left, n_right, []
    run_side: Side | None = None
    run = 0
    while left or right:
        options: list[Side] = []
        for o in SIDES:
            rem = {"left": left, "right": right}
            if not rem[o]:
                continue
            rem[o] -= 1
            k = run + 1 if o == run_side else 1
            other = "right" if o == "left" else "left"
            if k <= max_run and _completable(rem[o], rem[other], k, max_run):
                options.append(o)
        if not options:  # no valid order exists (e.g. one side only): keep going anyway
            options = ["left" if left else "right"]
        pick = rng.choices(options, [left if o == "left" else right for o in options])[0]
        seq.append(pick)
        left, right = (left - 1, right) if pick == "left" else (left, right - 1)
        run = run + 1 if pick == run_side else 1
        run_side = pick
    return seq


@dataclass(frozen=True, slots=True)
class Answer:
    """One trial's outcome. `answer` None: no answer before the deadline (counts as wrong)."""

    trial: Trial
    answer: Side | None
    rt_s: float | None

    @property
    def correct(self) -> bool:
        return self.answer == self.trial.side


@dataclass(frozen=True, slots=True)
class SideScore:
    trials: int
    accuracy: float | None
    median_rt_s: float | None  # of CORRECT answers (the convention in laterality studies)


@dataclass(frozen=True, slots=True)
class LateralityScore:
    trials: int
    accuracy: float | None
    median_rt_s: float | None
    left: SideScore
    right: SideScore
    lateral_minus_medial_s: float | None  # > 0: the biomechanical-constraints effect
    affected_ratio: float | None  # affected / unaffected median RT (> 1: affected slower)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _side_score(answers: Sequence[Answer]) -> SideScore:
    if not answers:
        return SideScore(0, None, None)
    rts = [a.rt_s for a in answers if a.correct and a.rt_s is not None]
    return SideScore(len(answers), round(sum(a.correct for a in answers) / len(answers), 4),
                     round(statistics.median(rts), 4) if rts else None)


def score(answers: Sequence[Answer], affected: Side | Literal["both"] | None = None
          ) -> LateralityScore:
    """Accuracy and median response time overall and per side of the PICTURE."""
    total = _side_score(answers)
    by = {s: _side_score([a for a in answers if a.trial.side == s]) for s in SIDES}

    def med(kind: str) -> float | None:
        rts = [a.rt_s for a in answers if a.correct and a.rt_s is not None
               and rotation_kind(a.trial.side, a.trial.angle_deg) == kind]
        return statistics.median(rts) if rts else None

    lat, medial = med("lateral"), med("medial")
    diff = round(lat - medial, 4) if lat is not None and medial is not None else None
    ratio = None
    if affected in ("left", "right"):
        aff: Literal["left", "right"] = "left" if affected == "left" else "right"
        other: Literal["left", "right"] = "left" if aff == "right" else "right"
        a_rt, u_rt = by[aff].median_rt_s, by[other].median_rt_s
        if a_rt is not None and u_rt:
            ratio = round(a_rt / u_rt, 4)
    return LateralityScore(total.trials, total.accuracy, total.median_rt_s, by["left"],
                           by["right"], diff, ratio)


@dataclass(frozen=True, slots=True)
class Norm:
    """A criterion from the plan for one answer mode (clinician to confirm)."""

    accuracy: float
    median_rt_s: float


def meets(s: LateralityScore, norm: Norm) -> tuple[bool, str]:
    """Whether BOTH sides meet the norm, and why (words for the decision log)."""
    problems = []
    for name, side in (("left", s.left), ("right", s.right)):
        if side.accuracy is None or side.median_rt_s is None:
            problems.append(f"{name}: not enough answers")
            continue
        if side.accuracy < norm.accuracy:
            problems.append(f"{name} accuracy {side.accuracy:.0%} < {norm.accuracy:.0%}")
        if side.median_rt_s > norm.median_rt_s:
            problems.append(f"{name} median {side.median_rt_s:.2f} s > {norm.median_rt_s:.2f} s")
    if problems:
        return False, "; ".join(problems)
    return True, (f"both sides >= {norm.accuracy:.0%} correct and median <= "
                  f"{norm.median_rt_s:.2f} s")
