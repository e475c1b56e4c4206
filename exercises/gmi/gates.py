"""The GMI ladder's stage gates: laterality (1) -> imagined movements (2) -> mirror (3).

Why a pure rule with reasons: moving a patient between stages is a clinical
decision the therapist must be able to read and overrule, so every session
yields a `StageDecision` (from, to, why) for the report. Rules (plan [gmi.gates]):

* back one stage on a flare (`back_on_flare`), never below stage 1;
* up one stage after `sessions_in_a_row` sessions AT THE CURRENT STAGE in a row
  that each met the stage's criteria with pain within limits: every pain answer
  present (a missing answer is not "within limits"), none above `max_pain`, and
  post - pre no more than `max_pain_rise`; never above stage 3;
* otherwise hold, saying how far along the run is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from exercises.gmi.rules import Gates

STAGES = {1: "laterality recognition", 2: "imagined movements", 3: "mirror therapy"}


@dataclass(frozen=True, slots=True)
class GmiSession:
    """One GMI session as the gate sees it."""

    stage: int
    met: bool  # the stage's criteria (accuracy/RT; still trials; completed mirror sets)
    criteria: str  # words for the met/not met
    pain_pre: int | None
    pain_post: int | None
    pain_max: int | None = None  # highest answer during the session, if asked
    flare: bool = False  # a flare was detected (or reported) on this session's day


@dataclass(frozen=True, slots=True)
class StageDecision:
    session: int  # index into the history
    stage_from: int
    stage_to: int
    reason: str

    @property
    def moved(self) -> bool:
        return self.stage_to != self.stage_from


def pain_within(s: GmiSession, g: Gates) -> tuple[bool, str]:
    if s.pain_pre is None or s.pain_post is None:
        return False, "a pain answer is missing"
    worst = max(v for v in (s.pain_pre, s.pain_post, s.pain_max) if v is not None)
    if worst > g.max_pain:
        return False, f"pain {worst} above {g.max_pain}"
    if s.pain_post - s.pain_pre > g.max_pain_rise:
        return False, f"pain rose {s.pain_post - s.pain_pre} (limit {g.max_pain_rise})"
    return True, "pain within limits"


def qualifies(s: GmiSession, g: Gates) -> tuple[bool, str]:
    ok, why = pain_within(s, g)
    if not s.met:
        return False, f"criteria not met ({s.criteria})"
    return ok, why if not ok else f"criteria met ({s.criteria}), {why}"


def decide(stage: int, since_change: Sequence[GmiSession], g: Gates, index: int) -> StageDecision:
    """The decision after the newest session in `since_change` (the sessions at `stage`
    since the last move, oldest first)."""
    newest = since_change[-1]
    if newest.flare and g.back_on_flare:
        if stage > 1:
            return StageDecision(index, stage, stage - 1,
                                 f"flare: back from {STAGES[stage]} to {STAGES[stage - 1]}")
        return StageDecision(index, stage, stage, "flare: stay at the first stage")
    if newest.stage != stage:
        return StageDecision(index, stage, stage,
                             f"session was stage {newest.stage}, the patient is at stage {stage}: "
                             f"it does not count toward the gate")
    run = 0
    for s in reversed(since_change):
        if s.stage != stage or not qualifies(s, g)[0]:
            break
        run += 1
    ok, why = qualifies(newest, g)
    if not ok:
        return StageDecision(index, stage, stage, f"hold at {STAGES[stage]}: {why}")
    if run >= g.sessions_in_a_row and stage < 3:
        return StageDecision(index, stage, stage + 1,
                             f"up to {STAGES[stage + 1]}: {run} sessions in a row met the "
                             f"criteria with pain within limits")
    if stage == 3:
        return StageDecision(index, stage, stage, f"top of the ladder: {why}")
    return StageDecision(index, stage, stage,
                         f"hold at {STAGES[stage]}: {run} of {g.sessions_in_a_row} qualifying "
                         f"sessions in a row")


def ladder(history: Sequence[GmiSession], g: Gates, start: int = 1) -> tuple[int, list[StageDecision]]:
    """Replay the gate over a patient's GMI sessions (oldest first): the stage now and
    every decision, in order."""
    stage, since, out = start, [], []
    for i, s in enumerate(history):
        since.append(s)
        d = decide(stage, since, g, i)
        out.append(d)
        if d.moved:
            stage, since = d.stage_to, []
    return stage, out
