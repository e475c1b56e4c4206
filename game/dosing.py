"""Today's dose for a patient: the progression engine over the stored plan and history.

The game never invents a difficulty value. With a plan stored for the
patient, `exercises.progression.todays_dose` decides (its reasons go into
the session's decision log); without one, the dose defaults of
exercises/doses.py are used and the log says so.

"Easier for today" (the patient's choice at check-in, or `--easier`): the
session is shorter and slower than it would have been, never harder. With
a plan, `todays_dose(easier=...)` applies it (and refuses anything harder
than the plan); without one, the defaults are eased the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from exercises.doses import SessionDose, make_dose
from game.cli.errors import UserError


@dataclass(frozen=True)
class Today:
    session: SessionDose
    dose: Any
    reasons: tuple[str, ...]
    planned: bool
    staircase: Any = None  # exercises.staircase.Staircase for today's bounds, with a plan
    easier: bool = False  # made easier for today at the patient's request

    def with_staircase(self, runner: Any) -> Any:
        """The runner, wrapped so the staircase steps difficulty after each trial."""
        if self.staircase is None:
            return runner
        from game.difficulty import StaircaseRunner

        return StaircaseRunner(runner, self.staircase)


# "Easier for today": this share of the session's length, at this share of its pace.
EASIER_MINUTES = 2.0 / 3.0
EASIER_PACE = 0.75
MIN_PACE = 0.5  # the slowest pace the game offers (`--pace` 0.5: everything twice as long)


def easier_values(session: SessionDose) -> dict[str, float]:
    """Shorter and slower than `session`: never longer, never faster (a pace already at
    the slowest the game offers stays there)."""
    pace = session.pace if session.pace <= MIN_PACE else max(MIN_PACE, session.pace * EASIER_PACE)
    return {"session_minutes": round(session.session_minutes * EASIER_MINUTES, 3),
            "pace": round(pace, 3)}


def eased_reasons(before: SessionDose, after: SessionDose) -> tuple[str, ...]:
    from exercises.progression import fmt_value, label

    return tuple(f"easier today at the patient's request: {label(k)} "
                 f"{fmt_value(k, getattr(before, k))} -> {fmt_value(k, getattr(after, k))}"
                 for k in ("session_minutes", "pace") if getattr(before, k) != getattr(after, k))


def todays(store: Any, patient_id: str, game: str, *, on: date | None = None,
           side: str | None = None, easier: bool = False, session: SessionDose | None = None) -> Today:
    """Today's dose. `session`: the session the caller plays instead of the plan's (the
    demo's `--seconds`); `easier`: shorter and slower than that, never harder than the plan."""
    current = store.current_plan(patient_id) if store.patient_exists(patient_id) else None
    if current is None:
        values = {"side": side} if side in ("left", "right") else {}
        base = session or SessionDose()
        played = replace(base, **easier_values(base)) if easier else base
        return Today(played, make_dose(game, **values),
                     (f"no plan stored for {patient_id}: default {game} dose",
                      *(eased_reasons(base, played) if easier else ())), planned=False, easier=easier)
    from exercises.plans import PlanError, load_plan
    from exercises.progression import HarderThanPlan, todays_dose

    version, text = current
    try:
        plan = load_plan(text, source=f"plan v{version} of {patient_id}")
        history, checkins = store.history(patient_id), store.checkins(patient_id)
        today = todays_dose(plan, history, checkins, game, on=on or date.today())
        if easier:
            planned = today.session
            base = session or planned
            # Eased from what is played, and never past the plan's own values (both
            # fields are harder when bigger), so todays_dose accepts them.
            values = {k: min(v, getattr(planned, k)) for k, v in easier_values(base).items()}
            today = todays_dose(plan, history, checkins, game, on=on or date.today(), easier=values)
    except (PlanError, HarderThanPlan) as exc:
        raise UserError(str(exc)) from None
    except KeyError as exc:
        raise UserError(str(exc.args[0]) if exc.args else str(exc)) from None
    staircase = None
    if today.bounds and any(hi > lo for lo, hi in today.bounds.values()):
        from dataclasses import asdict

        from exercises.staircase import Staircase

        start = {k: v for k, v in asdict(today.dose).items() if k in today.bounds}
        staircase = Staircase.for_today(plan, game, start, today.bounds)
    played = today.session
    if session is not None:  # the caller's session (the demo's length), eased like the plan's
        played = replace(session, **{k: getattr(today.session, k) for k in ("session_minutes", "pace")}) \
            if easier else session
    return Today(played, today.dose, (f"plan v{version}", *today.reasons), planned=True,
                 staircase=staircase, easier=easier)
