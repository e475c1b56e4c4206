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

from game.errors import UserError

DT = 1.0 / 60.0
WINDOW = (1280, 720)


def _plan_gmi(store: Any, patient: str) -> Any:
    from exercises.gmi.rules import GmiRules
    from exercises.plans import PlanError, load_plan

    if not store.patient_exists(patient):
        return GmiRules()
    current = store.current_plan(patient)
    if current is None:
        return GmiRules()
    try:
        return load_plan(current[1], f"plan of {patient}").gmi
    except PlanError as exc:
        raise UserError(str(exc)) from None


def ladder_decisions(store: Any, patient: str, rules: Any, playing: int) -> tuple[int, list[str]]:
    """The GMI gate over the patient's stored sessions (exercises.gmi.history): the stage
    now and the decision words stored with the session about to start."""
    from exercises.gmi.history import current_stage, decision_words
    from telemetry.flagging import local_tz
    from telemetry.therapies import flare_day_set

    tz = local_tz()
    stage, last = current_stage(store.history(patient), flare_day_set(store.checkins(patient), tz),
                                rules, tz)
    return stage, decision_words(stage, last, playing)


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


def _start_set(store: Any, patient: str, exercise: str, dose: Any, rules: Any, playing: int,
               pre_pain: int | None, shots: Path | None) -> tuple[Any, list[str], Any, int, Any]:
    """A GMI set's session (with its stage decision) and the scripted patient's pain
    before it; a surface to draw screenshots on when asked (no display needed)."""
    stage, decisions = ladder_decisions(store, patient, rules, playing)
    rec = store.start_session(patient, exercise, dose, source="virtual_patient", t0=0.0,
                              simulated_clock=True, decisions=decisions)
    pain = 3 if pre_pain is None else pre_pain  # the scripted patient's answer
    rec.checkin("pre", {"pain": pain}, t=0.0)
    surface = None
    if shots is not None:
        import pygame

        shots.mkdir(parents=True, exist_ok=True)
        pygame.font.init()
        surface = pygame.Surface(WINDOW)
    return stage, decisions, rec, pain, surface


def run_laterality_demo(*, data_dir: str | None, patient: str, seed: int, affected: str | None,
                        answer: str, screenshots: str | None, as_json: bool,
                        no_report: bool, pre_pain: int | None = None) -> None:
    import pygame

    from assets.gmi import hand_poses
    from exercises.gmi.laterality import Norm, generate_trials, meets
    from exercises.gmi.laterality_run import LateralityRun
    from exercises.gmi.virtual_patient import VirtualLateralityPatient
    from game.context import DrawContext
    from game.scenes.common import menu_transform
    from game.scenes.laterality import LateralityScene
    from game.session import affected_side, after_session
    from game.session import open_store as _open_store

    shots = Path(screenshots) if screenshots else None
    store = _open_store(data_dir)
    try:
        side = affected_side(store, patient, affected)
        rules = _plan_gmi(store, patient)
        if not store.patient_exists(patient):
            store.ensure_patient(patient, affected_side=side)
        poses = hand_poses()
        trials = generate_trials(rules.trials_per_set, rules.angles, rules.views, len(poses), seed)
        run = LateralityRun(trials, deadline_s=rules.response_deadline_s, affected=side)
        scene = LateralityScene(run, poses, affected=side)
        vp = VirtualLateralityPatient(seed, side)
        dose = {"stage": 1, "trials": len(trials), "angles": list(rules.angles),
                "views": list(rules.views), "response_deadline_s": rules.response_deadline_s,
                "answer_mode": answer}
        stage, decisions, rec, pain, surface = _start_set(store, patient, "laterality", dose,
                                                          rules, 1, pre_pain, shots)
        transform = menu_transform(WINDOW)
        pending: dict = {}
        t, taken = 0.0, set()
        while not scene.dismissed and t < 3600.0:
            intents = patient_intents(t, run, scene, vp, answer, pending)
            scene.update(intents, DT)
            rec.record(run.drain())
            t += DT
            if surface is not None:
                for phase in ("show", "feedback"):
                    if run.phase == phase and phase not in taken and run.index >= 2:
                        taken.add(phase)
                        scene.draw(surface, DrawContext.for_surface(surface, transform,
                                                                    intents=intents, t=t))
                        pygame.image.save(surface, str(shots / f"laterality_{phase}.png"))
        summary = run.summary()
        mode = summary["answer_mode"] or answer
        norm_cfg = getattr(rules.norms, mode if mode in ("keys", "click", "camera") else "keys")
        ok, why = meets(run.score(), Norm(norm_cfg.accuracy, norm_cfg.median_rt_s))
        rec.checkin("post", {"pain": pain}, t=t)
        summary.update(criteria_met=ok, criteria=why, pain_pre=pain, pain_post=pain,
                       norm={"mode": mode,
                       "accuracy": norm_cfg.accuracy, "median_rt_s": norm_cfg.median_rt_s,
                       "confirmed_by": rules.norms_confirmed_by or None})
        rec.close(summary, completed=run.done, t=t)
        record: dict[str, Any] = {"session_id": rec.session_id, "patient": patient,
                                  "exercise": "laterality", "affected_side": side,
                                  "gmi_stage": stage, "decisions": decisions,
                                  **summary, "data": str(getattr(store, "where", ""))}
        after_session(store, patient, record, report=not no_report)
    finally:
        store.close()
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

    from assets.gmi import named_hand_poses
    from exercises.gmi.imagery import ImageryRun, imagery_met, make_trials
    from exercises.gmi.virtual_patient import VirtualImageryArm
    from game.context import DrawContext
    from game.scenes.common import menu_transform
    from game.scenes.imagery import ImageryScene
    from game.session import affected_side, after_session
    from game.session import open_store as _open_store
    from vision.intents import Intents

    shots = Path(screenshots) if screenshots else None
    store = _open_store(data_dir)
    try:
        side = affected_side(store, patient, affected)
        rules = _plan_gmi(store, patient)
        im = rules.imagery
        if not store.patient_exists(patient):
            store.ensure_patient(patient, affected_side=side)
        named = named_hand_poses()
        shown = "right" if side == "both" else side
        trials = make_trials(im.pictures_per_set, im.sets, [n for n, _ in named], shown, seed)
        run = ImageryRun(trials, hold_s=im.hold_s, threshold_bu_s=im.stillness_bu_s)
        scene = ImageryScene(run, [p for _, p in named], im.repeats)
        arm = VirtualImageryArm(seed, shown)
        dose = {"stage": 2, "pictures": len(trials), "hold_s": im.hold_s, "repeats": im.repeats,
                "stillness_bu_s": im.stillness_bu_s}
        stage, decisions, rec, pre, surface = _start_set(store, patient, "imagery", dose,
                                                         rules, 2, pre_pain, shots)
        transform = menu_transform(WINDOW)
        t, taken = 0.0, set()
        while not scene.dismissed and t < 4 * 3600.0:
            scene.points = arm.points(t, run)
            number = None
            if scene.rating is not None:
                number = arm.rating(scene.rating.item)
            intents = Intents(t=t, number=number)
            if surface is not None:
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
        summary = run.summary()
        ok, why = imagery_met(summary, im.min_still_fraction)
        post = arm.rating("pain")
        rec.checkin("post", {"pain": post}, t=t)
        summary.update(criteria_met=ok, criteria=why, pain_pre=pre, pain_post=post)
        rec.close(summary, completed=run.done, t=t)
        record: dict[str, Any] = {"session_id": rec.session_id, "patient": patient,
                                  "exercise": "imagery", "affected_side": side,
                                  "gmi_stage": stage, "decisions": decisions, **summary,
                                  "data": str(getattr(store, "where", ""))}
        after_session(store, patient, record, report=not no_report)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(record, default=str))
        return
    click.echo(f"Imagery set {record['session_id']} for patient {patient}: "
               f"{record['still']} of {record['trials']} pictures still, {record['moved']} moved")
    click.echo(f"  criteria {'met' if ok else 'not met'}: {why}")
    click.echo(f"  data: {record['data']}")
