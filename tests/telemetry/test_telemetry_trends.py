"""Trends and flags on generated courses and hand-built series."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from telemetry.flagging import refresh_flags
from telemetry.store import Store
from telemetry.synthetic import Course, generate
from telemetry.trends import (
    MEASURES,
    Point,
    Series,
    assess_change,
    decline_finding,
    flare_episodes,
    plateau_finding,
    prescribed_per_week,
)

UTC = timezone.utc
D0 = datetime(2026, 3, 2, 10, tzinfo=UTC)


def series(key: str, values: list[float], step_days: float = 1.0) -> Series:
    return Series(MEASURES[key], tuple(Point(D0 + timedelta(days=i * step_days), float(v))
                                       for i, v in enumerate(values)))


def test_pain_change_against_mcid_points_and_percent() -> None:
    c = assess_change(series("pain", [6, 6, 6, 5, 5, 4, 4, 4]))
    assert (c.baseline, c.current, c.change) == (6, 4, -2)
    assert c.meaningful and c.improvement == 2
    assert c.rci == pytest.approx(2 / (2 ** 0.5 * 1.0))
    # 30 % of a low baseline is meaningful even below 2 points
    c2 = assess_change(series("pain", [3, 3, 3, 2, 2, 2]))
    assert c2.percent == pytest.approx(-33.3, abs=0.1) and c2.meaningful
    c3 = assess_change(series("pain", [6, 6, 6, 5, 5, 5]))
    assert not c3.meaningful
    assert assess_change(series("pain", [6, 5, 4])) is None  # too few points


def test_decline_by_mcid_and_not_on_improvement() -> None:
    worse = series("psfs", [6, 6, 6, 4, 4, 4])
    f = decline_finding(worse, assess_change(worse))
    assert f is not None and f.kind == "decline" and f.evidence["change"] == -2
    assert f.evidence["rci"] == pytest.approx(-2 / (2 ** 0.5 * 0.72), abs=1e-3)
    better = series("psfs", [4, 4, 4, 6, 6, 6])
    assert decline_finding(better, assess_change(better)) is None


def test_decline_by_rci_for_kinematics() -> None:
    # SEM from the first five sessions' SD; a big reliable slow-down is a decline
    s = series("peak_speed", [0.80, 0.82, 0.78, 0.81, 0.79, 0.60, 0.58, 0.59])
    f = decline_finding(s, assess_change(s))
    assert f is not None and f.evidence["rci"] < -1.96


def test_plateau_needs_flat_slope_and_small_change() -> None:
    today = (D0 + timedelta(days=27)).date()
    flat = series("psfs", [5, 5, 6, 5, 5, 6, 5, 5, 5, 6], step_days=3)
    f = plateau_finding(flat, today)
    assert f is not None and f.kind == "plateau"
    lo, hi = f.evidence["ci95_per_week"]
    assert lo <= 0 <= hi and abs(f.evidence["fitted_change"]) < f.evidence["mdc"]
    rising = series("psfs", [2, 3, 3, 4, 5, 5, 6, 7, 7, 8], step_days=3)
    assert plateau_finding(rising, today) is None
    short = series("psfs", [5, 5, 5, 5], step_days=2)  # spans only 6 days
    assert plateau_finding(short, (D0 + timedelta(days=6)).date()) is None
    low_pain = series("pain", [1, 1, 2, 1, 1, 2, 1, 1, 1, 1], step_days=3)
    assert plateau_finding(low_pain, today) is None  # a plateau at low pain is fine


def test_flare_needs_two_consecutive_days_two_above_baseline() -> None:
    vals = [4, 4, 4, 4, 4, 6, 4, 4, 6, 7, 7, 4, 4]
    eps = flare_episodes(series("pain", vals))
    assert len(eps) == 1  # the single day at 6 is not a flare
    ep = eps[0]
    assert ep.values == (6, 7, 7) and ep.baseline == 4
    assert ep.start == (D0 + timedelta(days=8)).date()
    # a gap in the days breaks the run
    gap = Series(MEASURES["pain"], tuple(
        Point(D0 + timedelta(days=d), v) for d, v in
        [(0, 3), (1, 3), (2, 3), (3, 3), (4, 6), (6, 6)]))
    assert flare_episodes(gap) == []


def test_prescribed_sessions_from_plan() -> None:
    assert prescribed_per_week("sessions_per_week = 3\n") == 3
    assert prescribed_per_week("[schedule]\nsessions_per_week = 4\n") == 4
    assert prescribed_per_week("not toml [") == 5
    assert prescribed_per_week(None) == 5


@pytest.fixture(scope="module")
def course_store() -> Store:
    store = Store.memory(flush_interval_s=5)
    course = Course(days=42, reps=3, flare_days=frozenset({39, 40, 41}),
                    skip_days=frozenset(range(21, 28)))
    generate(store, "p1", course)
    generate(store, "steady", Course(days=42, reps=3, seed=3))
    return store


def test_generated_course_raises_flare_and_adherence(course_store: Store) -> None:
    data, result = refresh_flags(course_store, "p1", today=date(2026, 2, 16), tz=UTC)
    kinds = {(f.kind, f.measure) for f in result.findings}
    assert ("flare", "pain") in kinds
    flare = next(f for f in data.flags if f.kind == "flare")
    assert flare.status == "open" and flare.evidence["days"] == 3
    assert flare.evidence["end"] == "2026-02-15"
    # the skipped week (days 21-27 = 26 Jan - 1 Feb) is the week before last: adherence 0
    weeks = {w.week_start: w for w in result.adherence}
    assert weeks[date(2026, 1, 26)].done == 0
    # the last complete week (9-15 Feb) is full, so no open adherence flag
    assert ("adherence", "sessions") not in kinds
    # the kinematics improve over the course: faster, smoother, shorter
    ch = result.changes
    assert ch["movement_time"].improvement > 0 and ch["sparc"].improvement > 0
    assert ch["psfs"].improvement > 0


def test_adherence_flag_and_auto_close(course_store: Store) -> None:
    _, result = refresh_flags(course_store, "p1", today=date(2026, 2, 3), tz=UTC)
    assert any(f.kind == "adherence" for f in result.findings)
    data, _ = refresh_flags(course_store, "p1", today=date(2026, 2, 16), tz=UTC)
    adh = [f for f in data.flags if f.kind == "adherence"]
    assert len(adh) == 1 and adh[0].status == "closed"


def test_steady_improving_course_raises_nothing(course_store: Store) -> None:
    data, result = refresh_flags(course_store, "steady", today=date(2026, 2, 16), tz=UTC)
    assert result.findings == [] and data.flags == []
    assert result.changes["pain"].meaningful and result.changes["pain"].improvement >= 2
