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
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from telemetry import metrics as M

OUTCOME_KINDS: dict[str, str] = {
    "hold_complete": "hit",
    "miss": "miss",
    "timeout": "timeout",
}
SUCCESS_OUTCOMES = frozenset({"hit", "done", "success"})
BULKY_KEYS = ("path", "trunk")
# Per-repetition numbers the dexterity games report themselves (tapping sets use
# telemetry.metrics.tapping_metrics); copied into the trial's "metrics".
DEXTERITY_METRICS = ("rate_hz", "amplitude", "rhythm_cov", "decrement", "interruptions",
                     "mean_abs_offset_s", "range", "cycle_s", "carry_s")
MIN_PATH_HZ = 15.0  # below this sampling density a repetition's quality drops


class _Ev(Protocol):
    t: float
    kind: str
    data: Mapping[str, Any]


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
    order: list[Any] = []
    trials: dict[Any, dict[str, Any]] = {}
    shown: dict[Any, float] = {}
    onset: dict[Any, float] = {}
    last_shown: float | None = None
    last_onset: float | None = None
    anon = 0
    for ev in events:
        idx = _index(ev)
        if ev.kind == "target_shown":
            last_shown, last_onset = float(ev.t), None
            if idx is not None:
                shown[idx] = float(ev.t)
            continue
        if ev.kind == "movement_onset":
            if idx is not None:
                onset.setdefault(idx, float(ev.t))
            elif last_onset is None:
                last_onset = float(ev.t)
            continue
        if ev.kind not in OUTCOME_KINDS and ev.kind != "repetition":
            continue
        if idx is None:
            idx = ("anon", anon)
            anon += 1
            if last_shown is not None:
                shown[idx] = last_shown
            if last_onset is not None:
                onset[idx] = last_onset
        tr = trials.get(idx)
        if tr is None:
            tr = {"t": float(ev.t), "outcome": None, "data": {}, "rep": False}
            trials[idx] = tr
            order.append(idx)
        tr["t"] = float(ev.t)
        if ev.kind == "repetition":
            tr["rep"] = True
            tr["data"].update(dict(ev.data))
            hit = ev.data.get("hit")
            tr["outcome"] = str(ev.data.get("outcome") or ("hit" if hit else "done"))
        elif not tr["rep"]:
            tr["data"].update({k: v for k, v in dict(ev.data).items() if k not in tr["data"]})
            if tr["outcome"] != "timeout" or ev.kind != "miss":  # timeout then miss: timeout
                tr["outcome"] = OUTCOME_KINDS[ev.kind]
        last_shown = last_onset = None
    out: list[DerivedTrial] = []
    for n, idx in enumerate(order):
        tr = trials[idx]
        data = tr["data"]
        if idx in shown:
            data.setdefault("t_target_shown", shown[idx])
        if idx in onset:
            data.setdefault("t_onset", onset[idx])
        kin = _kinematics(data, tr["outcome"] in SUCCESS_OUTCOMES, tracking)
        if kin is not None and shoulders is not None:
            rot = _rotation(data, tr["t"], shoulders)
            if rot is not None:
                kin["trunk_rotation_deg"] = rot
        if kin is None and tr["rep"]:
            kin = _dexterity(data)
        data = {k: v for k, v in data.items() if k not in BULKY_KEYS}
        if kin:
            data["metrics"] = kin
        out.append(DerivedTrial(n, tr["t"], str(tr["outcome"]), data))
    return out


def _kinematics(data: Mapping[str, Any], success: bool,
                tracking: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
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
        visibility, frontal = coverage, 1.0
        if tracking:
            vis = tracking.get("arm_visibility_mean")
            fr = tracking.get("frontal_median")
            if isinstance(vis, (int, float)):
                visibility = coverage * float(vis)
            if isinstance(fr, (int, float)):
                frontal = float(fr)
        quality = M.repetition_quality(visibility, uniform, fs, frontal)
        m = M.reach_trial_metrics(t, pos, tgt, float(shown_t), success=success, quality=quality)
    except (ValueError, TypeError):
        return None
    d = m.to_dict()
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


def _rotation(data: Mapping[str, Any], t_end: float,
              shoulders: tuple[np.ndarray, np.ndarray]) -> float | None:
    start = data.get("shown_t", data.get("t_target_shown"))
    if not isinstance(start, (int, float)) or isinstance(start, bool):
        return None
    t, angle = shoulders
    rot = M.repetition_rotation(t, angle, float(start), float(t_end))
    return None if rot is None or not math.isfinite(rot) else round(rot, 2)


def _dexterity(data: Mapping[str, Any]) -> dict[str, Any] | None:
    out = {k: float(v) for k in DEXTERITY_METRICS
           if isinstance(v := data.get(k), (int, float)) and not isinstance(v, bool)
           and math.isfinite(v)}
    if not out:
        return None
    out["poor_quality"] = False  # the games only count repetitions they could see
    return out


def in_session_pain(events: Iterable[_Ev]) -> dict[str, Any]:
    """The rest-break pain checks of a session, from its log: how many were
    answered, the highest rating, and how many paused the session for pain
    (the runner's `checkin` event with phase "in_session", and `pause` with
    reason "pain"; CLINICAL.md section 4 rule [D])."""
    ratings: list[int] = []
    pauses = 0
    for ev in events:
        data = ev.data if isinstance(ev.data, Mapping) else {}
        if ev.kind == "checkin" and data.get("phase") == "in_session":
            nrs = data.get("nrs")
            if isinstance(nrs, (int, float)) and not isinstance(nrs, bool):
                ratings.append(int(nrs))
        elif ev.kind == "pause" and data.get("reason") == "pain":
            pauses += 1
    return {"pain_checks": len(ratings),
            "pain_in_session_max": max(ratings) if ratings else None,
            "pain_pauses": pauses}


def derive_summary(events: Iterable[_Ev], *,
                   trials: list[DerivedTrial] | None = None) -> dict[str, Any]:
    """Counts and duration from the log; `quota_met` is False (unknown) by design.
    `trials`: this log's `derive_trials`, when the caller has them already (the
    outcomes are all that is read, so deriving the kinematics twice is skipped)."""
    evs = list(events)
    if trials is None:
        trials = derive_trials(evs)
    counts: dict[str, int] = {}
    for ev in evs:
        counts[ev.kind] = counts.get(ev.kind, 0) + 1
    hits = sum(1 for tr in trials if tr.outcome in SUCCESS_OUTCOMES)
    duration = (max(e.t for e in evs) - min(e.t for e in evs)) if evs else 0.0
    return {
        "derived_from_events": True,
        "events": len(evs),
        "duration_s": round(float(duration), 3),
        "trials": len(trials),
        "hits": hits,
        "misses": sum(1 for tr in trials if tr.outcome not in SUCCESS_OUTCOMES),
        "timeouts": sum(1 for tr in trials if tr.outcome == "timeout"),
        "success_rate": round(hits / len(trials), 4) if trials else None,
        "pain_stops": counts.get("pain_stop", 0),
        "compensations": counts.get("compensation", 0),
        "tracking_lost": counts.get("tracking_lost", 0),
        **in_session_pain(evs),
        "quota_met": False,
        "event_counts": counts,
        # The time base of the events (trial times are started_at + (t - t0_s)): the
        # game's runner logs session_start when play begins; without it, t counts
        # from the start of the session.
        "clock": {"t0_s": min((float(e.t) for e in evs if e.kind == "session_start"),
                              default=0.0), "simulated": None},
    }
