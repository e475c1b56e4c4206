"""What can go wrong with stored data, as exceptions the CLI turns into one line.

Library code raises these; `game/cli` catches `StoreError` and re-raises it as
`UserError` (exit status 2). Messages name the file or patient at fault.
"""

from __future__ import annotations


class StoreError(Exception):
    """The store cannot do what was asked (bad file, bad id, bad value)."""


class DamagedDatabase(StoreError):
    """The file is not a readable NeuroPlay database."""


class ForeignDatabase(StoreError):
    """A readable SQLite file, but another program's database (left untouched)."""


class SchemaTooNew(StoreError):
    """The database was written by a newer NeuroPlay than this one."""


class UnknownPatient(StoreError, KeyError):
    """No patient with that id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "unknown patient"


class PlanConflict(StoreError):
    """A plan was saved against a version that is no longer the one in force (another
    therapist saved in between): nothing was written."""
