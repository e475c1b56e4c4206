"""The sensory body map's fixed grid: regions with SNOMED CT codes, the compact stored
form, and painted area (pure: no I/O, no pygame).

Why a fixed grid and not images (CLINICAL.md 5c, the "grid method" of pain drawings):
maps drawn weeks apart compare cell by cell, area is a count of cells, and every cell
belongs to one named body region that FHIR can code. Two views, front and back, each
`COLS` x `ROWS` cells; only cells inside the body outline exist. In the FRONT view the
patient's right side is on the viewer's left (the patient faces us); in the BACK view
it is on the viewer's right.

Where the grid comes from: a coarse figure drawn to the proportions of the "rule of
nines" (Wallace): the shares of this grid are head 6.7 % (rule 9 %), each arm 11.4 %
(9 %), trunk with neck 34.7 % (36 %), each leg 18.7 % (18 %). Hands are coarse (about
3 % of the body each, against about 1 % in the "rule of palms"), so small hand areas
read large: compare maps with each other, not with other tools.

The telemetry layer owns this module (not exercises/) because the report and the
FHIR export read stored maps and telemetry may not import exercises
(docs/ARCHITECTURE.md); the painting logic is in exercises/bodymap.py.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

GRID_ID = "np-body-v1"  # a stored map names its grid; a new grid gets a new id, never an edit
COLS, ROWS = 24, 48  # per view
VIEWS: tuple[str, ...] = ("front", "back")
PATIENT_SENSATIONS: tuple[str, ...] = ("burning", "tingling", "electric", "numbness",
                                       "allodynia")
# The therapist's examination layer after bedside testing (CLINICAL.md 5c).
EXAM_SENSATIONS: tuple[str, ...] = ("allodynia_brush", "hyperalgesia_pinprick")
LAYERS: dict[str, tuple[str, ...]] = {"patient": PATIENT_SENSATIONS,
                                      "therapist": EXAM_SENSATIONS}
SENSATION_WORDS: dict[str, str] = {
    "burning": "Burning", "tingling": "Tingling", "electric": "Electric shocks",
    "numbness": "Numbness", "allodynia": "Touch hurts",
    "allodynia_brush": "Allodynia (brush)", "hyperalgesia_pinprick": "Hyperalgesia (pinprick)",
}
# Okabe-Ito colours (colour-blind safe), the same in the game, the report and the dashboard.
SENSATION_RGB: dict[str, tuple[int, int, int]] = {
    "burning": (213, 94, 0), "tingling": (240, 228, 66), "electric": (86, 180, 233),
    "numbness": (0, 158, 115), "allodynia": (204, 121, 167),
    "allodynia_brush": (230, 159, 0), "hyperalgesia_pinprick": (0, 114, 178),
}
BODY_SURFACE_CM2 = 18_000.0  # an adult's body surface, about 1.8 m^2 (Mosteller), assumed
SNOMED = "http://snomed.info/sct"


class BodyMapError(ValueError):
    """A stored or given map that does not fit the grid (one line, names what is wrong)."""


@dataclass(frozen=True, slots=True)
class Region:
    key: str  # "front.right_hand"
    label: str  # "right palm"
    view: str
    snomed: str  # SNOMED CT body structure concept id
    snomed_display: str
    rect: tuple[int, int, int, int]  # c0, r0, c1, r1 on the view's grid, half-open


# The figure in viewer coordinates: "a" = the limb on the viewer's LEFT.
_TEMPLATE: tuple[tuple[str, str, tuple[int, int, int, int]], ...] = (
    ("head", "", (9, 0, 15, 6)),
    ("neck", "", (10, 6, 14, 8)),
    ("upper_trunk", "", (7, 8, 17, 16)),
    ("lower_trunk", "", (7, 16, 17, 22)),
    ("pelvis", "", (7, 22, 17, 25)),
    ("upper_arm", "a", (4, 8, 7, 16)), ("upper_arm", "b", (17, 8, 20, 16)),
    ("forearm", "a", (3, 16, 6, 23)), ("forearm", "b", (18, 16, 21, 23)),
    ("hand", "a", (2, 23, 6, 27)), ("hand", "b", (18, 23, 22, 27)),
    ("thigh", "a", (7, 25, 12, 34)), ("thigh", "b", (12, 25, 17, 34)),
    ("lower_leg", "a", (8, 34, 12, 44)), ("lower_leg", "b", (12, 34, 16, 44)),
    ("foot", "a", (7, 44, 12, 47)), ("foot", "b", (12, 44, 17, 47)),
)

# SNOMED CT body structure concepts (id, display), per view for the trunk and hands, per
# side for the limbs. Taken from published FHIR value sets and examples that use them
# (display names checked there), not from a licensed SNOMED browser: a terminology
# server should confirm them before clinical exchange. See docs/therapies.md.
_MID: dict[tuple[str, str], tuple[str, str, str]] = {
    ("front", "head"): ("69536005", "Head structure", "head (face)"),
    ("back", "head"): ("69536005", "Head structure", "head (back)"),
    ("front", "neck"): ("45048000", "Neck structure", "neck (front)"),
    ("back", "neck"): ("45048000", "Neck structure", "neck (back)"),
    ("front", "upper_trunk"): ("63698005", "Anterior chest wall structure", "chest"),
    ("back", "upper_trunk"): ("76052000", "Posterior chest wall structure", "upper back"),
    ("front", "lower_trunk"): ("113345001", "Abdominal structure", "belly"),
    ("back", "lower_trunk"): ("37822005", "Lower back structure", "lower back"),
    ("front", "pelvis"): ("12921003", "Pelvic structure", "hips and groin"),
    ("back", "pelvis"): ("46862004", "Buttock structure", "buttocks"),
}
_LIMB: dict[tuple[str, str], tuple[str, str]] = {
    ("upper_arm", "left"): ("368208006", "Left upper arm structure"),
    ("upper_arm", "right"): ("368209003", "Right upper arm structure"),
    ("forearm", "left"): ("66480008", "Structure of left forearm"),
    ("forearm", "right"): ("64262003", "Structure of right forearm"),
    ("thigh", "left"): ("61396006", "Structure of left thigh"),
    ("thigh", "right"): ("11207009", "Structure of right thigh"),
    ("lower_leg", "left"): ("48979004", "Structure of left lower leg"),
    ("lower_leg", "right"): ("32696007", "Structure of right lower leg"),
    ("foot", "left"): ("22335008", "Structure of left foot"),
    ("foot", "right"): ("7769000", "Structure of right foot"),
    # the front view shows the palms (anatomical position), the back view the backs
    ("hand_front", "left"): ("789216008", "Structure of palm of left hand"),
    ("hand_front", "right"): ("789217004", "Structure of palm of right hand"),
    ("hand_back", "left"): ("789218009", "Structure of dorsum of left hand"),
    ("hand_back", "right"): ("789219001", "Structure of dorsum of right hand"),
}
_LIMB_WORDS = {"upper_arm": "upper arm", "forearm": "forearm", "thigh": "thigh",
               "lower_leg": "lower leg", "foot": "foot", "hand_front": "palm",
               "hand_back": "back of hand"}


def _regions() -> tuple[Region, ...]:
    out: list[Region] = []
    for view in VIEWS:
        for part, limb, rect in _TEMPLATE:
            if not limb:
                code, display, words = _MID[(view, part)]
                out.append(Region(f"{view}.{part}", words, view, code, display, rect))
                continue
            # front: the viewer's left limb is the patient's right; back: the left
            side = ("right" if limb == "a" else "left") if view == "front" else \
                ("left" if limb == "a" else "right")
            name = f"{part}_{view}" if part == "hand" else part
            code, display = _LIMB[(name, side)]
            out.append(Region(f"{view}.{side}_{part}", f"{side} {_LIMB_WORDS[name]}", view,
                              code, display, rect))
    return tuple(out)


REGIONS: tuple[Region, ...] = _regions()
REGION_BY_KEY: dict[str, Region] = {r.key: r for r in REGIONS}


def _cells() -> tuple[tuple[tuple[str, int, int], ...], dict[tuple[str, int, int], int],
                      tuple[str, ...]]:
    owner: dict[tuple[str, int, int], str] = {}
    for reg in REGIONS:
        c0, r0, c1, r1 = reg.rect
        for r in range(r0, r1):
            for c in range(c0, c1):
                key = (reg.view, c, r)
                if key in owner:  # a template error, caught at import
                    raise AssertionError(f"cell {key} in {owner[key]} and {reg.key}")
                owner[key] = reg.key
    ordered = tuple(sorted(owner, key=lambda k: (VIEWS.index(k[0]), k[2], k[1])))
    return ordered, {k: i for i, k in enumerate(ordered)}, tuple(owner[k] for k in ordered)


CELLS, CELL_INDEX, CELL_REGION = _cells()
"""Every body cell (view, col, row), front first, row by row; a map stores indices."""
N_CELLS = len(CELLS)


def cell_at(view: str, col: int, row: int) -> int | None:
    """The index of the body cell at (col, row) of a view, None outside the body."""
    return CELL_INDEX.get((view, col, row))


def cells_near(view: str, u: float, v: float, radius: float = 1.0) -> frozenset[int]:
    """The body cells within `radius` cells of a point (u, v in 0..1 of the view's box,
    v down): a brush, so a hand need not hit one small cell exactly."""
    cx, cy = u * COLS, v * ROWS
    out = set()
    for r in range(int(cy - radius - 1), int(cy + radius + 2)):
        for c in range(int(cx - radius - 1), int(cx + radius + 2)):
            if (c + 0.5 - cx) ** 2 + (r + 0.5 - cy) ** 2 <= radius ** 2 + 1e-9:
                i = cell_at(view, c, r)
                if i is not None:
                    out.add(i)
    return frozenset(out)


def region_cells(key: str) -> frozenset[int]:
    return frozenset(i for i, k in enumerate(CELL_REGION) if k == key)


@dataclass(frozen=True, slots=True)
class SensationLayer:
    intensity: int  # 0-10, the patient's rating of this sensation
    cells: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class BodyMap:
    """One drawing: for each sensation its intensity and painted cells."""

    layer: str = "patient"  # "patient" or "therapist" (the examination layer)
    sensations: Mapping[str, SensationLayer] = field(default_factory=dict)

    def __post_init__(self) -> None:
        allowed = LAYERS.get(self.layer)
        if allowed is None:
            raise BodyMapError(f"unknown body-map layer {self.layer!r} "
                               f"(expected one of {', '.join(LAYERS)})")
        for name, s in self.sensations.items():
            if name not in allowed:
                raise BodyMapError(f"unknown sensation {name!r} for the {self.layer} layer "
                                   f"(expected one of {', '.join(allowed)})")
            if isinstance(s.intensity, bool) or not isinstance(s.intensity, int) \
                    or not 0 <= s.intensity <= 10:
                raise BodyMapError(f"{name} intensity {s.intensity!r} is not an integer 0-10")
            bad = [i for i in s.cells if not (isinstance(i, int) and 0 <= i < N_CELLS)]
            if bad:
                raise BodyMapError(f"{name} has cell {bad[0]!r} outside the body grid "
                                   f"(0-{N_CELLS - 1})")

    def painted(self) -> dict[str, SensationLayer]:
        """The sensations with at least one cell, in the fixed order."""
        order = LAYERS[self.layer]
        return {k: self.sensations[k] for k in order
                if k in self.sensations and self.sensations[k].cells}

    def with_cells(self, sensation: str, cells: Iterable[int], intensity: int, *,
                   erase: bool = False) -> BodyMap:
        """A new map with `cells` added to (or erased from) one sensation."""
        old = self.sensations.get(sensation, SensationLayer(intensity))
        new = old.cells - frozenset(cells) if erase else old.cells | frozenset(cells)
        return BodyMap(self.layer, {**self.sensations,
                                    sensation: SensationLayer(intensity, new)})


def _pack(cells: Iterable[int]) -> str:
    bits = bytearray((N_CELLS + 7) // 8)
    for i in cells:
        bits[i // 8] |= 1 << (i % 8)
    return base64.b64encode(bytes(bits)).decode("ascii")


def _unpack(text: str, name: str) -> frozenset[int]:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise BodyMapError(f"{name}: the cells are not valid base64") from None
    if len(raw) != (N_CELLS + 7) // 8:
        raise BodyMapError(f"{name}: {len(raw)} bytes of cells, expected {(N_CELLS + 7) // 8} "
                           f"for grid {GRID_ID}")
    out = frozenset(i for i in range(len(raw) * 8) if raw[i // 8] >> (i % 8) & 1)
    if out and max(out) >= N_CELLS:
        raise BodyMapError(f"{name}: a cell past the end of grid {GRID_ID}")
    return out


def to_compact(m: BodyMap) -> dict[str, Any]:
    """The stored form: the grid id, the layer, and per painted sensation
    [intensity, base64 bitset of body cells] (about 180 characters a sensation)."""
    return {"grid": GRID_ID, "layer": m.layer,
            "s": {k: [s.intensity, _pack(s.cells)] for k, s in m.painted().items()}}


def from_compact(obj: Any) -> BodyMap:
    """Read a stored map back; BodyMapError (one line) when it does not fit this grid."""
    if not isinstance(obj, Mapping):
        raise BodyMapError("a body map must be a JSON object")
    if obj.get("grid") != GRID_ID:
        raise BodyMapError(f"body map grid {obj.get('grid')!r} is not {GRID_ID!r}")
    sens = obj.get("s", {})
    if not isinstance(sens, Mapping):
        raise BodyMapError("body map 's' must be an object of sensations")
    layer = str(obj.get("layer", "patient"))
    if layer not in LAYERS:
        raise BodyMapError(f"unknown body-map layer {layer!r} (expected one of {', '.join(LAYERS)})")
    layers: dict[str, SensationLayer] = {}
    for name, val in sens.items():
        if name not in LAYERS[layer]:
            raise BodyMapError(f"unknown sensation {name!r} for the {layer} layer "
                               f"(expected one of {', '.join(LAYERS[layer])})")
        if not (isinstance(val, (list, tuple)) and len(val) == 2 and isinstance(val[1], str)):
            raise BodyMapError(f"{name}: expected [intensity, cells]")
        layers[str(name)] = SensationLayer(val[0], _unpack(val[1], str(name)))
    return BodyMap(layer, layers)


@dataclass(frozen=True, slots=True)
class Area:
    cells: int
    share: float  # of the whole body surface (front + back cells)
    cm2: float  # share x BODY_SURFACE_CM2: an estimate for an average adult
    regions: dict[str, int]  # region key -> painted cells


def area_of(cells: frozenset[int], body_surface_cm2: float = BODY_SURFACE_CM2) -> Area:
    """Painted area by the grid method: cells over all body cells (every cell the same
    share of the surface, a simplification the grid's proportions justify only coarsely)."""
    regions: dict[str, int] = {}
    for i in cells:
        k = CELL_REGION[i]
        regions[k] = regions.get(k, 0) + 1
    share = len(cells) / N_CELLS
    return Area(len(cells), share, share * body_surface_cm2, dict(sorted(regions.items())))


def areas(m: BodyMap, body_surface_cm2: float = BODY_SURFACE_CM2) -> dict[str, Area]:
    """Per painted sensation, plus "any" (the union: the whole painted surface)."""
    out = {k: area_of(s.cells, body_surface_cm2) for k, s in m.painted().items()}
    union: frozenset[int] = frozenset().union(*(s.cells for s in m.painted().values()))
    out["any"] = area_of(union, body_surface_cm2)
    return out
