"""The session library under `neuroplay demo` and `neuroplay play`.

Both commands are argument parsing plus one call, `play_session(request, player)`:
`prepare(...)` checks the input, then opens the store, the player and the
dosing in that order (bad input is one line before anything is written), and
`run(...)` plays the session's scenes and writes the therapist report. The
player is a `DemoPlayer` (a recording, or the virtual patient with scripted
check-in answers: no camera) or a `LivePlayer` (a camera, a video standing in
for one, or the mouse). What the commands print is theirs; what happened is the
`SessionOutcome` returned here. Nothing here imports `game.cli`.
"""

from __future__ import annotations

import contextlib
import random
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from game.errors import UserError

if TYPE_CHECKING:
    from game.app import App
    from game.flow import SessionFlow
    from game.players.base import Player
    from game.runtime import RunResult
    from game.scenes.base import SceneStack
    from game.services import GameServices
    from telemetry.store import Store
    from vision.body_model import BodyReference
    from vision.calibration import Calibration, Side
    from vision.replay import Replay

SIDES = ("left", "right", "both")
NOT_STARTED = "Stopped before the session started; nothing recorded."
OnApp = Callable[["App", "SessionFlow"], None]  # told of the app and flow once made


# ------------------------------------------------------------------ inputs and outputs
@dataclass(frozen=True)
class SessionRequest:
    """What both commands ask for: whose session, which game, how."""

    patient: str
    game: str = "reaching"
    data_dir: str | None = None
    side: str | None = None  # None: the patient record's, else right
    mirror: str | None = None
    pace: float = 1.0
    easier: bool = False
    report: bool = True
    # The view (game/views/scene3d.py): None = 2-D unless --stereo; comfort/IPD only in 3-D.
    view: str | None = None
    stereo: str | None = None
    comfort: str | None = None
    ipd_mm: float | None = None
    reach_mode: str | None = None  # reaching's mode ("plane" / "forward"); None: the plan's
    only: str | None = None  # "bodymap": only the sensory body map (play --bodymap), no game


@dataclass(frozen=True)
class DemoPlayer:
    """No camera: a recording (`replay` npz or `video`), else the virtual patient.
    Check-ins are answered by a script; headless runs use a simulated clock."""

    seconds: float = 60.0
    seed: int = 0
    headless: bool = False
    screenshots: Path | None = None
    replay: str | None = None
    video: str | None = None
    pre_pain: int | None = None
    rest_pain: int | None = None
    pain_pause: str = "continue"
    today: str = "suggested"
    latency_s: float | None = None  # play as on a machine with this webcam latency (demo/tests)


class StationLink(Protocol):
    """Clinic mode's link (the station client lives outside game/): `check` before
    anything is opened; `open` once the player is, giving the hook that follows the
    session (None: no link); `close` when the session is over."""

    def check(self) -> None: ...

    def open(self, patient: str, game: str) -> OnApp | None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class LivePlayer:
    """A person in front of a camera (or a video file standing in for one), or the mouse."""

    camera: int | None = None
    video: str | None = None
    mouse: bool = False
    seated: bool = True
    new_patient: bool = False
    station: StationLink | None = None


@dataclass
class SessionOutcome:
    """What a played session left: the summary record (as `demo --json` prints it),
    the runtime's note, and the tracking pipeline's reason if it stopped."""

    record: dict[str, Any]
    note: str | None = None
    tracking_stopped: str | None = None


@dataclass
class Prepared:
    """Everything opened for one session, ready for `run` (which closes it all)."""

    request: SessionRequest
    store: Store
    driver: Player
    make_flow: Callable[[SceneStack], SessionFlow]
    headless: bool = False
    screenshots: Path | None = None
    max_game_s: float = 3600.0
    reference: Callable[[], BodyReference] | None = None
    on_app: OnApp | None = None
    report: bool = True
    demo_recording: bool | None = None  # None: not a demo (no such key in the record)
    closers: list[Callable[[], None]] = field(default_factory=list)
    status: Callable[[], str | None] = lambda: None
    created: tuple[Path, ...] = ()
    affected: str = "right"  # the arm(s) trained: left, right or both
    started: bool = False
    plan_ipd_mm: float | None = None  # the plan's [plan] ipd_mm, for --stereo without --ipd-mm

    def close(self) -> None:
        """Close what `prepare` opened (in that order), the store last; a database this
        run created is removed again if the session never started."""
        try:
            for close in self.closers:
                close()
        finally:
            self.store.close()
            if not self.started:
                discard(self.created)


# ------------------------------------------------------------------ the two calls
def play_session(request: SessionRequest, player: DemoPlayer | LivePlayer) -> SessionOutcome:
    """`prepare` then `run`: what `neuroplay demo` and `neuroplay play` do."""
    return run(prepare(request, player))


def prepare(request: SessionRequest, player: DemoPlayer | LivePlayer) -> Prepared:
    """Check the input and open the store, the player and the dosing; one `UserError`
    line (nothing written) for bad input. On failure everything opened is closed."""
    check_view(request)
    if isinstance(player, DemoPlayer):
        return _prepare_demo(request, player)
    return _prepare_live(request, player)


def run(prepared: Prepared) -> SessionOutcome:
    """Play the session, then refresh the flags and write the therapist report;
    everything `prepare` opened is closed, whatever happens."""
    from game.runtime import run_flow

    try:
        prepared.started = True
        result = run_flow(prepared.make_flow, prepared.driver, headless=prepared.headless,
                          screenshots=prepared.screenshots, max_game_s=prepared.max_game_s,
                          reference=prepared.reference,
                          affected=screen_side(prepared.affected), on_app=prepared.on_app,
                          view=view_settings(prepared.request, prepared.plan_ipd_mm))
        record = after_session(prepared.store, prepared.request.patient,
                               summary_record(result, prepared.store), report=prepared.report)
        if prepared.demo_recording is not None:
            record["demo_recording"] = prepared.demo_recording
    finally:
        prepared.close()
    return SessionOutcome(record=record, note=result.note,
                          tracking_stopped=prepared.status())  # read once the camera is stopped


# ------------------------------------------------------------------ view
def check_view(request: SessionRequest) -> None:
    """The view options, before anything is opened: one line for a contradiction."""
    three_d = request.view == "3d" or request.stereo is not None
    if request.view == "2d" and request.stereo is not None:
        raise UserError("--stereo sbs draws the 3-D view; leave out --view 2d")
    if not three_d and (request.comfort is not None or request.ipd_mm is not None):
        raise UserError("--comfort and --ipd-mm are for the 3-D view; add --view 3d or --stereo sbs")
    if request.ipd_mm is not None and request.stereo is None:
        raise UserError("--ipd-mm sets the eyes of --stereo sbs; add --stereo sbs")
    if three_d and request.game != "reaching":
        raise UserError(f"the 3-D view draws the reaching game, not --game {request.game}")
    if three_d and request.mirror:
        raise UserError("--mirror shows the camera image, which the 3-D view does not; choose one")
    if request.reach_mode is not None and request.game != "reaching":
        raise UserError(f"--reach-mode is for --game reaching, not --game {request.game}")


def view_settings(request: SessionRequest, plan_ipd_mm: float | None = None) -> Any:
    """game.views.scene3d.ViewSettings for a 3-D session, None for 2-D. The IPD: --ipd-mm,
    else the patient's plan (`[plan] ipd_mm`), else 63 mm."""
    if request.view != "3d" and request.stereo is None:
        return None
    from game.views.scene3d import ViewSettings

    return ViewSettings(view="3d", stereo=request.stereo,  # type: ignore[arg-type]
                        comfort=request.comfort or "normal",  # type: ignore[arg-type]
                        ipd_m=(request.ipd_mm or plan_ipd_mm or 63.0) / 1000.0)


def _plan_ipd_mm(dosing: Any) -> float | None:
    """The stored plan's IPD (None without a plan)."""
    loaded = dosing.plan()
    return None if loaded is None else float(loaded[1].model.plan.ipd_mm)


# ------------------------------------------------------------------ store
def open_store(data_dir: str | None, *, create: bool = True) -> Store:
    """The store of `data_dir` (or $NEUROPLAY_HOME / $NEUROPLAY_DB); a store that will
    not open is one line. The one `_open_store` of `demo`, `play`, `calibrate`, `plan`."""
    from telemetry.errors import StoreError
    from telemetry.store import Store

    try:
        return Store.open(data_dir=data_dir, create=create)
    except StoreError as exc:
        raise UserError(str(exc)) from None


@contextlib.contextmanager
def patient_store(data_dir: str | None, patient: str,
                  side: str | None) -> Iterator[tuple[Store, str]]:
    """The store and the patient's affected side for a demo run outside the session flow
    (a GMI set, breathing, the body map): the patient is recorded with its side if new;
    the store is closed whatever happens."""
    store = open_store(data_dir)
    try:
        affected = affected_side(store, patient, side)
        if not store.patient_exists(patient):
            store.ensure_patient(patient, affected_side=affected)
        yield store, affected
    finally:
        store.close()


def load_replay(path: str) -> Replay:
    """The replay, fully validated (vision.replay), before anything is opened or written."""
    from vision.replay import ReplayError
    from vision.replay import load_replay as _load

    try:
        return _load(path)
    except ReplayError as exc:
        raise UserError(str(exc)) from None


# ------------------------------------------------------------------ sides
def affected_side(store: Store, patient: str, side: str | None) -> str:
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


def arms_of(affected: str) -> tuple[Side, ...]:
    """The arms a session with `affected` arm(s) plays with."""
    return ("left",) if affected == "left" else ("right",) if affected == "right" else ("left", "right")


def check_side_options(affected: str, mirror: str | None) -> None:
    if affected == "both" and mirror:
        raise UserError("--mirror shows the unaffected arm in place of the affected one; "
                        "with both arms affected there is none (leave --mirror out)")


def _tracked_arms(game: str, affected: str) -> tuple[Side, ...]:
    from game.registry import HAND_GAMES

    return arms_of(affected) if game in HAND_GAMES else ("left", "right")


def _flow_factory(request: SessionRequest, services: GameServices, affected: str,
                  rng: random.Random) -> Callable[[SceneStack], SessionFlow]:
    from game.flow import SessionFlow

    def make_flow(stack: SceneStack) -> SessionFlow:
        return SessionFlow(stack, services, patient=request.patient, known_patients=[request.patient],
                           rng=rng, affected=screen_side(affected),  # type: ignore[arg-type]
                           pace=request.pace, easier=True if request.easier else None,
                           only=request.only)

    return make_flow


# ------------------------------------------------------------------ demo
def _prepare_demo(request: SessionRequest, player: DemoPlayer) -> Prepared:
    if player.replay and player.video:
        raise UserError("give either --replay or --video, not both")
    if request.side is not None:
        check_side_options(request.side, request.mirror)  # before anything is opened
    loaded = load_replay(player.replay) if player.replay else None  # bad file: one line
    store = open_store(request.data_dir)
    prepared = Prepared(request, store, driver=None, make_flow=None)  # type: ignore[arg-type]
    with _closing_on_error(prepared):
        affected = affected_side(store, request.patient, request.side)
        check_side_options(affected, request.mirror)
        _demo_player(prepared, player, affected, loaded)
        if not store.patient_exists(request.patient):  # recorded with its real side ("both" too)
            store.ensure_patient(request.patient, affected_side=affected)
    return prepared


def _demo_player(prepared: Prepared, player: DemoPlayer, affected: str,
                 loaded: Replay | None) -> None:
    """The demo's driver (a recording or the virtual patient), dosing and services."""
    from exercises.doses import SessionDose
    from game.dosing import DosingSource
    from game.players import DEMO_PRE, ScriptedMenus, recording_driver, virtual_patient_driver
    from game.registry import HAND_GAMES
    from game.scenes.pain_check import CONTINUE, STOP_TODAY
    from game.services import GameServices

    request, store, ui = prepared.request, prepared.store, screen_side(affected)
    seconds, pace = player.seconds, request.pace
    session_dose = SessionDose(session_minutes=seconds / 60.0, rest_every_s=max(10.0, seconds / 2.0),
                               rest_s=5.0, seated=True, pace=pace)
    pre = dict(DEMO_PRE) if player.pre_pain is None else {**DEMO_PRE, "pain": player.pre_pain}
    choice = STOP_TODAY if player.pain_pause == "stop" else CONTINUE
    today = None if player.today == "suggested" else player.today
    default_calibration = procedure_factory = None
    if player.replay or player.video:
        saved = (store.load_calibration(request.patient)
                 if store.patient_exists(request.patient) else None)
        rec = recording_driver(replay=loaded, video=player.video,
                               menus=ScriptedMenus(pre=pre, side=ui, in_session=player.rest_pain,
                                                   seed=player.seed, pause_choice=choice, today=today),
                               hands=request.game in HAND_GAMES,
                               arms=_tracked_arms(request.game, affected), saved_calibration=saved)
        prepared.closers.append(rec.close)
        prepared.driver, prepared.reference, source = rec.driver, rec.reference, f"demo:{rec.source}"
        default_calibration = rec.calibration
        session_dose = SessionDose(session_minutes=rec.duration_s / 60.0 + 1.0 / 60.0,
                                   rest_every_s=0.0, rest_s=0.0, seated=True, pace=pace)
    else:
        vp = virtual_patient_driver(player.seed, affected, hands=request.game in HAND_GAMES)
        prepared.driver, source = vp.driver, vp.source
        procedure_factory, prepared.on_app = vp.procedure_factory, vp.on_app
        menus = getattr(vp.driver, "menus", None)
        if menus is not None:  # the script answering the check-ins (game/players/script.py)
            menus.in_session, menus.seed, menus.pre = player.rest_pain, player.seed, pre
            menus.pause_choice, menus.today = choice, today
    dosing = DosingSource(store, request.patient, request.game, side=affected,
                          session=session_dose, pace=pace, latency_p95_s=player.latency_s)
    dosing.options(None)  # a stored plan that no longer validates: one line, before any window
    prepared.plan_ipd_mm = _plan_ipd_mm(dosing)
    services = GameServices(store, dosing, game=request.game, seed=player.seed, source=source,
                            mirror=request.mirror, default_calibration=default_calibration,
                            procedure_factory=procedure_factory,
                            frame_source=getattr(prepared.driver, "take_new_frame", None),
                            affected=affected, reach_mode=request.reach_mode)
    recording = bool(player.replay or player.video)
    prepared.make_flow = _flow_factory(request, services, affected, random.Random(player.seed))
    prepared.headless, prepared.screenshots = player.headless, player.screenshots
    prepared.max_game_s = seconds + 180.0
    # A recording is not one of the patient's sessions: stored under the demo flag
    # (telemetry.records.DEMO_SOURCE_PREFIX), which trends, flags, adherence and the
    # report leave out; so there is no report of it (`neuroplay assess` measures it).
    prepared.report = request.report and not recording
    prepared.demo_recording = recording
    prepared.affected = affected


# ------------------------------------------------------------------ play
def _check_live(request: SessionRequest, player: LivePlayer) -> None:
    """`play`'s input, checked before anything is opened or created."""
    from game.gmi_sets import SET_GAMES
    from game.registry import HAND_GAMES
    from game.runtime import display_problem

    if sum(x is not None and x is not False for x in (player.camera, player.video,
                                                       player.mouse or None)) > 1:
        raise UserError("give one of --camera, --video or --mouse")
    if player.mouse and request.reach_mode == "forward":
        raise UserError("--mouse cannot play --reach-mode forward (it needs the depth the camera "
                        "estimates); use a camera")
    if player.mouse and request.game in HAND_GAMES:
        raise UserError(f"--mouse cannot play {request.game} (it needs hand landmarks); use a camera")
    if player.mouse and request.game == "imagery":
        raise UserError("--mouse cannot play imagery (the camera checks that the arm stays "
                        "still while the movement is imagined); use a camera")
    if request.only == "bodymap" and (request.mirror or request.easier or request.game != "reaching"):
        raise UserError("--bodymap paints only the body map; leave out --game, --mirror and "
                        "--easier")
    if request.mirror and request.game in SET_GAMES:
        what = "is a breathing guide" if request.game == "breathing" else "shows pictures of hands"
        raise UserError(f"--mirror is for the movement games; {request.game} {what} "
                        f"(leave --mirror out)")
    if player.video is not None and not Path(player.video).is_file():
        raise UserError(f"{player.video}: no such video file")
    if player.station is not None:
        player.station.check()
    if (problem := display_problem()) is not None:
        raise UserError(f"play needs a window: {problem}; or try `neuroplay demo`")


def _prepare_live(request: SessionRequest, player: LivePlayer) -> Prepared:
    from telemetry.errors import StoreError
    from telemetry.store import Store

    _check_live(request, player)
    patient = request.patient
    unknown = f"unknown patient {patient!r} (check `neuroplay patients`, or add --new to create it)"
    created = would_create(request.data_dir) if player.new_patient else ()
    try:  # only --new may create a database
        store = Store.open(data_dir=request.data_dir, create=player.new_patient)
    except StoreError as exc:
        raise UserError(unknown if "no NeuroPlay database" in str(exc) else str(exc)) from None
    prepared = Prepared(request, store, driver=None, make_flow=None,  # type: ignore[arg-type]
                        created=created, report=request.report)
    with _closing_on_error(prepared):
        if not store.patient_exists(patient) and not player.new_patient:
            raise UserError(unknown)
        affected = affected_side(store, patient, request.side)
        check_side_options(affected, request.mirror)
        _live_player(prepared, player, affected)
        if not store.patient_exists(patient):  # --new: recorded with its real side ("both" too)
            store.ensure_patient(patient, affected_side=affected)
    return prepared


def _saved_calibration(store: Store, patient: str) -> Calibration | None:
    from vision.calibration import Calibration

    saved = store.load_calibration(patient) if store.patient_exists(patient) else None
    try:
        return Calibration.from_dict(saved) if saved else None
    except ValueError as exc:
        raise UserError(f"saved calibration of {patient} is unreadable ({exc}); "
                        f"run `neuroplay calibrate --patient {patient}`") from None


def _live_player(prepared: Prepared, player: LivePlayer, affected: str) -> None:
    """`play`'s driver (camera, video or mouse), clinic link, dosing and services."""
    import click

    from game.breathing_set import plan_breathing
    from game.dosing import DosingSource
    from game.gmi_sets import SET_GAMES, plan_gmi
    from game.players import NoPlayer, live_input
    from game.registry import HAND_GAMES
    from game.services import GameServices
    from vision.calibration import Calibration, CalibrationProcedure

    request, store = prepared.request, prepared.store
    cal = _saved_calibration(store, request.patient)
    # a GMI or breathing set: no dose (game/gmi_sets.py, game/breathing_set.py read the plan)
    gmi = request.game in SET_GAMES
    latency = None if player.mouse else machine_latency_s(request.data_dir)
    dosing = DosingSource(store, request.patient, request.game, side=affected, pace=request.pace,
                          seated=player.seated, latency_p95_s=latency)
    if gmi:  # a stored plan that no longer validates: one line, now
        (plan_breathing if request.game == "breathing" else plan_gmi)(store, request.patient)
    planned = None if gmi else dosing.options(None)  # the same check for a dosed game
    prepared.plan_ipd_mm = None if gmi else _plan_ipd_mm(dosing)
    if planned is not None and not player.seated and any(
            t is not None and t.session.seated for t in (planned.full, planned.easier)):
        click.echo("The plan keeps this session seated (standing needs the therapist's plan).",
                   err=True)
    on_app: OnApp | None = None
    if player.mouse:
        cal = cal or Calibration.default()
        prepared.driver = NoPlayer()
    else:
        live = live_input(player.camera, player.video, calibration=cal,
                          hands=request.game in HAND_GAMES,
                          arms=_tracked_arms(request.game, affected))
        prepared.closers.append(live.stop)
        prepared.status = lambda: live.status_message
        prepared.driver, on_app = live.driver, live.on_app
    attach = player.station.open(request.patient, request.game) if player.station else None
    if player.station is not None:
        prepared.closers.append(player.station.close)
    services = GameServices(store, dosing, game=request.game, seed=random.randrange(2**31),
                            source="mouse" if player.mouse else "video" if player.video else "camera",
                            mirror=request.mirror, affected=affected, default_calibration=cal,
                            procedure_factory=None if cal else CalibrationProcedure,
                            frame_source=getattr(prepared.driver, "take_new_frame", None),
                            reach_mode=request.reach_mode)

    def on_app_all(app: App, flow: SessionFlow) -> None:
        if on_app is not None:
            on_app(app, flow)
        if attach is not None:
            attach(app, flow)

    prepared.make_flow = _flow_factory(request, services, affected, random.Random())
    prepared.on_app = on_app_all
    prepared.reference = None if player.mouse or cal is None else (lambda: cal.reference)
    prepared.affected = affected


def machine_latency_s(data_dir: str | None) -> float | None:
    """This machine's self-tested webcam latency (`neuroplay latency-test`), which widens
    the time limits (exercises/latency_adapt.py); None when never measured here. An
    unreadable file is said in one line and the session plays without the adjustment."""
    import click

    from game.machine_latency import load
    from telemetry.paths import data_dir as data_home

    try:
        result = load(data_home(data_dir, create=False))
    except ValueError as exc:
        click.echo(str(exc), err=True)
        return None
    return None if result is None else result.latency_s


@contextlib.contextmanager
def _closing_on_error(prepared: Prepared) -> Iterator[Prepared]:
    try:
        yield prepared
    except BaseException:
        prepared.close()
        raise


def would_create(data_dir: str | None) -> tuple[Path, ...]:
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


def discard(created: tuple[Path, ...]) -> None:
    """Remove the database this run created (with SQLite's side files) and the
    directories made for it, if nothing else has appeared in them."""
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


# ------------------------------------------------------------------ after the session
def after_session(store: Store, patient: str, record: dict[str, Any], *,
                  report: bool = True) -> dict[str, Any]:
    """After a played session: refresh the therapist's flags and write the report
    (`demo` and `play` alike). Nothing when no session was started."""
    if record.get("session_id") and report:
        record["report"] = write_report(store, patient)
    return record


def write_report(store: Store, patient: str) -> str | None:
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


def summary_record(result: RunResult, store: Store) -> dict[str, Any]:
    """The played session as one flat record (what `demo --json` prints)."""
    flow = result.flow.result
    outcome = flow.outcome
    summary = dict(outcome.summary) if outcome is not None else {}
    out: dict[str, Any] = {
        "session_id": flow.session_id,
        "patient": flow.patient_id,
        "exercise": flow.exercise,
        "end_reason": outcome.reason if outcome is not None else
        "rest_day" if flow.rest_day else flow.ended_at,
        "targets": summary.get("targets", 0),
        "hits": summary.get("hits", 0),
        "misses": summary.get("misses", 0),
        "mean_movement_time_s": summary.get("mean_movement_time_s"),
        "compensations": summary.get("compensations", 0),
        "pain_pre": (flow.pre or {}).get("pain"),
        "pain_post": (flow.post or {}).get("pain"),
        "easier": flow.easier,
        "rest_day": flow.rest_day,
        "difficulty_steps": list(summary.get("difficulty_steps", [])),
        "psfs": flow.psfs,
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
