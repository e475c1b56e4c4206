"""The `neuroplay assess` report: one HTML page for the therapist.

`render_assessment_html` is a pure function of an `Assessment` (and the
recording's name): the counted signal over time with every repetition shaded
and its extreme marked (frames whose angle is unreliable are marked too), the
per-recording summary with units and how the angles were measured, the table
of repetitions, and every warning. The plot is an embedded PNG (matplotlib,
Agg backend), so the page is one self-contained file. Writing it is the
caller's (the CLI writes atomically).
"""

from __future__ import annotations

import base64
import html
import io
import math
from typing import Any

import matplotlib

matplotlib.use("Agg")
import numpy as np
from matplotlib.figure import Figure

from telemetry.assess import Assessment

MOVE = "#16a085"
EXTREME = "#c0392b"
GREY = "#7f8c8d"


def _fmt(v: Any, nd: int = 2, unit: str = "") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        text = f"{v:.{nd}f}"
        return f"{text} {unit}".strip()
    return html.escape(str(v))


def signal_png(a: Assessment) -> str | None:
    """The counted signal with its repetitions, as a base64 PNG (None without data)."""
    s = a.series
    t, x = np.asarray(s.get("t", [])), np.asarray(s.get("x", []))
    if t.size < 2 or not np.any(np.isfinite(x)):
        return None
    fig = Figure(figsize=(9.0, 2.8), dpi=100)
    ax = fig.subplots()
    fig.subplots_adjust(left=0.08, right=0.99, top=0.88, bottom=0.17)
    for k, (t0, tp, t1) in enumerate(s.get("events", [])):
        ax.axvspan(t0, t1, color=MOVE, alpha=0.12 if k % 2 == 0 else 0.22, lw=0)
        i = int(np.argmin(np.abs(t - tp)))
        ax.plot([tp], [x[i]], "v", color=EXTREME, ms=7)
        ax.text(tp, x[i], f" {k + 1}", fontsize=7, color=EXTREME, va="bottom")
    ax.plot(t, x, "-", color="#2c3e50", lw=1.3)
    bad = np.asarray(s.get("reliable_t", []))
    if bad.size:
        y0 = float(np.nanmin(x))
        ax.plot(bad, np.full(bad.size, y0), "|", color=GREY, ms=8, label="angle unreliable")
        ax.legend(loc="upper right", fontsize=8, frameon=False)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(str(s.get("unit", "")))
    ax.set_title(f"{s.get('name', '')}: {a.repetitions} counted (shaded; v = each one's extreme)",
                 fontsize=10, loc="left")
    ax.grid(True, alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def summary_rows(a: Assessment) -> list[tuple[str, str]]:
    """(label, value with unit) lines of the per-recording summary, shared by the
    CLI's text output and the HTML page."""
    word = "taps" if a.task == "tapping" or a.measured.endswith("tapping aperture") else "repetitions"
    rows = [("task", a.task + (f" (measured: {a.measured})" if a.task == "auto" else "")),
            ("signal", a.measured),
            ("recording", f"{a.frames} frames, {a.fps:.1f} fps, {a.duration_s:.1f} s"),
            (word, str(a.repetitions)),
            ("rate", _fmt(a.rate_hz, 2, "per s")),
            ("rhythm CoV (intervals)", _fmt(a.rhythm_cov, 3)),
            ("decrement (last third / first third of amplitudes)", _fmt(a.decrement, 2)),
            ("amplitude, mean", _fmt(a.amplitude_mean, 3, a.amplitude_unit))]
    if a.rom:
        r = a.rom
        rows += [("range of motion per repetition, mean / max",
                  f"{_fmt(r.get('mean'), 1, 'deg')} / {_fmt(r.get('max'), 1, 'deg')}"),
                 ("angle over the recording, min / max",
                  f"{_fmt(r.get('min_angle'), 1, 'deg')} / {_fmt(r.get('max_angle'), 1, 'deg')}"),
                 ("repetitions with a reliable angle",
                  f"{r.get('reliable_repetitions')} of {a.repetitions}"),
                 ("how the angles were measured", str(r.get("method", "")))]
        if r.get("movement_looks_like"):
            rows.append(("the raise looks like",
                         f"{r['movement_looks_like']} ({r.get('camera_view')} view)"))
    q = a.quality
    rows.append(("tracking", f"person found in {q.get('pose_found_fraction', 0):.0%} of frames"
                 + (f", hand in {q.get('hand_found_fraction', 0):.0%}"
                    if q.get("hand_found_fraction") else "")
                 + (f"; {q.get('usable_fraction', 0):.0%} of the signal usable"
                    if q.get("usable_fraction") is not None else "")
                 + f"; rejected: {q.get('rejected_low_quality', 0)} low-quality, "
                   f"{q.get('rejected_jumps', 0)} impossible jumps"))
    return rows


def render_assessment_html(a: Assessment, source: str) -> str:
    """The whole page as a string."""
    png = signal_png(a)
    ev_head = ("#", "start (s)", "extreme (s)", "end (s)", "duration (s)",
               f"amplitude ({a.amplitude_unit})", "ROM (deg)", "angle reliable", "peak speed",
               "SPARC", "quality")
    rows = []
    for e in a.events:
        rows.append((str(e.index), _fmt(e.start_s, 2), _fmt(e.peak_s, 2), _fmt(e.end_s, 2),
                     _fmt(e.duration_s, 2), _fmt(e.amplitude, 3), _fmt(e.rom_deg, 1),
                     "-" if e.angle_reliable is None else _fmt(e.angle_reliable),
                     _fmt(e.peak_speed, 2, e.peak_speed_unit or ""), _fmt(e.sparc, 2),
                     _fmt(e.quality, 2)))
    out = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
           f"<title>NeuroPlay assessment: {html.escape(source)}</title>",
           ("<style>body{font-family:sans-serif;max-width:980px;margin:1.5em auto;color:#222}"
           "table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;"
           "padding:.25em .5em;font-size:.9em;text-align:right}th{background:#f3f3f3}"
           "td:first-child{text-align:left}.warn{color:#a04000}.note{color:#555;"
           "font-size:.85em}</style></head><body>"),
           f"<h1>Assessment of {html.escape(source)}</h1>",
           ("<p class='note'>A measurement from one camera: joint angles are estimates "
           "(see how each was measured below); counts and times come from every frame of "
           "the recording. Not a substitute for a clinical examination.</p>"),
           "<h2>Summary</h2><table>"]
    out += [f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>"
            for k, v in summary_rows(a)]
    out.append("</table>")
    if a.warnings:
        out.append("<h2>Warnings</h2><ul>")
        out += [f"<li class='warn'>{html.escape(w)}</li>" for w in a.warnings]
        out.append("</ul>")
    if png:
        out.append(f"<h2>Signal</h2><img alt='counted signal' style='max-width:100%' "
                   f"src='data:image/png;base64,{png}'>")
    out.append("<h2>Repetitions</h2>")
    if rows:
        out.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in ev_head) + "</tr>")
        out += ["<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows]
        out.append("</table>")
    else:
        out.append("<p>None counted.</p>")
    if a.candidates:
        out.append("<h2>Signals considered (task auto)</h2><table><tr><th>signal</th>"
                   "<th>score</th><th>count</th><th>period (s)</th></tr>")
        out += [f"<tr><td>{html.escape(c['signal'])}</td><td>{_fmt(c['score'], 2)}</td>"
                f"<td>{c['count']}</td><td>{_fmt(c['period_s'], 2)}</td></tr>"
                for c in a.candidates]
        out.append("</table>")
    out.append("</body></html>\n")
    return "\n".join(out)
