"""Dose values and names the way a therapist and a patient read them.

Every reason the dosing core gives is a sentence built from these, so the
same value reads the same in the CLI, the game, the report and the dashboard.
"""

from __future__ import annotations


def fmt_value(name: str, value: float) -> str:
    """A dose value with its unit ("60 %", "1.5 s", "10 min")."""
    if name == "reach_fraction":
        return f"{value * 100:.0f} %"
    if name.endswith("_s"):
        return f"{value:g} s"
    if name == "session_minutes":
        return f"{value:g} min"
    if name == "tempo_hz":
        return f"{value:g} Hz"
    return f"{value:g}"


_SHORT = {"reach_fraction": "reach", "repetitions": "repetitions", "target_radius": "target size",
          "session_minutes": "session", "set_s": "set length", "tempo_hz": "tempo",
          "min_range": "opening range", "object_radius": "object size",
          "inter_target_s": "pause between targets", "hold_s": "hold"}


def label(name: str) -> str:
    """A dose field's short name in plain words ("reach", "target size")."""
    return _SHORT.get(name, name.replace("_", " "))


def change(name: str, old: float, new: float) -> str:
    """"reach 60 % -> 65 %"."""
    return f"{label(name)} {fmt_value(name, old)} -> {fmt_value(name, new)}"
