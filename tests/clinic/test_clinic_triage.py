"""Triage on the therapist's pages: the patient list (served, real SQLite) and
`neuroplay patients` sorted by need, the patient page's order, and the CSS contrast."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from clinic.dashboard.app import create_app
from game.cli import cli
from telemetry.paths import DB_FILENAME
from telemetry.synthetic import Course, generate
from tests.clinic.clinic_env import ClinicEnv, build, login
from tests.clinic.conftest import Served, serve, stop

SEVERITY_ORDER = {"urgent": 0, "review": 1, "on_track": 2}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ClinicEnv, Served, Path]]:
    home = tmp_path_factory.mktemp("triage")
    e = build(str(home / DB_FILENAME))
    today = e.store.now().date()
    # "a-quiet": played weeks ago and not since (review: contact); "b-fine": played
    # daily until yesterday at low pain (on track). Ids sort before "north-1" (urgent:
    # its flare days) so a list in id order would fail the test.
    generate(e.store, "a-quiet", Course(days=3, reps=2, start=today - timedelta(days=40),
                                        pain=lambda _d: 2.0))
    generate(e.store, "b-fine", Course(days=4, reps=2, start=today - timedelta(days=4),
                                       pain=lambda _d: 2.0, sessions_per_week=7))
    for pid in ("a-quiet", "b-fine"):
        e.clinic.add_patient(e.north, pid)
    served = serve(create_app(e.store, clinic=e.clinic))
    yield e, served, home
    stop(served)
    e.store.close()


def test_patient_list_is_sorted_by_need_with_chips(
        env: tuple[ClinicEnv, Served, Path]) -> None:
    _e, s, _home = env
    html = login(s.url).get("/patients").text
    rows = re.findall(r'<tr class="tri-(\w+)" data-severity="\w+">\s*<td>(.*?)</td>\s*'
                      r'<td><a href="/patients/([^"]+)">', html, re.DOTALL)
    assert [(sev, pid) for sev, _chip, pid in rows] == [
        ("urgent", "north-1"), ("review", "a-quiet"), ("on_track", "b-fine")]
    for sev, chip, _pid in rows:  # colour (class) + icon + word
        word = {"urgent": "Urgent", "review": "Review", "on_track": "On track"}[sev]
        assert f'class="chip {sev}"' in chip and 'class="icon"' in chip and word in chip
    assert "No session for" in html and ": contact the patient" in html
    assert "On track: no action needed" in html
    # the at-a-glance numbers are columns
    assert "<th>Last full week</th>" in html and "6.0 -&gt; 8.0 (worse)" in html


def test_cli_patients_sorted_by_need(env: tuple[ClinicEnv, Served, Path]) -> None:
    _e, _s, home = env
    r = CliRunner().invoke(cli, ["patients", "--json", "--data-dir", str(home)])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    sev = [row["triage"]["severity"] for row in rows]
    assert sev == sorted(sev, key=SEVERITY_ORDER.__getitem__)
    assert [row["patient_id"] for row in rows][:1] == ["north-1"]
    assert rows[0]["triage"]["action"] and rows[0]["pain"]
    table = CliRunner().invoke(cli, ["patients", "--data-dir", str(home)],
                              env={"COLUMNS": "300"})
    assert table.exit_code == 0 and "Urgent" in table.output and "On track" in table.output


def test_patient_page_opens_with_triage_then_flags_then_charts(
        env: tuple[ClinicEnv, Served, Path]) -> None:
    _e, s, _home = env
    html = login(s.url).get("/patients/north-1").text
    order = [html.index(marker) for marker in (
        'id="triage"', 'id="glance"', 'id="flags"', 'id="trends"', 'id="sessions"', 'id="plan"')]
    assert order == sorted(order)
    triage_card = html[order[0]:order[2]]
    assert 'class="chip urgent"' in triage_card and "Urgent" in triage_card
    assert "go through the flare plan" in triage_card  # the one action, first
    for label in ("Needs attention", "Pain"):  # the report's at-a-glance cards
        assert f"<dt>{label}</dt>" in triage_card
    flags = html[order[2]:order[3]]
    assert "[open] flare" in flags
    assert "<strong>What to do:</strong> call the patient and go through the flare plan" in flags


def test_live_alert_uses_the_patients_plan_and_reaches_the_browser(tmp_path: Path) -> None:
    import time

    from websockets.sync.client import connect

    from clinic.station import StationClient
    from tests.clinic.clinic_env import PLAN
    from tests.clinic.test_clinic_live import wait_for

    e = build(str(tmp_path / DB_FILENAME))
    plan = PLAN.read_text(encoding="utf-8").replace("pain_stop_threshold = 5",
                                                    "pain_stop_threshold = 4")
    e.store.save_plan("north-1", plan, "ana")
    s = serve(create_app(e.store, clinic=e.clinic))
    st = StationClient(s.url, "room-1", e.station_token, patient="north-1",
                       exercise="reaching").start()
    try:
        wait_for(st.connected.is_set)
        cookie = login(s.url).cookies.get("np_session")
        with connect(s.url.replace("http", "ws") + "/ws/live",
                     additional_headers={"Cookie": f"np_session={cookie}"}) as browser:
            st.publish_state({"checkin": {"phase": "in_session", "nrs": 5, "pre_pain": 2,
                                          "drop_levels": 1}, "tracking": 0.41})
            got: dict = {}
            deadline = time.monotonic() + 10
            while not got.get("state") and time.monotonic() < deadline:
                got = json.loads(browser.recv(timeout=5))
        tri = got["triage"]
        assert tri["severity"] == "urgent" and tri["label"] == "Urgent"
        assert [a["sentence"].split(":")[0] for a in tri["alerts"]] == [
            "Pain 5/10, above the plan's limit 4", "Pain pause", "Tracking 41 %"]
    finally:
        st.stop(0)
        stop(s)
        e.store.close()
