"""The report's weekly adherence bars are colour-blind safe (no red/green pair)."""

from __future__ import annotations

from telemetry.report import ADHERENCE_LOW, ADHERENCE_MET, ADHERENCE_PART, adherence_look


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))


def _deutan(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    """A rough deuteranopia simulation (Vienot 1999 matrix on linear RGB)."""
    lin = [((c / 255) / 12.92 if c / 255 <= 0.04045 else (((c / 255) + 0.055) / 1.055) ** 2.4) for c in rgb]
    r, g, b = lin
    return (0.29275 * r + 0.70725 * g, 0.29275 * r + 0.70725 * g, -0.02234 * r + 0.02234 * g + b)


def test_met_part_and_low_weeks_differ_in_colour_for_deuteranopes_and_low_weeks_in_shape() -> None:
    assert adherence_look(0.9, True) == (ADHERENCE_MET, "")
    assert adherence_look(0.6, True) == (ADHERENCE_PART, "")
    assert adherence_look(0.2, True) == (ADHERENCE_LOW, "//")  # a hatch: not colour alone
    assert adherence_look(0.2, False)[1] == ""  # a week still running: grey, plain
    met, low = _deutan(_rgb(ADHERENCE_MET)), _deutan(_rgb(ADHERENCE_LOW))
    # met (blue) and low (vermillion) stay far apart with no red-green vision: blue vs yellow-brown
    assert abs(met[2] - low[2]) > 0.3 and abs(met[0] - low[0]) > 0.05
    for colour in (ADHERENCE_MET, ADHERENCE_PART, ADHERENCE_LOW):
        assert colour.lower() not in ("#2ecc71", "#27ae60", "#c0392b")  # the old green / red
