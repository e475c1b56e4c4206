"""The plan's [gmi] table: the therapist's settings and criteria for the GMI ladder.

Why in the plan: published laterality norms (NOI Recognise's "normal" speed and
accuracy, often quoted as about 1.6 s and >= 80 % for hands) are not verified
here, and answering by moving the hand shifts response times, so every
criterion is a plan value per answer mode that a clinician confirms
(`norms_confirmed_by`); the defaults are placeholders marked as such.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


class ModeNorm(BaseModel):
    """Criterion for one answer mode: BOTH sides must reach it."""

    model_config = _STRICT
    accuracy: float = Field(default=0.8, ge=0.5, le=1.0)
    median_rt_s: float = Field(default=2.0, gt=0.2, le=20.0)


class Norms(BaseModel):
    model_config = _STRICT
    keys: ModeNorm = Field(default_factory=lambda: ModeNorm(accuracy=0.8, median_rt_s=2.0))
    click: ModeNorm = Field(default_factory=lambda: ModeNorm(accuracy=0.8, median_rt_s=2.2))
    # raising a hand takes longer than a key press: its own criterion
    camera: ModeNorm = Field(default_factory=lambda: ModeNorm(accuracy=0.8, median_rt_s=3.0))


class Gates(BaseModel):
    """When the ladder moves: up after N qualifying sessions in a row, down on a flare."""

    model_config = _STRICT
    sessions_in_a_row: int = Field(default=3, ge=1, le=20)
    max_pain: int = Field(default=5, ge=0, le=7)  # any answer in the session above: not qualifying
    max_pain_rise: int = Field(default=2, ge=0, le=4)  # post - pre above: not qualifying
    back_on_flare: bool = True


class Imagery(BaseModel):
    """Stage 2: imagine moving into the shown posture, without moving."""

    model_config = _STRICT
    hold_s: float = Field(default=10.0, ge=2.0, le=120.0)  # time per picture
    repeats: int = Field(default=3, ge=1, le=10)  # imagined movements per picture
    pictures_per_set: int = Field(default=6, ge=1, le=40)
    sets: int = Field(default=2, ge=1, le=10)
    # hand speed (body units per second, smoothed) above which the trial ends as "moved"
    stillness_bu_s: float = Field(default=0.3, gt=0.0, le=5.0)
    # imagery sessions qualify on completion: this fraction of trials completed still
    min_still_fraction: float = Field(default=0.7, ge=0.0, le=1.0)


class Mirror(BaseModel):
    model_config = _STRICT
    set_minutes: float = Field(default=5.0, ge=1.0, le=30.0)
    sets: int = Field(default=2, ge=1, le=6)


class GmiRules(BaseModel):
    model_config = _STRICT
    stage: int = Field(default=1, ge=1, le=3)  # where a new patient starts
    trials_per_set: int = Field(default=40, ge=4, le=200)
    angles: list[int] = Field(default_factory=lambda: [0, 45, 90, 135, 180, 225, 270, 315],
                              min_length=1, max_length=24)
    views: list[str] = Field(default_factory=lambda: ["dorsal", "palmar"], min_length=1)
    response_deadline_s: float = Field(default=5.0, gt=0.5, le=30.0)
    norms_confirmed_by: str = Field(default="", max_length=200)  # clinician and date; "" = not yet
    norms: Norms = Field(default_factory=Norms)
    gates: Gates = Field(default_factory=Gates)
    imagery: Imagery = Field(default_factory=Imagery)
    mirror: Mirror = Field(default_factory=Mirror)

    @model_validator(mode="after")
    def _check(self) -> GmiRules:
        bad = [v for v in self.views if v not in ("dorsal", "palmar")]
        if bad:
            raise ValueError(f"views: {', '.join(bad)} not one of dorsal, palmar")
        if len({a % 360 for a in self.angles}) != len(self.angles):
            raise ValueError("angles: each angle once (mod 360)")
        return self
