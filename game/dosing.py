"""Today's dose for a patient: the progression engine over the stored plan and history.

The game never invents a difficulty value. With a plan stored for the
patient, `exercises.progression.todays_dose` decides (its reasons go into
the session's decision log); without one, the dose defaults of
exercises/doses.py are used and the log says so.
"""

from __future__ import annotations

from dataclasses import dataclass
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

    def with_staircase(self, runner: Any) -> Any:
        """The runner, wrapped so the staircase steps difficulty after each trial."""
        if self.staircase is None:
            return runner
        from game.difficulty import StaircaseRunner

        return StaircaseRunner(runner, self.staircase)


def todays(store: Any, patient_id: str, game: str, *, on: date | None = None,
           side: str | None = None) -> Today:
    current = store.current_plan(patient_id) if store.patient_exists(patient_id) else None
    if current is None:
        values = {"side": side} if side in ("left", "right") else {}
        return Today(SessionDose(), make_dose(game, **values),
                     (f"no plan stored for {patient_id}: default {game} dose",), planned=False)
    from exercises.plans import PlanError, load_plan
    from exercises.progression import todays_dose

    version, text = current
    try:
        plan = load_plan(text, source=f"plan v{version} of {patient_id}")
        today = todays_dose(plan, store.history(patient_id), store.checkins(patient_id), game,
                            on=on or date.today())
    except PlanError as exc:
        raise UserError(str(exc)) from None
    except KeyError as exc:
        raise UserError(str(exc.args[0]) if exc.args else str(exc)) from None
    staircase = None
    if today.bounds and any(hi > lo for lo, hi in today.bounds.values()):
        from dataclasses import asdict

        from exercises.staircase import Staircase

        start = {k: v for k, v in asdict(today.dose).items() if k in today.bounds}
        staircase = Staircase.for_today(plan, game, start, today.bounds)
    return Today(today.session, today.dose, (f"plan v{version}", *today.reasons), planned=True,
                 staircase=staircase)
