"""The dashboard's examination-layer form <-> the therapist's body map (pure).

Why: after bedside testing the therapist marks where brush allodynia and pinprick
hyperalgesia were found (CLINICAL.md 5c). The dashboard stores it exactly as
`neuroplay bodymap exam` does (game/cli/bodymaps.py): whole regions of the fixed grid
(telemetry.bodymap), added to the therapist's latest examination layer, saved as a
"therapist" layer map drawn by "therapist". Also here: the grid drawn as SVG cells for
the patient page (the latest patient map with the examination layer outlined on it),
since a web page needs no matplotlib for a 1,072-cell grid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from telemetry.bodymap import (
    CELL_REGION,
    CELLS,
    COLS,
    EXAM_SENSATIONS,
    REGION_BY_KEY,
    REGIONS,
    ROWS,
    SENSATION_RGB,
    SENSATION_WORDS,
    VIEWS,
    BodyMap,
    region_cells,
)
from telemetry.proms import validate_score

REGION_FIELD = "region"
SENSATION_FIELD = "sensation"
INTENSITY_FIELD = "intensity"
CELL_PX = 6  # SVG units a grid cell (the page scales the drawing)


@dataclass(frozen=True, slots=True)
class ExamRequest:
    sensation: str
    regions: tuple[str, ...]
    intensity: int


@dataclass
class ExamFormResult:
    request: ExamRequest | None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.request is not None and not self.errors


def region_groups(checked: Sequence[str] = ()) -> list[tuple[str, list[dict[str, object]]]]:
    """The grid's regions grouped by view (front, back), in the grid's order."""
    return [(view, [{"key": r.key, "label": r.label, "checked": r.key in checked}
                    for r in REGIONS if r.view == view]) for view in VIEWS]


def sensation_choices() -> list[tuple[str, str]]:
    return [(k, SENSATION_WORDS[k]) for k in EXAM_SENSATIONS]


def parse_exam_form(sensation: str, regions: Sequence[str], intensity: str) -> ExamFormResult:
    """Form values -> what to add to the examination layer, or one message per field."""
    errors: dict[str, str] = {}
    if sensation not in EXAM_SENSATIONS:
        errors[SENSATION_FIELD] = ("Finding: choose " + " or ".join(
            SENSATION_WORDS[k] for k in EXAM_SENSATIONS))
    keys = tuple(dict.fromkeys(r for r in regions))  # once each, in the order given
    unknown = [k for k in keys if k not in REGION_BY_KEY]
    if unknown:
        errors[REGION_FIELD] = f"Regions: {unknown[0][:40]!r} is not a region of the body grid"
    elif not keys:
        errors[REGION_FIELD] = "Regions: tick at least one region where the finding was"
    text = intensity.strip() or "0"
    try:
        level = validate_score(int(text), what="Evoked pain")
    except ValueError as exc:
        level = 0
        errors[INTENSITY_FIELD] = (str(exc) if text.lstrip("-").isdigit()
                                   else f"Evoked pain: {text[:20]!r} is not a whole number 0-10")
    if errors:
        return ExamFormResult(None, errors)
    return ExamFormResult(ExamRequest(sensation, keys, level))


def apply_exam(last: BodyMap | None, req: ExamRequest) -> BodyMap:
    """The new examination layer: the latest one (or an empty one) with the regions added,
    exactly as `neuroplay bodymap exam` builds it."""
    body = last if last is not None and last.layer == "therapist" else BodyMap("therapist")
    cells = frozenset().union(*(region_cells(k) for k in req.regions))
    return body.with_cells(req.sensation, cells, req.intensity)


def exam_regions(body: BodyMap | None) -> dict[str, list[str]]:
    """Per finding, the region labels it covers (for the page's list)."""
    if body is None:
        return {}
    out: dict[str, list[str]] = {}
    for name, s in body.painted().items():
        keys = dict.fromkeys(CELL_REGION[i] for i in sorted(s.cells))
        out[SENSATION_WORDS[name]] = [f"{REGION_BY_KEY[k].label} ({REGION_BY_KEY[k].view})"
                                      for k in keys]
    return out


def _hex(name: str) -> str:
    r, g, b = SENSATION_RGB[name]
    return f"#{r:02x}{g:02x}{b:02x}"


def grid_svg_cells(patient: BodyMap | None, exam: BodyMap | None
                   ) -> list[dict[str, object]]:
    """One entry per view: its cells as SVG rectangles. A cell is filled with the colour
    of the patient's sensation painted there (the last one of the layer's order when
    several overlap) and outlined in the colour of an examination finding found there."""
    fill: dict[int, str] = {}
    if patient is not None:
        for name, s in patient.painted().items():
            for i in s.cells:
                fill[i] = _hex(name)
    ring: dict[int, str] = {}
    if exam is not None:
        for name, s in exam.painted().items():
            for i in s.cells:
                ring[i] = _hex(name)
    out = []
    for view in VIEWS:
        cells = []
        for i, (v, c, r) in enumerate(CELLS):
            if v != view:
                continue
            cells.append({"x": c * CELL_PX, "y": r * CELL_PX, "fill": fill.get(i, "#cfd4db"),
                          "stroke": ring.get(i), "region": CELL_REGION[i]})
        out.append({"view": view, "width": COLS * CELL_PX, "height": ROWS * CELL_PX,
                    "cells": cells,
                    # the patient's right: the viewer's left in the front view
                    "left": "R" if view == "front" else "L",
                    "right": "L" if view == "front" else "R"})
    return out


def legend(patient: BodyMap | None, exam: BodyMap | None) -> list[dict[str, str]]:
    """The colours used: filled = the patient's sensations, outlined = the findings."""
    out = []
    for body, how in ((patient, "fill"), (exam, "outline")):
        if body is None:
            continue
        for name in body.painted():
            out.append({"label": SENSATION_WORDS[name], "colour": _hex(name), "how": how})
    return out

