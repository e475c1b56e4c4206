"""The GMI stage gates as properties: one stage at a time, flares never raise, an
advance needs N qualifying sessions in a row at that stage, a missing answer holds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from exercises.gmi.gates import GmiSession, decide, ladder, pain_within
from exercises.gmi.rules import Gates

G = Gates(sessions_in_a_row=3, max_pain=5, max_pain_rise=2)
pain = st.one_of(st.none(), st.integers(0, 10))
session = st.builds(GmiSession, stage=st.integers(1, 3), met=st.booleans(), criteria=st.just("x"),
                    pain_pre=pain, pain_post=pain, pain_max=pain,
                    flare=st.booleans().map(lambda b: b and True))


def _good(stage: int) -> GmiSession:
    return GmiSession(stage, True, "ok", 2, 3)


@settings(max_examples=200, deadline=None)
@given(history=st.lists(session, max_size=30), n=st.integers(1, 5), start=st.integers(1, 3))
def test_ladder_invariants(history: list[GmiSession], n: int, start: int) -> None:
    g = Gates(sessions_in_a_row=n)
    stage, decisions = ladder(history, g, start=start)
    assert 1 <= stage <= 3 and len(decisions) == len(history)
    current = start
    since: list[GmiSession] = []
    for d, s in zip(decisions, history, strict=True):
        assert d.stage_from == current and abs(d.stage_to - d.stage_from) <= 1 and d.reason
        since.append(s)
        if s.flare and g.back_on_flare:
            assert d.stage_to <= d.stage_from  # a flare never raises
        if d.stage_to > d.stage_from:
            last = since[-n:]
            assert len(last) == n and all(x.stage == current and x.met for x in last)
            assert all(x.pain_pre is not None and x.pain_post is not None for x in last)
            assert all(pain_within(x, g)[0] for x in last)
        if d.moved:
            since = []
        current = d.stage_to
    assert current == stage


def test_three_good_sessions_move_up_with_the_reason() -> None:
    stage, ds = ladder([_good(1)] * 3, G)
    assert stage == 2 and [d.moved for d in ds] == [False, False, True]
    assert ds[0].reason == "hold at laterality recognition: 1 of 3 qualifying sessions in a row"
    assert ds[2].reason.startswith("up to imagined movements: 3 sessions in a row")


def test_a_missing_pain_answer_or_high_pain_breaks_the_run() -> None:
    hist = [_good(1), _good(1), GmiSession(1, True, "ok", 2, None), _good(1), _good(1)]
    stage, ds = ladder(hist, G)
    assert stage == 1 and "a pain answer is missing" in ds[2].reason
    hist = [_good(1), _good(1), GmiSession(1, True, "ok", 2, 3, pain_max=6)]
    assert ladder(hist, G)[0] == 1
    hist = [_good(1), _good(1), GmiSession(1, True, "ok", 1, 4)]
    _, ds = ladder(hist, G)
    assert ds[-1].reason.endswith("pain rose 3 (limit 2)")


def test_flare_goes_back_one_stage_and_the_count_restarts() -> None:
    hist = [_good(1)] * 3 + [_good(2), GmiSession(2, True, "ok", 6, 6, flare=True)]
    stage, ds = ladder(hist, G)
    assert stage == 1 and ds[-1].reason.startswith("flare: back from imagined movements")
    stage, _ = ladder(hist + [_good(1), _good(1)], G)
    assert stage == 1  # two since the move back: not yet three
    assert ladder(hist + [_good(1)] * 3, G)[0] == 2


def test_top_of_the_ladder_holds() -> None:
    d = decide(3, [_good(3)] * 5, G, 4)
    assert not d.moved and d.reason.startswith("top of the ladder")


def test_a_session_of_another_stage_does_not_count() -> None:
    d = decide(2, [_good(2), _good(1)], G, 1)
    assert not d.moved and "does not count" in d.reason
