"""Paced-breathing sessions as FHIR R4 Observations (called by telemetry/exports.py).

Only a set whose reading was "tracking" (exercises.breathing: a rhythm that stands out
of the tracking noise, the body still) gives a respiratory rate: LOINC 9279-1, UCUM
"/min", status `preliminary` (an estimate from the shoulders' movement on one camera,
never a clinical measurement), with the adherence to the pacer and the paced rate as
components. A "pacer only" set exports nothing: there is no rate to report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from telemetry.records import SessionRecord

OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
UCUM = "http://unitsofmeasure.org"
CS_BREATHING = "https://neuroplay.invalid/fhir/CodeSystem/paced-breathing"


def breathing_entries(sessions: Sequence[SessionRecord], subject: dict[str, Any],
                      device_ref: dict[str, Any], rid: Callable[..., str],
                      entry: Callable[[dict[str, Any]], dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for s in sessions:
        summ = s.summary or {}
        rate = summ.get("rate_per_min")
        if s.exercise != "breathing" or summ.get("state") != "tracking" \
                or not isinstance(rate, (int, float)):
            continue
        comps = []
        if isinstance(summ.get("adherence"), (int, float)):
            comps.append({"code": {"coding": [{"system": CS_BREATHING, "code": "adherence",
                                               "display": "Share of time in phase with the "
                                                          "pacer"}]},
                          "valueQuantity": {"value": round(100 * float(summ["adherence"]), 1),
                                            "unit": "%", "system": UCUM, "code": "%"}})
        if isinstance(summ.get("breaths_per_min_paced"), (int, float)):
            comps.append({"code": {"coding": [{"system": CS_BREATHING, "code": "paced-rate",
                                               "display": "Pacer rate"}]},
                          "valueQuantity": {"value": float(summ["breaths_per_min_paced"]),
                                            "unit": "/min", "system": UCUM, "code": "/min"}})
        out.append(entry({
            "resourceType": "Observation", "id": rid("Observation", "breathing", s.session_id),
            "status": "preliminary",
            "category": [{"coding": [{"system": OBS_CATEGORY, "code": "vital-signs",
                                      "display": "Vital Signs"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "9279-1",
                                 "display": "Respiratory rate"}],
                     "text": "Breathing rate during paced breathing (estimated from the "
                             "shoulders' movement, one camera)"},
            "subject": subject, "device": device_ref,
            "effectiveDateTime": s.started_at.isoformat(),
            "valueQuantity": {"value": round(float(rate), 1), "unit": "/min", "system": UCUM,
                              "code": "/min"},
            "component": comps,
            "note": [{"text": "Estimate, not a clinical measurement: read only when the "
                              "breathing stood out of the tracking noise with the body still."}],
        }))
    return out
