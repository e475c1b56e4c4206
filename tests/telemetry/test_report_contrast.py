"""Every text/background pair the report's CSS (telemetry/report.html.j2) declares reads
at WCAG AA (>= 4.5:1), and the chart colours are the colour-blind-safe palette.

The colours are parsed from the template's <style> itself (the contrast arithmetic is the
dashboard test's, tests/clinic/test_clinic_contrast.py). A rule's text colour and
background are its own, else those of its last compound selector alone (`.kind` for
`.closed .kind`), else its ancestors', else the page's (white: the report sets none). Text
without its own background is checked on every light background the stylesheet
declares: a report's lines sit in cards, flags and triage boxes of every tone.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.clinic.test_clinic_contrast import HEX, contrast, luminance, parse_hex, rules

TEMPLATE = Path(__file__).resolve().parents[2] / "telemetry" / "report.html.j2"
NOT_TEXT = {"img"}


def css() -> str:
    text = TEMPLATE.read_text(encoding="utf-8")
    m = re.search(r"<style>(.*?)</style>", text, re.DOTALL)
    assert m, "the report template has no <style>"
    return m.group(1)


def _reductions(compound: str) -> list[str]:
    """`.triage.on_track` -> [".triage.on_track", ".triage"]."""
    pieces = re.split(r"(?=[.:#])", compound)
    return [r for r in ("".join(pieces[:k]) for k in range(len(pieces), 0, -1)) if r]


def candidates(selector: str) -> list[str]:
    """Where a property not set on `selector` comes from, nearest first: the last compound
    (reduced) under each reduction of its ancestor, then on its own, then the ancestors."""
    parts = selector.split(" ")
    last, ancestors = parts[-1], parts[:-1]
    out: list[str] = []
    if ancestors:
        prefix = " ".join(ancestors[:-1])
        for anc in _reductions(ancestors[-1]):
            for red in _reductions(last):
                out.append(" ".join(x for x in (prefix, anc, red) if x))
    out += _reductions(last)
    if ancestors:
        out += [c for c in candidates(" ".join(ancestors)) if c != "body"]
    return list(dict.fromkeys([selector, *out, "body"]))


def pairs(style: str) -> list[tuple[str, str, str]]:
    rs = rules(style)

    def find(selector: str, prop: str) -> str | None:
        for c in candidates(selector):
            v = rs.get(c, {}).get(prop)
            if v and HEX.search(v):
                return v
        return None

    declared = {HEX.search(d["background"]).group(0)  # type: ignore[union-attr]
                for d in rs.values() if HEX.search(d.get("background", ""))}
    # the light surfaces text sits on (cards, flags, boxes, table heads); the dark ones are
    # chips and badges, each with its own text colour (checked as its own pair)
    backgrounds = sorted({b for b in declared if luminance(parse_hex(b)) > 0.5} | {"#ffffff"})
    out = []
    for sel, decls in rs.items():
        if sel in NOT_TEXT or not ({"color", "background"} & decls.keys()):
            continue
        fg = find(sel, "color") or "#000000"
        bg = find(sel, "background")
        for surface in ([bg] if bg else backgrounds):
            out.append((sel, HEX.search(fg).group(0), surface))  # type: ignore[union-attr]
    return out


def test_the_resolver_finds_a_compounds_own_colour() -> None:
    assert candidates(".closed .kind") == [".closed .kind", ".kind", ".closed", "body"]
    assert candidates(".triage.urgent .chip")[:3] == [".triage.urgent .chip", ".triage .chip",
                                                      ".chip"]
    found = {sel: (fg, bg) for sel, fg, bg in pairs(css())}
    fg, bg = found[".closed .kind"]
    assert contrast(fg, "#ffffff") == 1.0  # white text, from `.kind`
    assert bg != "#ffffff" and contrast(fg, bg) >= 4.5


def test_every_text_background_pair_in_the_report_css_is_at_least_4_5() -> None:
    found = pairs(css())
    assert len(found) > 40  # the parser sees the stylesheet's rules, not nothing
    bad = sorted({(sel, fg, bg, round(contrast(fg, bg), 2)) for sel, fg, bg in found
                  if contrast(fg, bg) < 4.5})
    assert not bad, bad
    checked = {sel for sel, _fg, _bg in found}
    for sel in (".meta", ".card .label", ".triage.urgent .chip", ".kind", ".closed .kind",
                "td.bad", ".note", ".evidence"):
        assert sel in checked, sel


def test_the_chart_colours_are_colour_blind_safe_and_chart_text_reads() -> None:
    from telemetry import report as r

    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00",
                 "#CC79A7", "#000000"}
    series = {r.PAIN, r.PAIN_POST, r.INTERF, r.FUNC, r.MOVE, r.ZONE, *r.ACTIVITY_COLOURS}
    assert series <= okabe_ito, series - okabe_ito
    assert len({r.PAIN, r.PAIN_POST, r.INTERF, r.FUNC, r.MOVE}) == 5
    for text in (r.TEXT, r.GREY, r.TEXT_BAD):
        assert contrast(text, "#ffffff") >= 4.5, text
