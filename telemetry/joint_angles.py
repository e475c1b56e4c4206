"""Honest joint angles from one camera: which measurement, how reliable, never impossible.

Role: elbow flexion and shoulder elevation for every frame of a recording,
each with the method it came from, how far the limb was out of the image
plane, whether it can be trusted, and whether it had to be clipped to the
joint's anatomical range. `neuroplay assess` and the session's range of
motion read angles only through here.

Why not simply the image-plane angle: a limb pointing at the camera is
foreshortened and its projected angle means nothing (a frontal biceps curl
reads 179 deg when the wrist projects onto the shoulder). Why not simply
MediaPipe's world landmarks: their depth is a learnt guess; on a frontal
elbow flexion in the image plane (sagor_elbow_flexion.mp4) they read 30 ->
102 deg where the arm goes from straight to fully bent (image 3 -> 146 deg,
by eye about 0 -> 145). So, per frame:

* **out of plane** is estimated from foreshortening: each segment's image
  length over the body's size in the image (`body_scale_px`), against the
  longest that segment is seen in the recording (its 95th percentile), gives
  acos(length / longest) [D]; the angle's out-of-plane figure is the larger
  of its two segments';
* **image** when the limb is within OBLIQUE_DEG of the image plane: a
  projection of an angle lying in the image plane is exact (up to landmark
  noise, which is why the limit is generous: a segment 45 deg out of the
  plane still shows 71 % of its length);
* **world** (MediaPipe's metric 3-D landmarks) for an oblique limb, when
  their quality allows it in this recording: on the frames where the image
  is exact, the world angle must agree with it (median difference at most
  WORLD_AGREEMENT_DEG over at least MIN_AGREEMENT_FRAMES frames), and on the
  frame itself each world segment must keep its length (within
  WORLD_LENGTH_TOLERANCE of its median) and point where the image shows it
  (within WORLD_DIRECTION_DEG once projected);
* otherwise the image angle, marked **unreliable** (oblique view).

Shoulder elevation is the angle between the upper arm and the trunk axis
(hip midpoint -> shoulder midpoint, the line a goniometer's fixed arm
follows along the sternum), 0 with the arm hanging, 180 overhead. In a
frontal view it is abduction, in a side view flexion; a shoulder flexion
seen from the front is foreshortened, so it comes from the world landmarks
or is marked unreliable. Without visible hips the trunk is assumed vertical
in the image, and the angle says so.

Anatomical ranges (AAOS normal values [M]): elbow flexion 0-150 deg,
shoulder elevation 0-180 deg. A value up to CLIP_MARGIN_DEG outside is
clipped to the range and flagged; further out it is dropped (NaN) with the
reason: no joint goes there, so the tracking was wrong.

Pure: arrays in, arrays out; no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

import numpy as np

from vision.bodyframe import (
    LEFT_ELBOW,
    LEFT_HIP,
    LEFT_SHOULDER,
    LEFT_WRIST,
    RIGHT_ELBOW,
    RIGHT_HIP,
    RIGHT_SHOULDER,
    RIGHT_WRIST,
    BodyFrame,
)

Joint = Literal["elbow_flexion", "shoulder_elevation"]
Method = Literal["image", "world", "none"]

ANATOMICAL_RANGE_DEG: dict[str, tuple[float, float]] = {
    "elbow_flexion": (0.0, 150.0),
    "shoulder_elevation": (0.0, 180.0),
}
CLIP_MARGIN_DEG = 15.0  # beyond this outside the range: a tracking error, dropped [D]
OBLIQUE_DEG = 45.0  # a segment further out of the image plane: image angle unreliable [D]
WORLD_AGREEMENT_DEG = 12.0  # world vs image on in-plane frames, median |difference| [D]
MIN_AGREEMENT_FRAMES = 10
WORLD_LENGTH_TOLERANCE = 0.25  # world bone length vs its recording median [D]
WORLD_DIRECTION_DEG = 25.0  # world segment (projected) vs image direction [D]
MIN_VISIBILITY = 0.5  # CLINICAL.md section 7
REFERENCE_PERCENTILE = 95.0  # a segment's "seen at full length" image length [D]

_S = {"left": LEFT_SHOULDER, "right": RIGHT_SHOULDER}
_E = {"left": LEFT_ELBOW, "right": RIGHT_ELBOW}
_W = {"left": LEFT_WRIST, "right": RIGHT_WRIST}
_H = {"left": LEFT_HIP, "right": RIGHT_HIP}
METHOD_CODES: tuple[Method, ...] = ("none", "image", "world")


@dataclass(frozen=True)
class AngleSeries:
    """One joint angle over a recording, frame by frame (NaN where not measured)."""

    joint: Joint
    side: str
    t: np.ndarray  # seconds
    degrees: np.ndarray  # the reported angle, within the anatomical range
    raw_degrees: np.ndarray  # the chosen method's angle before clipping
    image_degrees: np.ndarray
    world_degrees: np.ndarray
    method: np.ndarray  # int8 index into METHOD_CODES
    out_of_plane_deg: np.ndarray
    reliable: np.ndarray  # bool
    clipped: np.ndarray  # bool: clipped to the range
    dropped: np.ndarray  # bool: too far outside the range, not reported
    visibility: np.ndarray  # min visibility of the landmarks used
    trunk_assumed_vertical: np.ndarray  # bool (shoulder elevation without hips)
    notes: list[str] = field(default_factory=list)
    world_agreement_deg: float | None = None  # median |world - image| where the image is exact

    @property
    def range_deg(self) -> tuple[float, float]:
        return ANATOMICAL_RANGE_DEG[self.joint]

    def method_shares(self) -> dict[str, float]:
        """Share of measured frames per method ("image", "world")."""
        measured = np.isfinite(self.degrees)
        n = int(measured.sum())
        if n == 0:
            return {}
        return {m: round(float(np.sum(measured & (self.method == k))) / n, 3)
                for k, m in enumerate(METHOD_CODES) if m != "none"
                and np.any(measured & (self.method == k))}

    def summary(self, mask: np.ndarray | None = None) -> dict[str, object]:
        """What every output says about how these angles were measured."""
        sel = np.isfinite(self.degrees) if mask is None else (np.isfinite(self.degrees) & mask)
        n = int(sel.sum())
        return {
            "joint": self.joint, "side": self.side, "frames": n,
            "method": self.method_shares() if mask is None else _shares(self.method[sel]),
            "reliable_fraction": round(float(np.mean(self.reliable[sel])), 3) if n else None,
            "clipped_frames": int(np.sum(self.clipped & sel)),
            "dropped_frames": int(np.sum(self.dropped)),
            "out_of_plane_median_deg": _median(self.out_of_plane_deg[sel]),
            "anatomical_range_deg": list(self.range_deg),
            "trunk_assumed_vertical": bool(np.any(self.trunk_assumed_vertical & sel)),
            "world_agreement_deg": self.world_agreement_deg,
            "notes": list(self.notes),
        }


def _median(x: np.ndarray) -> float | None:
    v = x[np.isfinite(x)]
    return round(float(np.median(v)), 1) if v.size else None


def _shares(codes: np.ndarray) -> dict[str, float]:
    n = codes.size
    if n == 0:
        return {}
    return {m: round(float(np.sum(codes == k)) / n, 3) for k, m in enumerate(METHOD_CODES)
            if m != "none" and np.any(codes == k)}


def _angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise angle between vectors (degrees): atan2(|a x b|, a . b)."""
    if a.shape[-1] == 2:
        cross = np.abs(a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0])
    else:
        cross = np.linalg.norm(np.cross(a, b), axis=-1)
    return np.degrees(np.arctan2(cross, np.sum(a * b, axis=-1)))


def stack_frames(frames: Sequence[BodyFrame]) -> dict[str, np.ndarray]:
    """(N, 33, ...) arrays of a recording's pose, world pose and pixel coordinates."""
    n = len(frames)
    pose = np.full((n, 33, 4), np.nan)
    world = np.full((n, 33, 3), np.nan)
    px = np.full((n, 33, 2), np.nan)
    t = np.zeros(n)
    for i, f in enumerate(frames):
        t[i] = f.t
        if f.pose is not None:
            pose[i] = f.pose
            px[i] = np.asarray(f.pose[:, :2], dtype=float) * (f.width, f.height)
        if f.pose_world is not None:
            world[i] = f.pose_world
    return {"t": t, "pose": pose, "world": world, "px": px}


def body_scale(px: np.ndarray) -> np.ndarray:
    """Per frame: max(shoulder width, 0.6 x shoulder-to-hip length) in pixels, the body's
    size in the image that turning sideways does not shrink (vision.intents_builder)."""
    sw = np.linalg.norm(px[:, LEFT_SHOULDER] - px[:, RIGHT_SHOULDER], axis=1)
    mid_s = 0.5 * (px[:, LEFT_SHOULDER] + px[:, RIGHT_SHOULDER])
    mid_h = 0.5 * (px[:, LEFT_HIP] + px[:, RIGHT_HIP])
    torso = np.linalg.norm(mid_h - mid_s, axis=1)
    return np.fmax(sw, 0.6 * torso)


def _foreshortening(length_px: np.ndarray, scale: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Out-of-plane angle (deg) of a segment from its image length relative to the
    longest it is seen (95th percentile of length / body scale over the recording)."""
    rel = length_px / np.where(scale > 0, scale, np.nan)
    good = ok & np.isfinite(rel)
    if int(good.sum()) < 3:
        return np.full(rel.shape, np.nan)
    ref = float(np.percentile(rel[good], REFERENCE_PERCENTILE))
    if not ref > 0:
        return np.full(rel.shape, np.nan)
    return np.degrees(np.arccos(np.clip(rel / ref, 0.0, 1.0)))


def _world_consistent(world_vecs: list[np.ndarray], image_vecs: list[np.ndarray],
                      oop: list[np.ndarray]) -> np.ndarray:
    """Per frame: does the world skeleton agree with the picture (see module doc)?"""
    n = world_vecs[0].shape[0]
    ok = np.ones(n, dtype=bool)
    for wv, iv, o in zip(world_vecs, image_vecs, oop, strict=True):
        length = np.linalg.norm(wv, axis=1)
        fin = np.isfinite(length)
        if int(fin.sum()) < 3:
            return np.zeros(n, dtype=bool)
        med = float(np.median(length[fin]))
        ok &= fin & (np.abs(length - med) <= WORLD_LENGTH_TOLERANCE * med)
        # the projected world direction must match the image one (when the segment is long
        # enough in the image to have a direction: under 75 deg out of plane)
        wxy = wv[:, :2]
        has_dir = np.isfinite(o) & (o < 75.0)
        dev = _angle(wxy, iv)
        ok &= ~has_dir | (np.nan_to_num(dev, nan=180.0) <= WORLD_DIRECTION_DEG)
    return ok


def _clip(joint: Joint, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lo, hi = ANATOMICAL_RANGE_DEG[joint]
    out = np.clip(raw, lo, hi)
    outside = np.isfinite(raw) & ((raw < lo) | (raw > hi))
    dropped = np.isfinite(raw) & ((raw < lo - CLIP_MARGIN_DEG) | (raw > hi + CLIP_MARGIN_DEG))
    out = np.where(dropped, np.nan, out)
    return out, outside & ~dropped, dropped


def angle_series(stack: dict[str, np.ndarray], joint: Joint, side: str) -> AngleSeries:
    """The honest angle of `joint` on `side` for every frame of a stacked recording."""
    if side not in _S:
        raise ValueError(f"side must be left or right, got {side!r}")
    t, pose, world, px = stack["t"], stack["pose"], stack["world"], stack["px"]
    s, e, w, _h = _S[side], _E[side], _W[side], _H[side]
    scale = body_scale(px)
    notes: list[str] = []
    vertical = np.zeros(len(t), dtype=bool)
    if joint == "elbow_flexion":
        vis = np.fmin(np.fmin(pose[:, s, 3], pose[:, e, 3]), pose[:, w, 3])
        ok = np.nan_to_num(vis) >= MIN_VISIBILITY
        seg_img = [px[:, e] - px[:, s], px[:, w] - px[:, e]]
        seg_world = [world[:, e] - world[:, s], world[:, w] - world[:, e]]
        image = 180.0 - _angle(px[:, s] - px[:, e], px[:, w] - px[:, e])
        wdeg = 180.0 - _angle(world[:, s] - world[:, e], world[:, w] - world[:, e])
    elif joint == "shoulder_elevation":
        vis = np.fmin(pose[:, s, 3], pose[:, e, 3])
        ok = np.nan_to_num(vis) >= MIN_VISIBILITY
        hips_seen = np.nan_to_num(np.fmin(pose[:, LEFT_HIP, 3], pose[:, RIGHT_HIP, 3])) \
            >= MIN_VISIBILITY
        mid_s = 0.5 * (px[:, LEFT_SHOULDER] + px[:, RIGHT_SHOULDER])
        mid_h = 0.5 * (px[:, LEFT_HIP] + px[:, RIGHT_HIP])
        down_img = np.where(hips_seen[:, None], mid_h - mid_s, np.array([0.0, 1.0]))
        vertical = ok & ~hips_seen
        if np.any(vertical):
            notes.append("hips out of view on some frames: the trunk was taken as vertical "
                         "in the image there")
        seg_img = [px[:, e] - px[:, s]]
        seg_world = [world[:, e] - world[:, s]]
        image = _angle(px[:, e] - px[:, s], down_img)
        wmid_s = 0.5 * (world[:, LEFT_SHOULDER] + world[:, RIGHT_SHOULDER])
        wmid_h = 0.5 * (world[:, LEFT_HIP] + world[:, RIGHT_HIP])
        wdeg = _angle(world[:, e] - world[:, s], wmid_h - wmid_s)
    else:
        raise ValueError(f"unknown joint {joint!r}")
    oops = [_foreshortening(np.linalg.norm(v, axis=1), scale, ok) for v in seg_img]
    oop = np.fmax.reduce(oops) if len(oops) > 1 else oops[0]
    oop = np.where(ok, oop, np.nan)
    world_ok = ok & _world_consistent(seg_world, seg_img, oops) & np.isfinite(wdeg)
    in_plane = ok & (np.nan_to_num(oop, nan=90.0) <= OBLIQUE_DEG)
    both = in_plane & np.isfinite(wdeg) & np.isfinite(image)
    agreement = float(np.median(np.abs(wdeg[both] - image[both]))) \
        if int(both.sum()) >= MIN_AGREEMENT_FRAMES else None
    world_valid = agreement is not None and agreement <= WORLD_AGREEMENT_DEG
    oblique = ok & ~in_plane
    if np.any(oblique):
        if agreement is None:
            notes.append("3-D (world) landmarks not used: too few in-plane frames to check them")
        elif not world_valid:
            notes.append(f"3-D (world) landmarks not used: where the image is exact they differ "
                         f"from it by {agreement:.0f} deg (median)")
    use_world = oblique & world_ok & world_valid
    raw = np.where(use_world, wdeg, np.where(ok, image, np.nan))
    method = np.where(use_world, 2, np.where(ok & np.isfinite(image), 1, 0)).astype(np.int8)
    reliable = in_plane | use_world
    degrees, clipped, dropped = _clip(joint, raw)
    if np.any(dropped):
        notes.append(f"{int(dropped.sum())} frames outside the anatomical range by more than "
                     f"{CLIP_MARGIN_DEG:g} deg were dropped (tracking errors)")
    if np.any(clipped):
        notes.append(f"{int(clipped.sum())} frames slightly outside the anatomical range "
                     f"{ANATOMICAL_RANGE_DEG[joint][0]:g}-{ANATOMICAL_RANGE_DEG[joint][1]:g} deg "
                     "were clipped to it")
    n_oblique = int(np.sum(ok & ~reliable))
    if n_oblique:
        notes.append(f"{n_oblique} frames with the limb more than {OBLIQUE_DEG:g} deg out of "
                     "the image plane and no consistent 3-D estimate: marked unreliable")
    return AngleSeries(joint, side, t, degrees, raw, np.where(ok, image, np.nan),
                       np.where(ok, wdeg, np.nan), method, oop, reliable & ~dropped, clipped,
                       dropped, np.where(np.isfinite(vis), vis, 0.0), vertical, notes,
                       None if agreement is None else round(agreement, 1))


def frame_angles(frames: Sequence[BodyFrame], joint: Joint, side: str) -> AngleSeries:
    """`angle_series` straight from frames."""
    return angle_series(stack_frames(frames), joint, side)


def rom_deg(series: AngleSeries, mask: np.ndarray | None = None, *, lo: float = 5.0,
            hi: float = 95.0) -> float | None:
    """Range of motion over reliable frames as a percentile spread (one bad frame cannot
    inflate it); None with fewer than 3 such frames."""
    sel = series.reliable & np.isfinite(series.degrees)
    if mask is not None:
        sel &= mask
    if int(sel.sum()) < 3:
        return None
    a = series.degrees[sel]
    return round(float(np.percentile(a, hi) - np.percentile(a, lo)), 2)


FRONTAL_VIEW_RATIO = 0.4  # image shoulder width / trunk length above this: a frontal view [D]
MID_ELEVATION_DEG = (45.0, 135.0)  # where the plane of a raise shows best [D]


class ElevationPlane(TypedDict):
    """Which way an arm was raised (`elevation_plane`)."""

    view: str  # "frontal" | "side"
    arm_in_image_plane: float
    looks_like: str
    frames: int


def elevation_plane(stack: dict[str, np.ndarray], series: AngleSeries
                    ) -> ElevationPlane | None:
    """Which way the arm was raised, from the picture itself [D]: in a frontal view
    (shoulders at least FRONTAL_VIEW_RATIO of the trunk's length wide) an arm raised
    sideways stays in the image plane (abduction), one raised forward points at the
    camera and foreshortens (flexion); in a side view it is the other way round.
    Judged on the frames between MID_ELEVATION_DEG of elevation; None without them."""
    if series.joint != "shoulder_elevation":
        raise ValueError("elevation_plane needs a shoulder elevation series")
    px = stack["px"]
    sw = np.linalg.norm(px[:, LEFT_SHOULDER] - px[:, RIGHT_SHOULDER], axis=1)
    torso = np.linalg.norm(0.5 * (px[:, LEFT_SHOULDER] + px[:, RIGHT_SHOULDER])
                           - 0.5 * (px[:, LEFT_HIP] + px[:, RIGHT_HIP]), axis=1)
    ratio = sw / np.where(torso > 0, torso, np.nan)
    mid = (np.isfinite(series.degrees) & (series.degrees >= MID_ELEVATION_DEG[0])
           & (series.degrees <= MID_ELEVATION_DEG[1]) & np.isfinite(ratio))
    if int(mid.sum()) < 3:
        return None
    frontal = float(np.median(ratio[mid])) >= FRONTAL_VIEW_RATIO
    in_plane = float(np.mean(np.nan_to_num(series.out_of_plane_deg[mid], nan=90.0)
                             <= OBLIQUE_DEG))
    if 0.3 < in_plane < 0.7:
        looks = "unclear"
    elif (in_plane >= 0.7) == frontal:
        looks = "abduction (sideways)"
    else:
        looks = "flexion (forward)"
    return {"view": "frontal" if frontal else "side", "arm_in_image_plane": round(in_plane, 2),
            "looks_like": looks, "frames": int(mid.sum())}


def describe_method(summary: Mapping[str, Any]) -> str:
    """One line for a person: how these angles were measured."""
    shares = summary.get("method") or {}
    parts = [f"{name} {share:.0%}" for name, share in dict(shares).items()]
    text = "angles from " + (", ".join(parts) if parts else "no measured frames")
    text += " (image = in the picture's plane; world = MediaPipe 3-D estimate)"
    rel = summary.get("reliable_fraction")
    if isinstance(rel, float) and rel < 1.0:
        text += f"; {1 - rel:.0%} of frames oblique (unreliable)"
    clipped = summary.get("clipped_frames")
    if isinstance(clipped, int) and clipped:
        text += f"; {clipped} frames clipped to the anatomical range"
    return text


def stack_samples(samples: Sequence[tuple[float, np.ndarray, np.ndarray | None, int, int]]
                  ) -> dict[str, np.ndarray]:
    """`stack_frames` for (t, pose, world or None, width, height) samples."""
    n = len(samples)
    pose = np.full((n, 33, 4), np.nan)
    world = np.full((n, 33, 3), np.nan)
    px = np.full((n, 33, 2), np.nan)
    t = np.zeros(n)
    for i, (ti, p, w, width, height) in enumerate(samples):
        t[i] = ti
        pose[i] = p
        px[i] = np.asarray(p[:, :2], dtype=float) * (width, height)
        if w is not None:
            world[i] = w
    return {"t": t, "pose": pose, "world": world, "px": px}


def session_rom(samples: Sequence[tuple[float, np.ndarray, np.ndarray | None, int, int]],
                sides: Sequence[str]) -> dict[str, dict[str, object]]:
    """A session's range of motion per arm from its sampled frames (the recorder's 10 Hz
    samples): elbow flexion and shoulder elevation over the RELIABLE frames only, as a
    5th-95th percentile spread, within the anatomical range, each with how it was
    measured. Every figure is an estimate from one camera (`estimated`)."""
    if not samples:
        return {}
    stack = stack_samples(samples)
    out: dict[str, dict[str, object]] = {}
    for side in sides:
        if side not in _S:
            continue
        elbow = angle_series(stack, "elbow_flexion", side)
        shoulder = angle_series(stack, "shoulder_elevation", side)
        measured = int(np.sum(np.isfinite(elbow.degrees) | np.isfinite(shoulder.degrees)))
        if measured == 0:
            continue
        out[side] = {
            "elbow_flexion_rom_deg": rom_deg(elbow),
            "shoulder_elevation_rom_deg": rom_deg(shoulder),
            "estimated": True,
            "frames": len(samples),
            "angle_method": {
                name: {k: v for k, v in s.summary().items()
                       if k in ("method", "reliable_fraction", "clipped_frames", "dropped_frames",
                                "world_agreement_deg")}
                for name, s in (("elbow_flexion", elbow), ("shoulder_elevation", shoulder))},
        }
    return out
