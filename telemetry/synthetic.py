"""Generated patients for tests, benchmarks and the sample report.

A deterministic (seeded) course of daily reaching sessions written through
the real `Store` API: pre/post pain and the other check-in items, weekly PSFS
ratings, and per-target events whose hand paths follow minimum-jerk reaches
that get faster and smoother as the weeks go by. Knobs let a test plant a
flare, a plateau, a decline or missed sessions. Never used for real patients.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import numpy as np

from core.events import HOLD_COMPLETE, REPETITION, TARGET_SHOWN, TIMEOUT, Event
from telemetry.store import Store

PathFn = Callable[[int], float]


@dataclass(frozen=True, slots=True)
class Course:
    days: int = 42
    start: date = date(2026, 1, 5)
    pain: PathFn = lambda day: 6.0 - 3.0 * min(day, 42) / 42
    flare_days: frozenset[int] = frozenset()
    flare_rise: float = 3.5  # added to pain on flare days
    skip_days: frozenset[int] = frozenset()
    incomplete_days: frozenset[int] = frozenset()
    reps: int = 8
    duration_s: PathFn = lambda day: 1.4 - 0.5 * min(day, 42) / 42
    wobble: PathFn = lambda day: 0.35 * float(np.exp(-day / 25))
    psfs: tuple[str, ...] = ("dress myself", "carry shopping", "reach a high shelf")
    sessions_per_week: int = 5
    seed: int = 7
    path_hz: float = 30.0
    extra: dict[str, object] = field(default_factory=dict)


def min_jerk(tau: np.ndarray) -> np.ndarray:
    tau = np.clip(tau, 0.0, 1.0)
    return 10 * tau ** 3 - 15 * tau ** 4 + 6 * tau ** 5


def reach_path(rng: np.random.Generator, t0: float, target: tuple[float, float],
               duration: float, wobble: float, hz: float) -> list[list[float]]:
    """A min-jerk reach from the right shoulder whose last `wobble` fraction of
    the distance is a separate corrective sub-movement (less smooth, slower
    when larger), plus tracking noise."""
    start = np.array([0.5, 0.0])
    tgt = np.array(target)
    onset = 0.35 + rng.uniform(0.0, 0.2)
    t = np.arange(0.0, onset + 1.4 * duration + 0.4, 1.0 / hz)
    f = float(np.clip(wobble, 0.0, 0.6))
    s = ((1 - f) * min_jerk((t - onset) / duration)
         + f * min_jerk((t - onset - 0.7 * duration) / (0.6 * duration)))
    pos = start + s[:, None] * (tgt - start)
    pos += rng.normal(0.0, 0.002, pos.shape)  # tracking noise, body units
    return [[float(t0 + ti), float(x), float(y)] for ti, (x, y) in zip(t, pos, strict=True)]


def generate(store: Store, patient_id: str, course: Course = Course()) -> list[str]:
    """Write the course for `patient_id` (created if new); return session ids."""
    rng = np.random.default_rng(course.seed)
    store.ensure_patient(patient_id, display_name=None, affected_side="right")
    store.save_plan(patient_id, f"sessions_per_week = {course.sessions_per_week}\n", "generator")
    acts = {a.name for a in store.psfs_activities(patient_id)}
    for name in course.psfs:
        if name not in acts:
            store.add_psfs_activity(patient_id, name,
                                    at=datetime.combine(course.start, time(9), timezone.utc))
    ids: list[str] = []
    targets = [(1.1, 0.8), (1.3, 0.0), (0.5, 1.2), (-0.2, 0.9)]
    for day in range(course.days):
        d = course.start + timedelta(days=day)
        at = datetime.combine(d, time(10, 0), timezone.utc)
        pain = course.pain(day) + (course.flare_rise if day in course.flare_days else 0.0)
        pain_i = int(np.clip(round(pain + rng.normal(0, 0.4)), 0, 10))
        if day % 7 == 0 and course.psfs:
            base = 3 + 4 * min(day, 42) / 42
            store.rate_psfs(patient_id, {n: int(np.clip(round(base + rng.normal(0, 0.5)), 0, 10))
                                         for n in course.psfs}, at=at)
        if day in course.skip_days:
            store.checkin(patient_id, "daily", {"pain": pain_i}, at=at)
            continue
        rec = store.start_session(
            patient_id, "reaching",
            {"reach_fraction": 0.6 + 0.005 * day, "repetitions": course.reps},
            decisions=[(f"Day {day + 1}: reach raised to {0.6 + 0.005 * day:.3f} of the envelope "
                       "(quota met at the last session).")], started_at=at)
        store.checkin(patient_id, "pre", {
            "pain": pain_i, "interference": int(np.clip(pain_i - 1, 0, 10)),
            "sleep": int(np.clip(round(7 - pain / 3), 0, 10)),
            "mood": int(np.clip(round(6 + day / 30), 0, 10))},
            session_id=rec.session_id, at=at)
        t = 1.0
        hits = 0
        reps = course.reps if day not in course.incomplete_days else course.reps // 2
        for k in range(reps):
            tgt = targets[k % len(targets)]
            hit = rng.uniform() > 0.15
            path = reach_path(rng, t, tgt, course.duration_s(day), course.wobble(day),
                              course.path_hz)
            end = path[-1][0]
            evs = [Event(t, TARGET_SHOWN, {"index": k, "x": tgt[0], "y": tgt[1]})]
            evs.append(Event(end, HOLD_COMPLETE if hit else TIMEOUT, {"index": k}))
            evs.append(Event(end, REPETITION, {
                "index": k, "target": list(tgt), "shown_t": t, "hit": hit,
                "outcome": "hit" if hit else "timeout", "path": path}))
            rec.record(evs)
            hits += hit
            t = end + 1.0
        completed = day not in course.incomplete_days
        post = int(np.clip(pain_i + rng.integers(-1, 2), 0, 10))
        store.checkin(patient_id, "post", {"pain": post}, session_id=rec.session_id,
                      at=at + timedelta(minutes=12))
        rec.close({"exercise": "reaching", "targets": reps, "hits": hits,
                   "quota_met": completed and hits >= 0.7 * reps},
                  completed=completed, ended_at=at + timedelta(minutes=11))
        ids.append(rec.session_id)
    return ids


def days(*xs: Iterable[int] | int) -> frozenset[int]:
    out: set[int] = set()
    for x in xs:
        out.update([x] if isinstance(x, int) else x)
    return frozenset(out)
