"""The Patient-Specific Functional Scale on top of the store.

A therapist's plan may name the patient's goals (`[[goals]] activity = ...`,
at most five, see docs/plans.md); those are the PSFS activities, so the
patient rates the same words the plan trains for. `adopt_plan_goals` copies
any goal not yet on the scale (while there is room); `parse_rating` reads
the command line's "ACTIVITY=VALUE" or "NUMBER=VALUE".
"""

from __future__ import annotations

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from telemetry.errors import StoreError
from telemetry.proms import PSFS_MAX_ACTIVITIES, validate_score
from telemetry.records import PsfsActivity
from telemetry.store import Store


def plan_goals(plan_toml: str | None) -> list[str]:
    if not plan_toml:
        return []
    try:
        doc = tomllib.loads(plan_toml)
    except tomllib.TOMLDecodeError:
        return []
    goals = doc.get("goals", [])
    return [str(g["activity"]).strip() for g in goals
            if isinstance(g, dict) and str(g.get("activity", "")).strip()]


def adopt_plan_goals(store: Store, patient_id: str) -> list[str]:
    """Add the current plan's goals missing from the scale; return the names added."""
    plan = store.current_plan(patient_id)
    have = {a.name.lower() for a in store.psfs_activities(patient_id)}
    added = []
    for name in plan_goals(plan[1] if plan else None):
        if name.lower() in have or len(have) >= PSFS_MAX_ACTIVITIES:
            continue
        store.add_psfs_activity(patient_id, name)
        have.add(name.lower())
        added.append(name)
    return added


def parse_rating(text: str, activities: list[PsfsActivity]) -> tuple[int, int]:
    """"3=6" (the third activity) or "Reach a cup=6" -> (activity id, value)."""
    name, sep, value = text.rpartition("=")
    if not sep or not name.strip():
        raise StoreError(f"rating {text!r}: expected ACTIVITY=VALUE, e.g. \"1=6\"")
    key = name.strip()
    act = None
    if key.isdigit() and 1 <= int(key) <= len(activities):
        act = activities[int(key) - 1]
    else:
        act = next((a for a in activities if a.name.lower() == key.lower()), None)
    if act is None:
        names = "; ".join(f"{i + 1}={a.name}" for i, a in enumerate(activities)) or "none yet"
        raise StoreError(f"rating {text!r}: no such PSFS activity (activities: {names})")
    try:
        v = int(value.strip())
    except ValueError:
        raise StoreError(f"rating {text!r}: the value must be a whole number 0-10") from None
    try:
        return act.activity_id, validate_score(v, what=f"rating of {act.name!r}")
    except ValueError as exc:
        raise StoreError(str(exc)) from None
