"""`neuroplay diary --patient ID`: the one-minute daily entry, and the flare plan.

A diary entry is a "daily" check-in (also on days without exercise): pain
now, worst pain, sleep, mood, activity done (0-10), medication change (yes/no),
and optionally "I'm having a flare" (`--flare`). Answers not given as options
are asked one by one. After storing it, the flare rule runs over the pre-session
and diary pain (telemetry.therapies.flare_detected); on a flare, or when the
patient says so, the therapist's flare plan from the patient's plan is shown
and recorded (a "flare_plan" flag the therapist closes), and the report is
rewritten.
"""

from __future__ import annotations

import json
from typing import Any

import click

from game.cli.errors import UserError
from game.cli.params import PATIENT

SCORE = click.IntRange(0, 10)
QUESTIONS = (("pain", "Pain now (0 = no pain, 10 = worst imaginable)"),
             ("worst_pain", "Worst pain in the last day (0-10)"),
             ("sleep", "Sleep last night (0 = very badly, 10 = very well)"),
             ("mood", "Mood today (0 = very low, 10 = very good)"),
             ("activity", "How much of what you planned today did you do (0 = none, 10 = all)"))


def flare_plan_of(store: Any, patient: str) -> Any:
    """The patient's plan's flare plan, or the default text (a plan that no longer
    validates: one line, exit 2)."""
    from exercises.diary import FlarePlan
    from exercises.plans import PlanError, load_plan

    current = store.current_plan(patient)
    if current is None:
        return FlarePlan()
    try:
        return load_plan(current[1], f"plan of {patient}").flare_plan
    except PlanError as exc:
        raise UserError(str(exc)) from None


def record_showing(store: Any, patient: str, status: Any, plan: Any, where: str) -> None:
    """Keep every showing of the flare plan on one open flag for the therapist."""
    from exercises.diary import flare_plan_record
    from telemetry.therapies import FLARE_PLAN_FLAG

    now = store.now()
    prior = [f for f in store.flags(patient, status="open") if f.kind == FLARE_PLAN_FLAG]
    shown = list(prior[0].evidence.get("shown", [])) if prior else []
    shown.append({"date": now.date().isoformat(), "where": where,
                  **flare_plan_record(status, plan)})
    store.raise_flag(patient, FLARE_PLAN_FLAG, "diary",
                     f"Flare plan shown to the patient ({status.reason}).", {"shown": shown})


@click.command()
@click.option("--patient", type=PATIENT, required=True, help="Pseudonymous patient id.")
@click.option("--pain", type=SCORE, default=None, help="Pain now, 0-10.")
@click.option("--worst", "worst_pain", type=SCORE, default=None, help="Worst pain in the last day.")
@click.option("--sleep", type=SCORE, default=None, help="Sleep quality last night, 0-10.")
@click.option("--mood", type=SCORE, default=None, help="Mood today, 0-10.")
@click.option("--activity", type=SCORE, default=None, help="Planned activity done today, 0-10.")
@click.option("--medication-change/--no-medication-change", default=None,
              help="Has the pain medication changed since the last entry?")
@click.option("--flare", is_flag=True, help="\"I'm having a flare\": show the flare plan.")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The day the entry is for (a therapist entering a phone call); default today.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Where the data lives (default: $NEUROPLAY_HOME or the user data directory).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option("--no-report", is_flag=True, help="Do not rewrite the therapist report.")
def diary(patient: str, pain: int | None, worst_pain: int | None, sleep: int | None,
          mood: int | None, activity: int | None, medication_change: bool | None, flare: bool,
          on: Any, data_dir: str | None, as_json: bool, no_report: bool) -> None:
    """Today's diary entry (also on days without exercise)."""
    from exercises.diary import DiaryEntry, flare_plan_lines, flare_status
    from game.cli.demo import _open_store, write_report
    from telemetry.flagging import local_tz
    from telemetry.therapies import flare_detected

    store = _open_store(data_dir)
    try:
        if not store.patient_exists(patient):
            raise UserError(f"unknown patient {patient!r}; add them first with "
                            f"`neuroplay patients add {patient}`")
        plan = flare_plan_of(store, patient)  # a broken plan: one line before anything is asked
        tz = local_tz()
        at = None
        if on is not None:  # noon local time of that day
            at = on.replace(hour=12, tzinfo=tz)
            if at.date() > store.now().astimezone(tz).date():
                raise UserError(f"--date {on.date().isoformat()} is in the future")
        given = {"pain": pain, "worst_pain": worst_pain, "sleep": sleep, "mood": mood,
                 "activity": activity}
        for key, text in QUESTIONS:
            if given[key] is None:
                given[key] = click.prompt(text, type=SCORE, err=as_json)
        if medication_change is None:
            medication_change = click.confirm("Has your pain medication changed since your "
                                              "last entry?", default=False, err=as_json)
        entry = DiaryEntry(**given, medication_change=bool(medication_change),  # type: ignore[arg-type]
                           flare=flare)
        problems = entry.problems()
        if problems:
            raise UserError(f"diary entry not saved: {problems[0]}")
        cid = store.checkin(patient, "daily", entry.answers(), at=at)
        detected, why = flare_detected(store.checkins(patient), tz)
        status = flare_status(detected, why, flare)
        lines: list[str] = []
        if status.flare:
            lines = flare_plan_lines(plan, status)
            record_showing(store, patient, status, plan, "diary")
        report = None if no_report else write_report(store, patient)
    finally:
        store.close()
    out = {"patient": patient, "checkin_id": cid, "answers": entry.answers(),
           "flare": status.flare, "flare_reason": status.reason or None,
           "flare_plan": lines or None, "report": report}
    if as_json:
        click.echo(json.dumps(out))
        return
    click.echo(f"Diary entry saved for patient {patient}.")
    if lines:
        click.echo("")
        for line in lines:
            click.echo(line)
