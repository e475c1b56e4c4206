"""Every text/background pair the dashboard's CSS declares reads at WCAG AA (>= 4.5:1).

The colours are parsed from clinic/dashboard/static/style.css itself, so a new or
changed colour is checked without anyone updating this test. A rule's text colour
and background are its own, else those of the rule it sits in (`header a` inside
`header`, `.chip.urgent` on `.chip`), else the page's; a rule without its own
background is checked against every page surface (the body, the white cards, an offline
station card). Opacity is refused: it makes contrast depend on what lies behind.
"""

from __future__ import annotations

import re
from pathlib import Path

CSS = Path(__file__).resolve().parents[2] / "clinic" / "dashboard" / "static" / "style.css"
# The surfaces text without its own background can sit on besides the body's: the white
# cards (.card, .station) and an offline station card (.station.offline).
SURFACES = ("#ffffff", "#eaecee")
NOT_TEXT = {".station canvas", "#playback"}  # drawing surfaces (the skeleton), no CSS text
HEX = re.compile(r"#([0-9a-fA-F]{3,8})\b")


def parse_hex(value: str) -> tuple[float, float, float]:
    m = HEX.search(value)
    assert m, f"colour {value!r} is not a hex colour this test can check"
    h = m.group(1)
    if len(h) in (3, 4):
        h = "".join(c * 2 for c in h[:3])
    assert len(h) in (6, 8), value
    assert len(h) == 6 or h[6:] == "ff", f"{value}: a translucent text or background colour"
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def luminance(rgb: tuple[float, float, float]) -> float:
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(parse_hex(a)), luminance(parse_hex(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def rules(css: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        decls = {}
        for d in body.split(";"):
            if ":" in d:
                k, v = d.split(":", 1)
                decls[k.strip()] = v.strip()
        if "background-color" in decls:
            decls["background"] = decls.pop("background-color")
        for sel in selectors.split(","):
            out.setdefault(" ".join(sel.split()), {}).update(decls)
    return out


def candidates(selector: str) -> list[str]:
    """Where a property not set on `selector` comes from, nearest first."""
    parts = selector.split(" ")
    out = []
    for n in range(len(parts), 0, -1):
        last = parts[n - 1]
        pieces = re.split(r"(?=[.:#])", last)
        for k in range(len(pieces), 0, -1):
            reduced = "".join(pieces[:k])
            if reduced:
                out.append(" ".join([*parts[:n - 1], reduced]))
    return [*out, "body"]


def pairs(css: str) -> list[tuple[str, str, str]]:
    """(selector, text colour, background) for every rule that sets either."""
    rs = rules(css)

    def find(selector: str, prop: str) -> str | None:
        for c in candidates(selector):
            v = rs.get(c, {}).get(prop)
            if v and HEX.search(v):
                return v
        return None

    out = []
    for sel, decls in rs.items():
        if sel in NOT_TEXT or not ({"color", "background"} & decls.keys()):
            continue
        fg = find(sel, "color")
        assert fg, sel
        bg = find(sel, "background")
        own_bg = bg is not None and bg != rs["body"]["background"]
        surfaces = [bg] if own_bg else [rs["body"]["background"], *SURFACES]
        out += [(sel, fg, s) for s in surfaces if s]
    return out


def test_contrast_helpers_match_known_values() -> None:
    assert round(contrast("#000", "#fff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic near miss
    assert candidates("header a") == ["header a", "header", "body"]
    assert candidates(".chip.urgent") == [".chip.urgent", ".chip", "body"]


def test_every_text_background_pair_in_the_dashboard_css_is_at_least_4_5() -> None:
    css = CSS.read_text(encoding="utf-8")
    assert "opacity" not in css, "opacity makes text contrast depend on what is behind it"
    found = pairs(css)
    assert len(found) > 20  # the parser sees the stylesheet's rules, not nothing
    bad = [(sel, fg, bg, round(contrast(fg, bg), 2)) for sel, fg, bg in found
           if contrast(fg, bg) < 4.5]
    assert not bad, bad
    checked = {sel for sel, _fg, _bg in found}
    for sel in (".station.offline", ".station.offline button", "button:disabled", ".chip.urgent", ".chip.review", ".chip.on_track", ".alerts li", "header a"):
        assert sel in checked, sel
