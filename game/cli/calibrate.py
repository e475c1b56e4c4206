"""`neuroplay calibrate`: measure a patient's neutral posture and reach envelope, and save it."""

from __future__ import annotations

from typing import Any

import click

from game.cli.errors import UserError
from game.cli.params import PATIENT
from game.session import open_store as _open_store


@click.command()
@click.option("--patient", type=PATIENT, required=True, help="Pseudonymous patient id.")
@click.option("--camera", type=int, default=None, help="Camera index (default 0).")
@click.option("--video", type=click.Path(dir_okay=False), default=None, help="Use a video file as the camera.")
@click.option("--headless", is_flag=True, help="Never open a window.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Where the data lives (default: $NEUROPLAY_HOME or the user data directory).")
@click.option("--forward", is_flag=True,
              help="Also measure the forward reach (straight ahead) that forward reaching scales from.")
def calibrate(patient: str, camera: int | None, video: str | None, headless: bool, data_dir: str | None,
              forward: bool = False) -> None:
    """Run the calibration scene and save the result for the patient."""
    from game.app import App
    from game.loop import FixedStepLoop, RealClock
    from game.players import live_input
    from game.runtime import display_problem, open_surface
    from game.scenes.base import SceneStack
    from game.scenes.calibration import CalibrationScene
    from vision.calibration import CalibrationProcedure

    if camera is not None and video:
        raise UserError("give either --camera or --video, not both")
    if not video and (problem := display_problem()) is not None:
        raise UserError(f"calibrating with a camera needs a window to show the prompts: {problem}")
    store = _open_store(data_dir)
    live = None
    results: list[Any] = []
    try:
        live = live_input(camera, video)
        stack = SceneStack()
        procedure = CalibrationProcedure()
        if forward:
            procedure.add_forward_phases()
        stack.push(CalibrationScene(procedure, frame_source=live.driver.take_new_frame),
                   results.append)
        surface, windowed, note = open_surface(headless)
        if note:
            click.echo(note, err=True)
        app = App(surface, stack, driver=live.driver, window=windowed)
        # Live input is paced by the camera (or the video's own clock): wall time.
        loop = FixedStepLoop(RealClock())
        while app.running and not live.driver.finished:
            loop.run(app, max_frames=loop.stats.frames + 60)
        cal = results[0] if results else None
        if cal is None:
            why = live.status_message or "the recording ended" if live.driver.finished else "it was stopped"
            raise UserError(f"calibration did not finish ({why}); nothing saved")
        store.ensure_patient(patient)
        store.save_calibration(patient, cal.to_dict())
    finally:
        if live is not None:
            live.stop()
        store.close()
    click.echo(f"Calibration saved for {patient}: reach {_envelope_text(cal)}")


def _envelope_text(cal: Any) -> str:
    env = getattr(cal, "envelope", {}) or {}
    parts = [f"{side} " + ", ".join(f"{d} {v:.2f}" for d, v in dirs.items()) for side, dirs in env.items()]
    fwd = getattr(cal, "forward", {}) or {}
    ahead = "".join(f"; {side} forward {d['reach']:.2f} beyond rest {d['rest']:.2f}"
                    for side, d in fwd.items())
    return "; ".join(parts) + ahead + " (shoulder widths)"
