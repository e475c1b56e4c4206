"""The patient page's diary entry and body-map examination forms over HTTP (uvicorn on
loopback): saved as `neuroplay diary` / `neuroplay bodymap exam` store them, who entered
the diary, field-level refusals with nothing stored, CSRF, and per-clinic access."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from clinic.dashboard.app import create_app
from clinic.dashboard.therapy_pages import entered_by
from telemetry.bodymap import from_compact, region_cells
from telemetry.flagging import local_tz
from telemetry.therapies import diary_rows, flare_detected
from tests.clinic.clinic_env import ClinicEnv, build, csrf_of, login
from tests.clinic.conftest import Served, serve, stop

ENTRY = {"pain": "3", "worst_pain": "5", "sleep": "6", "mood": "7", "activity": "8",
         "medication_change": "no"}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ClinicEnv, Served]]:
    e = build(str(tmp_path_factory.mktemp("therapies") / "neuroplay.db"))
    e.store.ensure_patient("north-2")
    e.clinic.add_patient(e.north, "north-2")
    served = serve(create_app(e.store, clinic=e.clinic))
    yield e, served
    stop(served)
    e.store.close()


def _daily(e: ClinicEnv, pid: str) -> list:
    return [c for c in e.store.checkins(pid) if c.phase == "daily"]


def test_diary_entry_is_a_daily_checkin_entered_by_the_therapist(
        env: tuple[ClinicEnv, Served]) -> None:
    e, s = env
    c = login(s.url)
    page = c.get("/patients/north-2")
    assert page.status_code == 200 and 'id="diary-form"' in page.text
    today = e.store.now().astimezone(local_tz()).date()
    assert f'name="date" value="{today.isoformat()}"' in page.text  # default: today
    day = today - timedelta(days=1)
    r = c.post("/patients/north-2/diary", data={**ENTRY, "date": day.isoformat(),
                                                "csrf_token": csrf_of(page.text)})
    assert r.status_code == 303
    daily = _daily(e, "north-2")
    assert len(daily) == 1
    cid = daily[0].checkin_id
    assert r.headers["location"] == f"/patients/north-2?diary_saved={cid}#diary"
    assert daily[0].answers == {"pain": 3, "worst_pain": 5, "sleep": 6, "mood": 7,
                                "activity": 8, "medication_change": 0}
    at = daily[0].at.astimezone(local_tz())
    assert (at.date(), at.hour) == (day, 12)  # noon of that day, as `neuroplay diary --date`
    assert entered_by(e.store, cid) == "ana"
    shown = c.get(f"/patients/north-2?diary_saved={cid}")
    assert 'id="diary-saved"' in shown.text
    row = shown.text.split('<tr class="saved">')[1].split("</tr>")[0]
    assert [x.split("</td>")[0] for x in row.split("<td>")[1:]] == [
        day.isoformat(), "3", "5", "6", "7", "8", "no", "ana"]
    # the report's diary table reads it like a patient's own entry
    assert diary_rows(e.store.checkins("north-2"), local_tz())[0]["worst_pain"] == 5
    rep = c.get("/patients/north-2/report.html").text
    assert "Daily diary" in rep


def test_invalid_fields_each_get_one_message_and_nothing_is_stored(
        env: tuple[ClinicEnv, Served]) -> None:
    e, s = env
    c = login(s.url)
    token = csrf_of(c.get("/patients/north-1").text)
    before = len(_daily(e, "north-1"))
    future = (e.store.now().astimezone(local_tz()).date() + timedelta(days=2)).isoformat()
    r = c.post("/patients/north-1/diary", data={
        **ENTRY, "date": future, "pain": "11", "sleep": "", "medication_change": "maybe",
        "csrf_token": token})
    assert r.status_code == 422
    assert len(_daily(e, "north-1")) == before
    for name, text in (("date", f"Date: {future} is in the future"),
                       ("pain", "Pain now must be 0-10, got 11"),
                       ("sleep", "Sleep: give a number 0-10"),
                       ("medication_change", "Medication change: answer yes or no")):
        assert f'id="err-diary-{name}"' in r.text and text in r.text, name
    assert r.text.count('class="field-msg" id="err-diary-') == 4
    assert 'value="11"' in r.text  # the typed values stay in the form
    # the diary's own consistency rule, next to the worst pain
    r = c.post("/patients/north-1/diary", data={**ENTRY, "date": "", "pain": "6",
                                                "worst_pain": "4", "csrf_token": token})
    assert r.status_code == 422 and len(_daily(e, "north-1")) == before
    assert "Date: give the day" in r.text
    assert ("Worst pain: worst pain 4 is below the pain now 6" in r.text
            and 'id="err-diary-worst_pain"' in r.text)


def test_high_pain_entries_from_the_dashboard_reach_flare_detection(
        env: tuple[ClinicEnv, Served]) -> None:
    e, s = env
    e.store.ensure_patient("north-3")
    e.clinic.add_patient(e.north, "north-3")
    c = login(s.url)
    token = csrf_of(c.get("/patients/north-3").text)
    today = e.store.now().astimezone(local_tz()).date()
    for back, pain in ((5, 2), (4, 2), (3, 2), (2, 2), (1, 7), (0, 8)):
        r = c.post("/patients/north-3/diary", data={
            **ENTRY, "pain": str(pain), "worst_pain": str(pain),
            "date": (today - timedelta(days=back)).isoformat(), "csrf_token": token})
        assert r.status_code == 303
        if back == 1:  # one high day is not a flare (2 days in a row)
            assert flare_detected(e.store.checkins("north-3"), local_tz()) == (False, "")
    on, why = flare_detected(e.store.checkins("north-3"), local_tz())
    assert on and "(2)" in why and "for 2 days" in why
    page = c.get("/patients/north-3").text  # the trends raise the flare flag on the page
    assert "[open] flare" in page


def test_exam_layer_is_stored_as_the_cli_stores_it(env: tuple[ClinicEnv, Served],
                                                    tmp_path: Path) -> None:
    e, s = env
    c = login(s.url)
    token = csrf_of(c.get("/patients/north-1").text)
    regions = ["back.left_forearm", "back.left_hand"]
    r = c.post("/patients/north-1/bodymap/exam", data={
        "sensation": "allodynia_brush", "region": regions, "intensity": "6",
        "csrf_token": token})
    assert r.status_code == 303
    maps = e.store.body_maps("north-1", layer="therapist")
    assert len(maps) == 1 and maps[0].drawn_by == "therapist"
    assert r.headers["location"] == f"/patients/north-1?exam_saved={maps[0].map_id}#bodymap"
    body = from_compact(maps[0].data)
    want = region_cells("back.left_forearm") | region_cells("back.left_hand")
    assert body.sensations["allodynia_brush"].cells == want
    assert body.sensations["allodynia_brush"].intensity == 6
    # a second finding is added on top of the first, as the CLI does
    r = c.post("/patients/north-1/bodymap/exam", data={
        "sensation": "hyperalgesia_pinprick", "region": ["front.left_forearm"],
        "csrf_token": token})
    assert r.status_code == 303
    dash = e.store.body_maps("north-1", layer="therapist")[-1].data

    # `neuroplay bodymap exam` on its own store, the same two findings -> the same layer
    from game.cli import cli
    from game.session import open_store

    cli_dir = str(tmp_path)
    st = open_store(cli_dir)
    st.ensure_patient("north-1")
    st.close()
    runner = CliRunner()
    for args in (["--sensation", "allodynia_brush", "--region", regions[0], "--region",
                  regions[1], "--intensity", "6"],
                 ["--sensation", "hyperalgesia_pinprick", "--region", "front.left_forearm"]):
        res = runner.invoke(cli, ["bodymap", "exam", "north-1", *args, "--data-dir", cli_dir])
        assert res.exit_code == 0, res.output
    st = open_store(cli_dir)
    cli_maps = st.body_maps("north-1", layer="therapist")
    st.close()
    assert [m.data for m in cli_maps] == [m.data for m in
                                          e.store.body_maps("north-1", layer="therapist")]
    assert dash == cli_maps[-1].data and cli_maps[-1].drawn_by == "therapist"
    page = c.get(f"/patients/north-1?exam_saved={maps[0].map_id + 1}").text
    assert 'id="exam-saved"' in page
    assert "Allodynia (brush):</strong> left forearm (back), left back of hand (back)" in page
    assert "Hyperalgesia (pinprick):</strong> left forearm (front)" in page
    assert page.count('class="exam"') == len(want) + len(region_cells("front.left_forearm"))


def test_exam_form_refusals_are_per_field(env: tuple[ClinicEnv, Served]) -> None:
    e, s = env
    c = login(s.url)
    token = csrf_of(c.get("/patients/north-2").text)
    r = c.post("/patients/north-2/bodymap/exam", data={
        "sensation": "burning", "intensity": "12", "csrf_token": token})
    assert r.status_code == 422
    assert e.store.body_maps("north-2") == []
    assert "Finding: choose Allodynia (brush) or Hyperalgesia (pinprick)" in r.text
    assert "Regions: tick at least one region" in r.text
    assert "Evoked pain must be 0-10, got 12" in r.text
    r = c.post("/patients/north-2/bodymap/exam", data={
        "sensation": "allodynia_brush", "region": ["front.tail"], "csrf_token": token})
    assert r.status_code == 422 and "&#39;front.tail&#39; is not a region of the body grid" in r.text
    assert e.store.body_maps("north-2") == []


def test_csrf_and_other_clinics(env: tuple[ClinicEnv, Served]) -> None:
    e, s = env
    c = login(s.url)
    before = len(_daily(e, "north-1")), len(e.store.body_maps("north-1"))
    assert c.post("/patients/north-1/diary", data=ENTRY).status_code == 403
    assert c.post("/patients/north-1/diary",
                  data={**ENTRY, "csrf_token": "forged"}).status_code == 403
    assert c.post("/patients/north-1/bodymap/exam", data={
        "sensation": "allodynia_brush", "region": ["front.head"]}).status_code == 403
    bob = login(s.url, "bob")
    token = csrf_of(bob.get("/patients").text)
    for path, data in (("/patients/north-1/diary", {**ENTRY, "date": "2026-01-01"}),
                       ("/patients/north-1/bodymap/exam",
                        {"sensation": "allodynia_brush", "region": ["front.head"]}),
                       ("/patients/nobody/diary", ENTRY)):
        r = bob.post(path, data={**data, "csrf_token": token})
        assert r.status_code == 404 and "north" not in r.text, path
    assert (len(_daily(e, "north-1")), len(e.store.body_maps("north-1"))) == before
    with httpx.Client(base_url=s.url, follow_redirects=False) as anon:
        assert anon.post("/patients/north-1/diary", data=ENTRY).status_code == 401


def test_entered_by_is_stored_with_the_checkin_or_not_at_all(
        env: tuple[ClinicEnv, Served]) -> None:
    from telemetry.errors import StoreError

    e, _s = env
    own = e.store.checkin("north-2", "daily", {"pain": 2})
    assert e.store.checkin_entered_by(own) is None  # the patient's own entry
    n = len(e.store.checkins("north-2"))
    with pytest.raises(StoreError, match="pain must be 0-10, got 12"):
        e.store.checkin("north-2", "daily", {"pain": 12}, entered_by="ana")
    assert len(e.store.checkins("north-2")) == n
    cid = e.store.checkin("north-2", "daily", {"pain": 3}, entered_by="ana")
    assert (e.store.checkin_entered_by(cid), entered_by(e.store, cid)) == ("ana", "ana")
