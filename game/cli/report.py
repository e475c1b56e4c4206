"""`neuroplay report PATIENT --out FILE.html|.pdf`: the therapist report.

Thin layer: open the store, bring the flags up to date, build the report
model (a pure function of the stored rows) and write HTML or PDF by the
file's suffix, atomically.
"""

from __future__ import annotations

from pathlib import Path

import click

from game.cli.errors import UserError
from game.cli.params import PATIENT
from game.cli.patients import DATA_DIR_HELP, DB_HELP, open_store, store_errors

FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf"}


def check_out_path(out: Path, allowed: dict[str, str] | None = None) -> Path:
    """Fail early, in one line, on an output path we could not write."""
    if allowed is not None and out.suffix.lower() not in allowed:
        raise UserError(f"--out {out}: expected a file ending in "
                        f"{' or '.join(sorted(set(allowed)))}")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(f"--out {out}: folder {parent} does not exist")
    import os

    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"--out {out}: folder {parent} is not writable")
    if out.is_dir():
        raise UserError(f"--out {out} is a folder; give a file name")
    return out


@click.command()
@click.argument("patient", type=PATIENT)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Report file: .html (plots embedded) or .pdf.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help=DATA_DIR_HELP)
@click.option("--db", default=None, help=DB_HELP)
def report(patient: str, out: Path, data_dir: str | None,
           db: str | None) -> None:
    """Write the therapist report for PATIENT (HTML or PDF)."""
    from game.dosing import plan_overrides
    from telemetry.flagging import local_tz, refresh_flags
    from telemetry.report import build_report, render_pdf, write_html

    check_out_path(out, FORMATS)
    store = open_store(data_dir, db)
    try:
        with store_errors():
            tz = local_tz()
            data, assessment = refresh_flags(store, patient, tz=tz)
            model = build_report(data, assessment, tz=tz, generated_at=store.now(),
                                 plan_overrides=plan_overrides(store, patient))
    finally:
        store.close()
    try:
        if FORMATS[out.suffix.lower()] == "pdf":
            render_pdf(model, out)
        else:
            write_html(model, out)
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    click.echo(f"Report for {patient}: {out}")
