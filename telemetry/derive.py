"""Trials and session summaries derived from the event log (pure).

Events are the only thing recorded during play, so whatever survives a crash
can be summarised the same way as a finished session. Trial outcomes: a
`hold_complete` is a hit, `miss` and `timeout` are failures, and a
`repetition` event (dexterity games) is a trial whose data carries its
metrics. Each trial remembers when its target was shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

OUTCOME_KINDS: dict[str, str] = {
    "hold_complete": "hit",
    "miss": "miss",
    "timeout": "timeout",
}


class _Ev(Protocol):
    t: float
    kind: str
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class DerivedTrial:
    trial_index: int
    t: float
    outcome: str
    data: dict[str, Any]


def derive_trials(events: Iterable[_Ev]) -> list[DerivedTrial]:
    trials: list[DerivedTrial] = []
    shown_t: float | None = None
    onset_t: float | None = None
    for ev in events:
        if ev.kind == "target_shown":
            shown_t, onset_t = ev.t, None
        elif ev.kind == "movement_onset":
            onset_t = ev.t
        elif ev.kind in OUTCOME_KINDS or ev.kind == "repetition":
            data = dict(ev.data)
            if shown_t is not None:
                data.setdefault("t_target_shown", shown_t)
            if onset_t is not None:
                data.setdefault("t_onset", onset_t)
            outcome = OUTCOME_KINDS.get(ev.kind) or str(data.get("outcome", "done"))
            trials.append(DerivedTrial(len(trials), float(ev.t), outcome, data))
            shown_t = onset_t = None
    return trials


def derive_summary(events: Iterable[_Ev]) -> dict[str, Any]:
    """Counts and duration from the log; `quota_met` is False (unknown) by design."""
    evs = list(events)
    trials = derive_trials(evs)
    counts: dict[str, int] = {}
    for ev in evs:
        counts[ev.kind] = counts.get(ev.kind, 0) + 1
    hits = sum(1 for tr in trials if tr.outcome in ("hit", "done", "success"))
    duration = (max(e.t for e in evs) - min(e.t for e in evs)) if evs else 0.0
    return {
        "derived_from_events": True,
        "events": len(evs),
        "duration_s": round(float(duration), 3),
        "trials": len(trials),
        "hits": hits,
        "misses": sum(1 for tr in trials if tr.outcome == "miss"),
        "timeouts": sum(1 for tr in trials if tr.outcome == "timeout"),
        "success_rate": round(hits / len(trials), 4) if trials else None,
        "pain_stops": counts.get("pain_stop", 0),
        "compensations": counts.get("compensation", 0),
        "tracking_lost": counts.get("tracking_lost", 0),
        "quota_met": False,
        "event_counts": counts,
    }
