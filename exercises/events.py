"""The exercises' view of core/events.py: the `Event` type and the event kinds.

They live in core/ (the lowest shared layer) so telemetry can name them too;
this module keeps `from exercises.events import ...` working for the games.
"""

from __future__ import annotations

# the kinds and Event, as listed in core.events.__all__
from core.events import *
from core.events import __all__  # noqa: F401
