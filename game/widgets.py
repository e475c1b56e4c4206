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

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

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
    pinned: pygame.Rect | None = None  # a fixed SCREEN rectangle (the safety rail's buttons)

    def rect(self, transform: BodyToScreen) -> pygame.Rect:
        if self.pinned is not None:
            return self.pinned.copy()
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


def wrap(text: str, f: pygame.font.Font, width: int | Callable[[int], int]) -> list[str]:
    """Word-wrap `text`; `width` may depend on the line's index (narrower beside the rail)."""
    at = width if callable(width) else (lambda i: width)
    lines: list[str] = []
    for para in text.split("\n"):
        words, line = para.split(" "), ""
        for w in words:
            trial = f"{line} {w}".strip()
            if f.size(trial)[0] <= at(len(lines)) or not line:
                line = trial
            else:
                lines.append(line)
                line = w
        lines.append(line)
    return lines


def draw_text_block(surface: pygame.Surface, text: str, f: pygame.font.Font, color: RGB,
                    top: int, *, margin: int, center: bool = True) -> int:
    """Word-wrapped text from `top`; returns the y below it. Lines beside the safety rail
    (rail_clearance) are kept clear of its column on both sides, so text stays centred."""
    w = surface.get_width()
    band_top, band_bottom, clear = rail_clearance(surface.get_size())
    step = int(f.get_linesize() * 1.05)

    def margin_at(i: int) -> int:
        y0 = top + i * step
        beside = y0 < band_bottom and y0 + f.get_linesize() > band_top
        return max(margin, clear) if beside else margin

    y = top
    for i, line in enumerate(wrap(text, f, lambda i: w - 2 * margin_at(i))):
        img = f.render(line, True, color)
        x = (w - img.get_width()) // 2 if center else margin_at(i)
        surface.blit(img, (x, y))
        y += step
    return y


def camera_shown(ctx: DrawContext) -> bool:
    """Whether the camera picture is on screen this frame (else a drawn scene is)."""
    return ctx.camera_image is not None and ctx.show_camera and ctx.placement is not None


def draw_background(surface: pygame.Surface, ctx: DrawContext, *, body: bool = True,
                    affected: str | None = None) -> None:
    """Plain background, the mirrored camera image when shown, and the patient's body:
    the thin skeleton over the camera picture, the filled avatar without it (`affected`:
    the side highlighted). `body=False` leaves the body for the caller to draw later
    (after a scene's own backdrop)."""
    surface.fill(ctx.theme.palette.background)
    camera = ctx.camera_image
    if camera is not None and camera_shown(ctx) and ctx.placement is not None:
        x, y, w, h = ctx.placement.rect
        if camera.get_size() != (w, h):
            camera = _scaled(camera, (w, h))
        surface.blit(camera, (x, y))  # already mirrored and dimmed by the app
    if body:
        draw_body(surface, ctx, affected)


_LAST_SCALED: list[tuple[pygame.Surface, tuple[int, int], pygame.Surface]] = []


def _scaled(image: pygame.Surface, size: tuple[int, int]) -> pygame.Surface:
    """`image` scaled to `size`, once per camera frame (the game draws at 60 fps, the camera
    gives about 30: every other frame reuses the last one scaled)."""
    if _LAST_SCALED and _LAST_SCALED[0][0] is image and _LAST_SCALED[0][1] == size:
        return _LAST_SCALED[0][2]
    out = pygame.transform.scale(image, size)
    _LAST_SCALED[:] = [(image, size, out)]
    return out


def draw_body(surface: pygame.Surface, ctx: DrawContext, affected: str | None = None) -> None:
    """The skeleton over the camera picture, else the friendly avatar."""
    if ctx.frame is None or ctx.placement is None:
        return
    if camera_shown(ctx):
        draw_skeleton(surface, ctx.frame, ctx)
    else:
        draw_avatar(surface, ctx.frame, ctx, affected)


def below_header(ctx: DrawContext, size: tuple[int, int], top: int) -> DrawContext:
    """The same scene fitted into the window below a header `top` px tall: the camera
    picture (and the body on it) shrunk and moved down so the header covers none of it
    (the whole head stays visible), the body-to-screen transform moved with it so hands
    and buttons still line up."""
    import dataclasses

    from game.transform import BodyToScreen, ImagePlacement, fit_image

    place = ctx.placement
    if place is None:
        return ctx
    w, h = size
    inner = fit_image((w, max(1, h - top)), place.size)
    new = ImagePlacement(offset=(inner.offset[0], inner.offset[1] + top), scale=inner.scale, size=place.size)
    k = new.scale / place.scale
    ox = new.offset[0] + (ctx.transform.origin[0] - place.offset[0]) * k
    oy = new.offset[1] + (ctx.transform.origin[1] - place.offset[1]) * k
    return dataclasses.replace(ctx, placement=new, transform=BodyToScreen(origin=(ox, oy),
                                                                          scale=ctx.transform.scale * k))


FACE_POINTS = tuple(range(11))  # MediaPipe pose: nose, eyes, ears, mouth


def face_box(ctx: Any) -> pygame.Rect | None:
    """The patient's face on screen (from the tracked head landmarks), grown to the whole
    head: a third of its width to each side, its width again above (forehead, crown) and
    0.4 of it below the mouth (chin). None without a tracked face. Targets and text keep out of it.
    `ctx`: anything with `frame` and `placement` (a DrawContext or a views.ViewContext)."""
    frame = ctx.frame
    if frame is None or frame.pose is None or ctx.placement is None:
        return None
    pts = [p for p in (_pose_point(frame, i, ctx) for i in FACE_POINTS) if p is not None]
    if len(pts) < 3:
        return None
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    w = max(8, max(xs) - min(xs))
    return pygame.Rect(min(xs) - w // 3, min(ys) - w, w + 2 * (w // 3), max(ys) - min(ys) + w + round(w * 0.4))


def keep_off_face(rect: pygame.Rect, face: pygame.Rect | None, bounds: pygame.Rect) -> pygame.Rect:
    """`rect` moved the least (sideways or down) so it does not cover `face`."""
    if face is None or not rect.colliderect(face):
        return rect
    from exercises.scenes.layout import Box, push_clear

    b = push_clear(Box(rect.left, rect.top, rect.right, rect.bottom), Box(face.left, face.top, face.right, face.bottom),
                   Box(bounds.left, bounds.top, bounds.right, bounds.bottom))
    return pygame.Rect(round(b.x0), round(b.y0), rect.w, rect.h)


# The avatar's colours: a soft body, and the affected arm in sky blue (Okabe-Ito: told
# apart from the orange targets by every common colour-vision type).
AVATAR_BODY: RGB = (112, 124, 146)
AVATAR_OUTLINE: RGB = (226, 232, 240)
AVATAR_AFFECTED: RGB = OKABE_ITO["sky_blue"]
AVATAR_FACE: RGB = (24, 28, 36)
# (shoulder, elbow, wrist) of each side, MediaPipe pose indices (the person's own side).
ARMS: dict[str, tuple[int, int, int]] = {"left": (11, 13, 15), "right": (12, 14, 16)}


def _pose_point(frame: BodyFrame, i: int, ctx: Any) -> tuple[int, int] | None:
    assert frame.pose is not None and ctx.placement is not None
    if frame.pose[i, 3] < MIN_VISIBILITY:
        return None
    place = ctx.placement
    w, h = place.size
    x = (1.0 - float(frame.pose[i, 0])) * w  # selfie mirror
    y = float(frame.pose[i, 1]) * h
    return (round(place.offset[0] + x * place.scale), round(place.offset[1] + y * place.scale))


def draw_avatar(surface: pygame.Surface, frame: BodyFrame, ctx: DrawContext,
                affected: str | None = None) -> pygame.Rect | None:
    """A friendly filled figure from the pose landmarks: torso, round-ended limbs, a head
    with a face; the `affected` arm in its own hue. Returns the head's rectangle."""
    if frame.pose is None or ctx.placement is None:
        return None
    pt = {i: _pose_point(frame, i, ctx) for i in (0, 11, 12, 13, 14, 15, 16, 23, 24)}
    ls, rs = pt[11], pt[12]
    if ls is None or rs is None:
        return None
    sw = max(8.0, ((ls[0] - rs[0]) ** 2 + (ls[1] - rs[1]) ** 2) ** 0.5)
    limb = max(6, round(sw * 0.2))
    edge = max(2, round(sw * 0.025))
    lh, rh = pt[23], pt[24]
    drop = round(sw * 1.3)
    hips = [rh or (rs[0], rs[1] + drop), lh or (ls[0], ls[1] + drop)]
    torso = [ls, rs, hips[0], hips[1]]
    pygame.draw.polygon(surface, AVATAR_BODY, torso)
    pygame.draw.polygon(surface, AVATAR_OUTLINE, torso, edge)
    for side, (s, e, w) in ARMS.items():
        colour = AVATAR_AFFECTED if side == affected else AVATAR_BODY
        joints = [p for p in (pt[s], pt[e], pt[w]) if p is not None]
        for a, b in itertools.pairwise(joints):
            pygame.draw.line(surface, AVATAR_OUTLINE, a, b, limb + 2 * edge)
        for p in joints:
            pygame.draw.circle(surface, AVATAR_OUTLINE, p, limb // 2 + edge)
        for a, b in itertools.pairwise(joints):
            pygame.draw.line(surface, colour, a, b, limb)
        for p in joints:
            pygame.draw.circle(surface, colour, p, limb // 2)
        if pt[w] is not None:  # a round hand
            pygame.draw.circle(surface, AVATAR_OUTLINE, pt[w], round(limb * 0.85) + edge)
            pygame.draw.circle(surface, colour, pt[w], round(limb * 0.85))
    nose = pt[0]
    mid = ((ls[0] + rs[0]) // 2, (ls[1] + rs[1]) // 2)
    hr = max(6, round(sw * 0.32))
    head = nose if nose is not None else (mid[0], mid[1] - round(sw * 0.7))
    head = (head[0], min(head[1], mid[1] - round(hr * 1.2)))
    pygame.draw.line(surface, AVATAR_OUTLINE, mid, head, max(4, limb // 2) + 2 * edge)
    pygame.draw.line(surface, AVATAR_BODY, mid, head, max(4, limb // 2))
    pygame.draw.circle(surface, AVATAR_OUTLINE, head, hr + edge)
    pygame.draw.circle(surface, AVATAR_BODY, head, hr)
    eye = max(2, hr // 7)
    for k in (-1, 1):
        pygame.draw.circle(surface, AVATAR_FACE, (head[0] + k * hr // 3, head[1] - hr // 6), eye)
    smile = pygame.Rect(0, 0, hr, hr // 2)
    smile.center = (head[0], head[1] + hr // 4)
    pygame.draw.arc(surface, AVATAR_FACE, smile, math.pi * 1.1, math.pi * 1.9, max(2, eye // 2 + 1))
    return pygame.Rect(head[0] - hr, head[1] - hr, 2 * hr, 2 * hr)


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


def draw_hands(surface: pygame.Surface, ctx: DrawContext,
               controls: Sequence[DwellButton] = ()) -> None:
    """The player's hands as bright rings (what the game thinks the hands are).

    A hand on one of `controls` is drawn as a ring AROUND that control's edge, not as a
    ring over its middle: what is being chosen (a number, Start, STOP) stays readable.
    """
    if ctx.intents is None:
        return
    pal = ctx.theme.palette
    r = max(8, round(ctx.transform.length(0.12)))
    for hand, color in ((ctx.intents.left, pal.hand_left), (ctx.intents.right, pal.hand_right)):
        if hand is None or hand.visibility < MIN_VISIBILITY:
            continue
        under = next((b for b in controls if b.contains(hand)), None)
        if under is not None:
            draw_edge_cursor(surface, under.rect(ctx.transform), color, pal.text)
            continue
        c = ctx.transform.to_screen_int(hand.x, hand.y)
        # A thick ring, not a disc: labels under the hand stay readable.
        pygame.draw.circle(surface, pal.text, c, r + 2, width=max(3, r // 3) + 4)
        pygame.draw.circle(surface, color, c, r, width=max(3, r // 3))


def draw_edge_cursor(surface: pygame.Surface, rect: pygame.Rect, color: RGB, outline: RGB) -> pygame.Rect:
    """The hand cursor on a control: a thick ring just outside its edge (returns its rect)."""
    lw = max(4, rect.h // 16)
    ring = rect.inflate(4 * lw, 4 * lw)
    radius = max(4, rect.h // 8) + 2 * lw  # concentric with the button's rounded corners
    pygame.draw.rect(surface, outline, ring, width=lw + 4, border_radius=radius)
    pygame.draw.rect(surface, color, ring.inflate(-4, -4), width=lw, border_radius=radius)
    return ring


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


def rail_rects(size: tuple[int, int], screen_side: str = "left") -> tuple[pygame.Rect, pygame.Rect]:
    """The safety rail: STOP's and Pain's screen rectangles, the same in EVERY scene.

    One place for the safety controls (menus, calibration, exercise, rest, summary and
    every pause), so a patient in pain never has to look for STOP: a column on the
    unaffected side, below the exercise's header bar, STOP on top and Pain under it.
    Only the window size and the side decide it, never the scene or the camera framing.
    """
    w, h = size
    bw = max(120.0, w * 0.14)
    stop_h = max(64.0, h * 0.12)
    pain_h = max(64.0, h * 0.09)
    margin = max(8.0, w * 0.02)
    x0 = margin if screen_side == "left" else w - margin - bw
    top = max(8.0, h * 0.12)
    stop = pygame.Rect(round(x0), round(top), round(bw), round(stop_h))
    pain = pygame.Rect(round(x0), round(top + stop_h * 1.2), round(bw), round(pain_h))
    return stop, pain


def rail_text_margin(width: int) -> int:
    """The side margin of a screen's text (draw_text_block widens it beside the rail)."""
    return max(16, width // 24)


def rail_clearance(size: tuple[int, int]) -> tuple[int, int, int]:
    """(top, bottom, side margin) of the band where centred text must keep clear of the
    rail's column; a margin of 0 when the window is too narrow to give text a column
    beside the rail (the rail, drawn last, stays on top there)."""
    stop, pain = rail_rects(size, "left")
    clear = pain.right + max(8, size[0] // 60)
    return stop.top, pain.bottom, clear if size[0] - 2 * clear >= 0.6 * size[0] else 0


def pin_button(button: DwellButton, transform: BodyToScreen, rect: pygame.Rect) -> None:
    """Draw `button` exactly at screen `rect`; its body-unit box follows through the
    current transform, so a hand held where it is drawn presses it."""
    button.pinned = rect.copy()
    bx0, by0 = transform.to_body(rect.left, rect.top)
    bx1, by1 = transform.to_body(rect.right, rect.bottom)
    button.center = ((bx0 + bx1) / 2.0, (by0 + by1) / 2.0)
    button.half = (abs(bx1 - bx0) / 2.0, abs(by0 - by1) / 2.0)


def place_rail(ctx: DrawContext, size: tuple[int, int], screen_side: str, stop: DwellButton,
               pain: DwellButton | None = None) -> None:
    """Pin STOP (and Pain, where the scene has it) to the rail."""
    stop_rect, pain_rect = rail_rects(size, screen_side)
    pin_button(stop, ctx.transform, stop_rect)
    if pain is not None:
        pin_button(pain, ctx.transform, pain_rect)
