"""One clear line, exit status 2: how every command reports bad input."""

from __future__ import annotations

import click


class UserError(click.ClickException):
    """Bad input named in one line; exit status 2 (click's usage status)."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message
