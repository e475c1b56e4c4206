"""The sensory body map check-in: "Where do you feel it?" on a front and a back figure.

Choose a feeling (burning, tingling, electric shocks, numbness, touch hurts) or the
eraser on the right, set how strong it is (- / +), then paint: rest a hand over the
body (exercises.bodymap.Painter's dwell-painting), click with the mouse, or touch.
"Done" hands back the painted map (telemetry.bodymap.BodyMap); STOP (the safety rail)
hands back None and nothing is stored. The figures live in BODY units on the menu
transform like every button, so a hand reaches them at any camera distance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pygame

from exercises.bodymap import ERASE, Painter
from game.context import DrawContext
from game.scenes.common import MenuScene
from game.theme import OKABE_ITO, RGB
from game.widgets import DwellButton, draw_hands, draw_text_block, rail_text_margin
from telemetry.bodymap import (
    CELL_REGION,
    CELLS,
    COLS,
    REGION_BY_KEY,
    ROWS,
    SENSATION_RGB,
    SENSATION_WORDS,
)
from vision.intents import HandIntent, Intents

SENSATION_COLORS: dict[str, RGB] = dict(SENSATION_RGB)  # Okabe-Ito, as in the report
BODY_FILL: RGB = (70, 78, 94)
BODY_EDGE: RGB = (150, 158, 172)


@dataclass(frozen=True, slots=True)
class Figure:
    """Where one view's grid sits, in body units (x0 left, y_top up, cell size)."""

    view: str
    x0: float
    y_top: float
    cell: float

    def locate(self, x: float, y: float) -> tuple[str, float, float] | None:
        """Body units -> (view, u, v) inside this figure's box, or None."""
        u = (x - self.x0) / (self.cell * COLS)
        v = (self.y_top - y) / (self.cell * ROWS)
        return (self.view, u, v) if 0.0 <= u < 1.0 and 0.0 <= v < 1.0 else None

    def point(self, u: float, v: float) -> tuple[float, float]:
        """(u, v) -> body units (the virtual patient's hand)."""
        return self.x0 + u * self.cell * COLS, self.y_top - v * self.cell * ROWS


CELL_BU = 0.052
FIGURES = (Figure("front", -1.68, 1.22, CELL_BU), Figure("back", -0.2, 1.22, CELL_BU))
TOOL_X, TOOL_HALF = 1.78, (0.42, 0.14)


class BodyMapScene(MenuScene):
    name = "bodymap"

    def __init__(self, painter: Painter, pace: float = 1.0, affected: str = "right") -> None:
        super().__init__(pace)
        self.painter = painter
        painter.paint_dwell_s = painter.paint_dwell_s / max(0.25, pace)
        self.affected = affected
        self.title = "Where do you feel it?"
        self.text = "Choose a feeling, then rest your hand on the body where you feel it."
        tools = [*painter.sensations, ERASE]
        y = 1.3
        self.tool_buttons: list[DwellButton] = []
        for t in tools:
            self.tool_buttons.append(DwellButton(
                SENSATION_WORDS.get(t, "Eraser"), center=(TOOL_X, y), half=TOOL_HALF,
                dwell_s=self.dwell_s, color=SENSATION_COLORS.get(t, (90, 96, 110)), value=t))
            y -= 0.33
        y -= 0.17
        self.minus = DwellButton("-", center=(TOOL_X - 0.3, y), half=(0.13, 0.14),
                                 dwell_s=self.dwell_s, value="-")
        self.plus = DwellButton("+", center=(TOOL_X + 0.3, y), half=(0.13, 0.14),
                                dwell_s=self.dwell_s, value="+")
        self.intensity_y = y
        self.done = DwellButton("Done", center=(TOOL_X, y - 0.42), half=(0.42, 0.16),
                                dwell_s=self.dwell_s, color=OKABE_ITO["blue"], value="done")
        self.buttons = [*self.tool_buttons, self.minus, self.plus, self.done]
        # Enter presses "Done" until a tool is chosen: keys cannot paint, so a keyboard
        # user is never stuck on this screen
        self.focus = len(self.buttons) - 1
        self.cells_changed = 0

    def update(self, intents: Intents, dt: float) -> None:
        if self.stop_requested(intents, dt):
            self.dismiss(None)
            return
        b = self.pressed(intents, dt)
        if b is not None:
            if b.value == "done":
                self.dismiss(self.painter.body)
                return
            if b.value in ("-", "+"):
                self.painter.change_intensity(-1 if b.value == "-" else 1)
            elif isinstance(b.value, str):
                self.painter.choose(b.value)
                self.focus = self.buttons.index(b)  # Enter presses the chosen tool again
            return
        if intents.number is not None:  # a typed 0-10 sets the intensity
            self.painter.change_intensity(intents.number - self.painter.current_intensity())
        for side, hand in (("left", intents.left), ("right", intents.right)):
            where = self.locate(hand)
            if where is not None and intents.click:
                self.cells_changed += self.painter.brush(*where)
                continue
            self.cells_changed += self.painter.hover(side, where, dt)

    @staticmethod
    def locate(hand: HandIntent | None) -> tuple[str, float, float] | None:
        if hand is None or hand.visibility < 0.5:
            return None
        for f in FIGURES:
            where = f.locate(hand.x, hand.y)
            if where is not None:
                return where
        return None

    # ------------------------------------------------------------------ drawing
    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        th, pal = ctx.theme, ctx.theme.palette
        surface.fill(pal.background)
        margin = rail_text_margin(surface.get_width())
        y = max(12, surface.get_height() // 30)
        y = draw_text_block(surface, self.title, th.font("title", bold=True), pal.text, y,
                            margin=margin)
        draw_text_block(surface, self.text, th.font("small"), pal.text_dim, y + 4, margin=margin)
        self.draw_figures(surface, ctx)
        for b in self.tool_buttons:
            b.draw(surface, ctx)
            if b.value == self.painter.tool:  # the chosen tool: a thick white frame
                pygame.draw.rect(surface, pal.text, b.rect(ctx.transform).inflate(10, 10), 4,
                                 border_radius=8)
        self.minus.draw(surface, ctx, font_kind="title")
        self.plus.draw(surface, ctx, font_kind="title")
        self.done.draw(surface, ctx)
        f = th.font("small", bold=True)
        words = "-" if self.painter.tool == ERASE else f"{self.painter.current_intensity()}/10"
        cx, cy = ctx.transform.to_screen(TOOL_X, self.intensity_y)
        img = f.render(words, True, pal.text)
        surface.blit(img, img.get_rect(center=(round(cx), round(cy))))
        lx, ly = ctx.transform.to_screen(TOOL_X, self.intensity_y + 0.23)
        cap = th.font("small").render("How strong?", True, pal.text_dim)
        surface.blit(cap, cap.get_rect(center=(round(lx), round(ly))))
        self.draw_stop(surface, ctx)
        draw_hands(surface, ctx, self.controls)

    def draw_figures(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        tr, th = ctx.transform, ctx.theme
        painted: dict[int, list[str]] = {}
        for name in self.painter.sensations:
            s = self.painter.body.sensations.get(name)
            for i in (s.cells if s is not None else ()):
                painted.setdefault(i, []).append(name)
        figs = {f.view: f for f in FIGURES}
        for i, (view, c, r) in enumerate(CELLS):
            f = figs[view]
            x0, y0 = tr.to_screen(f.x0 + c * f.cell, f.y_top - r * f.cell)
            x1, y1 = tr.to_screen(f.x0 + (c + 1) * f.cell, f.y_top - (r + 1) * f.cell)
            rect = pygame.Rect(round(x0), round(y0), max(1, round(x1) - round(x0)),
                               max(1, round(y1) - round(y0)))
            names = painted.get(i)
            if not names:
                pygame.draw.rect(surface, BODY_FILL, rect)
                continue
            w = rect.w / len(names)  # several feelings in one cell: side-by-side strips
            for k, name in enumerate(names):
                strip = pygame.Rect(round(rect.x + k * w), rect.y, max(1, round(w)), rect.h)
                pygame.draw.rect(surface, SENSATION_COLORS[name], strip)
        # region outlines, so the patient sees hand, forearm, ...
        for key in REGION_BY_KEY.values():
            f = figs[key.view]
            c0, r0, c1, r1 = key.rect
            x0, y0 = tr.to_screen(f.x0 + c0 * f.cell, f.y_top - r0 * f.cell)
            x1, y1 = tr.to_screen(f.x0 + c1 * f.cell, f.y_top - r1 * f.cell)
            pygame.draw.rect(surface, BODY_EDGE, pygame.Rect(round(x0), round(y0),
                             round(x1 - x0), round(y1 - y0)), 1)
        small = th.font("small", bold=True)
        for f in FIGURES:
            # which side is the patient's right: front view = facing you, so on your left
            left_word, right_word = ("your right", "your left") if f.view == "front" \
                else ("your left", "your right")
            x_mid, y_lab = tr.to_screen(f.x0 + f.cell * COLS / 2, f.y_top)
            lab = small.render("Front (facing you)" if f.view == "front" else "Back",
                               True, th.palette.text)
            surface.blit(lab, lab.get_rect(midbottom=(round(x_mid), round(y_lab) - 2)))
            tiny = th.font("small")
            for u, words, anchor in ((0.0, left_word, "topleft"),
                                     (1.0, right_word, "topright")):
                x, y = tr.to_screen(f.x0 + u * f.cell * COLS, f.y_top - f.cell * ROWS)
                img = tiny.render(words, True, th.palette.text_dim)
                surface.blit(img, img.get_rect(**{anchor: (round(x), round(y))}))
        # the dwell under each hand: a ring that fills
        if ctx.intents is not None:
            for side, hand in (("left", ctx.intents.left), ("right", ctx.intents.right)):
                p = self.painter.dwell_progress(side)
                if hand is not None and p > 0:
                    x, y = tr.to_screen(hand.x, hand.y)
                    rad = max(8, round(abs(tr.to_screen(CELL_BU * 2, 0)[0]
                                           - tr.to_screen(0, 0)[0])))
                    pygame.draw.arc(surface, th.palette.dwell,
                                    pygame.Rect(round(x) - rad, round(y) - rad, 2 * rad, 2 * rad),
                                    0, 6.2832 * p, 4)


def region_words(cells: frozenset[int]) -> list[str]:
    """The regions a set of cells touches, in the patient's words."""
    keys = sorted({CELL_REGION[i] for i in cells})
    return [f"{REGION_BY_KEY[k].label} ({REGION_BY_KEY[k].view})" for k in keys]


def body_map_target(scene: BodyMapScene, side: str) -> tuple[float, float]:
    """Where the scripted demo patient holds a hand: on the affected palm (front view)
    until something is painted, then on "Done"."""
    if not scene.painter.body.painted():
        u = 0.83 if side == "left" else 0.17  # front view: the patient's right on our left
        return FIGURES[0].point(u, 0.52)
    return scene.done.center


class BodyMapDoneScene(MenuScene):
    """"Saved" after a map painted on demand (the title's "Body map"): what was kept, in
    the patient's words. Result: True."""

    name = "bodymap_done"
    title = "Your body map is saved"

    def __init__(self, lines: list[str], pace: float = 1.0) -> None:
        super().__init__(pace)
        self.text = "\n".join(lines)
        self.buttons = [DwellButton("Done", center=(0.0, -1.0), half=(0.9, 0.32),
                                    dwell_s=self.dwell_s, value=True)]

    def update(self, intents: Intents, dt: float) -> None:
        if self.stop_requested(intents, dt) or self.pressed(intents, dt) is not None:
            self.dismiss(True)


def saved_lines(body: Any) -> list[str]:
    """Per painted feeling: its intensity and the share of the body, biggest first."""
    from telemetry.bodymap import areas

    painted = {k: a for k, a in areas(body).items() if k != "any"}
    if not painted:
        return ["Nothing painted: kept as \"no feelings to mark today\"."]
    lines = []
    for name, a in sorted(painted.items(), key=lambda kv: -kv[1].cells):
        s = body.sensations.get(name)
        level = f", {s.intensity} of 10" if s is not None and s.intensity is not None else ""
        lines.append(f"{SENSATION_WORDS.get(name, name)}: {100.0 * a.share:.1f} % of the body{level}")
    lines.append("Your therapist sees it with your other maps.")
    return lines
