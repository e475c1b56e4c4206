"""The sensory body maps in the therapist report: the map at the start, the latest map,
and the painted area over time per sensation (pure read-outs + one matplotlib figure).

Kept apart from telemetry/report.py (which only calls `bodymap_section` and
`bodymap_figures`) so the report's other sections change without touching this one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from telemetry.bodymap import (
    CELLS,
    COLS,
    LAYERS,
    REGION_BY_KEY,
    ROWS,
    SENSATION_RGB,
    SENSATION_WORDS,
    VIEWS,
    BodyMap,
    BodyMapError,
    areas,
    from_compact,
)
from telemetry.records import BodyMapRecord


def _maps(records: Sequence[BodyMapRecord], layer: str) -> list[tuple[BodyMapRecord, BodyMap]]:
    out = []
    for r in records:
        if r.layer != layer:
            continue
        try:
            out.append((r, from_compact(r.data)))
        except BodyMapError:  # a map from another grid: left out, never misdrawn
            continue
    return out


def _describe(rec: BodyMapRecord, body: BodyMap, tz: tzinfo) -> dict[str, Any]:
    rows = []
    for name, a in areas(body).items():
        s = body.sensations.get(name)
        rows.append({"sensation": "any of them" if name == "any" else SENSATION_WORDS[name],
                     "intensity": s.intensity if s is not None else "-",
                     "percent": f"{100 * a.share:.1f}", "cm2": f"{a.cm2:.0f}",
                     "regions": ", ".join(f"{REGION_BY_KEY[k].label} ({REGION_BY_KEY[k].view})"
                                          for k in a.regions)})
    return {"id": rec.map_id, "date": rec.at.astimezone(tz).strftime("%Y-%m-%d"),
            "drawn_by": rec.drawn_by, "rows": rows}


def bodymap_section(records: Sequence[BodyMapRecord], tz: tzinfo) -> dict[str, Any]:
    """{} without maps; else the first and the latest patient map (and the therapist's
    latest examination layer), and per sensation the painted % of the body per map."""
    pat = _maps(records, "patient")
    exam = _maps(records, "therapist")
    if not (pat or exam):
        return {}
    series: dict[str, list[tuple[datetime, float]]] = {}
    for rec, body in pat:
        day = rec.at.astimezone(tz)
        ar = areas(body)
        for name in LAYERS["patient"]:
            series.setdefault(name, []).append(
                (day, round(100 * ar[name].share, 2) if name in ar else 0.0))
    return {"count": len(pat),
            "first": _describe(*pat[0], tz) if pat else None,
            "latest": _describe(*pat[-1], tz) if len(pat) > 1 else None,
            "exam": _describe(*exam[-1], tz) if exam else None,
            "series": {k: v for k, v in series.items() if any(p for _, p in v)},
            "_maps": [(rec.at.astimezone(tz).strftime("%Y-%m-%d"), body) for rec, body in pat],
            "note": "Grid method: painted cells of a fixed 1,072-cell front/back grid as % of "
                    "the body surface; cm2 assumes 1.8 m2 of skin. Coarse: compare this "
                    "patient's maps with each other."}


def _rgb(name: str) -> tuple[float, float, float]:
    r, g, b = SENSATION_RGB[name]
    return (r / 255, g / 255, b / 255)


def _grid_image(body: BodyMap | None, view: str) -> Any:
    import numpy as np

    img = np.full((ROWS, COLS, 3), 1.0)
    for i, (v, c, r) in enumerate(CELLS):
        if v == view:
            img[r, c] = (0.80, 0.82, 0.86)
    if body is not None:
        for name, s in body.painted().items():
            rgb = _rgb(name)
            for i in s.cells:
                v, c, r = CELLS[i]
                if v == view:
                    img[r, c] = rgb
    return img


def bodymap_figures(section: dict[str, Any]) -> list[tuple[str, Any]]:
    """One figure: the first map, the latest, and area over time per sensation."""
    maps = section.get("_maps") or []
    if not maps:
        return []
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    shown = [maps[0]] if len(maps) == 1 else [maps[0], maps[-1]]
    fig = plt.figure(figsize=(8.0, 3.2))
    n = 2 * len(shown)
    grid = fig.add_gridspec(1, n + 2, width_ratios=[1] * n + [0.25, 2.6])
    for k, (day, body) in enumerate(shown):
        for j, view in enumerate(VIEWS):
            ax = fig.add_subplot(grid[0, 2 * k + j])
            ax.imshow(_grid_image(body, view), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            for s in ax.spines.values():
                s.set_visible(False)
            which = "start" if k == 0 else "latest"
            ax.set_title(f"{which} {day}\n{view}" if j == 0 else f"\n{view}", fontsize=7,
                         loc="left")
            # the patient's right: on the viewer's left in the front view
            ax.text(0, ROWS + 2.5, "R" if view == "front" else "L", fontsize=6, va="top")
            ax.text(COLS - 1, ROWS + 2.5, "L" if view == "front" else "R", fontsize=6,
                    va="top", ha="right")
    ax = fig.add_subplot(grid[0, n + 1])
    for name, pts in section.get("series", {}).items():
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "-o", ms=3,
                color=_rgb(name), label=SENSATION_WORDS[name])
    ax.set_ylabel("% of body painted", fontsize=8)
    ax.tick_params(labelsize=6)
    ax.set_ylim(bottom=0)
    used = [k for k in LAYERS["patient"] if any(k in b.painted() for _, b in shown)]
    handles: list[Any] = [Patch(color=_rgb(k), label=SENSATION_WORDS[k]) for k in used]
    ax.legend(handles=handles, fontsize=6, loc="best")
    import matplotlib.dates as mdates

    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    for lab in ax.get_xticklabels():
        lab.set_rotation(30)
    fig.suptitle("Sensory body map: where it is felt, at the start and now", fontsize=10,
                 x=0.01, ha="left")
    fig.tight_layout()
    return [("Sensory body map", fig)]


BODYMAP_CSV_COLUMNS: tuple[str, ...] = (
    "map_id", "drawn_at", "layer", "drawn_by", "session_id", "sensation", "intensity_0_10",
    "region", "snomed_ct", "cells", "percent_body")


def bodymap_csv_rows(records: Sequence[BodyMapRecord], ts: Any) -> list[dict[str, Any]]:
    """Tidy rows for the CSV export: one per map, feeling and region painted.
    `ts(datetime)` formats a time as the export does (ISO 8601 with offset)."""
    from telemetry.bodymap import N_CELLS

    rows: list[dict[str, Any]] = []
    for rec in records:
        try:
            body = from_compact(rec.data)
        except BodyMapError:
            continue
        for name, a in areas(body).items():
            if name == "any":
                continue
            for key, n in a.regions.items():
                rows.append({"map_id": rec.map_id, "drawn_at": ts(rec.at), "layer": rec.layer,
                             "drawn_by": rec.drawn_by, "session_id": rec.session_id or "",
                             "sensation": name,
                             "intensity_0_10": body.sensations[name].intensity,
                             "region": key, "snomed_ct": REGION_BY_KEY[key].snomed, "cells": n,
                             "percent_body": round(100.0 * n / N_CELLS, 3)})
    return rows
