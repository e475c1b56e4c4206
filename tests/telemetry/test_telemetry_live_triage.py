"""Live triage of a station's state: one test per alert, and the sort by need."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from telemetry.live_triage import TRUNK_LEAN_RUN, by_need, latest_pain, live_triage
from telemetry.triage import TriageLimits

LIMITS = TriageLimits(in_session=4, stop=8)


def test_a_healthy_station_is_on_track() -> None:
    t = live_triage({"checkin": {"pain": 3}, "tracking": 0.95}, connected=True, limits=LIMITS)
    assert (t.severity, t.alerts) == ("on_track", ())


def test_pain_above_the_plans_limit_is_urgent_and_names_the_limit() -> None:
    t = live_triage({"checkin": {"phase": "in_session", "nrs": 5, "drop_levels": 0}},
                    connected=True, limits=LIMITS)
    assert t.severity == "urgent"
    assert [a.sentence for a in t.alerts] == [
        "Pain 5/10, above the plan's limit 4: check on the patient now"]
    stop = live_triage({"checkin": {"pain": 9}}, connected=True, limits=LIMITS)
    assert "at or above the stop level 8" in stop.alerts[0].sentence
    # the same pain is fine under a plan that accepts it
    assert live_triage({"checkin": {"pain": 5}}, connected=True,
                       limits=TriageLimits(in_session=5)).severity == "on_track"


def test_pain_pause_low_tracking_and_offline_are_review() -> None:
    pause = live_triage({"checkin": {"phase": "in_session", "nrs": 4, "drop_levels": 1}},
                        connected=True, limits=LIMITS)
    assert pause.severity == "review" and pause.alerts[0].sentence.startswith("Pain pause")
    track = live_triage({"tracking": 0.41}, connected=True, limits=LIMITS)
    assert track.severity == "review" and track.alerts[0].sentence.startswith("Tracking 41 %")
    assert live_triage({"tracking": 0.6}, connected=True, limits=LIMITS).severity == "on_track"
    off = live_triage({"tracking": 0.0}, connected=False, limits=LIMITS)
    assert [a.sentence.split(":")[0] for a in off.alerts] == ["Offline"]  # no stale tracking


def test_urgent_first_and_the_worst_station_on_top() -> None:
    both = live_triage({"checkin": {"nrs": 7}, "tracking": 0.41}, connected=True, limits=LIMITS)
    assert [a.severity for a in both.alerts] == ["urgent", "review"]
    order = by_need([
        ("a-fine", live_triage({"tracking": 1.0}, connected=True, limits=LIMITS)),
        ("b-off", live_triage({}, connected=False, limits=LIMITS)),
        ("c-pain-7", both),
        ("d-pain-5", live_triage({"checkin": {"nrs": 5}}, connected=True, limits=LIMITS)),
    ])
    assert [name for name, _ in order] == ["c-pain-7", "d-pain-5", "b-off", "a-fine"]


def test_latest_pain_reads_either_checkin_and_ignores_junk() -> None:
    assert latest_pain({"phase": "in_session", "nrs": 6, "pre_pain": 2}) == 6
    assert latest_pain({"pain": 3}) == 3
    assert latest_pain({"pain": True}) is None and latest_pain("7") is None
    assert latest_pain(None) is None


def test_a_trunk_lean_run_is_review_from_the_third_reach_in_a_row() -> None:
    assert TRUNK_LEAN_RUN == 3
    two = live_triage({"trunk_lean": {"run": 2, "deg": 14.2}}, connected=True, limits=LIMITS)
    assert (two.severity, two.alerts) == ("on_track", ())  # one or two slips: no alert
    run = live_triage({"trunk_lean": {"run": 3, "deg": -14.6}}, connected=True, limits=LIMITS)
    assert run.severity == "review" and run.kinds == ("trunk_lean",)
    assert [a.sentence for a in run.alerts] == [
        ("Trunk lean in the last 3 reaches in a row (up to 15 degrees): the patient "
         "compensates; ask them to sit back, or make it easier")]
    no_deg = live_triage({"trunk_lean": {"run": 5}}, connected=True, limits=LIMITS)
    assert no_deg.alerts[0].sentence.startswith("Trunk lean in the last 5 reaches in a row:")
    for junk in ({"run": "7"}, {"run": True}, [3], "3", None, {}):
        assert live_triage({"trunk_lean": junk}, connected=True, limits=LIMITS).alerts == ()
    # with pain: the urgent one first, each alert with its kind (for the one-click actions)
    both = live_triage({"trunk_lean": {"run": 4}, "checkin": {"nrs": 7}}, connected=True,
                       limits=LIMITS)
    assert both.kinds == ("pain", "trunk_lean")
    assert [a["kind"] for a in both.to_dict()["alerts"]] == ["pain", "trunk_lean"]


states = st.fixed_dictionaries({}, optional={
    "checkin": st.fixed_dictionaries({"nrs": st.integers(0, 10)}),
    "tracking": st.floats(0, 1),
    "trunk_lean": st.fixed_dictionaries({"run": st.integers(0, 10)})})


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(states, st.booleans()), min_size=2, max_size=8))
def test_any_urgent_station_sorts_above_any_review_one(rows: list) -> None:
    tri = [(f"s{i}", live_triage(state, connected=on, limits=LIMITS))
           for i, (state, on) in enumerate(rows)]
    order = [t.severity for _, t in by_need(tri)]
    rank = {"urgent": 0, "review": 1, "on_track": 2}
    assert order == sorted(order, key=rank.__getitem__)
    for _, t in tri:  # urgent exactly when the pain is above the plan's limit
        assert (t.severity == "urgent") == any(k == "pain" for k in t.kinds)
