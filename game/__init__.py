"""Game package: the pygame-ce app (the only place that draws or plays sound)."""

from __future__ import annotations

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
