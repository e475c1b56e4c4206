"""`neuroplay export PATIENT --format csv|fhir --out PATH`.

CSV: tidy tables as a `.zip` or a new folder of CSV files. FHIR: an R4
Bundle (JSON), validated before it is written. Written atomically, so a
failed export leaves nothing behind.
"""

from __future__ import annotations

from pathlib import Path

import click

from game.cli.errors import UserError
from game.cli.params import PATIENT
from game.cli.patients import DATA_DIR_HELP, DB_HELP, open_store, store_errors
from game.cli.report import check_out_path


@click.command()
@click.argument("patient", type=PATIENT)
@click.option("--format", "fmt", type=click.Choice(["csv", "fhir"]), required=True,
              help="csv: tidy tables (a .zip, or a new folder); fhir: an R4 Bundle (.json).")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="Where to write: FILE.zip or FOLDER for csv, FILE.json for fhir.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help=DATA_DIR_HELP)
@click.option("--db", default=None, help=DB_HELP)
def export(patient: str, fmt: str, out: Path, data_dir: str | None,
           db: str | None) -> None:
    """Export PATIENT's data as CSV tables or a FHIR R4 Bundle."""
    from telemetry import exports
    from telemetry.flagging import local_tz
    from telemetry.snapshot import load_patient

    if fmt == "fhir":
        check_out_path(out, {".json": "json"})
    elif out.suffix.lower() == ".zip":
        check_out_path(out)
    else:
        parent = out.parent if str(out.parent) else Path(".")
        if not parent.is_dir():
            raise UserError(f"--out {out}: folder {parent} does not exist")
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise UserError(f"--out {out} already exists and is not an empty folder")
    store = open_store(data_dir, db)
    try:
        with store_errors():
            data = load_patient(store, patient)
    finally:
        store.close()
    try:
        if fmt == "fhir":
            bundle = exports.fhir_bundle(data)
            try:
                exports.validate_bundle(bundle)
            except ValueError as exc:
                raise UserError(str(exc)) from None
            exports.write_json(bundle, out)
            click.echo(f"FHIR Bundle for {patient} ({len(bundle['entry'])} resources): {out}")
        else:
            written = exports.write_csv(exports.csv_tables(data, local_tz()), out)
            click.echo(f"CSV export for {patient} ({len(written)} file(s)): {out}")
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
