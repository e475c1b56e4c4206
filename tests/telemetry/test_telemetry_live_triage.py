"""Live triage of a station's state: one test per alert, and the sort by need."""

from __future__ import annotations

from telemetry.live_triage import by_need, latest_pain, live_triage
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
