"""`neuroplay plan ...`: therapist plans from the command line.

A thin layer over exercises.plans (schema), exercises.dosing (next dose),
exercises.simulated_patients (simulate) and the store (versions,
settings). Every change (new, edit, set) validates the whole plan first and
saves a NEW version only if it is valid, so a rejected edit leaves the old
plan in force. Every change needs the therapist PIN (set once with
`plan set-pin`; no change is accepted before): `--pin-stdin` (first line of
stdin), else $NEUROPLAY_PIN, else a hidden prompt. Errors are one line, exit
status 2.
"""

from __future__ import annotations

import json
import re
import tempfile
from importlib import resources
from pathlib import Path
from typing import IO, Any

import click

from core.files import atomic_write

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from game.cli.errors import UserError
from game.cli.params import PATIENT
from game.session import open_store as _open_store

PROFILES = ("improving", "plateau", "flaring", "fearful")


# ------------------------------------------------------------------ helpers
def _patient(store: Any, patient: str) -> Any:
    from telemetry.errors import StoreError

    try:
        return store.require_patient(patient)
    except StoreError as exc:
        raise UserError(str(exc)) from None


def template_names() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files("assets.plans").iterdir()
                  if p.name.endswith(".toml"))


def template_text(name: str) -> str:
    names = template_names()
    if name not in names:
        raise UserError(f"unknown template {name!r}; expected one of {', '.join(names)}")
    return resources.files("assets.plans").joinpath(f"{name}.toml").read_text(encoding="utf-8")


def _load(text: str, source: str) -> Any:
    from exercises.plans import PlanError, load_plan

    try:
        return load_plan(text, source)
    except PlanError as exc:
        raise UserError(str(exc)) from None


def _read_file(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, not a plan file") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a UTF-8 text file") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _current(store: Any, patient: str) -> tuple[int, str]:
    cur = store.current_plan(patient)
    if cur is None:
        raise UserError(f"patient {patient!r} has no plan yet; create one with "
                        f"`neuroplay plan new {patient} --template NAME`")
    return cur


def _require_pin(store: Any, pin_stdin: bool) -> None:
    """Ask for the therapist PIN; refuse a wrong one, and refuse every change until a
    PIN is set (a plan is a prescription: it never changes on an unguarded machine).
    Reading and the attempt limit: game.cli.pin_entry."""
    from game.cli.pin_entry import check_pin, read_pin
    from telemetry.pin import PIN_SETTING

    stored = store.get_setting(PIN_SETTING)
    if stored is None:
        raise UserError("no therapist PIN is set on this machine yet: set one with "
                        "`neuroplay plan set-pin`, then repeat; nothing was changed")
    check_pin(store, read_pin("Therapist PIN", pin_stdin=pin_stdin), stored)


def _save_change(store: Any, patient: str, version: int, text: str, source: str,
                 author: str) -> int:
    """Save `text` as the next version if it is a valid plan; else the old one stays."""
    from exercises.plans import PlanError, load_plan

    try:
        load_plan(text, source)
    except PlanError as exc:
        raise UserError(f"{exc}; plan version {version} stays in force") from None
    return int(store.save_plan(patient, text, author))


def _same_plan(old: str, new: str) -> bool:
    """The same values (comments and layout aside)."""
    try:
        return bool(tomllib.loads(old) == tomllib.loads(new))
    except (tomllib.TOMLDecodeError, RecursionError):
        return False


def _save(store: Any, patient: str, text: str, source: str, author: str) -> tuple[int, Any]:
    plan = _load(text, source)  # never store an invalid plan
    return store.save_plan(patient, text, author), plan


def _set_table_value(text: str, table: str, key: str, value_toml: str) -> str:
    """Replace `key = ...` directly under `[table]` (keeps comments); text unchanged if absent."""
    lines = text.splitlines(keepends=True)
    current = ""
    for i, line in enumerate(lines):
        h = re.match(r"^\s*\[([^\[\]]+)\]\s*(#.*)?$", line)
        if h:
            current = h.group(1).strip()
            continue
        if current == table:
            m = re.match(rf"^(\s*{re.escape(key)}\s*=\s*)([^#\n]*?)(\s*#.*)?(\r?\n)?$", line)
            if m:
                lines[i] = m.group(1) + value_toml + (m.group(3) or "") + (m.group(4) or "")
                return "".join(lines)
    return text


def set_key(text: str, dotted: str, raw_value: str) -> str:
    """The plan text with one dotted key set (`reaching.reach_fraction.max`)."""
    import tomli_w

    try:
        value: Any = tomllib.loads(f"v = {raw_value}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw_value  # a bare word is text
    parts = dotted.split(".")
    if len(parts) < 2 or not all(parts):
        raise UserError(f"key {dotted!r} must be TABLE.KEY or TABLE.KEY.FIELD "
                        f"(e.g. reaching.reach_fraction.max)")
    value_toml = tomli_w.dumps({"v": value}).split("=", 1)[1].strip()
    doc = tomllib.loads(text)
    # 1) keep the therapist's comments: edit the line in place when the shape allows.
    if len(parts) == 2:
        new = _set_table_value(text, parts[0], parts[1], value_toml)
    else:
        new = _set_inline(text, parts, value_toml)
    if new != text and _get(tomllib.loads(new), parts) == value:
        return new
    # 2) otherwise rewrite the document (comments are lost; the values are not).
    node: Any = doc
    for p in parts[:-1]:
        nxt = node.get(p) if isinstance(node, dict) else None
        if isinstance(nxt, (int, float)) and not isinstance(nxt, bool):
            nxt = {"start": nxt, "min": nxt, "max": nxt, "step": 1 if isinstance(nxt, int)
                   else max(abs(nxt), 1.0)}
            node[p] = nxt
        elif not isinstance(nxt, dict):
            if nxt is not None or not isinstance(node, dict):
                raise UserError(f"key {dotted!r}: {p!r} is not a table in this plan")
            nxt = {}
            node[p] = nxt
        node = nxt
    node[parts[-1]] = value
    return tomli_w.dumps(doc)


def _set_inline(text: str, parts: list[str], value_toml: str) -> str:
    """Set `field` inside `key = { ... }` under `[table]` (three-part keys)."""
    table, key, fld = ".".join(parts[:-2]), parts[-2], parts[-1]
    lines = text.splitlines(keepends=True)
    current = ""
    for i, line in enumerate(lines):
        h = re.match(r"^\s*\[([^\[\]]+)\]\s*(#.*)?$", line)
        if h:
            current = h.group(1).strip()
            continue
        if current == table and re.match(rf"^\s*{re.escape(key)}\s*=\s*\{{", line):
            new, n = re.subn(rf"(\b{re.escape(fld)}\s*=\s*)([^,}}]+?)(\s*[,}}])",
                             lambda m: m.group(1) + value_toml + m.group(3), line, count=1)
            if n:
                lines[i] = new
                return "".join(lines)
    return text


def _get(doc: Any, parts: list[str]) -> Any:
    for p in parts:
        if not isinstance(doc, dict) or p not in doc:
            return None
        doc = doc[p]
    return doc


def _set_header(text: str, key: str, value_toml: str) -> str:
    return _set_table_value(text, "plan", key, value_toml)


# ------------------------------------------------------------------ commands
data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False), default=None,
    help="Where the data lives (default: $NEUROPLAY_HOME or the user data directory).")
no_data_option = click.option(
    "--data-dir", type=click.Path(file_okay=False), default=None,
    help="Accepted like every plan command's; this one reads no patient data.")
pin_option = click.option("--pin-stdin", is_flag=True,
                          help="Read the therapist PIN from the first line of stdin.")
author_option = click.option("--author", default="therapist", show_default=True,
                             help="Who made the change (kept with the plan version).")


@click.group()
def plan() -> None:
    """Therapist plans: templates, validation, changes (PIN) and simulation."""


@plan.command("templates")
@no_data_option
def templates_cmd(data_dir: str | None) -> None:
    """List the plan templates that ship with NeuroPlay."""
    from rich.console import Console
    from rich.table import Table

    from exercises.plans import load_plan

    table = Table("template", "plan", "exercises", "goals")
    for name in template_names():
        p = load_plan(template_text(name), name)
        table.add_row(name, p.name, ", ".join(p.exercises), "; ".join(g.activity for g in p.goals))
    Console(width=160).print(table)


@plan.command("validate")
@click.argument("file", type=click.Path(dir_okay=True))
@no_data_option
def validate_cmd(file: str, data_dir: str | None) -> None:
    """Check a plan file; one line naming the line and key when it is wrong."""
    p = _load(_read_file(file), file)
    click.echo(f"{file}: valid plan {p.name!r} ({', '.join(p.exercises)})")


@plan.command("new")
@click.argument("patient", type=PATIENT)
@click.option("--template", "template", required=True, help="Template name (see `plan templates`).")
@click.option("--side", type=click.Choice(["left", "right", "both"]), default=None,
              help="Affected side (default: the patient's record).")
@pin_option
@author_option
@data_dir_option
def new_cmd(patient: str, template: str, side: str | None, pin_stdin: bool, author: str,
            data_dir: str | None) -> None:
    """Give PATIENT a new plan from a template (a new version if one exists)."""
    text = template_text(template)
    with _open_store(data_dir) as store:
        rec = _patient(store, patient)
        _require_pin(store, pin_stdin)
        text = _set_header(text, "affected_side", f'"{side or rec.affected_side}"')
        if not rec.seated:
            text = _set_header(text, "seated", "false")
        version, p = _save(store, patient, text, f"template {template}", author)
    click.echo(f"{patient}: plan version {version} from template {template!r} ({p.name})")


@plan.command("show")
@click.argument("patient", type=PATIENT)
@click.option("--json", "as_json", is_flag=True, help="One JSON object: plan and next dose.")
@data_dir_option
def show_cmd(patient: str, as_json: bool, data_dir: str | None) -> None:
    """Show PATIENT's current plan and the dose and reasons for the next session."""
    from exercises.dosing import next_dose

    with _open_store(data_dir) as store:
        _patient(store, patient)
        version, text = _current(store, patient)
        p = _load(text, f"{patient} plan version {version}")
        decision = next_dose(p, store.history(patient), store.checkins(patient))
    if as_json:
        click.echo(json.dumps({"patient": patient, "version": version,
                               "plan": tomllib.loads(text), "next": decision.to_dict(),
                               "overrides": p.overrides,
                               "override_reason": p.override_reason or None},
                              indent=2))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.syntax import Syntax

    con = Console(width=120)
    con.print(f"[bold]{patient}[/]: plan version {version}: {p.name}")
    if p.overrides:
        con.print("[bold white on red] SAFEGUARDS SWITCHED OFF BY THE THERAPIST [/]")
        for line in p.overrides:
            con.print(f"  [red]{escape(line)}[/]")
        con.print(f"  reason given: {escape(p.override_reason)}")
    con.print(Syntax(text, "toml", line_numbers=True, theme="ansi_dark"))
    con.print("[bold]Next session[/]")
    for ex, dose in decision.doses.items():
        vals = ", ".join(f"{k}={v}" for k, v in _dose_items(dose))
        con.print(f"  {ex} ({decision.phase[ex]}): {vals}")
    for r in decision.reasons:
        con.print(f"  - {r}")
    for f in decision.flags:
        con.print(f"  [red]FLAG {f.kind}[/]: {f.message}")
    if p.goals:
        con.print("[bold]Goals (PSFS)[/]")
        for g in p.goals:
            con.print(f"  {g.activity}: trained by {', '.join(g.exercises)}")


def _dose_items(dose: Any) -> list[tuple[str, Any]]:
    from dataclasses import fields

    return [(f.name, getattr(dose, f.name)) for f in fields(dose) if f.name != "directions"]


@plan.command("edit")
@click.argument("patient", type=PATIENT)
@pin_option
@author_option
@data_dir_option
def edit_cmd(patient: str, pin_stdin: bool, author: str, data_dir: str | None) -> None:
    """Edit PATIENT's plan in $EDITOR; saved only if valid (else the old plan stays)."""
    with _open_store(data_dir) as store:
        _patient(store, patient)
        version, text = _current(store, patient)
        _require_pin(store, pin_stdin)
        with tempfile.TemporaryDirectory(prefix="neuroplay-plan-") as tmp:
            path = Path(tmp) / f"{patient}-plan.toml"
            path.write_text(text, encoding="utf-8")
            try:
                click.edit(filename=str(path), require_save=False)
            except click.ClickException as exc:
                raise UserError(f"could not run the editor: {exc.format_message()}") from None
            edited = path.read_text(encoding="utf-8")
        if edited == text:
            click.echo(f"{patient}: no change; plan version {version} stays in force")
            return
        new_version = _save_change(store, patient, version, edited, f"{patient} plan (edited)", author)
    click.echo(f"{patient}: plan version {new_version} saved")


@plan.command("set")
@click.argument("patient", type=PATIENT)
@click.argument("key")
@click.argument("value")
@pin_option
@author_option
@data_dir_option
def set_cmd(patient: str, key: str, value: str, pin_stdin: bool, author: str,
            data_dir: str | None) -> None:
    """Set one dotted KEY of PATIENT's plan (e.g. reaching.reach_fraction.max 0.8)."""
    with _open_store(data_dir) as store:
        _patient(store, patient)
        version, text = _current(store, patient)
        new = set_key(text, key, value)
        if _same_plan(text, new):
            click.echo(f"{patient}: {key} is already {value}; no change, plan version {version} "
                       f"stays in force")
            return
        _require_pin(store, pin_stdin)
        new_version = _save_change(store, patient, version, new, f"{patient} plan with {key} = {value}",
                                   author)
    click.echo(f"{patient}: {key} = {value}; plan version {new_version} saved")


@plan.command("set-pin")
@data_dir_option
def set_pin_cmd(data_dir: str | None) -> None:
    """Set the therapist PIN, read from stdin (first line: the current PIN if one is set;
    then the new PIN). Stored only as a salted scrypt hash."""
    from game.cli.pin_entry import check_pin, read_pin
    from telemetry.pin import PIN_SETTING, PinError, check_new_pin, hash_pin

    with _open_store(data_dir) as store:
        stored = store.get_setting(PIN_SETTING)
        if stored is not None:
            check_pin(store, read_pin("Current PIN", use_env=False), stored, what="current PIN")
        new = read_pin("New PIN", use_env=False, confirm=True)
        try:
            check_new_pin(new)
        except PinError as exc:
            raise UserError(str(exc)) from None
        store.set_setting(PIN_SETTING, hash_pin(new))
    click.echo("therapist PIN set; plan changes now ask for it")


@plan.command("simulate")
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--sessions", type=click.IntRange(1, 500), default=30, show_default=True,
              help="How many sessions to simulate (with --profile).")
@click.option("--profile", type=click.Choice(PROFILES), default=None,
              help="The simulated patient (see docs/plans.md; default improving).")
@click.option("--script", "script", type=click.Path(dir_okay=False), default=None,
              help="A scripted patient instead: a CSV with one row per session (session, pain_pre, "
                   "pain_in_session_max, pain_pauses, pain_post, quota_met[, success_rate]); "
                   "blank pain cells are missing answers.")
@click.option("--exercise", default=None, help="Which enabled exercise (default: the first).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the simulated patient (same seed, same run).")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), default=None,
              help="Draw dose and pain over sessions to this PNG.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object with `sessions`.")
@no_data_option
def simulate_cmd(file: str, sessions: int, profile: str | None, script: str | None,
                 exercise: str | None, seed: int, plot_path: str | None, as_json: bool,
                 data_dir: str | None) -> None:
    """Run FILE's rules against a simulated or scripted patient and show the dose trajectory."""
    from exercises.simulated_patients import simulate

    if script is not None and profile is not None:
        raise UserError("give either --profile or --script, not both")
    p = _load(_read_file(file), file)
    if exercise is not None and exercise not in p.exercises:
        raise UserError(f"--exercise {exercise!r}: the plan enables {', '.join(p.exercises)}")
    if script is not None:
        steps, who = _scripted(p, script, exercise), f"script {Path(script).name}"
    else:
        profile = profile or "improving"
        steps = simulate(p, profile, sessions, seed=seed, exercise=exercise)
        who = profile
    ex = exercise or p.exercises[0]
    if plot_path:
        _write_plot(plot_path, steps, p, ex, who)
    if as_json:
        click.echo(json.dumps({"plan": p.name, "exercise": ex,
                               "profile": profile if script is None else None,
                               "script": script, "seed": seed if script is None else None,
                               "sessions": [s.to_dict() for s in steps]}, indent=2))
        return
    _print_table(steps, p.name, ex, who)
    if plot_path:
        click.echo(f"plot written to {plot_path}")


def _scripted(p: Any, script: str, exercise: str | None) -> list[Any]:
    """The plan's rules against the pain script in file `script` (one line if it is bad)."""
    from exercises.simulated_patients import PainScriptError, parse_pain_script, simulate_script

    try:
        rows = parse_pain_script(_read_file(script), script)
    except PainScriptError as exc:
        raise UserError(str(exc)) from None
    return simulate_script(p, rows, exercise=exercise)


def _write_plot(plot_path: str, steps: list[Any], p: Any, exercise: str, who: str) -> None:
    """The trajectory plot, written atomically (a failed write leaves nothing)."""
    try:
        Path(plot_path).parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(plot_path) as fh:
            plot_trajectory(steps, p, exercise, who, fh)
    except OSError as exc:
        raise UserError(f"{plot_path}: cannot write the plot: {exc.strerror or exc}") from None


def _print_table(steps: list[Any], name: str, exercise: str, profile: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from exercises.dosing import fmt_value

    keys = list(steps[0].dose) if steps else []
    table = Table(title=f"{name}: {exercise}, patient: {profile}", show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("date")
    for k in keys:
        table.add_column(k, justify="right")
    table.add_column("pain", justify="right")
    table.add_column("met")
    table.add_column("reasons / flags", overflow="fold")
    def v(x: int | None) -> str:
        return "-" if x is None else str(x)

    for s in steps:
        notes = list(s.reasons or s.decision.reasons) + [f"FLAG {f.kind}: {f.message}"
                                                         for f in s.decision.flags]
        table.add_row(str(s.session), s.day.isoformat(),
                      *(fmt_value(k, s.dose[k]) for k in keys),
                      f"{v(s.pain_pre)}->{v(s.pain_in_session_max)}->{v(s.pain_post)}",
                      "yes" if s.quota_met else "no", "\n".join(notes))
    Console(width=160).print(table)


def plot_trajectory(steps: list[Any], plan: Any, exercise: str, profile: str, out: IO[bytes]) -> None:
    """Dose (one panel per progressed field, with the plan's bounds) and pain over sessions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ranges = plan.ranges(exercise)
    keys = [k for k in steps[0].dose if k in ranges]
    x = [s.session for s in steps]
    fig, axes = plt.subplots(len(keys) + 1, 1, figsize=(9, 2.3 * (len(keys) + 1)), sharex=True)
    for ax, k in zip(axes, keys, strict=False):
        y = [s.dose[k] for s in steps]
        ax.step(x, y, where="post", color="#1f6fb4", lw=2)
        met = [s.quota_met for s in steps]
        ax.scatter([a for a, m in zip(x, met, strict=True) if m],
                   [b for b, m in zip(y, met, strict=True) if m], s=16, color="#0072B2",
                   marker="o", label="quota met", zorder=3)
        ax.scatter([a for a, m in zip(x, met, strict=True) if not m],
                   [b for b, m in zip(y, met, strict=True) if not m], s=22, color="#D55E00",
                   marker="x", label="not met", zorder=3)
        ax.axhline(ranges[k].max, ls="--", color="grey", lw=1)
        ax.axhline(ranges[k].min, ls=":", color="grey", lw=1)
        ax.set_ylabel(k)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper left", fontsize=8)
    pax = axes[-1]
    nan = float("nan")
    pax.plot(x, [nan if s.pain_pre is None else s.pain_pre for s in steps], "o-",
             color="#e07a1f", ms=3, label="pain before")
    pax.plot(x, [nan if s.pain_post is None else s.pain_post for s in steps], "s--",
             color="#8a3b12", ms=3, label="pain after")
    pax.set_ylim(0, 10)
    pax.set_ylabel("pain NRS")
    pax.set_xlabel("session")
    pax.grid(alpha=0.3)
    for s in steps:
        kinds = {f.kind for f in s.decision.flags}
        for ax in axes:
            if "flare" in kinds:
                ax.axvspan(s.session - 0.5, s.session + 0.5, color="#d1495b", alpha=0.12, lw=0)
            elif "plateau" in kinds:
                ax.axvspan(s.session - 0.5, s.session + 0.5, color="#999999", alpha=0.12, lw=0)
    pax.legend(loc="upper left", fontsize=8)
    fig.suptitle(f"{plan.name}: {exercise}, patient: {profile} "
                 f"(shaded: flare, grey: plateau)", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, format="png", dpi=90)
    plt.close(fig)
