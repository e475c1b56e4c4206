"""The patient page's diary and examination forms in headless Chromium (Playwright, the
system Chromium; fixtures of test_clinic_browser.py). A refused diary value shows its
message next to its field and nothing is stored; a valid entry is saved and listed with
who entered it; an examination finding is saved and outlined on the body map.
Screenshots: docs/screenshots/dashboard_diary.png and dashboard_bodymap_exam.png with
NEUROPLAY_SCREENSHOTS=1."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from exercises.bodymap import Painter, virtual_strokes
from telemetry.bodymap import region_cells, to_compact
from tests.clinic.clinic_env import PASSWORD, ClinicEnv
from tests.clinic.conftest import Served
from tests.clinic.test_clinic_browser import browser_env  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def test_diary_and_exam_forms_in_chromium(browser_env: tuple[ClinicEnv, Served, object],  # noqa: F811
                                          tmp_path: Path) -> None:
    e, s, page = browser_env
    pg: object = page
    painter = Painter()  # the virtual patient's map, so the exam layer has company
    for stroke in virtual_strokes("left"):
        painter.choose(stroke.tool)
        painter.intensity[stroke.tool] = stroke.intensity
        for view, u, v in stroke.points:
            painter.brush(view, u, v)
    e.store.save_body_map("north-1", to_compact(painter.body), drawn_by="virtual_patient")

    pg.goto(s.url + "/login")  # type: ignore[attr-defined]
    pg.fill("input[name=username]", "ana")  # type: ignore[attr-defined]
    pg.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    pg.click("button[type=submit]")  # type: ignore[attr-defined]
    pg.wait_for_url("**/patients")  # type: ignore[attr-defined]
    pg.goto(s.url + "/patients/north-1")  # type: ignore[attr-defined]
    before = len([c for c in e.store.checkins("north-1") if c.phase == "daily"])

    pg.eval_on_selector("#diary-details", "d => d.open = true")  # type: ignore[attr-defined]
    for name, value in (("pain", "6"), ("worst_pain", "4"), ("sleep", "5"), ("mood", "6"),
                        ("activity", "7")):
        pg.fill(f"#diary-{name}", value)  # type: ignore[attr-defined]
    pg.check("input[name=medication_change][value=no]")  # type: ignore[attr-defined]
    pg.click("#diary-save")  # type: ignore[attr-defined]
    worst = pg.locator("#diary-worst_pain")  # type: ignore[attr-defined]
    expect(worst).to_have_attribute("aria-invalid", "true")
    msg = pg.locator("#err-diary-worst_pain")  # type: ignore[attr-defined]
    expect(msg).to_have_text("\u2717 Worst pain: worst pain 4 is below the pain now 6")
    assert pg.locator("[id^=err-diary-]").count() == 1  # type: ignore[attr-defined]
    # next to its field: right under the input's row
    box, mbox = worst.bounding_box(), msg.bounding_box()
    assert 0 <= mbox["y"] - (box["y"] + box["height"]) < 40
    expect(pg.locator("#diary-pain")).to_have_value("6")  # type: ignore[attr-defined]
    assert len([c for c in e.store.checkins("north-1") if c.phase == "daily"]) == before
    _element_shot(pg, "#diary", tmp_path, "diary_error")

    worst.fill("8")
    pg.click("#diary-save")  # type: ignore[attr-defined]
    pg.wait_for_url("**/patients/north-1?diary_saved=*")  # type: ignore[attr-defined]
    expect(pg.locator("#diary-saved")).to_contain_text("entered by ana")  # type: ignore[attr-defined]
    saved = pg.locator("#diary-rows tr.saved td")  # type: ignore[attr-defined]
    assert saved.all_inner_texts()[1:] == ["6", "8", "5", "6", "7", "no", "ana"]
    assert len([c for c in e.store.checkins("north-1") if c.phase == "daily"]) == before + 1
    pg.eval_on_selector("#diary-details", "d => d.open = true")  # type: ignore[attr-defined]
    _element_shot(pg, "#diary", tmp_path, "diary")

    # the examination layer: two regions ticked, saved, outlined on the map
    pg.eval_on_selector("#exam-details", "d => d.open = true")  # type: ignore[attr-defined]
    pg.check("input[name=sensation][value=allodynia_brush]")  # type: ignore[attr-defined]
    for key in ("back.left_forearm", "back.left_hand"):
        pg.check(f"input[name=region][value='{key}']")  # type: ignore[attr-defined]
    pg.fill("#exam-intensity", "6")  # type: ignore[attr-defined]
    pg.click("#exam-save")  # type: ignore[attr-defined]
    pg.wait_for_url("**/patients/north-1?exam_saved=*")  # type: ignore[attr-defined]
    expect(pg.locator("#exam-saved")).to_be_visible()  # type: ignore[attr-defined]
    n = len(region_cells("back.left_forearm") | region_cells("back.left_hand"))
    assert pg.locator("svg.bodymap rect.exam").count() == n  # type: ignore[attr-defined]
    expect(pg.locator("#bm-exam-regions")).to_contain_text(  # type: ignore[attr-defined]
        "left forearm (back), left back of hand (back)")
    pg.eval_on_selector("#exam-details", "d => d.open = true")  # type: ignore[attr-defined]
    _element_shot(pg, "#bodymap", tmp_path, "bodymap_exam")


def _element_shot(pg: object, selector: str, tmp: Path, name: str) -> None:
    """One card of the page, through the suite's `shot` (docs/screenshots/ on request)."""
    import os
    import shutil

    from tests.clinic.test_clinic_browser import DOCS

    out = tmp / f"dashboard_{name}.png"
    pg.locator(selector).screenshot(path=str(out))  # type: ignore[attr-defined]
    if os.environ.get("NEUROPLAY_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out, DOCS / out.name)
    assert out.stat().st_size > 5000
