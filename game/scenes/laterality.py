"""GMI stage 1 scene: "Is this a left or a right hand?".

Three ways to answer, each recorded with its mode (norms are per mode):
raise the matching hand (camera: the hand above `RAISE_Y`, the other below),
keys (1 = left, 2 = right, or the focused button + Enter), or a click / a
hand held on the "Left" / "Right" button. The rules and the clock are in
exercises.gmi.laterality_run; this scene maps input to an answer and draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pygame

from exercises.events import Event
from exercises.gmi.hand_model import FINGERS, outline, picture
from exercises.gmi.laterality import Side
from exercises.gmi.laterality_run import LateralityRun
from game.context import DrawContext
from game.scenes.common import MenuScene
from game.widgets import DwellButton, draw_hands, draw_text_block, rail_text_margin
from vision.intents import HandIntent, Intents

RAISE_Y = 0.6  # body units above the shoulder midpoint: a hand clearly raised (about head height)
DOWN_Y = 0.25  # both hands below this (or not seen): ready for the next picture
SKIN = (226, 196, 170)  # a light neutral fill; shading comes from depth
EDGE = (70, 52, 40)


def raised(hand: HandIntent | None) -> bool:
    return hand is not None and hand.visibility >= 0.5 and hand.y >= RAISE_Y


def camera_answer(intents: Intents) -> Side | None:
    """One hand raised, the other not: that side (anatomical, as IntentsBuilder labels it)."""
    left, right = raised(intents.left), raised(intents.right)
    if left != right:
        return "left" if left else "right"
    return None


def hands_down(intents: Intents) -> bool:
    return all(h is None or h.visibility < 0.5 or h.y < DOWN_Y
               for h in (intents.left, intents.right))


def _shade(depth: float, lo: float, hi: float) -> tuple[int, int, int]:
    """Nearer parts lighter: 0.72..1.0 of the fill."""
    f = 0.72 + 0.28 * ((depth - lo) / (hi - lo) if hi > lo else 1.0)
    return tuple(min(255, round(c * f)) for c in SKIN)  # type: ignore[return-value]


def draw_hand(surface: pygame.Surface, canon, side: Side, view: str, angle_deg: float,
              center: tuple[float, float], unit_px: float) -> None:
    """Fill the silhouette of `canon` shown as `side`/`view` at `angle_deg` (picture units
    scaled by `unit_px`), with an edge, depth shading and a view cue (nails on the back
    of the hand, palm creases on the palm side)."""
    pic = picture(canon, side, view, angle_deg)  # type: ignore[arg-type]
    cx, cy = center

    def px(p) -> tuple[float, float]:
        return (cx + p[0] * unit_px, cy - p[1] * unit_px)

    shapes = outline(pic)
    lo, hi = float(pic.depth.min()), float(pic.depth.max())
    edge_w = max(2, round(unit_px * 0.03))
    for s in shapes:  # edges first, then fills, back to front
        pts = [px(p) for p in s.points]
        if s.kind == "polygon":
            pygame.draw.polygon(surface, EDGE, pts, width=edge_w * 2)
        else:
            w = max(3, round(s.width * unit_px)) + edge_w * 2
            pygame.draw.lines(surface, EDGE, False, pts, w)
            for p in pts:
                pygame.draw.circle(surface, EDGE, p, w / 2)
    for s in shapes:
        col = _shade(s.depth, lo, hi)
        pts = [px(p) for p in s.points]
        if s.kind == "polygon":
            pygame.draw.polygon(surface, col, pts)
        else:
            w = max(3, round(s.width * unit_px))
            pygame.draw.lines(surface, col, False, pts, w)
            for p in pts:
                pygame.draw.circle(surface, col, p, w / 2)
    span = float(math.dist(pic.points[5], pic.points[17]))
    if view == "dorsal":  # nails: a lighter oval on the last segment of each finger
        for finger in FINGERS:
            a, b = pic.points[finger[-2]], pic.points[finger[-1]]
            if pic.depth[finger[-1]] < pic.depth[0] - 0.25:
                continue  # a fingertip curled behind the hand shows no nail
            mid = px(a + (b - a) * 0.62)
            r = max(2.0, 0.07 * span * unit_px)
            pygame.draw.circle(surface, (246, 232, 222), mid, r)
            pygame.draw.circle(surface, EDGE, mid, r, 1)
    else:  # palm creases
        p = pic.points
        for i, j in ((5, 13), (9, 17)):
            a, b = px(p[0] + (p[i] - p[0]) * 0.75), px(p[0] + (p[j] - p[0]) * 0.8)
            pygame.draw.line(surface, EDGE, a, b, max(1, edge_w // 2 + 1))


class LateralityScene(MenuScene):
    name = "laterality"
    title = "Left or right hand?"
    text = "Raise the matching hand, press 1 (left) or 2 (right), or choose a button."

    def __init__(self, run: LateralityRun, poses, *, pace: float = 1.0,
                 affected: str = "right", camera_answers: bool = True) -> None:
        super().__init__(pace)
        self.run = run
        self.poses = poses
        # With no camera (the mouse plays the hand) a pointer in the upper half is not a
        # raised hand, and there are no hands to lower between pictures.
        self.camera_answers = camera_answers
        if not camera_answers:
            self.text = "Press 1 (left) or 2 (right), or choose a button."
        self.buttons = [
            DwellButton("Left", center=(-1.35, -1.05), half=(0.6, 0.32), dwell_s=0.6,
                        value="left"),
            DwellButton("Right", center=(1.35, -1.05), half=(0.6, 0.32), dwell_s=0.6,
                        value="right"),
        ]
        self.last_correct: bool | None = None
        self.waiting_for_hands = False  # the next picture waits for both hands to come down
        # Where the run's events go as they happen (the session flow's recorder); None: the
        # caller drains `run` itself (the demo's virtual patient).
        self.sink: Callable[[list[Event]], None] | None = None

    def answer_of(self, intents: Intents, dt: float) -> tuple[Side | None, str]:
        cam = camera_answer(intents)
        if intents.number in (1, 2):
            return ("left" if intents.number == 1 else "right"), "keys"
        if self.run.phase != "show":
            for b in self.buttons:
                b.update(intents, 0.0)  # keep hover state, never fire between pictures
            return None, "none"
        clicked = intents.click
        b = self.pressed(intents, dt)
        if b is not None:
            return b.value, ("click" if clicked else "keys" if intents.confirm else "dwell")  # type: ignore[return-value]
        if cam is not None and self.camera_answers:
            return cam, "camera"
        return None, "none"

    def update(self, intents: Intents, dt: float) -> None:
        if self.stop_requested(intents, dt):
            self.dismiss(self.run.summary())
            return
        answer, mode = self.answer_of(intents, dt)
        before = len(self.run.answers)
        down = hands_down(intents) or not self.camera_answers
        self.waiting_for_hands = self.run.phase == "ready" and not down
        self.run.step(dt, answer if self.run.phase == "show" else None, mode, hands_down=down)
        if len(self.run.answers) > before:
            self.last_correct = self.run.answers[-1].correct
        if self.sink is not None:
            self.sink(self.run.drain())
        if self.run.done:
            self.dismiss(self.run.summary())

    def draw(self, surface: pygame.Surface, ctx: DrawContext) -> None:
        th = ctx.theme
        surface.fill(th.palette.background)
        self.draw_text(surface, ctx)
        w, h = surface.get_size()
        trial = self.run.current
        if trial is not None and self.run.phase in ("show", "feedback"):
            draw_hand(surface, self.poses[trial.posture % len(self.poses)], trial.side,
                      trial.view, trial.angle_deg, (w / 2, h * 0.48), h * 0.2)
        elif self.run.phase == "ready":
            f = th.font("title", bold=True)
            img = f.render("+", True, th.palette.text_dim)
            surface.blit(img, img.get_rect(center=(w / 2, h * 0.5)))
            if self.waiting_for_hands and self.run.t - self.run.phase_started_t >= self.run.ready_s:
                draw_text_block(surface, "Lower both hands to see the next picture.",
                                th.font("body", bold=True), th.palette.text, round(h * 0.62),
                                margin=rail_text_margin(w))
        if self.run.phase == "feedback" and self.last_correct is not None:
            msg, col = (("Correct", th.palette.hit) if self.last_correct
                        else ("Not this time", th.palette.target))
            draw_text_block(surface, msg, th.font("body", bold=True), col, round(h * 0.74),
                            margin=rail_text_margin(w))
        n = len(self.run.trials)
        prog = th.font("small").render(f"{min(self.run.index + 1, n)} / {n}", True,
                                       th.palette.text_dim)
        surface.blit(prog, prog.get_rect(topright=(w - 16, 16)))
        for b in self.buttons:
            b.draw(surface, ctx)
        self.draw_stop(surface, ctx)
        draw_hands(surface, ctx, self.controls)
