"""Reading the therapist PIN and checking it under the attempt limit (plan commands).

`read_pin`: `--pin-stdin` reads the first line of stdin; else $NEUROPLAY_PIN;
else a hidden prompt on a terminal; else (stdin is a pipe or a file) the
first line of stdin, read plainly - never `getpass` on something that is not
a terminal, which is what printed Python's GetPassWarning.

`check_pin`: every entry is logged and limited (telemetry.pin_guard): a
wrong PIN is answered after a growing delay, and 5 wrong PINs in 15 minutes
lock PIN entry for the rest of that time, even for the right PIN. A right
PIN stored at an older, cheaper scrypt cost is re-hashed at today's cost.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from datetime import datetime
from typing import Any

import click

from game.cli.errors import UserError

ENV_PIN = "NEUROPLAY_PIN"
log = logging.getLogger("neuroplay.pin")
_sleep = time.sleep  # the delay after a wrong PIN (tests replace it)


def _stdin_line(what: str) -> str:
    line = sys.stdin.readline()
    if not line:
        raise UserError(f"no {what} on standard input; nothing was changed")
    return line.rstrip("\r\n")


def read_pin(label: str, *, pin_stdin: bool = False, use_env: bool = True,
             confirm: bool = False) -> str:
    """The PIN from --pin-stdin, $NEUROPLAY_PIN, a terminal prompt, or piped stdin."""
    what = label[0].lower() + label[1:]
    if pin_stdin:
        return _stdin_line(what)
    if use_env and os.environ.get(ENV_PIN) is not None:
        return os.environ[ENV_PIN]
    if sys.stdin.isatty():
        try:
            return str(click.prompt(label, hide_input=True, confirmation_prompt=confirm,
                                    err=True))
        except click.Abort:
            raise UserError(f"no {what} given; nothing was changed") from None
    return _stdin_line(what)


def _action() -> str:
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return "PIN check"
    args = [str(v) for k, v in ctx.params.items() if k in ("patient", "key", "value") and v]
    path = ["neuroplay", *ctx.command_path.split()[1:]]  # whatever the program was called
    return " ".join([*path, *args])[:200]


def _local(dt: datetime) -> str:
    return dt.astimezone().strftime("%H:%M")


def check_pin(store: Any, pin: str, stored: str, *, what: str = "therapist PIN") -> None:
    """Accept the right PIN, or raise UserError (after the delay) for a wrong or locked one."""
    from telemetry.pin import (
        MAX_WRONG,
        MIN_LEN,
        PIN_SETTING,
        WINDOW,
        hash_pin,
        verify_pin,
        weaker_than_today,
        wrong_delay_s,
    )
    from telemetry.pin_guard import PinGuard

    minutes = int(WINDOW.total_seconds() // 60)
    guard = PinGuard(store.engine, clock=store.clock)
    action = _action()
    attempt = guard.begin(action)
    if attempt.id is None:
        until = attempt.lock.locked_until
        log.warning("PIN entry locked; refused %s", action)
        raise UserError(f"PIN entry is locked after {MAX_WRONG} wrong PINs in {minutes} "
                        f"minutes; try again after {_local(until) if until else 'a while'}; "
                        "nothing was changed")
    if verify_pin(pin, stored):
        guard.right(attempt)
        if weaker_than_today(stored):
            if len(pin) >= MIN_LEN:
                store.set_setting(PIN_SETTING, hash_pin(pin))
            else:
                click.echo(f"note: the therapist PIN has fewer than {MIN_LEN} characters; "
                           "set a longer one with `neuroplay plan set-pin`", err=True)
        return
    wrong = attempt.lock.wrong + 1
    log.warning("wrong %s for %s (%d in %d minutes)", what, action, wrong, minutes)
    _sleep(wrong_delay_s(wrong))
    if wrong >= MAX_WRONG:
        raise UserError(f"wrong {what}; after {MAX_WRONG} wrong PINs in {minutes} minutes "
                        f"PIN entry is locked for {minutes} minutes; nothing was changed")
    left = MAX_WRONG - wrong
    raise UserError(f"wrong {what} ({left} more {'try' if left == 1 else 'tries'} before "
                    f"PIN entry locks for {minutes} minutes); nothing was changed")

