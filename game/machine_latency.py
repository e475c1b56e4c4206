"""This machine's measured webcam latency, kept per machine in the data directory.

Why per machine: the latency is the camera's, the CPU's and the load's, not the
patient's; a data directory on a shared drive (or copied to a new laptop) must
not carry one machine's figure to another. `neuroplay latency-test` saves it
(`save`, atomically via core.files); `neuroplay play` reads it (`load`) and
hands it to the dosing (game.dosing.DosingSource.latency_p95_s), which widens
the time limits inside the plan's bounds (exercises/latency_adapt.py).

File: `<data dir>/latency.json`, {"version": 1, "machines": {name: {...}}}.
A file that cannot be read is reported in one line by `load_checked` and the
session plays without the adjustment (never blocked by it).
"""

from __future__ import annotations

import json
import platform
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core.files import atomic_write

FILENAME = "latency.json"
VERSION = 1


@dataclass(frozen=True, slots=True)
class MachineLatency:
    """One self-test's result: `latency_s` is the marker's delay behind the hand."""

    machine: str
    latency_s: float
    correlation: float
    fps: float
    measured_at: str  # ISO 8601 with offset
    source: str  # "camera 0", "video clip.mp4", "synthetic"

    @property
    def ms(self) -> int:
        return round(self.latency_s * 1000)


def machine_name() -> str:
    return platform.node() or "this-machine"


def path_in(data_dir: Path) -> Path:
    return Path(data_dir) / FILENAME


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"version": VERSION, "machines": {}}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("machines"), dict):
        raise ValueError("not a NeuroPlay latency file (no 'machines' table)")  # noqa: TRY004
    return data


def save(data_dir: Path, result: MachineLatency) -> Path:
    """Keep `result` for its machine (other machines' results stay)."""
    path = path_in(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        data = _read(path)
    except (OSError, ValueError):
        data = {"version": VERSION, "machines": {}}  # an unreadable file is replaced whole
    data["machines"][result.machine] = asdict(result)
    data["version"] = VERSION
    with atomic_write(path, "w") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
    return path


def load(data_dir: Path, machine: str | None = None) -> MachineLatency | None:
    """This machine's last self-test, or None when it never ran here.
    Raises ValueError (naming the file) when the file cannot be read."""
    path = path_in(data_dir)
    try:
        entry = _read(path)["machines"].get(machine or machine_name())
        if entry is None:
            return None
        result = MachineLatency(**entry)
        if not 0.0 <= float(result.latency_s) <= 2.0:
            raise ValueError(f"latency {result.latency_s} s is outside 0-2 s")
        return result
    except (OSError, ValueError, TypeError) as exc:
        raise ValueError(f"{path}: cannot read the latency self-test ({exc}); "
                         f"run `neuroplay latency-test` again") from None
