"""`neuroplay calibrate`: measure a patient's neutral posture and reach envelope, and save it."""

from __future__ import annotations

from typing import Any

import click

from game.cli.demo import _open_store
from game.cli.errors import UserError


@click.command()
@click.option("--patient", required=True, help="Pseudonymous patient id.")
@click.option("--camera", type=int, default=None, help="Camera index (default 0).")
@click.option("--video", type=click.Path(dir_okay=False), default=None, help="Use a video file as the camera.")
@click.option("--headless", is_flag=True, help="Never open a window.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None)
def calibrate(patient: str, camera: int | None, video: str | None, headless: bool, data_dir: str | None) -> None:
    """Run the calibration scene and save the result for the patient."""
    from game.app import App
    from game.live import live_driver, open_source, start_pipeline
    from game.loop import FixedStepLoop, RealClock, SimClock
    from game.runtime import open_surface
    from game.scenes.base import SceneStack
    from game.scenes.calibration import CalibrationScene
    from vision.calibration import CalibrationProcedure

    if camera is not None and video:
        raise UserError("give either --camera or --video, not both")
    store = _open_store(data_dir)
    pipe = None
    try:
        source = open_source(camera, video)
        pipe = start_pipeline(source)
        driver = live_driver(pipe)
        last: dict[str, Any] = {}
        poll = driver.poll

        def poll_and_keep(t: float, scene: Any) -> Any:
            frame, intents = poll(t, scene)
            if frame is not None:
                last["frame"] = frame
            return frame, intents

        driver.poll = poll_and_keep  # type: ignore[method-assign]
        stack = SceneStack()
        results: list[Any] = []
        stack.push(CalibrationScene(CalibrationProcedure(), frame_source=lambda: last.pop("frame", None)),
                   results.append)
        surface, windowed, note = open_surface(headless)
        if note:
            click.echo(note, err=True)
        app = App(surface, stack, driver=driver, window=windowed)
        FixedStepLoop(RealClock() if windowed and not video else SimClock()).run(app, max_frames=60 * 600)
    finally:
        if pipe is not None:
            pipe.stop()
    try:
        cal = results[0] if results else None
        if cal is None:
            raise UserError("calibration was stopped before it finished; nothing saved")
        store.ensure_patient(patient)
        store.save_calibration(patient, cal.to_dict())
    finally:
        store.close()
    click.echo(f"Calibration saved for {patient}")
