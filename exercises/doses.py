"""Every difficulty parameter of every mini-game, as frozen dataclasses.

The progression engine is the only thing that chooses values; the game and
the exercises never invent one. Field names are the keys of a therapist's
plan (TOML), so keep them stable and documented. Units: seconds, body units
(shoulder widths), fractions of the calibrated reach envelope.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Literal

from vision.directions import SEATED_DIRECTIONS

Side = Literal["left", "right", "both"]


@dataclass(frozen=True, slots=True)
class SessionDose:
    """Parameters of the session as a whole (safety and pacing)."""

    session_minutes: float = 10.0  # hard cap on active play
    rest_every_s: float = 120.0  # a rest break after this much active play
    rest_s: float = 30.0  # length of each rest break
    seated: bool = True
    pace: float = 1.0  # 1 = normal; 0.5 = everything twice as slow (patient may lower)
    pain_stop_threshold: int = 5  # in-session NRS above this pauses and drops a level
    pain_rise_limit: int = 2  # rise over pre-session NRS that pauses and drops a level


@dataclass(frozen=True, slots=True)
class ReachingDose:
    reach_fraction: float = 0.6  # of the calibrated envelope in that direction
    target_radius: float = 0.30  # body units
    hold_s: float = 1.0
    repetitions: int = 12
    target_timeout_s: float = 8.0
    inter_target_s: float = 1.0  # pause between targets (pace)
    directions: tuple[str, ...] = SEATED_DIRECTIONS
    side: Side = "right"  # the affected arm, or both alternating
    variant: Literal["pop", "knock", "carry"] = "pop"
    # plane: targets around the body in the image plane; forward: in front of the body,
    # hit by position and depth (exercises/reaching_forward.py)
    mode: Literal["plane", "forward"] = "plane"


@dataclass(frozen=True, slots=True)
class TappingDose:
    tempo_hz: float = 2.0  # metronome rate
    set_s: float = 15.0
    sets: int = 3
    rest_between_sets_s: float = 10.0
    side: Side = "right"


@dataclass(frozen=True, slots=True)
class PinchDose:
    objects: int = 8
    object_radius: float = 0.18  # body units
    object_mass: float = 1.0  # "weight feel": how much the object lags the hand
    friction: float = 0.6
    time_limit_s: float = 90.0
    side: Side = "right"


@dataclass(frozen=True, slots=True)
class OpenCloseDose:
    repetitions: int = 10
    min_range: float = 0.4  # required change of grasp aperture (normalized)
    hold_s: float = 0.5
    time_limit_s: float = 90.0
    side: Side = "right"


Dose = ReachingDose | TappingDose | PinchDose | OpenCloseDose  # one game's dose

DOSE_TYPES: dict[str, type] = {
    "session": SessionDose,
    "reaching": ReachingDose,
    "tapping": TappingDose,
    "pinch": PinchDose,
    "openclose": OpenCloseDose,
}


def dose_fields(exercise: str) -> dict[str, Any]:
    """Field name -> default value for an exercise's dose."""
    cls = DOSE_TYPES[exercise]
    return {f.name: getattr(cls(), f.name) for f in fields(cls)}


def make_dose(exercise: str, **values: Any) -> Dose:
    """Build a dose, rejecting unknown keys with a message naming them."""
    cls = DOSE_TYPES.get(exercise)
    if cls is None:
        raise ValueError(f"unknown exercise {exercise!r}; expected one of {', '.join(DOSE_TYPES)}")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"unknown {exercise} dose key(s): {', '.join(unknown)}")
    if "directions" in values:
        values["directions"] = tuple(values["directions"])
    return replace(cls(), **values)
