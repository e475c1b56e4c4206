"""One clear line, exit status 2: how every command reports bad input.

The class lives in game/errors.py (library modules raise it too); this module
keeps the old import path working for the commands and any outside caller.
"""

from __future__ import annotations

from game.errors import UserError

__all__ = ["UserError"]
