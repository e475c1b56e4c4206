"""`neuroplay therapist ...`: clinic accounts and station tokens.

`add USER --clinic NAME` reads the password from standard input (first
line; a hidden prompt on a terminal) and stores only a salted scrypt hash.
`station-token NAME` prints a fresh token for a station (replacing the old
one), owned by the clinic of `--by` (or named with `--clinic`);
`--allow-new-patients` lets a patient who belongs to no clinic join the
station's clinic by playing there. `assign PATIENT --clinic NAME` makes a
patient visible to that clinic's therapists. Errors: one line, exit status 2.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from game.cli.dashboard import DATA_DIR_HELP, DB_HELP, open_clinic_store
from game.cli.errors import UserError
from game.cli.params import PATIENT


def _clinic(store: Any) -> Any:
    from telemetry.clinic import ClinicStore

    return ClinicStore(store.engine)


@click.group()
def therapist() -> None:
    """Therapist accounts, clinics and station tokens (clinic mode)."""


@therapist.command("add")
@click.argument("username")
@click.option("--clinic", "clinic_name", required=True, help="The therapist's clinic (created if new).")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help=DATA_DIR_HELP)
@click.option("--db", default=None, help=DB_HELP)
def add(username: str, clinic_name: str, data_dir: str | None, db: str | None) -> None:
    """Create a therapist account; the password is read from standard input."""
    from telemetry.errors import StoreError

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UserError("no password given on standard input")
    store = open_clinic_store(db, data_dir)
    try:
        t = _clinic(store).add_therapist(username, clinic_name, password)
    except StoreError as exc:
        raise UserError(str(exc)) from None
    finally:
        store.close()
    click.echo(f"therapist {t.username} added to clinic {t.clinic}")


@therapist.command("station-token")
@click.argument("station")
@click.option("--by", "username", default=None,
              help="The therapist creating it; the station joins their clinic.")
@click.option("--clinic", "clinic_name", default=None,
              help="The station's clinic, by name (instead of, or checked against, --by).")
@click.option("--allow-new-patients", is_flag=True,
              help="A patient who belongs to no clinic and plays at this station joins its "
                   "clinic (default: only `therapist assign` adds patients).")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help=DATA_DIR_HELP)
@click.option("--db", default=None, help=DB_HELP)
def station_token(station: str, username: str | None, clinic_name: str | None,
                  allow_new_patients: bool, data_dir: str | None, db: str | None) -> None:
    """Print a new token for STATION (give it to `play --station` as $NEUROPLAY_STATION_TOKEN)."""
    from telemetry.errors import StoreError

    if username is None and clinic_name is None:
        raise UserError("say whose station it is: --by THERAPIST or --clinic NAME")
    store = open_clinic_store(db, data_dir)
    try:
        cs = _clinic(store)
        t = cs.therapist(username) if username is not None else None
        if username is not None and t is None:
            raise UserError(f"unknown therapist {username!r}")
        cid = cs.clinic_id(clinic_name) if clinic_name is not None else None
        if clinic_name is not None and cid is None:
            raise UserError(f"unknown clinic {clinic_name!r} (a clinic is created by "
                            f"`neuroplay therapist add USER --clinic {clinic_name}`)")
        if t is not None and cid is not None and t.clinic_id != cid:
            raise UserError(f"therapist {t.username!r} is not in clinic {clinic_name!r}")
        clinic_id = t.clinic_id if t is not None else cid
        assert clinic_id is not None
        token = cs.new_station_token(station, clinic_id,
                                     t.username if t is not None else f"clinic:{clinic_name}"[:64],
                                     allow_new_patients=allow_new_patients)
    except StoreError as exc:
        raise UserError(str(exc)) from None
    finally:
        store.close()
    click.echo(token)


@therapist.command("assign")
@click.argument("patient", type=PATIENT)
@click.option("--clinic", "clinic_name", required=True,
              help="The clinic whose therapists will see the patient (as in `therapist add`).")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help=DATA_DIR_HELP)
@click.option("--db", default=None, help=DB_HELP)
def assign(patient: str, clinic_name: str, data_dir: str | None, db: str | None) -> None:
    """Make PATIENT visible to the therapists of a clinic."""
    from telemetry.errors import StoreError

    store = open_clinic_store(db, data_dir)
    try:
        store.require_patient(patient)
        cs = _clinic(store)
        cid = cs.clinic_id(clinic_name)
        if cid is None:
            raise UserError(f"unknown clinic {clinic_name!r}")
        cs.add_patient(cid, patient)
    except StoreError as exc:
        raise UserError(str(exc)) from None
    finally:
        store.close()
    click.echo(f"patient {patient} assigned to clinic {clinic_name}")
