"""Trials and session summaries derived from the event log (pure).

Events are the only thing recorded during play, so whatever survives a crash
is summarised the same way as a finished session. One trial per target:

* events carrying `data["index"]` belong to that trial (the reaching game
  emits `timeout`, `miss` and `repetition` for one target: one trial);
* a `repetition` event is authoritative: its `outcome`/`hit` decide the
  outcome and its data are kept; without one, `hold_complete` is a hit and
  `miss`/`timeout` are failures;
* when a repetition carries the hand `path` ([[t, x, y], ...] body units),
  its `target` and `shown_t`, the kinematic metrics are computed here
  (`telemetry.metrics.reach_trial_metrics`) with a quality score; the raw
  path stays in the event log, not in the trial;
* given the session's shoulder-line series (`shoulder_series`, from the stored
  pose landmarks), each such repetition also gets its trunk rotation: the
  largest turn of the shoulder line from the target's appearance to the
  repetition's end (`trunk_rotation_deg`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from core.events import (
    CHECKIN,
    COMPENSATION,
    HOLD_COMPLETE,
    MISS,
    MOVEMENT_ONSET,
    PAIN_STOP,
    PAUSE,
    REPETITION,
    SESSION_START,
    TARGET_SHOWN,
    TIMEOUT,
    TRACKING_LOST,
)
from telemetry import metrics as M
from telemetry.api import EventLike

OUTCOME_KINDS: dict[str, str] = {
    HOLD_COMPLETE: "hit",
    MISS: "miss",
    TIMEOUT: "timeout",
}
SUCCESS_OUTCOMES = frozenset({"hit", "done", "success"})
BULKY_KEYS = ("path", "trunk")
# Per-repetition numbers the dexterity games report themselves (tapping sets use
# telemetry.metrics.tapping_metrics); copied into the trial's "metrics".
DEXTERITY_METRICS = ("rate_hz", "amplitude", "rhythm_cov", "decrement", "interruptions",
                     "mean_abs_offset_s", "range", "cycle_s", "carry_s")
MIN_PATH_HZ = 15.0  # below this sampling density a repetition's quality drops


_Ev = EventLike  # an event as stored or as emitted: t, kind, data


@dataclass(frozen=True, slots=True)
class DerivedTrial:
    trial_index: int
    t: float
    outcome: str
    data: dict[str, Any]


def _index(ev: _Ev) -> Any:
    v = ev.data.get("index") if isinstance(ev.data, Mapping) else None
    return v if isinstance(v, (int, str)) and not isinstance(v, bool) else None


def shoulder_series(frames: Iterable[Any]) -> tuple[np.ndarray, np.ndarray]:
    """(t, shoulder-line angle in degrees) of the frames whose shoulders are
    tracked (`metrics.shoulder_line_deg`; anything with t, pose, pose_world)."""
    ts: list[float] = []
    angles: list[float] = []
    for f in frames:
        a = M.shoulder_line_deg(f.pose, f.pose_world)
        if a is not None:
            ts.append(float(f.t))
            angles.append(a)
    return np.asarray(ts, dtype=float), np.asarray(angles, dtype=float)


def derive_trials(events: Iterable[_Ev], *,
                  tracking: Mapping[str, Any] | None = None,
                  shoulders: tuple[np.ndarray, np.ndarray] | None = None
                  ) -> list[DerivedTrial]:
    """One trial per target. `tracking` (the recorder's session-level
    `metrics.tracking_summary`) adds landmark visibility and how frontal the
    view was to each repetition's quality score; without it (a session
    recovered after a crash) quality rests on the hand path alone.
    `shoulders` (`shoulder_series` of the session's landmark stream, on the
    events' clock) adds each reach's trunk rotation."""
    log = TrialLog()
    log.add(events)
    return log.finish(tracking=tracking, shoulders=shoulders)


@dataclass(frozen=True, slots=True)
class ReachJob:
    """A trial's inputs as they stand, to measure away from the log's lock."""
    key: Any
    data: dict[str, Any]
    success: bool
    t_end: float


@dataclass(frozen=True, slots=True)
class Reach:
    """What a reach's kinematics cost: everything but the parts that need the
    whole session (the tracking summary scales the quality score; shoulder
    samples may still arrive). Kept with the inputs it was measured from, so
    `TrialLog.finish` uses it only when they are still the trial's inputs."""
    key: Any
    data: dict[str, Any]
    success: bool
    t_end: float
    metrics: M.TrialMetrics | None  # quality not applied yet; None: not a measurable reach
    coverage: float
    jitter: float
    rotation_start: float | None
    rotation_n: int  # shoulder samples the rotation saw (a prefix of the series); -1: none
    rotation: float | None


class TrialLog:
    """The events of one session grouped into trials, fed in log order.

    `derive_trials` feeds the whole log at once. A recorder feeds each batch
    as it is written and measures finished reaches in the background
    (`take_ready` -> `measure` -> `keep`), so that `finish` at the end of the
    session only measures what is left. `finish` reuses a measurement only if
    the trial's inputs are still equal to those it was made from and no
    shoulder sample that arrived since falls in the reach's window, so the
    result is the same as deriving the whole log in one go.
    """

    def __init__(self) -> None:
        self._order: list[Any] = []
        self._trials: dict[Any, dict[str, Any]] = {}
        self._shown: dict[Any, float] = {}
        self._onset: dict[Any, float] = {}
        self._last_shown: float | None = None
        self._last_onset: float | None = None
        self._anon = 0
        self._pending: dict[Any, None] = {}  # trials changed since last measured (ordered)
        self._reaches: dict[Any, Reach] = {}
        self.reused = 0  # trials the last `finish` did not measure again

    def __len__(self) -> int:
        return len(self._order)

    @property
    def measured(self) -> int:
        """Trials with a kept measurement (valid or not)."""
        return len(self._reaches)

    def add(self, events: Iterable[_Ev]) -> None:
        trials, shown, onset = self._trials, self._shown, self._onset
        for ev in events:
            idx = _index(ev)
            if ev.kind == TARGET_SHOWN:
                self._last_shown, self._last_onset = float(ev.t), None
                if idx is not None:
                    shown[idx] = float(ev.t)
                    if idx in trials:
                        self._pending[idx] = None
                continue
            if ev.kind == MOVEMENT_ONSET:
                if idx is not None:
                    onset.setdefault(idx, float(ev.t))
                    if idx in trials:
                        self._pending[idx] = None
                elif self._last_onset is None:
                    self._last_onset = float(ev.t)
                continue
            if ev.kind not in OUTCOME_KINDS and ev.kind != REPETITION:
                continue
            if idx is None:
                idx = ("anon", self._anon)
                self._anon += 1
                if self._last_shown is not None:
                    shown[idx] = self._last_shown
                if self._last_onset is not None:
                    onset[idx] = self._last_onset
            tr = trials.get(idx)
            if tr is None:
                tr = {"t": float(ev.t), "outcome": None, "data": {}, "rep": False}
                trials[idx] = tr
                self._order.append(idx)
            self._pending[idx] = None
            tr["t"] = float(ev.t)
            if ev.kind == REPETITION:
                tr["rep"] = True
                tr["data"].update(dict(ev.data))
                hit = ev.data.get("hit")
                tr["outcome"] = str(ev.data.get("outcome") or ("hit" if hit else "done"))
            elif not tr["rep"]:
                tr["data"].update({k: v for k, v in dict(ev.data).items()
                                   if k not in tr["data"]})
                if tr["outcome"] != "timeout" or ev.kind != MISS:  # timeout then miss: timeout
                    tr["outcome"] = OUTCOME_KINDS[ev.kind]
            self._last_shown = self._last_onset = None

    def _inputs(self, idx: Any) -> tuple[dict[str, Any], bool, float]:
        """(data with the target's appearance and onset, success, end time):
        a copy, so later events and the caller never change each other's."""
        tr = self._trials[idx]
        data = dict(tr["data"])
        if idx in self._shown:
            data.setdefault("t_target_shown", self._shown[idx])
        if idx in self._onset:
            data.setdefault("t_onset", self._onset[idx])
        return data, tr["outcome"] in SUCCESS_OUTCOMES, tr["t"]

    def take_ready(self, until_t: float) -> ReachJob | None:
        """The oldest changed trial that ended by `until_t` (so its shoulder
        samples are in), as a job to `measure`; None when there is none."""
        for idx in self._pending:
            if self._trials[idx]["t"] <= until_t:
                del self._pending[idx]
                data, success, t_end = self._inputs(idx)
                return ReachJob(idx, data, success, t_end)
        return None

    def keep(self, reach: Reach) -> None:
        self._reaches[reach.key] = reach

    def finish(self, *, tracking: Mapping[str, Any] | None = None,
               shoulders: tuple[np.ndarray, np.ndarray] | None = None) -> list[DerivedTrial]:
        """Every trial, measuring those without a still-valid `Reach`."""
        late_min: np.ndarray | None = None  # late_min[n]: earliest sample time from index n on
        out: list[DerivedTrial] = []
        self.reused = 0
        for n, idx in enumerate(self._order):
            data, success, t_end = self._inputs(idx)
            reach = self._reaches.get(idx)
            if reach is None or reach.success != success or reach.data != data:
                reach = measure(ReachJob(idx, data, success, t_end), None)
            else:
                self.reused += 1
            kin = _with_quality(reach, data, tracking)
            if kin is not None and shoulders is not None:
                start = _rotation_start(data)
                rot: float | None
                if (reach.rotation_n >= 0 and start == reach.rotation_start
                        and t_end == reach.t_end):
                    if late_min is None:
                        late_min = _suffix_min(shoulders[0])
                    if not late_min[reach.rotation_n] <= t_end:  # nothing new in its window
                        rot = reach.rotation
                    else:
                        rot = _rotation(data, t_end, shoulders)
                else:
                    rot = _rotation(data, t_end, shoulders)
                if rot is not None:
                    kin["trunk_rotation_deg"] = rot
            if kin is None and self._trials[idx]["rep"]:
                kin = _dexterity(data)
            data = {k: v for k, v in data.items() if k not in BULKY_KEYS}
            if kin:
                data["metrics"] = kin
            out.append(DerivedTrial(n, t_end, str(self._trials[idx]["outcome"]), data))
        return out


def _suffix_min(t: np.ndarray) -> np.ndarray:
    """m[n] = min(t[n:]), m[len(t)] = inf; NaN anywhere after n makes m[n] NaN
    (which reads as "maybe in the window": measure again)."""
    tt = np.asarray(t, dtype=float)
    out = np.full(tt.size + 1, np.inf)
    if tt.size:
        out[:-1] = np.minimum.accumulate(tt[::-1])[::-1]
    return out


def measure(job: ReachJob, shoulders: tuple[np.ndarray, np.ndarray] | None) -> Reach:
    """The costly part of a trial (resampling, filtering, SPARC, ...; the trunk
    rotation over `shoulders` as they stand, when given)."""
    data = job.data
    metrics, coverage, jitter = None, 0.0, 0.0
    parts = _reach_parts(data, job.success)
    if parts is not None:
        metrics, coverage, jitter = parts
    start = _rotation_start(data)
    rot_n, rot = -1, None  # -1: not measured
    if parts is not None and shoulders is not None and start is not None:
        rot_n = len(shoulders[0])
        rot = _rotation(data, job.t_end, shoulders)
    return Reach(job.key, data, job.success, job.t_end, metrics, coverage, jitter,
                 start, rot_n, rot)


def _reach_parts(data: Mapping[str, Any], success: bool
                 ) -> tuple[M.TrialMetrics, float, float] | None:
    """(metrics without quality, path coverage, path jitter) of a repetition
    with a hand path, target and appearance time; None otherwise."""
    path = data.get("path")
    target = data.get("target")
    shown_t = data.get("shown_t", data.get("t_target_shown"))
    if not isinstance(path, list) or len(path) < 4 or target is None or shown_t is None:
        return None
    try:
        arr = np.asarray(path, dtype=float)
        tgt = np.asarray(target, dtype=float)
        if arr.ndim != 2 or arr.shape[1] < 3:
            return None
        t, pos = arr[:, 0], arr[:, 1:]
        duration = float(t[-1] - t[0])
        if duration <= 0:
            return None
        coverage = min(1.0, (len(t) - 1) / (duration * MIN_PATH_HZ))
        fs = M.RESAMPLE_HZ
        _, uniform = M.uniform_path(t, pos, fs=fs, cutoff_hz=None)
        jitter = M.path_jitter(uniform, fs)
        m = M.reach_trial_metrics(t, pos, tgt, float(shown_t), success=success, quality=None)
    except (ValueError, TypeError):
        return None
    return m, coverage, jitter


def _with_quality(reach: Reach, data: Mapping[str, Any],
                  tracking: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The trial's metrics: the reach's, scored with the session's tracking."""
    if reach.metrics is None:
        return None
    visibility, frontal = reach.coverage, 1.0
    if tracking:
        vis = tracking.get("arm_visibility_mean")
        fr = tracking.get("frontal_median")
        if isinstance(vis, (int, float)):
            visibility = reach.coverage * float(vis)
        if isinstance(fr, (int, float)):
            frontal = float(fr)
    quality = M.quality_from_jitter(visibility, reach.jitter, frontal)
    # reach_trial_metrics keeps the score and marks poor when the score is, or when
    # the hand speed is implausible (which it found without the score). Its fields
    # are plain numbers: a flat copy is TrialMetrics.to_dict without its deep copy.
    m = reach.metrics
    d = {f.name: getattr(m, f.name) for f in fields(m)}
    d["quality"] = quality.score
    d["poor_quality"] = quality.poor or m.poor_quality
    trunk = data.get("trunk")
    if isinstance(trunk, list) and trunk:
        tr = np.asarray(trunk, dtype=float)
        if tr.ndim == 2 and tr.shape[1] >= 3:
            d["trunk_displacement_cm"] = round(float(np.hypot(tr[:, 1], tr[:, 2]).max())
                                               * M.DEFAULT_METRES_PER_UNIT * 100.0, 2)
            if tr.shape[1] >= 4:  # [t, dx, dy, lean_deg]: the largest lean from upright
                d["trunk_lean_deg"] = round(float(np.abs(tr[:, 3]).max()), 2)
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in d.items()}


def _rotation_start(data: Mapping[str, Any]) -> float | None:
    start = data.get("shown_t", data.get("t_target_shown"))
    if not isinstance(start, (int, float)) or isinstance(start, bool):
        return None
    return float(start)


def _rotation(data: Mapping[str, Any], t_end: float,
              shoulders: tuple[np.ndarray, np.ndarray]) -> float | None:
    start = _rotation_start(data)
    if start is None:
        return None
    t, angle = shoulders
    rot = M.repetition_rotation(t, angle, start, float(t_end))
    return None if rot is None or not math.isfinite(rot) else round(rot, 2)


def _dexterity(data: Mapping[str, Any]) -> dict[str, Any] | None:
    out = {k: float(v) for k in DEXTERITY_METRICS
           if isinstance(v := data.get(k), (int, float)) and not isinstance(v, bool)
           and math.isfinite(v)}
    if not out:
        return None
    out["poor_quality"] = False  # the games only count repetitions they could see
    return out


class EventTally:
    """The counts `derive_summary` reads from a log, kept as events arrive
    (a recorder tallies each written batch, so its end reads no events back)."""

    def __init__(self) -> None:
        self.n = 0
        self.counts: dict[str, int] = {}
        self.t_min: float | None = None
        self.t_max: float | None = None
        self.t0: float | None = None  # the first session_start
        self.ratings: list[int] = []
        self.pain_pauses = 0

    def add(self, events: Iterable[_Ev]) -> None:
        for ev in events:
            self.n += 1
            self.counts[ev.kind] = self.counts.get(ev.kind, 0) + 1
            if self.t_min is None or ev.t < self.t_min:
                self.t_min = ev.t
            if self.t_max is None or ev.t > self.t_max:
                self.t_max = ev.t
            if ev.kind == SESSION_START and (self.t0 is None or float(ev.t) < self.t0):
                self.t0 = float(ev.t)
            data = ev.data if isinstance(ev.data, Mapping) else {}
            if ev.kind == CHECKIN and data.get("phase") == "in_session":
                nrs = data.get("nrs")
                if isinstance(nrs, (int, float)) and not isinstance(nrs, bool):
                    self.ratings.append(int(nrs))
            elif ev.kind == PAUSE and data.get("reason") == "pain":
                self.pain_pauses += 1

    def pain(self) -> dict[str, Any]:
        return {"pain_checks": len(self.ratings),
                "pain_in_session_max": max(self.ratings) if self.ratings else None,
                "pain_pauses": self.pain_pauses}

    def summary(self, trials: list[DerivedTrial]) -> dict[str, Any]:
        """`derive_summary` of the events tallied, with their `trials`."""
        hits = sum(1 for tr in trials if tr.outcome in SUCCESS_OUTCOMES)
        duration = (self.t_max - self.t_min) if self.n else 0.0  # type: ignore[operator]
        counts = dict(self.counts)
        return {
            "derived_from_events": True,
            "events": self.n,
            "duration_s": round(float(duration), 3),
            "trials": len(trials),
            "hits": hits,
            "misses": sum(1 for tr in trials if tr.outcome not in SUCCESS_OUTCOMES),
            "timeouts": sum(1 for tr in trials if tr.outcome == "timeout"),
            "success_rate": round(hits / len(trials), 4) if trials else None,
            "pain_stops": counts.get(PAIN_STOP, 0),
            "compensations": counts.get(COMPENSATION, 0),
            "tracking_lost": counts.get(TRACKING_LOST, 0),
            **self.pain(),
            "quota_met": False,
            "event_counts": counts,
            # The time base of the events (trial times are started_at + (t - t0_s)): the
            # game's runner logs session_start when play begins; without it, t counts
            # from the start of the session.
            "clock": {"t0_s": self.t0 if self.t0 is not None else 0.0, "simulated": None},
        }


def in_session_pain(events: Iterable[_Ev]) -> dict[str, Any]:
    """The rest-break pain checks of a session, from its log: how many were
    answered, the highest rating, and how many paused the session for pain
    (the runner's `checkin` event with phase "in_session", and `pause` with
    reason "pain"; CLINICAL.md section 4 rule [D])."""
    tally = EventTally()
    tally.add(events)
    return tally.pain()


def derive_summary(events: Iterable[_Ev], *,
                   trials: list[DerivedTrial] | None = None) -> dict[str, Any]:
    """Counts and duration from the log; `quota_met` is False (unknown) by design.
    `trials`: this log's `derive_trials`, when the caller has them already (the
    outcomes are all that is read, so deriving the kinematics twice is skipped)."""
    evs = list(events)
    if trials is None:
        trials = derive_trials(evs)
    tally = EventTally()
    tally.add(evs)
    return tally.summary(trials)
