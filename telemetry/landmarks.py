"""Compact, lossless-enough landmark streams (never video).

A chunk of consecutive `BodyFrame`s is stored as quantized int16 arrays
(normalized image coordinates in steps of 1/8192, i.e. 0.16 px of a
1280-pixel-wide image; metres in steps of 1 mm; the scales travel with each
chunk), delta-coded along time and byte-shuffled so zlib finds the
redundancy, plus uint8 visibility/score and a per-frame presence bitmask.
Quantization error (below 6.2e-5 of the image size, 0.5 mm) is far under
MediaPipe's own noise (hand position error up to 1.75 cm, CLINICAL.md). At
most one hand per anatomical side is kept (the highest score), as
`BodyFrame.hand()` would pick it.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence

import numpy as np

from vision.bodyframe import N_HAND, N_POSE, BodyFrame, Hand

CODEC = "q16d-zlib-1"

_NORM_SCALE = 8192.0  # normalized image coords and relative depth
_WORLD_SCALE = 1000.0  # metres -> mm
_SIDES = ("Left", "Right")

# presence bits
_POSE, _WORLD, _HANDS_TRACKED = 1, 2, 4
_HAND = (8, 16)
_HAND_WORLD = (32, 64)


def _quant(a: np.ndarray, scale: float) -> np.ndarray:
    return np.clip(np.rint(a * scale), -32767, 32767).astype(np.int16)


def _delta_shuffle(q: np.ndarray) -> np.ndarray:
    """int16 (N, ...) -> uint8 planes of the time-differences (wrapping)."""
    d = q.copy()
    if len(d) > 1:
        d[1:] = q[1:] - q[:-1]  # int16 wraps; undone exactly by a wrapping cumsum
    return np.ascontiguousarray(d.reshape(len(d), -1).view(np.uint8).reshape(-1, 2).T)


def _unshuffle_undelta(planes: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    d = np.ascontiguousarray(planes.T).view(np.int16).reshape(shape)
    return np.cumsum(d, axis=0, dtype=np.int16)


def _fill_forward(arr: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Missing rows repeat the last present row (keeps deltas at zero)."""
    out = arr.copy()
    last = None
    for i in range(len(out)):
        if present[i]:
            last = out[i]
        elif last is not None:
            out[i] = last
    return out


def encode_frames(frames: Sequence[BodyFrame]) -> bytes:
    n = len(frames)
    if n == 0:
        raise ValueError("no frames to encode")
    bits = np.zeros(n, np.uint8)
    pose = np.zeros((n, N_POSE, 3), np.float32)
    vis = np.zeros((n, N_POSE), np.float32)
    world = np.zeros((n, N_POSE, 3), np.float32)
    hands = np.zeros((n, 2, N_HAND, 3), np.float32)
    hands_world = np.zeros((n, 2, N_HAND, 3), np.float32)
    scores = np.zeros((n, 2), np.float32)
    for i, f in enumerate(frames):
        if f.pose is not None:
            bits[i] |= _POSE
            pose[i] = f.pose[:, :3]
            vis[i] = f.pose[:, 3]
        if f.pose_world is not None:
            bits[i] |= _WORLD
            world[i] = f.pose_world[:, :3]
        if f.hands_tracked:
            bits[i] |= _HANDS_TRACKED
        for s, side in enumerate(_SIDES):
            h = f.hand(side)  # type: ignore[arg-type]
            if h is None:
                continue
            bits[i] |= _HAND[s]
            hands[i, s] = h.landmarks[:, :3]
            scores[i, s] = h.score
            if h.world is not None:
                bits[i] |= _HAND_WORLD[s]
                hands_world[i, s] = h.world[:, :3]
    pose_p = (bits & _POSE) > 0
    world_p = (bits & _WORLD) > 0
    arrays = {
        "bits": bits,
        "index": np.asarray([f.index for f in frames], np.int64),
        "t_ns": np.diff(np.asarray([f.t_ns for f in frames], np.int64), prepend=0),
        "t_inf": np.asarray([f.t_inferred_ns for f in frames], np.int64),
        "size": np.asarray([(f.width, f.height) for f in frames], np.int32),
        "pose": _delta_shuffle(_quant(_fill_forward(pose, pose_p), _NORM_SCALE)),
        "vis": np.rint(np.clip(vis, 0, 1) * 255).astype(np.uint8),
        "world": _delta_shuffle(_quant(_fill_forward(world, world_p), _WORLD_SCALE)),
        "hands": np.stack([
            _delta_shuffle(_quant(_fill_forward(hands[:, s], (bits & _HAND[s]) > 0), _NORM_SCALE))
            for s in range(2)
        ]),
        "hands_world": np.stack([
            _delta_shuffle(_quant(_fill_forward(hands_world[:, s], (bits & _HAND_WORLD[s]) > 0),
                                  _WORLD_SCALE))
            for s in range(2)
        ]),
        "scores": np.rint(np.clip(scores, 0, 1) * 255).astype(np.uint8),
        "scales": np.asarray([_NORM_SCALE, _WORLD_SCALE], np.float64),
    }
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return zlib.compress(buf.getvalue(), 6)


def decode_frames(blob: bytes) -> list[BodyFrame]:
    with np.load(io.BytesIO(zlib.decompress(blob)), allow_pickle=False) as z:
        a = {k: z[k] for k in z.files}
    n = len(a["bits"])
    norm_scale, world_scale = (float(x) for x in a["scales"])
    pose = _unshuffle_undelta(a["pose"], (n, N_POSE, 3)).astype(np.float32) / norm_scale
    world = _unshuffle_undelta(a["world"], (n, N_POSE, 3)).astype(np.float32) / world_scale
    hands = [_unshuffle_undelta(a["hands"][s], (n, N_HAND, 3)).astype(np.float32) / norm_scale
             for s in range(2)]
    hands_world = [
        _unshuffle_undelta(a["hands_world"][s], (n, N_HAND, 3)).astype(np.float32) / world_scale
        for s in range(2)
    ]
    vis = a["vis"].astype(np.float32) / 255.0
    scores = a["scores"].astype(np.float32) / 255.0
    t_ns = np.cumsum(a["t_ns"])
    out: list[BodyFrame] = []
    for i in range(n):
        b = int(a["bits"][i])
        p = None
        if b & _POSE:
            p = np.concatenate([pose[i], vis[i][:, None]], axis=1).astype(np.float32)
        hs = []
        for s, side in enumerate(_SIDES):
            if b & _HAND[s]:
                hs.append(Hand(
                    landmarks=hands[s][i].copy(), handedness=side,  # type: ignore[arg-type]
                    score=float(scores[i, s]),
                    world=hands_world[s][i].copy() if b & _HAND_WORLD[s] else None,
                ))
        out.append(BodyFrame(
            index=int(a["index"][i]), t_ns=int(t_ns[i]),
            width=int(a["size"][i, 0]), height=int(a["size"][i, 1]),
            pose=p, pose_world=world[i].copy() if b & _WORLD else None,
            hands=tuple(hs), hands_tracked=bool(b & _HANDS_TRACKED),
            t_inferred_ns=int(a["t_inf"][i]),
        ))
    return out
