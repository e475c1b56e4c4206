"""Painting a sensory body map (pure): the tools, dwell-painting, when a map is due, and
the virtual patient who paints one for `neuroplay demo --bodymap`.

Why dwell-painting: a patient painting with a hand in front of a webcam has no button
to hold down, so a cell is painted when a hand RESTS over it for `paint_dwell_s`
(a passing hand paints nothing); a mouse click paints at once. The brush covers the
cells within about one cell of the hand, so a hand need not hit one small cell. The
grid, its regions and the stored form are telemetry.bodymap's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telemetry.bodymap import (
    LAYERS,
    BodyMap,
    SensationLayer,
    cells_near,
)

ERASE = "erase"
PAINT_DWELL_S = 0.35  # a hand resting this long over a cell paints it (times 1/pace)
BRUSH_CELLS = 1.2  # brush radius, in cells
DEFAULT_INTENSITY = 5
BODYMAP_EVERY_DAYS = 7  # CLINICAL.md 5c: first session, then weekly (or on demand)


def bodymap_due(last: datetime | None, now: datetime,
                every_days: int = BODYMAP_EVERY_DAYS) -> tuple[bool, str]:
    """Is a new map due (first time, then every `every_days` days)? With the reason."""
    if last is None:
        return True, "no body map yet: the first one is the starting point"
    days = (now - last) / timedelta(days=1)
    if days >= every_days:
        return True, f"the last body map is {days:.0f} days old (due every {every_days})"
    return False, f"the last body map is {days:.0f} days old (next in {every_days - days:.0f})"


@dataclass
class Painter:
    """The map being painted and the chosen tool; the scene calls `hover` every step
    with where each hand is (view, u, v in 0..1 of the figure's box) or None."""

    body: BodyMap = field(default_factory=BodyMap)
    tool: str = "burning"  # a sensation of the layer, or ERASE
    intensity: dict[str, int] = field(default_factory=dict)
    paint_dwell_s: float = PAINT_DWELL_S
    strokes: int = 0  # brush applications (painted or erased), for the record
    _rest: dict[str, tuple[tuple[str, int, int], float]] = field(default_factory=dict)

    @classmethod
    def starting_from(cls, last: BodyMap | None, layer: str = "patient",
                      paint_dwell_s: float = PAINT_DWELL_S) -> Painter:
        """A new map may start as a copy of the last one (CLINICAL.md 5c)."""
        body = last if last is not None and last.layer == layer else BodyMap(layer)
        return cls(body, LAYERS[layer][0],
                   {k: s.intensity for k, s in body.sensations.items()},
                   paint_dwell_s)

    @property
    def sensations(self) -> tuple[str, ...]:
        return LAYERS[self.body.layer]

    def choose(self, tool: str) -> None:
        if tool != ERASE and tool not in self.sensations:
            raise ValueError(f"unknown tool {tool!r}")
        self.tool = tool

    def current_intensity(self) -> int:
        return self.intensity.get(self.tool, DEFAULT_INTENSITY)

    def change_intensity(self, delta: int) -> int:
        """-1 / +1 for the chosen sensation, within 0-10 (the eraser has none)."""
        if self.tool == ERASE:
            return 0
        v = max(0, min(10, self.current_intensity() + delta))
        self.intensity[self.tool] = v
        old = self.body.sensations.get(self.tool)
        if old is not None:
            self.body = BodyMap(self.body.layer, {**self.body.sensations,
                                                  self.tool: SensationLayer(v, old.cells)})
        return v

    def brush(self, view: str, u: float, v: float) -> int:
        """Apply the tool at once (a click); returns the cells changed."""
        cells = cells_near(view, u, v, BRUSH_CELLS)
        if not cells:
            return 0
        before = self.body
        if self.tool == ERASE:
            body = self.body
            for name in list(body.sensations):
                body = body.with_cells(name, cells, body.sensations[name].intensity, erase=True)
            self.body = body
        else:
            self.body = self.body.with_cells(self.tool, cells, self.current_intensity())
        self.strokes += 1
        changed = sum(len(before.sensations.get(k, SensationLayer(0)).cells
                          ^ self.body.sensations.get(k, SensationLayer(0)).cells)
                      for k in set(before.sensations) | set(self.body.sensations))
        return changed

    def hover(self, hand: str, where: tuple[str, float, float] | None, dt: float) -> int:
        """Dwell-painting: a hand resting on one cell for `paint_dwell_s` paints there,
        then keeps painting each new cell it rests on. Returns the cells changed."""
        if where is None:
            self._rest.pop(hand, None)
            return 0
        view, u, v = where
        from telemetry.bodymap import COLS, ROWS

        cell = (view, int(u * COLS), int(v * ROWS))
        prev = self._rest.get(hand)
        held = prev[1] + dt if prev is not None and prev[0] == cell else dt
        if held + 1e-9 >= self.paint_dwell_s:
            self._rest[hand] = (cell, -1e9)  # painted: not again until the hand moves on
            return self.brush(view, u, v)
        self._rest[hand] = (cell, held)
        return 0

    def dwell_progress(self, hand: str) -> float:
        """0..1 of the dwell under a hand (drawn as a filling ring)."""
        prev = self._rest.get(hand)
        if prev is None or prev[1] < 0:
            return 0.0
        return min(1.0, prev[1] / max(self.paint_dwell_s, 1e-6))


@dataclass(frozen=True, slots=True)
class Stroke:
    """What the virtual patient paints: a tool, its intensity, points (view, u, v)."""

    tool: str
    intensity: int
    points: tuple[tuple[str, float, float], ...]


def virtual_strokes(affected: str, seed: int = 0, visit: int = 0) -> list[Stroke]:
    """A typical neuropathic upper-limb drawing (CRPS-like): burning over the affected
    hand and wrist, front and back; tingling in the fingers; touch pain on the back of the
    forearm. Later visits shrink (visit 1: no burning on the back of the hand; visit 2+:
    no touch pain either), so repeated demos show a change over time. Deterministic:
    `seed` shifts the points by at most a quarter cell."""
    import random

    rng = random.Random(seed)
    # viewer-u of the affected limb: front view shows the patient's right on the left
    fu = 0.17 if affected == "right" else 0.83
    bu = 1.0 - fu

    def jit(view: str, u: float, v: float) -> tuple[str, float, float]:
        return (view, u + rng.uniform(-0.01, 0.01), v + rng.uniform(-0.005, 0.005))

    hand_front = [jit("front", fu + du, v) for v in (0.49, 0.51, 0.53, 0.55)
                  for du in (-0.03, 0.03)]
    hand_back = [jit("back", bu + du, v) for v in (0.49, 0.51, 0.53, 0.55) for du in (-0.03, 0.03)]
    wrist = [jit("front", fu, 0.46)]
    fingers = [jit("front", fu + du, 0.555) for du in (-0.04, 0.0, 0.04)]
    forearm_back = [jit("back", bu, v) for v in (0.36, 0.39, 0.42)]
    burning = hand_front + wrist + (hand_back if visit < 1 else [])
    out = [Stroke("burning", max(3, 7 - visit), tuple(burning)),
           Stroke("tingling", 4, tuple(fingers))]
    if visit < 2:
        out.append(Stroke("allodynia", 6, tuple(forearm_back)))
    return out


def painted_summary(body: BodyMap) -> dict[str, Mapping[str, object]]:
    """Per sensation: intensity, cells, % of the body surface, cm^2 estimate, regions."""
    from telemetry.bodymap import REGION_BY_KEY, areas

    out: dict[str, Mapping[str, object]] = {}
    for name, a in areas(body).items():
        s = body.sensations.get(name)
        out[name] = {"intensity": s.intensity if s is not None else None, "cells": a.cells,
                     "percent_body": round(100.0 * a.share, 2), "cm2_estimate": round(a.cm2),
                     "regions": {REGION_BY_KEY[k].label + f" ({REGION_BY_KEY[k].view})": n
                                 for k, n in a.regions.items()}}
    return out
