"""`neuroplay play`: the real session with a camera (or a video as the camera)."""

from __future__ import annotations

import random
from typing import Any

import click

from game.cli.demo import GAMES, _open_store, summary_record
from game.cli.errors import UserError


@click.command()
@click.option("--patient", required=True, help="Pseudonymous patient id.")
@click.option("--camera", type=int, default=None, help="Camera index (default 0).")
@click.option("--video", type=click.Path(dir_okay=False), default=None, help="Use a video file as the camera.")
@click.option("--seated/--standing", default=True, show_default=True, help="Seated mode limits targets to seated reach.")
@click.option("--game", type=click.Choice(GAMES), default="reaching", show_default=True)
@click.option("--mirror", type=click.Choice(["split", "swap"]), default=None)
@click.option("--pace", type=click.FloatRange(0.5, 1.0), default=1.0, show_default=True,
              help="1 = normal; 0.5 = twice as much time for everything.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None)
def play(patient: str, camera: int | None, video: str | None, seated: bool, game: str,
         mirror: str | None, pace: float, data_dir: str | None) -> None:
    """Play a session with the camera as the controller."""
    from exercises.doses import SessionDose
    from game.flow import SessionFlow
    from game.live import live_driver, open_source, start_pipeline
    from game.runtime import run_flow
    from game.services import GameServices
    from vision.calibration import Calibration, CalibrationProcedure

    if camera is not None and video:
        raise UserError("give either --camera or --video, not both")
    store = _open_store(data_dir)
    pipe = None
    try:
        saved = store.load_calibration(patient) if store.patient_exists(patient) else None
        source = open_source(camera, video)
        pipe = start_pipeline(source)
        cal = Calibration.from_dict(saved) if saved else None
        driver = live_driver(pipe, cal)
        services = GameServices(store, game=game, session_dose=SessionDose(seated=seated, pace=pace), source="camera",
                                mirror=mirror, default_calibration=cal,
                                procedure_factory=None if cal else CalibrationProcedure,
                                frame_source=lambda: driver.last_frame if hasattr(driver, "last_frame") else None)

        def make_flow(stack: Any) -> SessionFlow:
            return SessionFlow(stack, services, patient=patient, known_patients=[patient],
                               rng=random.Random(), pace=pace)

        result = run_flow(make_flow, driver, headless=False, reference=lambda: cal.reference if cal else None)
        record = summary_record(result, store)
    finally:
        if pipe is not None:
            pipe.stop()
        store.close()
    click.echo(f"Session {record['session_id']}: hits {record['hits']} of {record['targets']}; "
               f"data: {record['data']}")
