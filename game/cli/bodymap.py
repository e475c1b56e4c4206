"""`neuroplay demo --bodymap`: the virtual patient paints a sensory body map.

The scene and the painter are the real ones (game/scenes/bodymap.py,
exercises/bodymap.py); the virtual patient (exercises.bodymap.virtual_strokes)
clicks a feeling, types its intensity, then RESTS its hand over each point of its
strokes long enough for dwell-painting, and finally presses "Done". The clock is
simulated (fixed 1/60 s steps): the same seed gives the same map. The map is stored
in the body_maps table (telemetry) and the report rewritten.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

DT = 1.0 / 60.0
WINDOW = (1280, 720)


def _patient_steps(scene: Any, strokes: list[Any]) -> Iterator[Any]:
    """The virtual patient's input, one Intents per step."""
    from game.scenes.bodymap import FIGURES
    from vision.intents import HandIntent, Intents

    rest = HandIntent(x=-0.4, y=-1.6)
    figs = {f.view: f for f in FIGURES}
    t = 0.0

    def step(**kw: Any) -> Any:
        nonlocal t
        t += DT
        return Intents(t=t, left=rest, **kw)

    for s in strokes:
        b = next(b for b in scene.tool_buttons if b.value == s.tool)
        yield step(right=HandIntent(x=b.center[0], y=b.center[1]), click=True)
        yield step(right=None, number=s.intensity)
        for view, u, v in s.points:
            x, y = figs[view].point(u, v)
            for _ in range(int(scene.painter.paint_dwell_s / DT) + 3):
                yield step(right=HandIntent(x=x, y=y))
            yield step(right=None)  # lift the hand: the next point is a new rest
    yield step(right=HandIntent(x=scene.done.center[0], y=scene.done.center[1]), click=True)


def run_bodymap_demo(*, data_dir: str | None, patient: str, seed: int, affected: str | None,
                     screenshots: str | None, as_json: bool, no_report: bool) -> None:
    import pygame

    from exercises.bodymap import BodyMap, Painter, painted_summary, virtual_strokes
    from game.context import DrawContext
    from game.scenes.bodymap import BodyMapScene
    from game.scenes.common import menu_transform
    from game.session import patient_store, write_report
    from telemetry.bodymap import to_compact

    shots = Path(screenshots) if screenshots else None
    with patient_store(data_dir, patient, affected) as (store, side):
        drawn_before = len(store.body_maps(patient, layer="patient"))
        limb = "left" if side == "left" else "right"
        strokes = virtual_strokes(limb, seed, visit=drawn_before)
        scene = BodyMapScene(Painter.starting_from(None), affected=limb)
        surface = None
        if shots is not None:
            shots.mkdir(parents=True, exist_ok=True)
            pygame.font.init()
            surface = pygame.Surface(WINDOW)
        transform = menu_transform(WINDOW)
        taken = False
        for intents in _patient_steps(scene, strokes):
            scene.update(intents, DT)
            if scene.dismissed:
                break
            # mid-painting: the allodynia stroke half done, the dwell ring filling
            if surface is not None and shots is not None and not taken \
                    and scene.painter.tool == "allodynia" \
                    and scene.painter.dwell_progress("right") > 0.5 \
                    and scene.painter.body.sensations.get("allodynia") is not None:
                taken = True
                scene.draw(surface, DrawContext.for_surface(surface, transform,
                                                            intents=intents, t=intents.t))
                pygame.image.save(surface, str(shots / "bodymap_paint.png"))
        body = scene.result
        if body is None:
            raise click.ClickException("the virtual patient did not finish the body map")
        assert isinstance(body, BodyMap)  # the scene's result once Done is pressed
        if surface is not None and shots is not None:
            scene.draw(surface, DrawContext.for_surface(surface, transform))
            pygame.image.save(surface, str(shots / "bodymap_done.png"))
        map_id = store.save_body_map(patient, to_compact(body), drawn_by="virtual_patient")
        report = None if no_report else write_report(store, patient)
        record: dict[str, Any] = {"patient": patient, "body_map_id": map_id,
                                  "affected_side": side, "layer": body.layer,
                                  "strokes": scene.painter.strokes,
                                  "sensations": painted_summary(body),
                                  "data": str(getattr(store, "where", "")), "report": report}
    if as_json:
        click.echo(json.dumps(record, default=str))
        return
    click.echo(f"Body map {map_id} for patient {patient} (painted by the virtual patient)")
    for name, s in record["sensations"].items():
        if name == "any":
            continue
        click.echo(f"  {name}: {s['intensity']}/10, {s['percent_body']:.1f} % of the body "
                   f"(about {s['cm2_estimate']} cm2): {', '.join(s['regions'])}")
    a = record["sensations"].get("any")
    if a:
        click.echo(f"  painted in all: {a['percent_body']:.1f} % of the body")
    click.echo(f"  data: {record['data']}")
    if report:
        click.echo(f"  report: {report}")
