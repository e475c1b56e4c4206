"""Triage: one readable example per rule, and the ordering as a property."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from telemetry.triage import Triage, TriageLimits, by_need, limits_from_plan_text, triage

TODAY = date(2026, 3, 20)


@dataclass(frozen=True)
class S:
    started_at: datetime
    pain_pre: int | None = 3
    pain_post: int | None = 3
    pain_in_session_max: int | None = None
    pain_pauses: int = 0


@dataclass(frozen=True)
class F:
    kind: str
    message: str
    status: str = "open"


def day(n: int, **kw: object) -> S:
    return S(datetime(2026, 3, 20, 10, tzinfo=timezone.utc) - timedelta(days=n), **kw)  # type: ignore[arg-type]


def test_calm_recent_sessions_are_on_track() -> None:
    t = triage([day(2), day(1)], [], today=TODAY)
    assert t.severity == "on_track" and t.action == "On track: no action needed"
    assert t.days_since_session == 1


def test_pain_at_the_stop_level_is_urgent_with_a_call() -> None:
    t = triage([day(2), day(1, pain_post=8)], [], today=TODAY)
    assert t.severity == "urgent"
    assert t.action == "Pain 8/10 in the last session, at or above the stop level 8: call the patient today"


def test_pain_above_acceptable_in_two_sessions_is_urgent() -> None:
    t = triage([day(2, pain_post=6), day(1, pain_in_session_max=7)], [], today=TODAY)
    assert t.severity == "urgent"
    assert any(r.sentence == "Pain above 5 in the last 2 sessions (6, 7): review the plan"
               for r in t.reasons)


def test_a_rise_of_3_over_two_sessions_is_urgent() -> None:
    t = triage([day(2, pain_pre=2, pain_post=2), day(1, pain_pre=4, pain_post=5)], [],
               today=TODAY)
    assert t.severity == "urgent"
    assert t.action == "Pain rose 3 points over 2 sessions (2 -> 5): review the plan"


def test_one_session_above_acceptable_or_a_pain_pause_is_review() -> None:
    t = triage([day(2, pain_pre=4, pain_post=4), day(1, pain_pre=4, pain_post=6)], [],
               today=TODAY)
    assert t.severity == "review"
    assert t.action == "Pain 6/10 in the last session, above the acceptable 5: check how the patient is"
    t = triage([day(2), day(1, pain_pauses=1)], [], today=TODAY)
    assert (t.severity, t.action) == ("review", "1 pain pause in the last session: check the dose")


def test_no_session_for_six_days_is_review_and_none_ever_is_not_urgent() -> None:
    t = triage([day(6)], [], today=TODAY)
    assert (t.severity, t.action) == ("review", "No session for 6 days: contact the patient")
    assert triage([], [], today=TODAY).severity == "on_track"


def test_flags_bring_their_action_and_closed_flags_do_not_count() -> None:
    flare = F("flare", "flare: pain 7, 7 is 2 or more above the personal baseline 3.0; one level down")
    t = triage([day(1)], [flare, F("plateau", "no rise for 3 weeks", status="closed")], today=TODAY)
    assert t.severity == "urgent"
    assert t.action == ("flare: pain 7, 7 is 2 or more above the personal baseline 3.0: call "
                        "the patient and go through the flare plan")
    t = triage([day(1)], [F("plateau", "reaching: no rise for 3 weeks (quota met in 2 of 5)")],
               today=TODAY)
    assert t.action == "reaching: no rise for 3 weeks (quota met in 2 of 5): review the plan"


def test_the_plans_limits_are_used() -> None:
    lim = limits_from_plan_text("[progression]\nacceptable_pain = 4\n[guardrails]\n"
                                "pre_session_stop = 7\n")
    assert lim == TriageLimits(acceptable=4, stop=7)
    assert triage([day(2), day(1, pain_post=7)], [], today=TODAY, limits=lim).severity == "urgent"
    assert limits_from_plan_text("not [toml") == TriageLimits()
    assert limits_from_plan_text(None) == TriageLimits()


sessions = st.lists(st.builds(
    day, st.integers(0, 20),
    pain_pre=st.one_of(st.none(), st.integers(0, 10)),
    pain_post=st.one_of(st.none(), st.integers(0, 10)),
    pain_in_session_max=st.one_of(st.none(), st.integers(0, 10)),
    pain_pauses=st.integers(0, 2)), max_size=6)
flags = st.lists(st.builds(F, st.sampled_from(["flare", "decline", "plateau", "adherence",
                                               "improvement"]),
                           st.text(max_size=40), st.sampled_from(["open", "closed"])),
                 max_size=3)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(sessions, flags), min_size=2, max_size=8))
def test_any_urgent_patient_sorts_above_any_review_one_and_review_above_on_track(
        patients: list[tuple[list[S], list[F]]]) -> None:
    tri = [(f"p{i}", triage(s, f, today=TODAY)) for i, (s, f) in enumerate(patients)]
    order = [t.severity for _, t in by_need(tri)]
    ranks = [{"urgent": 0, "review": 1, "on_track": 2}[s] for s in order]
    assert ranks == sorted(ranks)
    for _, t in tri:
        assert isinstance(t, Triage)
        assert (t.severity == "on_track") == (not t.reasons)
        assert all(r.severity in ("urgent", "review") for r in t.reasons)
        assert t.reasons == tuple(sorted(t.reasons, key=lambda r: r.severity != "urgent"))
