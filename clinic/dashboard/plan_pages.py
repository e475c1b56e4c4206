"""The plan editor's page: what it shows and what a submitted form does (worker threads).

One flow for both tabs, so the form and the TOML edit the same validated plan
(clinic.plan_form maps the form onto the TOML; exercises.plans validates it):

  review    the form (or the TOML) -> a validated candidate plan -> its diff against the
            plan in force, and a reason field; nothing is saved;
  simulate  the candidate's rules run on THIS patient's stored sessions and check-ins,
            then forward from today under a stated assumption (FORWARD_SCENARIOS);
  save      the reviewed TOML text with the therapist's reason, only when the plan in
            force is still the version the review was made against (else: review again).

A refused value comes back next to its field (422); nothing is half-saved: the store gets
one new version or nothing. Plan edits are stored with what exists: a new version in the
plans table (author = the therapist) with the reason as its first comment lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from clinic import plan_form as pf
from exercises.plans import Plan, PlanError, load_plan
from telemetry.errors import PlanConflict
from telemetry.records import PatientRecord
from telemetry.store import Store

SIM_SESSIONS = 12
SOURCE = "plan"


def _in_force(store: Store, patient_id: str) -> tuple[int | None, str, Plan | None]:
    cur = store.current_plan(patient_id)
    if cur is None:
        return None, "", None
    version, text = cur
    try:
        return version, text, load_plan(text, f"plan version {version}")
    except PlanError:  # a version saved before a rule existed: the TOML tab still opens
        return version, text, None


def _history(store: Store, patient_id: str) -> list[dict[str, Any]]:
    return [{"version": v["version"], "author": v["author"],
             "created": v["created_at"].strftime("%Y-%m-%d %H:%M") if v["created_at"] else "-",
             "reason": pf.reason_of(v["toml_text"]) or "-"}
            for v in reversed(store.plan_history(patient_id))]


def editor(store: Store, p: PatientRecord, *, tab: str = "form", saved: int | None = None,
           **over: Any) -> dict[str, Any]:
    """The page's context: the plan in force as a form and as TOML, its versions, and
    whatever a submission added (`over`: typed values, errors, review, simulation)."""
    version, text, plan = _in_force(store, p.patient_id)
    values: Mapping[str, str] = over.pop("values", {})
    errors: Mapping[str, str] = over.pop("errors", {})
    doses, groups = pf.sections(plan, values, errors) if plan is not None else ([], [])
    ctx: dict[str, Any] = {
        "patient": p, "version": version, "tab": tab if tab in ("form", "toml") else "form",
        "doses": doses, "groups": groups, "has_plan": plan is not None,
        "toml_text": text, "toml_error": None, "toml_excerpt": [], "other_errors": [],
        "form_error": bool(errors), "review": None, "reason": "", "reason_error": None,
        "simulation": None, "scenarios": pf_scenarios(), "scenario": "as_recently",
        "exercises": list(plan.exercises) if plan is not None else [],
        "sim_exercise": plan.exercises[0] if plan is not None else "",
        "saved": saved if saved is not None and saved == version else None,
        "notice": None, "history": _history(store, p.patient_id),
        "overrides": plan.overrides if plan is not None else [],
        "override_reason": plan.override_reason if plan is not None else "",
    }
    ctx.update(over)
    return ctx


def pf_scenarios() -> list[tuple[str, str]]:
    from exercises.simulated_patients import FORWARD_SCENARIOS

    return list(FORWARD_SCENARIOS.items())


def _excerpt(text: str, line: int | None) -> list[dict[str, Any]]:
    """The TOML lines around an error, numbered, the error's line marked."""
    if line is None:
        return []
    lines = text.splitlines()
    lo, hi = max(1, line - 3), min(len(lines), line + 3)
    return [{"n": n, "text": lines[n - 1], "bad": n == line} for n in range(lo, hi + 1)]


def submit(store: Store, p: PatientRecord, form: Mapping[str, str], author: str
           ) -> tuple[int, dict[str, Any] | str]:
    """A POST of the editor -> (HTTP status, the page's context), or (303, where to go)."""
    action = form.get("action", "review")
    mode = "toml" if form.get("mode") == "toml" or action == "save" else "form"
    version, in_force_text, in_force = _in_force(store, p.patient_id)
    scenario = form.get("scenario", "as_recently")
    if scenario not in dict(pf_scenarios()):
        scenario = "as_recently"
    common: dict[str, Any] = {"tab": mode, "scenario": scenario}

    # 1. the candidate plan, from the form or from the TOML
    values = {k: v for k, v in form.items() if "." in k}
    if mode == "form":
        if in_force is None:
            return 422, editor(store, p, **common, notice="This patient has no valid plan to "
                               "edit with the form; use the TOML tab.")
        result = pf.apply_form(in_force, values)
        text = result.text
        if not result.ok:
            return 422, editor(store, p, **common, values=values, errors=result.errors,
                               other_errors=result.other, toml_text=text)
        candidate = result.plan
    else:
        text = form.get("plan_text", "")
        try:
            candidate = load_plan(text, SOURCE)
        except PlanError as exc:
            line = pf.toml_error_line(exc.problems[0])
            return 422, editor(store, p, **common, toml_text=text, toml_error=str(exc),
                               toml_excerpt=_excerpt(text, line))
    assert candidate is not None
    keep = {"values": values, "toml_text": text} if mode == "form" else {"toml_text": text}

    # 2. what to do with it
    if action == "simulate":
        return 200, editor(store, p, **common, **keep,
                           simulation=_simulate(store, p.patient_id, candidate, scenario,
                                                form.get("exercise", ""), in_force))
    review = _review(in_force, in_force_text, candidate, text, version)
    if action != "save":
        return 200, editor(store, p, **common, **keep, review=review)
    reason = " ".join(form.get("reason", "").split())[:500]
    base = form.get("base_version", "")
    if base != str(version or 0):
        return 409, editor(store, p, **common, **keep, review=review, reason=reason,
                           notice=f"Plan version {version} was saved while you were editing; "
                                  f"the changes below are now against it. Review them, then "
                                  f"save again.")
    if not review["changes"] and in_force is not None:
        return 422, editor(store, p, **common, **keep, review=review,
                           notice="Nothing to save: the new plan is the plan in force.")
    if not reason:
        return 422, editor(store, p, **common, **keep, review=review, reason=reason,
                           reason_error="Write why you change the plan; the reason is kept "
                                        "with the new version.")
    on = store.now().strftime("%Y-%m-%d %H:%M UTC")
    final = pf.with_reason(text, reason, author, on)
    load_plan(final, SOURCE)  # the reason is a comment: still the reviewed plan (never raises)
    try:
        saved = store.save_plan(p.patient_id, final, author, expected_version=version or 0)
    except PlanConflict:  # saved by someone else between the check above and now
        now_version, in_force_text, in_force = _in_force(store, p.patient_id)
        return 409, editor(store, p, **common, **keep, reason=reason,
                           review=_review(in_force, in_force_text, candidate, text, now_version),
                           notice="Another version was saved while you were saving; the "
                                  "changes below are now against it. Review them, then save "
                                  "again.")
    return 303, f"/patients/{quote(p.patient_id, safe='')}/plan?saved={saved}"


def _review(old: Plan | None, old_text: str, new: Plan, text: str,
            version: int | None) -> dict[str, Any]:
    changes = pf.plan_diff(old, new) if old is not None else []
    return {"changes": changes, "text_diff": pf.text_diff(old_text, text),
            "text": text, "base_version": version or 0, "next_version": (version or 0) + 1,
            "overrides": new.overrides, "first": old is None}


def _simulate(store: Store, patient_id: str, plan: Plan, scenario: str, exercise: str,
              in_force: Plan | None = None) -> dict[str, Any]:
    """The candidate plan on the patient's real history, then forward from today; each
    dose beside the one the plan in force would give on the same assumption."""
    from exercises.dosing import fmt_value
    from exercises.simulated_patients import (
        FORWARD_SCENARIOS,
        forward_rows,
        simulate_forward,
    )

    ex = exercise if exercise in plan.exercises else plan.exercises[0]
    history = store.history(patient_id)
    checkins = store.checkins(patient_id)
    rows = forward_rows(history, ex, scenario, SIM_SESSIONS)
    today = store.now().date()
    steps = simulate_forward(plan, history, checkins, rows, start=today, exercise=ex)
    before = (simulate_forward(in_force, history, checkins, rows, start=today, exercise=ex)
              if in_force is not None and ex in in_force.exercises else [])
    keys = list(steps[0].dose) if steps else []

    def pain(v: int | None) -> str:
        return "-" if v is None else str(v)

    def cell(step: Any, old: Any, k: str) -> dict[str, str | None]:
        new = fmt_value(k, step.dose[k])
        was = fmt_value(k, old.dose[k]) if old is not None and k in old.dose else None
        return {"new": new, "now": was if was != new else None}

    return {
        "exercise": ex, "scenario": FORWARD_SCENARIOS[scenario], "today": today.isoformat(),
        "real_sessions": sum(1 for h in history if h.exercise == ex),
        "compared": bool(before),
        "columns": [pf.param_label(k) for k in keys],
        "rows": [{"n": s.session, "day": s.day.strftime("%a %d %b"),
                  "dose": [cell(s, before[i] if i < len(before) else None, k) for k in keys],
                  "pain": f"{pain(s.pain_pre)} -> {pain(s.pain_post)}",
                  "met": "yes" if s.quota_met else "no", "easier": s.easier,
                  "reasons": [r for r in (s.reasons or s.decision.reasons)]
                  + [f"FLAG {f.kind}: {f.message}" for f in s.decision.flags]}
                 for i, s in enumerate(steps)]}
