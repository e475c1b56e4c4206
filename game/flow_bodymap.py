"""The sensory body map as a check-in step of the session flow (after the post-session
check-in, before the weekly PSFS): the first session, then every 7 days
(exercises.bodymap.bodymap_due). Kept out of game/flow.py, which only calls `offer`.

The new map starts as a copy of the last one (CLINICAL.md 5c), so the patient changes
what changed. "Done" stores it (even with nothing painted: that is an answer too);
STOP skips it, nothing stored, and it is offered again next session.

On demand (the title's "Body map", `start_on_demand`): the same screen outside the
weekly turn, nothing played: patient -> the map (from a copy of the last one, however
old) -> "saved" with what was painted. Stored the same way, without a session id; it
restarts the 7-day clock, since the next due date counts from the last map.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def offer(flow: Any, then: Callable[[], None]) -> bool:
    """Push the body map when due; True when pushed (`then` runs after it)."""
    due_of = getattr(flow.services, "bodymap_due", None)
    pid = flow.result.patient_id
    if due_of is None or pid is None:
        return False
    last = due_of(pid)
    if last is False:
        return False
    from exercises.bodymap import Painter
    from game.scenes.bodymap import BodyMapScene

    scene = BodyMapScene(Painter.starting_from(last), flow.pace, affected=flow.affected)
    flow.stack.push(scene, lambda body: _after(flow, body, then))
    return True


def _after(flow: Any, body: Any, then: Callable[[], None]) -> None:
    store: Any = flow.services.store
    pid = flow.result.patient_id
    if body is not None and store is not None and hasattr(store, "save_body_map"):
        from telemetry.bodymap import to_compact

        store.save_body_map(pid, to_compact(body), session_id=flow.result.session_id)
        flow.result.body_map = True
    then()


def last_map(flow: Any) -> Any:
    """The patient's latest map (patient layer) to start from; None without one."""
    from telemetry.bodymap import BodyMapError, from_compact

    store: Any = flow.services.store
    pid = flow.result.patient_id
    if store is None or pid is None or not hasattr(store, "body_maps"):
        return None
    maps = store.body_maps(pid, layer="patient")
    try:
        return from_compact(maps[-1].data) if maps else None
    except BodyMapError:
        return None


def start_on_demand(flow: Any) -> None:
    from exercises.bodymap import Painter
    from game.scenes.bodymap import BodyMapScene

    scene = BodyMapScene(Painter.starting_from(last_map(flow)), flow.pace, affected=flow.affected)
    flow.stack.push(scene, lambda body: _after_on_demand(flow, body))


def _after_on_demand(flow: Any, body: Any) -> None:
    if body is None:  # STOP: nothing stored
        return flow._end("bodymap")
    from game.scenes.bodymap import BodyMapDoneScene, saved_lines

    _after(flow, body, lambda: None)
    flow.stack.push(BodyMapDoneScene(saved_lines(body), flow.pace),
                    lambda _r: setattr(flow.result, "ended_at", "bodymap_saved"))
