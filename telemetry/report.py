"""The therapist report: one page to read in a minute, then the detail.

`build_report` is a pure function of a `PatientData` snapshot and its
`Assessment` (telemetry.trends); `figures` draws the plots with matplotlib's
Agg backend (no display); `render_html` embeds them as base64 PNGs in a
jinja2 page; `render_pdf` writes the same figures plus text pages through
PdfPages (no system dependencies). Writers are atomic (temp file + rename).

Reading order, top to bottom: what needs attention (open flags), how the
patient is doing against clinically meaningful change, the plots over time,
the flags' evidence, the progression decisions with their reasons, and the
session table.
"""

from __future__ import annotations

import base64
import io
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.image as mpimg
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from telemetry import paths
from telemetry.bodymap_report import bodymap_figures, bodymap_section
from telemetry.snapshot import PatientData
from telemetry.therapies import therapy_section
from telemetry.trends import Assessment, Change, Series

# --- chart colours (issue 16): the Okabe-Ito palette, told apart with the common
# colour-vision deficiencies; series also differ by marker or line style, never by colour
# alone. Text drawn on a chart uses TEXT / GREY / TEXT_BAD (>= 4.5:1 on white).
PAIN = "#D55E00"  # vermillion, solid line with dots
PAIN_POST = "#E69F00"  # orange, dotted
INTERF = "#CC79A7"  # reddish purple, thin line
FUNC = "#0072B2"  # blue
MOVE = "#009E73"  # bluish green
ZONE = "#009E73"  # a target zone's faint band
GREY = "#595959"  # reference lines and chart notes (7.0:1 on white)
TEXT = "#222222"
TEXT_BAD = "#A63A00"  # a bad value in words (5.6:1 on white)
ACTIVITY_COLOURS = ("#56B4E9", "#E69F00", "#CC79A7", "#009E73", "#D55E00")  # PSFS activities
ACTIVITY_STYLES = ("--", "-.", ":")  # ... told apart by dash too
FEW_POINTS = 2  # up to this many points a chart shows the numbers, not near-empty axes
# --- end chart colours
# --- weekly adherence bars (issue 15)
# Weekly adherence bars: Okabe-Ito blue / orange / vermillion (told apart with any colour
# vision, unlike green/red), and a hatch on the low weeks so colour is never the only cue.
ADHERENCE_MET, ADHERENCE_PART, ADHERENCE_LOW, ADHERENCE_OPEN = "#0072B2", "#E69F00", "#D55E00", "#bdc3c7"


def adherence_look(fraction: float, complete_week: bool) -> tuple[str, str]:
    """(colour, hatch) of a week's bar: met (>= 80 % of the plan), part (>= 50 %), low;
    a week still running is grey."""
    if not complete_week:
        return ADHERENCE_OPEN, ""
    if fraction >= 0.8:
        return ADHERENCE_MET, ""
    if fraction >= 0.5:
        return ADHERENCE_PART, ""
    return ADHERENCE_LOW, "//"


# --- end weekly adherence bars
FIG_W = 9.0
DPI = 100
A4 = (8.27, 11.69)  # inches, portrait
SESSION_ROWS = 40  # newest sessions in the table; the CSV export has them all
TRUNK_ROWS = 10  # newest sessions in the movement section's trunk table
# Trunk measures of a reach (trial metrics key, column label); CLINICAL.md section 1.
TRUNK_KEYS = (("trunk_displacement_cm", "displacement (cm)"), ("trunk_lean_deg", "lean (deg)"),
              ("trunk_rotation_deg", "rotation (deg)"))


@dataclass(frozen=True, slots=True)
class Headline:
    label: str
    text: str
    tone: str  # "good", "bad", "neutral"


@dataclass(frozen=True, slots=True)
class ReportModel:
    patient_id: str
    affected_side: str
    seated: bool
    generated_at: str
    period: str
    headlines: list[Headline]
    open_flags: list[dict[str, Any]]
    closed_flags: list[dict[str, Any]]
    changes: list[dict[str, Any]]
    sessions: list[dict[str, Any]]
    n_sessions: int
    decisions: list[dict[str, Any]]
    plan: dict[str, Any] | None
    assessment: Assessment = field(repr=False)
    tz: tzinfo = timezone.utc
    quality_note: str = ""
    session_records: list[Any] = field(default_factory=list, repr=False)
    triage: dict[str, Any] = field(default_factory=dict)  # telemetry.triage.Triage.to_dict()
    trunk: list[dict[str, Any]] = field(default_factory=list)  # newest first
    therapies: dict[str, Any] = field(default_factory=dict)  # telemetry.therapies (GMI, diary)
    body_maps: dict[str, Any] = field(default_factory=dict)  # telemetry.bodymap_report


def _fmt(v: float | None, nd: int = 1) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return f"{v:.{nd}f}"


def _change_row(c: Change, label: str, unit: str) -> dict[str, Any]:
    tone = "neutral"
    if c.meaningful or c.reliable:
        tone = "good" if c.improvement > 0 else "bad"
    pct = "" if c.percent is None else f" ({c.percent:+.0f} %)"
    return {"measure": label, "baseline": _fmt(c.baseline, 2), "current": _fmt(c.current, 2),
            "change": f"{c.change:+.2f}{pct}", "unit": unit,
            "meaningful": "yes" if c.meaningful else "no",
            "rci": _fmt(c.rci, 2), "tone": tone,
            "verdict": ("better" if c.improvement > 0 else "worse") if tone != "neutral"
            else "no meaningful change"}


def _override_reason(text: str) -> str:
    """The plan's `[safety] override_reason` (telemetry reads the stored TOML itself; which
    safeguards are off is the plan checker's to say, passed in as `plan_overrides`)."""
    import tomllib

    try:
        safety = tomllib.loads(text).get("safety")
    except (tomllib.TOMLDecodeError, RecursionError):
        return ""
    reason = safety.get("override_reason") if isinstance(safety, dict) else ""
    return reason.strip() if isinstance(reason, str) else ""


def build_report(data: PatientData, assessment: Assessment, *, tz: tzinfo = timezone.utc,
                 generated_at: datetime | None = None,
                 plan_overrides: Sequence[str] = ()) -> ReportModel:
    """Everything the report shows, as plain values (pure).

    `plan_overrides`: the safeguards the current plan switches off (exercises.plans
    `Plan.overrides`), shown at the top of the report with the therapist's reason."""
    gen = (generated_at or datetime.now(timezone.utc)).astimezone(tz)
    sessions = data.sessions
    first = sessions[0].started_at.astimezone(tz).date() if sessions else None
    last = sessions[-1].started_at.astimezone(tz).date() if sessions else None
    period = f"{first.isoformat()} to {last.isoformat()}" if first and last else "no sessions yet"
    heads: list[Headline] = []
    opened = [f for f in data.flags if f.status == "open"]
    heads.append(Headline("Needs attention",
                          f"{len(opened)} open flag{'s' if len(opened) != 1 else ''}: " +
                          ", ".join(sorted({f.kind for f in opened})) if opened else
                          "nothing flagged", "bad" if opened else "good"))
    weeks = [w for w in assessment.adherence if w.complete_week][-4:]
    if weeks:
        done = sum(w.done for w in weeks)
        presc = sum(w.prescribed for w in weeks)
        heads.append(Headline("Adherence (last 4 full weeks)",
                              f"{done} done, {presc} prescribed ({done / presc:.0%})"
                              if presc else "-",
                              "good" if presc and done / presc >= 0.8 else
                              ("bad" if presc and done / presc < 0.5 else "neutral")))
    for key, label in (("pain", "Pain"), ("psfs", "Function (PSFS)"),
                       ("movement_time", "Reach movement time")):
        c = assessment.changes.get(key)
        series = assessment.series.get(key)
        if c is not None:
            row = _change_row(c, label, series.spec.unit if series else "")
            heads.append(Headline(label, f"{row['baseline']} -> {row['current']} "
                                  f"({row['verdict']})", row["tone"]))
        elif series is not None and series.points:
            heads.append(Headline(label, f"latest {_fmt(series.points[-1].value)} "
                                  "(too few points for a trend)", "neutral"))
    changes = [_change_row(c, assessment.series[k].spec.label, assessment.series[k].spec.unit)
               for k, c in assessment.changes.items()]
    rows = []
    for s in reversed(sessions[-SESSION_ROWS:]):
        summ = s.summary
        hits, targets = summ.get("hits"), summ.get("targets", summ.get("trials"))
        rows.append({
            "date": s.started_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            "exercise": s.exercise, "completed": s.completed, "quota_met": s.quota_met,
            "recovered": s.recovered,
            "pain": pain_path(s),
            "score": f"{hits}/{targets}" if hits is not None and targets else "-",
            "minutes": _fmt((s.ended_at - s.started_at).total_seconds() / 60.0, 0)
            if s.ended_at else "-",
            "decision": s.decisions[0] if s.decisions else "",
        })
    decisions = [{"date": s.started_at.astimezone(tz).strftime("%Y-%m-%d"),
                  "exercise": s.exercise, "reasons": list(s.decisions),
                  "dose": ", ".join(f"{k}={v}" for k, v in sorted(s.dose.items())
                                    if not isinstance(v, (list, dict)))}
                 for s in reversed(sessions) if s.decisions][:15]

    def flag_dict(f: Any) -> dict[str, Any]:
        return {"kind": f.kind, "measure": f.measure, "message": f.message,
                "raised": f.raised_at.astimezone(tz).strftime("%Y-%m-%d"),
                "closed": f.closed_at.astimezone(tz).strftime("%Y-%m-%d") if f.closed_at else "",
                "evidence": _evidence_lines(f.evidence)}

    with_metrics = [t for t in data.trials if isinstance(t.data.get("metrics"), dict)]
    poor = [t for t in with_metrics if t.data["metrics"].get("poor_quality")]
    quality_note = ""
    if with_metrics:
        quality_note = (f"{len(with_metrics)} reaches measured; {len(poor)} left out of the "
                        "movement trends for poor tracking quality.")
        notes = sorted({str(t.data["metrics"].get("quality_note")) for t in poor
                        if t.data["metrics"].get("quality_note")})
        if notes:
            quality_note += f" For example: {notes[0]}."
    plan = None
    if data.plan is not None:
        hist = data.plan_history[-1] if data.plan_history else None
        created = hist["created_at"] if hist else None
        plan = {"version": data.plan[0], "author": hist["author"] if hist else "",
                "created": created.astimezone(tz).strftime("%Y-%m-%d") if created else "",
                "override_reason": _override_reason(str(data.plan[1])),
                "overrides": list(plan_overrides)}
    from telemetry.triage import limits_from_plan_text
    from telemetry.triage import triage as triage_of

    tri = triage_of(sessions, data.flags, today=gen.date(),
                    limits=limits_from_plan_text(str(data.plan[1]) if data.plan else None))
    return ReportModel(
        patient_id=data.patient.patient_id, affected_side=data.patient.affected_side,
        seated=data.patient.seated, generated_at=gen.strftime("%Y-%m-%d %H:%M %Z").strip(),
        period=period, headlines=heads,
        open_flags=[flag_dict(f) for f in reversed(data.flags) if f.status == "open"],
        closed_flags=[flag_dict(f) for f in reversed(data.flags) if f.status != "open"][:10],
        changes=changes, sessions=rows, n_sessions=len(sessions), decisions=decisions,
        plan=plan, assessment=assessment, tz=tz, quality_note=quality_note,
        session_records=list(sessions), trunk=trunk_rows(sessions, data.trials, tz),
        triage=tri.to_dict(),
        therapies=therapy_section(sessions, data.checkins, data.flags, tz),
        body_maps=bodymap_section(data.body_maps, tz))


def trunk_rows(sessions: list[Any], trials: list[Any], tz: tzinfo) -> list[dict[str, Any]]:
    """Per session (newest TRUNK_ROWS with measured reaches), the median trunk
    displacement, lean and rotation over its good-quality reaches: how much the
    trunk helped the arm (CLINICAL.md: compensation above about 5 cm, or a lean
    or rotation above 5-10 deg)."""
    by_session: dict[str, list[dict[str, Any]]] = {}
    for t in trials:
        m = t.data.get("metrics")
        if isinstance(m, dict) and not m.get("poor_quality") and any(
                isinstance(m.get(k), (int, float)) for k, _ in TRUNK_KEYS):
            by_session.setdefault(t.session_id, []).append(m)
    rows = []
    for s in reversed(sessions):
        ms = by_session.get(s.session_id)
        if not ms:
            continue
        row: dict[str, Any] = {"date": s.started_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                               "exercise": s.exercise, "reaches": len(ms)}
        for key, _label in TRUNK_KEYS:
            vals = [float(m[key]) for m in ms if isinstance(m.get(key), (int, float))
                    and not isinstance(m.get(key), bool)]
            row[key] = _fmt(statistics.median(vals), 1) if vals else "-"
        rows.append(row)
        if len(rows) >= TRUNK_ROWS:
            break
    return rows


def pain_path(s: Any) -> str:
    """Pain before -> the highest at a rest break -> after, and the pain pauses:
    "3 -> 6 -> 3 (1 pain pause)"; "-" where a rating was not given."""
    def v(x: int | None) -> str:
        return "-" if x is None else str(x)

    text = f"{v(s.pain_pre)} -> {v(s.pain_in_session_max)} -> {v(s.pain_post)}"
    if s.pain_pauses:
        text += f" ({s.pain_pauses} pain pause{'s' if s.pain_pauses != 1 else ''})"
    return text


def _evidence_lines(ev: dict[str, Any]) -> list[str]:
    """Scalars on one line; each list of (date, value) points on its own."""
    scalars, lists = [], []
    for k, v in ev.items():
        name = k.replace("_", " ")
        if isinstance(v, list) and v and isinstance(v[0], list):
            pts = ", ".join(f"{p[0][:10]}: {p[1]:g}" for p in v[-8:])
            lists.append(f"{name}: {pts}")
        elif isinstance(v, list):
            items = ", ".join(f"{x:g}" if isinstance(x, float) else str(x) for x in v)
            lists.append(f"{name}: {items}")
        elif v is not None:
            scalars.append(f"{name} {v:g}" if isinstance(v, float) else f"{name} {v}")
    return ([" | ".join(scalars)] if scalars else []) + lists


# ------------------------------------------------------------------ figures
def _xy(series: Series | None, tz: tzinfo) -> tuple[list[datetime], list[float]]:
    if series is None:
        return [], []
    return ([p.at.astimezone(tz).replace(tzinfo=None) for p in series.points],
            [p.value for p in series.points])


def _rolling_median(v: Sequence[float], n: int = 7) -> list[float]:
    return [statistics.median(v[max(0, i - n + 1):i + 1]) for i in range(len(v))]


def _style(ax: Any, ylabel: str, xs: Sequence[datetime] = ()) -> None:
    if xs and (max(xs) - min(xs)) < timedelta(days=3):  # a one- or two-day history
        ax.set_xlim(min(xs) - timedelta(days=1.5), max(xs) + timedelta(days=1.5))
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    loc = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))


def _empty(ax: Any, text: str) -> None:
    """An axis with nothing to plot says so. It is switched off rather than given no
    ticks: on axes sharing x with plotted ones, an empty tick list is shared too, and
    matplotlib's date formatter then fails on the plotted ones (IndexError)."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color=GREY)
    ax.set_axis_off()


def _as_numbers(ax: Any, x: Sequence[datetime], y: Sequence[float], color: str,
                fmt: str = "{:.2f}", title: str = "", noun: str = "session") -> None:
    """One or two points are shown as numbers, not as dots lost on empty axes: each
    date with its value, large, with a marker in the series' colour (issue 16)."""
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9 if len(title) < 40 else 8, loc="left")
    n = len(x)
    for i, (xx, yy) in enumerate(zip(x, y, strict=True)):
        top = 0.62 if n == 1 else 0.74 - 0.34 * i
        ax.plot([0.04], [top], "o", color=color, ms=9, transform=ax.transAxes, clip_on=False)
        ax.text(0.1, top, fmt.format(yy), transform=ax.transAxes, fontsize=15,
                weight="bold", color=TEXT, va="center")
        ax.text(0.1, top - 0.15, xx.strftime("%d %b %Y"), transform=ax.transAxes,
                fontsize=8.5, color=GREY, va="center")
    ax.text(0.02, 0.02, f"{n} {noun}{'s' if n > 1 else ''} so far: the numbers, not a trend",
            transform=ax.transAxes, fontsize=7.5, color=GREY, va="bottom")


def _points(ax: Any, x: Sequence[datetime], y: Sequence[float], color: str, *,
            fmt: str = "{:.2f}", title: str = "") -> bool:
    """The per-session points and their 7-session median; up to FEW_POINTS points are
    shown as numbers instead (`_as_numbers`). True when a chart was drawn."""
    if len(x) <= FEW_POINTS:
        _as_numbers(ax, x, y, color, fmt, title)
        return False
    ax.plot(x, y, ".", color=color, alpha=0.45 if color == MOVE else 0.5, ms=4)
    ax.plot(x, _rolling_median(y), "-", color=color, lw=1.8)
    return True


def _subplots(height: float, ncols: int = 1, *, suptitle: bool = False,
              **kw: Any) -> tuple[Figure, Any]:
    """A FIG_W-wide row of axes with fixed margins (constrained layout would
    cost 40 % of a year's report for the same picture at this fixed size)."""
    fig = Figure(figsize=(FIG_W, height), dpi=DPI)
    axes = fig.subplots(1, ncols, **kw)
    top = 1.0 - (0.62 if suptitle else 0.34) / height
    fig.subplots_adjust(left=0.075, right=0.985, top=top,
                        bottom=0.5 / height, wspace=0.28)
    return fig, axes


def figures(model: ReportModel) -> list[tuple[str, Figure]]:
    """(title, figure) pairs: pain, function, movement, sessions, and the hand
    games when the patient played any."""
    a, tz = model.assessment, model.tz
    out: list[tuple[str, Figure]] = []

    fig, ax = _subplots(3.0)
    x, y = _xy(a.series.get("pain"), tz)
    if 0 < len(x) <= FEW_POINTS:
        _as_numbers(ax, x, y, PAIN, "{:.0f} / 10",
                    "Pain before a session (0-10), the first answers")
    elif x:
        for ep in a.flares:
            ax.axvspan(datetime.combine(ep.start, datetime.min.time()),
                       datetime.combine(ep.end, datetime.max.time()), color=PAIN, alpha=0.12,
                       lw=0)
        xp, yp = _xy(a.pain_post, tz)
        ax.plot(x, y, "-o", color=PAIN, ms=3 if len(x) > 1 else 8, lw=1.5,
                label="pain before session")
        if xp:
            ax.plot(xp, yp, ":", color=PAIN_POST, lw=1.2, label="pain after session")
        xi, yi = _xy(a.series.get("interference"), tz)
        if xi:
            ax.plot(xi, yi, "-", color=INTERF, lw=1, alpha=0.8, label="interference")
        c = a.changes.get("pain")
        if c is not None:
            ax.axhline(c.baseline, color=GREY, ls="--", lw=0.8)
            ax.axhspan(c.baseline - 2, c.baseline, color=ZONE, alpha=0.06, lw=0)
        ax.set_ylim(-0.3, 10.3)
        ax.legend(loc="upper right", fontsize=8, frameon=False, ncols=3)
        _style(ax, "0-10", x)
        ax.set_title("Pain and interference (shaded: flares; green band: 2-point MCID "
                     "below baseline)", fontsize=10, loc="left")
    else:
        _empty(ax, "no pain check-ins yet")
    out.append(("Pain and interference", fig))

    fig, ax = _subplots(2.6)
    x, y = _xy(a.series.get("psfs"), tz)
    if 0 < len(x) <= FEW_POINTS:
        _as_numbers(ax, x, y, FUNC, "{:.1f} / 10",
                    "Function (PSFS mean, 10 = as before), the first ratings")
    elif x:
        for i, (name, s) in enumerate(a.psfs_by_activity.items()):
            xa, ya = _xy(s, tz)
            ax.plot(xa, ya, ACTIVITY_STYLES[i % len(ACTIVITY_STYLES)], lw=1.1,
                    color=ACTIVITY_COLOURS[i % len(ACTIVITY_COLOURS)], label=name)
        ax.plot(x, y, "-o", color=FUNC, lw=2.2, ms=4, label="mean")
        ax.set_ylim(-0.3, 10.3)
        ax.legend(loc="lower right", fontsize=8, frameon=False, ncols=3)
        _style(ax, "0-10", x)
        ax.set_title("Function: Patient-Specific Functional Scale (10 = as before)",
                     fontsize=10, loc="left")
    else:
        _empty(ax, "no PSFS ratings yet")
    out.append(("Function (PSFS)", fig))

    fig, axes = _subplots(2.6, 3, suptitle=True)
    for ax, key, label in zip(axes, ("peak_speed", "sparc", "movement_time"),
                              ("Reach speed (m/s) ^", "Smoothness, SPARC ^",
                               "Movement time (s) v")):
        x, y = _xy(a.series.get(key), tz)
        if x:
            if _points(ax, x, y, MOVE, title=label):
                _style(ax, "", x)
                ax.set_title(label, fontsize=9, loc="left")
                for lab in ax.get_xticklabels():
                    lab.set_fontsize(7)
        else:
            _empty(ax, f"{label}: no data")
    fig.suptitle("Movement per session (median of good-quality reaches; line: 7-session "
                 "median; ^ higher is better, v lower is better)", fontsize=10, x=0.01,
                 y=0.98, ha="left", va="top")
    out.append(("Movement", fig))

    fig, (ax1, ax2) = _subplots(2.6, 2, width_ratios=[3, 2])
    x, y = _xy(a.series.get("success_rate"), tz)
    if 0 < len(x) <= FEW_POINTS:
        _as_numbers(ax1, x, y, FUNC, "{:.0f} % hit", "Targets hit per session")
    elif x:
        _points(ax1, x, y, FUNC, fmt="{:.0f} %")
        ax1.axhspan(70, 85, color=ZONE, alpha=0.08, lw=0)
        done = {s.session_id: s.completed for s in model.session_records}
        bad = [(xx, yy) for p, xx, yy in zip(a.series["success_rate"].points, x, y, strict=True)
               if done.get(p.session_id) is False]
        if bad:
            ax1.plot([b[0] for b in bad], [b[1] for b in bad], "x", color=PAIN, ms=7, mew=2,
                     label="session not completed")
            ax1.legend(loc="lower right", fontsize=8, frameon=False)
        ax1.set_ylim(-3, 103)
        _style(ax1, "% targets hit", x)
        ax1.set_title("Targets hit per session (green: 70-85 % zone; x: not completed)",
                      fontsize=9,
                      loc="left")
    else:
        _empty(ax1, "no sessions yet")
    weeks = a.adherence[-16:]
    if weeks:
        xs = [datetime.combine(w.week_start, datetime.min.time()) for w in weeks]
        looks = [adherence_look(w.fraction, w.complete_week) for w in weeks]
        bars = ax2.bar(xs, [w.done for w in weeks], width=5, color=[c for c, _ in looks],
                       edgecolor="#333333", linewidth=0.6)
        for bar, (_, hatch) in zip(bars, looks, strict=True):
            bar.set_hatch(hatch)
        ax2.step(xs + [xs[-1]], [w.prescribed for w in weeks] + [weeks[-1].prescribed],
                 where="post", color=GREY, lw=1, ls="--")
        _style(ax2, "sessions", xs)
        ax2.set_title("Sessions done per week (dashed: prescribed)", fontsize=9, loc="left")
        from matplotlib.patches import Patch  # the bars' key: colour AND hatch, never colour alone

        bars_key = [Patch(facecolor=ADHERENCE_MET, edgecolor="#333333", label=">= 80 %"),
               Patch(facecolor=ADHERENCE_PART, edgecolor="#333333", label=">= 50 %"),
               Patch(facecolor=ADHERENCE_LOW, edgecolor="#333333", hatch="//", label="less")]
        top = max(max(w.done for w in weeks), max(w.prescribed for w in weeks), 1)
        ax2.set_ylim(0, top * 1.45)  # room above the bars for the key
        ax2.legend(handles=bars_key, fontsize=7, loc="upper center", ncols=3, frameon=False,
                   handlelength=1.2, columnspacing=0.8)
    else:
        _empty(ax2, "no weeks yet")
    if 0 < len(weeks) <= FEW_POINTS:  # issue 16: one or two weeks read as numbers
        ax2.clear()
        _as_numbers(ax2, [datetime.combine(w.week_start, datetime.min.time()) for w in weeks],
                    [float(w.done) for w in weeks], GREY, "{:.0f}",
                    "Sessions done per week", noun="week")
        values = [t for t in ax2.texts if t.get_fontsize() == 15]
        dates = [t for t in ax2.texts if t.get_fontsize() == 8.5]
        for v, d, w in zip(values, dates, weeks, strict=True):
            v.set_text(f"{w.done} of {w.prescribed}")
            d.set_text(f"week of {w.week_start:%d %b %Y}"
                       + ("" if w.complete_week else " (not over)"))
    out.append(("Sessions and adherence", fig))

    dex = [(k, label) for k, label in (
        ("tap_rate", "Tapping rate (/s) ^"), ("tap_rhythm", "Tapping rhythm CoV v"),
        ("grasp_range", "Open/close range ^"), ("carry_time", "Pinch carry time (s) v"))
        if a.series.get(k) is not None and a.series[k].points]
    if dex:
        fig, axes = _subplots(2.6, len(dex), suptitle=True, squeeze=False)
        for ax, (key, label) in zip(axes[0], dex, strict=True):
            x, y = _xy(a.series[key], tz)
            if _points(ax, x, y, INTERF, title=label):
                _style(ax, "", x)
                ax.set_title(label, fontsize=9, loc="left")
                for lab in ax.get_xticklabels():
                    lab.set_fontsize(7)
        fig.suptitle("Hand games per session (median of the session's sets or repetitions)",
                     fontsize=10, x=0.01, y=0.98, ha="left", va="top")
        out.append(("Hand games", fig))
    out += bodymap_figures(model.body_maps)  # issue 17: the sensory body maps
    return out


def _png_b64(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def render_html(model: ReportModel, figs: list[tuple[str, Figure]] | None = None) -> str:
    figs = figs if figs is not None else figures(model)
    env = Environment(loader=PackageLoader("telemetry", "."),
                      autoescape=select_autoescape(["html", "j2"]))
    images = [(title, _png_b64(fig)) for title, fig in figs]
    return env.get_template("report.html.j2").render(m=model, images=images)


def _text_pages(lines: list[tuple[str, str]], title: str) -> list[Figure]:
    """A4 pages of styled lines; continues on new pages as needed."""
    pages: list[Figure] = []

    def new_page(heading: str) -> Figure:
        fig = Figure(figsize=A4, dpi=DPI)
        fig.text(0.06, 0.96, heading, fontsize=15, weight="bold", va="top")
        pages.append(fig)
        return fig

    fig = new_page(title)
    y = 0.92
    for style, text in lines:
        size = {"h": 12, "s": 8.5, "m": 8.5}.get(style, 10)
        weight = "bold" if style == "h" else "normal"
        color = {"bad": TEXT_BAD, "good": "#1e8449"}.get(style, "black")
        family = "DejaVu Sans Mono" if style == "m" else "DejaVu Sans"
        for chunk in _wrap(text, 110 if size < 10 else 95):
            if y < 0.05:
                fig = new_page(f"{title} (continued)")
                y = 0.92
            fig.text(0.06, y, chunk, fontsize=size, weight=weight, color=color, va="top",
                     family=family)
            y -= 0.021 if size >= 10 else 0.016
        y -= 0.006 if style == "h" else 0.0
    return pages


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


def pdf_text(model: ReportModel) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(summary page lines, detail page lines) as (style, text)."""
    first: list[tuple[str, str]] = [
        ("b", (f"Patient {model.patient_id} - affected side {model.affected_side}, "
              f"{'seated' if model.seated else 'standing'} - {model.period} - "
              f"{model.n_sessions} sessions - generated {model.generated_at}")),
        ("h", "At a glance")]
    if model.triage:
        tone = {"urgent": "bad", "review": "b", "on_track": "good"}[str(model.triage["severity"])]
        first.append((tone, f"{model.triage['label']}: {model.triage['action']}"))
        first += [("s", "    also: " + str(r["sentence"])) for r in model.triage["reasons"][1:]]
    first += [(h.tone if h.tone != "neutral" else "b", f"{h.label}: {h.text}")
              for h in model.headlines]
    first.append(("h", "Open flags"))
    for f in model.open_flags:
        first.append(("bad", f"[{f['kind']}] {f['message']} (raised {f['raised']})"))
        first += [("s", "    " + e) for e in f["evidence"]]
    if not model.open_flags:
        first.append(("b", "None."))
    if model.quality_note:
        first.append(("b", model.quality_note))
    if model.trunk:
        first.append(("h", "Trunk during reaches (median per session, newest first)"))
        first += [("m", f"{r['date']}  {r['reaches']:>3} reaches  "
                        + "  ".join(f"{label} {r[key]}" for key, label in TRUNK_KEYS))
                  for r in model.trunk]
    first.append(("h", "Change since the start (baseline: first 3 points, now: last 3)"))
    first += [("b", (f"{c['measure']}: {c['baseline']} -> {c['current']}"
                    f"{'' if c['unit'] == '{score}' else ' ' + c['unit']}, "
                    f"{c['change']}; MCID reached: {c['meaningful']}; RCI {c['rci']} - "
                    f"{c['verdict']}")) for c in model.changes]
    detail: list[tuple[str, str]] = [("h", "Progression decisions (newest first)")]
    for d in model.decisions:
        detail += [("b", f"{d['date']} {d['exercise']}: " + " ".join(d["reasons"]))]
    detail.append(("h", "Sessions (newest first)"))
    detail += [("m", (f"{r['date']}  {r['exercise']:<9} "
                     f"{'done' if r['completed'] else 'INCOMPLETE':<10}"
                     f" quota {'met' if r['quota_met'] else 'not met':<8} pain {r['pain']:<12}"
                     f" hits {r['score']:<6} {r['minutes']} min"
                     f"{'  (recovered after a crash)' if r['recovered'] else ''}"))
               for r in model.sessions]
    if model.closed_flags:
        detail.append(("h", "Closed flags"))
        detail += [("s", (f"[{f['kind']}] {f['message']} (raised {f['raised']}, "
                         f"closed {f['closed']})")) for f in model.closed_flags]
    return first, detail


def _chart_pages(figs: list[tuple[str, Figure]], title: str) -> list[Figure]:
    """The charts laid out on A4 portrait pages (as many as fit, each with its title),
    instead of one strip-shaped page per chart."""
    pages: list[Figure] = []
    page: Figure | None = None
    y = 0.0
    aspect = A4[0] / A4[1]
    for name, f in figs:
        buf = io.BytesIO()
        f.savefig(buf, format="png", dpi=DPI)
        buf.seek(0)
        img = mpimg.imread(buf)
        h = 0.88 * aspect * img.shape[0] / img.shape[1]  # its height as a fraction of the page
        if page is None or y - 0.03 - h < 0.06:
            page = Figure(figsize=A4, dpi=DPI)
            page.text(0.06, 0.96, title if not pages else f"{title} (continued)", fontsize=15,
                      weight="bold", va="top")
            pages.append(page)
            y = 0.92
        page.text(0.06, y, name, fontsize=11, weight="bold", va="top")
        y -= 0.022
        ax = page.add_axes((0.06, y - h, 0.88, h))
        ax.imshow(img, interpolation="lanczos")
        ax.set_axis_off()
        y -= h + 0.02
    return pages


def _number_pages(pages: list[Figure], model: ReportModel) -> None:
    """Patient, date and "page i of n" at the foot of every page (pages get separated)."""
    n = len(pages)
    for i, p in enumerate(pages, start=1):
        p.text(0.06, 0.018, f"NeuroPlay therapist report - patient {model.patient_id} - "
                            f"generated {model.generated_at}", fontsize=7.5, color="#555555")
        p.text(0.94, 0.018, f"page {i} of {n}", fontsize=7.5, color="#555555", ha="right")


def pdf_pages(model: ReportModel, figs: list[tuple[str, Figure]]) -> list[Figure]:
    """The PDF's pages as A4 figures (the charts in `figs` are closed once laid out)."""
    first, detail = pdf_text(model)
    pages = _text_pages(first, "NeuroPlay therapist report")
    pages += _chart_pages(figs, "Trends")
    pages += _text_pages(detail, "Decisions and sessions")
    _number_pages(pages, model)
    return pages


def render_pdf(model: ReportModel, out: Path, figs: list[tuple[str, Figure]] | None = None
               ) -> Path:
    """A4 portrait pages: the summary (triage and at-a-glance first), the charts laid out
    on pages, then decisions and sessions; every page numbered with the patient and date."""
    pages = pdf_pages(model, figs if figs is not None else figures(model))
    with paths.atomic_write(Path(out), "wb") as fh, \
            PdfPages(fh, metadata={"Title": f"NeuroPlay report {model.patient_id}",
                                   "Creator": "NeuroPlay"}) as pdf:
        for p in pages:
            pdf.savefig(p)
    return Path(out)


def write_html(model: ReportModel, out: Path) -> Path:
    html = render_html(model)
    with paths.atomic_write(Path(out), "w") as fh:
        fh.write(html)
    return Path(out)
