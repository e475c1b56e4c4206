"""The title's "Diary" branch of the flow: patient -> the diary screens -> (the flare
plan, when the entry completes a flare or says "I'm having a flare") -> "saved".

Kept out of game/flow.py, which only calls `start_diary` after the patient is chosen.
The entry is a "daily" check-in (exercises.diary), as `neuroplay diary` stores it; the
flare plan's showing is recorded on the "flare_plan" flag (game/flare.py via the
services' `flare_plan`). Nothing is played: the flow ends as "diary".
"""

from __future__ import annotations

from typing import Any

from exercises.diary import DiaryEntry
from game.scenes.diary import DiaryDoneScene, DiaryScene, diary_lines


def start_diary(flow: Any) -> None:
    flow.stack.push(DiaryScene(flow.pace), lambda entry: _after_diary(flow, entry))


def _after_diary(flow: Any, entry: DiaryEntry | None) -> None:
    if entry is None:
        return flow._end("diary")
    answers = entry.answers()
    flow.result.diary = answers
    store: Any = flow.services.store
    pid = flow.result.patient_id
    if store is not None and pid is not None and hasattr(store, "checkin"):
        store.checkin(pid, "daily", answers)
    flare_plan = getattr(flow.services, "flare_plan", None)
    # today's answer is stored: the rule reads it from the store (no unstored pain)
    lines = flare_plan(pid, {}, reported=entry.flare) if flare_plan is not None else None

    def done(_: object = None) -> None:
        flow.stack.push(DiaryDoneScene(diary_lines(entry), flow.pace), lambda _r: _finish(flow))

    if lines:
        from game.scenes.flare_plan import FlarePlanScene

        flow.result.flare_plan_shown = True
        flow.stack.push(FlarePlanScene(lines, flow.pace), done)
        return
    done()


def _finish(flow: Any) -> None:
    flow.result.ended_at = "diary"  # nothing played: summary_record's end_reason
