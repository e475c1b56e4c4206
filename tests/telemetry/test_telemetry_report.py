"""The therapist report: content from generated data, HTML and PDF on disk."""

from __future__ import annotations

import base64
import io
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import matplotlib.image as mpimg
import pytest

from telemetry.flagging import refresh_flags
from telemetry.report import build_report, figures, render_html, render_pdf, write_html
from telemetry.store import Store
from telemetry.synthetic import Course, generate

UTC = timezone.utc


@pytest.fixture(scope="module")
def model():
    store = Store.memory(flush_interval_s=5)
    generate(store, "p1", Course(days=30, reps=3, flare_days=frozenset({27, 28, 29}),
                                 incomplete_days=frozenset({10})))
    data, result = refresh_flags(store, "p1", today=date(2026, 2, 4), tz=UTC)
    return build_report(data, result, tz=UTC,
                        generated_at=datetime(2026, 2, 4, 9, tzinfo=UTC))


def test_model_leads_with_what_needs_attention(model) -> None:
    assert model.headlines[0].label == "Needs attention"
    assert model.headlines[0].tone == "bad" and "flare" in model.headlines[0].text
    [flare] = [f for f in model.open_flags if f["kind"] == "flare"]
    assert "3 days in a row" in flare["message"]
    assert any("values: " in e for e in flare["evidence"])
    assert model.n_sessions == 30
    assert model.sessions[0]["date"].startswith("2026-02-03")  # newest first
    incomplete = [r for r in model.sessions if not r["completed"]]
    assert len(incomplete) == 1
    assert model.decisions[0]["reasons"][0].startswith("Day 30")
    pain = next(c for c in model.changes if c["measure"].startswith("Pain ("))
    assert pain["baseline"] and pain["current"]
    # 29 sessions x 3 reaches + 1 in the incomplete session (half of 3, rounded down)
    assert model.quality_note.startswith("88 reaches measured; 0 left out")


def test_html_embeds_four_plots_and_escapes(model) -> None:
    html = render_html(model)
    imgs = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(imgs) == 4
    for b64 in imgs:
        img = mpimg.imread(io.BytesIO(base64.b64decode(b64)), format="png")
        assert img.shape[1] == 900  # 9 in at 100 dpi
        assert img[..., :3].std() > 0.02  # something is drawn, not a blank canvas
    assert "Needs attention" in html and "Progression decisions" in html
    assert "Pain flare" in html


def test_figures_have_data(model) -> None:
    figs = dict(figures(model))
    pain_ax = figs["Pain and interference"].axes[0]
    labels = [line.get_label() for line in pain_ax.get_lines()]
    assert "pain before session" in labels and "pain after session" in labels
    pre = next(line for line in pain_ax.get_lines() if line.get_label() == "pain before session")
    assert len(pre.get_xdata()) == 30
    assert len(figs["Movement"].axes) == 3


def test_pdf_and_html_files(model, tmp_path: Path) -> None:
    pdf = render_pdf(model, tmp_path / "r.pdf")
    head = pdf.read_bytes()[:5]
    assert head == b"%PDF-"
    assert pdf.read_bytes().count(b"/Type /Page\n") + pdf.read_bytes().count(b"/Type /Page ") >= 3
    html = write_html(model, tmp_path / "r.html")
    assert html.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.pdf"]


def test_report_for_a_patient_with_no_sessions() -> None:
    store = Store.memory()
    store.ensure_patient("new")
    data, result = refresh_flags(store, "new", today=date(2026, 1, 1), tz=UTC)
    m = build_report(data, result, tz=UTC)
    assert m.period == "no sessions yet"
    html = render_html(m)
    assert "No open flags." in html and "no pain check-ins yet" not in html  # drawn in PNG


def test_hand_games_figure_only_when_played() -> None:
    from datetime import timedelta

    store = Store.memory(flush_interval_s=5)
    store.ensure_patient("h")
    t0 = datetime(2026, 1, 5, 10, tzinfo=UTC)
    for day in range(3):
        rec = store.start_session("h", "openclose", {}, started_at=t0 + timedelta(days=day))
        rec.record([_Ev(5.0 * k, "repetition", {"range": 0.5 + 0.05 * day, "cycle_s": 2.0})
                    for k in range(4)])
        rec.close({}, ended_at=t0 + timedelta(days=day, minutes=3))
    data, result = refresh_flags(store, "h", today=date(2026, 1, 8), tz=UTC)
    figs = dict(figures(build_report(data, result, tz=UTC)))
    assert "Hand games" in figs
    [ax] = figs["Hand games"].axes
    assert list(ax.get_lines()[0].get_ydata()) == pytest.approx([0.5, 0.55, 0.6])


class _Ev:
    def __init__(self, t: float, kind: str, data: dict) -> None:
        self.t, self.kind, self.data = t, kind, data


def test_incomplete_sessions_are_marked(model) -> None:
    figs = dict(figures(model))
    ax = figs["Sessions and adherence"].axes[0]
    marks = [line for line in ax.get_lines() if line.get_label() == "session not completed"]
    assert len(marks) == 1 and len(marks[0].get_xdata()) == 1


def test_a_plan_with_a_safeguard_switched_off_is_shown_at_the_top_of_the_report() -> None:
    from importlib.resources import files

    store = Store.memory()
    store.ensure_patient("p9")
    text = (files("assets.plans") / "neuropathic_upper_limb_seated.toml").read_text()
    store.save_plan("p9", text + '\n[safety]\noverride_reason = "Dr. Lee: supervised only"\n',
                    author="lee")
    data, result = refresh_flags(store, "p9", today=date(2026, 1, 1), tz=UTC)
    off = ["guardrails.pain_stop_threshold: 10 switches a safeguard off (...)"]
    html = render_html(build_report(data, result, tz=UTC, plan_overrides=off))
    banner = html[html.index('id="plan-override"'):]
    assert html.index('id="plan-override"') < html.index("Needs attention")  # before anything
    assert "Dr. Lee: supervised only" in banner and "pain_stop_threshold" in banner
    store.save_plan("p9", text, author="lee")  # a safe plan: no banner
    data, result = refresh_flags(store, "p9", today=date(2026, 1, 1), tz=UTC)
    assert 'id="plan-override"' not in render_html(build_report(data, result, tz=UTC))


def _reaching_session(store: Store, pid: str, at: datetime, hits: list[bool]) -> None:
    """A reaching session whose reaches hit or time out (real minimum-jerk paths)."""
    import numpy as np

    from telemetry.synthetic import reach_path

    rng = np.random.default_rng(len(hits))
    rec = store.start_session(pid, "reaching", {"repetitions": len(hits)}, started_at=at)
    store.checkin(pid, "pre", {"pain": 3}, session_id=rec.session_id, at=at)
    t = 1.0
    for k, hit in enumerate(hits):
        path = reach_path(rng, t, (1.1, 0.8), 0.9, 0.1, 30.0)
        end = path[-1][0]
        rec.record([_Ev(t, "target_shown", {"index": k, "x": 1.1, "y": 0.8}),
                    _Ev(end, "hold_complete" if hit else "timeout", {"index": k}),
                    _Ev(end, "repetition", {"index": k, "target": [1.1, 0.8], "shown_t": t,
                                            "hit": hit, "outcome": "hit" if hit else "timeout",
                                            "path": path})])
        t = end + 1.0
    rec.close({"exercise": "reaching", "targets": len(hits), "hits": sum(hits)},
              completed=False, ended_at=at + timedelta(minutes=2))


@pytest.mark.parametrize("sessions", [[], [[False, False]], [[True, True, False], [False, False]],
                                      [[True], [True, True]]])
def test_report_with_few_sessions_and_no_hits(sessions: list[list[bool]], tmp_path: Path) -> None:
    """0, 1 and 2 sessions, with a session where no target was hit: the HTML and the
    PDF are written (a 0-hit patient's date axis used to raise IndexError), and one or
    two points on a chart are shown as numbers with their dates (issue 16)."""
    store = Store.memory(flush_interval_s=5)
    store.ensure_patient("few")
    t0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
    for day, hits in enumerate(sessions):
        _reaching_session(store, "few", t0 + timedelta(days=day), hits)
    data, result = refresh_flags(store, "few", today=date(2026, 3, 6), tz=UTC)
    model = build_report(data, result, tz=UTC, generated_at=datetime(2026, 3, 6, tzinfo=UTC))
    html = write_html(model, tmp_path / "r.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert render_pdf(model, tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"
    figs = dict(figures(model))
    hit_ax = figs["Sessions and adherence"].axes[0]
    if sessions:  # 1-2 points: the numbers, with their dates, not near-empty axes
        texts = [t.get_text() for t in hit_ax.texts]
        assert not hit_ax.axison
        assert [t for t in texts if t.endswith("% hit")] == [
            f"{100 * sum(h) / len(h):.0f} % hit" for h in sessions]
        assert [t for t in texts if t.endswith(" Mar 2026")] == [
            f"0{2 + d} Mar 2026" for d in range(len(sessions))]
        assert texts[-1].startswith(f"{len(sessions)} session")
        [dots] = [ln for ln in hit_ax.get_lines()][:1]
        assert dots.get_marker() == "o" and dots.get_markersize() >= 8
        week_ax = figs["Sessions and adherence"].axes[1]
        assert not week_ax.axison and "week of 02 Mar 2026 (not over)" in [
            t.get_text() for t in week_ax.texts]
        assert [t.get_text() for t in week_ax.texts if " of " in t.get_text()
                and "week" not in t.get_text()] == ["0 of 5"]  # none completed
        speed_ax = figs["Movement"].axes[0]
        assert not speed_ax.axison or any(len(ln.get_xdata()) for ln in speed_ax.get_lines())


def test_the_report_opens_with_the_triage_sentence(model) -> None:
    """The synthetic course ends in a flare: urgent, with the flare's action, first."""
    assert model.triage["severity"] == "urgent"
    assert any("go through the flare plan" in r["sentence"] for r in model.triage["reasons"])
    html = render_html(model)
    assert html.index('id="triage"') < html.index('class="glance"')
    assert "Urgent" in html[html.index('id="triage"'):html.index('class="glance"')]
    from telemetry.report import pdf_text

    first, _ = pdf_text(model)
    assert first[2] == ("bad", f"Urgent: {model.triage['action']}")


def test_the_pdf_is_a4_portrait_with_charts_on_pages_and_every_page_numbered(
        model, tmp_path: Path) -> None:
    from matplotlib import pyplot as plt

    from telemetry.report import pdf_pages

    figs = figures(model)
    pages = pdf_pages(model, figs)
    try:
        n = len(pages)
        assert n < 2 + len(figs)  # the charts share pages (was one strip-shaped page each)
        for i, page in enumerate(pages, start=1):
            w, h = page.get_size_inches()
            assert (round(w, 2), round(h, 2)) == (8.27, 11.69)  # A4 portrait
            texts = [t.get_text() for t in page.texts]
            assert f"page {i} of {n}" in texts
            assert any(f"patient {model.patient_id}" in t and model.generated_at in t
                       for t in texts)
        charts = [t.get_text() for p in pages for t in p.texts]
        assert all(name in charts for name, _ in figs)  # every chart titled on its page
    finally:
        for p in pages:
            plt.close(p)
    raw = render_pdf(model, tmp_path / "r.pdf").read_bytes()
    boxes = re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", raw)
    assert len(boxes) == n and all((round(float(w)), round(float(h))) == (595, 842)
                                   for w, h in boxes)
