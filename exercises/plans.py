"""Therapist plans: the TOML schema, loading and validation.

Role: turn a therapist's TOML text into a validated, frozen `Plan`, or into
ONE line naming the file, the line, the key and what was expected. Nothing
else in NeuroPlay chooses the bounds of a dose: the progression engine moves
inside the plan's [min, max] ranges and the in-session staircase never leaves
them.

Contract:
  * `load_plan(text, source)` -> `Plan`; raises `PlanError` (one line,
    `str(err)`) on a TOML syntax error, a wrong type, an unknown key, a start
    outside [min, max] or an impossible rule (min > max, step <= 0,
    band low >= high, a progressed key that is not a range...). Pure: the
    caller reads the file, so a rejected plan never replaces the old one.
  * Every numeric dose field of `exercises/doses.py` may be given as a range
    table `{ start, min, max, step }` or a plain number (fixed value). A
    field left out is fixed at the dose default. Enums and lists are fixed
    values; `directions` is the allowed set.
  * `HARDER` says which way each numeric field makes the game harder (+1:
    bigger is harder, -1: smaller is harder); the progression engine, the
    staircase and `todays_dose(easier=...)` all read it.
  * Field names are `exercises/doses.py` names; nothing is renamed.

Pydantic (v2, strict, extra="forbid") does the checking; `_locate` maps its
error location back to a TOML line by walking the text's tables and keys.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields
from typing import Annotated, Any, Literal

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from exercises.breathing import BreathingRules
from exercises.diary import FlarePlan
from exercises.doses import DOSE_TYPES
from exercises.gmi.rules import GmiRules
from vision.directions import DIRECTIONS, SEATED_DIRECTIONS

EXERCISES: tuple[str, ...] = tuple(k for k in DOSE_TYPES if k != "session")

# +1: a bigger value is harder; -1: a smaller value is harder.
HARDER: dict[str, dict[str, int]] = {
    "session": {"session_minutes": +1, "rest_every_s": +1, "rest_s": -1, "pace": +1},
    "reaching": {"reach_fraction": +1, "target_radius": -1, "hold_s": +1, "repetitions": +1,
                 "target_timeout_s": -1, "inter_target_s": -1},
    "tapping": {"tempo_hz": +1, "set_s": +1, "sets": +1, "rest_between_sets_s": -1},
    "pinch": {"objects": +1, "object_radius": -1, "object_mass": +1, "friction": -1,
              "time_limit_s": -1},
    "openclose": {"repetitions": +1, "min_range": +1, "hold_s": +1, "time_limit_s": -1},
}

# Session fields that come from elsewhere in the plan, not from a [session] range.
_SESSION_FROM_PLAN = ("seated", "pain_stop_threshold", "pain_rise_limit")
# Dose fields fixed by the plan header, never written in an exercise table.
_FROM_HEADER = ("side",)


# Physical bounds of every numeric dose field (one place): what the games accept and what
# makes sense for a person. A plan value outside them is refused, whatever the safeguards.
# (low, high, unit)
PHYSICAL: dict[str, dict[str, tuple[float, float, str]]] = {
    "session": {"session_minutes": (0.25, 60, "min"), "rest_every_s": (5, 1800, "s"),
                "rest_s": (2, 600, "s"), "pace": (0.25, 1.0, "")},
    "reaching": {"reach_fraction": (0.05, 1.2, "of the reach envelope"),
                 "target_radius": (0.05, 1.0, "shoulder widths"), "hold_s": (0, 10, "s"),
                 "repetitions": (1, 200, ""), "target_timeout_s": (1, 60, "s"),
                 "inter_target_s": (0, 30, "s")},
    "tapping": {"tempo_hz": (0.5, 6, "Hz"), "set_s": (3, 120, "s"), "sets": (1, 20, ""),
                "rest_between_sets_s": (0, 300, "s")},
    "pinch": {"objects": (1, 50, ""), "object_radius": (0.05, 0.6, "shoulder widths"),
              "object_mass": (0.1, 10, ""), "friction": (0, 2, ""),
              "time_limit_s": (10, 600, "s")},
    "openclose": {"repetitions": (1, 200, ""), "min_range": (0.05, 1.0, ""),
                  "hold_s": (0, 10, "s"), "time_limit_s": (10, 600, "s")},
}


@dataclass(frozen=True, slots=True)
class Safeguard:
    """A rule value beyond which a safeguard is effectively switched off (CLINICAL.md 4b)."""

    table: str
    key: str
    low: float | None  # the weakest safe value from below (None: no lower limit)
    high: float | None  # the weakest safe value from above
    what: str  # what goes wrong beyond it, in plain words


SAFEGUARDS: tuple[Safeguard, ...] = (
    Safeguard("guardrails", "pain_stop_threshold", None, 7,
              "sessions would go on at severe pain without a pause"),
    Safeguard("guardrails", "pain_rise_limit", None, 4,
              "a large rise of pain during a session would not pause it"),
    Safeguard("guardrails", "pre_session_stop", None, 9,
              "the full dose would be offered at severe pain before a session"),
    Safeguard("progression", "acceptable_pain", None, 6,
              "pain above 5 (not acceptable, Silbernagel 2007) would still allow a rise"),
    Safeguard("progression", "max_pain_rise", None, 4,
              "a session whose pain rose a lot would still count toward a rise"),
    Safeguard("progression", "next_day_margin", None, 4,
              "pain worse the next morning would not reduce the dose"),
    Safeguard("progression", "flare_rise", None, 4, "a flare would never be detected"),
    Safeguard("progression", "flare_hold_sessions", 1, None,
              "the dose would rise again right after a flare"),
    Safeguard("progression", "weekly_increase", None, 0.20,
              "the weekly rise would exceed the 10-20 % of graded activity"),
    Safeguard("staircase", "band_low", 0.60, None,
              "the staircase would keep a patient failing most trials"),
    Safeguard("staircase", "band_high", None, 0.90,
              "the staircase would rarely make a session harder or easier"),
)


def safeguard_problems(model: object) -> list[tuple[tuple[str, str], str]]:
    """Every rule value of a plan document that switches a safeguard off."""
    out = []
    for g in SAFEGUARDS:
        value = getattr(getattr(model, g.table), g.key)
        if (g.low is not None and value < g.low) or (g.high is not None and value > g.high):
            low = g.low is not None and value < g.low
            bound = f"at least {g.low:g}" if low else f"at most {g.high:g}"
            out.append(((g.table, g.key),
                        (f"{value:g} switches a safeguard off ({g.what}); the safe value is "
                        f"{bound}. To allow it, write the reason in [safety] override_reason")))
    return out



class PlanError(ValueError):
    """A plan that cannot be used; `str()` is one line naming file, line and key."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class _Located(ValueError):
    """A rule broken at a known location (relative to the model that raised it)."""

    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


def _fixed(value: Any) -> Any:
    """A plain number means a fixed value: start = min = max."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"start": value, "min": value, "max": value, "step": 1 if isinstance(value, int)
                else max(abs(value), 1.0)}
    return value


class _RangeChecks(BaseModel):
    model_config = _STRICT

    @model_validator(mode="after")
    def _check(self) -> _RangeChecks:
        lo, hi, start, step = self.min, self.max, self.start, self.step  # type: ignore[attr-defined]
        for name in ("start", "min", "max", "step"):
            if not math.isfinite(getattr(self, name)):
                raise _Located((name,), "expected a finite number")
        if step <= 0:
            raise _Located(("step",), f"step must be > 0, got {step:g}")
        if lo > hi:
            raise _Located(("min",), f"min {lo:g} is greater than max {hi:g}")
        if not lo <= start <= hi:
            raise _Located(("start",), f"start {start:g} is outside [min {lo:g}, max {hi:g}]")
        return self


class Range(_RangeChecks):
    """A numeric dose parameter: where it starts and how far it may move."""

    start: float
    min: float
    max: float
    step: float

    def clamp(self, value: float) -> float:
        return min(self.max, max(self.min, value))

    def snap(self, value: float) -> float:
        """Clamp, then round to the step grid counted from `min` (ties go down)."""
        v = self.clamp(value)
        if self.max == self.min:
            return self.min
        k = round((v - self.min) / self.step - 1e-9)
        return self.clamp(round(self.min + k * self.step, 10))


class IntRange(Range):
    """A whole-number dose parameter (repetitions, sets, objects)."""

    start: int  # type: ignore[assignment]
    min: int  # type: ignore[assignment]
    max: int  # type: ignore[assignment]
    step: int  # type: ignore[assignment]

    def snap(self, value: float) -> float:
        return round(super().snap(value))


FloatParam = Annotated[Range | None, BeforeValidator(_fixed)]
IntParam = Annotated[IntRange | None, BeforeValidator(_fixed)]


def _exercise_model(exercise: str) -> type[BaseModel]:
    """A strict model of one exercise table, built from its dose dataclass."""
    spec: dict[str, Any] = {}
    for f in fields(DOSE_TYPES[exercise]):
        if f.name in _FROM_HEADER or (exercise == "session" and f.name in _SESSION_FROM_PLAN):
            continue
        if f.name in HARDER[exercise]:
            kind = IntParam if f.type in ("int", int) else FloatParam
            spec[f.name] = (kind, None)
        elif f.name == "directions":
            spec[f.name] = (list[Literal[DIRECTIONS]] | None, None)  # type: ignore[valid-type]
        elif f.name == "variant":
            spec[f.name] = (Literal["pop", "knock", "carry"] | None, None)
        elif f.name == "mode":  # reaching: "plane" or "forward" (targets in front, with depth)
            spec[f.name] = (Literal["plane", "forward"] | None, None)
        else:  # a field without a range rule cannot be set from a plan
            continue
    model = create_model(f"{exercise.title()}Table", __config__=_STRICT, **spec)  # type: ignore[call-overload]
    return model


EXERCISE_MODELS: dict[str, type[BaseModel]] = {name: _exercise_model(name) for name in DOSE_TYPES}


class PlanInfo(BaseModel):
    model_config = _STRICT

    name: str = Field(min_length=1)
    description: str = ""
    affected_side: Literal["left", "right", "both"] = "right"
    seated: bool = True
    exercises: list[Literal[EXERCISES]] = Field(min_length=1)  # type: ignore[valid-type]
    sessions_per_week: int = Field(default=5, ge=1, le=14)
    # the patient's interpupillary distance for the stereo view (adults 54-74 mm, mean 63)
    ipd_mm: float = Field(default=63.0, ge=50.0, le=80.0)


class Progression(BaseModel):
    """Between sessions: baseline, start fraction, weekly raise, flare and plateau rules."""

    model_config = _STRICT

    baseline_sessions: int = Field(default=3, ge=1, le=10)
    start_fraction: float = Field(default=0.8, gt=0.0, le=1.0)
    weekly_increase: float = Field(default=0.10, gt=0.0, le=0.5)
    week_days: int = Field(default=7, ge=1, le=28)
    min_sessions_per_week: int = Field(default=2, ge=1, le=14)
    max_pain_rise: int = Field(default=2, ge=0, le=10)  # post - pre allowed for a "met" session
    acceptable_pain: int = Field(default=5, ge=0, le=10)  # any answer above: no rise; 2 in a row: drop
    next_day_margin: int = Field(default=2, ge=1, le=10)  # next start worse by this: reduce a level
    flare_rise: int = Field(default=2, ge=1, le=10)
    flare_days: int = Field(default=2, ge=1, le=14)
    flare_hold_sessions: int = Field(default=3, ge=0, le=30)
    plateau_weeks: int = Field(default=3, ge=1, le=26)
    # The quota, in the order its parameters take turns to rise (one a week).
    progress: list[str] = Field(default_factory=lambda: ["reaching.repetitions",
                                                         "reaching.reach_fraction"])

    @field_validator("progress")
    @classmethod
    def _dotted(cls, v: list[str]) -> list[str]:
        for key in v:
            if not re.fullmatch(r"[a-z]+\.[a-z_]+", key):
                raise ValueError(f"{key!r} is not EXERCISE.FIELD (e.g. reaching.repetitions)")
        return v


class Guardrails(BaseModel):
    """In-session pain rules (CLINICAL.md section 4)."""

    model_config = _STRICT

    pain_stop_threshold: int = Field(default=5, ge=0, le=10)
    pain_rise_limit: int = Field(default=2, ge=1, le=10)
    pre_session_stop: int = Field(default=8, ge=1, le=10)  # pre pain at/above: easier or rest


class Safety(BaseModel):
    """A therapist's written reason for switching a safeguard off (shown wherever the plan is)."""

    model_config = _STRICT

    override_reason: str = Field(default="", max_length=500)


class StaircaseRule(BaseModel):
    """Within a session: keep rolling success inside [band_low, band_high]."""

    model_config = _STRICT

    band_low: float = Field(default=0.70, gt=0.0, lt=1.0)
    band_high: float = Field(default=0.85, gt=0.0, le=1.0)
    window: int = Field(default=10, ge=2, le=50)
    min_trials: int = Field(default=5, ge=1, le=50)

    @model_validator(mode="after")
    def _band(self) -> StaircaseRule:
        if self.band_low >= self.band_high:
            raise _Located(("band_low",), f"band_low {self.band_low:g} must be below band_high "
                           f"{self.band_high:g}")
        if self.min_trials > self.window:
            raise _Located(("min_trials",),
                           f"min_trials {self.min_trials} must not exceed window {self.window}")
        return self


class Goal(BaseModel):
    """A PSFS activity (patient's own words) and the exercises that train it."""

    model_config = _STRICT

    activity: str = Field(min_length=1, max_length=120)
    exercises: list[Literal[EXERCISES]] = Field(min_length=1)  # type: ignore[valid-type]


_PlanFields: dict[str, Any] = {
    "plan": (PlanInfo, ...),
    "progression": (Progression, Field(default_factory=Progression)),
    "guardrails": (Guardrails, Field(default_factory=Guardrails)),
    "staircase": (StaircaseRule, Field(default_factory=StaircaseRule)),
    "safety": (Safety, Field(default_factory=Safety)),
    "goals": (list[Goal], Field(default_factory=list, max_length=5)),
    # graded motor imagery (exercises/gmi/rules.py): always present, defaults unconfirmed
    "gmi": (GmiRules, Field(default_factory=GmiRules)),
    # the patient-facing flare plan (exercises/diary.py), the therapist's words
    "flare_plan": (FlarePlan, Field(default_factory=FlarePlan)),
    # paced breathing (exercises/breathing.py): the pacer and the session length
    "breathing": (BreathingRules, Field(default_factory=BreathingRules)),
}
for _name, _model in EXERCISE_MODELS.items():
    _PlanFields[_name] = (_model | None, None)
_PlanBase = create_model("_PlanBase", __config__=_STRICT, **_PlanFields)  # type: ignore[call-overload]


class PlanModel(_PlanBase):  # type: ignore[misc, valid-type]
    """The whole TOML document."""

    @model_validator(mode="after")
    def _cross(self) -> PlanModel:
        info: PlanInfo = self.plan
        for i, key in enumerate(self.progression.progress):
            ex, _, name = key.partition(".")
            if ex == "session":
                raise _Located(("progression", "progress", i),
                               f"{key!r}: session fields are set by the plan, not progressed; "
                               f"progress an exercise's quota (e.g. reaching.repetitions)")
            if ex not in HARDER or name not in HARDER[ex]:
                raise _Located(("progression", "progress", i),
                               f"{key!r} is not a numeric dose field with a range")
            if ex not in info.exercises:
                raise _Located(("progression", "progress", i),
                               f"{key!r} names exercise {ex!r}, which the plan does not enable")
        for i, goal in enumerate(self.goals):
            for ex in goal.exercises:
                if ex not in info.exercises:
                    raise _Located(("goals", i, "exercises"),
                                   f"goal {goal.activity!r} links {ex!r}, which the plan does "
                                   f"not enable")
        for ex, limits in PHYSICAL.items():
            table = getattr(self, ex)
            if table is None:
                continue
            for name, (lo, hi, unit) in limits.items():
                r = getattr(table, name, None)
                if r is None:
                    continue
                for part in ("start", "min", "max"):
                    v = getattr(r, part)
                    if not lo <= v <= hi:
                        raise _Located((ex, name, part) if r.min != r.max else (ex, name),
                                       f"{v:g} is outside the physical range [{lo:g}, {hi:g}]"
                                       + (f" {unit}" if unit else ""))
        if not self.safety.override_reason.strip():
            problems = safeguard_problems(self)
            if problems:
                loc, msg = problems[0]
                raise _Located(loc, msg)
        reaching = self.reaching
        if info.seated and reaching is not None and reaching.directions:
            bad = [d for d in reaching.directions if d not in SEATED_DIRECTIONS]
            if bad:
                raise _Located(("reaching", "directions"),
                               f"{', '.join(bad)} not allowed seated; expected some of "
                               f"{', '.join(SEATED_DIRECTIONS)}")
        return self


# ------------------------------------------------------------------ the Plan
@dataclass(frozen=True)
class Plan:
    """A validated plan. `model` is the pydantic document; `text` the TOML it came from."""

    model: PlanModel
    text: str
    source: str = "<plan>"

    @property
    def name(self) -> str:
        return self.model.plan.name

    @property
    def exercises(self) -> tuple[str, ...]:
        return tuple(self.model.plan.exercises)

    @property
    def progression(self) -> Progression:
        return self.model.progression

    @property
    def guardrails(self) -> Guardrails:
        return self.model.guardrails

    @property
    def staircase(self) -> StaircaseRule:
        return self.model.staircase

    @property
    def override_reason(self) -> str:
        return self.model.safety.override_reason.strip()

    @property
    def overrides(self) -> list[str]:
        """The safeguards this plan switches off (allowed only with an override reason),
        each as "table.key: what happens" for `plan show`, the report and the dashboard."""
        return [f"{'.'.join(loc)}: {msg.split('. To allow it')[0]}"
                for loc, msg in safeguard_problems(self.model)]

    @property
    def gmi(self) -> GmiRules:
        """The GMI ladder's settings and criteria (exercises/gmi/)."""
        return self.model.gmi

    @property
    def breathing(self) -> BreathingRules:
        """The paced-breathing pacer (exercises/breathing.py)."""
        return self.model.breathing

    @property
    def flare_plan(self) -> FlarePlan:
        """The therapist's flare plan (the default text until they write their own)."""
        return self.model.flare_plan

    @property
    def goals(self) -> list[Goal]:
        return list(self.model.goals)

    def table(self, exercise: str) -> BaseModel:
        t = getattr(self.model, exercise)
        return t if t is not None else EXERCISE_MODELS[exercise]()

    def ranges(self, exercise: str) -> dict[str, Range]:
        """Every numeric field of the exercise as a Range (fixed at the default if unset)."""
        defaults = {f.name: getattr(DOSE_TYPES[exercise](), f.name)
                    for f in fields(DOSE_TYPES[exercise])}
        table = self.table(exercise)
        out: dict[str, Range] = {}
        for name in HARDER[exercise]:
            r = getattr(table, name, None)
            if r is None:
                d = defaults[name]
                r = (IntRange(start=d, min=d, max=d, step=1) if isinstance(d, int)
                     else Range(start=d, min=d, max=d, step=1.0))
            out[name] = r
        return out

    def fixed(self, exercise: str) -> dict[str, Any]:
        """Non-numeric dose values the plan fixes (side, seated, directions, variant...)."""
        info = self.model.plan
        if exercise == "session":
            g = self.model.guardrails
            return {"seated": info.seated, "pain_stop_threshold": g.pain_stop_threshold,
                    "pain_rise_limit": g.pain_rise_limit}
        out: dict[str, Any] = {"side": info.affected_side}
        table = self.table(exercise)
        if getattr(table, "directions", None):
            out["directions"] = tuple(table.directions)  # type: ignore[attr-defined]
        elif exercise == "reaching" and info.seated:
            out["directions"] = SEATED_DIRECTIONS
        if getattr(table, "variant", None):
            out["variant"] = table.variant  # type: ignore[attr-defined]
        if getattr(table, "mode", None):
            out["mode"] = table.mode  # type: ignore[attr-defined]
        return out

    def progressed(self, exercise: str) -> tuple[str, ...]:
        """The fields of `exercise` the weekly rule raises (the quota)."""
        return tuple(k.partition(".")[2] for k in self.progression.progress
                     if k.partition(".")[0] == exercise)

    def goals_for(self, exercise: str) -> list[str]:
        return [g.activity for g in self.model.goals if exercise in g.exercises]


# ------------------------------------------------------------------ loading
MAX_PLAN_CHARS = 256_000  # a plan is a page of TOML; anything far larger is not a plan


def load_plan(text: str, source: str = "<plan>") -> Plan:
    """Parse and validate a plan's TOML text. Raises PlanError (one line)."""
    if len(text) > MAX_PLAN_CHARS:
        raise PlanError(f"{source}: line 1: the file is {len(text):,} characters; a plan is at "
                        f"most {MAX_PLAN_CHARS:,}")
    try:
        doc = tomllib.loads(text)
    except RecursionError:
        raise PlanError(f"{source}: line 1: not valid TOML: tables or arrays nested too deeply") \
            from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = f"line {m.group(1)}" if m else f"line {max(1, len(text.splitlines()))}"
        msg = re.sub(r"\s*\(at (line .*|end of document)\)$", "", str(exc))
        raise PlanError(f"{source}: {where}: not valid TOML: {msg}") from None
    try:
        model = PlanModel.model_validate(doc)
    except RecursionError:
        raise PlanError(f"{source}: line 1: values nested too deeply") from None
    except ValidationError as exc:
        problems = [_describe(err, text, source) for err in exc.errors()]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise PlanError(problems[0] + more, problems) from None
    return Plan(model=model, text=text, source=source)


def _describe(err: Any, text: str, source: str) -> str:
    loc = tuple(p for p in err["loc"] if not _is_type_tag(p))
    ctx = err.get("ctx") or {}
    inner = ctx.get("error")
    if isinstance(inner, _Located):
        loc, msg = loc + inner.loc, str(inner)
    elif err["type"] == "extra_forbidden":
        expected = _expected_keys(loc[:-1])
        msg = "unknown key" + (f"; expected one of: {', '.join(expected)}" if expected else "")
    elif err["type"] == "missing":
        msg = "missing (required)"
        if _locate(text, loc) is None:  # a whole table is missing: point at the top
            return f"{source}: line 1: {'.'.join(str(p) for p in loc)}: missing " \
                   f"[{'.'.join(str(p) for p in loc)}] table (required)"
    else:
        msg = re.sub(r"^(Value|Assertion) error, ", "", err["msg"])
        msg = re.sub(r"^Input should be ", "expected ", msg)
        msg = re.sub(r"a valid dictionary or instance of (Int)?Range",
                     "a number or a range { start, min, max, step }", msg)
        msg = re.sub(r"a valid dictionary or instance of \w+", "a table", msg)
        if "input" in err and err["type"] not in ("value_error",) and \
                not isinstance(err["input"], (dict, list)):
            msg += f", got {err['input']!r}"
    line = _locate(text, loc)
    key = ".".join(str(p) for p in loc) or "(top level)"
    where = f"line {line}" if line else "line ?"
    return f"{source}: {where}: {key}: {msg}"


def _is_type_tag(part: Any) -> bool:
    """Pydantic may add union member / validator names to locations; they are not TOML keys."""
    return isinstance(part, str) and (part.startswith("function-") or part in _MODEL_NAMES)


def _expected_keys(loc: tuple[Any, ...]) -> list[str]:
    top = [n for n in PlanModel.model_fields]
    if not loc:
        return top
    sub: dict[str, type[BaseModel]] = {"plan": PlanInfo, "progression": Progression, "guardrails": Guardrails,
           "staircase": StaircaseRule, **EXERCISE_MODELS}
    if len(loc) == 1 and loc[0] in sub:
        return list(sub[loc[0]].model_fields)
    if len(loc) == 2 and loc[0] == "goals":
        return list(Goal.model_fields)
    if len(loc) == 2 and loc[0] in EXERCISE_MODELS:
        return ["start", "min", "max", "step"]
    return []


_MODEL_NAMES = frozenset({"Range", "IntRange", "PlanInfo", "Progression", "Guardrails", "Safety",
                          "StaircaseRule", "Goal", "GmiRules", "ModeNorm", "Norms", "Gates",
                          "Imagery", "Mirror", "FlarePlan", *(m.__name__ for m in EXERCISE_MODELS.values())})
_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_.\-\"]+)\s*=")


def _locate(text: str, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line that best matches a location: the deepest key found."""
    if not loc:
        return 1
    want = [str(p) for p in loc]
    table: list[str] = []
    arrays: dict[str, int] = {}
    best, best_len = None, 0

    def consider(path: list[str], lineno: int) -> None:
        nonlocal best, best_len
        n = 0
        while n < min(len(path), len(want)) and path[n] == want[n]:
            n += 1
        if n == len(path) and n > best_len:  # the line's whole path is a prefix of the target
            best, best_len = lineno, n

    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0] if '"' not in raw else raw
        h = _HEADER.match(line)
        if h:
            parts = [p.strip().strip('"') for p in h.group(2).split(".")]
            if h.group(1) == "[[":
                name = ".".join(parts)
                idx = arrays.get(name, -1) + 1
                arrays[name] = idx
                table = parts + [str(idx)]
            else:
                table = parts
            consider(table, lineno)
            continue
        k = _KEY.match(line)
        if not k:
            continue
        path = table + [p.strip('"') for p in k.group(1).split(".")]
        consider(path, lineno)
        brace = line.find("{", k.end())
        if brace >= 0:  # keys of an inline table on this line
            for inner in re.finditer(r"([A-Za-z0-9_]+)\s*=", line[brace:]):
                consider(path + [inner.group(1)], lineno)
    return best
