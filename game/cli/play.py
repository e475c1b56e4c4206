"""`neuroplay play`: the real session with a camera (or a video standing in for one).

Bad input is found before anything is opened or created: the options, the
video file, the display, and (without --new) whether the patient and the
database exist. With --new, a database created for this run is removed again
when the run fails before its session starts (a camera or video that will
not open), so a failed start leaves nothing behind. After the session, like `demo`, the therapist's flags are
refreshed and the report written beside the database.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import click

from game.cli.demo import (
    GAMES,
    NOT_STARTED,
    SIDE_HELP,
    SIDES,
    affected_side,
    after_session,
    arms_of,
    check_side_options,
    screen_side,
    summary_record,
)
from game.cli.errors import UserError
from game.cli.lsl_options import lsl_options, make_streamer
from game.cli.params import PATIENT


@click.command()
@click.option("--patient", type=PATIENT, required=True, help="Pseudonymous patient id.")
@click.option("--camera", type=int, default=None, help="Camera index (default 0).")
@click.option("--video", type=click.Path(dir_okay=False), default=None, help="Use a video file as the camera.")
@click.option("--seated/--standing", default=True, show_default=True,
              help="Seated mode only places targets a seated patient can reach.")
@click.option("--game", type=click.Choice(GAMES), default="reaching", show_default=True,
              help="Which mini-game to play.")
@click.option("--mirror", type=click.Choice(["split", "swap"]), default=None, help="Mirror-therapy view.")
@click.option("--pace", type=click.FloatRange(0.5, 1.0), default=1.0, show_default=True,
              help="1 = normal; 0.5 = twice as much time for everything.")
@click.option("--mouse", is_flag=True, help="No camera: the mouse moves the affected hand (reaching only).")
@click.option("--new", "new_patient", is_flag=True, help="Create the patient if the id is not known yet.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Where the data lives (default: $NEUROPLAY_HOME or the user data directory).")
@click.option("--station", default=None,
              help="Clinic mode: this station's name (token in $NEUROPLAY_STATION_TOKEN).")
@click.option("--clinic", "clinic_url", default=None,
              help="Clinic mode: the dashboard's address, e.g. http://192.168.1.10:8765.")
@click.option("--side", type=click.Choice(SIDES), default=None,
              help=SIDE_HELP + " A new patient is created with it.")
@click.option("--easier", is_flag=True,
              help="Make today easier (shorter and slower; never harder than the plan) without asking.")
@click.option("--no-report", is_flag=True, help="Do not write the therapist report after the session.")
@lsl_options
def play(patient: str, camera: int | None, video: str | None, seated: bool, game: str,
         mirror: str | None, pace: float, mouse: bool, new_patient: bool, data_dir: str | None,
         station: str | None = None, clinic_url: str | None = None, side: str | None = None,
         easier: bool = False, no_report: bool = False, lsl: bool = False,
         lsl_wait: float = 0.0) -> None:
    """Play a session with the camera as the controller."""
    from game.app import NoDriver
    from game.dosing import DosingSource
    from game.flow import SessionFlow
    from game.live import HAND_GAMES, live_input
    from game.runtime import display_problem, run_flow
    from game.services import GameServices
    from telemetry.errors import StoreError
    from telemetry.store import Store
    from vision.calibration import Calibration, CalibrationProcedure

    if sum(x is not None and x is not False for x in (camera, video, mouse or None)) > 1:
        raise UserError("give one of --camera, --video or --mouse")
    if mouse and game in HAND_GAMES:
        raise UserError(f"--mouse cannot play {game} (it needs hand landmarks); use a camera")
    if video is not None and not Path(video).is_file():
        raise UserError(f"{video}: no such video file")
    _station_checks(station, clinic_url)
    # --lsl: a camera's frames carry monotonic capture stamps (LSL's clock); a video its own
    streamer = make_streamer(lsl=lsl, lsl_wait=lsl_wait, hands=game in HAND_GAMES,
                             live_clock=video is None and not mouse)
    if (problem := display_problem()) is not None:  # before anything is opened or created
        raise UserError(f"play needs a window: {problem}; or try `neuroplay demo`")
    unknown = f"unknown patient {patient!r} (check `neuroplay patients`, or add --new to create it)"
    created = _would_create(data_dir) if new_patient else ()
    try:  # only --new may create a database
        store = Store.open(data_dir=data_dir, create=new_patient)
    except StoreError as exc:
        raise UserError(unknown if "no NeuroPlay database" in str(exc) else str(exc)) from None
    link = None
    live = None
    started = False  # once the session loop runs, what it wrote stays
    try:
        if not store.patient_exists(patient) and not new_patient:
            raise UserError(unknown)
        saved = store.load_calibration(patient) if store.patient_exists(patient) else None
        try:
            cal = Calibration.from_dict(saved) if saved else None
        except ValueError as exc:
            raise UserError(f"saved calibration of {patient} is unreadable ({exc}); "
                            f"run `neuroplay calibrate --patient {patient}`") from None
        affected = affected_side(store, patient, side)
        check_side_options(affected, mirror)
        ui = screen_side(affected)
        dosing = DosingSource(store, patient, game, side=affected, pace=pace, seated=seated)
        planned = dosing.options(None)  # a stored plan that no longer validates: one line, now
        if not seated and any(t is not None and t.session.seated
                              for t in (planned.full, planned.easier)):
            click.echo("The plan keeps this session seated (standing needs the therapist's plan).", err=True)
        if mouse:
            cal = cal or Calibration.default()
            driver: Any = NoDriver()
            on_app = None
        else:
            live = live_input(camera, video, calibration=cal, hands=game in HAND_GAMES,
                              arms=arms_of(affected) if game in HAND_GAMES else ("left", "right"))
            driver, on_app = live.driver, live.on_app
        link = _station_link(station, clinic_url, patient, game, data_dir)  # clinic mode
        services = GameServices(store, dosing, game=game,
                                source="mouse" if mouse else "video" if video else "camera",
                                mirror=mirror, affected=affected, default_calibration=cal,
                                procedure_factory=None if cal else CalibrationProcedure,
                                frame_source=getattr(driver, "take_new_frame", None))

        def make_flow(stack: Any) -> SessionFlow:
            return SessionFlow(stack, services, patient=patient, known_patients=[patient],
                               rng=random.Random(), pace=pace, affected=ui,  # type: ignore[arg-type]
                               easier=True if easier else None)

        def on_app_all(app: Any, flow: Any) -> None:
            if on_app is not None:
                on_app(app, flow)
            if link is not None:
                link.attach(app, flow)
            if streamer is not None:  # --lsl
                streamer.attach(app, flow)

        if not store.patient_exists(patient):  # --new: recorded with its real side ("both" too)
            store.ensure_patient(patient, affected_side=affected)
        started = True
        result = run_flow(make_flow, driver, headless=False, affected=ui,
                          reference=None if mouse or cal is None else (lambda: cal.reference),
                          on_app=on_app_all)
        record_out = after_session(store, patient, summary_record(result, store), report=not no_report)
    finally:
        if live is not None:
            live.stop()
        if link is not None:
            link.client.stop()
        store.close()
        if not started:  # e.g. the camera would not open: a database made just now goes again
            _discard(created)
    if result.note:
        click.echo(result.note, err=True)
    if live is not None and live.status_message:
        click.echo(f"Tracking stopped: {live.status_message}", err=True)
    if record_out.get("rest_day"):
        click.echo(f"Rest day: nothing played today (pain before {record_out['pain_pre']}/10); "
                   f"the answers were saved as today's diary entry")
        return
    if not record_out.get("session_id"):  # stopped at a menu, a check-in or calibration
        click.echo(NOT_STARTED)
        return
    click.echo(f"Session {record_out['session_id']}: hits {record_out['hits']} of {record_out['targets']}; "
               f"data: {record_out['data']}")
    if record_out.get("report"):
        click.echo(f"Report: {record_out['report']}")


def _would_create(data_dir: str | None) -> tuple[Path, ...]:
    """What `Store.open(create=True)` is about to create for this run (the SQLite file and
    the data directory, outermost last), so a run that fails before its session can
    leave no empty database behind. Nothing for a server database or one that exists."""
    import os

    from telemetry import paths
    from telemetry.store import ENV_DB

    if data_dir is None and os.environ.get(ENV_DB):
        target = os.environ[ENV_DB]
        if "://" in target or target == ":memory:":
            return ()
        db = Path(target).expanduser()
    else:
        db = paths.database_path(data_dir, create=False)
    if db.exists():
        return ()
    made = [db]
    parent = db.parent
    while not parent.exists():
        made.append(parent)
        parent = parent.parent
    return tuple(made)


def _discard(created: tuple[Path, ...]) -> None:
    """Remove the database this run created (with SQLite's side files) and the
    directories made for it, if nothing else has appeared in them."""
    import contextlib

    if not created:
        return
    db, dirs = created[0], created[1:]
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            db.with_name(db.name + suffix).unlink()
    for d in dirs:
        try:
            d.rmdir()  # only when empty
        except OSError:
            break


def _station_checks(station: str | None, clinic_url: str | None) -> str | None:
    """Clinic mode's options, checked before anything is opened; the station token."""
    import os

    if station is None and clinic_url is None:
        return None
    if station is None or clinic_url is None:
        raise UserError("clinic mode needs both --station NAME and --clinic URL")
    token = os.environ.get("NEUROPLAY_STATION_TOKEN", "").strip()
    if not token:
        raise UserError("set NEUROPLAY_STATION_TOKEN to the token from "
                        f"`neuroplay therapist station-token {station} --by USER`")
    from game.station import station_ws_url

    try:
        station_ws_url(clinic_url, station)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return token


def _station_link(station: str | None, clinic_url: str | None, patient: str, game: str,
                  data_dir: str | None) -> Any:
    """`--station NAME --clinic URL`: stream this session to the clinic's dashboard
    (game/station.py); undelivered events wait in the data directory's outbox."""
    token = _station_checks(station, clinic_url)
    if token is None or station is None or clinic_url is None:
        return None
    from game.station import GameLink, StationClient
    from telemetry.paths import data_dir as data_home

    try:
        client = StationClient(clinic_url, station, token, patient=patient, exercise=game,
                               outbox_dir=data_home(data_dir) / "station-outbox")
    except ValueError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot keep the station outbox: {exc.strerror or exc}") from None
    return GameLink(client.start())
