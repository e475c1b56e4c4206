"""The dashboard over HTTP (uvicorn on loopback): login, pages, isolation, CSRF, injection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from markupsafe import escape

from clinic.dashboard.app import create_app
from tests.clinic.clinic_env import PASSWORD, ClinicEnv, build, csrf_of, login
from tests.clinic.conftest import Served, serve, stop


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ClinicEnv, Served]]:
    e = build(str(tmp_path_factory.mktemp("dash") / "neuroplay.db"))
    served = serve(create_app(e.store, clinic=e.clinic))
    yield e, served
    stop(served)
    e.store.close()


def test_every_page_and_api_needs_a_login(env: tuple[ClinicEnv, Served]) -> None:
    e, s = env
    with httpx.Client(base_url=s.url, follow_redirects=False) as c:
        for path in ("/", "/patients", "/patients/north-1", "/patients/north-1/figures/0.png",
                     "/patients/north-1/report.html", "/patients/north-1/export.json",
                     f"/sessions/{e.session_id}/playback", "/live", "/patients/north-1/plan"):
            r = c.get(path)
            assert (r.status_code, r.headers["location"]) == (303, "/login"), path
        assert c.get(f"/api/sessions/{e.session_id}/skeleton").status_code == 401
        assert c.post("/api/stations/room-1/command", data={"action": "stop"}).status_code == 401
        assert c.post("/patients/north-1/plan", data={"plan_text": "x"}).status_code == 401
    with httpx.Client(base_url=s.url, follow_redirects=False,
                      cookies={"np_session": "forged"}) as forged:
        assert forged.get("/patients").status_code == 303
        r = forged.get("/login")
        assert r.status_code == 200 and 'name="username"' in r.text and 'name="password"' in r.text


def test_login_patient_page_and_downloads(env: tuple[ClinicEnv, Served]) -> None:
    e, s = env
    c = httpx.Client(base_url=s.url)
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token})
    cookie = r.headers["set-cookie"].lower()
    assert "np_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    c = login(s.url)
    r = c.get("/patients")
    assert r.status_code == 200 and "north-1" in r.text and "south-1" not in r.text
    assert "flare" in r.text  # the flare days raised a flag shown in the list
    p = c.get("/patients/north-1")
    version = e.store.current_plan("north-1")[0]
    assert p.status_code == 200 and f"Plan (version {version})" in p.text and "Playback" in p.text
    png = c.get("/patients/north-1/figures/0.png")
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    rep = c.get("/patients/north-1/report.html")
    assert rep.status_code == 200 and "attachment" in rep.headers["content-disposition"]
    assert "north-1" in rep.text
    fhir = c.get("/patients/north-1/export.json").json()
    assert fhir["resourceType"] == "Bundle"
    sk = c.get(f"/api/sessions/{e.session_id}/skeleton").json()
    assert len(sk["frames"]) == 30 and sk["frames"][1]["t"] == pytest.approx(1 / 15, abs=1e-3)
    assert sk["frames"][0]["pose"][15][:2] == [pytest.approx(0.7), pytest.approx(0.45)]


def test_therapist_sees_only_their_clinic(env: tuple[ClinicEnv, Served]) -> None:
    e, s = env
    c = login(s.url, "bob")
    assert "north-1" not in c.get("/patients").text
    for path in ("/patients/north-1", "/patients/north-1/figures/0.png",
                 "/patients/north-1/plan", "/patients/north-1/report.html", "/patients/north-1/export.json",
                 f"/sessions/{e.session_id}/playback", f"/api/sessions/{e.session_id}/skeleton"):
        r = c.get(path)
        assert r.status_code == 404 and "north" not in r.text, path
    assert c.get("/patients/no-such-patient").status_code == 404  # same answer as foreign
    before = e.store.current_plan("north-1")[0]
    token = csrf_of(c.get("/patients").text)
    r = c.post("/patients/north-1/plan", data={"plan_text": "x", "csrf_token": token})
    assert r.status_code == 404
    r = c.post("/api/stations/room-1/command", data={"action": "stop", "csrf_token": token})
    assert r.status_code == 409 and "no station" in r.json()["error"]
    assert e.store.current_plan("north-1")[0] == before


def test_csrf_is_required_on_every_form(env: tuple[ClinicEnv, Served]) -> None:
    e, s = env
    c = login(s.url)
    before = e.store.current_plan("north-1")
    for data in ({"plan_text": "x"}, {"plan_text": "x", "csrf_token": "wrong"}):
        assert c.post("/patients/north-1/plan", data=data).status_code == 403
    assert c.post("/api/stations/room-1/command", data={"action": "pause"}).status_code == 403
    assert c.post("/logout", data={}).status_code == 403
    assert c.get("/patients").status_code == 200  # still logged in
    assert e.store.current_plan("north-1") == before
    # the login form too: no token, or a token that is not the cookie's
    fresh = httpx.Client(base_url=s.url)
    fresh.get("/login")
    r = fresh.post("/login", data={"username": "ana", "password": PASSWORD,
                                   "csrf_token": "not-the-cookie"})
    assert r.status_code == 403 and "np_session" not in r.cookies
    # logout with the token ends the server-side session
    r = c.post("/logout", data={"csrf_token": csrf_of(c.get("/patients").text)})
    assert (r.status_code, r.headers["location"]) == (303, "/login")
    assert c.get("/patients").status_code == 303


def test_plan_edit_validation_review_reason_and_simulate(env: tuple[ClinicEnv, Served]) -> None:
    e, s = env
    c = login(s.url)
    token = csrf_of(c.get("/patients/north-1").text)
    version, good = e.store.current_plan("north-1")
    page = c.get("/patients/north-1/plan")
    assert page.status_code == 200 and 'id="plan-form"' in page.text
    assert 'name="reaching.repetitions.start" value="12"' in page.text
    r = c.post("/patients/north-1/plan", data={"plan_text": good + "\nbogus_key = 3\n",
                                               "mode": "toml", "action": "review",
                                               "csrf_token": token})
    assert r.status_code == 422 and "NOT changed" in r.text and "bogus_key" in r.text
    assert 'class="bad"' in r.text  # the offending TOML line, marked
    r = c.post("/patients/north-1/plan", data={"plan_text": good, "mode": "toml",
                                               "action": "simulate", "scenario": "steady",
                                               "csrf_token": token})
    assert r.status_code == 200 and 'id="simulation"' in r.text
    assert r.text.count("<tr><td>") >= 12 and "from today" in r.text
    assert 'class="was"' not in r.text  # the plan in force: nothing to compare
    longer = good.replace("session_minutes = { start = 10.0", "session_minutes = { start = 15.0")
    r = c.post("/patients/north-1/plan", data={"plan_text": longer, "mode": "toml",
                                               "action": "simulate", "scenario": "steady",
                                               "csrf_token": token})
    assert r.status_code == 200 and '15 min<div class="was">in force: 10 min</div>' in r.text
    assert e.store.current_plan("north-1")[0] == version  # simulate saves nothing
    # saving needs a review's base version and a reason
    edited = good.replace("repetitions = { start = 12", "repetitions = { start = 14")
    r = c.post("/patients/north-1/plan", data={"plan_text": edited, "mode": "toml",
                                               "action": "review", "csrf_token": token})
    assert r.status_code == 200 and 'id="plan-diff"' in r.text
    assert f'name="base_version" value="{version}"' in r.text
    save = {"plan_text": edited, "action": "save", "base_version": str(version),
            "csrf_token": token}
    r = c.post("/patients/north-1/plan", data=save)
    assert r.status_code == 422 and 'id="err-reason"' in r.text
    r = c.post("/patients/north-1/plan", data={**save, "base_version": str(version - 1),
                                               "reason": "x"})
    assert r.status_code == 409 and "was saved while you were editing" in r.text
    assert e.store.current_plan("north-1")[0] == version
    r = c.post("/patients/north-1/plan", data={**save, "reason": "more targets"})
    assert (r.status_code, r.headers["location"]) == (
        303, f"/patients/north-1/plan?saved={version + 1}")
    assert f"Saved as version {version + 1}" in c.get(r.headers["location"]).text
    last = e.store.plan_history("north-1")[-1]
    assert last["author"] == "ana" and last["toml_text"].startswith(
        "# Reason for this version (ana, ") and "): more targets\n" in last["toml_text"]
    assert "more targets" in c.get("/patients/north-1").text
    # A safeguard switched off is refused without a reason, shown prominently with one.
    version += 1
    unsafe = good.replace("pain_stop_threshold = 5", "pain_stop_threshold = 9")
    assert unsafe != good
    r = c.post("/patients/north-1/plan", data={"plan_text": unsafe, "mode": "toml",
                                               "action": "review", "csrf_token": token})
    assert r.status_code == 422 and "switches a safeguard off" in r.text
    reasoned = unsafe + '\n[safety]\noverride_reason = "Dr. Ana: supervised in clinic only"\n'
    r = c.post("/patients/north-1/plan", data={"plan_text": reasoned, "action": "save",
                                               "base_version": str(version),
                                               "reason": "clinic sessions only",
                                               "csrf_token": token})
    assert r.status_code == 303
    page = c.get("/patients/north-1").text
    banner = page[page.index('id="plan-override"'):]
    assert "pain_stop_threshold" in banner and "Dr. Ana: supervised in clinic only" in banner
    report = c.get("/patients/north-1/report.html").text
    assert 'id="plan-override"' in report
    e.store.save_plan("north-1", good, author="ana")  # back to the safe plan for other tests


def test_a_plan_that_does_not_load_is_replaced_in_the_toml_tab_with_a_reason(
        env: tuple[ClinicEnv, Served]) -> None:
    """south-1's stored plan is the synthetic generator's one line (not a valid plan): the
    form says so, the TOML tab writes a whole plan, reviewed and saved with a reason."""
    from tests.clinic.clinic_env import PLAN

    e, s = env
    c = login(s.url, "bob")
    assert e.store.current_plan("south-1") == (1, "sessions_per_week = 5\n")
    page = c.get("/patients/south-1/plan")
    assert page.status_code == 200 and "has no plan the form can show" in page.text
    token = csrf_of(page.text)
    text = PLAN.read_text(encoding="utf-8")
    r = c.post("/patients/south-1/plan", data={"plan_text": text, "mode": "toml",
                                               "action": "review", "csrf_token": token})
    assert r.status_code == 200 and 'id="plan-first"' in r.text
    assert "version 1 could not be read" in r.text and "No value changes" not in r.text
    assert 'name="base_version" value="1"' in r.text
    r = c.post("/patients/south-1/plan", data={"plan_text": text, "action": "save",
                                               "base_version": "1", "reason": "a real plan",
                                               "csrf_token": token})
    assert (r.status_code, r.headers["location"]) == (303, "/patients/south-1/plan?saved=2")
    assert e.store.current_plan("south-1")[0] == 2
    assert 'name="reaching.repetitions.start" value="12"' in c.get(r.headers["location"]).text


INJECTIONS = ("' OR '1'='1' --", "\"; DROP TABLE therapists; --",
              "<script>alert('x')</script>", "<img src=x onerror=alert(1)>")


def test_injection_on_every_text_field(env: tuple[ClinicEnv, Served]) -> None:
    e, s = env
    for payload in INJECTIONS:
        c = httpx.Client(base_url=s.url)
        token = csrf_of(c.get("/login").text)
        r = c.post("/login", data={"username": payload, "password": payload,
                                   "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 401 and "np_session" not in r.cookies
        assert payload not in r.text and str(escape(payload)) in r.text  # echoed, escaped
    ok = login(s.url)
    token = csrf_of(ok.get("/patients").text)
    for payload in INJECTIONS:
        r = ok.post("/patients/north-1/plan", data={"plan_text": payload, "action": "save",
                                                    "base_version": "1", "reason": payload,
                                                    "csrf_token": token})
        assert r.status_code == 422 and "NOT changed" in r.text
        assert payload not in r.text and str(escape(payload)) in r.text  # textarea keeps it
        r = ok.post("/api/stations/room-1/command",
                    data={"action": "note", "value": payload, "csrf_token": token})
        assert r.status_code == 409  # no station connected; nothing stored
        r = ok.post("/patients/north-1/plan", data={
            "plan_text": e.store.current_plan("north-1")[1], "mode": "toml",
            "action": "simulate", "scenario": payload, "exercise": payload,
            "csrf_token": token})
        assert r.status_code == 200 and "in their last 3 sessions" in r.text
        assert payload not in r.text
        r = ok.post("/api/stations/room-1/command",
                    data={"action": payload, "value": payload, "csrf_token": token})
        assert r.status_code in (409, 422) and payload not in r.text
        r = ok.get("/patients/" + payload)
        assert r.status_code == 404 and "south" not in r.text
    assert e.clinic.therapist("ana") is not None and e.clinic.therapist("bob") is not None
    assert e.store.current_plan("north-1")[0] >= 1


def test_failed_logins_are_rate_limited_and_logged(env: tuple[ClinicEnv, Served]) -> None:
    e, s = env
    c = httpx.Client(base_url=s.url)
    token = csrf_of(c.get("/login").text)
    codes = [c.post("/login", data={"username": "bob", "password": "wrong-one",
                                    "csrf_token": token}).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    r = c.post("/login", data={"username": "bob", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and "np_session" not in r.cookies  # locked even when right
    attempts = e.clinic.login_attempts("bob")
    assert sum(1 for a in attempts if not a["ok"] and a["ip"] == "127.0.0.1") >= 7


def test_cli_therapist_add_and_station_token(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from game.cli import cli

    runner = CliRunner()
    d = str(tmp_path / "data")
    r = runner.invoke(cli, ["therapist", "add", "carla", "--clinic", "East", "--data-dir", d],
                      input="a-long-password\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["therapist", "add", "carla", "--clinic", "East", "--data-dir", d],
                      input="a-long-password\n")
    assert r.exit_code == 2 and "already exists" in r.output
    r = runner.invoke(cli, ["therapist", "add", "dan", "--clinic", "East", "--data-dir", d],
                      input="short\n")
    assert r.exit_code == 2 and "at least 8" in r.output
    r = runner.invoke(cli, ["therapist", "station-token", "room-9", "--by", "carla",
                            "--data-dir", d])
    assert r.exit_code == 0 and len(r.output.strip()) >= 40
    r = runner.invoke(cli, ["therapist", "station-token", "room-9", "--by", "nobody",
                            "--data-dir", d])
    assert r.exit_code == 2 and "unknown therapist" in r.output
    r = runner.invoke(cli, ["therapist", "assign", "ghost", "--clinic", "East", "--data-dir", d])
    assert r.exit_code == 2 and "ghost" in r.output
    r = runner.invoke(cli, ["dashboard", "--db", "postgresql://nobody@127.0.0.1:1/none"])
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1


def test_play_station_options_are_checked_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from game.cli import cli

    monkeypatch.delenv("NEUROPLAY_STATION_TOKEN", raising=False)
    runner = CliRunner()
    r = runner.invoke(cli, ["play", "--patient", "p", "--station", "room-1"])
    assert r.exit_code == 2 and "both --station NAME and --clinic URL" in r.output
    r = runner.invoke(cli, ["play", "--patient", "p", "--station", "room-1",
                            "--clinic", "http://127.0.0.1:1"])
    assert r.exit_code == 2 and "NEUROPLAY_STATION_TOKEN" in r.output
    r = runner.invoke(cli, ["play", "--patient", "p", "--station", "room-1", "--clinic",
                            "127.0.0.1:8765"], env={"NEUROPLAY_STATION_TOKEN": "t"})
    assert r.exit_code == 2 and "not an http(s):// address" in r.output


def test_neuroplay_dashboard_serves_on_loopback(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    from tests.clinic.conftest import free_port

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from game.cli import main; main()", "dashboard",
         "--data-dir", str(tmp_path / "d"), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
                break
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "dashboard did not start"
                time.sleep(0.1)
        assert r.status_code == 200 and 'name="csrf_token"' in r.text
        assert r.headers["x-frame-options"] == "DENY"
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert (tmp_path / "d" / "neuroplay.db").is_file()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in out


def test_patient_page_shows_the_rest_break_pain_path(env: tuple[ClinicEnv, Served]) -> None:
    """Pain before -> highest at a rest break -> after, with the pain pauses, as in the report."""
    from exercises.events import Event

    e, s = env
    rec = e.store.start_session("north-1", "reaching", {"reach_fraction": 0.5})
    rec.checkin("pre", {"pain": 3})
    rec.record([Event(5.0, "checkin", {"phase": "in_session", "nrs": 6, "pre_pain": 3, "drop_levels": 1}),
                Event(5.0, "pause", {"reason": "pain"})])
    rec.checkin("in_session", {"pain": 6})
    rec.checkin("post", {"pain": 3})
    rec.close({"quota_met": False}, completed=False)
    page = login(s.url).get("/patients/north-1").text
    assert "3 -&gt; 6 -&gt; 3 (1 pain pause)" in page
