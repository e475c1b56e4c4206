"""Lab Streaming Layer outlets: a session's pose, hands and game events, live.

Why: researchers record NeuroPlay alongside EEG/EMG in LabRecorder (XDF); LSL
puts every stream on one clock. Three outlets, named and typed as LSL
conventions expect, with channel metadata in the stream's XML header (so the
XDF file is self-describing):

* ``NeuroPlay-Pose``  type ``MoCap``, 132 float32 channels (33 landmarks x
  x, y, z, visibility; MediaPipe's normalised image units), nominal rate = the
  camera's frame rate;
* ``NeuroPlay-Hands`` type ``MoCap``, 126 float32 channels (left, right x 21
  landmarks x x, y, z), NaN for a hand not tracked, same rate;
* ``NeuroPlay-Markers`` type ``Markers``, one string channel, irregular rate:
  each game event as compact JSON ``{"t", "kind", "data"}`` (target shown,
  touched, tap, pain answer, ...).

Timestamps come from the CAPTURE time, not the moment of sending: a live
camera's frames carry `time.monotonic_ns()` stamps, and liblsl's
`local_clock()` reads the same monotonic clock, so the offset between them
(measured once) maps capture time exactly onto LSL time. A recording or a
simulation has its own clock: its first frame is anchored to the LSL time it
was sent and the rest keep their spacing. Game events carry the session clock
(seconds since the first frame), so they share that anchor.

`LslStreamer.attach(app, flow)` hooks the game's frame and event listeners
(the same hooks as the clinic station link). pylsl is imported lazily; its
wheel bundles liblsl.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from vision.bodyframe import N_HAND, BodyFrame

POSE_NAMES = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
    "right_heel", "left_foot_index", "right_foot_index")
HAND_NAMES = (
    "wrist", "thumb_cmc", "thumb_mcp", "thumb_ip", "thumb_tip", "index_mcp", "index_pip",
    "index_dip", "index_tip", "middle_mcp", "middle_pip", "middle_dip", "middle_tip", "ring_mcp",
    "ring_pip", "ring_dip", "ring_tip", "pinky_mcp", "pinky_pip", "pinky_dip", "pinky_tip")
POSE_STREAM, HANDS_STREAM, MARKER_STREAM = "NeuroPlay-Pose", "NeuroPlay-Hands", "NeuroPlay-Markers"
_AXIS_TYPE = {"x": "PositionX", "y": "PositionY", "z": "PositionZ"}


class LslUnavailable(RuntimeError):
    """pylsl (or its liblsl) cannot be loaded; one-line message."""


def _pylsl() -> Any:
    try:
        import pylsl
    except (ImportError, RuntimeError, OSError) as exc:  # liblsl missing raises RuntimeError
        raise LslUnavailable(f"Lab Streaming Layer is not available ({exc}); "
                             "install it with `pip install pylsl`") from None
    return pylsl


def pose_channels() -> list[tuple[str, str, str]]:
    """(label, type, unit) of the 132 pose channels, landmark-major."""
    out = []
    for name in POSE_NAMES:
        for axis in "xyz":
            out.append((f"{name}_{axis}", _AXIS_TYPE[axis], "normalized"))
        out.append((f"{name}_visibility", "Visibility", "probability"))
    return out


def hand_channels() -> list[tuple[str, str, str]]:
    """(label, type, unit) of the 126 hand channels: left hand, then right."""
    return [(f"{side}_{name}_{axis}", _AXIS_TYPE[axis], "normalized")
            for side in ("left", "right") for name in HAND_NAMES for axis in "xyz"]


def _describe(info: Any, channels: Sequence[tuple[str, str, str]], extra: dict[str, str]) -> None:
    desc = info.desc()
    desc.append_child_value("manufacturer", "NeuroPlay")
    for k, v in extra.items():
        desc.append_child_value(k, v)
    chns = desc.append_child("channels")
    for label, ctype, unit in channels:
        ch = chns.append_child("channel")
        ch.append_child_value("label", label)
        ch.append_child_value("type", ctype)
        ch.append_child_value("unit", unit)


def pose_sample(frame: BodyFrame) -> np.ndarray:
    """(132,) float32: the pose, NaN when no body was found."""
    if frame.pose is None:
        return np.full(33 * 4, np.nan, np.float32)
    return np.asarray(frame.pose, np.float32).reshape(-1)


def hands_sample(frame: BodyFrame) -> np.ndarray:
    """(126,) float32: left then right hand (anatomical), NaN for a hand not tracked."""
    out = np.full((2, N_HAND, 3), np.nan, np.float32)
    for i, label in enumerate(("Left", "Right")):
        hand = frame.hand(label)  # type: ignore[arg-type]
        if hand is not None:
            out[i] = np.asarray(hand.landmarks, np.float32)[:, :3]
    return out.reshape(-1)


RATE_PROBE_FRAMES = 10  # the nominal rate is measured from the first frames' capture stamps


class LslStreamer:
    """Pose (+ hands) + markers outlets for one session.

    The outlets open once `RATE_PROBE_FRAMES` frames have arrived: their capture
    stamps give the nominal rate (a camera's real rate, never an assumed one).
    Those frames, and events before them, are held and sent then with their own
    timestamps, so nothing is lost. `wait_s` > 0 then waits (up to that long)
    until a consumer (LabRecorder, a test's inlet) is connected to every outlet,
    so a recording made from the start holds the whole session.
    """

    def __init__(self, *, hands: bool, live_clock: bool, source_id: str = "neuroplay",
                 wait_s: float = 0.0) -> None:
        self._lsl = _pylsl()
        self.want_hands = hands
        self.live_clock = live_clock
        self.source_id = source_id
        self.wait_s = float(wait_s)
        self.pose: Any = None
        self.hands: Any = None
        self.markers: Any = None
        self.rate_hz: float | None = None
        self._t0_ns: int | None = None  # first frame's capture stamp = session time 0
        self._anchor: float | None = None  # LSL time of session time 0
        self._last: tuple[int, int] | None = None
        self._held_frames: list[BodyFrame] = []
        self._held_events: list[Any] = []
        self.frames_sent = 0
        self.markers_sent = 0

    @property
    def open(self) -> bool:
        return self.pose is not None

    def _open(self, rate_hz: float) -> None:
        lsl = self._lsl
        self.rate_hz = rate_hz
        meta = {"coordinates": "MediaPipe normalised image: x right, y down, z depth (x scale)"}
        info = lsl.StreamInfo(POSE_STREAM, "MoCap", 33 * 4, rate_hz, lsl.cf_float32,
                              f"{self.source_id}-pose")
        _describe(info, pose_channels(), meta)
        self.pose = lsl.StreamOutlet(info)
        if self.want_hands:
            info = lsl.StreamInfo(HANDS_STREAM, "MoCap", 2 * N_HAND * 3, rate_hz,
                                  lsl.cf_float32, f"{self.source_id}-hands")
            _describe(info, hand_channels(), meta)
            self.hands = lsl.StreamOutlet(info)
        info = lsl.StreamInfo(MARKER_STREAM, "Markers", 1, lsl.IRREGULAR_RATE, lsl.cf_string,
                              f"{self.source_id}-markers")
        _describe(info, [("event", "Marker", "json")], {"format": 'JSON {"t", "kind", "data"}'})
        self.markers = lsl.StreamOutlet(info)
        if self.wait_s > 0:
            deadline = time.monotonic() + self.wait_s
            for outlet in (self.pose, self.hands, self.markers):
                if outlet is not None:
                    outlet.wait_for_consumers(max(0.0, deadline - time.monotonic()))

    def lsl_time(self, session_t: float) -> float:
        """LSL timestamp of a session time (seconds since the first frame)."""
        if self._anchor is None:
            raise RuntimeError("no frame seen yet: the session clock has no origin")
        return self._anchor + session_t

    def push_frame(self, frame: BodyFrame) -> None:
        key = (frame.index, frame.t_ns)
        if key == self._last:
            return  # the same frame offered again
        self._last = key
        if self._t0_ns is None:
            self._t0_ns = frame.t_ns
            if self.live_clock:  # monotonic capture stamps: the same clock as liblsl's
                offset = self._lsl.local_clock() - time.monotonic()
                self._anchor = frame.t_ns / 1e9 + offset
            else:
                self._anchor = self._lsl.local_clock()
        if not self.open:
            self._held_frames.append(frame)
            if len(self._held_frames) < RATE_PROBE_FRAMES:
                return
            stamps = np.array([f.t_ns for f in self._held_frames], float) / 1e9
            dt = float(np.median(np.diff(stamps)))
            if not dt > 0:
                return  # stamps not moving yet: keep holding
            self._open(1.0 / dt)
            held, self._held_frames = self._held_frames, []
            for f in held:
                self._send_frame(f)
            events, self._held_events = self._held_events, []
            self.push_events(events)
            return
        self._send_frame(frame)

    def _send_frame(self, frame: BodyFrame) -> None:
        assert self._t0_ns is not None
        ts = self.lsl_time((frame.t_ns - self._t0_ns) / 1e9)
        self.pose.push_sample(pose_sample(frame), ts)
        if self.hands is not None:
            self.hands.push_sample(hands_sample(frame), ts)
        self.frames_sent += 1

    def push_events(self, events: Sequence[Any]) -> None:
        if not self.open:
            self._held_events.extend(events)
            return
        for e in events:
            t = float(getattr(e, "t", 0.0))
            data = getattr(e, "data", {}) or {}
            text = json.dumps({"t": t, "kind": str(getattr(e, "kind", "")), "data": dict(data)},
                              separators=(",", ":"), default=str)
            self.markers.push_sample([text], self.lsl_time(t))
            self.markers_sent += 1

    def attach(self, app: Any, flow: Any) -> None:
        """Hook the game: every tracked frame and every recorded event."""
        app.frame_listeners.append(lambda frame, scene: self.push_frame(frame))
        flow.listeners.append(self.push_events)

    def close(self) -> None:
        self.pose = self.hands = self.markers = None
