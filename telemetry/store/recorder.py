"""The recorder of one session: a buffer the game thread appends to, a flusher thread
that writes it, and the trials derived as they are written (see the package
docstring for the crash-safety rules).
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import json
import math
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from telemetry import schema as S
from telemetry.api import EventLike
from telemetry.derive import EventTally, TrialLog, measure, shoulder_series
from telemetry.errors import StoreError
from telemetry.joint_angles import session_rom
from telemetry.landmarks import CODEC, encode_frames
from telemetry.metrics import tracking_sample, tracking_summary
from telemetry.store.jsonutil import dumps, iso
from vision.bodyframe import BodyFrame

if TYPE_CHECKING:
    from telemetry.store.sessions import SessionsMixin

ROM_HZ = 10.0  # joint-angle samples per second kept for the session's range of motion
# While the disk refuses writes, keep at most this many unwritten frames (10 min at
# 30 fps); older ones are dropped and counted. Events are never dropped.
MAX_BUFFERED_FRAMES = 18_000
# A flush is due after the flush interval of WALL time (the flusher thread's timer),
# or of SESSION time spanned by the buffered events or frames, or this many buffered
# events, whichever comes first: a headless session on a simulated clock runs ~50x
# faster than the wall, so the wall timer alone let a SIGKILL lose a whole session.
FLUSH_EVENTS = 256


class _ActiveSessions:
    """Sessions with a live recorder in this process (so recovery skips them)."""

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._lock = threading.Lock()

    def add(self, session_id: str) -> None:
        with self._lock:
            self._ids.add(session_id)

    def discard(self, session_id: str) -> None:
        with self._lock:
            self._ids.discard(session_id)

    def contains(self, session_id: str) -> bool:
        with self._lock:
            return session_id in self._ids


_ACTIVE = _ActiveSessions()


@dataclasses.dataclass(frozen=True, slots=True)
class _Ev:
    t: float
    kind: str
    data: Mapping[str, Any]


class _Series:
    """A growing (t, shoulder-line angle) series; `view()` is the samples so far,
    without copying (later appends never write into a view's range)."""

    def __init__(self) -> None:
        self._t = np.empty(1024)
        self._deg = np.empty(1024)
        self.n = 0

    def extend(self, t: np.ndarray, deg: np.ndarray) -> None:
        need = self.n + len(t)
        if need > len(self._t):
            size = max(need, 2 * len(self._t))
            self._t = np.concatenate([self._t[:self.n], np.empty(size - self.n)])
            self._deg = np.concatenate([self._deg[:self.n], np.empty(size - self.n)])
        self._t[self.n:need] = t
        self._deg[self.n:need] = deg
        self.n = need

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        return self._t[:self.n], self._deg[:self.n]


class Recorder:
    """One session being recorded (implements `telemetry.api.SessionRecorder`).

    `record` and `record_frame` only append to a buffer under a short lock;
    the flusher thread writes the buffer in one transaction per interval.
    It also derives the session's trials as it goes: each written batch of
    events is fed to a `TrialLog`, and each reach whose end (and shoulder
    samples) are written is measured in the flusher thread, so that `close()`
    measures only the last reach or two instead of the whole session. Nothing
    derived is needed for recovery: a killed session is derived from its
    stored events as before.
    """

    def __init__(self, store: SessionsMixin, session_id: str, patient_id: str,
                 flush_interval_s: float, rom_sides: Sequence[str] = (), *,
                 started_at: datetime | None = None, t0: float | None = None,
                 simulated_clock: bool = False) -> None:
        self.store = store
        self.started_at = started_at or store.now()
        self.t0 = t0  # the game clock at the start (None: derived from the log at close)
        self.simulated_clock = simulated_clock
        self._last_t: float | None = None  # newest event time recorded
        # Joint angles of the affected arm(s), sampled at <= ROM_HZ by the flusher
        # thread from the frames it writes; their range goes into the summary.
        self._rom: list[tuple[float, np.ndarray, np.ndarray | None, int, int]] = []
        self._rom_last_t = -math.inf
        self._rom_sides = tuple(rom_sides)
        self._track: list[tuple[bool, float | None, float | None]] = []
        # (t, shoulder-line angle) of every written frame: each reach's trunk rotation
        # at close without decoding the stored stream (a recovered session decodes
        # it; its 1 mm quantization moves a rotation by at most about 0.2 deg).
        self._shoulders = _Series()
        # The written events, grouped into trials and tallied as they are written;
        # the lock guards both between a flush and the flusher's measuring.
        self._trial_log = TrialLog()
        self._tally = EventTally()
        self._derive_lock = threading.Lock()
        self._frames_until = -math.inf  # the newest written frame's time
        self.measured_at_close: int | None = None  # trials close() had to measure itself
        self._track_last_t = -math.inf
        self.session_id = session_id
        self.patient_id = patient_id
        self._interval = flush_interval_s
        self._buf_lock = threading.Lock()
        self._flush_lock = threading.Lock()  # one flush at a time (chunk numbering)
        self._events: list[dict[str, Any]] = []
        self._frames: list[BodyFrame] = []
        self._seq = 0
        self._chunk_seq = 0
        self.dropped_frames = 0
        self._closed = False
        self._error: BaseException | None = None
        self._wake = threading.Event()
        # Session time of the oldest buffered event / frame (each on its own clock: a
        # replay's frames keep their capture times), and whether a flush is due now.
        self._ev_first_t: float | None = None
        self._fr_first_t: float | None = None
        self._flush_now = False
        self._sync_retry_at = -math.inf  # after a failed flush on the game thread
        self.flushes_by_session_time = 0  # flushes the session clock or count asked for
        self._thread = threading.Thread(target=self._run, name=f"telemetry-{session_id[:8]}",
                                        daemon=True)
        self._thread.start()
        # A normal interpreter exit without close() (an unhandled exception in the
        # game) still writes what is buffered; the session is recovered as incomplete.
        atexit.register(self._flush_at_exit)

    # ----------------------------------------------------------- game thread
    def record(self, events: Sequence[EventLike]) -> None:
        if self._closed:
            raise StoreError(f"session {self.session_id} is closed")
        now = iso(self.store.now())
        rows: list[dict[str, Any]] = [
            {"session_id": self.session_id, "t": float(e.t), "kind": str(e.kind),
             "data": dumps(e.data), "recorded_at": now} for e in events]
        if not rows:
            return
        newest = max(r["t"] for r in rows)
        self._last_t = newest if self._last_t is None else max(self._last_t, newest)
        with self._buf_lock:
            for row in rows:
                row["seq"] = self._seq
                self._seq += 1
            self._events.extend(rows)
            if self._ev_first_t is None:
                self._ev_first_t = min(r["t"] for r in rows)
            due = (newest - self._ev_first_t >= self._interval
                   or len(self._events) >= FLUSH_EVENTS)
        if due:
            self._flush_due()

    def record_frame(self, frame: BodyFrame) -> None:
        if self._closed:
            raise StoreError(f"session {self.session_id} is closed")
        t = frame.t
        with self._buf_lock:
            self._frames.append(frame)
            self._trim_frames_locked()
            if self._fr_first_t is None:
                self._fr_first_t = t
            due = t - self._fr_first_t >= self._interval
        if due:
            self._flush_due()

    def _flush_due(self) -> None:
        """The buffer spans a flush interval of session time (or holds FLUSH_EVENTS).

        On a simulated clock the game thread writes it now: a headless session
        never runs more than one interval of session time ahead of the disk (a
        commit takes milliseconds; nobody watches that clock). On a real clock
        the game thread never waits on the disk: the flusher thread is woken.
        """
        self.flushes_by_session_time += 1
        if not self.simulated_clock:
            self._flush_now = True
            self._wake.set()
            return
        if time.monotonic() < self._sync_retry_at:
            return  # the last write failed: retried after an interval, not every frame
        try:
            self.flush()
            self._error = None
        except Exception as exc:  # noqa: BLE001  (kept buffered; retried)
            self._error = exc
            self._sync_retry_at = time.monotonic() + self._interval

    def _trim_frames_locked(self) -> None:
        excess = len(self._frames) - MAX_BUFFERED_FRAMES
        if excess > 0:
            del self._frames[:excess]
            self.dropped_frames += excess

    @property
    def error(self) -> str | None:
        """Why the last background write failed (None when writing is fine), so
        the game can warn that telemetry is not reaching the disk."""
        return None if self._error is None else str(self._error)

    def at(self, t: float | None = None) -> datetime:
        """The moment of game time `t` in this session's timestamps.

        On a simulated clock the wall clock says nothing about the session (a
        headless minute passes in seconds): `started_at + (t - t0)`, with the
        newest recorded event's time when no `t` is given. On a real clock:
        the wall clock, now.
        """
        if not self.simulated_clock:
            return self.store.now()
        game_t = t if t is not None else self._last_t
        if game_t is None:
            return self.started_at
        return self.started_at + timedelta(seconds=max(0.0, game_t - (self.t0 or 0.0)))

    def _end_at(self, t: float | None) -> datetime:
        """The end: never before the newest event (ended_at >= every event's time)."""
        newest = max((x for x in (t, self._last_t) if x is not None), default=None)
        return self.at(newest)

    def checkin(self, phase: str, answers: Mapping[str, int], *, t: float | None = None) -> None:
        """Store a check-in of this session; `t`: the game time it was answered."""
        self.store.checkin(self.patient_id, phase, answers, session_id=self.session_id,
                           at=self.at(t) if self.simulated_clock else None)

    def close(self, summary: Mapping[str, Any], completed: bool = True, *,
              ended_at: datetime | None = None, t: float | None = None) -> None:
        """Flush, derive the trials, store the summary; `t`: the game time at the end."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self._flush_at_exit)
        self._wake.set()
        self._thread.join()
        self.flush()
        rom = self.range_of_motion()
        if rom and "rom" not in summary:
            summary = {**summary, "rom": rom}
        if self.dropped_frames and "dropped_frames" not in summary:
            summary = {**summary, "dropped_frames": self.dropped_frames}
        tracking = tracking_summary(self._track) if self._track else None
        if tracking is not None and "tracking_quality" not in summary:
            summary = {**summary, "tracking_quality": tracking}
        if "clock" not in summary and self.t0 is not None:  # else derived from the log
            summary = {**summary, "clock": {"t0_s": self.t0, "simulated": self.simulated_clock}}
        with self._derive_lock:  # the same as deriving the stored log now (TrialLog)
            trials = self._trial_log.finish(tracking=tracking, shoulders=self._shoulders.view())
            derived = self._tally.summary(trials)
            self.measured_at_close = len(trials) - self._trial_log.reused
        with self.store._tx() as conn:
            self.store._finish_session(conn, self.session_id, summary=summary,
                                       completed=completed,
                                       ended_at=iso(ended_at or self._end_at(t)),
                                       recovered=False, tracking=tracking,
                                       derived=(trials, derived))
        self.store._recorders.pop(self.session_id, None)
        _ACTIVE.discard(self.session_id)

    # ------------------------------------------------------------ writing
    def flush(self) -> None:
        """Write everything buffered now (the flusher calls this periodically)."""
        with self._flush_lock:  # taken before the buffers, so chunks stay in order
            with self._buf_lock:
                events, self._events = self._events, []
                frames, self._frames = self._frames, []
                first = (self._ev_first_t, self._fr_first_t)
                self._ev_first_t = self._fr_first_t = None
            try:
                self._flush_locked(events, frames)
            except BaseException:
                with self._buf_lock:  # still buffered (see _flush_locked): still this old
                    self._ev_first_t = _older(first[0], self._ev_first_t)
                    self._fr_first_t = _older(first[1], self._fr_first_t)
                raise
        if events and threading.current_thread() is not self._thread and self._thread.is_alive():
            self._wake.set()  # flushed by hand: the flusher measures what it can now

    def _flush_locked(self, events: list[dict[str, Any]], frames: list[BodyFrame]) -> None:
        try:
            blob = encode_frames(frames) if frames else None
            with self.store._tx() as conn:
                if events:
                    conn.execute(S.events.insert(), events)
                if blob is not None:
                    conn.execute(S.landmark_chunks.insert().values(
                        session_id=self.session_id, seq=self._chunk_seq, n_frames=len(frames),
                        t0=frames[0].t, codec=CODEC, data=blob))
                    self._chunk_seq += 1
                conn.execute(S.sessions.update()
                             .where(S.sessions.c.session_id == self.session_id)
                             .values(heartbeat_at=iso(self.store.now())))
        except BaseException:
            with self._buf_lock:  # keep them for the next attempt
                self._events[:0] = events
                self._frames[:0] = frames
                self._trim_frames_locked()
            raise
        t, deg = shoulder_series(frames)
        # The events as stored (JSON round trip, in seq order): what a derivation
        # of the stored log reads.
        written = [_Ev(r["t"], r["kind"], json.loads(r["data"])) for r in events]
        with self._derive_lock:
            self._shoulders.extend(t, deg)
            if frames:
                self._frames_until = max(self._frames_until, max(f.t for f in frames))
            self._trial_log.add(written)
            self._tally.add(written)
        self._sample_angles(frames)

    def derive_ready(self, deadline: float = math.inf) -> None:
        """Measure, one at a time, the trials whose events and frames are written.
        The flusher thread calls this after each flush (and when woken by a flush
        made by hand) with the next flush's time as `deadline` (`time.monotonic()`),
        so a backlog never holds events off the disk for longer than one trial
        (about 5 ms); it stops as soon as the session closes, which measures the rest."""
        while not self._closed and time.monotonic() < deadline:
            with self._derive_lock:
                until = math.inf if self._frames_until == -math.inf else self._frames_until
                job = self._trial_log.take_ready(until)
                shoulders = self._shoulders.view()
            if job is None:
                return
            reach = measure(job, shoulders)
            with self._derive_lock:
                self._trial_log.keep(reach)

    def _sample_angles(self, frames: Sequence[BodyFrame]) -> None:
        for f in frames:
            if f.t >= self._track_last_t + 1.0 / ROM_HZ - 1e-3:
                self._track.append(tracking_sample(f.pose, f.pose_world, self._rom_sides))
                self._track_last_t = f.t
        if not self._rom_sides:
            return
        for f in frames:  # the poses (never images), for the honest angles at close
            if f.pose is None or f.t < self._rom_last_t + 1.0 / ROM_HZ - 1e-3:
                continue
            self._rom.append((f.t, f.pose, f.pose_world, f.width, f.height))
            self._rom_last_t = f.t

    @property
    def trials_measured(self) -> int:
        """Trials measured ahead of `close()` (their measurement may still be redone
        at close, if later events or shoulder samples changed its inputs)."""
        with self._derive_lock:
            return self._trial_log.measured

    def shoulder_series(self) -> tuple[np.ndarray, np.ndarray]:
        """(t, shoulder-line angle) of the frames written so far, as `close()`
        hands them to the derivation (a copy)."""
        with self._derive_lock:
            t, deg = self._shoulders.view()
            return t.copy(), deg.copy()

    def range_of_motion(self) -> dict[str, dict[str, Any]]:
        """Per arm, telemetry.joint_angles.session_rom of the sampled frames."""
        return session_rom(self._rom, self._rom_sides)

    def _flush_at_exit(self) -> None:
        if not self._closed:
            # Exiting anyway: whatever is not flushed, recovery closes the session next open.
            with contextlib.suppress(Exception):
                self.flush()

    def _run(self) -> None:
        due = time.monotonic() + self._interval
        while not self._closed:
            self._wake.wait(max(0.0, due - time.monotonic()))
            self._wake.clear()
            if self._closed:
                return
            if time.monotonic() >= due or self._flush_now:
                self._flush_now = False
                due = time.monotonic() + self._interval
                try:
                    self.flush()
                    self._error = None
                except Exception as exc:  # noqa: BLE001  (retried next interval)
                    self._error = exc
            try:
                self.derive_ready(deadline=due)
            except Exception:  # noqa: BLE001, S110  (close() derives whatever is left)
                pass


def _older(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)

