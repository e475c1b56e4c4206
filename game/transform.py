"""Body units <-> screen pixels: the one mapping every drawing and the mouse share.

Game logic lives in body units (see vision/intents.py: origin at the
calibrated shoulder midpoint, one unit = one shoulder width, +x = the
patient's right = screen right in the selfie view, +y up). Drawing needs
pixels. `BodyToScreen` is that affine map and its inverse, so a mouse
position becomes a hand position through exactly the transform a target is
drawn with. It is computed from the window and either the camera image
(so drawings sit on the mirrored video) or a box of body space to show;
pixel numbers never enter game logic.
"""

from __future__ import annotations

from dataclasses import dataclass

# The body space a reaching game needs to show when there is no camera
# image: both arms' full reach (shoulder +-0.5, reach up to ~2 units) and a
# margin. Body units, not pixels.
DEFAULT_BODY_BOX: tuple[float, float, float, float] = (-3.0, -2.0, 3.0, 2.6)  # x0, y0, x1, y1


@dataclass(frozen=True, slots=True)
class ImagePlacement:
    """Where a (mirrored) camera image of `size` sits in the window."""

    offset: tuple[float, float]  # top-left corner in window pixels
    scale: float  # window pixels per image pixel
    size: tuple[int, int]  # image width, height in pixels

    @property
    def rect(self) -> tuple[int, int, int, int]:
        w, h = self.size
        return (round(self.offset[0]), round(self.offset[1]),
                round(w * self.scale), round(h * self.scale))


@dataclass(frozen=True, slots=True)
class BodyToScreen:
    """screen = origin + scale * (bx, -by); invertible."""

    origin: tuple[float, float]  # screen pixel of body (0, 0)
    scale: float  # screen pixels per body unit

    def to_screen(self, bx: float, by: float) -> tuple[float, float]:
        return (self.origin[0] + bx * self.scale, self.origin[1] - by * self.scale)

    def to_screen_int(self, bx: float, by: float) -> tuple[int, int]:
        x, y = self.to_screen(bx, by)
        return (round(x), round(y))

    def to_body(self, sx: float, sy: float) -> tuple[float, float]:
        return ((sx - self.origin[0]) / self.scale, -(sy - self.origin[1]) / self.scale)

    def length(self, body_units: float) -> float:
        """A length in body units as screen pixels (radii, line widths)."""
        return body_units * self.scale


def fit_image(window: tuple[int, int], image: tuple[int, int]) -> ImagePlacement:
    """Letterbox an image of any aspect ratio (portrait included) into the window."""
    ww, wh = window
    iw, ih = image
    if iw <= 0 or ih <= 0:
        raise ValueError(f"image size must be positive, got {iw}x{ih}")
    s = min(ww / iw, wh / ih)
    return ImagePlacement(offset=((ww - iw * s) / 2.0, (wh - ih * s) / 2.0), scale=s, size=(iw, ih))


def from_camera(window: tuple[int, int], image: tuple[int, int],
                origin_px: tuple[float, float], unit_px: float) -> BodyToScreen:
    """Transform that puts body coordinates on the MIRRORED camera image.

    `origin_px` / `unit_px` are the body reference in unmirrored source image
    pixels (CONTRACTS.md). Unmirrored px = origin_px.x - bx * unit_px, and
    the selfie view shows image x at (width - px), so +bx goes screen right.
    """
    if unit_px <= 0:
        raise ValueError(f"body unit must be positive pixels, got {unit_px}")
    place = fit_image(window, image)
    iw, _ = image
    ox = place.offset[0] + (iw - origin_px[0]) * place.scale
    oy = place.offset[1] + origin_px[1] * place.scale
    return BodyToScreen(origin=(ox, oy), scale=unit_px * place.scale)


def fit_body_box(window: tuple[int, int],
                 box: tuple[float, float, float, float] = DEFAULT_BODY_BOX,
                 margin_px: float = 0.0) -> BodyToScreen:
    """Largest uniform transform that shows `box` (x0, y0, x1, y1, body units) centred."""
    ww, wh = window
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"empty body box {box}")
    avail_w, avail_h = max(1.0, ww - 2 * margin_px), max(1.0, wh - 2 * margin_px)
    s = min(avail_w / (x1 - x0), avail_h / (y1 - y0))
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    return BodyToScreen(origin=(ww / 2.0 - cx * s, wh / 2.0 + cy * s), scale=s)
