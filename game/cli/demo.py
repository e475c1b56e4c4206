"""`neuroplay demo`: a whole session with no camera, written to the store.

The player is, in order of preference: a recording (`--replay` npz or
`--video` file, played frame by frame on the recording's clock through
vision's IntentsBuilder), the virtual patient over the bundled recording
(exercises.virtual_patient, when installed), or a scripted pointer that
reaches for each target the way a mouse user would. Check-ins are answered
by a script through the same dwell buttons a hand uses. Headless runs use a
simulated clock: as fast as the machine allows, the same seed giving the
same session.
"""

from __future__ import annotations

import json
import random
import warnings
from pathlib import Path
from typing import Any

import click

from game.cli.errors import UserError
from game.cli.lsl_options import lsl_options, make_streamer, with_streamer
from game.cli.params import PATIENT

GAMES = ("reaching", "tapping", "pinch", "openclose")
NOT_STARTED = "Stopped before the session started; nothing recorded."



def _open_store(data_dir: str | None) -> Any:
    from telemetry.errors import StoreError
    from telemetry.store import Store

    try:
        return Store.open(data_dir=data_dir)
    except StoreError as exc:
        raise UserError(str(exc)) from None


def _load_replay(path: str) -> Any:
    """The replay, fully validated (vision.replay), before anything is opened or written."""
    from vision.replay import ReplayError, load_replay

    try:
        return load_replay(path)
    except ReplayError as exc:
        raise UserError(str(exc)) from None


SIDES = ("left", "right", "both")
SIDE_HELP = ("The affected arm: left, right, or both (the session alternates arms); "
             "default: the patient record's, else right.")


def affected_side(store: Any, patient: str, side: str | None) -> str:
    """The arm(s) this session trains: `--side`, else the patient record's, else right.

    A known patient's record keeps the side (the plan and every trend are about that
    arm): a `--side` that contradicts it is refused rather than silently changed.
    "both" is what `patients add --side both` records: the session alternates arms.
    """
    recorded = None
    if store.patient_exists(patient):
        recorded = getattr(store.get_patient(patient), "affected_side", None)
        recorded = recorded if recorded in SIDES else None
    if side is not None and recorded is not None and side != recorded:
        raise UserError(f"patient {patient!r} is recorded with the {recorded} arm affected; "
                        f"--side {side} does not match (leave --side out to use the record, "
                        f"or give another patient id, e.g. --patient {patient}-{side})")
    return side or recorded or "right"


def screen_side(affected: str) -> str:
    """The arm the screen is laid out for (STOP on the other side, the mouse's hand):
    with both arms affected, as for the right (STOP top left, the mouse is the right hand)."""
    return "left" if affected == "left" else "right"


def arms_of(affected: str) -> tuple[str, ...]:
    return ("left", "right") if affected == "both" else (affected,)


def check_side_options(affected: str, mirror: str | None) -> None:
    if affected == "both" and mirror:
        raise UserError("--mirror shows the unaffected arm in place of the affected one; "
                        "with both arms affected there is none (leave --mirror out)")


def after_session(store: Any, patient: str, record: dict[str, Any], *, report: bool = True) -> dict[str, Any]:
    """After a played session: refresh the therapist's flags and write the report
    (`demo` and `play` alike). Nothing when no session was started."""
    if record.get("session_id") and report:
        record["report"] = write_report(store, patient)
    return record


def write_report(store: Any, patient: str) -> str | None:
    """The therapist report (telemetry.report) beside the database; None if it cannot be made."""
    try:
        from telemetry.flagging import local_tz, refresh_flags
        from telemetry.report import build_report, write_html
    except ModuleNotFoundError:
        return None
    where = Path(str(getattr(store, "where", "")))
    if not where.suffix:  # not a SQLite file (a server URL): no folder to put it in
        return None
    out = where.parent / "reports" / f"{patient}.html"
    out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    from game.dosing import plan_overrides

    tz = local_tz()
    data, assessment = refresh_flags(store, patient, tz=tz)
    with warnings.catch_warnings():  # matplotlib's date-axis notes on a one-session history
        warnings.simplefilter("ignore", UserWarning)
        write_html(build_report(data, assessment, tz=tz, generated_at=store.now(),
                                plan_overrides=plan_overrides(store, patient)), out)
    return str(out)


def summary_record(result: Any, store: Any) -> dict[str, Any]:
    outcome = result.flow.result.outcome
    summary = dict(outcome.summary) if outcome is not None else {}
    out: dict[str, Any] = {
        "session_id": result.flow.result.session_id,
        "patient": result.flow.result.patient_id,
        "exercise": result.flow.result.exercise,
        "end_reason": outcome.reason if outcome is not None else
        "rest_day" if result.flow.result.rest_day else result.flow.result.ended_at,
        "targets": summary.get("targets", 0),
        "hits": summary.get("hits", 0),
        "misses": summary.get("misses", 0),
        "mean_movement_time_s": summary.get("mean_movement_time_s"),
        "compensations": summary.get("compensations", 0),
        "pain_pre": (result.flow.result.pre or {}).get("pain"),
        "pain_post": (result.flow.result.post or {}).get("pain"),
        "easier": result.flow.result.easier,
        "rest_day": result.flow.result.rest_day,
        "difficulty_steps": list(summary.get("difficulty_steps", [])),
        "psfs": result.flow.result.psfs,
        "data": getattr(store, "where", None),
        "game_seconds": round(result.app.t, 3),
        "screenshots": [str(p) for p in result.app.shots.values()],
    }
    setup = result.flow.setup
    played = (setup.dose.get("session") if setup is not None else None) or {}
    out["session_minutes"], out["pace"] = played.get("session_minutes"), played.get("pace")
    for k, v in summary.items():
        out.setdefault(k, v)
    return out


@click.command()
@click.option("--headless", is_flag=True, help="Never open a window; simulated clock, as fast as possible.")
@click.option("--seconds", type=click.FloatRange(min=5.0), default=60.0, show_default=True,
              help="Session length cap in game seconds (a recording plays to its end).")
@click.option("--screenshots", type=click.Path(file_okay=False), default=None,
              help="Write a PNG of each scene into this directory.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Where the data lives (default: $NEUROPLAY_HOME or the user data directory).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("--replay", type=click.Path(dir_okay=False), default=None, help="Play a landmark replay (.npz).")
@click.option("--video", type=click.Path(dir_okay=False), default=None, help="Track and play a video file.")
@click.option("--patient", type=PATIENT, default="demo", show_default=True, help="Pseudonymous patient id.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same session.")
@click.option("--game", type=click.Choice(GAMES), default="reaching", show_default=True,
              help="Which mini-game to play.")
@click.option("--mirror", type=click.Choice(["split", "swap"]), default=None, help="Mirror-therapy view.")
@click.option("--pace", type=click.FloatRange(0.5, 1.0), default=1.0, show_default=True,
              help="1 = normal; 0.5 = twice as much time for everything.")
@click.option("--no-report", is_flag=True, help="Do not write the therapist report after the session.")
@click.option("--side", type=click.Choice(SIDES), default=None, help=SIDE_HELP)
@click.option("--easier", is_flag=True,
              help="Make today easier (shorter and slower; never harder than the plan) without asking.")
@click.option("--rest-pain", type=click.IntRange(0, 10), default=None,
              help="The scripted patient's pain at each rest break (default: as before the session); "
                   "a rise of 2 or more shows the pain pause.")
@click.option("--pre-pain", type=click.IntRange(0, 10), default=None,
              help="The scripted patient's pain before the session (default 3); at the plan's stop "
                   "level (8) only the easier session or a rest day is offered.")
@click.option("--pain-pause", type=click.Choice(["continue", "stop"]), default="continue",
              show_default=True, help="What the scripted patient chooses at a pain pause.")
@click.option("--today", "today_choice", type=click.Choice(["suggested", "planned", "easier", "rest"]),
              default="suggested", show_default=True,
              help="What the scripted patient answers to \"how about today?\" (rest is offered "
                   "only at the plan's stop level; a choice not on screen takes the suggested one).")
@lsl_options
def demo(headless: bool, seconds: float, screenshots: str | None, data_dir: str | None, as_json: bool,
         replay: str | None, video: str | None, patient: str, seed: int, game: str,
         mirror: str | None, pace: float, no_report: bool, side: str | None = None,
         easier: bool = False, rest_pain: int | None = None, pre_pain: int | None = None,
         pain_pause: str = "continue", today_choice: str = "suggested", lsl: bool = False,
         lsl_wait: float = 0.0) -> None:
    """Play a whole session with no camera and save it.

    The player is the virtual patient (or a --replay / --video recording); the
    check-ins are answered by a script. Prints the summary and where the data
    and the therapist report are.
    """
    from exercises.doses import SessionDose
    from game.dosing import DosingSource
    from game.flow import SessionFlow
    from game.live import HAND_GAMES
    from game.runtime import run_flow
    from game.scenes.pain_check import CONTINUE, STOP_TODAY
    from game.script import DEMO_PRE, ScriptedMenus
    from game.services import GameServices
    from game.sources import recording_driver, virtual_patient_driver

    if replay and video:
        raise UserError("give either --replay or --video, not both")
    shots = Path(screenshots) if screenshots else None
    if side is not None:
        check_side_options(side, mirror)  # before anything is opened
    loaded = _load_replay(replay) if replay else None  # a bad file: one line, nothing written
    # --lsl: recordings and the virtual patient have their own clocks (live_clock=False)
    streamer = make_streamer(lsl=lsl, lsl_wait=lsl_wait, hands=game in HAND_GAMES, live_clock=False)
    store = _open_store(data_dir)
    try:
        affected = affected_side(store, patient, side)
        check_side_options(affected, mirror)
        ui = screen_side(affected)
        session_dose = SessionDose(session_minutes=seconds / 60.0, rest_every_s=max(10.0, seconds / 2.0),
                                   rest_s=5.0, seated=True, pace=pace)
        driver: Any
        reference = None
        default_calibration = None
        procedure_factory = None
        on_app = None
        rec = None
        pre = dict(DEMO_PRE) if pre_pain is None else {**DEMO_PRE, "pain": pre_pain}
        choice = STOP_TODAY if pain_pause == "stop" else CONTINUE
        today = None if today_choice == "suggested" else today_choice
        if replay or video:
            rec = recording_driver(replay=loaded, video=video,
                                   menus=ScriptedMenus(pre=pre, side=ui, in_session=rest_pain,
                                                       seed=seed, pause_choice=choice, today=today),
                                   hands=game in HAND_GAMES,
                                   arms=arms_of(affected) if game in HAND_GAMES else ("left", "right"),
                                   saved_calibration=store.load_calibration(patient)
                                   if store.patient_exists(patient) else None)
            driver, reference, source = rec.driver, rec.reference, f"demo:{rec.source}"
            default_calibration = rec.calibration
            session_dose = SessionDose(session_minutes=rec.duration_s / 60.0 + 1.0 / 60.0,
                                       rest_every_s=0.0, rest_s=0.0, seated=True, pace=pace)
        else:
            vp = virtual_patient_driver(seed, affected, hands=game in HAND_GAMES)
            driver, source = vp.driver, vp.source
            procedure_factory, on_app = vp.procedure_factory, vp.on_app
            menus = getattr(driver, "menus", None)
            if menus is not None:  # the script answering the check-ins (game/script.py)
                menus.in_session, menus.seed, menus.pre = rest_pain, seed, pre
                menus.pause_choice, menus.today = choice, today
        dosing = DosingSource(store, patient, game, side=affected, session=session_dose, pace=pace)
        dosing.options(None)  # a stored plan that no longer validates: one line, before any window
        services = GameServices(store, dosing, game=game, seed=seed, source=source,
                                mirror=mirror, default_calibration=default_calibration,
                                procedure_factory=procedure_factory,
                                frame_source=getattr(driver, "take_new_frame", None), affected=affected)

        if not store.patient_exists(patient):  # recorded with its real side ("both" too)
            store.ensure_patient(patient, affected_side=affected)

        def make_flow(stack: Any) -> SessionFlow:
            return SessionFlow(stack, services, patient=patient, known_patients=[patient],
                               rng=random.Random(seed), affected=ui,  # type: ignore[arg-type]
                               pace=pace, easier=True if easier else None)

        on_app = with_streamer(on_app, streamer)  # --lsl
        try:
            result = run_flow(make_flow, driver, headless=headless, screenshots=shots,
                              max_game_s=seconds + 180.0, reference=reference, affected=ui,
                              on_app=on_app)
        finally:
            if rec is not None:
                rec.close()
        # A recording is not one of the patient's sessions: stored under the demo flag
        # (telemetry.records.DEMO_SOURCE_PREFIX), which trends, flags, adherence and the
        # report leave out; so there is no report of it (`neuroplay assess` measures it).
        record = after_session(store, patient, summary_record(result, store),
                               report=not no_report and rec is None)
        record["demo_recording"] = rec is not None
    finally:
        store.close()
    if result.note and not as_json:
        click.echo(result.note, err=True)
    if as_json:
        click.echo(json.dumps(record, default=str))
        return
    if record.get("rest_day"):
        click.echo(f"Rest day for patient {record['patient']}: nothing played today (pain before "
                   f"{record['pain_pre']}/10); the answers were saved as today's diary entry")
        return
    if not record.get("session_id"):  # stopped before the exercise began
        click.echo(NOT_STARTED)
        return
    mt = record["mean_movement_time_s"]
    click.echo(f"Session {record['session_id']} for patient {record['patient']} ({record['exercise']}, "
               f"{record['end_reason']})")
    click.echo(f"  targets {record['targets']}, hits {record['hits']}, misses {record['misses']}")
    click.echo(f"  mean movement time {'-' if mt is None else f'{mt:.2f} s'}, "
               f"compensations {record['compensations']}")
    click.echo(f"  pain before {record['pain_pre']}, after {record['pain_post']}")
    click.echo(f"  data: {record['data']}")
    if record["demo_recording"]:
        click.echo(f"  a recording, stored as a demo session: left out of {record['patient']}'s "
                   "record, trends and flags (measure it with `neuroplay assess FILE`)")
    if record.get("report"):
        click.echo(f"  report: {record['report']}")
    if record["screenshots"]:
        click.echo(f"  screenshots: {shots}")
