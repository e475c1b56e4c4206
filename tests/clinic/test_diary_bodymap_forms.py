"""The dashboard's diary and examination forms, pure: form text <-> the diary entry and
the therapist's body-map layer, with one message per wrong field."""

from __future__ import annotations

from datetime import date, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from clinic import bodymap_form as bf
from clinic import diary_form as df
from exercises.diary import DIARY_ITEMS, DiaryEntry
from telemetry.bodymap import CELLS, N_CELLS, BodyMap, region_cells

TODAY = date(2026, 3, 10)
GOOD = {"date": "2026-03-09", "pain": "3", "worst_pain": "5", "sleep": "6", "mood": "7",
        "activity": "8", "medication_change": "yes"}


def test_the_form_has_the_diary_items_in_order_with_todays_date() -> None:
    fields = df.diary_fields(df.empty_values(TODAY), {})
    assert [f.name for f in fields] == ["date", *DIARY_ITEMS]
    assert fields[0].value == "2026-03-10" and all(f.value == "" for f in fields[1:])
    med = fields[-1]
    assert med.yes_no and med.question.startswith("Has your pain medication changed")
    assert [f.yes_no for f in fields[1:-1]] == [False] * 5
    assert (fields[1].low, fields[1].high) == ("no pain", "the worst pain you can imagine")


def test_a_valid_form_is_the_same_entry_as_the_cli_makes() -> None:
    r = df.parse_diary_form(GOOD, TODAY)
    assert r.ok and r.errors == {} and r.day == date(2026, 3, 9)
    assert r.entry == DiaryEntry(3, 5, 6, 7, 8, True)
    assert r.entry is not None and r.entry.answers() == {
        "pain": 3, "worst_pain": 5, "sleep": 6, "mood": 7, "activity": 8,
        "medication_change": 1}
    at = df.entry_time(date(2026, 3, 9), timezone(timedelta(hours=1)))
    assert at.isoformat() == "2026-03-09T12:00:00+01:00"
    assert df.parse_diary_form({**GOOD, "date": "2026-03-10", "medication_change": "no"},
                               TODAY).ok  # today is allowed


def test_each_wrong_field_gets_its_own_message() -> None:
    r = df.parse_diary_form({"date": "2026-03-11", "pain": "ten", "worst_pain": "-1",
                             "sleep": "", "mood": "4.5", "activity": "11",
                             "medication_change": ""}, TODAY)
    assert not r.ok and r.entry is None
    assert r.errors == {
        "date": "Date: 2026-03-11 is in the future",
        "pain": "Pain now: 'ten' is not a whole number 0-10",
        "worst_pain": "Worst pain must be 0-10, got -1",
        "sleep": "Sleep: give a number 0-10",
        "mood": "Mood: '4.5' is not a whole number 0-10",
        "activity": "Activity done must be 0-10, got 11",
        "medication_change": "Medication change: answer yes or no",
    }
    assert df.parse_diary_form({**GOOD, "date": "10/03/2026"}, TODAY).errors == {
        "date": "Date: '10/03/2026' is not a date (YYYY-MM-DD)"}
    fields = df.diary_fields(GOOD, {"mood": "x"})
    assert [f.error for f in fields if f.error] == ["x"] and fields[4].name == "mood"


def test_worst_pain_below_pain_now_is_the_diarys_own_rule_on_its_field() -> None:
    r = df.parse_diary_form({**GOOD, "pain": "7", "worst_pain": "4", "sleep": ""}, TODAY)
    assert r.errors == {"worst_pain": "Worst pain: worst pain 4 is below the pain now 7",
                        "sleep": "Sleep: give a number 0-10"}
    assert DiaryEntry(7, 4, 0, 0, 0, False).problems() == ["worst pain 4 is below the pain now 7"]


@given(pain=st.integers(-3, 14), worst=st.integers(-3, 14))
def test_pain_answers_property(pain: int, worst: int) -> None:
    """Saved iff both are 0-10 and the worst is not below now; a saved entry keeps them."""
    r = df.parse_diary_form({**GOOD, "pain": str(pain), "worst_pain": str(worst)}, TODAY)
    valid = 0 <= pain <= 10 and 0 <= worst <= 10 and worst >= pain
    assert r.ok == valid
    if valid:
        assert r.entry is not None and (r.entry.pain, r.entry.worst_pain) == (pain, worst)
    else:
        assert set(r.errors) <= {"pain", "worst_pain"} and r.errors
        if not 0 <= pain <= 10:
            assert r.errors["pain"] == f"Pain now must be 0-10, got {pain}"


def test_exam_form_maps_regions_onto_the_grid() -> None:
    r = bf.parse_exam_form("allodynia_brush", ["back.left_forearm", "back.left_hand",
                                               "back.left_forearm"], "6")
    assert r.ok and r.request == bf.ExamRequest("allodynia_brush",
                                                ("back.left_forearm", "back.left_hand"), 6)
    assert bf.parse_exam_form("hyperalgesia_pinprick", ["front.head"], "").request == \
        bf.ExamRequest("hyperalgesia_pinprick", ("front.head",), 0)  # blank: not rated
    assert r.request is not None
    body = bf.apply_exam(None, r.request)
    want = region_cells("back.left_forearm") | region_cells("back.left_hand")
    assert body.layer == "therapist" and body.sensations["allodynia_brush"].cells == want
    more = bf.apply_exam(body, bf.ExamRequest("allodynia_brush", ("back.left_upper_arm",), 4))
    assert more.sensations["allodynia_brush"].cells == want | region_cells(
        "back.left_upper_arm")  # added, never replaced (as the CLI)
    assert bf.exam_regions(more) == {"Allodynia (brush)": [
        "left upper arm (back)", "left forearm (back)", "left back of hand (back)"]}
    # a patient map is never the base of an examination layer
    assert bf.apply_exam(BodyMap("patient"), r.request) == body


def test_exam_form_errors_per_field() -> None:
    assert bf.parse_exam_form("burning", [], "x").errors == {
        "sensation": "Finding: choose Allodynia (brush) or Hyperalgesia (pinprick)",
        "region": "Regions: tick at least one region where the finding was",
        "intensity": "Evoked pain: 'x' is not a whole number 0-10"}
    assert bf.parse_exam_form("allodynia_brush", ["front.head", "nose"], "11").errors == {
        "region": "Regions: 'nose' is not a region of the body grid",
        "intensity": "Evoked pain must be 0-10, got 11"}


def test_region_groups_and_svg_cells() -> None:
    groups = bf.region_groups(["front.head"])
    assert [g[0] for g in groups] == ["front", "back"]
    assert sum(len(g[1]) for g in groups) == 34
    assert groups[0][1][0] == {"key": "front.head", "label": "head (face)", "checked": True}
    patient = BodyMap("patient").with_cells("burning", region_cells("front.right_hand"), 7)
    exam = bf.apply_exam(None, bf.ExamRequest("allodynia_brush", ("front.right_hand",
                                                                  "front.right_forearm"), 5))
    views = bf.grid_svg_cells(patient, exam)
    assert [len(v["cells"]) for v in views] == [  # type: ignore[arg-type]
        sum(1 for c in CELLS if c[0] == "front"), sum(1 for c in CELLS if c[0] == "back")]
    assert sum(len(v["cells"]) for v in views) == N_CELLS  # type: ignore[arg-type]
    front = views[0]["cells"]
    burned = [c for c in front if c["fill"] == "#d55e00"]  # type: ignore[union-attr]
    ringed = [c for c in front if c["stroke"] == "#e69f00"]  # type: ignore[union-attr]
    assert len(burned) == len(region_cells("front.right_hand"))
    assert len(ringed) == len(region_cells("front.right_hand") |
                              region_cells("front.right_forearm"))
    assert (views[0]["left"], views[1]["left"]) == ("R", "L")
    assert bf.legend(patient, exam) == [
        {"label": "Burning", "colour": "#d55e00", "how": "fill"},
        {"label": "Allodynia (brush)", "colour": "#e69f00", "how": "outline"}]
