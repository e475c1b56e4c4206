"""Today's dose for a patient: the dosing core over the stored plan and history.

The game never invents a difficulty value and never applies a dosing rule
itself: `DosingSource.options(pre_pain)` reads the patient's plan, sessions
and check-ins from the store and hands them to `exercises.dosing.day_options`,
which decides the full dose, the easier one, and whether the full dose is
allowed at all today. Without a stored plan the core gives the default dose
and says so. A plan the store holds but that no longer validates is one
clear `UserError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from exercises.doses import SessionDose
from exercises.dosing import DayOptions, HarderThanPlan, day_options
from exercises.plans import Plan, PlanError, load_plan
from game.errors import UserError


@dataclass(frozen=True)
class DosingSource:
    """Where today's options come from: one patient's plan and history in a store.

    Args:
        store: the patient's store; None plays the default dose (tests, a bare demo).
        session: the caller's own session length (the demo's `--seconds`), played with
            the plan's pain limits; None: the plan's.
        on: the date of the session (default today).
        pace: the patient's `--pace`: today's pace is never faster than it.
        seated: the patient's `--seated`: a plan that allows standing is played seated.
        dose_values: dose fields fixed by the caller when there is no plan.
        latency_p95_s: this machine's measured capture-to-game latency (p95, seconds;
            benchmarks/latency.py); time limits widen with it inside the plan's bounds
            (exercises/latency_adapt.py), said in today's reasons. None: no adjustment.
    """

    store: Any
    patient_id: str
    game: str
    side: str | None = None
    session: SessionDose | None = None
    on: date | None = None
    pace: float = 1.0
    seated: bool = True
    dose_values: Mapping[str, Any] = field(default_factory=dict)
    latency_p95_s: float | None = None
    # adjusted dose -> its LATENCY_ADJUSTMENT event (game.services records it in the session)
    latency_events: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def plan(self) -> tuple[int, Plan] | None:
        """The patient's current plan (version, plan), or None without one."""
        store = self.store
        current = store.current_plan(self.patient_id) if store is not None and \
            store.patient_exists(self.patient_id) else None
        if current is None:
            return None
        version, text = current
        try:
            return version, load_plan(text, source=f"plan v{version} of {self.patient_id}")
        except PlanError as exc:
            raise UserError(str(exc)) from None

    def options(self, pre_pain: int | None = None) -> DayOptions:
        """Today's full and easier doses, once the pain before the session is known."""
        loaded = self.plan()
        plan = loaded[1] if loaded else None
        history = self.store.history(self.patient_id) if loaded else []
        checkins = self.store.checkins(self.patient_id) if loaded else []
        try:
            options = day_options(plan, history, checkins, self.game, on=self.on or date.today(),
                                  pre_pain=pre_pain, session=self.session, side=self.side,
                                  defaults=self.dose_values)
        except HarderThanPlan as exc:
            raise UserError(str(exc)) from None
        except KeyError as exc:
            raise UserError(str(exc.args[0]) if exc.args else str(exc)) from None
        version = loaded[0] if loaded else None

        def adjust(today: Any) -> Any:
            """The patient's own caps (never faster, seated if asked) and the plan version."""
            if today is None:
                return None
            session = today.session
            session = replace(session, seated=session.seated or self.seated,
                              pace=min(session.pace, self.pace))
            reasons = today.reasons if version is None else (f"plan v{version}", *today.reasons)
            dose = today.dose
            if self.latency_p95_s is not None:
                dose, why, event = _latency(self.game, today, self.latency_p95_s)
                reasons = (*reasons, *why)
                if event is not None:
                    self.latency_events[dose] = event
            return replace(today, session=session, reasons=reasons, dose=dose)

        return replace(options, full=adjust(options.full), easier=adjust(options.easier))


def latency_adjusted(game: str, today: Any, latency_p95_s: float) -> tuple[Any, tuple[str, ...]]:
    """Today's dose with its time limits widened for the machine's latency, and the reason.
    Inside the staircase's bounds; a field the plan fixes (a plan without a range for it)
    stays as the plan says."""
    dose, why, _ = _latency(game, today, latency_p95_s)
    return dose, why


def _latency(game: str, today: Any, latency_p95_s: float) -> tuple[Any, tuple[str, ...], Any]:
    """`latency_adjusted` with its telemetry event (None when nothing changed)."""
    from exercises.latency_adapt import adapt_to_latency

    bounds = dict(today.bounds or {})
    if today.plan is not None:
        for name in ("target_timeout_s", "time_limit_s"):
            if hasattr(today.dose, name) and name not in bounds:
                value = float(getattr(today.dose, name))
                bounds[name] = (value, value)
    dose, event = adapt_to_latency(game, today.dose, latency_p95_s, bounds=bounds or None)
    if event is None:
        return today.dose, (), None
    parts = [f"{k} {v['old']:g} -> {v['new']:g} s" for k, v in event.data["fields"].items()]
    return dose, (f"latency p95 {latency_p95_s * 1000:.0f} ms: {', '.join(parts)}",), event


def stored_plan_overrides(plan: tuple[int, str] | None) -> tuple[list[str], str]:
    """The safeguards a stored plan (version, text) switches off ("table.key: what
    happens") and the therapist's written reason; nothing when it no longer loads (the
    plan commands say why)."""
    if plan is None:
        return [], ""
    try:
        loaded = load_plan(plan[1], source=f"plan v{plan[0]}")
    except PlanError:
        return [], ""
    return loaded.overrides, loaded.override_reason


def plan_overrides(store: Any, patient_id: str) -> list[str]:
    """The safeguards the patient's current plan switches off, for the report."""
    if store is None or not store.patient_exists(patient_id):
        return []
    return stored_plan_overrides(store.current_plan(patient_id))[0]
