"""The patient page's diary entry and examination-layer forms (worker threads).

Diary (a therapist entering a phone call): clinic.diary_form checks the form with the
diary's own rules; the entry is stored like `neuroplay diary` stores one, a "daily"
check-in at noon local time of its day, so trends, flags, flare detection
(telemetry.therapies) and the report read it like any other. Who entered it: the
check-in tables have no author column, and a migration for one field was not worth it,
so `Store.checkin(..., entered_by=)` keeps it in the store's key/value settings under
`checkin.entered_by.<check-in id>`, in the same transaction as the entry; the patient
page shows it. The flare plan is not "shown" from here (the patient does not see this
page); the flare flag that the trends raise from the new entry reaches the therapist as
usual.

Examination layer: clinic.bodymap_form checks the form and builds the layer as the CLI's
`neuroplay bodymap exam` does; it is saved as a "therapist" layer map drawn by
"therapist" (the store's DRAWN_BY values), the newest layer on top of the last one.
A refused form comes back with one message next to each wrong field (422); nothing is
stored then.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from clinic import bodymap_form as bf
from clinic import diary_form as df
from telemetry.bodymap import BodyMap, BodyMapError, from_compact, to_compact
from telemetry.records import BodyMapRecord, PatientRecord
from telemetry.store import Store

DIARY_ROWS = 10


def entered_by(store: Store, checkin_id: int) -> str | None:
    """The therapist who entered a check-in from the dashboard (None: the patient did)."""
    return store.checkin_entered_by(checkin_id)


def _latest(records: Sequence[BodyMapRecord], layer: str) -> tuple[BodyMapRecord | None,
                                                                  BodyMap | None]:
    for r in reversed(records):
        if r.layer != layer:
            continue
        try:
            return r, from_compact(r.data)
        except BodyMapError:  # a map of another grid: not drawn on this one
            continue
    return None, None


def diary_context(store: Store, p: PatientRecord, *, values: Mapping[str, str] | None = None,
                  errors: Mapping[str, str] | None = None,
                  saved: int | None = None) -> dict[str, Any]:
    """The diary card: the form and the newest entries (with who entered them)."""
    from telemetry.flagging import local_tz

    tz = local_tz()
    today = store.now().astimezone(tz).date()
    vals = dict(values) if values is not None else df.empty_values(today)
    daily = [c for c in store.checkins(p.patient_id) if c.phase == "daily"][-DIARY_ROWS:]
    rows = []
    for c in reversed(daily):
        a = c.answers
        rows.append({"id": c.checkin_id, "date": c.at.astimezone(tz).strftime("%Y-%m-%d"),
                     **{k: a.get(k, "-") for k in df.SCORE_ITEMS},
                     **{k: {0: "no", 1: "yes"}.get(a.get(k, -1), "-") for k in df.YES_NO_ITEMS},
                     "entered_by": entered_by(store, c.checkin_id) or "patient"})
    return {"diary_fields": df.diary_fields(vals, errors or {}),
            "diary_error": bool(errors), "diary_rows": rows,
            "diary_saved": saved if saved is not None and any(r["id"] == saved for r in rows)
            else None,
            "diary_today": today.isoformat()}


def diary_submit(store: Store, p: PatientRecord, form: Mapping[str, str], therapist: str
                 ) -> tuple[int, dict[str, Any] | str]:
    """A POST of the diary form -> (422, the card's context) or (303, where to go)."""
    from telemetry.flagging import local_tz

    tz = local_tz()
    today = store.now().astimezone(tz).date()
    values = {k: form.get(k, "")[:40] for k in (df.DATE_FIELD, *df.SCORE_ITEMS,
                                                 *df.YES_NO_ITEMS)}
    result = df.parse_diary_form(values, today)
    if not result.ok:
        return 422, diary_context(store, p, values=values, errors=result.errors)
    assert result.entry is not None and result.day is not None
    cid = store.checkin(p.patient_id, "daily", result.entry.answers(),
                        at=df.entry_time(result.day, tz), entered_by=therapist)
    return 303, f"/patients/{quote(p.patient_id, safe='')}?diary_saved={cid}#diary"


def bodymap_context(store: Store, p: PatientRecord, *, sensation: str = "",
                    regions: Sequence[str] = (), intensity: str = "0",
                    errors: Mapping[str, str] | None = None,
                    saved: int | None = None) -> dict[str, Any]:
    """The body-map card: the latest patient map with the examination layer outlined on
    it, and the form that adds to the examination layer."""
    from telemetry.flagging import local_tz

    tz = local_tz()
    records = store.body_maps(p.patient_id)
    prec, pmap = _latest(records, "patient")
    erec, emap = _latest(records, "therapist")
    return {"bm_views": bf.grid_svg_cells(pmap, emap), "bm_legend": bf.legend(pmap, emap),
            "bm_patient_date": prec.at.astimezone(tz).strftime("%Y-%m-%d") if prec else None,
            "bm_exam_date": erec.at.astimezone(tz).strftime("%Y-%m-%d") if erec else None,
            "bm_exam_regions": bf.exam_regions(emap),
            "bm_groups": bf.region_groups(regions), "bm_sensations": bf.sensation_choices(),
            "bm_sensation": sensation, "bm_intensity": intensity,
            "bm_errors": dict(errors or {}),
            "bm_saved": saved if saved is not None and erec is not None
            and erec.map_id == saved else None}


def exam_submit(store: Store, p: PatientRecord, sensation: str, regions: Sequence[str],
                intensity: str) -> tuple[int, dict[str, Any] | str]:
    """A POST of the examination form -> (422, the card's context) or (303, where to go)."""
    regions = [r[:60] for r in regions[:200]]
    result = bf.parse_exam_form(sensation, regions, intensity[:20])
    if not result.ok:
        return 422, bodymap_context(store, p, sensation=sensation, regions=regions,
                                    intensity=intensity[:20], errors=result.errors)
    assert result.request is not None
    last = store.body_maps(p.patient_id, layer="therapist")
    try:  # as the CLI: the newest layer, or a new one when it is of another grid
        base = from_compact(last[-1].data) if last else None
    except BodyMapError:
        base = None
    body = bf.apply_exam(base, result.request)
    map_id = store.save_body_map(p.patient_id, to_compact(body), drawn_by="therapist")
    return 303, f"/patients/{quote(p.patient_id, safe='')}?exam_saved={map_id}#bodymap"
