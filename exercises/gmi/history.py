"""A patient's stored sessions as the GMI stage gate sees them (pure).

Why here: the gate is exercises' logic; telemetry only stores the result. The
game asks `current_stage` when a GMI session starts and stores the decision
with its reason as that session's decision (the report's "Progression
decisions" and its GMI table show it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, tzinfo

from exercises.gmi.gates import STAGES, GmiSession, StageDecision, ladder
from exercises.gmi.rules import GmiRules
from telemetry.records import SessionRecord

STAGE_OF = {"laterality": 1, "imagery": 2}


def gmi_sessions(sessions: Sequence[SessionRecord], flare_days: set[date], tz: tzinfo
                 ) -> list[GmiSession]:
    """GMI sessions oldest first: laterality = 1, imagery = 2, any mirror-view session = 3."""
    out = []
    for s in sessions:
        stage = STAGE_OF.get(s.exercise, 3 if s.mirror else 0)
        if not stage:
            continue
        summ = s.summary or {}
        met = bool(summ.get("criteria_met", s.completed if stage == 3 else False))
        pain_max = summ.get("pain_max")
        out.append(GmiSession(stage, met, str(summ.get("criteria", "sets completed")),
                              s.pain_pre, s.pain_post,
                              pain_max if isinstance(pain_max, int) else None,
                              s.started_at.astimezone(tz).date() in flare_days))
    return out


def current_stage(sessions: Sequence[SessionRecord], flare_days: set[date], rules: GmiRules,
                  tz: tzinfo) -> tuple[int, StageDecision | None]:
    """Where the patient is on the ladder now, and the last decision (None: no GMI yet)."""
    gmi = gmi_sessions(sessions, flare_days, tz)
    if not gmi:
        return rules.stage, None
    stage, decisions = ladder(gmi, rules.gates, start=rules.stage)
    return stage, decisions[-1]


def decision_words(stage: int, last: StageDecision | None, playing: int) -> list[str]:
    """The decision stored with a GMI session."""
    words = [f"GMI stage {stage} ({STAGES[stage]}): "
             + (last.reason if last is not None else "the plan's starting stage")]
    if playing != stage:
        words.append(f"this session plays stage {playing} ({STAGES[playing]}) as asked")
    return words
