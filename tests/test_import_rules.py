"""The packages' import rules (docs/ARCHITECTURE.md), checked by walking every .py file's AST.

Every `import x` / `from x import y` counts, at module level or inside a function,
under TYPE_CHECKING or not: a lazy import is still a dependency. Relative imports
are resolved against the file's package. Written so it holds before and after the
clinic/ package exists (a rule about a package that is absent is simply not exercised).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "vision", "exercises", "telemetry", "game", "clinic")

# package -> the project packages (and third-party roots) it must never import.
FORBIDDEN: dict[str, frozenset[str]] = {
    "core": frozenset({"vision", "exercises", "telemetry", "game", "clinic", "pygame"}),
    "vision": frozenset({"exercises", "telemetry", "game", "clinic", "pygame"}),
    "exercises": frozenset({"game", "clinic", "pygame"}),
    "telemetry": frozenset({"game", "clinic", "exercises", "pygame"}),
    "game": frozenset(),  # game -> clinic: only in GAME_TO_CLINIC below
    "clinic": frozenset(),  # may import game, exercises, telemetry, vision, core
}
# The one place in game/ that starts a station link (clinic mode of `neuroplay play`),
# and the `dashboard` command that starts the clinic's server (both now in clinic/; the
# old game/ paths stay named so nothing moves back unnoticed).
GAME_TO_CLINIC = frozenset({"game/cli/play.py", "game/cli/dashboard.py"})
CLINIC_IN_GAME = ("game.station", "game.station_protocol", "game.dashboard")


def _files(package: str, root: Path = ROOT) -> list[Path]:
    return sorted((root / package).rglob("*.py")) if (root / package).is_dir() else []


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module `path` imports (dotted, absolute)."""
    here = list(path.relative_to(root).parts[:-1])  # the file's package
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            if "." not in mod:  # `from game import station` may name a module
                out.update(f"{mod}.{a.name}" for a in node.names)
    return out


def violations(package: str, root: Path = ROOT) -> list[str]:
    bad: list[str] = []
    for path in _files(package, root):
        rel = path.relative_to(root).as_posix()
        for mod in sorted(imported_modules(path, root)):
            top = mod.split(".")[0]
            if top in FORBIDDEN[package]:
                bad.append(f"{rel} imports {mod}")
            if (package == "game" and rel not in GAME_TO_CLINIC and not rel.startswith(
                    tuple(f"{m.replace('.', '/')}" for m in CLINIC_IN_GAME))
                    and (top == "clinic" or mod.startswith(CLINIC_IN_GAME))):
                bad.append(f"{rel} imports {mod} (game reaches clinic only in "
                           f"{', '.join(sorted(GAME_TO_CLINIC))})")
    return bad


def test_the_clinic_code_lives_in_clinic_not_in_game() -> None:
    assert (ROOT / "clinic" / "station.py").is_file() and (ROOT / "clinic" / "dashboard").is_dir()
    assert not [m for m in CLINIC_IN_GAME
                if (ROOT / (m.replace(".", "/") + ".py")).exists()
                or (ROOT / m.replace(".", "/")).is_dir()]


@pytest.mark.parametrize("package", PACKAGES)
def test_package_keeps_its_import_rules(package: str) -> None:
    assert violations(package) == []


def test_the_walk_sees_imports_in_functions_relative_and_under_type_checking(tmp_path: Path) -> None:
    """The checker itself, on a small tree: a lazy, a relative and a TYPE_CHECKING import
    are all found, and game may reach clinic only from the allowed file."""
    (tmp_path / "telemetry").mkdir()
    (tmp_path / "telemetry" / "probe.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from game.app import App\n"
        "def f():\n    import pygame\n"
        "from . import store\nfrom .paths import data_dir\n", encoding="utf-8")
    (tmp_path / "game" / "cli").mkdir(parents=True)
    (tmp_path / "game" / "flow.py").write_text("from clinic import station\n", encoding="utf-8")
    (tmp_path / "game" / "cli" / "play.py").write_text("import clinic.station\n", encoding="utf-8")
    mods = imported_modules(tmp_path / "telemetry" / "probe.py", tmp_path)
    assert {"game.app", "pygame", "telemetry.store", "telemetry.paths"} <= mods
    assert violations("telemetry", tmp_path) == ["telemetry/probe.py imports game.app",
                                                  "telemetry/probe.py imports pygame"]
    assert [v.split(" (")[0] for v in violations("game", tmp_path)] == [
        "game/flow.py imports clinic", "game/flow.py imports clinic.station"]


def test_the_packages_exist_and_are_walked() -> None:
    """A rule over an empty set cannot fail: every package today has files to check."""
    for package in ("core", "vision", "exercises", "telemetry", "game"):
        assert len(_files(package)) >= 1, package
    assert sum(len(_files(p)) for p in PACKAGES) > 100
