"""GMI stage 3 (mirror therapy): the plan's [gmi.mirror] sets applied to a session (pure).

Why: the mirror trials ran mirror therapy as short sets (minutes each, a few a day),
so a mirror session plays `sets` x `set_minutes` with a rest break between sets.
Never more than the day's own session (the plan's cap, or today's easier dose): the
plan stays the ceiling and "easier today" stays easier.
"""

from __future__ import annotations

import dataclasses

from exercises.doses import SessionDose
from exercises.gmi.rules import Mirror


def mirror_session(session: SessionDose, mirror: Mirror) -> tuple[SessionDose, str]:
    """Today's session dose with the mirror sets, and the decision in words."""
    planned = mirror.set_minutes * mirror.sets
    minutes = min(session.session_minutes, planned)
    rest_every = min(session.rest_every_s, mirror.set_minutes * 60.0)
    out = dataclasses.replace(session, session_minutes=minutes, rest_every_s=rest_every)
    why = (f"mirror therapy (GMI stage 3): {mirror.sets} set{'s' if mirror.sets != 1 else ''} "
           f"of {mirror.set_minutes:g} min from the plan, a rest after each")
    if minutes < planned:
        why += f"; capped at today's {minutes:g} min"
    return out, why
