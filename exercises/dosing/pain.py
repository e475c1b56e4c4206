"""The pain rules of graded activity, as pure predicates with reasons in plain words.

Role: every place that asks "is this pain within limits?" asks here, so a
rule is written once and the same answer reaches the weekly decision, the
in-session pause, the pre-session gate and the report.

Rules (CLINICAL.md sections 4 and 4b; the numbers are the plan's):
  * In session: an answer above `in_session_threshold`, or a rise of
    `in_session_rise` or more over the pre-session answer, pauses the
    session and drops the staircase one level (`in_session_decision`).
  * Before a session: pain at or above `pre_session_stop` means the easier
    session or a rest day, never the full dose; above `acceptable` the
    easier session is suggested (`pre_session_gate`).
  * A session is "within limits" for the weekly increase only when every
    answer is present (pre, each rest-break question, post) and none is above
    `acceptable`, pain did not rise by more than `max_rise` from before to
    after, there was no pain pause, and the next session's starting pain
    (where given) is neither above `acceptable` nor `next_day_margin` or more
    worse than this session's start (`session_verdict`). A missing answer is
    not "within limits": it holds the dose.
Pure: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from exercises.plans import Plan


@dataclass(frozen=True, slots=True)
class PainLimits:
    """The pain numbers a plan sets (defaults: CLINICAL.md, Silbernagel 2007)."""

    acceptable: int = 5  # an answer above this is "not acceptable"
    max_rise: int = 2  # post - pre allowed for a session to count
    next_day_margin: int = 2  # next start worse by MORE than this: reduce that session a level
    in_session_threshold: int = 5  # in session: above this, pause and drop one level
    in_session_rise: int = 2  # in session: a rise of this much over pre, the same
    pre_session_stop: int = 8  # before a session: at or above, easier or rest only

    @classmethod
    def from_plan(cls, plan: Plan) -> PainLimits:
        """The limits of a validated `exercises.plans.Plan`."""
        p, g = plan.progression, plan.guardrails
        return cls(acceptable=p.acceptable_pain, max_rise=p.max_pain_rise,
                   next_day_margin=p.next_day_margin, in_session_threshold=g.pain_stop_threshold,
                   in_session_rise=g.pain_rise_limit, pre_session_stop=g.pre_session_stop)


class PainRecord(Protocol):
    """What the rules read of a stored session (telemetry.records.SessionRecord)."""

    @property
    def pain_pre(self) -> int | None: ...
    @property
    def pain_post(self) -> int | None: ...
    @property
    def summary(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class SessionPain:
    """Every pain answer of one session, and the next session's starting pain."""

    pre: int | None
    post: int | None
    in_session_max: int | None = None
    unanswered_in_session: int = 0  # rest-break pain questions asked but not answered
    pauses: int = 0  # in-session pain pauses
    next_pre: int | None = None  # the next session's "since last time" answer, where given

    @classmethod
    def of(cls, record: PainRecord, next_pre: int | None = None) -> SessionPain:
        """From a session record (`pain_in_session_max`, `pain_pauses` where it has them;
        rest-break questions asked = the session's rests, answered = its `pain_checks`)."""
        summary: Mapping[str, Any] = getattr(record, "summary", None) or {}
        in_max = getattr(record, "pain_in_session_max", None)
        if in_max is None:
            in_max = _int(summary.get("pain_in_session_max"))
        pauses = getattr(record, "pain_pauses", None)
        if pauses is None:
            pauses = _int(summary.get("pain_pauses")) or 0
        session = summary.get("session")
        rests = _int(session.get("rests")) if isinstance(session, Mapping) else None
        answered = _int(summary.get("pain_checks"))
        unanswered = max(0, rests - answered) if rests is not None and answered is not None else 0
        return cls(pre=record.pain_pre, post=record.pain_post, in_session_max=in_max,
                   unanswered_in_session=unanswered, pauses=int(pauses), next_pre=next_pre)


def _int(v: Any) -> int | None:
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


@dataclass(frozen=True, slots=True)
class PainVerdict:
    """Whether a session's pain lets it count toward a weekly increase, and why not."""

    within: bool
    over_acceptable: bool  # some answer of the session itself was above the acceptable level
    problems: tuple[str, ...] = ()


def session_verdict(pain: SessionPain, limits: PainLimits) -> PainVerdict:
    """Within limits only with every answer present and none over a limit (CLINICAL.md 4b)."""
    problems: list[str] = []
    if pain.pre is None:
        problems.append("no pre-session pain answer")
    if pain.post is None:
        problems.append("no post-session pain answer")
    if pain.unanswered_in_session:
        n = pain.unanswered_in_session
        problems.append(f"{n} rest-break pain question{'s' if n != 1 else ''} not answered")
    over = False
    for when, value in (("before", pain.pre), ("during", pain.in_session_max),
                        ("after", pain.post)):
        if value is not None and value > limits.acceptable:
            over = True
            problems.append(f"pain {value} {when} the session is above the acceptable "
                            f"{limits.acceptable}")
    if pain.pre is not None and pain.post is not None and pain.post - pain.pre > limits.max_rise:
        problems.append(f"pain rose {pain.post - pain.pre} during the session "
                        f"(limit {limits.max_rise})")
    if pain.pauses:
        problems.append(f"{pain.pauses} pain pause{'s' if pain.pauses != 1 else ''}")
    if pain.next_pre is not None:
        if pain.next_pre > limits.acceptable:
            problems.append(f"pain {pain.next_pre} at the start of the next session is above "
                            f"the acceptable {limits.acceptable}")
        if pain.pre is not None and worse_next_day(pain.pre, pain.next_pre, limits):
            problems.append(f"pain at the start of the next session was "
                            f"{pain.next_pre - pain.pre} worse than at the start of this one "
                            f"(more than {limits.next_day_margin})")
    return PainVerdict(not problems, over, tuple(problems))


def worse_next_day(last_pre: int, next_pre: int, limits: PainLimits) -> bool:
    """The "next morning" rule (Silbernagel 2007; CLINICAL.md 4b): starting pain worse than
    at the last start by more than the margin (a day-to-day swing of the margin is noise)."""
    return next_pre - last_pre > limits.next_day_margin


# ------------------------------------------------------------------ in session
@dataclass(frozen=True, slots=True)
class PainDecision:
    """What an in-session pain answer means for the session and the dose."""

    nrs: int
    pre_pain: int | None
    drop_levels: int  # 1: pause and drop one level; 0: carry on
    paused: bool
    reason: str  # one sentence for the patient, the therapist and the decision log

    @property
    def must_drop(self) -> bool:
        return self.drop_levels > 0


def check_nrs(nrs: object) -> int:
    """A pain answer: a whole number 0-10 (a bool is not one)."""
    if isinstance(nrs, bool) or not isinstance(nrs, int) or not 0 <= nrs <= 10:
        raise ValueError(f"pain rating must be a whole number 0-10, got {nrs!r}")
    return nrs


def in_session_reasons(nrs: int, pre: int | None, limits: PainLimits) -> list[str]:
    """Why an in-session answer trips the pause ([] when it does not)."""
    check_nrs(nrs)
    out = []
    if nrs > limits.in_session_threshold:
        out.append(f"pain {nrs}/10 is above {limits.in_session_threshold}")
    if pre is not None and nrs - pre >= limits.in_session_rise:
        out.append(f"pain rose {nrs - pre} points over {pre}/10 before the session "
                   f"(limit {limits.in_session_rise})")
    return out


def in_session_decision(nrs: int, pre: int | None, limits: PainLimits, *,
                        session_over: bool = False) -> PainDecision:
    """The in-session rule: pause and one level down when an answer trips it."""
    reasons = in_session_reasons(nrs, pre, limits)
    if session_over:
        return PainDecision(nrs, pre, 0, False, f"pain {nrs}/10 recorded after the session ended")
    if reasons:
        return PainDecision(nrs, pre, 1, True,
                            " and ".join(reasons) + ": pause, and the dose drops one level")
    return PainDecision(nrs, pre, 0, False, f"pain {nrs}/10 is within the plan's limits: carry on")


# ------------------------------------------------------------------ before a session
@dataclass(frozen=True, slots=True)
class PreSessionGate:
    """What the pain before a session allows today."""

    full_allowed: bool  # False: the easier session or a rest day only
    suggest_easier: bool
    reason: str  # plain words, for the screen and the decision log ("" when nothing to say)


def pre_session_gate(pre: int | None, limits: PainLimits) -> PreSessionGate:
    """At or above the stop level: easier or rest, never the full dose; above the
    acceptable level: easier suggested."""
    if pre is None:
        return PreSessionGate(True, False, "")
    check_nrs(pre)
    if pre >= limits.pre_session_stop:
        return PreSessionGate(False, True,
                              f"pain {pre}/10 before the session is at or above "
                              f"{limits.pre_session_stop}: today is the easier session or a "
                              f"rest day, not the full dose")
    if pre > limits.acceptable:
        return PreSessionGate(True, True, f"pain {pre}/10 before the session is above "
                                          f"{limits.acceptable}: the easier session is suggested")
    return PreSessionGate(True, False, "")
