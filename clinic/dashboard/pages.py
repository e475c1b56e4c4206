"""What the patient pages show, computed away from the event loop (in worker threads).

Each function reads the store (and runs telemetry's report and trend code)
and returns plain values for a template or a download; the routers only
check access and call these.
"""

from __future__ import annotations

import io
from datetime import datetime, timezone
from typing import Any

from telemetry.clinic import ClinicStore
from telemetry.records import PatientRecord
from telemetry.store import Store

MAX_PLAYBACK_FRAMES = 900


def patient_rows(store: Store, clinic: ClinicStore, clinic_id: int) -> list[dict[str, Any]]:
    """The patients page: one row per patient of the clinic (telemetry.overview), most in
    need first, each with its triage chip and action and the at-a-glance numbers."""
    from telemetry.flagging import local_tz
    from telemetry.overview import patient_overviews

    tz = local_tz()
    return [{
        "patient_id": o.patient_id,
        "sessions": o.sessions,
        "last_session": o.last_started_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        if o.last_started_at else "-",
        "adherence": f"{o.this_week.done}/{o.this_week.prescribed}" if o.this_week else "-",
        "last_week": f"{o.last_week.done}/{o.last_week.prescribed}" if o.last_week else "-",
        "pain": o.pain,
        "flags": [f"{f.kind}: {f.message}" for f in o.open_flags],
        "triage": o.triage.to_dict(),
    } for o in patient_overviews(store, clinic.clinic_patient_ids(clinic_id), tz=tz)]


def patient_context(store: Store, p: PatientRecord) -> dict[str, Any]:
    """The patient page, in reading order: triage and the report's at-a-glance cards, the
    flags with what to do about each, then the charts, sessions and plan."""
    from clinic.plan_form import reason_of
    from game.dosing import stored_plan_overrides
    from telemetry.flagging import local_tz
    from telemetry.report import pain_path
    from telemetry.triage import FLAG_ACTIONS

    tz = local_tz()
    model = _report_model(store, p.patient_id)  # refreshes the flags first
    history = store.history(p.patient_id)
    plan = store.current_plan(p.patient_id)
    overrides, override_reason = stored_plan_overrides(plan)
    sessions = [{
        "session_id": h.session_id, "exercise": h.exercise,
        "started": h.started_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "completed": h.completed, "quota_met": h.quota_met,
        "pain": pain_path(h),  # before -> highest at a rest -> after, as in the report
        "dose": ", ".join(f"{k}={v}" for k, v in sorted(h.dose.items())
                          if isinstance(v, (int, float, str))),
        "decisions": list(h.decisions),
    } for h in reversed(history)]
    flags = [{"kind": f.kind, "measure": f.measure, "message": f.message, "status": f.status,
              "action": FLAG_ACTIONS[f.kind][1] if f.status == "open" and f.kind in FLAG_ACTIONS
              else ""}
             for f in sorted(store.flags(p.patient_id), key=lambda f: f.status != "open")]
    return {"patient": p, "sessions": sessions, "flags": flags, "triage": model.triage,
            "glance": [{"label": h.label, "text": h.text, "tone": h.tone}
                       for h in model.headlines],
            "figures": list(enumerate(_figure_names(store, p.patient_id))),
            "plan_version": plan[0] if plan else None,
            "plan_text": plan[1] if plan else "", "plan_reason": reason_of(plan[1]) if plan else None,
            "plan_overrides": overrides, "plan_override_reason": override_reason}


def _report_model(store: Store, patient_id: str) -> Any:
    from game.dosing import plan_overrides
    from telemetry.flagging import local_tz, refresh_flags
    from telemetry.report import build_report

    tz = local_tz()
    data, assessment = refresh_flags(store, patient_id, tz=tz)
    return build_report(data, assessment, tz=tz, generated_at=store.now(),
                        plan_overrides=plan_overrides(store, patient_id))


def _figure_names(store: Store, patient_id: str) -> list[str]:
    """The report's trend figures (telemetry.report), shown on the patient page."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from telemetry.report import figures

    figs = figures(_report_model(store, patient_id))
    for _, fig in figs:
        plt.close(fig)
    return [name for name, _ in figs]


def figure_png(store: Store, patient_id: str, index: int) -> bytes | None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from telemetry.report import figures

    figs = figures(_report_model(store, patient_id))
    try:
        if not 0 <= index < len(figs):
            return None
        buf = io.BytesIO()
        figs[index][1].savefig(buf, format="png", dpi=80)
        return buf.getvalue()
    finally:
        for _, fig in figs:
            plt.close(fig)


def report_html(store: Store, patient_id: str) -> str:
    from game.dosing import plan_overrides
    from telemetry.flagging import local_tz, refresh_flags
    from telemetry.report import build_report, render_html

    tz = local_tz()
    data, assessment = refresh_flags(store, patient_id, tz=tz)
    return render_html(build_report(data, assessment, tz=tz, generated_at=store.now(),
                                    plan_overrides=plan_overrides(store, patient_id)))


def fhir(store: Store, patient_id: str) -> dict[str, Any]:
    from telemetry.exports import fhir_bundle
    from telemetry.snapshot import load_patient

    return fhir_bundle(load_patient(store, patient_id), now=datetime.now(timezone.utc))


def skeleton(store: Store, session_id: str) -> dict[str, Any]:
    frames = store.landmark_frames(session_id)
    step = max(1, -(-len(frames) // MAX_PLAYBACK_FRAMES))
    out = []
    t0 = frames[0].t if frames else 0.0
    for f in frames[::step]:
        pose = None if f.pose is None else [[round(float(x), 4), round(float(y), 4),
                                            round(float(v), 2)] for x, y, _z, v in f.pose]
        hands = [[[round(float(x), 4), round(float(y), 4)] for x, y, _z in h.landmarks]
                 for h in f.hands]
        out.append({"t": round(f.t - t0, 3), "pose": pose, "hands": hands})
    aspect = (frames[0].width / frames[0].height) if frames and frames[0].height else 4 / 3
    return {"session_id": session_id, "frames": out, "aspect": aspect}
