"""Sensory body maps as FHIR R4 Observations (called by telemetry/exports.py).

Per map and sensation, one panel Observation: the painted share of the body surface
(valueQuantity, UCUM "%"), the intensity (component, {score}) and the area estimate
(component, cm2), with `hasMember` pointing at one Observation per body region it
touches, each with `bodySite` coded in SNOMED CT (telemetry.bodymap's regions) and
that region's share. One region per Observation because `Observation.bodySite` is a
single concept in R4. There is no LOINC code for a pain-drawing area, so `code` is
local (CS_BODYMAP).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from telemetry.bodymap import (
    BODY_SURFACE_CM2,
    N_CELLS,
    REGION_BY_KEY,
    SENSATION_WORDS,
    SNOMED,
    BodyMapError,
    areas,
    from_compact,
)
from telemetry.records import BodyMapRecord

CS_BODYMAP = "https://neuroplay.invalid/fhir/CodeSystem/body-map"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
UCUM = "http://unitsofmeasure.org"


def _qty(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def bodymap_entries(records: Sequence[BodyMapRecord], subject: dict[str, Any],
                    rid: Callable[..., str], entry: Callable[[dict[str, Any]], dict[str, Any]]
                    ) -> list[dict[str, Any]]:
    """Bundle entries for every map that reads back on this grid."""
    out: list[dict[str, Any]] = []
    for rec in records:
        try:
            body = from_compact(rec.data)
        except BodyMapError:
            continue
        # the patient's own drawing is reported; the therapist's layer is an examination
        cat = ("survey", "Survey") if rec.layer == "patient" else ("exam", "Exam")
        when = rec.at.isoformat()
        for name, a in areas(body).items():
            if name == "any":
                continue
            members = []
            for key, n in a.regions.items():
                reg = REGION_BY_KEY[key]
                oid = rid("Observation", "bodymap", str(rec.map_id), name, key)
                members.append({"reference": f"urn:uuid:{oid}"})
                out.append(entry({
                    "resourceType": "Observation", "id": oid, "status": "final",
                    "category": [{"coding": [{"system": OBS_CATEGORY, "code": cat[0],
                                              "display": cat[1]}]}],
                    "code": {"coding": [{"system": CS_BODYMAP, "code": f"{name}-region-area",
                                         "display": f"{SENSATION_WORDS[name]}: painted area "
                                                    "in one body region"}]},
                    "subject": subject, "effectiveDateTime": when,
                    "bodySite": {"coding": [{"system": SNOMED, "code": reg.snomed,
                                             "display": reg.snomed_display}],
                                 "text": f"{reg.label} ({reg.view} view)"},
                    "valueQuantity": _qty(round(100.0 * n / N_CELLS, 3), "%"),
                }))
            intensity = body.sensations[name].intensity
            out.append(entry({
                "resourceType": "Observation",
                "id": rid("Observation", "bodymap", str(rec.map_id), name),
                "status": "final",
                "category": [{"coding": [{"system": OBS_CATEGORY, "code": cat[0],
                                          "display": cat[1]}]}],
                "code": {"coding": [{"system": CS_BODYMAP, "code": f"{name}-area",
                                     "display": f"{SENSATION_WORDS[name]}: painted area of "
                                                "the body surface"}],
                         "text": f"Sensory body map ({rec.layer} layer): {SENSATION_WORDS[name]}"},
                "subject": subject, "effectiveDateTime": when,
                "valueQuantity": _qty(round(100.0 * a.share, 3), "%"),
                "component": [
                    {"code": {"coding": [{"system": CS_BODYMAP, "code": "intensity",
                                          "display": "Intensity 0-10"}]},
                     "valueQuantity": _qty(intensity, "{score}")},
                    {"code": {"coding": [{"system": CS_BODYMAP, "code": "area-estimate",
                                          "display": "Area estimate"}]},
                     "valueQuantity": _qty(round(a.cm2, 1), "cm2")},
                ],
                "hasMember": members,
                "note": [{"text": f"Grid method on a fixed {N_CELLS}-cell front/back body grid; "
                                  f"cm2 assumes {BODY_SURFACE_CM2 / 10_000:g} m2 of body "
                                  "surface. Coarse: compare maps of this patient."}],
            }))
    return out
