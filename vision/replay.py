"""Landmark replays: one compact `.npz` file per recording (never video).

Role: record a `BodyFrame` stream exactly and play it back as a source, so
tests, demos and benchmarks run with no camera and no model.

Format (FORMAT_VERSION 1), a compressed npz with these arrays (N frames):
    meta            uint8   UTF-8 JSON: format, version, source, fps,
                            frames, width, height, mediapipe, hands, ...
    index           int64 (N,)          frame index
    t_ns            int64 (N,)          capture time, ns
    t_inferred_ns   int64 (N,)
    flags           uint8 (N,)          1 pose, 2 world, 4 hands tracked
    pose            float32 (N, 33, 4)  zeros where absent
    pose_world      float32 (N, 33, 3)
    hand_present    uint8 (N, 2)        bit 1 landmarks, bit 2 world
    hand_label      uint8 (N, 2)        0 = Left, 1 = Right (anatomical)
    hand_score      float32 (N, 2)
    hands           float32 (N, 2, 21, 3)
    hands_world     float32 (N, 2, 21, 3)
Writing then reading gives arrays equal bit for bit. The file is written to
a temporary name beside the target and renamed, so a crash never leaves a
half-written replay.

Loading validates the whole file before a frame is made: the zip's CRC-32 of
every member (flipped bytes), the metadata's SHA-256 of the arrays (written
since issue 13; older files without it still load), every array's dtype and
shape, time strictly moving forward, finite landmarks within physical bounds,
and known flag values. Any unreadable, truncated or inconsistent file raises
`ReplayError`: one line naming the file and what is wrong.
"""

from __future__ import annotations

import importlib.resources
import json
import math
import os
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.files import atomic_write
from vision.bodyframe import N_HAND, N_POSE, BodyFrame, Hand

FORMAT = "neuroplay-replay"
FORMAT_VERSION = 1
DEMO_PACKAGE = "assets.demo"
DEMO_FILE = "seated_body.npz"

_POSE, _WORLD, _HANDS_TRACKED = 1, 2, 4
_LM, _LM_WORLD = 1, 2
_LABELS = ("Left", "Right")
_ARRAYS = ("index", "t_ns", "t_inferred_ns", "flags", "pose", "pose_world", "hand_present",
           "hand_label", "hand_score", "hands", "hands_world")


class ReplayError(Exception):
    """A replay file that cannot be read or written; the message names the file."""


@dataclass(frozen=True)
class ReplayInfo:
    """Summary figures of one replay, for `neuroplay replay info`."""

    path: str
    frames: int
    fps: float
    duration_s: float
    detected_frames: int
    hands: bool
    hand_frames: int
    width: int
    height: int
    source: str
    mediapipe: str

    @property
    def detection_rate(self) -> float:
        return self.detected_frames / self.frames if self.frames else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "frames": self.frames, "fps": self.fps,
                "duration_s": self.duration_s, "detected_frames": self.detected_frames,
                "detection_rate": self.detection_rate, "hands": self.hands,
                "hand_frames": self.hand_frames, "width": self.width, "height": self.height,
                "source": self.source, "mediapipe": self.mediapipe}


@dataclass
class Replay:
    """A loaded recording: metadata plus the frames in order."""

    path: str
    meta: dict[str, Any]
    frames: list[BodyFrame] = field(default_factory=list)

    @property
    def fps(self) -> float:
        return float(self.meta.get("fps") or 0.0)

    def __len__(self) -> int:
        return len(self.frames)

    def __iter__(self) -> Iterator[BodyFrame]:
        return iter(self.frames)

    def info(self) -> ReplayInfo:
        n = len(self.frames)
        dur = (self.frames[-1].t_ns - self.frames[0].t_ns) / 1e9 if n > 1 else 0.0
        if n > 1 and self.fps > 0:
            dur += 1.0 / self.fps  # the last frame lasts one frame period
        return ReplayInfo(
            path=self.path, frames=n, fps=self.fps, duration_s=dur,
            detected_frames=sum(f.pose is not None for f in self.frames),
            hands=bool(self.meta.get("hands", False)),
            hand_frames=sum(bool(f.hands) for f in self.frames),
            width=int(self.meta.get("width", 0)), height=int(self.meta.get("height", 0)),
            source=str(self.meta.get("source", "")), mediapipe=str(self.meta.get("mediapipe", "")))


def _mediapipe_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mediapipe")
    except PackageNotFoundError:
        return "unknown"


def frames_to_arrays(frames: Sequence[BodyFrame]) -> dict[str, np.ndarray]:
    n = len(frames)
    a: dict[str, np.ndarray] = {
        "index": np.zeros(n, np.int64), "t_ns": np.zeros(n, np.int64),
        "t_inferred_ns": np.zeros(n, np.int64), "flags": np.zeros(n, np.uint8),
        "pose": np.zeros((n, N_POSE, 4), np.float32), "pose_world": np.zeros((n, N_POSE, 3), np.float32),
        "hand_present": np.zeros((n, 2), np.uint8), "hand_label": np.zeros((n, 2), np.uint8),
        "hand_score": np.zeros((n, 2), np.float32),
        "hands": np.zeros((n, 2, N_HAND, 3), np.float32),
        "hands_world": np.zeros((n, 2, N_HAND, 3), np.float32),
    }
    for i, f in enumerate(frames):
        a["index"][i] = f.index
        a["t_ns"][i] = f.t_ns
        a["t_inferred_ns"][i] = f.t_inferred_ns
        flags = 0
        if f.pose is not None:
            flags |= _POSE
            a["pose"][i] = f.pose
        if f.pose_world is not None:
            flags |= _WORLD
            a["pose_world"][i] = f.pose_world
        if f.hands_tracked:
            flags |= _HANDS_TRACKED
        a["flags"][i] = flags
        if len(f.hands) > 2:
            raise ValueError(f"frame {f.index} has {len(f.hands)} hands; a replay keeps at most two")
        for k, h in enumerate(f.hands):
            a["hand_present"][i, k] = _LM | (_LM_WORLD if h.world is not None else 0)
            a["hand_label"][i, k] = _LABELS.index(h.handedness)
            a["hand_score"][i, k] = h.score
            a["hands"][i, k] = h.landmarks
            if h.world is not None:
                a["hands_world"][i, k] = h.world
    return a


def arrays_to_frames(a: Mapping[str, np.ndarray], width: int, height: int) -> list[BodyFrame]:
    frames: list[BodyFrame] = []
    for i in range(len(a["t_ns"])):
        flags = int(a["flags"][i])
        hands: list[Hand] = []
        for k in range(2):
            hp = int(a["hand_present"][i, k])
            if hp & _LM:
                hands.append(Hand(a["hands"][i, k].copy(), _LABELS[int(a["hand_label"][i, k])],  # type: ignore[arg-type]
                                  float(a["hand_score"][i, k]),
                                  a["hands_world"][i, k].copy() if hp & _LM_WORLD else None))
        frames.append(BodyFrame(
            index=int(a["index"][i]), t_ns=int(a["t_ns"][i]), width=width, height=height,
            pose=a["pose"][i].copy() if flags & _POSE else None,
            pose_world=a["pose_world"][i].copy() if flags & _WORLD else None,
            hands=tuple(hands), hands_tracked=bool(flags & _HANDS_TRACKED),
            t_inferred_ns=int(a["t_inferred_ns"][i])))
    return frames


def write_replay(path: str | os.PathLike[str], frames: Sequence[BodyFrame], *,
                 source: str = "", fps: float = 0.0, hands: bool | None = None,
                 extra: Mapping[str, Any] | None = None) -> Path:
    """Write `frames` to `path` atomically. Returns the path."""
    p = Path(path)
    if not frames:
        raise ReplayError(f"{p}: no frames to write")
    width, height = frames[0].width, frames[0].height
    if any((f.width, f.height) != (width, height) for f in frames):
        raise ReplayError(f"{p}: frames of one replay must share one image size")
    meta: dict[str, Any] = {
        "format": FORMAT, "version": FORMAT_VERSION, "source": source, "fps": float(fps),
        "frames": len(frames), "width": int(width), "height": int(height),
        "mediapipe": _mediapipe_version(),
        "hands": bool(any(f.hands_tracked for f in frames) if hands is None else hands),
    }
    arrays = frames_to_arrays(frames)
    meta["sha256"] = checksum(arrays)
    if extra:
        meta.update({k: v for k, v in extra.items() if k not in meta})
    arrays["meta"] = np.frombuffer(json.dumps(meta, sort_keys=True).encode("utf-8"), np.uint8)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(p) as fh:
            np.savez_compressed(fh, **arrays)
    except OSError as exc:
        raise ReplayError(f"{p}: cannot write replay ({exc.strerror or exc})") from exc
    return p


class ReplayWriter:
    """Collects frames as they are tracked; `close()` writes the file atomically."""

    def __init__(self, path: str | os.PathLike[str], *, source: str = "", fps: float = 0.0,
                 hands: bool | None = None, extra: Mapping[str, Any] | None = None) -> None:
        self.path = Path(path)
        self.source, self.fps, self.hands, self.extra = source, fps, hands, extra
        self.frames: list[BodyFrame] = []

    def add(self, frame: BodyFrame) -> None:
        self.frames.append(frame)

    def close(self) -> Path:
        return write_replay(self.path, self.frames, source=self.source, fps=self.fps,
                            hands=self.hands, extra=self.extra)


# Every array's dtype and, after the frame count N, its shape.
_LAYOUT: dict[str, tuple[np.dtype[Any], tuple[int, ...]]] = {
    "index": (np.dtype(np.int64), ()), "t_ns": (np.dtype(np.int64), ()),
    "t_inferred_ns": (np.dtype(np.int64), ()), "flags": (np.dtype(np.uint8), ()),
    "pose": (np.dtype(np.float32), (N_POSE, 4)), "pose_world": (np.dtype(np.float32), (N_POSE, 3)),
    "hand_present": (np.dtype(np.uint8), (2,)), "hand_label": (np.dtype(np.uint8), (2,)),
    "hand_score": (np.dtype(np.float32), (2,)), "hands": (np.dtype(np.float32), (2, N_HAND, 3)),
    "hands_world": (np.dtype(np.float32), (2, N_HAND, 3)),
}
# Far beyond any real recording (a 30-minute session at 30 fps with hands is about
# 100 MB unpacked); a file claiming more is refused before it is unpacked.
MAX_UNPACKED_BYTES = 2 << 30
# Landmarks are image-normalised (about 0..1, a little outside at the edges) or metres
# from the hips; far outside these a value is damage, not a pose.
MAX_NORMALISED = 100.0
MAX_WORLD_M = 100.0


def checksum(arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 over every array's name, dtype, shape and bytes, in the format's order:
    stored in the metadata on write, checked on load."""
    import hashlib

    h = hashlib.sha256()
    for k in _ARRAYS:
        a = np.ascontiguousarray(arrays[k])
        h.update(f"{k}:{a.dtype.str}:{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _read_members(p: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The metadata and arrays as stored; any damage to the container is ReplayError."""
    if not p.is_file():
        raise ReplayError(f"{p}: replay file not found")
    try:
        with zipfile.ZipFile(p) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise ReplayError(f"{p}: not a NeuroPlay replay (it would unpack to "
                              f"{unpacked / 2**30:.1f} GiB)")
        with np.load(p, allow_pickle=False) as z:
            missing = [k for k in ("meta", *_ARRAYS) if k not in z.files]
            if missing:
                raise ReplayError(f"{p}: not a NeuroPlay replay (missing {', '.join(missing)})")
            raw = z["meta"]
            if raw.dtype != np.uint8 or raw.ndim != 1:
                raise ReplayError(f"{p}: not a NeuroPlay replay (bad metadata)")
            meta = json.loads(bytes(raw).decode("utf-8"))
            arrays = {k: z[k] for k in _ARRAYS}
    except ReplayError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError, KeyError,
            UnicodeDecodeError, zipfile.LargeZipFile, NotImplementedError, RecursionError,
            MemoryError) as exc:
        # zipfile checks each member's CRC-32: flipped bytes anywhere end up here.
        raise ReplayError(f"{p}: corrupt or truncated replay "
                          f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
                          ) from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ReplayError(f"{p}: not a NeuroPlay replay (bad metadata)")
    return meta, arrays


def _number(meta: Mapping[str, Any], key: str, default: Any, p: Path) -> float:
    value = meta.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ReplayError(f"{p}: corrupt replay (metadata {key} = {value!r} is not a number)")
    return float(value)


def _validate(p: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Everything a reader relies on, checked once on load, so a damaged or hand-made
    file is one line naming what is wrong instead of a crash or silent nonsense later."""
    version = _number(meta, "version", -1, p)
    if version > FORMAT_VERSION:
        raise ReplayError(f"{p}: replay format version {meta.get('version')} is newer than this "
                          f"NeuroPlay reads ({FORMAT_VERSION})")
    n = len(arrays["t_ns"]) if arrays["t_ns"].ndim else -1
    for k, (dtype, tail) in _LAYOUT.items():
        a = arrays[k]
        if a.shape != (n, *tail) or a.dtype != dtype:
            raise ReplayError(f"{p}: corrupt replay (array {k} is {a.dtype} {a.shape}, "
                              f"expected {dtype} {(n, *tail)})")
    frames = _number(meta, "frames", n, p)
    if n <= 0 or frames != n:
        raise ReplayError(f"{p}: corrupt replay (metadata says {meta.get('frames')} frames, "
                          f"file holds {max(n, 0)})")
    if "sha256" in meta and meta["sha256"] != checksum(arrays):
        raise ReplayError(f"{p}: corrupt replay (checksum does not match its contents)")
    fps = _number(meta, "fps", 0.0, p)
    width, height = _number(meta, "width", 0, p), _number(meta, "height", 0, p)
    if fps < 0 or fps > 1000:
        raise ReplayError(f"{p}: corrupt replay (fps {fps:g} is outside 0-1000)")
    if not (0 < width <= 100_000 and 0 < height <= 100_000) or width % 1 or height % 1:
        raise ReplayError(f"{p}: corrupt replay (image size {width:g}x{height:g})")
    t = arrays["t_ns"]
    back = np.flatnonzero(np.diff(t) <= 0)
    if back.size:
        i = int(back[0]) + 1
        raise ReplayError(f"{p}: corrupt replay (time does not move forward at frame {i}: "
                          f"{(int(t[i]) - int(t[i - 1])) / 1e9:+.3f} s)")
    if np.any(arrays["flags"] & ~np.uint8(_POSE | _WORLD | _HANDS_TRACKED)) or \
            np.any(arrays["hand_present"] & ~np.uint8(_LM | _LM_WORLD)) or \
            np.any(arrays["hand_label"] > 1):
        raise ReplayError(f"{p}: corrupt replay (unknown flag or hand label values)")
    for k, bound in (("pose", MAX_NORMALISED), ("pose_world", MAX_WORLD_M),
                     ("hands", MAX_NORMALISED), ("hands_world", MAX_WORLD_M),
                     ("hand_score", 1.0)):
        a = arrays[k]
        bad = ~np.isfinite(a)
        if bad.any():
            i = int(np.argwhere(bad)[0][0])
            raise ReplayError(f"{p}: corrupt replay ({k} of frame {i} is not finite)")
        far = np.abs(a) > bound
        if far.any():
            i = int(np.argwhere(far)[0][0])
            raise ReplayError(f"{p}: corrupt replay ({k} of frame {i} is out of range "
                              f"(|value| > {bound:g}))")
    vis = arrays["pose"][..., 3]
    if np.any((vis < 0) | (vis > 1)) or np.any(arrays["hand_score"] < 0):
        raise ReplayError(f"{p}: corrupt replay (a visibility or score outside 0-1)")


def _load_arrays(p: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    meta, arrays = _read_members(p)
    _validate(p, meta, arrays)
    return meta, arrays


def load_replay(path: str | os.PathLike[str]) -> Replay:
    """Read a replay written by `write_replay`; `ReplayError` names the file on any problem."""
    p = Path(path)
    meta, arrays = _load_arrays(p)
    frames = arrays_to_frames(arrays, int(meta.get("width", 0)), int(meta.get("height", 0)))
    return Replay(str(p), meta, frames)


def replay_info(path: str | os.PathLike[str]) -> ReplayInfo:
    return load_replay(path).info()


def demo_recording_path() -> Path:
    """Path of the bundled demo recording (package data of `assets.demo`)."""
    ref = importlib.resources.files(DEMO_PACKAGE).joinpath(DEMO_FILE)
    return Path(str(ref))


def load_demo_recording() -> Replay:
    """The bundled seated recording the virtual patient animates over."""
    path = demo_recording_path()
    if not path.is_file():
        raise ReplayError(f"{path}: bundled demo recording is missing from this installation")
    return load_replay(path)


class ReplaySource:
    """A replay as a `FrameSource` of `BodyFrame`s (no model needed).

    `loop=True` starts again at the end with timestamps continuing forward,
    so a consumer sees a monotonic clock.
    """

    def __init__(self, replay: Replay | str | os.PathLike[str], *, loop: bool = False) -> None:
        self.replay = replay if isinstance(replay, Replay) else load_replay(replay)
        self.loop = loop
        self._i = 0
        self._offset_ns = 0
        f = self.replay.frames
        period = int(1e9 / self.fps) if self.fps > 0 else 0
        self._span_ns = (f[-1].t_ns - f[0].t_ns) + period if f else 0
        self._count = 0

    @property
    def fps(self) -> float:
        return self.replay.fps

    @property
    def width(self) -> int:
        return int(self.replay.meta.get("width", 0))

    @property
    def height(self) -> int:
        return int(self.replay.meta.get("height", 0))

    def read(self) -> BodyFrame | None:
        frames = self.replay.frames
        if self._i >= len(frames):
            if not self.loop or not frames:
                return None
            self._i = 0
            self._offset_ns += self._span_ns
        f = frames[self._i]
        self._i += 1
        out = BodyFrame(index=self._count, t_ns=f.t_ns + self._offset_ns, width=f.width, height=f.height,
                        pose=f.pose, pose_world=f.pose_world, hands=f.hands,
                        hands_tracked=f.hands_tracked, t_inferred_ns=f.t_inferred_ns)
        self._count += 1
        return out

    def __iter__(self) -> Iterator[BodyFrame]:
        while (f := self.read()) is not None:
            yield f

    def close(self) -> None:
        self._i = len(self.replay.frames)
        self.loop = False
