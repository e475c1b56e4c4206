"""The sensory body map as a check-in step of the session flow (after the post-session
check-in, before the weekly PSFS): the first session, then every 7 days
(exercises.bodymap.bodymap_due). Kept out of game/flow.py, which only calls `offer`.

The new map starts as a copy of the last one (CLINICAL.md 5c), so the patient changes
what changed. "Done" stores it (even with nothing painted: that is an answer too);
STOP skips it, nothing stored, and it is offered again next session.
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
