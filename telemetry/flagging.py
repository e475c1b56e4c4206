"""Keep the stored flags in step with the data (the I/O side of trends).

`refresh_flags` reads a patient, runs `telemetry.trends.assess`, raises a
flag for every finding (the store keeps one open flag per kind and measure,
updating its evidence) and closes open flags whose condition no longer
holds, so the therapist sees what is true now and, in the closed flags,
what was. The game calls it after a session; `report` and `patients` call it
before showing anything.
"""

from __future__ import annotations

from datetime import date, datetime, timezone, tzinfo

from telemetry.snapshot import PatientData, load_patient
from telemetry.store import Store
from telemetry.trends import Assessment, assess


def local_tz() -> tzinfo:
    tz = datetime.now().astimezone().tzinfo
    return tz if tz is not None else timezone.utc


def refresh_flags(store: Store, patient_id: str, *, today: date | None = None,
                  tz: tzinfo | None = None) -> tuple[PatientData, Assessment]:
    tz = tz or local_tz()
    today = today or store.now().astimezone(tz).date()
    data = load_patient(store, patient_id)
    result = assess(data, today=today, tz=tz)
    current = set()
    for f in result.findings:
        store.raise_flag(patient_id, f.kind, f.measure, f.message, f.evidence)
        current.add((f.kind, f.measure))
    from telemetry.therapies import PATIENT_RAISED_KINDS  # closed by the therapist only

    for flag in data.flags:
        if flag.kind in PATIENT_RAISED_KINDS:
            continue
        if flag.status == "open" and (flag.kind, flag.measure) not in current:
            store.close_flag(flag.flag_id)
    return load_patient(store, patient_id), result
