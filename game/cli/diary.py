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

from game.cli.params import PATIENT
from game.errors import UserError

SCORE = click.IntRange(0, 10)
QUESTIONS = (("pain", "Pain now (0 = no pain, 10 = worst imaginable)"),
             ("worst_pain", "Worst pain in the last day (0-10)"),
             ("sleep", "Sleep last night (0 = very badly, 10 = very well)"),
             ("mood", "Mood today (0 = very low, 10 = very good)"),
             ("activity", "How much of what you planned today did you do (0 = none, 10 = all)"))


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
    from exercises.diary import DiaryEntry
    from game.flare import FlarePlanError, flare_plan_for, flare_plan_of, record_showing
    from game.session import open_store as _open_store
    from game.session import write_report
    from telemetry.flagging import local_tz

    store = _open_store(data_dir)
    try:
        if not store.patient_exists(patient):
            raise UserError(f"unknown patient {patient!r}; add them first with "
                            f"`neuroplay patients add {patient}`")
        try:  # a broken plan: one line before anything is asked
            plan = flare_plan_of(store, patient)
        except FlarePlanError as exc:
            raise UserError(str(exc)) from None
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
        shown = flare_plan_for(store, patient, reported=flare, plan=plan)
        lines: list[str] = shown.lines if shown is not None else []
        if shown is not None:
            record_showing(store, patient, shown, "diary", plan)
        report = None if no_report else write_report(store, patient)
    finally:
        store.close()
    out = {"patient": patient, "checkin_id": cid, "answers": entry.answers(),
           "flare": shown is not None,
           "flare_reason": shown.status.reason if shown is not None else None,
           "flare_plan": lines or None, "report": report}
    if as_json:
        click.echo(json.dumps(out))
        return
    click.echo(f"Diary entry saved for patient {patient}.")
    if lines:
        click.echo("")
        for line in lines:
            click.echo(line)
