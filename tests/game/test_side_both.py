"""`--side both` means the same everywhere: a patient with both arms affected trains both.

Issue 13: `patients add --side both` was accepted but `play`/`demo` refused
`--side both`, and a patient recorded "both" silently played the right arm.
Now every command takes it, and the session alternates arms (reaching right,
left, right...), calibrates and measures range of motion on both.
"""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from game.cli import cli
from game.cli.demo import demo
from game.cli.patients import add
from game.cli.play import play
from telemetry.store import Store


def choices(command: click.Command, name: str) -> tuple[str, ...]:
    [opt] = [p for p in command.params if p.name == name]
    return tuple(opt.type.choices)  # type: ignore[attr-defined]


def test_every_command_offers_the_same_sides() -> None:
    assert choices(add, "side") == choices(play, "side") == choices(demo, "side") == (
        "left", "right", "both")


def test_a_patient_with_both_arms_affected_trains_both(tmp_path: Path) -> None:
    d = str(tmp_path / "d")
    res = CliRunner().invoke(cli, ["patients", "add", "p-both", "--side", "both", "--data-dir", d])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(cli, ["demo", "--headless", "--no-report", "--seconds", "20",
                                   "--patient", "p-both", "--data-dir", d])
    assert res.exit_code == 0, res.output
    with Store.open(data_dir=d) as store:
        [h] = store.history("p-both")
        shown = [e.data["side"] for e in store.events(h.session_id) if e.kind == "target_shown"]
    assert h.dose["reaching"]["side"] == "both"
    assert len(shown) >= 4 and shown[:4] == ["right", "left", "right", "left"]
    assert sorted(h.summary["rom"]) == ["left", "right"]


def test_side_both_with_a_mirror_view_is_one_clear_line(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["demo", "--headless", "--side", "both", "--mirror", "split",
                                   "--data-dir", str(tmp_path / "d")])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "with both arms affected there is none" in lines[0]
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("recorded, asked", [("both", "right"), ("left", "both")])
def test_a_side_that_contradicts_the_record_is_refused(tmp_path: Path, recorded: str,
                                                       asked: str) -> None:
    d = str(tmp_path / "d")
    CliRunner().invoke(cli, ["patients", "add", "p1", "--side", recorded, "--data-dir", d])
    res = CliRunner().invoke(cli, ["demo", "--headless", "--side", asked, "--patient", "p1",
                                   "--data-dir", d])
    assert res.exit_code == 2 and f"recorded with the {recorded} arm affected" in res.output
