"""The dashboard in a real headless Chromium (Debian's, no download) via Playwright.

Login, the patient page, a plan edit rejected with its validation message,
the live stations page fed by a demo station in a thread, and pause from
the browser reaching that station. Screenshots go to tmp; with
NEUROPLAY_SCREENSHOTS=1 they are also written to docs/screenshots/.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from clinic.dashboard.app import create_app
from clinic.station import StationClient
from telemetry.synthetic import Course, generate
from tests.clinic.clinic_env import PASSWORD, ClinicEnv, build
from tests.clinic.conftest import Served, serve, stop

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def demo_skeleton(t: float) -> list[list[float]]:
    """A seated patient reaching up and out with the right arm (normalized image coords)."""
    pts = [[0.5, 0.5, 0.0]] * 33
    pts = [list(p) for p in pts]
    pts[0] = [0.5, 0.22, 1.0]
    pts[11], pts[12] = [0.62, 0.4, 1.0], [0.38, 0.4, 1.0]
    pts[23], pts[24] = [0.59, 0.78, 1.0], [0.41, 0.78, 1.0]
    a = 0.6 + 0.5 * math.sin(t * 1.5)
    pts[13] = [0.62 + 0.12 * math.cos(a), 0.4 - 0.12 * math.sin(a) + 0.12, 1.0]
    pts[15] = [0.62 + 0.24 * math.cos(a), 0.4 - 0.24 * math.sin(a) + 0.08, 1.0]
    pts[14], pts[16] = [0.33, 0.55, 1.0], [0.36, 0.7, 1.0]
    return pts


class DemoStation:
    """A station client in a thread streaming a demo session at ~10 Hz."""

    def __init__(self, url: str, token: str) -> None:
        self.client = StationClient(url, "room-1", token, patient="north-1",
                                    exercise="reaching")
        self.paused_by: str | None = None
        self.note: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> DemoStation:
        self.client.start()
        self._thread.start()
        return self

    def _run(self) -> None:
        t = 0.0
        while not self._stop.wait(0.1):
            for cmd in self.client.poll_commands():
                if cmd.action == "pause":
                    self.paused_by = cmd.by
                elif cmd.action == "note":
                    self.note = f"{cmd.by}: {cmd.value}"
            t += 0.1
            self.client.publish_state({
                "exercise": "reaching", "dose": {"reach_fraction": 0.62, "repetitions": 10},
                "success_rate": 0.8, "checkin": {"pain": 4}, "tracking": 0.96,
                "paused": self.paused_by is not None, "note": self.note,
                "skeleton": demo_skeleton(t) if self.paused_by is None else demo_skeleton(0)})

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.client.stop()


def wait_commands(client: StationClient, n: int) -> list:
    """The first `n` commands a station client receives (polled, like the game does)."""
    import time

    got: list = []
    deadline = time.monotonic() + 10
    while len(got) < n and time.monotonic() < deadline:
        got += client.poll_commands()
        time.sleep(0.02)
    return got


@pytest.fixture
def browser_env(tmp_path: Path, chromium_path: str) -> Iterator[tuple[ClinicEnv, Served, object]]:
    from playwright.sync_api import sync_playwright

    e = build(str(tmp_path / "neuroplay.db"))
    served = serve(create_app(e.store, clinic=e.clinic))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        try:
            yield e, served, page
        finally:
            browser.close()
            stop(served)
            e.store.close()


def shot(page: object, tmp: Path, name: str, full_page: bool = True) -> Path:
    out = tmp / f"dashboard_{name}.png"
    page.screenshot(path=str(out), full_page=full_page)  # type: ignore[attr-defined]
    if os.environ.get("NEUROPLAY_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out, DOCS / out.name)
    assert out.stat().st_size > 5000
    return out


def test_dashboard_in_chromium(browser_env: tuple[ClinicEnv, Served, object],
                               tmp_path: Path) -> None:
    e, s, page = browser_env
    pg: object = page
    today = e.store.now().date()  # two more patients: one quiet for weeks, one on track
    generate(e.store, "a-quiet", Course(days=3, reps=2, start=today - timedelta(days=40),
                                        pain=lambda _d: 2.0))
    generate(e.store, "b-fine", Course(days=4, reps=2, start=today - timedelta(days=4),
                                       pain=lambda _d: 2.0, sessions_per_week=7))
    for pid in ("a-quiet", "b-fine"):
        e.clinic.add_patient(e.north, pid)
    pg.goto(s.url + "/patients/north-1")  # type: ignore[attr-defined]
    assert pg.url.endswith("/login")  # type: ignore[attr-defined]
    pg.fill("input[name=username]", "ana")  # type: ignore[attr-defined]
    pg.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    shot(pg, tmp_path, "login")
    pg.click("button[type=submit]")  # type: ignore[attr-defined]
    pg.wait_for_url("**/patients")  # type: ignore[attr-defined]
    rows = pg.locator("#patients tbody tr")  # type: ignore[attr-defined]
    assert [r.split("\t")[:2] for r in rows.all_inner_texts()] == [
        ["!! Urgent", "north-1"], ["! Review", "a-quiet"], ["\u2713 On track", "b-fine"]]
    shot(pg, tmp_path, "patients")

    pg.click("text=north-1")  # type: ignore[attr-defined]
    pg.wait_for_url("**/patients/north-1")  # type: ignore[attr-defined]
    pg.wait_for_load_state("load")  # type: ignore[attr-defined]
    plots = pg.locator("img.plot")  # type: ignore[attr-defined]
    assert plots.count() == 4  # the report's trend figures
    assert all(w > 300 for w in plots.evaluate_all("l => l.map(i => i.naturalWidth)"))
    assert pg.locator("#sessions tbody tr").count() >= 8  # type: ignore[attr-defined]
    shot(pg, tmp_path, "patient")

    # The plan editor: a refused value gets the plan model's message next to its field,
    # nothing is saved; a valid change shows its diff, needs a reason, then saves.
    version = e.store.current_plan("north-1")[0]
    pg.click("#edit-plan")  # type: ignore[attr-defined]
    pg.wait_for_url("**/patients/north-1/plan")  # type: ignore[attr-defined]
    start = pg.locator("input[name='reaching.repetitions.start']")  # type: ignore[attr-defined]
    expect(start).to_have_value("12")
    start.fill("300")
    pg.click("#plan-form button[value=review]")  # type: ignore[attr-defined]
    start = pg.locator("input[name='reaching.repetitions.start']")  # type: ignore[attr-defined]
    expect(start).to_have_attribute("aria-invalid", "true")
    msg = pg.locator("#err-reaching\\.repetitions")  # type: ignore[attr-defined]
    expect(msg).to_have_text(re.compile(r"Repetitions: start 300 is outside \[min 6, max 40\]"))
    assert start.get_attribute("aria-describedby") == "err-reaching.repetitions"
    # next to its field: the message's row follows the parameter's row, under its inputs
    row_box = pg.locator("#row-reaching\\.repetitions").bounding_box()  # type: ignore[attr-defined]
    msg_box = msg.bounding_box()
    assert 0 <= msg_box["y"] - (row_box["y"] + row_box["height"]) < 20
    assert pg.locator("input[aria-invalid=true]").count() == 1  # type: ignore[attr-defined]
    assert pg.evaluate("document.activeElement.name") == "reaching.repetitions.start"  # type: ignore[attr-defined]
    assert e.store.current_plan("north-1")[0] == version
    shot(pg, tmp_path, "plan_form_error", full_page=False)
    start.fill("14")
    pg.fill("input[name='guardrails.pain_stop_threshold']", "4")  # type: ignore[attr-defined]
    pg.click("#plan-form button[value=review]")  # type: ignore[attr-defined]
    diff = pg.locator("#plan-diff tbody tr")  # type: ignore[attr-defined]
    assert [r.split("\t") for r in diff.all_inner_texts()] == [
        ["Reaching", "Repetitions: start", "12 targets", "14 targets"],
        ["Pain rules", "Pause the session at pain above", "5/10", "4/10"]]
    assert e.store.current_plan("north-1")[0] == version  # a review saves nothing
    shot(pg, tmp_path, "plan_diff", full_page=False)
    pg.click("button[value=save]")  # type: ignore[attr-defined]  (no reason yet)
    expect(pg.locator("#err-reason")).to_contain_text("Write why")  # type: ignore[attr-defined]
    assert e.store.current_plan("north-1")[0] == version
    pg.fill("#reason", "Pain above 5 twice last week: pause earlier")  # type: ignore[attr-defined]
    pg.click("button[value=save]")  # type: ignore[attr-defined]
    expect(pg.locator("#plan-saved")).to_have_text(  # type: ignore[attr-defined]
        re.compile(f"Saved as version {version + 1}"))
    expect(pg.locator("input[name='reaching.repetitions.start']")).to_have_value("14")  # type: ignore[attr-defined]
    now, text = e.store.current_plan("north-1")
    assert now == version + 1 and "pain_stop_threshold = 4" in text
    assert "Pain above 5 twice last week" in pg.locator("#plan-history").inner_text()  # type: ignore[attr-defined]
    pg.fill("input[name='session.session_minutes.start']", "15")  # type: ignore[attr-defined]
    pg.click("#plan-form button[value=simulate]")  # type: ignore[attr-defined]
    expect(pg.locator("#simulation tbody tr")).to_have_count(12)  # type: ignore[attr-defined]
    expect(pg.locator("#simulation .was").first).to_have_text(  # type: ignore[attr-defined]
        re.compile(r"^in force: "))
    assert e.store.current_plan("north-1")[0] == version + 1  # simulating saves nothing
    shot(pg, tmp_path, "plan_simulation", full_page=False)
    pg.click("a[data-tab=toml]")  # type: ignore[attr-defined]
    area = pg.locator("textarea[name=plan_text]").first  # type: ignore[attr-defined]
    area.fill(area.input_value().replace("[plan]", "[plan]\nbogus_key = 1", 1))
    pg.click("#toml-form button[value=review]")  # type: ignore[attr-defined]
    err = pg.locator("#plan-error")  # type: ignore[attr-defined]
    err.wait_for()
    assert "NOT changed" in err.inner_text() and "bogus_key" in err.inner_text()
    assert "bogus_key" in pg.locator("#plan-error-lines .bad").inner_text()  # type: ignore[attr-defined]
    assert e.store.current_plan("north-1")[0] == version + 1
    shot(pg, tmp_path, "plan_toml_error", full_page=False)

    pg.goto(s.url + f"/sessions/{e.session_id}/playback")  # type: ignore[attr-defined]
    expect(pg.locator("#clock")).to_have_text(re.compile(r"^\d+\.\d s$"))  # type: ignore[attr-defined]
    shot(pg, tmp_path, "playback")

    demo = DemoStation(s.url, e.station_token).start()
    try:
        pg.goto(s.url + "/live")  # type: ignore[attr-defined]
        card = pg.locator("#station-room-1")  # type: ignore[attr-defined]
        card.wait_for()
        pg.check("#alert-sound")  # type: ignore[attr-defined]  (beep + notification on new alerts)
        expect(card.locator("dd[data-field=success]")).to_have_text("80 %")
        assert "reach_fraction=0.62" in card.inner_text()
        expect(card.locator(".chip")).to_have_text(re.compile("On track"))
        # a second station whose patient is in pain: its alert shows within 1 s of the
        # state being sent, and its card moves to the top
        hurt = StationClient(s.url, "room-2", e.clinic.new_station_token("room-2", e.north,
                                                                         "ana"),
                             patient="north-1", exercise="reaching").start()
        try:
            second = pg.locator("#station-room-2")  # type: ignore[attr-defined]
            second.wait_for()
            hurt.publish_state({"exercise": "reaching", "checkin": {
                "phase": "in_session", "nrs": 7, "pre_pain": 3, "drop_levels": 1},
                "tracking": 0.41, "success_rate": 0.5, "skeleton": demo_skeleton(0.3)})
            expect(second.locator(".alerts li").first).to_have_text(
                re.compile(r"^!! Pain 7/10, above the plan's limit 4"), timeout=1000)  # as just saved
            expect(second.locator(".chip.urgent")).to_have_text(re.compile("Urgent"))
            order = pg.locator(".station").evaluate_all(  # type: ignore[attr-defined]
                "l => l.map(e => e.dataset.station)")
            assert order == ["room-2", "room-1"]
            # the new alerts were announced (the sound option is on), once each
            assert pg.evaluate("document.body.dataset.alertsAnnounced") == "3"  # type: ignore[attr-defined]
            assert pg.evaluate("localStorage.getItem('np-alert-sound')") == "1"  # type: ignore[attr-defined]
            # one click from the alert: make that station easier, then pause it
            pain = second.locator(".alerts li[data-kind=pain]")
            pain.locator("button[data-quick=difficulty-easier]").click()
            expect(second.locator(".msg")).to_have_text("sent: make easier")
            pain.locator("button[data-quick=pause]").click()
            expect(second.locator(".msg")).to_have_text("sent: pause")
            got = wait_commands(hurt, 2)
            assert [(c.action, c.value, c.by) for c in got] == [
                ("difficulty", "easier", "ana"), ("pause", "", "ana")]
            # a trunk-lean run: a review alert with the same one-click actions
            hurt.publish_state({"exercise": "reaching", "tracking": 0.95,
                                "trunk_lean": {"run": 4, "deg": 13.0},
                                "skeleton": demo_skeleton(0.3)})
            lean = second.locator(".alerts li[data-kind=trunk_lean]")
            expect(lean).to_have_text(re.compile(
                r"^! Trunk lean in the last 4 reaches in a row \(up to 13 degrees\)"),
                timeout=1000)
            assert lean.locator("button[data-quick=pause]").count() == 1
            assert pg.evaluate("document.body.dataset.alertsAnnounced") == "4"  # type: ignore[attr-defined]
            hurt.publish_state({"exercise": "reaching", "checkin": {
                "phase": "in_session", "nrs": 7, "pre_pain": 3, "drop_levels": 1},
                "tracking": 0.41, "trunk_lean": {"run": 4, "deg": 13.0},
                "success_rate": 0.5, "skeleton": demo_skeleton(0.3)})
            expect(second.locator(".alerts li")).to_have_count(4)
            shot(pg, tmp_path, "live")
        finally:
            hurt.stop(0)
        card.locator("button[data-action=pause]").click()
        expect(card.locator(".badge")).to_have_text("paused")
        assert demo.paused_by == "ana"
        evil = "<img src=x onerror=\"document.title='pwned'\">"
        card.locator("input.note").fill(evil)
        card.locator("button[data-action=note]").click()
        expect(card.locator("dd[data-field='last note']")).to_have_text("ana: " + evil)
        assert card.locator("img").count() == 0 and pg.title() != "pwned"  # type: ignore[attr-defined]
        shot(pg, tmp_path, "live_paused")
    finally:
        demo.stop()
    kinds = [(x["kind"], x["data"]["by"]) for x in e.clinic.station_events("room-1")]
    assert kinds == [("remote_pause", "ana"), ("remote_note", "ana")]
