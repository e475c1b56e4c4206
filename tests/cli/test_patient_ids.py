"""Patient ids: one rule (telemetry/ids.py) for the store and every command.

Look-alikes, compatibility forms, separators, shell syntax and controls are
one line naming what is wrong, exit status 2, and nothing written: the data
directory is not even created.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from game.cli import cli
from telemetry.ids import BadPatientId, check_patient_id, is_patient_id
from telemetry.store import Store

REPO = Path(__file__).resolve().parents[2]

BAD = {
    "cyrillic er": "\u0440-014",  # looks exactly like p-014
    "greek omicron": "p-\u03bf14",
    "full-width": "\uff21\uff22\uff23",
    "dot-dot path": "../etc",
    "slash": "/",
    "backslash": "a\\b",
    "semicolon": "p;rm",
    "command substitution": "$(id)",
    "newline": "p-014\nx",
    "right-to-left override": "p-\u202e410",
    "empty": "",
    "blank": "   ",
    "leading dot": ".hidden",
    "dot-dot": "..",
    "space": "p 014",
    "too long": "p" * 65,
    "zero-width space": "p\u200b014",
}


@pytest.mark.parametrize("text", ["p-014", "P-ABC234", "demo", "a", "x.y_z-1", "9" * 64])
def test_plain_ascii_ids_are_kept_as_typed(text: str) -> None:
    assert check_patient_id(text) == text and is_patient_id(text)


@pytest.mark.parametrize("name", sorted(BAD))
def test_every_unsafe_id_is_one_line_naming_the_problem(name: str) -> None:
    with pytest.raises(BadPatientId) as err:
        check_patient_id(BAD[name])
    message = str(err.value)
    assert "\n" not in message and "\u202e" not in message and "patient id" in message


def test_messages_say_what_to_do() -> None:
    with pytest.raises(BadPatientId, match=r"type it as 'ABC'"):
        check_patient_id("\uff21\uff22\uff23")
    with pytest.raises(BadPatientId, match="U\\+0440 CYRILLIC SMALL LETTER ER is not an ASCII letter"):
        check_patient_id("\u0440-014")
    with pytest.raises(BadPatientId, match="U\\+202E RIGHT-TO-LEFT OVERRIDE is not allowed"):
        check_patient_id("p-\u202e410")


def test_the_store_refuses_a_look_alike_of_an_existing_patient(tmp_path: Path) -> None:
    with Store.open(tmp_path / "n.db") as store:
        store.ensure_patient("p-014", affected_side="left")
        with pytest.raises(BadPatientId):
            store.ensure_patient("\u0440-014", affected_side="left")
        assert [p.patient_id for p in store.patients()] == ["p-014"]


COMMANDS = {
    "demo": ["demo", "--headless", "--no-report", "--patient", "{id}"],
    "play": ["play", "--mouse", "--new", "--patient", "{id}"],
    "calibrate": ["calibrate", "--patient", "{id}"],
    "patients add": ["patients", "add", "{id}", "--side", "left"],
    "patients psfs": ["patients", "psfs", "{id}", "--add", "Reach a shelf"],
    "plan new": ["plan", "new", "{id}", "--template", "neuropathic_upper_limb_seated"],
    "plan show": ["plan", "show", "{id}"],
    "report": ["report", "{id}", "--out", "{out}/r.html"],
    "export": ["export", "{id}", "--format", "csv", "--out", "{out}/csv"],
    "bodymap exam": ["bodymap", "exam", "{id}", "--sensation", "allodynia_brush", "--region",
                     "front.head"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("name", ["cyrillic er", "dot-dot path", "command substitution",
                                  "newline", "right-to-left override", "full-width"])
def test_every_command_refuses_a_bad_id_writing_nothing(command: str, name: str,
                                                        tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "out"
    args = [a.format(id=BAD[name], out=out) for a in COMMANDS[command]]
    res = CliRunner().invoke(cli, args, env={"NEUROPLAY_HOME": str(home), "NEUROPLAY_DB": None,
                                             "SDL_VIDEODRIVER": "dummy"})
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: patient id"), res.output
    assert not home.exists() and not out.exists()


def test_headless_demo_with_a_path_as_patient_is_one_line_exit_2(tmp_path: Path) -> None:
    """The real console entry point (issue 13: this was a StoreError traceback, exit 1)."""
    home = tmp_path / "home"
    env = {**os.environ, "NEUROPLAY_HOME": str(home), "SDL_VIDEODRIVER": "dummy",
           "SDL_AUDIODRIVER": "dummy"}
    env.pop("NEUROPLAY_DB", None)
    proc = subprocess.run([sys.executable, "-c", "from game.cli import main; main()", "demo",
                           "--headless", "--patient", "../etc"], check=False, cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [(
        "Error: patient id '../etc': U+002F SOLIDUS is not allowed; use 1-64 ASCII letters, "
        "digits, '-', '_' or '.', starting with a letter or digit")]
    assert not home.exists()
