"""Sensory body map: the fixed grid, round trip of the stored form, area, dwell-painting,
the stored table, the scene's pixels and the demo's JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pygame
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from exercises.bodymap import ERASE, Painter, bodymap_due, virtual_strokes
from telemetry.bodymap import (
    CELL_REGION,
    CELLS,
    N_CELLS,
    PATIENT_SENSATIONS,
    REGION_BY_KEY,
    REGIONS,
    BodyMap,
    BodyMapError,
    SensationLayer,
    area_of,
    areas,
    cell_at,
    cells_near,
    from_compact,
    region_cells,
    to_compact,
)
from telemetry.errors import StoreError
from telemetry.store import Store


def test_grid_is_fixed_and_every_cell_has_one_region() -> None:
    assert N_CELLS == 1072  # a changed grid needs a new GRID_ID, never a silent edit
    assert len(REGIONS) == 34 and len(CELLS) == len(CELL_REGION) == N_CELLS
    assert sum(len(region_cells(r.key)) for r in REGIONS) == N_CELLS
    # the grid's shares follow the rule of nines roughly (docs/therapies.md)
    head = len(region_cells("front.head")) + len(region_cells("back.head"))
    assert head / N_CELLS == pytest.approx(0.067, abs=0.002)


def test_front_view_has_the_patients_right_on_the_viewers_left() -> None:
    i = cell_at("front", 3, 24)  # viewer's left, hand height
    j = cell_at("back", 3, 24)
    assert i is not None and j is not None
    assert CELL_REGION[i] == "front.right_hand" and CELL_REGION[j] == "back.left_hand"
    assert REGION_BY_KEY["front.right_hand"].snomed == "789217004"  # palm of right hand
    assert REGION_BY_KEY["back.right_hand"].snomed == "789219001"  # dorsum of right hand
    assert REGION_BY_KEY["front.left_forearm"].snomed == "66480008"
    assert cell_at("front", 0, 0) is None  # outside the outline


cells_st = st.frozensets(st.integers(0, N_CELLS - 1), max_size=200)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(PATIENT_SENSATIONS),
                       st.tuples(st.integers(0, 10), cells_st), max_size=5))
def test_compact_round_trip(layers: dict) -> None:
    m = BodyMap("patient", {k: SensationLayer(i, c) for k, (i, c) in layers.items()})
    back = from_compact(json.loads(json.dumps(to_compact(m))))
    assert back.painted() == m.painted()
    assert areas(back)["any"].cells == len(frozenset().union(*(c for _, c in layers.values())))


def test_area_share_and_cm2() -> None:
    hand = region_cells("front.right_hand")
    a = area_of(hand)
    assert a.cells == 16 and a.share == pytest.approx(16 / 1072)
    assert a.cm2 == pytest.approx(16 / 1072 * 18_000)
    assert a.regions == {"front.right_hand": 16}
    m = BodyMap("patient", {"burning": SensationLayer(7, hand),
                            "tingling": SensationLayer(3, frozenset(list(hand)[:4]))})
    ar = areas(m)
    assert ar["burning"].cells == 16 and ar["tingling"].cells == 4 and ar["any"].cells == 16


@pytest.mark.parametrize("bad, words", [
    ({"grid": "other", "s": {}}, "grid"),
    ({"grid": "np-body-v1", "s": {"itching": [3, ""]}}, "unknown sensation 'itching'"),
    ({"grid": "np-body-v1", "s": {"burning": [11, to_compact(BodyMap("patient", {
        "burning": SensationLayer(1, frozenset({1}))}))["s"]["burning"][1]]}}, "0-10"),
    ({"grid": "np-body-v1", "s": {"burning": [3, "!!"]}}, "base64"),
    ({"grid": "np-body-v1", "s": {"burning": [3, "AAAA"]}}, "bytes"),
    ({"grid": "np-body-v1", "layer": "nurse", "s": {}}, "layer"),
    ([], "JSON object"),
])
def test_bad_compact_is_one_clear_error(bad: object, words: str) -> None:
    with pytest.raises(BodyMapError, match=words):
        from_compact(bad)


def test_dwell_paints_only_a_resting_hand_and_erase_removes() -> None:
    p = Painter(paint_dwell_s=0.3)
    where = ("front", 0.17, 0.52)
    assert p.hover("right", where, 0.1) == 0 and p.hover("right", where, 0.1) == 0
    changed = p.hover("right", where, 0.15)
    assert changed == len(cells_near(*where, 1.2)) > 0
    assert p.hover("right", where, 1.0) == 0  # painted: not again until it moves on
    passing = Painter(paint_dwell_s=0.3)
    for k in range(20):  # a hand sweeping across never rests 0.3 s on one cell
        passing.hover("right", ("front", 0.1 + 0.02 * k, 0.3), 0.05)
    assert not passing.body.painted()
    p.choose(ERASE)
    p.brush(*where)
    assert not p.body.painted()
    assert p.change_intensity(1) == 0  # the eraser has no intensity


def test_intensity_stays_in_range() -> None:
    p = Painter()
    for _ in range(20):
        p.change_intensity(+1)
    assert p.current_intensity() == 10
    p.brush("front", 0.5, 0.3)
    for _ in range(20):
        p.change_intensity(-1)
    assert p.body.sensations["burning"].intensity == 0


def test_due_first_then_weekly() -> None:
    from datetime import datetime, timedelta, timezone

    now = datetime(2026, 12, 6, tzinfo=timezone.utc)
    assert bodymap_due(None, now)[0]
    assert not bodymap_due(now - timedelta(days=3), now)[0]
    ok, why = bodymap_due(now - timedelta(days=8), now)
    assert ok and "8 days" in why


def test_store_keeps_maps_and_refuses_bad_ones(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "np.db")
    try:
        store.ensure_patient("p-1", affected_side="left")
        m = BodyMap("patient", {"numbness": SensationLayer(4, region_cells("back.left_foot"))})
        mid = store.save_body_map("p-1", to_compact(m))
        with pytest.raises(StoreError, match="body map not saved: unknown sensation"):
            store.save_body_map("p-1", {"grid": "np-body-v1", "s": {"itch": [1, ""]}})
        rows = store.body_maps("p-1")
        assert [r.map_id for r in rows] == [mid]
        assert from_compact(rows[0].data).painted() == m.painted()
    finally:
        store.close()


def test_virtual_strokes_land_on_the_affected_limb() -> None:
    for side in ("left", "right"):
        p = Painter()
        for s in virtual_strokes(side):
            p.choose(s.tool)
            for pt in s.points:
                p.brush(*pt)
        regions = {CELL_REGION[i] for s in p.body.painted().values() for i in s.cells}
        assert regions and all(f"{side}_" in r for r in regions), regions


def test_scene_paints_cells_in_the_sensation_colour() -> None:
    from game.context import DrawContext
    from game.scenes.bodymap import FIGURES, SENSATION_COLORS, BodyMapScene
    from game.scenes.common import menu_transform
    from vision.intents import HandIntent, Intents

    pygame.font.init()
    scene = BodyMapScene(Painter())
    fig = FIGURES[0]
    x, y = fig.point(0.17, 0.52)  # front, the patient's right hand
    t = 0.0
    for _ in range(40):
        t += 1 / 60
        scene.update(Intents(t=t, right=HandIntent(x=x, y=y)), 1 / 60)
    painted = scene.painter.body.sensations["burning"].cells
    assert painted and {CELL_REGION[i] for i in painted} == {"front.right_hand"}
    surface = pygame.Surface((1280, 720))
    tr = menu_transform((1280, 720))
    scene.draw(surface, DrawContext.for_surface(surface, tr))
    sx, sy = tr.to_screen(x, y)
    assert tuple(surface.get_at((round(sx), round(sy))))[:3] == SENSATION_COLORS["burning"]
    ux, uy = tr.to_screen(*fig.point(0.5, 0.3))  # chest: not painted
    assert tuple(surface.get_at((round(ux), round(uy))))[:3] != SENSATION_COLORS["burning"]
    done = Intents(t=t, right=HandIntent(x=scene.done.center[0], y=scene.done.center[1]),
                   click=True)
    scene.update(done, 1 / 60)
    assert scene.dismissed and scene.result is not None


def test_demo_bodymap_json_and_stored(tmp_path: Path) -> None:
    from game.cli import cli

    r = CliRunner().invoke(cli, ["demo", "--bodymap", "--data-dir", str(tmp_path), "--json",
                                 "--no-report", "--patient", "bm-1", "--side", "left"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    s = out["sensations"]
    assert set(s) == {"burning", "tingling", "allodynia", "any"}
    assert s["burning"]["intensity"] == 7 and s["burning"]["cells"] > 20
    assert all("left" in k for k in s["any"]["regions"])
    assert s["any"]["percent_body"] == pytest.approx(100 * s["any"]["cells"] / 1072, abs=0.01)
    again = json.loads(CliRunner().invoke(cli, ["demo", "--bodymap", "--data-dir", str(tmp_path),
                                                "--json", "--no-report", "--patient",
                                                "bm-1"]).output)
    assert again["sensations"]["any"]["cells"] < s["any"]["cells"]  # visit 2 paints less
    bad = CliRunner().invoke(cli, ["demo", "--bodymap", "--mirror", "split", "--data-dir",
                                   str(tmp_path)])
    assert bad.exit_code == 2 and "--bodymap" in bad.output


def _store_with_maps(tmp_path: Path) -> Store:
    from datetime import datetime, timezone

    store = Store.open(tmp_path / "np.db")
    store.ensure_patient("p-9", affected_side="right")
    hand = region_cells("front.right_hand")
    forearm = region_cells("back.right_forearm")
    first = BodyMap("patient", {"burning": SensationLayer(7, hand | forearm),
                                "tingling": SensationLayer(3, frozenset(list(hand)[:4]))})
    later = BodyMap("patient", {"burning": SensationLayer(4, hand)})
    exam = BodyMap("therapist", {"allodynia_brush": SensationLayer(0, forearm)})
    store.save_body_map("p-9", to_compact(first), at=datetime(2026, 11, 1, 10, tzinfo=timezone.utc))
    store.save_body_map("p-9", to_compact(later), at=datetime(2026, 11, 22, 10, tzinfo=timezone.utc))
    store.save_body_map("p-9", to_compact(exam), drawn_by="therapist",
                        at=datetime(2026, 11, 22, 11, tzinfo=timezone.utc))
    return store


def test_fhir_observations_have_snomed_body_sites_and_areas(tmp_path: Path) -> None:
    from telemetry.bodymap_fhir import CS_BODYMAP
    from telemetry.exports import fhir_bundle, validate_bundle
    from telemetry.snapshot import load_patient

    store = _store_with_maps(tmp_path)
    try:
        bundle = fhir_bundle(load_patient(store, "p-9"))
    finally:
        store.close()
    validate_bundle(bundle)  # fhir.resources R4B
    obs = [e["resource"] for e in bundle["entry"]
           if e["resource"]["resourceType"] == "Observation"
           and e["resource"]["code"]["coding"][0]["system"] == CS_BODYMAP]
    by_id = {f"urn:uuid:{o['id']}": o for o in obs}
    panels = [o for o in obs if o["code"]["coding"][0]["code"] == "burning-area"]
    assert len(panels) == 2
    first = panels[0]
    assert first["valueQuantity"] == {"value": round(100 * 37 / 1072, 3), "unit": "%",
                                      "system": "http://unitsofmeasure.org", "code": "%"}
    comp = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in first["component"]}
    assert comp["intensity"]["value"] == 7 and comp["area-estimate"]["unit"] == "cm2"
    sites = {by_id[m["reference"]]["bodySite"]["coding"][0]["code"]: by_id[m["reference"]]
             for m in first["hasMember"]}
    assert set(sites) == {"789217004", "64262003"}  # right palm, right forearm
    assert sites["789217004"]["valueQuantity"]["value"] == round(100 * 16 / 1072, 3)
    assert all(s["bodySite"]["coding"][0]["system"] == "http://snomed.info/sct"
               for s in sites.values())
    exam = [o for o in obs if o["code"]["coding"][0]["code"] == "allodynia_brush-area"]
    assert exam and exam[0]["category"][0]["coding"][0]["code"] == "exam"


def test_report_shows_start_latest_and_area_over_time(tmp_path: Path) -> None:
    from telemetry.bodymap_report import bodymap_figures, bodymap_section
    from telemetry.report import build_report, render_html
    from telemetry.snapshot import load_patient
    from telemetry.trends import assess

    store = _store_with_maps(tmp_path)
    try:
        data = load_patient(store, "p-9")
    finally:
        store.close()
    from datetime import timezone

    sec = bodymap_section(data.body_maps, timezone.utc)
    assert sec["count"] == 2 and sec["first"]["date"] == "2026-11-01"
    assert sec["latest"]["rows"][0] == {"sensation": "Burning", "intensity": 4,
                                        "percent": "1.5", "cm2": "269",
                                        "regions": "right palm (front)"}
    assert [p for _, p in sec["series"]["burning"]] == [round(100 * 37 / 1072, 2),
                                                         round(100 * 16 / 1072, 2)]
    assert sec["exam"]["rows"][0]["sensation"] == "Allodynia (brush)"
    figs = bodymap_figures(sec)
    assert [t for t, _ in figs] == ["Sensory body map"]
    from datetime import date

    html = render_html(build_report(data, assess(data, today=date(2026, 11, 23))))
    assert 'id="bodymap"' in html and 'alt="Sensory body map"' in html
    assert "Therapist&#39;s examination layer" in html or "Therapist's examination layer" in html


def test_session_flow_offers_the_map_first_time_then_weekly(tmp_path: Path) -> None:
    """The first session's flow asks for the body map after the post-session check-in
    (the scripted patient rests a hand on the affected palm, then Done); a second session
    the same day does not (due every 7 days)."""
    from game.cli import cli

    shots = tmp_path / "shots"
    for i in range(2):
        args = ["demo", "--headless", "--seconds", "10", "--json", "--no-report", "--data-dir",
                str(tmp_path)]
        r = CliRunner().invoke(cli, [*args, "--screenshots", str(shots / str(i))])
        assert r.exit_code == 0, r.output
    store = Store.open(tmp_path / "neuroplay.db")
    try:
        maps = store.body_maps("demo")
        sessions = store.history("demo")
    finally:
        store.close()
    assert len(maps) == 1 and maps[0].session_id == sessions[0].session_id
    body = from_compact(maps[0].data)
    assert {CELL_REGION[i] for i in body.sensations["burning"].cells} == {"front.right_hand"}
    assert any("bodymap" in p.name for p in (shots / "0").glob("*.png"))
    assert not any("bodymap" in p.name for p in (shots / "1").glob("*.png"))


def test_cli_therapist_exam_layer_and_show(tmp_path: Path) -> None:
    from game.cli import cli

    run = CliRunner()
    base = ["--data-dir", str(tmp_path)]
    assert run.invoke(cli, ["patients", "add", "ex-1", "--side", "right", *base]).exit_code == 0
    r = run.invoke(cli, ["bodymap", "exam", "ex-1", "--sensation", "allodynia_brush", "--region",
                         "back.right_forearm", "--intensity", "6", "--json", *base])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["sensations"]["allodynia_brush"]["cells"] == 21
    r = run.invoke(cli, ["bodymap", "exam", "ex-1", "--sensation", "hyperalgesia_pinprick",
                         "--region", "front.right_hand", "--json", *base])
    both = json.loads(r.output)["sensations"]  # added to the latest examination layer
    assert both["allodynia_brush"]["cells"] == 21 and both["hyperalgesia_pinprick"]["cells"] == 16
    shown = json.loads(run.invoke(cli, ["bodymap", "show", "ex-1", "--json", *base]).output)
    assert [m["layer"] for m in shown["maps"]] == ["therapist", "therapist"]
    assert shown["maps"][-1]["drawn_by"] == "therapist"
    bad = run.invoke(cli, ["bodymap", "exam", "ex-1", "--sensation", "allodynia_brush",
                           "--region", "front.tail", *base])
    assert bad.exit_code == 2 and "unknown region 'front.tail'" in bad.output
    nobody = run.invoke(cli, ["bodymap", "show", "ghost", *base])
    assert nobody.exit_code == 2 and "unknown patient" in nobody.output
    with Store.open(tmp_path / "neuroplay.db") as store:
        assert len(store.body_maps("ex-1")) == 2


def test_csv_export_has_one_row_per_map_feeling_and_region(tmp_path: Path) -> None:
    from telemetry.exports import csv_tables
    from telemetry.snapshot import load_patient

    store = _store_with_maps(tmp_path)
    try:
        rows = csv_tables(load_patient(store, "p-9"))["body_map_regions"]
    finally:
        store.close()
    first = [r for r in rows if r["map_id"] == 1]
    assert {(r["sensation"], r["region"], r["cells"]) for r in first} == {
        ("burning", "front.right_hand", 16), ("burning", "back.right_forearm", 21),
        ("tingling", "front.right_hand", 4)}
    assert all(r["drawn_at"].startswith("2026-11-01T10:00:00") for r in first)
    assert {r["snomed_ct"] for r in first} == {"789217004", "64262003"}
    assert [r["layer"] for r in rows if r["map_id"] == 3] == ["therapist"]
