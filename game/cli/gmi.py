"""`neuroplay demo --game laterality`: a GMI set played by the virtual patient.

The virtual patient (exercises.gmi.virtual_patient) looks at the scene's
current picture and answers after its modelled response time through the same
input the patient uses: a key (1/2), a click on the button, or raising the
hand (camera intents). The scene and its run are the real ones; the clock is
simulated (fixed 1/60 s steps), so a set takes a moment and the same seed
gives the same set. The session is stored like any other (exercise
"laterality", one `gmi_trial` event per picture, the score as its summary).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

DT = 1.0 / 60.0
WINDOW = (1280, 720)


def patient_intents(t: float, run: Any, scene: Any, vp: Any, mode: str, pending: dict) -> Any:
    """What the virtual patient does at time `t`: answer the shown picture when its
    response time has passed, else rest (hands down)."""
    from vision.intents import HandIntent, Intents

    rest = HandIntent(x=0.4, y=-1.6)
    rest_l = HandIntent(x=-0.4, y=-1.6)
    trial = run.current
    if run.phase != "show" or trial is None:
        pending.clear()
        return Intents(t=t, left=rest_l, right=rest)
    if pending.get("index") != trial.index:
        side, rt = vp.respond(trial, mode)
        pending.update(index=trial.index, side=side, rt=rt)
    if run.shown_for + DT < pending["rt"]:
        return Intents(t=t, left=rest_l, right=rest)
    side = pending["side"]
    if mode == "keys":
        return Intents(t=t, left=rest_l, right=rest, number=1 if side == "left" else 2)
    if mode == "click":
        b = next(b for b in scene.buttons if b.value == side)
        pointer = HandIntent(x=b.center[0], y=b.center[1])
        return Intents(t=t, left=rest_l, right=pointer, click=True)
    up = HandIntent(x=-0.6 if side == "left" else 0.6, y=1.0)
    return Intents(t=t, left=up if side == "left" else rest_l,
                   right=up if side == "right" else rest)


def _start_set(store: Any, patient: str, gset: Any, pre_pain: int | None,
               shots: Path | None) -> tuple[Any, int, Any]:
    """A GMI set's session (with its stage decision) and the scripted patient's pain
    before it; a surface to draw screenshots on when asked (no display needed)."""
    rec = store.start_session(patient, gset.exercise, gset.dose, source="virtual_patient", t0=0.0,
                              simulated_clock=True, decisions=gset.decisions)
    pain = 3 if pre_pain is None else pre_pain  # the scripted patient's answer
    rec.checkin("pre", {"pain": pain}, t=0.0)
    surface = None
    if shots is not None:
        import pygame

        shots.mkdir(parents=True, exist_ok=True)
        pygame.font.init()
        surface = pygame.Surface(WINDOW)
    return rec, pain, surface


def run_laterality_demo(*, data_dir: str | None, patient: str, seed: int, affected: str | None,
                        answer: str, screenshots: str | None, as_json: bool,
                        no_report: bool, pre_pain: int | None = None) -> None:
    import pygame

    from exercises.gmi.virtual_patient import VirtualLateralityPatient
    from game.context import DrawContext
    from game.gmi_sets import laterality_set
    from game.scenes.common import menu_transform
    from game.session import after_session, patient_store

    shots = Path(screenshots) if screenshots else None
    with patient_store(data_dir, patient, affected) as (store, side):
        gset = laterality_set(store, patient, side, seed, answer=answer)
        run, scene, stage, decisions = gset.run, gset.scene, gset.stage, gset.decisions
        vp = VirtualLateralityPatient(seed, side)
        rec, pain, surface = _start_set(store, patient, gset, pre_pain, shots)
        transform = menu_transform(WINDOW)
        pending: dict = {}
        t, taken = 0.0, set()
        while not scene.dismissed and t < 3600.0:
            intents = patient_intents(t, run, scene, vp, answer, pending)
            scene.update(intents, DT)
            rec.record(run.drain())
            t += DT
            if surface is not None and shots is not None:
                for phase in ("show", "feedback"):
                    if run.phase == phase and phase not in taken and run.index >= 2:
                        taken.add(phase)
                        scene.draw(surface, DrawContext.for_surface(surface, transform,
                                                                    intents=intents, t=t))
                        pygame.image.save(surface, str(shots / f"laterality_{phase}.png"))
        summary = gset.finish(run.summary())
        mode, ok, why = summary["norm"]["mode"], summary["criteria_met"], summary["criteria"]
        rec.checkin("post", {"pain": pain}, t=t)
        summary.update(pain_pre=pain, pain_post=pain)
        rec.close(summary, completed=run.done, t=t)
        record: dict[str, Any] = {"session_id": rec.session_id, "patient": patient,
                                  "exercise": "laterality", "affected_side": side,
                                  "gmi_stage": stage, "decisions": decisions,
                                  **summary, "data": str(getattr(store, "where", ""))}
        after_session(store, patient, record, report=not no_report)
    if as_json:
        click.echo(json.dumps(record, default=str))
        return
    click.echo(f"Laterality set {record['session_id']} for patient {patient} ({mode} answers)")
    for name in ("left", "right"):
        s = record[name]
        rt = "-" if s["median_rt_s"] is None else f"{s['median_rt_s']:.2f} s"
        acc = "-" if s["accuracy"] is None else f"{s['accuracy']:.0%}"
        click.echo(f"  {name} hands: {s['trials']} pictures, {acc} correct, median {rt}")
    click.echo(f"  criteria {'met' if ok else 'not met'}: {why}")
    click.echo(f"  data: {record['data']}")


def run_imagery_demo(*, data_dir: str | None, patient: str, seed: int, affected: str | None,
                     screenshots: str | None, as_json: bool, no_report: bool,
                     pre_pain: int | None = None) -> None:
    """Stage 2 with the virtual patient: its affected arm rests with landmark-like jitter
    and, now and then, drifts into a real movement (exercises.gmi.virtual_patient)."""
    import pygame

    from exercises.gmi.virtual_patient import VirtualImageryArm
    from game.context import DrawContext
    from game.gmi_sets import imagery_set
    from game.scenes.common import menu_transform
    from game.session import after_session, patient_store
    from vision.intents import Intents

    shots = Path(screenshots) if screenshots else None
    with patient_store(data_dir, patient, affected) as (store, side):
        gset = imagery_set(store, patient, side, seed)
        run, scene, stage, decisions = gset.run, gset.scene, gset.stage, gset.decisions
        arm = VirtualImageryArm(seed, gset.side)
        rec, pre, surface = _start_set(store, patient, gset, pre_pain, shots)
        transform = menu_transform(WINDOW)
        t, taken = 0.0, set()
        while not scene.dismissed and t < 4 * 3600.0:
            scene.points = arm.points(t, run)
            number = None
            if scene.rating is not None:
                number = arm.rating(scene.rating.item)
            intents = Intents(t=t, number=number)
            if surface is not None and shots is not None:
                key = ("outcome_" + run.outcomes[-1] if run.phase == "outcome" and run.outcomes
                       else "rating" if scene.rating is not None else run.phase)
                if key in ("imagine", "outcome_moved", "outcome_still", "rating") \
                        and key not in taken and (key != "imagine" or run.remaining_s < 5):
                    taken.add(key)
                    scene.draw(surface, DrawContext.for_surface(surface, transform,
                                                                intents=intents, t=t))
                    pygame.image.save(surface, str(shots / f"imagery_{key}.png"))
            scene.update(intents, DT)
            rec.record(run.drain())
            t += DT
        summary = gset.finish(run.summary())
        ok, why = summary["criteria_met"], summary["criteria"]
        post = arm.rating("pain")
        rec.checkin("post", {"pain": post}, t=t)
        summary.update(pain_pre=pre, pain_post=post)
        rec.close(summary, completed=run.done, t=t)
        record: dict[str, Any] = {"session_id": rec.session_id, "patient": patient,
                                  "exercise": "imagery", "affected_side": side,
                                  "gmi_stage": stage, "decisions": decisions, **summary,
                                  "data": str(getattr(store, "where", ""))}
        after_session(store, patient, record, report=not no_report)
    if as_json:
        click.echo(json.dumps(record, default=str))
        return
    click.echo(f"Imagery set {record['session_id']} for patient {patient}: "
               f"{record['still']} of {record['trials']} pictures still, {record['moved']} moved")
    click.echo(f"  criteria {'met' if ok else 'not met'}: {why}")
    click.echo(f"  data: {record['data']}")
