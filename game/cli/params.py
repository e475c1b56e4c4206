"""Command-line parameter types shared by the commands.

`PATIENT` checks a patient id with telemetry's one rule (telemetry/ids.py)
while click parses the command line, so a bad id is one line and exit
status 2 before any database is opened or anything is written.
"""

from __future__ import annotations

from typing import Any

import click

from game.cli.errors import UserError


class PatientId(click.ParamType):
    name = "PATIENT"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        from telemetry.ids import BadPatientId, check_patient_id

        try:
            return check_patient_id(value)
        except BadPatientId as exc:
            raise UserError(str(exc)) from None


PATIENT = PatientId()
