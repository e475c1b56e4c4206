"""`neuroplay demo --game breathing`: a paced-breathing set with the virtual patient.

The virtual patient's shoulders rise and fall with the pacer (about half a second
late, with landmark-like noise and a slow postural drift: exercises.breathing.
synthetic_chest) and reach the scene as `Intents.trunk_dy`, as the camera's would.
The clock is simulated (fixed 1/60 s steps). Stored as a session of exercise
"breathing": a `breathing` event every 10 s and the set's reading as its summary.
`noise_bu` (tests, screenshots) raises the landmark noise until the reading honestly
says "pacer only".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from game.errors import UserError

DT = 1.0 / 60.0
WINDOW = (1280, 720)


def _plan_breathing(store: Any, patient: str) -> Any:
    from exercises.breathing import BreathingRules
    from exercises.plans import PlanError, load_plan

    current = store.current_plan(patient) if store.patient_exists(patient) else None
    if current is None:
        return BreathingRules()
    try:
        return load_plan(current[1], f"plan of {patient}").breathing
    except PlanError as exc:
        raise UserError(str(exc)) from None


def run_breathing_demo(*, data_dir: str | None, patient: str, seed: int, seconds: float,
                       screenshots: str | None, as_json: bool, no_report: bool,
                       pre_pain: int | None = None, noise_bu: float = 0.002) -> None:
    import pygame

    from exercises.breathing import REACTION_S, synthetic_chest
    from game.context import DrawContext
    from game.scenes.breathing import BreathingScene
    from game.scenes.common import menu_transform
    from game.session import after_session, patient_store
    from vision.intents import HandIntent, Intents

    shots = Path(screenshots) if screenshots else None
    with patient_store(data_dir, patient, None) as (store, _side):
        rules = _plan_breathing(store, patient)
        length = min(seconds, rules.minutes * 60.0)
        scene = BreathingScene(rules, seconds=length)
        frac = rules.inhale / (rules.inhale + rules.exhale)
        # the patient breathes with the pacer (its own rate a little off, and late)
        tt, yy = synthetic_chest(rules.breaths_per_min * 1.02, 1.0 / DT, length + 2.0,
                                 noise_bu=noise_bu, seed=seed, lag_s=REACTION_S + 0.1,
                                 inhale_fraction=frac)
        dose = {"breaths_per_min": rules.breaths_per_min, "inhale": rules.inhale,
                "exhale": rules.exhale, "seconds": length}
        rec = store.start_session(patient, "breathing", dose, source="virtual_patient", t0=0.0,
                                  simulated_clock=True)
        pain = 3 if pre_pain is None else pre_pain
        rec.checkin("pre", {"pain": pain}, t=0.0)
        surface = None
        if shots is not None:
            shots.mkdir(parents=True, exist_ok=True)
            pygame.font.init()
            surface = pygame.Surface(WINDOW)
        transform = menu_transform(WINDOW)
        rest = HandIntent(x=0.4, y=-1.6)
        k, t, taken = 0, 0.0, set()
        while not scene.dismissed and k < tt.size:
            intents = Intents(t=t, left=HandIntent(x=-0.4, y=-1.6), right=rest,
                              trunk_dy=float(yy[k]))
            scene.update(intents, DT)
            rec.record(scene.drain())
            k += 1
            t += DT
            if surface is not None and shots is not None:
                ph, _ = scene.pacer.phase(scene.t)
                key = f"{ph}_{'read' if scene.reading is not None and t > 30 else 'start'}"
                if key in ("inhale_read", "exhale_read") and key not in taken \
                        and 0.45 < scene.pacer.level(scene.t) < 0.75:
                    taken.add(key)
                    scene.draw(surface, DrawContext.for_surface(surface, transform,
                                                                intents=intents, t=t))
                    name = "breathing_in.png" if ph == "inhale" else "breathing_out.png"
                    pygame.image.save(surface, str(shots / name))
        result = scene.result
        if result is None:
            raise click.ClickException("the breathing set was stopped")
        assert isinstance(result, dict)  # the set's summary
        rec.checkin("post", {"pain": pain}, t=t)
        rec.close(result, completed=bool(result["completed"]), t=t)
        record: dict[str, Any] = {"session_id": rec.session_id, "patient": patient,
                                  "exercise": "breathing", **result,
                                  "data": str(getattr(store, "where", ""))}
        after_session(store, patient, record, report=not no_report)
    if as_json:
        click.echo(json.dumps(record, default=str))
        return
    click.echo(f"Breathing set {record['session_id']} for patient {patient}: "
               f"{record['seconds']:.0f} s at {record['breaths_per_min_paced']:g}/min "
               f"(in {rules.inhale:g} : out {rules.exhale:g})")
    if record["state"] == "tracking":
        click.echo(f"  breathing read from the shoulders: {record['rate_per_min']:.1f}/min, "
                   f"in phase with the pacer {record['adherence']:.0%} of the time "
                   f"(signal-to-noise {record['snr']:.1f})")
    else:
        click.echo(f"  pacer only: {record['why']}")
    click.echo(f"  data: {record['data']}")
