"""A paced-breathing set as a session of its own (`neuroplay play --game breathing`).

Why here and not in game/cli/breathing.py: the session flow (game/flow.py) plays it
the way it plays a graded-motor-imagery set (game/gmi_sets.py): safety screen,
check-in, the set with the safety rail, check-in, summary. Nothing is dosed (the
pacer comes from the plan's [breathing] table), so there is no "how much today"
question and no calibration. The breathing signal is the shoulders' height in each
camera frame (`record_frame` -> `BreathingScene.add_sample`); with `--mouse` there
is no camera and the set runs as the pacer alone, stored with `pacer_only` and the
reason, never with a rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from game.errors import UserError
from game.gmi_sets import GmiSet
from game.scenes.breathing import NO_CAMERA


def plan_breathing(store: Any, patient: str) -> Any:
    """The patient's [breathing] rules from the plan in force (defaults without one)."""
    from exercises.breathing import BreathingRules
    from exercises.plans import PlanError, load_plan

    current = store.current_plan(patient) if store is not None and store.patient_exists(patient) \
        else None
    if current is None:
        return BreathingRules()
    try:
        return load_plan(current[1], f"plan of {patient}").breathing
    except PlanError as exc:
        raise UserError(str(exc)) from None


@dataclass
class BreathingRun:
    """The set's progress as the flow asks a GMI run for it (`done`, `summary`, `drain`)."""

    scene: Any

    @property
    def done(self) -> bool:
        return self.scene.t >= self.scene.seconds - 1e-6

    def summary(self) -> dict[str, Any]:
        return dict(self.scene.result_dict())

    def drain(self) -> list[Any]:
        return list(self.scene.drain())


def breathing_set(store: Any, patient: str, *, pace: float = 1.0, camera: bool = True,
                  seconds: float | None = None) -> GmiSet:
    """The plan's pacer for `minutes` (or `seconds`, tests); `camera=False`: pacer only."""
    from game.scenes.breathing import BreathingScene

    rules = plan_breathing(store, patient)
    length = rules.minutes * 60.0 if seconds is None else seconds
    scene = BreathingScene(rules, pace, seconds=length, from_frames=True, camera=camera)
    dose = {"breaths_per_min": rules.breaths_per_min, "inhale": rules.inhale,
            "exhale": rules.exhale, "seconds": length, "camera": camera}
    why = (f"paced breathing {rules.breaths_per_min:g}/min, in {rules.inhale:g} : out "
           f"{rules.exhale:g}, {length / 60:.1f} min (the plan's [breathing]"
           f"{'' if store is not None and store.current_plan(patient) else ', defaults'})")
    decisions = [why] if camera else [why, NO_CAMERA]

    def finish(summary: dict[str, Any]) -> dict[str, Any]:
        return dict(summary)

    return GmiSet("breathing", scene, BreathingRun(scene), dose, 0, decisions, rules, finish,
                  "both")


def result_lines(summary: dict[str, Any]) -> list[str]:
    """The set in its own terms for the summary screen and `play`'s line (never a goal)."""
    secs = float(summary.get("seconds") or 0.0)
    paced = float(summary.get("breaths_per_min_paced", 0))
    lines = [f"Guide: {paced:g} breaths a minute for {int(secs // 60)} min {int(secs % 60):02d} s"]
    rate, adh = summary.get("rate_per_min"), summary.get("adherence")
    if not summary.get("pacer_only") and isinstance(rate, (int, float)):
        lines.append(f"Your breathing: about {float(rate):.1f} breaths a minute")
        if isinstance(adh, (int, float)):
            lines.append(f"In step with the guide: {float(adh):.0%} of the time")
    else:
        lines.append("Guide only: " + str(summary.get("why", "no breathing read")))
    return lines
