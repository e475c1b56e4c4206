"""One session, scene after scene: the order of issue 3 and what each result means.

title -> safety -> patient -> pre-session check-in -> "how much for
today?" (as planned / easier, or easier / rest when the pain before the
session is at the plan's stop level; skipped when the command line
decided) ->
calibration (or the saved one) -> exercise (rest breaks with the pain
check, and the pain stop, inside) -> post-session check-in -> weekly PSFS
(only when due; the plan's goals are adopted as PSFS activities when the
session starts) -> summary. Each scene hands its typed result to the next
step here; this is the only place that knows the order, and the only place
(besides the exercise scene's event sink) that writes telemetry, always
through the `TelemetryStore` / `SessionRecorder` protocols.

Stopping at any point ends the flow cleanly: a session that was started is
closed as not completed with its summary; nothing is recorded for a
session that never started.

A graded-motor-imagery game (`--game laterality|imagery`, game/gmi_sets.py)
takes the same path up to the check-in, then plays its set in place of the
"how much for today?" question, calibration and exercise (nothing is dosed:
the arm rests or only answers; the stage gate decides the stage), then the
post-session check-in and the summary with the set's own result. A paced-breathing
session (`--game breathing`, game/breathing_set.py) is played the same way.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from exercises.breathing import shoulder_height_bu
from exercises.gmi.stillness import limb_points_bu
from game.gmi_sets import SET_GAMES
from game.gmi_sets import result_lines as gmi_result_lines
from game.scenes.base import Scene, SceneStack
from game.scenes.checkin import POST_ITEMS, PRE_ITEMS, PSFS_PREFIX, CheckinScene, psfs_items
from game.scenes.exercise import ExerciseOutcome, ExerciseScene, SessionLike
from game.scenes.menus import BODYMAP, DIARY, FLARE, PatientScene, SafetyScene, TitleScene
from game.scenes.rest import RestScene
from game.scenes.summary import SummaryScene
from game.scenes.today import EASIER, REST, RestDayScene, TodayScene
from telemetry.api import SessionRecorder, TelemetryStore
from telemetry.results import compare, comparison_lines, encouragement

Side = Literal["left", "right"]
PSFS_EVERY = timedelta(days=7)  # the PSFS is rated weekly


@dataclass
class SessionSetup:
    """What the flow needs to start the exercise once calibration is known."""

    runner: SessionLike
    exercise: str
    dose: Mapping[str, Any]
    source: str = "camera"
    mirror: str | None = None
    decisions: tuple[str, ...] = ()
    events: tuple[Any, ...] = ()  # logged when the session starts (e.g. the latency adjustment)


class Services(Protocol):
    """Everything outside game/ the flow calls (the CLI wires the real ones).

    `day_options(pre)` is today's dose options once the pain before the session
    is known (exercises.dosing.DayOptions: the full dose, or None when the pain
    rules allow only easier or rest, the easier dose, and the gate's reason);
    `make_session(easier=...)` plays the option chosen.
    """

    store: TelemetryStore | None

    def day_options(self, pre: Mapping[str, int]) -> Any: ...

    def calibration_scene(self, patient_id: str) -> Scene[Any]: ...

    def save_calibration(self, patient_id: str, calibration: Any) -> None: ...

    def make_session(self, patient_id: str, calibration: Any, pre: Mapping[str, int], *,
                     easier: bool = False) -> SessionSetup: ...


class PsfsStore(Protocol):
    """The PSFS part of telemetry.store.Store the flow uses (weekly ratings)."""

    def psfs_activities(self, patient_id: str) -> Sequence[Any]: ...

    def psfs_ratings(self, patient_id: str) -> Sequence[Any]: ...

    def rate_psfs(self, patient_id: str, ratings: Mapping[int | str, int]) -> None: ...

    def now(self) -> datetime: ...


def psfs_due(activities: Sequence[Any], ratings: Sequence[Any], now: datetime) -> bool:
    """Ask the PSFS when the patient has activities and none was rated in the last 7 days."""
    if not activities:
        return False
    ids = {a.activity_id for a in activities}
    return not any(r.activity_id in ids and now - r.at < PSFS_EVERY for r in ratings)


@dataclass
class FlowResult:
    patient_id: str | None = None
    pre: dict[str, int] | None = None
    calibration: Any = None
    outcome: ExerciseOutcome | None = None
    post: dict[str, int] | None = None
    session_id: str | None = None
    exercise: str | None = None
    ended_at: str | None = None  # name of the scene where the flow ended early
    finished: bool = False
    easier: bool = False  # today made easier (shorter and slower)
    easier_by: str | None = None  # "patient" (asked at check-in) or "command line"
    easier_suggested: bool = False  # pain before the session was above the acceptable level
    full_allowed: bool = True  # False: pain before the session at the plan's stop level
    rest_day: bool = False  # the patient chose to rest today (nothing played)
    flare_plan_shown: bool = False  # a flare: the flare plan was shown after the check-in
    rail_pain: int | None = None  # a rating given from the rail's Pain outside the exercise
    diary: dict[str, int] | None = None  # the title's "Diary": today's entry, nothing played
    body_map: bool = False  # a sensory body map was painted and stored (game/flow_bodymap.py)
    psfs: dict[int, int] | None = None  # activity id -> 0..10, when the weekly PSFS was asked
    events: list[Any] = field(default_factory=list)


class SessionFlow:
    def __init__(self, stack: SceneStack, services: Services, *, patient: str | None = None,
                 known_patients: list[str] | None = None, affected: Side = "right",
                 pace: float = 1.0, rng: random.Random | None = None,
                 keep_events: bool = False, easier: bool | None = None,
                 only: str | None = None) -> None:
        self.stack = stack
        self.services = services
        self.patient = patient
        self.known = known_patients or []
        self.affected = affected
        # The safety rail (STOP, Pain) on the unaffected side in every scene of the visit.
        stack.rail_side = "right" if affected == "left" else "left"
        stack.on_rail_pain = self._rail_pain
        self._pain_goodbye = False
        self.pace = pace
        self.rng = rng or random.Random()
        self.keep_events = keep_events
        self.easier = easier  # None: ask after the check-in; True/False: decided (`--easier`)
        self.only = only  # "bodymap": the title's choice made on the command line (--bodymap)
        self.result = FlowResult()
        self.recorder: SessionRecorder | None = None
        self.setup: SessionSetup | None = None
        self.gmi: Any = None  # a graded-motor-imagery set (game/gmi_sets.GmiSet) when one plays
        self.on_session_start: Callable[[SessionSetup], None] | None = None
        self.listeners: list[Callable[[list[Any]], None]] = []  # e.g. audio cues
        self.on_calibrated: list[Callable[[Any], None]] = []  # e.g. the intents builder
        # The game clock (seconds; the time base of every event) and whether it is
        # simulated (headless: faster than real time); the runtime sets both. The
        # session's check-ins and end are stamped on it, so they agree with the events.
        self.game_clock: Callable[[], float] | None = None
        self.simulated_clock = False
        self.flare_reported = False  # the title's "I'm having a flare"
        self.diary_only = False  # the title's "Diary" (game/flow_diary.py)
        self.bodymap_only = False  # the title's "Body map" (game/flow_bodymap.py)

    @property
    def done(self) -> bool:
        return self.result.finished or self.result.ended_at is not None

    def start(self) -> None:
        if self.only == BODYMAP:  # `play --bodymap`: as if "Body map" was pressed on the title
            return self._after_title(BODYMAP)
        self.stack.push(TitleScene(self.pace), self._after_title)

    def _end(self, where: str) -> None:
        self.result.ended_at = where
        if self.result.rail_pain is not None and not self._pain_goodbye:
            # Pain from the rail ended the visit: say so, as the exercise's pain stop does.
            self._pain_goodbye = True
            self.result.ended_at = "pain_stop"
            self.stack.push(SummaryScene({}, "pain_stop", pace=self.pace,
                                         result=[f"Your pain now: {self.result.rail_pain} of 10"]),
                            lambda _: None)

    def _rail_pain(self, scene: Scene[Any], rating: int) -> None:
        """Pain pressed on the safety rail outside the exercise (whose own Pain ends the
        session with a pain stop): the rating is kept for the therapist and the visit
        ends for today at that screen. After the session (the summary) it is only kept."""
        self.result.rail_pain = rating
        store: Any = self.services.store
        pid = self.result.patient_id
        if self.recorder is not None:
            self.recorder.checkin("pain_stop", {"pain": rating}, t=self._game_t())
        elif store is not None and pid is not None and hasattr(store, "checkin"):
            store.checkin(pid, "pain_stop", {"pain": rating})
        if scene.name == "summary" or self.result.finished:
            return
        scene.dismiss(None)  # its own "stopped" path: the flow ends there (`_end`)

    def _game_t(self) -> float | None:
        return None if self.game_clock is None else float(self.game_clock())

    # ----------------------------------------------------------------- steps
    def _after_title(self, ok: bool | str | None) -> None:
        if not ok:
            return self._end("title")
        self.flare_reported = ok == FLARE  # "I'm having a flare": plan + easier after the check-in
        if ok == DIARY:  # today's diary only: no safety screen, nothing played
            self.diary_only = True
            return self._after_safety(True)
        if ok == BODYMAP:  # the body map only, on demand: nothing played (game/flow_bodymap.py)
            self.bodymap_only = True
            return self._after_safety(True)
        self.stack.push(SafetyScene(self.pace), self._after_safety)

    def _after_safety(self, ok: bool | None) -> None:
        if not ok:
            return self._end("safety")
        self.stack.push(PatientScene(self.known, preselected=self.patient, rng=self.rng, pace=self.pace),
                        self._after_patient)

    def _after_patient(self, patient_id: str | None) -> None:
        if not patient_id:
            return self._end("patient")
        self.result.patient_id = patient_id
        store = self.services.store
        if store is not None:
            store.ensure_patient(patient_id, affected_side=self.affected)
        if self.diary_only:
            from game.flow_diary import start_diary

            return start_diary(self)
        if self.bodymap_only:
            from game.flow_bodymap import start_on_demand

            return start_on_demand(self)
        self.stack.push(CheckinScene("pre", PRE_ITEMS, self.pace), self._after_pre)

    def _after_pre(self, answers: dict[str, int] | None) -> None:
        if answers is None:
            return self._end("checkin_pre")
        reported = self.flare_reported
        if reported:  # kept with the check-in: the report and the GMI gate see the flare day
            answers = {**answers, "flare": 1}
        self.result.pre = answers
        # A flare (detected from the pain answers, game/flare.py, or the patient's own
        # word): the therapist's flare plan first, then the usual "How much for today?"
        # (easier and rest offered there; easier suggested).
        flare_plan = getattr(self.services, "flare_plan", None)
        lines = None
        if flare_plan is not None:
            lines = flare_plan(self.result.patient_id, answers, reported=True) if reported \
                else flare_plan(self.result.patient_id, answers)
        if lines:
            from game.scenes.flare_plan import FlarePlanScene

            self.result.flare_plan_shown = True
            self.stack.push(FlarePlanScene(lines, self.pace),
                            lambda ok: self._today(answers) if ok else self._end("flare_plan"))
            return
        self._today(answers)

    def _today(self, answers: dict[str, int]) -> None:
        gmi_set = getattr(self.services, "gmi_set", None)
        if gmi_set is not None and getattr(self.services, "game", None) in SET_GAMES:
            return self._start_gmi(gmi_set)
        options = self.services.day_options(answers)
        gate = options.gate
        self.result.easier_suggested = gate.suggest_easier or self.flare_reported
        self.result.full_allowed = options.full is not None
        if self.easier is not None and (self.easier or options.full is not None):
            self.result.easier, self.result.easier_by = self.easier, "command line"
            return self._calibrate()
        full = options.full or options.easier
        self.stack.push(TodayScene(suggest_easier=self.result.easier_suggested, pain=answers.get("pain"),
                                   reason=gate.reason or ("you said you are having a flare"
                                                          if self.result.easier_suggested else ""),
                                   full_allowed=options.full is not None,
                                   minutes=full.session.session_minutes,
                                   easier_minutes=options.easier.session.session_minutes,
                                   pace=self.pace), self._after_today)

    def _after_today(self, choice: str | None) -> None:
        if choice is None:
            return self._end("easier_today")
        if choice == REST:
            return self._rest_day()
        self.result.easier, self.result.easier_by = choice == EASIER, "patient"
        self._calibrate()

    def _rest_day(self) -> None:
        """Nothing is played today; the pain answers are kept as the day's diary entry, so
        the flare rule and the therapist still see them."""
        self.result.rest_day = True
        store: Any = self.services.store
        pid = self.result.patient_id
        if store is not None and pid is not None and self.result.pre and hasattr(store, "checkin"):
            store.checkin(pid, "daily", self.result.pre)
        self.stack.push(RestDayScene(pain=(self.result.pre or {}).get("pain"), pace=self.pace),
                        self._after_summary)

    def _calibrate(self) -> None:
        assert self.result.patient_id is not None
        self.stack.push(self.services.calibration_scene(self.result.patient_id), self._after_calibration)

    def _choice_decision(self) -> str:
        """The day's choice in the session's decision log (why the dose is what it is)."""
        r = self.result
        what = "easier (shorter and slower)" if r.easier else "as planned"
        who = "the patient's choice" if r.easier_by == "patient" else "chosen on the command line"
        pain = (r.pre or {}).get("pain")
        if not r.full_allowed:
            why = f"; the full dose was not offered (pain before {pain}/10 at the plan's stop level)"
        elif r.easier_suggested:
            why = f"; easier was suggested (pain before {pain}/10 above the acceptable level)"
        else:
            why = ""
        return f"today {what}: {who}{why}"

    def _after_calibration(self, calibration: Any) -> None:
        if calibration is None:
            return self._end("calibration")
        pid = self.result.patient_id
        assert pid is not None and self.result.pre is not None
        self.result.calibration = calibration
        self.services.save_calibration(pid, calibration)
        for hook in self.on_calibrated:
            hook(calibration)
        setup = self.services.make_session(pid, calibration, self.result.pre, easier=self.result.easier)
        setup = dataclasses.replace(setup, decisions=(*setup.decisions, self._choice_decision()))
        self.setup = setup
        self.result.exercise = setup.exercise
        store = self.services.store
        if store is not None:
            now = self._game_t()
            self.recorder = store.start_session(pid, setup.exercise, setup.dose, source=setup.source,
                                                mirror=setup.mirror, decisions=setup.decisions,
                                                t0=now, simulated_clock=self.simulated_clock)
            self.result.session_id = self.recorder.session_id
            self.recorder.checkin("pre", self.result.pre, t=now)
            if setup.events:  # stamped now, on the session's clock
                self._record([dataclasses.replace(ev, t=now if now is not None else ev.t)
                              for ev in setup.events])
            self._adopt_plan_goals(pid)
        if self.on_session_start is not None:
            self.on_session_start(setup)
        self.stack.push(ExerciseScene(setup.runner, affected=self.affected, sink=self._record,
                                      on_pain_rating=self._pain_rating, rest_factory=self._rest,
                                      pace=self.pace, goals=self._goal_names()), self._after_exercise)

    def _goal_names(self) -> list[str]:
        """The patient's own goals (PSFS activities), for the scene's "This trains" line."""
        store: Any = self.services.store
        pid = self.result.patient_id
        if store is None or pid is None or not hasattr(store, "psfs_activities"):
            return []
        return [str(a.name) for a in store.psfs_activities(pid)]

    def _start_gmi(self, make: Callable[[str, float], Any]) -> None:
        """A graded-motor-imagery set (game/gmi_sets.py) in place of calibration and a dosed
        exercise: no movement is dosed (the arm rests or only answers), so there is no
        "how much today" question; the stage gate over the stored sessions decides the
        stage, and a flare moves it back."""
        pid = self.result.patient_id
        assert pid is not None and self.result.pre is not None
        gset = make(pid, self.pace)
        self.gmi = gset
        self.result.exercise = gset.exercise
        store = self.services.store
        if store is not None:
            now = self._game_t()
            self.recorder = store.start_session(pid, gset.exercise, gset.dose,
                                                source=getattr(self.services, "source", "camera"),
                                                decisions=gset.decisions, t0=now,
                                                simulated_clock=self.simulated_clock)
            self.result.session_id = self.recorder.session_id
            self.recorder.checkin("pre", self.result.pre, t=now)
        gset.scene.sink = self._record
        self.stack.push(gset.scene, self._after_gmi)

    def _after_gmi(self, summary: dict[str, Any] | None) -> None:
        gset = self.gmi
        assert gset is not None
        done = bool(gset.run.done)
        full = gset.finish(dict(summary if summary is not None else gset.run.summary()))
        reason = "completed" if done else "pain_stop" if self.result.rail_pain is not None \
            else "stopped"
        self.result.outcome = ExerciseOutcome(reason, full, pain_stop_rating=self.result.rail_pain)
        self.stack.push(CheckinScene("post", POST_ITEMS, self.pace), self._after_post)

    def _record(self, events: list[Any]) -> None:
        if self.keep_events:
            self.result.events.extend(events)
        if self.recorder is not None:
            self.recorder.record(events)
        for listener in self.listeners:
            listener(events)

    def _rest(self, runner: SessionLike) -> Scene[Any]:
        rules_of = getattr(self.services, "breathing_rules", None)  # paced breathing at rests
        rules = rules_of() if rules_of is not None else None
        return RestScene(runner, sink=self._record, affected=self.affected, ask_pain=True, pace=self.pace,
                         on_pain=self._rest_pain, breathing=rules)

    def _rest_pain(self, rating: int, t: float) -> None:
        """The pain check at a rest break, answered at game time t: a check-in of its own."""
        if self.recorder is not None:
            self.recorder.checkin("in_session", {"pain": rating}, t=t)

    def _pain_rating(self, rating: int) -> None:
        if self.recorder is not None:
            self.recorder.checkin("pain_stop", {"pain": rating}, t=self._game_t())

    def _after_exercise(self, outcome: ExerciseOutcome | None) -> None:
        assert outcome is not None
        self.result.outcome = outcome
        self.stack.push(CheckinScene("post", POST_ITEMS, self.pace), self._after_post)

    def _after_post(self, answers: dict[str, int] | None) -> None:
        outcome = self.result.outcome
        assert outcome is not None
        self.result.post = answers
        if self.recorder is not None:
            now = self._game_t()
            if answers:
                self.recorder.checkin("post", answers, t=now)
            self.recorder.close(outcome.summary, completed=outcome.reason in ("completed", "time_cap"),
                                t=now)
            self.recorder = None
        # the sensory body map when due (game/flow_bodymap.py), not after a stop or pain stop
        if answers is not None and outcome.reason in ("completed", "time_cap"):
            from game.flow_bodymap import offer

            if offer(self, lambda: self._psfs_step(answers)):
                return
        self._psfs_step(answers)

    def _psfs_step(self, answers: dict[str, int] | None) -> None:
        activities = self._psfs_activities() if answers is not None else []
        if activities:
            names = [(a.activity_id, a.name) for a in activities]
            questions = psfs_items(names)
            self.stack.push(CheckinScene("psfs", tuple(questions), self.pace, questions=questions,
                                         heading="Once a week: the activities you chose"),
                            self._after_psfs)
            return
        self._summary()

    def _adopt_plan_goals(self, patient_id: str) -> None:
        """The plan's goals become PSFS activities (telemetry.psfs.adopt_plan_goals), so the
        weekly PSFS is asked for a patient with a plan without anyone running `patients psfs`."""
        store: Any = self.services.store
        if all(hasattr(store, m) for m in ("current_plan", "psfs_activities", "add_psfs_activity")):
            from telemetry.psfs import adopt_plan_goals

            adopt_plan_goals(store, patient_id)

    def _psfs_activities(self) -> list[Any]:
        """The patient's PSFS activities when this week's rating is due, else []."""
        store: Any = self.services.store
        pid = self.result.patient_id
        if store is None or pid is None or not hasattr(store, "psfs_activities"):
            return []
        activities = list(store.psfs_activities(pid))
        return activities if psfs_due(activities, store.psfs_ratings(pid), store.now()) else []

    def _after_psfs(self, answers: dict[str, int] | None) -> None:
        store: Any = self.services.store
        if answers:  # stopped part-way: nothing stored (the next session asks again)
            ratings = {int(k[len(PSFS_PREFIX):]): v for k, v in answers.items()}
            store.rate_psfs(self.result.patient_id, ratings)
            self.result.psfs = ratings
        self._summary()

    def _summary(self) -> None:
        outcome = self.result.outcome
        assert outcome is not None
        pre, post = self.result.pre or {}, self.result.post or {}
        lines, cheer = self._result_words(outcome.summary, outcome.reason)
        exercise = self.setup.runner.exercise.name if self.setup is not None else None
        result = gmi_result_lines(self.gmi.exercise, outcome.summary) if self.gmi else ()
        self.stack.push(SummaryScene(outcome.summary, outcome.reason, pain_pre=pre.get("pain"),
                                     pain_post=post.get("pain"), pace=self.pace,
                                     comparison=lines, result=result, exercise=exercise, cheer=cheer),
                        self._after_summary)

    def _result_words(self, summary: dict[str, Any], reason: str) -> tuple[list[str], str | None]:
        """Today against the patient's stored sessions ("3 more than last time", week 1, the
        week against the plan) and one sentence of encouragement (telemetry/results.py)."""
        store: Any = self.services.store
        pid = self.result.patient_id
        if store is None or pid is None or self.setup is None or not hasattr(store, "history"):
            return [], None
        exercise = self.setup.runner.exercise.name
        c = compare(summary, exercise, store.history(pid), store.now(),
                    session_id=self.result.session_id, planned_per_week=self._planned_per_week(pid))
        return comparison_lines(c), encouragement(c, reason)

    def _planned_per_week(self, patient_id: str) -> int | None:
        """The patient's plan's sessions a week (None: no plan, or one that does not load)."""
        store: Any = self.services.store
        current = store.current_plan(patient_id) if hasattr(store, "current_plan") else None
        if not current:
            return None
        try:
            from exercises.plans import PlanError, load_plan

            return int(load_plan(current[1]).model.plan.sessions_per_week)
        except (PlanError, ValueError, AttributeError):
            return None

    def _after_summary(self, _: object) -> None:
        self.result.finished = True

    def record_events(self, events: list[Any]) -> None:
        """App-level events (e.g. the patient turning the mirror off) into the session's log."""
        if self.recorder is not None:
            self._record(events)

    def record_frame(self, frame: Any, scene: Any) -> None:
        """Keep the landmark stream of the exercise (never video: the image is dropped)."""
        name = getattr(scene, "name", "")
        if name == "imagery" and self.gmi is not None:  # stage 2: is the resting arm still?
            pose = getattr(frame, "pose", None)
            scene.points = None if pose is None else limb_points_bu(
                pose, frame.width, frame.height, self.gmi.side)
        if name == "breathing" and self.gmi is not None:  # the shoulders' rise and fall
            pose = getattr(frame, "pose", None)
            scene.add_sample(None if pose is None else shoulder_height_bu(
                pose, frame.width, frame.height))
        if self.recorder is not None and name in ("exercise", "rest", "laterality", "imagery",
                                                  "breathing"):
            if getattr(frame, "image", None) is not None:
                frame = dataclasses.replace(frame, image=None)  # the picture never leaves the game
            self.recorder.record_frame(frame)

    def abort(self) -> None:
        """Close a started session as incomplete (window closed, error)."""
        if self.recorder is not None and self.result.outcome is None and self.gmi is not None:
            self.recorder.record(self.gmi.run.drain())
            self.recorder.close(self.gmi.finish(self.gmi.run.summary()), completed=False,
                                t=self._game_t())
            self.recorder = None
        if self.recorder is not None and self.result.outcome is None and self.setup is not None:
            self.recorder.close(self.setup.runner.summary(), completed=False, t=self._game_t())
            self.recorder = None
