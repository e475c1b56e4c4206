"""`UserError`: bad input named in one line, exit status 2.

It lives here, below the CLI, so library modules (game/session.py, game/dosing.py,
game/input/...) can refuse bad input the way every command reports it without
importing `game.cli` (which imports them: that was a cycle). It is a
`click.ClickException` so click prints the one line and exits with status 2.
"""

from __future__ import annotations

import click


class UserError(click.ClickException):
    """Bad input named in one line; exit status 2 (click's usage status)."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message
