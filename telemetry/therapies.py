"""Pure read-outs for the therapies beyond movement: the GMI ladder, the daily diary,
flare detection for the flare plan (used by `neuroplay diary`, the game and the report).

No I/O: everything comes from the records the caller loaded (telemetry.snapshot).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta, tzinfo
from typing import Any

from telemetry.records import CheckinRecord, FlagRecord, SessionRecord
from telemetry.trends import _local_day, checkin_series, flare_episodes

GMI_EXERCISES = ("laterality", "imagery")
FLARE_PLAN_FLAG = "flare_plan"  # raised when the plan is shown; the therapist closes it
PATIENT_RAISED_KINDS = frozenset({FLARE_PLAN_FLAG})  # refresh_flags never closes these
DIARY_ROWS = 14


def flare_detected(checkins: Sequence[CheckinRecord], tz: tzinfo) -> tuple[bool, str]:
    """A flare is on when the newest flare episode (pain >= personal baseline + 2 on 2+
    days in a row, telemetry.trends) reaches the newest day with a pain answer, from
    pre-session and diary answers alike."""
    series = checkin_series(checkins, "pain", ("pre", "daily"), tz)
    if not series.points:
        return False, ""
    episodes = flare_episodes(series, tz)
    last = _local_day(series.points[-1].at, tz)
    if not episodes or episodes[-1].end != last:
        return False, ""
    ep = episodes[-1]
    days = (ep.end - ep.start).days + 1
    return True, (f"your pain has been at least 2 points above your usual ({ep.baseline:g}) "
                  f"for {days} days")


def flare_day_set(checkins: Sequence[CheckinRecord], tz: tzinfo) -> set[date]:
    """Days inside a detected flare episode, or with a diary "I'm having a flare"."""
    series = checkin_series(checkins, "pain", ("pre", "daily"), tz)
    days: set[date] = set()
    for ep in flare_episodes(series, tz):
        d = ep.start
        while d <= ep.end:
            days.add(d)
            d += timedelta(days=1)
    days |= {_local_day(c.at, tz) for c in checkins if c.answers.get("flare") == 1}
    return days


def diary_rows(checkins: Sequence[CheckinRecord], tz: tzinfo) -> list[dict[str, Any]]:
    """The newest diary entries for the report, newest first."""
    daily = [c for c in checkins if c.phase == "daily"][-DIARY_ROWS:]
    rows = []
    for c in reversed(daily):
        a = c.answers
        yn = {0: "no", 1: "yes"}
        rows.append({"date": c.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                     **{k: a.get(k, "-") for k in ("pain", "worst_pain", "sleep", "mood",
                                                    "activity")},
                     "medication_change": yn.get(a.get("medication_change", -1), "-"),
                     "flare": "yes" if a.get("flare") == 1 else ""})
    return rows


def therapy_section(sessions: Sequence[SessionRecord], checkins: Sequence[CheckinRecord],
                    flags: Sequence[FlagRecord], tz: tzinfo) -> dict[str, Any]:
    """What the report shows about GMI, the diary and the flare plan. The GMI stage
    decisions were made by the gate (exercises.gmi.gates) when each GMI session
    started and are stored as that session's decisions."""
    gmi = [s for s in sessions if s.exercise in GMI_EXERCISES]
    moves = [{"date": s.started_at.astimezone(tz).strftime("%Y-%m-%d"), "exercise": s.exercise,
              "reasons": list(s.decisions),
              "result": (s.summary or {}).get("criteria", "")} for s in reversed(gmi)][:15]
    lat = [s for s in sessions if s.exercise == "laterality"]
    latest = None
    if lat:
        summ = lat[-1].summary or {}
        latest = {"date": lat[-1].started_at.astimezone(tz).strftime("%Y-%m-%d"),
                  **{k: summ.get(k) for k in ("accuracy", "median_rt_s", "left", "right",
                                              "lateral_minus_medial_s", "affected_ratio",
                                              "answer_mode", "criteria", "norm")}}
    shown = [{"date": f.raised_at.astimezone(tz).strftime("%Y-%m-%d"), "message": f.message,
              "status": f.status, "shown": f.evidence.get("shown", [])}
             for f in flags if f.kind == FLARE_PLAN_FLAG]
    diary = diary_rows(checkins, tz)
    breathing = breathing_rows(sessions, tz)
    if not (gmi or shown or diary or breathing):
        return {}
    return {"gmi": moves, "laterality": latest, "diary": diary, "flare_plan_shown": shown,
            "breathing": breathing}


def breathing_rows(sessions: Sequence[SessionRecord], tz: tzinfo) -> list[dict[str, Any]]:
    """The newest paced-breathing sets (exercises/breathing.py), newest first: the camera's
    rate and adherence only where the reading was "tracking"."""
    rows = []
    for s in reversed([s for s in sessions if s.exercise == "breathing"][-DIARY_ROWS:]):
        summ = s.summary or {}
        tracking = summ.get("state") == "tracking"
        adh = summ.get("adherence")
        rows.append({"date": s.started_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                     "minutes": round(float(summ.get("seconds") or 0.0) / 60.0, 1),
                     "paced": summ.get("breaths_per_min_paced", "-"),
                     "rate": f"{summ['rate_per_min']:.1f}" if tracking and
                     isinstance(summ.get("rate_per_min"), (int, float)) else "-",
                     "adherence": f"{100 * adh:.0f} %" if tracking and
                     isinstance(adh, (int, float)) else "-",
                     "reading": "read from the shoulders" if tracking else
                     f"pacer only: {summ.get('why', '')}"})
    return rows
