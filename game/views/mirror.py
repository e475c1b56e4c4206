"""The mirror-therapy view: the camera picture with the affected side mirrored.

Role: drawn by the exercise scene BEFORE the game's own renderer whenever
the session has a mirror mode (`view.mirror` is "split" or "swap"; None
once the patient pressed M, which the app records as a MIRROR_MODE event).
It replaces the plain camera picture with `vision.mirror.mirror_image` of
the newest frame (reflected about the body midline, feathered seam),
selfie-flipped and dimmed like the app's own picture, and marks the
midline and how to turn the mirror off (key M).

The affected side is the side the exercise plays (`exercise.active_side`).
The composite is made once per camera frame and cached (a weak map keyed
by the exercise), not once per drawn frame. A frame without an image (the
virtual patient, a landmark replay) gets the midline and the label only;
its landmarks are mirrored upstream by `vision.mirror.MirrorTransform`.
"""

from __future__ import annotations

import weakref
from typing import Any

import cv2
import pygame

from game.views import ViewContext, register
from vision.mirror import feather_px_for, midline_x, mirror_image

CAMERA_DIM = 0.65  # as game.app dims its camera picture, so drawings stay readable
LABEL = {"split": "Mirror view", "swap": "Mirror view (swapped)"}

_CACHE: weakref.WeakKeyDictionary[Any, tuple[tuple[Any, ...], pygame.Surface]] = weakref.WeakKeyDictionary()


def composite_surface(image: Any, axis_x: float, mode: str, affected: str, feather_px: float,
                      size: tuple[int, int]) -> pygame.Surface:
    """The mirrored, selfie-flipped, dimmed, scaled camera picture as a surface."""
    img = mirror_image(image, axis_x * image.shape[1], mode, affected, feather_px)  # type: ignore[arg-type]
    img = cv2.resize(img, size, interpolation=cv2.INTER_LINEAR)
    img = cv2.flip(img, 1)
    img = cv2.convertScaleAbs(img, alpha=CAMERA_DIM)
    return pygame.image.frombuffer(img.tobytes(), size, "BGR")


@register("mirror")
def draw_mirror(surface: pygame.Surface, exercise: Any, view: ViewContext) -> None:
    mode = view.mirror
    if mode not in ("split", "swap"):
        return
    pal = view.theme.palette
    affected = getattr(exercise, "active_side", "right")
    affected = affected if affected in ("left", "right") else "right"
    frame = view.frame
    seam_x: int | None = None
    if frame is not None and frame.pose is not None:
        ax = midline_x(frame.pose)
        if view.placement is not None:
            x, y, w, h = view.placement.rect
            seam_x = round(x + (1.0 - ax) * w)
            if frame.image is not None and view.camera_image is not None:
                key = (frame.index, (w, h), mode, affected)
                cached = _CACHE.get(exercise)
                if cached is None or cached[0] != key:
                    surf = composite_surface(frame.image, ax, mode, affected, feather_px_for(frame), (w, h))
                    cached = (key, surf)
                    try:
                        _CACHE[exercise] = cached
                    except TypeError:  # an exercise that cannot be weakly referenced: no cache
                        pass
                surface.blit(cached[1], (x, y))
    if seam_x is None:
        seam_x = view.to_screen(0.0, 0.0)[0]
    h = surface.get_height()
    for y0 in range(0, h, 24):  # a dashed midline: where the mirror is
        pygame.draw.line(surface, pal.text_dim, (seam_x, y0), (seam_x, min(h, y0 + 12)), 2)
    f = view.theme.font("small", bold=True)
    text = f.render(f"{LABEL[mode]}  -  press M to turn it off", True, pal.cue_text)
    pad = 8
    box = pygame.Rect(0, 0, text.get_width() + 2 * pad, text.get_height() + 2 * pad)
    # Bottom corner on the unaffected side (the selfie view shows the patient's right on the
    # right): clear of the game's own cues, which sit bottom centre.
    if affected == "right":
        box.bottomleft = (pad, h - pad)
    else:
        box.bottomright = (surface.get_width() - pad, h - pad)
    pygame.draw.rect(surface, pal.cue, box, border_radius=6)
    surface.blit(text, (box.x + pad, box.y + pad))
