"""The session runner: safety and pacing that is the same for every game.

Role: wrap any `Exercise` and decide WHEN it may be stepped. The exercise
owns its rules; the runner owns the session clock (active play time only),
rest breaks, the session time cap, pausing when the body or the arm in use
is not tracked, pause/resume, a stop that always works, and the pain rules.
Pure logic: time arrives as `Intents.t` (event stamps) and `dt` (durations).

Tracking: an explicit cue from the intents (arm not visible, move into
frame...), a body out of view, or no hand for the arm in use pauses play at
once; a low `tracking_quality` alone pauses once it has lasted
QUALITY_GRACE_S (a fast reach or a blurred frame is not a lost patient).
Play resumes after RESTORE_AFTER_S of good tracking.

States (`state`): "playing" (the only state in which the exercise is
stepped and the session clock runs), "resting", "paused" (a user pause or a
pain pause), "tracking_lost", "done". A user pause outranks a rest, which
outranks lost tracking; "done" is final. Stop (`intents.stop` or `stop()`)
works from every state.

Pain (CLINICAL.md section 4, our rule [D]): an in-session NRS above
`pain_stop_threshold`, or a rise of `pain_rise_limit` or more over the
pre-session NRS, pauses the session (`exercises.dosing.pain` decides); the
session's `InSessionDosing` (exercises/dosing/in_session.py) then drops one
level and keeps a ceiling there for the rest of the session. The runner
never changes a dose itself: every dose change goes through that object,
which also steps the staircase after each trial and takes a therapist's
remote easier/harder. `pain_stop(nrs)` ends the session gracefully.

Pace: `SessionDose.pace` is NOT applied here. It reaches each game through
its factory (`registry.make_exercise(..., session_dose=...)`): the reaching
game divides its target timeout and inter-target pause by it. The runner's
own times (rests, cap) are the plan's and are never stretched.

Events: `step()` returns the step's events (runner and exercise); every
event, including those raised by `pause()`, `stop()`, `pain_stop()` and
`in_session_pain()` between steps, is also queued for `drain()`, which
the game polls once per frame and hands to telemetry. Use one or the other,
not both. `history` keeps every event of the session. The runner emits
SESSION_START on the first step and SESSION_END (data["reason"]: completed,
time_cap, stopped, pain_stop) when it ends.
"""

from __future__ import annotations

from typing import Any, Literal

from exercises.base import Exercise
from exercises.doses import SessionDose
from exercises.dosing.in_session import InSessionDosing
from exercises.dosing.pain import PainDecision, PainLimits, check_nrs, in_session_decision
from exercises.events import (
    CHECKIN,
    PAIN_STOP,
    PAUSE,
    REST_END,
    REST_START,
    RESUME,
    SESSION_END,
    SESSION_START,
    STOP,
    TRACKING_LOST,
    TRACKING_RESTORED,
    Event,
)
from vision.intents import Intents

SessionState = Literal["playing", "resting", "paused", "tracking_lost", "done"]
EndReason = Literal["completed", "time_cap", "stopped", "pain_stop"]

MIN_TRACKING_QUALITY = 0.5  # CLINICAL.md section 7: pause scoring below 0.5 visibility
RESTORE_AFTER_S = 0.3  # tracking must be good this long before play resumes
QUALITY_GRACE_S = 1.0  # low quality alone (blur, a fast reach) must last this long to pause


__all__ = ["PainDecision", "SessionRunner"]


class SessionRunner:
    """Runs one exercise as one session.

    Args:
        exercise: any `Exercise`; if it has `active_side` ("left"/"right"),
            that hand must be tracked for play to go on.
        session_dose: the plan's session parameters (cap, rests, pain rules).
        pre_pain: the pre-session NRS 0-10, or None if not asked.
        require_hand: pause when the arm in use has no hand intent (turn off
            for input devices that move one hand only, e.g. the mouse).
        dosing: today's in-session dosing (`TodaysDose.in_session(exercise)`); default:
            nothing moves (a fixed dose), pain pauses are still logged.
    """

    def __init__(self, exercise: Exercise, session_dose: SessionDose, pre_pain: int | None, *,
                 require_hand: bool = True, min_quality: float = MIN_TRACKING_QUALITY,
                 dosing: InSessionDosing | None = None) -> None:
        self.exercise = exercise
        self.dosing = dosing if dosing is not None else InSessionDosing(None)
        self.dose = session_dose
        self.pre_pain = None if pre_pain is None else check_nrs(pre_pain)
        self.require_hand = require_hand
        self.min_quality = min_quality
        self.cap_s = session_dose.session_minutes * 60.0
        if self.cap_s <= 0:
            raise ValueError(f"session_minutes must be > 0, got {session_dose.session_minutes}")
        self.active_s = 0.0  # the session clock: active play only
        self.t = 0.0  # newest Intents.t (event stamps)
        self.history: list[Event] = []
        self._pending: list[Event] = []
        self._started = False
        self._done = False
        self.end_reason: EndReason | None = None
        self._user_paused = False
        self._pause_reason: str | None = None
        self._rest_left = 0.0
        self._next_rest_at = session_dose.rest_every_s if session_dose.rest_every_s > 0 and session_dose.rest_s > 0 \
            else float("inf")
        self._tracking_ok = True
        self._good_for_s = 0.0
        self._lost_s = 0.0
        self._poor_for_s = 0.0
        self.tracking_lost_s = 0.0  # time spent with tracking lost (any state)
        self._prev_pause_button = False
        self.cue: str | None = None  # tracking cue for display ("move_into_frame", ...)
        self.rests = 0
        self.pauses = 0
        self.tracking_losses = 0
        self.pain_ratings: list[int] = []

    # ------------------------------------------------------------------ state
    @property
    def state(self) -> SessionState:
        if self._done:
            return "done"
        if self._user_paused:
            return "paused"
        if self._rest_left > 0:
            return "resting"
        if not self._tracking_ok:
            return "tracking_lost"
        return "playing"

    @property
    def done(self) -> bool:
        return self._done

    @property
    def time_remaining_s(self) -> float:
        return max(0.0, self.cap_s - self.active_s)

    @property
    def rest_remaining_s(self) -> float:
        return self._rest_left

    @property
    def pause_reason(self) -> str | None:
        """"user" or "pain" while paused."""
        return self._pause_reason if self._user_paused else None

    def drain(self) -> list[Event]:
        """Every event since the last call (steps and calls alike)."""
        out, self._pending = self._pending, []
        return out

    def _push(self, out: list[Event] | None, e: Event) -> None:
        self.history.append(e)
        self._pending.append(e)
        if out is not None:
            out.append(e)

    def _emit(self, out: list[Event] | None, t: float, kind: str, data: dict[str, Any] | None = None) -> None:
        self._push(out, Event(t, kind, data or {}))

    def _start(self, out: list[Event] | None) -> None:
        if not self._started:
            self._started = True
            self.dosing.start(self.t)
            self._emit(out, self.t, SESSION_START, {
                "exercise": getattr(self.exercise, "name", "?"), "pre_pain": self.pre_pain,
                "session_minutes": self.dose.session_minutes, "rest_every_s": self.dose.rest_every_s,
                "rest_s": self.dose.rest_s, "pace": self.dose.pace, "seated": self.dose.seated,
            })

    def _end(self, out: list[Event] | None, reason: EndReason) -> None:
        self._done = True
        self.end_reason = reason
        self._emit(out, self.t, SESSION_END, {"reason": reason, "active_s": self.active_s})

    # ---------------------------------------------------------------- controls
    def pause(self, t: float | None = None, *, reason: str = "user") -> list[Event]:
        out: list[Event] = []
        if self._done or self._user_paused:
            return out
        self.t = self.t if t is None else t
        self._start(out)
        self._user_paused = True
        self._pause_reason = reason
        self.pauses += 1
        self._emit(out, self.t, PAUSE, {"reason": reason})
        return out

    def resume(self, t: float | None = None) -> list[Event]:
        out: list[Event] = []
        if self._done or not self._user_paused:
            return out
        self.t = self.t if t is None else t
        self._user_paused = False
        self._pause_reason = None
        self._emit(out, self.t, RESUME, {})
        return out

    def stop(self, t: float | None = None, *, reason: str = "user") -> list[Event]:
        """End the session now, from any state. Idempotent."""
        out: list[Event] = []
        if self._done:
            return out
        self.t = self.t if t is None else t
        self._start(out)
        self._emit(out, self.t, STOP, {"reason": reason, "state": self.state})
        self._end(out, "stopped")
        return out

    def pain_stop(self, nrs: int, t: float | None = None) -> list[Event]:
        """The patient stops because of pain: record it and end gracefully."""
        check_nrs(nrs)
        out: list[Event] = []
        if self._done:
            return out
        self.t = self.t if t is None else t
        self._start(out)
        self.pain_ratings.append(nrs)
        self._emit(out, self.t, PAIN_STOP, {"nrs": nrs, "pre_pain": self.pre_pain})
        self._end(out, "pain_stop")
        return out

    def in_session_pain(self, nrs: int, t: float | None = None) -> PainDecision:
        """An in-session pain check-in; when the rule trips, pause, one level down and a
        ceiling there for the rest of the session (`InSessionDosing.pain_pause`)."""
        check_nrs(nrs)
        self.t = self.t if t is None else t
        self._start(None)
        self.pain_ratings.append(nrs)
        limits = PainLimits(in_session_threshold=self.dose.pain_stop_threshold,
                            in_session_rise=self.dose.pain_rise_limit)
        decision = in_session_decision(nrs, self.pre_pain, limits, session_over=self._done)
        self._emit(None, self.t, CHECKIN, {"phase": "in_session", "nrs": nrs, "pre_pain": self.pre_pain,
                                          "drop_levels": decision.drop_levels})
        if decision.must_drop:
            self.pause(reason="pain")
            for e in self.dosing.pain_pause(decision.reason, self.t):
                self._push(None, e)
        return decision

    def remote_difficulty(self, direction: str, by: str, t: float | None = None) -> list[Event]:
        """A therapist's easier/harder from the clinic: one level within today's bounds and
        under any pain ceiling; [] when nothing can move (or the session is over)."""
        if self._done or direction not in ("easier", "harder"):
            return []
        self.t = self.t if t is None else t
        out: list[Event] = []
        for e in self.dosing.remote(direction, by, self.t):  # type: ignore[arg-type]
            self._push(out, e)
        return out

    # -------------------------------------------------------------------- step
    def _arm_in_use(self) -> Literal["left", "right"] | None:
        side = getattr(self.exercise, "active_side", None)
        return "left" if side == "left" else "right" if side == "right" else None

    def _update_tracking(self, intents: Intents, dt: float, out: list[Event]) -> None:
        cue: str | None = intents.cue
        if intents.tracking_quality < self.min_quality:
            self._poor_for_s += dt
        else:
            self._poor_for_s = 0.0
        poor = self._poor_for_s >= QUALITY_GRACE_S - 1e-9 or (not self._tracking_ok and self._poor_for_s > 0)
        ok = intents.body_visible and cue is None and not poor
        if not intents.body_visible and cue is None:
            cue = "move_into_frame"
        elif poor and cue is None:
            cue = "poor_tracking"  # seen, but the landmarks are unreliable (light, angle, blur)
        side = self._arm_in_use()
        if ok and self.require_hand and side is not None and intents.hand(side) is None:
            ok, cue = False, "arm_not_visible"
        if not ok:
            self.cue = cue
            self._good_for_s = 0.0
            self._lost_s += dt
            if self._tracking_ok:
                self._lost_s = dt
                self._tracking_ok = False
                self.tracking_losses += 1
                self._emit(out, intents.t, TRACKING_LOST, {"cue": cue, "quality": intents.tracking_quality,
                                                            "side": side})
            return
        self.cue = None
        if not self._tracking_ok:
            self._good_for_s += dt
            self._lost_s += dt
            if self._good_for_s >= RESTORE_AFTER_S - 1e-9:
                self._tracking_ok = True
                self.tracking_lost_s += self._lost_s
                self._emit(out, intents.t, TRACKING_RESTORED, {"lost_for_s": self._lost_s})

    def step(self, intents: Intents, dt: float) -> list[Event]:
        """Advance the session by `dt` seconds with the newest input."""
        if dt <= 0:
            raise ValueError(f"dt must be > 0, got {dt}")
        out: list[Event] = []
        if self._done:
            return out
        self.t = intents.t
        self._start(out)
        if intents.stop:
            return out + self.stop()
        if intents.pause and not self._prev_pause_button:
            out += self.resume() if self._user_paused else self.pause()
        self._prev_pause_button = intents.pause
        self._update_tracking(intents, dt, out)
        state = self.state
        if state == "resting":
            self._rest_left = max(0.0, self._rest_left - dt)
            if self._rest_left <= 1e-9:
                self._rest_left = 0.0
                self._emit(out, intents.t, REST_END, {"rest_s": self.dose.rest_s})
            return out
        if state != "playing":
            return out
        trial_events = self.exercise.step(intents, dt)
        for e in trial_events:
            self._push(out, e)
        for e in self.dosing.on_events(trial_events):  # the staircase after each trial
            self._push(out, e)
        self.active_s += dt
        if self.exercise.done:
            self._end(out, "completed")
        elif self.active_s >= self.cap_s - 1e-9:
            self._end(out, "time_cap")
        elif self.active_s >= self._next_rest_at - 1e-9:
            self._next_rest_at += self.dose.rest_every_s
            self._rest_left = self.dose.rest_s
            self.rests += 1
            self._emit(out, intents.t, REST_START, {"rest_s": self.dose.rest_s, "active_s": self.active_s})
        return out

    def summary(self) -> dict[str, Any]:
        """The exercise's summary plus how the session went."""
        out = dict(self.exercise.summary())
        out["session"] = {
            "active_s": self.active_s,
            "end_reason": self.end_reason,
            "completed": self.end_reason in ("completed", "time_cap"),
            "quota_met": bool(self.exercise.done),
            "rests": self.rests,
            "pauses": self.pauses,
            "tracking_losses": self.tracking_losses,
            "tracking_lost_s": self.tracking_lost_s + (0.0 if self._tracking_ok else self._lost_s),
            "pre_pain": self.pre_pain,
            "pain_ratings": list(self.pain_ratings),
            "pace": self.dose.pace,
        }
        out["difficulty_steps"] = self.dosing.log()
        return out
