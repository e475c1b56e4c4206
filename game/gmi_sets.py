"""One graded-motor-imagery set, built for a patient: the run, its scene and its record.

Why a module of its own: `neuroplay demo --game laterality|imagery` (the virtual
patient, game/cli/gmi.py) and `neuroplay play --game laterality|imagery` (a
person at the camera or the mouse, through game/flow.py with its safety screen,
check-ins and stop) play the same set: the same trials from the plan's `[gmi]`
rules, the same stage decision from the stored history, the same summary with
the plan's criteria. Only who answers differs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from game.errors import UserError

GMI_GAMES = ("laterality", "imagery")  # stage 1 and stage 2 (stage 3 is the mirror views)
# Sets the flow plays in place of a dosed exercise: the GMI stages and paced breathing
SET_GAMES = (*GMI_GAMES, "breathing")


def plan_gmi(store: Any, patient: str) -> Any:
    """The patient's `[gmi]` rules from the plan in force (defaults without one)."""
    from exercises.gmi.rules import GmiRules
    from exercises.plans import PlanError, load_plan

    if store is None or not store.patient_exists(patient):
        return GmiRules()
    current = store.current_plan(patient)
    if current is None:
        return GmiRules()
    try:
        return load_plan(current[1], f"plan of {patient}").gmi
    except PlanError as exc:
        raise UserError(str(exc)) from None


def ladder_decisions(store: Any, patient: str, rules: Any, playing: int) -> tuple[int, list[str]]:
    """The GMI gate over the patient's stored sessions (exercises.gmi.history): the stage
    now and the decision words stored with the session about to start."""
    from exercises.gmi.history import current_stage, decision_words
    from telemetry.flagging import local_tz
    from telemetry.therapies import flare_day_set

    tz = local_tz()
    stage, last = current_stage(store.history(patient), flare_day_set(store.checkins(patient), tz),
                                rules, tz)
    return stage, decision_words(stage, last, playing)


@dataclass
class GmiSet:
    """A set ready to play: `scene` (a MenuScene whose result is the run's summary),
    what to store with the session (`exercise`, `dose`, `decisions`), and `finish`,
    which completes the summary with the plan's criteria once the set is over."""

    exercise: str
    scene: Any
    run: Any
    dose: dict[str, Any]
    stage: int
    decisions: list[str]
    rules: Any
    finish: Callable[[dict[str, Any]], dict[str, Any]] = field(repr=False)
    side: str = "right"  # the hand shown (imagery) / the affected side (laterality)


def laterality_set(store: Any, patient: str, side: str, seed: int, *, answer: str = "any",
                   pace: float = 1.0, camera: bool = True) -> GmiSet:
    """Stage 1: balanced left/right hand pictures in the plan's rotations and views.
    `camera`: a tracked body is in view, so raising a hand answers (not with the mouse)."""
    from assets.gmi import hand_poses
    from exercises.gmi.laterality import Norm, generate_trials, meets
    from exercises.gmi.laterality_run import LateralityRun
    from game.scenes.laterality import LateralityScene

    rules = plan_gmi(store, patient)
    poses = hand_poses()
    trials = generate_trials(rules.trials_per_set, rules.angles, rules.views, len(poses), seed)
    run = LateralityRun(trials, deadline_s=rules.response_deadline_s, affected=side)
    scene = LateralityScene(run, poses, affected=side, pace=pace, camera_answers=camera)
    stage, decisions = ladder_decisions(store, patient, rules, 1)
    dose = {"stage": 1, "trials": len(trials), "angles": list(rules.angles),
            "views": list(rules.views), "response_deadline_s": rules.response_deadline_s,
            "answer_mode": answer}

    def finish(summary: dict[str, Any]) -> dict[str, Any]:
        mode = summary.get("answer_mode") or (answer if answer != "any" else "keys")
        norm_cfg = getattr(rules.norms, mode if mode in ("keys", "click", "camera") else "keys")
        ok, why = meets(run.score(), Norm(norm_cfg.accuracy, norm_cfg.median_rt_s))
        return {**summary, "criteria_met": ok, "criteria": why,
                "norm": {"mode": mode, "accuracy": norm_cfg.accuracy,
                         "median_rt_s": norm_cfg.median_rt_s,
                         "confirmed_by": rules.norms_confirmed_by or None}}

    return GmiSet("laterality", scene, run, dose, stage, decisions, rules, finish, side)


def imagery_set(store: Any, patient: str, side: str, seed: int, *, pace: float = 1.0) -> GmiSet:
    """Stage 2: postures of the affected hand to imagine, the arm kept still."""
    from assets.gmi import named_hand_poses
    from exercises.gmi.imagery import ImageryRun, imagery_met, make_trials
    from game.scenes.imagery import ImageryScene

    rules = plan_gmi(store, patient)
    im = rules.imagery
    named = named_hand_poses()
    shown = "right" if side == "both" else side
    trials = make_trials(im.pictures_per_set, im.sets, [n for n, _ in named], shown, seed)
    run = ImageryRun(trials, hold_s=im.hold_s, threshold_bu_s=im.stillness_bu_s)
    scene = ImageryScene(run, [p for _, p in named], im.repeats, pace=pace)
    stage, decisions = ladder_decisions(store, patient, rules, 2)
    dose = {"stage": 2, "pictures": len(trials), "hold_s": im.hold_s, "repeats": im.repeats,
            "stillness_bu_s": im.stillness_bu_s}

    def finish(summary: dict[str, Any]) -> dict[str, Any]:
        ok, why = imagery_met(summary, im.min_still_fraction)
        return {**summary, "criteria_met": ok, "criteria": why}

    return GmiSet("imagery", scene, run, dose, stage, decisions, rules, finish, shown)


def make_set(game: str, store: Any, patient: str, side: str, seed: int, *,
             pace: float = 1.0, camera: bool = True) -> GmiSet:
    if game == "breathing":  # not GMI, but played the same way (game/breathing_set.py)
        from game.breathing_set import breathing_set

        return breathing_set(store, patient, pace=pace, camera=camera)
    if game == "laterality":
        return laterality_set(store, patient, side, seed, pace=pace, camera=camera)
    if game == "imagery":
        return imagery_set(store, patient, side, seed, pace=pace)
    raise ValueError(f"not a graded motor imagery game: {game!r}")


def result_lines(exercise: str, summary: dict[str, Any]) -> list[str]:
    """The set's result in its own terms, for the summary screen (never a pain goal)."""
    if exercise == "laterality":
        acc, rt = summary.get("accuracy"), summary.get("median_rt_s")
        lines = [f"Pictures answered: {summary.get('trials', 0)}"]
        if acc is not None:
            lines.append(f"Right answers: {float(acc):.0%}")
        if rt is not None:
            lines.append(f"Typical answer time: {float(rt):.1f} s")
        return lines
    if exercise == "breathing":
        from game.breathing_set import result_lines as breathing_lines

        return breathing_lines(summary)
    if exercise == "imagery":
        return [f"Pictures imagined: {summary.get('trials', 0)}",
                f"Arm kept resting: {summary.get('still', 0)} of {summary.get('trials', 0)}"]
    return []
