"""Per-patient time series, clinically meaningful change, and flags (pure).

Inputs are a `PatientData` snapshot, the local time zone (days are the
patient's days) and "today"; no clock is read. Rules, from
/work/shared/design/CLINICAL.md sections 3-4 ([D] marks our own choices):

* change: baseline = mean of the first 3 points, current = mean of the last
  3 (at least 6 points); meaningful when it reaches the MCID (pain: 2 points
  or 30 %); reliable when |RCI| > 1.96, RCI = (x2 - x1) / (sqrt(2) SEM).
* decline: a worsening of at least the MCID, or RCI < -1.96 (signed so that
  negative is worse).
* plateau: over the last 28 days (>= 4 points spanning >= 14 days) the
  linregress slope's 95 % CI contains 0 and the fitted change is below the
  minimal detectable change MDC95 = 1.96 sqrt(2) SEM. Pain plateaus are
  flagged only while pain is still >= 4 [D].
* flare: pre-session/daily pain >= personal baseline + 2 on 2+ consecutive
  days; the baseline is the median of the previous 14 days (>= 3 days) or,
  early on, of the first 3 days [D].
* adherence: completed sessions vs prescribed per ISO week; flagged when the
  last complete week is below 50 % [D].
Kinematic series use only repetitions that passed the quality gate; their
SEM, lacking published values, is the SD of the patient's first 5 sessions [D].
"""

from __future__ import annotations

import math
import statistics

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any

from scipy import stats

from telemetry.records import CheckinRecord, SessionRecord, TrialRecord
from telemetry.snapshot import PatientData

DEFAULT_SESSIONS_PER_WEEK = 5  # [D] when the plan does not say
PLATEAU_WINDOW_DAYS = 28
PLATEAU_MIN_POINTS = 4
PLATEAU_MIN_SPAN_DAYS = 14
FLARE_RISE = 2
FLARE_MIN_DAYS = 2
ADHERENCE_FLAG_BELOW = 0.5
RCI_CRITICAL = 1.96


@dataclass(frozen=True, slots=True)
class MeasureSpec:
    key: str
    label: str
    unit: str  # UCUM-style, for exports: "{score}", "s", "m/s"
    higher_is_worse: bool
    mcid_abs: float | None = None
    mcid_rel: float | None = None  # fraction of baseline
    sem: float | None = None  # None: estimated from the patient's first sessions
    plateau: bool = True


MEASURES: dict[str, MeasureSpec] = {
    "pain": MeasureSpec("pain", "Pain (0-10, before session)", "{score}", True, 2.0, 0.30, 1.0),
    "interference": MeasureSpec("interference", "Pain interference (0-10)", "{score}", True,
                                2.0, None, 1.0),
    "sleep": MeasureSpec("sleep", "Sleep (0-10)", "{score}", False, 2.0, None, 1.0, False),
    "mood": MeasureSpec("mood", "Mood (0-10)", "{score}", False, 2.0, None, 1.0, False),
    "psfs": MeasureSpec("psfs", "PSFS mean (0-10)", "{score}", False, 2.0, None, 0.72),
    "peak_speed": MeasureSpec("peak_speed", "Reach peak speed", "m/s", False),
    "sparc": MeasureSpec("sparc", "Smoothness (SPARC)", "{score}", False),
    "movement_time": MeasureSpec("movement_time", "Movement time", "s", True),
    "success_rate": MeasureSpec("success_rate", "Targets hit", "%", False, 15.0, None, None,
                                False),
    "tap_rate": MeasureSpec("tap_rate", "Tapping rate", "/s", False),
    "tap_rhythm": MeasureSpec("tap_rhythm", "Tapping rhythm variability (CoV)", "{ratio}", True),
    "grasp_range": MeasureSpec("grasp_range", "Hand open/close range", "{ratio}", False),
    "carry_time": MeasureSpec("carry_time", "Pinch-and-place carry time", "s", True),
}
# measure -> the field of a trial's "metrics" it is the per-session median of
KINEMATIC_KEYS = {"peak_speed": "peak_speed_m_s", "sparc": "sparc",
                  "movement_time": "movement_time_s", "tap_rate": "rate_hz",
                  "tap_rhythm": "rhythm_cov", "grasp_range": "range", "carry_time": "carry_s"}


@dataclass(frozen=True, slots=True)
class Point:
    at: datetime
    value: float
    session_id: str | None = None


@dataclass(frozen=True, slots=True)
class Series:
    spec: MeasureSpec
    points: tuple[Point, ...]

    @property
    def values(self) -> list[float]:
        return [p.value for p in self.points]


@dataclass(frozen=True, slots=True)
class Change:
    measure: str
    baseline: float
    current: float
    change: float  # current - baseline
    improvement: float  # signed so that positive is better
    percent: float | None  # of baseline
    rci: float | None  # signed so that positive is better
    meaningful: bool  # reaches the MCID (either way)
    reliable: bool  # |RCI| > 1.96


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # "flare", "decline", "plateau", "adherence"
    measure: str
    message: str  # plain words for the therapist
    evidence: dict[str, Any]


@dataclass(frozen=True, slots=True)
class WeekAdherence:
    week_start: date
    done: int
    started: int
    prescribed: int
    complete_week: bool

    @property
    def fraction(self) -> float:
        return self.done / self.prescribed if self.prescribed else 1.0


@dataclass(frozen=True, slots=True)
class FlareEpisode:
    start: date
    end: date
    baseline: float
    values: tuple[int | float, ...]


@dataclass(frozen=True, slots=True)
class Assessment:
    series: dict[str, Series]
    changes: dict[str, Change]
    findings: list[Finding]
    adherence: list[WeekAdherence]
    flares: list[FlareEpisode]
    psfs_by_activity: dict[str, Series] = field(default_factory=dict)
    pain_post: Series | None = None


# ------------------------------------------------------------------ series
def _local_day(dt: datetime, tz: tzinfo) -> date:
    return dt.astimezone(tz).date()


def _day_start(d: date, tz: tzinfo) -> datetime:
    return datetime(d.year, d.month, d.day, 12, tzinfo=tz).astimezone(timezone.utc)


def checkin_series(checkins: Iterable[CheckinRecord], item: str, phases: Sequence[str],
                   tz: tzinfo = timezone.utc) -> Series:
    """One point per local day: the mean of that day's answers in `phases`."""
    by_day: dict[date, list[int]] = defaultdict(list)
    for c in checkins:
        if c.phase in phases and item in c.answers:
            by_day[_local_day(c.at, tz)].append(c.answers[item])
    spec = MEASURES.get(item) or MeasureSpec(item, item, "{score}", True)
    return Series(spec, tuple(Point(_day_start(d, tz), float(statistics.fmean(v)))
                              for d, v in sorted(by_day.items())))


def psfs_series(data: PatientData, tz: tzinfo = timezone.utc
                ) -> tuple[Series, dict[str, Series]]:
    """Mean over activities per rating day, and one series per activity."""
    per_day: dict[date, dict[str, int]] = defaultdict(dict)
    per_act: dict[str, list[Point]] = defaultdict(list)
    for r in data.psfs_ratings:
        d = _local_day(r.at, tz)
        per_day[d][r.name] = r.value
        per_act[r.name].append(Point(r.at, float(r.value)))
    mean = Series(MEASURES["psfs"], tuple(
        Point(_day_start(d, tz), float(statistics.fmean(v.values())))
        for d, v in sorted(per_day.items())))
    acts = {name: Series(MeasureSpec(f"psfs:{name}", name, "{score}", False, 2.0, None, 0.72),
                         tuple(pts)) for name, pts in per_act.items()}
    return mean, acts


def trial_metric(tr: TrialRecord, key: str) -> float | None:
    m = tr.data.get("metrics")
    if not isinstance(m, dict) or m.get("poor_quality"):
        return None
    v = m.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    if key == "movement_time_s" and not m.get("success", True):
        return None  # a timed-out reach has no meaningful movement time
    return float(v)


def session_metric_series(sessions: Sequence[SessionRecord], trials: Sequence[TrialRecord]
                          ) -> dict[str, Series]:
    """Per-session median of each kinematic metric over good-quality trials."""
    by_session: dict[str, list[TrialRecord]] = defaultdict(list)
    for tr in trials:
        by_session[tr.session_id].append(tr)
    out: dict[str, list[Point]] = {k: [] for k in KINEMATIC_KEYS}
    success: list[Point] = []
    for s in sessions:
        trs = by_session.get(s.session_id, [])
        for key, field_name in KINEMATIC_KEYS.items():
            vals = [v for v in (trial_metric(t, field_name) for t in trs) if v is not None]
            if vals:
                out[key].append(Point(s.started_at, float(statistics.median(vals)), s.session_id))
        rate = _success_rate(s, trs)
        if rate is not None:
            success.append(Point(s.started_at, rate * 100.0, s.session_id))
    series = {k: Series(MEASURES[k], tuple(v)) for k, v in out.items()}
    series["success_rate"] = Series(MEASURES["success_rate"], tuple(success))
    return series


def _success_rate(s: SessionRecord, trials: Sequence[TrialRecord]) -> float | None:
    if trials:
        return sum(1 for t in trials if t.outcome in ("hit", "done", "success")) / len(trials)
    v = s.summary.get("success_rate")
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


# ------------------------------------------------------------------ change
def sem_of(series: Series) -> float | None:
    if series.spec.sem is not None:
        return series.spec.sem
    first = series.values[:5]
    if len(first) < 3:
        return None
    sd = statistics.stdev(first)
    return sd if sd > 0 else None


def assess_change(series: Series, *, n_edge: int = 3) -> Change | None:
    vals = series.values
    if len(vals) < 2 * n_edge:
        return None
    spec = series.spec
    base = statistics.fmean(vals[:n_edge])
    cur = statistics.fmean(vals[-n_edge:])
    diff = cur - base
    sign = -1.0 if spec.higher_is_worse else 1.0
    improvement = sign * diff
    pct = diff / abs(base) * 100.0 if base != 0 else None
    meaningful = False
    if spec.mcid_abs is not None and abs(diff) >= spec.mcid_abs - 1e-9:
        meaningful = True
    if spec.mcid_rel is not None and pct is not None and abs(pct) >= spec.mcid_rel * 100 - 1e-9:
        meaningful = True
    sem = sem_of(series)
    rci = improvement / (math.sqrt(2) * sem) if sem else None
    return Change(spec.key, base, cur, diff, improvement, pct, rci, meaningful,
                  rci is not None and abs(rci) > RCI_CRITICAL)


def decline_finding(series: Series, change: Change | None) -> Finding | None:
    if change is None or change.improvement >= 0:
        return None
    spec = series.spec
    by_mcid = change.meaningful and spec.mcid_abs is not None
    by_rci = change.rci is not None and change.rci < -RCI_CRITICAL
    if not (by_mcid or by_rci):
        return None
    why = []
    if by_mcid:
        why.append("at least the minimal clinically important difference")
    if by_rci:
        why.append(f"a reliable change (RCI {change.rci:.2f} < -1.96)")
    return Finding("decline", spec.key,
                   f"{spec.label} got worse: {change.baseline:.2f} -> {change.current:.2f} "
                   f"({' and '.join(why)}).",
                   {"baseline": round(change.baseline, 3), "current": round(change.current, 3),
                    "change": round(change.change, 3),
                    "percent": None if change.percent is None else round(change.percent, 1),
                    "rci": None if change.rci is None else round(change.rci, 3),
                    "mcid": spec.mcid_abs, "first_points": _pts(series.points[:3]),
                    "last_points": _pts(series.points[-3:])})


def plateau_finding(series: Series, today: date, tz: tzinfo = timezone.utc) -> Finding | None:
    spec = series.spec
    if not spec.plateau:
        return None
    start = today - timedelta(days=PLATEAU_WINDOW_DAYS)
    window = [p for p in series.points if _local_day(p.at, tz) > start]
    if len(window) < PLATEAU_MIN_POINTS:
        return None
    x = [(p.at - window[0].at).total_seconds() / 86400.0 for p in window]
    span = x[-1] - x[0]
    if span < PLATEAU_MIN_SPAN_DAYS:
        return None
    y = [p.value for p in window]
    if max(y) == min(y):
        slope, stderr, intercept = 0.0, 0.0, y[0]
    else:
        fit = stats.linregress(x, y)
        slope, stderr, intercept = float(fit.slope), float(fit.stderr), float(fit.intercept)
    tcrit = float(stats.t.ppf(0.975, len(window) - 2))
    lo, hi = slope - tcrit * stderr, slope + tcrit * stderr
    sem = sem_of(series)
    if sem is None:
        return None
    mdc = RCI_CRITICAL * math.sqrt(2) * sem
    fitted_change = slope * span
    if not (lo <= 0 <= hi and abs(fitted_change) < mdc):
        return None
    if spec.key == "pain" and statistics.fmean(y[-3:]) < 4:
        return None
    return Finding("plateau", spec.key,
                   f"{spec.label} has not changed over the last {span:.0f} days "
                   f"(slope {slope * 7:+.2f} per week, 95 % CI {lo * 7:+.2f} to {hi * 7:+.2f}; "
                   f"change {fitted_change:+.2f} below the detectable {mdc:.2f}).",
                   {"window_days": round(span, 1), "n": len(window),
                    "slope_per_week": round(slope * 7, 4),
                    "ci95_per_week": [round(lo * 7, 4), round(hi * 7, 4)],
                    "fitted_change": round(fitted_change, 4), "mdc": round(mdc, 4),
                    "intercept": round(intercept, 4), "points": _pts(window)})


def flare_episodes(daily_pain: Series, tz: tzinfo = timezone.utc) -> list[FlareEpisode]:
    """Runs of 2+ consecutive days at >= baseline + 2 (baseline fixed at the run's start)."""
    days = [(_local_day(p.at, tz), p.value) for p in daily_pain.points]
    episodes: list[FlareEpisode] = []
    run: list[tuple[date, float]] = []
    run_base: float | None = None

    def close() -> None:
        nonlocal run, run_base
        if len(run) >= FLARE_MIN_DAYS:
            episodes.append(_episode(run, run_base))
        run, run_base = [], None

    for i, (d, v) in enumerate(days):
        if run and (d - run[-1][0]).days != 1:
            close()
        base = run_base if run else _personal_baseline(days, i)
        if base is not None and v >= base + FLARE_RISE:
            if not run:
                run_base = base
            run.append((d, v))
        else:
            close()
    close()
    return episodes


def _episode(run: list[tuple[date, float]], base: float | None) -> FlareEpisode:
    return FlareEpisode(run[0][0], run[-1][0], float(base or 0.0), tuple(v for _, v in run))


def _personal_baseline(days: list[tuple[date, float]], i: int) -> float | None:
    d = days[i][0]
    prior = [v for dd, v in days[:i] if (d - dd).days <= 14]
    if len(prior) >= 3:
        return float(statistics.median(prior))
    if i >= 3:
        return float(statistics.median([v for _, v in days[:3]]))
    return None


def flare_finding(episodes: list[FlareEpisode], last_day: date | None) -> Finding | None:
    """Open while the latest episode reaches the latest pain report."""
    if not episodes or last_day is None or episodes[-1].end != last_day:
        return None
    ep = episodes[-1]
    n = (ep.end - ep.start).days + 1
    return Finding("flare", "pain",
                   f"Pain flare: {n} days in a row at least {FLARE_RISE} above the usual "
                   f"{ep.baseline:g} (since {ep.start.isoformat()}). The flare rule lowers "
                   "the quota one level and holds it: see the progression decisions.",
                   {"start": ep.start.isoformat(), "end": ep.end.isoformat(), "days": n,
                    "baseline": ep.baseline, "values": list(ep.values)})


# ------------------------------------------------------------------ adherence
def prescribed_per_week(plan_toml: str | None) -> int:
    """`sessions_per_week` from the plan (top level or any table), else the default."""
    if plan_toml:
        try:
            doc = tomllib.loads(plan_toml)
        except tomllib.TOMLDecodeError:
            doc = {}
        candidates = [doc] + [v for v in doc.values() if isinstance(v, dict)]
        for table in candidates:
            v = table.get("sessions_per_week")
            if isinstance(v, int) and not isinstance(v, bool) and v > 0:
                return v
    return DEFAULT_SESSIONS_PER_WEEK


def weekly_adherence(sessions: Sequence[SessionRecord], prescribed: int, today: date,
                     tz: tzinfo = timezone.utc) -> list[WeekAdherence]:
    if not sessions:
        return []
    first = min(_local_day(s.started_at, tz) for s in sessions)
    week = first - timedelta(days=first.weekday())
    this_week = today - timedelta(days=today.weekday())
    done: dict[date, int] = defaultdict(int)
    started: dict[date, int] = defaultdict(int)
    for s in sessions:
        d = _local_day(s.started_at, tz)
        w = d - timedelta(days=d.weekday())
        started[w] += 1
        if s.completed:
            done[w] += 1
    out = []
    while week <= this_week:
        out.append(WeekAdherence(week, done[week], started[week], prescribed,
                                 week < this_week))
        week += timedelta(days=7)
    return out


def adherence_finding(weeks: list[WeekAdherence]) -> Finding | None:
    complete = [w for w in weeks if w.complete_week]
    if not complete:
        return None
    last = complete[-1]
    if last.fraction >= ADHERENCE_FLAG_BELOW:
        return None
    return Finding("adherence", "sessions",
                   f"Week of {last.week_start.isoformat()}: {last.done} of {last.prescribed} "
                   f"prescribed sessions completed ({last.fraction:.0%}).",
                   {"week_start": last.week_start.isoformat(), "done": last.done,
                    "started": last.started, "prescribed": last.prescribed,
                    "fraction": round(last.fraction, 3)})


# ------------------------------------------------------------------ all
def assess(data: PatientData, *, today: date, tz: tzinfo = timezone.utc) -> Assessment:
    pre_phases = ("pre", "daily")
    series: dict[str, Series] = {
        item: checkin_series(data.checkins, item, pre_phases, tz)
        for item in ("pain", "interference", "sleep", "mood")
    }
    pain_post = checkin_series(data.checkins, "pain", ("post",), tz)
    psfs_mean, psfs_acts = psfs_series(data, tz)
    series["psfs"] = psfs_mean
    series.update(session_metric_series(data.sessions, data.trials))
    changes = {k: c for k, s in series.items() if (c := assess_change(s)) is not None}
    findings: list[Finding] = []
    flares = flare_episodes(series["pain"], tz)
    last_pain_day = _local_day(series["pain"].points[-1].at, tz) if series["pain"].points else None
    if (f := flare_finding(flares, last_pain_day)) is not None:
        findings.append(f)
    for key, s in series.items():
        if (f := decline_finding(s, changes.get(key))) is not None:
            findings.append(f)
        if (f := plateau_finding(s, today, tz)) is not None:
            findings.append(f)
    weeks = weekly_adherence(data.sessions, prescribed_per_week(data.plan[1] if data.plan
                                                                else None), today, tz)
    if (f := adherence_finding(weeks)) is not None:
        findings.append(f)
    return Assessment(series, changes, findings, weeks, flares, psfs_acts, pain_post)


def _pts(points: Iterable[Point]) -> list[list[Any]]:
    return [[p.at.isoformat(timespec="seconds"), round(p.value, 4)] for p in points]
