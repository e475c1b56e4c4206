"""`neuroplay play`: the real session with a camera (or a video standing in for one).

Bad input is found before anything is opened or created: the options, the
video file, the display, and (without --new) whether the patient and the
database exist. With --new, a database created for this run is removed again
when the run fails before its session starts (a camera or video that will
not open), so a failed start leaves nothing behind. After the session, like `demo`, the therapist's flags are
refreshed and the report written beside the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import click

from game.cli.lsl_options import lsl_options, make_streamer, with_streamer
from game.cli.options import SIDE_HELP, session_options
from game.cli.params import PATIENT
from game.errors import UserError
from game.gmi_sets import SET_GAMES
from game.registry import HAND_GAMES
from game.session import NOT_STARTED, LivePlayer, OnApp, SessionRequest, prepare, run


@click.command()
@click.option("--patient", type=PATIENT, required=True, help="Pseudonymous patient id.")
@click.option("--camera", type=int, default=None, help="Camera index (default 0).")
@click.option("--video", type=click.Path(dir_okay=False), default=None, help="Use a video file as the camera.")
@click.option("--seated/--standing", default=True, show_default=True,
              help="Seated mode only places targets a seated patient can reach.")
@session_options(side_help=SIDE_HELP + " A new patient is created with it.", extra_games=SET_GAMES)
@click.option("--mouse", is_flag=True,
              help="No camera: the mouse moves the affected hand (reaching, laterality; "
                   "breathing runs as the pacer alone).")
@click.option("--bodymap", is_flag=True,
              help="Only paint the sensory body map (any day; also the title's Body map button).")
@click.option("--new", "new_patient", is_flag=True, help="Create the patient if the id is not known yet.")
@click.option("--station", default=None,
              help="Clinic mode: this station's name (token in $NEUROPLAY_STATION_TOKEN).")
@click.option("--clinic", "clinic_url", default=None,
              help="Clinic mode: the dashboard's address, e.g. http://192.168.1.10:8765.")
@lsl_options
def play(patient: str, camera: int | None, video: str | None, seated: bool, game: str,
         mirror: str | None, pace: float, mouse: bool, new_patient: bool, data_dir: str | None,
         station: str | None = None, clinic_url: str | None = None, side: str | None = None,
         easier: bool = False, no_report: bool = False, lsl: bool = False,
         lsl_wait: float = 0.0, view: str | None = None, stereo: str | None = None,
         comfort: str | None = None, ipd_mm: float | None = None,
         reach_mode: str | None = None, bodymap: bool = False) -> None:
    """Play a session with the camera as the controller."""
    request = SessionRequest(patient=patient, game=game, data_dir=data_dir, side=side,
                             mirror=mirror, pace=pace, easier=easier, report=not no_report,
                             view=view, stereo=stereo, comfort=comfort, ipd_mm=ipd_mm,
                             reach_mode=reach_mode, only="bodymap" if bodymap else None)
    link = None if station is None and clinic_url is None else \
        ClinicLink(station, clinic_url, data_dir)
    # --lsl: a camera's frames carry monotonic capture stamps (LSL's clock); a video its own
    streamer = make_streamer(lsl=lsl, lsl_wait=lsl_wait, hands=game in HAND_GAMES,
                             live_clock=video is None and not mouse)
    prepared = prepare(request, LivePlayer(camera=camera, video=video, mouse=mouse,
                                           seated=seated, new_patient=new_patient, station=link))
    prepared.on_app = with_streamer(prepared.on_app, streamer)
    outcome = run(prepared)
    record = outcome.record
    if outcome.note:
        click.echo(outcome.note, err=True)
    if outcome.tracking_stopped:
        click.echo(f"Tracking stopped: {outcome.tracking_stopped}", err=True)
    if record.get("rest_day"):
        click.echo(f"Rest day: nothing played today (pain before {record['pain_pre']}/10); "
                   f"the answers were saved as today's diary entry")
        return
    if record.get("end_reason") == "diary":  # the title's "Diary": nothing played
        click.echo("Today's diary entry is saved; nothing was played.")
        return
    if record.get("end_reason") == "bodymap_saved":  # the title's "Body map": nothing played
        click.echo("Your body map is saved; nothing was played.")
        return
    if bodymap:
        click.echo("The body map was not saved (stopped); nothing was played.")
        return
    if not record.get("session_id"):  # stopped at a menu, a check-in or calibration
        click.echo(NOT_STARTED)
        return
    if record.get("exercise") in SET_GAMES:  # a picture or breathing set: its own result
        from game.gmi_sets import result_lines

        done = "; ".join(result_lines(record["exercise"], record))
        click.echo(f"Session {record['session_id']} ({record['exercise']}): {done}; "
                   f"data: {record['data']}")
    else:
        click.echo(f"Session {record['session_id']}: hits {record['hits']} of "
                   f"{record['targets']}; data: {record['data']}")
    if record.get("report"):
        click.echo(f"Report: {record['report']}")


@dataclass
class ClinicLink:
    """`--station NAME --clinic URL` as game.session's StationLink: the options are
    checked before anything is opened; the link opens once the camera has and
    streams the session to the clinic's dashboard until `close`."""

    station: str | None
    clinic_url: str | None
    data_dir: str | None
    link: Any = None  # clinic.station.GameLink once open

    def check(self) -> None:
        _station_checks(self.station, self.clinic_url)

    def open(self, patient: str, game: str) -> OnApp | None:
        self.link = _station_link(self.station, self.clinic_url, patient, game, self.data_dir)
        return None if self.link is None else self.link.attach

    def close(self) -> None:
        if self.link is not None:
            self.link.client.stop()


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
    from clinic.station import station_ws_url

    try:
        station_ws_url(clinic_url, station)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return token


def _station_link(station: str | None, clinic_url: str | None, patient: str, game: str,
                  data_dir: str | None) -> Any:
    """`--station NAME --clinic URL`: stream this session to the clinic's dashboard
    (clinic/station.py); undelivered events wait in the data directory's outbox."""
    token = _station_checks(station, clinic_url)
    if token is None or station is None or clinic_url is None:
        return None
    from clinic.station import GameLink, StationClient
    from telemetry.paths import data_dir as data_home

    try:
        client = StationClient(clinic_url, station, token, patient=patient, exercise=game,
                               outbox_dir=data_home(data_dir) / "station-outbox")
    except ValueError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot keep the station outbox: {exc.strerror or exc}") from None
    return GameLink(client.start())
