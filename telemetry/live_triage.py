"""Live triage: which station needs the therapist now, and why, in words.

Role: the live view shows many stations at once; a station at pain 7 with 41 %
tracking must not look like a healthy one. A station's latest live state (the
`state` frame of clinic.station_protocol) and whether it is connected become
alerts (urgent / review), each one sentence, and a sort key (most in need
first). Same severities and limits as telemetry.triage (the patient's plan:
acceptable pain, stop level). Pure: no clock, no store, no network.

Alerts:
  urgent  - pain in the latest check-in above the plan's in-session limit
            (`guardrails.pain_stop_threshold`; at or above the stop level says so);
  review  - a pain pause (the in-session check lowered the level);
          - tracking below 60 % (the camera does not see the patient well);
          - a trunk-lean run: the trunk leaned (a reaching COMPENSATION) in the last
            `TRUNK_LEAN_RUN` or more reaches in a row (state `trunk_lean.run`, sent by
            clinic.station.GameLink): the patient is compensating, not reaching;
          - the station is offline.

Each alert has a `kind` (pain, pain_pause, tracking, trunk_lean, offline) so the live
view can offer the one-click actions that fit it (pause, make easier).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from telemetry.triage import LABEL, RANK, Reason, Severity, TriageLimits

TRACKING_MIN = 0.6  # below this share of frames with a body, the counts mean little
TRUNK_LEAN_RUN = 3  # reaches in a row with a trunk lean: a habit forming, not one slip
DEFAULT_LIMITS = TriageLimits()


@dataclass(frozen=True, slots=True)
class LiveTriage:
    severity: Severity
    alerts: tuple[Reason, ...]
    kinds: tuple[str, ...] = ()  # one per alert: pain, pain_pause, tracking, trunk_lean, offline

    def to_dict(self) -> dict[str, Any]:
        kinds = self.kinds or ("",) * len(self.alerts)
        return {"severity": self.severity, "label": LABEL[self.severity],
                "rank": RANK[self.severity],
                "alerts": [{"severity": a.severity, "sentence": a.sentence, "kind": k}
                           for a, k in zip(self.alerts, kinds, strict=True)]}


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def latest_pain(checkin: Any) -> float | None:
    """The pain of the latest check-in: an in-session check's `nrs`, a pre-session `pain`."""
    if not isinstance(checkin, Mapping):
        return None
    for key in ("nrs", "pain"):
        v = _number(checkin.get(key))
        if v is not None:
            return v
    return None


def live_triage(state: Mapping[str, Any], *, connected: bool,
                limits: TriageLimits = DEFAULT_LIMITS) -> LiveTriage:
    """A station's alerts from its latest state (any missing field: no alert from it)."""
    alerts: list[tuple[Reason, str]] = []
    if not connected:
        alerts.append((Reason("review", "Offline: the station is not connected; check it"),
                       "offline"))
    pain = latest_pain(state.get("checkin"))
    if pain is not None and pain > limits.in_session:
        level = (f"at or above the stop level {limits.stop}" if pain >= limits.stop
                 else f"above the plan's limit {limits.in_session}")
        alerts.append((Reason("urgent", f"Pain {pain:g}/10, {level}: check on the patient now"),
                       "pain"))
    checkin = state.get("checkin")
    if isinstance(checkin, Mapping) and checkin.get("phase") == "in_session" \
            and _number(checkin.get("drop_levels")):
        alerts.append((Reason("review", "Pain pause: the game went one level easier; "
                                        "ask how the patient is"), "pain_pause"))
    tracking = _number(state.get("tracking"))
    if connected and tracking is not None and tracking < TRACKING_MIN:
        alerts.append((Reason("review", f"Tracking {round(100 * tracking)} %: the camera "
                                        "does not see the patient well; check the position"),
                       "tracking"))
    lean = trunk_lean_alert(state.get("trunk_lean"))
    if lean is not None:
        alerts.append((lean, "trunk_lean"))
    alerts.sort(key=lambda a: RANK[a[0].severity])
    return LiveTriage(alerts[0][0].severity if alerts else "on_track",
                      tuple(a for a, _ in alerts), tuple(k for _, k in alerts))


def trunk_lean_alert(lean: Any) -> Reason | None:
    """The trunk-lean-run alert from the state's `trunk_lean` ({"run": reaches in a row
    with a lean, "deg": the largest lean of the run}); None below `TRUNK_LEAN_RUN`."""
    if not isinstance(lean, Mapping):
        return None
    run = _number(lean.get("run"))
    if run is None or run < TRUNK_LEAN_RUN:
        return None
    deg = _number(lean.get("deg"))
    how = f" (up to {abs(deg):.0f} degrees)" if deg is not None else ""
    return Reason("review", f"Trunk lean in the last {run:g} reaches in a row{how}: the "
                            "patient compensates; ask them to sit back, or make it easier")


def by_need(items: Iterable[tuple[str, LiveTriage]]) -> list[tuple[str, LiveTriage]]:
    """(station, triage) pairs, most in need first (ties: more alerts, then by name)."""
    return sorted(items, key=lambda it: (RANK[it[1].severity], -len(it[1].alerts), it[0]))


__all__ = ["TRACKING_MIN", "TRUNK_LEAN_RUN", "LiveTriage", "by_need", "latest_pain",
           "live_triage", "trunk_lean_alert"]
