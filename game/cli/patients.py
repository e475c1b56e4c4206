"""`neuroplay patients`: who is in this data directory, and who needs a look.

Thin layer over `telemetry`: opens the store (never creating one), brings
each patient's flags up to date from the data, and prints one row per
patient: last session, this week's and last week's adherence, open flags.
`open_store` and `store_errors` are shared by the `report` and `export`
commands so every one of them reports bad data the same way (one line,
exit status 2).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from game.cli.errors import UserError
from game.cli.params import PATIENT

DATA_DIR_HELP = "Data directory (default: $NEUROPLAY_HOME or the per-user data directory)."
DB_HELP = ("Database URL (postgresql+psycopg://user@host/db) or SQLite file of the store "
           "(default: --data-dir, else $NEUROPLAY_DB, else the per-user data directory).")


@contextmanager
def store_errors() -> Iterator[None]:
    """Turn telemetry's StoreError into the CLI's one-line UserError."""
    from telemetry.errors import StoreError

    try:
        yield
    except StoreError as exc:
        raise UserError(str(exc)) from None


def open_store(data_dir: str | None, db: str | None = None) -> Any:
    """Open the existing store: `db` (a URL or SQLite file) when given, else that of
    `data_dir` (or a clinic's `$NEUROPLAY_DB` when no data directory is given);
    never creates one."""
    import os

    from telemetry.paths import database_path
    from telemetry.store import ENV_DB, Store

    with store_errors():
        if db:
            if data_dir is not None:
                raise UserError("give --db or --data-dir, not both")
            return Store.open(db, create=False)
        if data_dir is None and os.environ.get(ENV_DB):
            return Store.open(os.environ[ENV_DB], create=False)
        try:
            path = database_path(data_dir, create=False)
        except OSError as exc:
            raise UserError(f"cannot use data directory {data_dir}: {exc}") from None
        return Store.open(path, create=False)


def patient_rows(store: Any) -> list[dict[str, Any]]:
    from telemetry.flagging import local_tz
    from telemetry.overview import patient_overviews

    tz = local_tz()
    return [{
        "patient_id": o.patient_id,
        "affected_side": o.affected_side,
        "sessions": o.sessions,
        "last_session": o.last_started_at.astimezone(tz).isoformat(timespec="minutes")
        if o.last_started_at else None,
        "last_exercise": o.last_exercise,
        "this_week_done": o.this_week.done if o.this_week else 0,
        "last_week_done": o.last_week.done if o.last_week else None,
        "prescribed_per_week": o.this_week.prescribed if o.this_week else None,
        "open_flags": [{"kind": f.kind, "measure": f.measure, "message": f.message}
                       for f in o.open_flags],
        "pain": o.pain,
        "triage": o.triage.to_dict(),
    } for o in patient_overviews(store, tz=tz)]  # most in need first


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help=DATA_DIR_HELP)
@click.pass_context
def patients(ctx: click.Context, as_json: bool, data_dir: str | None) -> None:
    """List patients with their last session, adherence and open flags.

    `neuroplay patients psfs PATIENT` shows and records the patient's
    Patient-Specific Functional Scale.
    """
    ctx.ensure_object(dict)
    ctx.obj["data_dir"] = data_dir
    if ctx.invoked_subcommand is not None:
        return
    import os

    from telemetry.paths import database_path
    from telemetry.store import ENV_DB

    try:
        exists = (data_dir is None and bool(os.environ.get(ENV_DB))) or \
            database_path(data_dir, create=False).is_file()
    except OSError:
        exists = False
    if not exists:
        if as_json:
            click.echo("[]")
        else:
            click.echo(f"No NeuroPlay data in {database_path(data_dir, create=False).parent}.")
        return
    store = open_store(data_dir)
    try:
        with store_errors():
            rows = patient_rows(store)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No patients yet.")
        return
    _print_table(rows)


@patients.command("psfs")
@click.argument("patient", type=PATIENT)
@click.option("--rate", "ratings", multiple=True, metavar="ACTIVITY=VALUE",
              help="Record a 0-10 rating, by activity number or name (repeatable).")
@click.option("--add", "adds", multiple=True, metavar="ACTIVITY",
              help="Add an activity in the patient's own words (at most 5).")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help=DATA_DIR_HELP)
@click.pass_context
def psfs(ctx: click.Context, patient: str, ratings: tuple[str, ...], adds: tuple[str, ...],
         data_dir: str | None) -> None:
    """Show or record PATIENT's Patient-Specific Functional Scale (0-10 per activity).

    The plan's goals become the activities; 0 = unable to do it, 10 = as well as before
    the problem. Ratings are meant weekly.
    """
    from telemetry.proms import PSFS_MAX_ACTIVITIES
    from telemetry.psfs import adopt_plan_goals, parse_rating
    from telemetry.records import PsfsActivity

    store = open_store(data_dir or (ctx.obj or {}).get("data_dir"))
    try:
        with store_errors():
            store.require_patient(patient)
            adopt_plan_goals(store, patient)
            # Check every rating against the activities as they will be (with the
            # additions) before writing anything: a bad line changes nothing.
            existing = store.psfs_activities(patient)
            # An activity already on the scale (the plan's goals are adopted first, so
            # the README's order adds one twice) is a no-op with a message, not an error.
            adds, already = _new_activities([a.name for a in existing], adds)
            if len(existing) + len(adds) > PSFS_MAX_ACTIVITIES:
                raise UserError(f"the PSFS holds at most {PSFS_MAX_ACTIVITIES} activities; "
                                f"{patient} has {len(existing)}")
            planned = existing + [PsfsActivity(-1 - i, patient, n.strip(), store.now())
                                  for i, n in enumerate(adds)]
            names = {a.activity_id: a.name for a in planned}
            parsed = [(names[i], v) for i, v in (parse_rating(r, planned) for r in ratings)]
            for name in adds:
                store.add_psfs_activity(patient, name)
            acts = store.psfs_activities(patient)
            if parsed:
                store.rate_psfs(patient, dict(parsed))
            latest: dict[int, tuple[str, int]] = {}
            for r in store.psfs_ratings(patient):
                latest[r.activity_id] = (r.at.date().isoformat(), r.value)
    finally:
        store.close()
    for name in already:
        click.echo(f"\"{name}\" is already on {patient}'s PSFS: nothing added.")
    if not acts:
        click.echo(f"{patient} has no PSFS activities yet; add one with --add \"...\".")
        return
    for i, a in enumerate(acts, 1):
        last = latest.get(a.activity_id)
        click.echo(f"{i}. {a.name}: " + (f"{last[1]}/10 on {last[0]}" if last else "not rated"))

def _print_table(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="NeuroPlay patients (most in need first)")
    for col in ("triage", "patient", "sessions", "last session", "this week", "last week",
                "pain", "open flags"):
        table.add_column(col)
    actions = []
    for r in rows:
        presc = r["prescribed_per_week"]
        flags = ", ".join(sorted({f["kind"] for f in r["open_flags"]})) or "-"
        tri = r["triage"]
        # icon + word, never colour alone (a printed or colour-blind reader still sees it)
        chip = {"urgent": "[bold red]!! Urgent[/]", "review": "[yellow]! Review[/]",
                "on_track": "[green]ok On track[/]"}[tri["severity"]]
        table.add_row(
            chip, r["patient_id"], str(r["sessions"]),
            f"{r['last_session'] or '-'} {r['last_exercise'] or ''}".strip(),
            f"{r['this_week_done']}/{presc}" if presc else "-",
            f"{r['last_week_done']}/{presc}" if presc and r["last_week_done"] is not None
            else "-",
            r["pain"],
            f"[red]{flags}[/red]" if r["open_flags"] else flags,
        )
        actions.append(f"{r['patient_id']} ({tri['label']}): {tri['action']}")
    console = Console()
    console.print(table)
    console.print("What to do, most in need first:", highlight=False)
    for line in actions:  # full sentences under the table: readable at any terminal width
        console.print("  " + line, markup=False, highlight=False)


def _new_activities(existing: list[str], adds: tuple[str, ...]) -> tuple[tuple[str, ...], list[str]]:
    """The activities to add (blank and repeated names left out, spacing and case
    ignored) and those already on the scale, in the order given."""
    have = {" ".join(name.split()).lower() for name in existing}
    fresh: list[str] = []
    already: list[str] = []
    for name in adds:
        key = " ".join(name.split()).lower()
        if key in have:
            already.append(name.strip())
        elif name.strip():
            have.add(key)
            fresh.append(name)
    return tuple(fresh), already


@patients.command("add")
@click.argument("patient", type=PATIENT)
@click.option("--side", type=click.Choice(["left", "right", "both"]), required=True,
              help="The affected side.")
@click.option("--seated/--standing", default=True, show_default=True,
              help="Seated keeps every target where a seated patient can reach.")
@click.option("--name", "display_name", default=None,
              help="Optional display name (stays on this machine; exports use the id).")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help=DATA_DIR_HELP)
@click.pass_context
def add(ctx: click.Context, patient: str, side: str, seated: bool, display_name: str | None,
        data_dir: str | None) -> None:
    """Register PATIENT under a pseudonymous id (then `neuroplay plan new PATIENT ...`)."""
    from game.session import open_store as _open_store

    store = _open_store(data_dir or (ctx.obj or {}).get("data_dir"))
    try:
        with store_errors():
            if store.patient_exists(patient):
                raise UserError(f"patient {patient!r} already exists in {store.where}")
            store.ensure_patient(patient, display_name=display_name, affected_side=side,
                                 seated=seated)
    finally:
        store.close()
    click.echo(f"{patient}: added ({side} side affected, {'seated' if seated else 'standing'}); "
               f"next: neuroplay plan new {patient} --template NAME")
