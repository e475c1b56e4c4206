"""Drawing helpers and the dwell button every scene uses.

A `DwellButton` lives in BODY units (where it is relative to the patient),
so a seated patient's hand can reach it whatever the camera or window; it is
converted to a screen rectangle only to draw and hit-test. Holding either
hand over it fills it (a visible fill) until it fires; a mouse click
(`Intents.click` with the hand over it) fires at once. Enter (`confirm`)
never goes by position: the scene presses its FOCUSED button, drawn with a
thick ring (`focused`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from game.context import DrawContext
from game.theme import OKABE_ITO, RGB, readable_on
from game.transform import BodyToScreen
from vision.bodyframe import BodyFrame
from vision.intents import HandIntent, Intents

# Pose connections drawn in the skeleton overlay (upper body and arms).
SKELETON_EDGES: tuple[tuple[int, int], ...] = (
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24),
    (15, 19), (16, 20),
)
MIN_VISIBILITY = 0.5  # CLINICAL.md section 7: below this a landmark is not trusted
FOCUS_RING: RGB = OKABE_ITO["orange"]  # as the "easier today" default's ring


@dataclass
class DwellButton:
    label: str
    center: tuple[float, float]  # body units
    half: tuple[float, float]  # half width, half height, body units
    dwell_s: float = 1.0
    color: RGB = (0, 114, 178)
    value: object = None
    progress: float = 0.0  # 0..1 fill
    hovered: bool = False
    focused: bool = False  # the button Enter presses (a ring around it)

    def rect(self, transform: BodyToScreen) -> pygame.Rect:
        x0, y0 = transform.to_screen(self.center[0] - self.half[0], self.center[1] + self.half[1])
        x1, y1 = transform.to_screen(self.center[0] + self.half[0], self.center[1] - self.half[1])
        return pygame.Rect(round(x0), round(y0), max(1, round(x1 - x0)), max(1, round(y1 - y0)))

    def contains(self, hand: HandIntent | None) -> bool:
        if hand is None or hand.visibility < MIN_VISIBILITY:
            return False
        return (abs(hand.x - self.center[0]) <= self.half[0]
                and abs(hand.y - self.center[1]) <= self.half[1])

    def update(self, intents: Intents, dt: float) -> bool:
        """Advance the dwell; True on the step the button fires (then it resets)."""
        self.hovered = self.contains(intents.left) or self.contains(intents.right)
        if self.hovered and intents.click:
            self.progress = 0.0
            return True
        if self.hovered:
            self.progress += dt / max(self.dwell_s, 1e-6)
        else:
            self.progress = max(0.0, self.progress - 2.0 * dt / max(self.dwell_s, 1e-6))
        if self.progress >= 1.0:
            self.progress = 0.0
            return True
        return False

    def draw(self, surface: pygame.Surface, ctx: DrawContext, *, font_kind: str = "body") -> pygame.Rect:
        pal = ctx.theme.palette
        r = self.rect(ctx.transform)
        pygame.draw.rect(surface, self.color, r, border_radius=max(4, r.h // 8))
        if self.progress > 0:
            fill = r.copy()
            fill.h = max(1, round(r.h * min(1.0, self.progress)))
            fill.bottom = r.bottom
            pygame.draw.rect(surface, pal.dwell, fill, border_radius=max(4, r.h // 8))
        border = pal.dwell if self.hovered else pal.text
        pygame.draw.rect(surface, border, r, width=max(3, r.h // 18), border_radius=max(4, r.h // 8))
        if self.focused:  # keyboard focus: what Enter presses, outside the button
            pygame.draw.rect(surface, FOCUS_RING, r.inflate(16, 16), width=max(4, r.h // 14),
                             border_radius=max(6, r.h // 7))
        px = min(ctx.theme.title_px if font_kind == "title" else ctx.theme.body_px, max(12, int(r.h * 0.6)))
        # The label stays readable while the dwell fill rises through it: the part of the
        # text over the fill is drawn dark, the rest light.
        fill_top = r.bottom - round(r.h * min(1.0, self.progress)) if self.progress > 0 else r.bottom
        old_clip = surface.get_clip()
        for area, color in ((pygame.Rect(r.x, r.y, r.w, fill_top - r.y), readable_on(self.color)),
                            (pygame.Rect(r.x, fill_top, r.w, r.bottom - fill_top), pal.cue_text)):
            if area.h > 0:
                surface.set_clip(area.clip(old_clip) if old_clip else area)
                blit_fit(surface, self.label, r, px, color)
        surface.set_clip(old_clip)
        return r


def blit_fit(surface: pygame.Surface, text: str, rect: pygame.Rect, px: int, color: RGB,
             bold: bool = True) -> None:
    """Centre `text` in `rect`, shrinking the font until it fits."""
    from game.theme import font

    size = px
    while size > 10:
        img = font(size, bold).render(text, True, color)
        if img.get_width() <= rect.w * 0.92 and img.get_height() <= rect.h * 0.95:
            break
        size = int(size * 0.85)
    img = font(size, bold).render(text, True, color)
    surface.blit(img, img.get_rect(center=rect.center))


def wrap(text: str, f: pygame.font.Font, width: int) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        words, line = para.split(" "), ""
        for w in words:
            trial = f"{line} {w}".strip()
            if f.size(trial)[0] <= width or not line:
                line = trial
            else:
                lines.append(line)
                line = w
        lines.append(line)
    return lines


def draw_text_block(surface: pygame.Surface, text: str, f: pygame.font.Font, color: RGB,
                    top: int, *, margin: int, center: bool = True) -> int:
    """Word-wrapped text from `top`; returns the y below it."""
    width = surface.get_width() - 2 * margin
    y = top
    for line in wrap(text, f, width):
        img = f.render(line, True, color)
        x = (surface.get_width() - img.get_width()) // 2 if center else margin
        surface.blit(img, (x, y))
        y += int(f.get_linesize() * 1.05)
    return y


def draw_background(surface: pygame.Surface, ctx: DrawContext) -> None:
    """Plain background, the mirrored camera image when shown, and the skeleton overlay."""
    surface.fill(ctx.theme.palette.background)
    camera = ctx.camera_image
    if camera is not None and ctx.show_camera and ctx.placement is not None:
        x, y, w, h = ctx.placement.rect
        if camera.get_size() != (w, h):
            camera = pygame.transform.scale(camera, (w, h))
        surface.blit(camera, (x, y))  # already mirrored and dimmed by the app
    if ctx.frame is not None and ctx.placement is not None:
        draw_skeleton(surface, ctx.frame, ctx)


def draw_skeleton(surface: pygame.Surface, frame: BodyFrame, ctx: DrawContext) -> None:
    if frame.pose is None or ctx.placement is None:
        return
    place = ctx.placement
    w, h = place.size

    def pt(i: int) -> tuple[int, int]:
        x = (1.0 - float(frame.pose[i, 0])) * w  # selfie mirror
        y = float(frame.pose[i, 1]) * h
        return (round(place.offset[0] + x * place.scale), round(place.offset[1] + y * place.scale))

    lw = max(2, surface.get_height() // 180)
    for a, b in SKELETON_EDGES:
        if frame.pose[a, 3] >= MIN_VISIBILITY and frame.pose[b, 3] >= MIN_VISIBILITY:
            pygame.draw.line(surface, ctx.theme.palette.skeleton, pt(a), pt(b), lw)
    for i in (11, 12, 13, 14, 15, 16):
        if frame.pose[i, 3] >= MIN_VISIBILITY:
            pygame.draw.circle(surface, ctx.theme.palette.skeleton, pt(i), lw * 2)
    if frame.pose[0, 3] >= MIN_VISIBILITY and frame.pose[11, 3] >= MIN_VISIBILITY \
            and frame.pose[12, 3] >= MIN_VISIBILITY:
        a, b = pt(11), pt(12)
        r = max(4, round(0.3 * ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5))
        pygame.draw.circle(surface, ctx.theme.palette.skeleton, pt(0), r, lw)


def draw_hands(surface: pygame.Surface, ctx: DrawContext) -> None:
    """The player's hands as bright rings (what the game thinks the hands are)."""
    if ctx.intents is None:
        return
    pal = ctx.theme.palette
    r = max(8, round(ctx.transform.length(0.12)))
    for hand, color in ((ctx.intents.left, pal.hand_left), (ctx.intents.right, pal.hand_right)):
        if hand is None or hand.visibility < MIN_VISIBILITY:
            continue
        c = ctx.transform.to_screen_int(hand.x, hand.y)
        # A thick ring, not a disc: labels under the hand stay readable.
        pygame.draw.circle(surface, pal.text, c, r + 2, width=max(3, r // 3) + 4)
        pygame.draw.circle(surface, color, c, r, width=max(3, r // 3))


CUE_TEXT: dict[str, str] = {
    "move_into_frame": "Move into the picture so the camera can see you",
    "step_back": "Please move back a little from the camera",
    "too_dark": "It is too dark: turn on a light",
    "arm_not_visible": "The camera cannot see your arm",
    "hand_not_visible": "The camera cannot see your hand",
    "poor_tracking": "The camera is losing track of you: face it, and check the light",
}


def draw_cue_banner(surface: pygame.Surface, ctx: DrawContext, cue: str) -> pygame.Rect:
    """A bright banner across the top: what to do so tracking (and the game) resumes."""
    pal = ctx.theme.palette
    w, h = surface.get_size()
    f = ctx.theme.font("body", bold=True)
    text = CUE_TEXT.get(cue, cue.replace("_", " "))
    lines = wrap(text if cue not in CUE_TEXT else text + " - paused", f, int(w * 0.9))
    bh = int(f.get_linesize() * (len(lines) + 0.6))
    rect = pygame.Rect(0, int(h * 0.45), w, bh)  # mid-screen: never over the STOP button
    pygame.draw.rect(surface, pal.cue, rect)
    y = rect.y + int(f.get_linesize() * 0.3)
    for line in lines:
        img = f.render(line, True, pal.cue_text)
        surface.blit(img, ((w - img.get_width()) // 2, y))
        y += f.get_linesize()
    return rect


def draw_silhouette(surface: pygame.Surface, ctx: DrawContext) -> None:
    """A faint outline of the seated patient (no camera image): where "you" are."""
    col = ctx.theme.palette.panel
    tr = ctx.transform
    lw = max(3, round(tr.length(0.06)))
    head = tr.to_screen_int(0.0, 0.75)
    pygame.draw.circle(surface, col, head, max(4, round(tr.length(0.3))), lw)
    ls, rs = tr.to_screen_int(-0.5, 0.0), tr.to_screen_int(0.5, 0.0)
    lh, rh = tr.to_screen_int(-0.35, -1.5), tr.to_screen_int(0.35, -1.5)
    pygame.draw.lines(surface, col, True, [ls, rs, rh, lh], lw)
    pygame.draw.line(surface, col, tr.to_screen_int(0.0, 0.45), tr.to_screen_int(0.0, 0.0), lw)


def anchor_button(button: DwellButton, transform: BodyToScreen, size: tuple[int, int], *,
                  screen_side: str, top: float, width_frac: float = 0.14, height_frac: float = 0.12) -> None:
    """Pin a button to a place on SCREEN (a corner on `screen_side`, `top` px down).

    The safety buttons must always be visible whatever the camera framing;
    their body-unit position is recomputed from the screen rectangle through
    the current transform, so a hand reaching where the button is drawn hits it.
    """
    w_px, h_px = size
    bw = max(120.0, w_px * width_frac)
    bh = max(64.0, h_px * height_frac)
    margin = max(8.0, w_px * 0.02)
    x0 = margin if screen_side == "left" else w_px - margin - bw
    bx0, by0 = transform.to_body(x0, top)
    bx1, by1 = transform.to_body(x0 + bw, top + bh)
    button.center = ((bx0 + bx1) / 2.0, (by0 + by1) / 2.0)
    button.half = (abs(bx1 - bx0) / 2.0, abs(by0 - by1) / 2.0)
