"""Exercise name -> factory: how the game makes a mini-game from a plan.

Why: the game, the CLI and plan simulation name games by string ("reaching",
"tapping", ...) and must not import every game module. Each game registers
a factory `(dose, calibration, rng, *, session_dose=None) -> Exercise`.
"reaching" registers here; the dexterity games register themselves from
`exercises/dexterity/__init__.py`, which `make_exercise` imports lazily the
first time names are needed (and tolerates being absent).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

import numpy as np

from exercises.base import CalibrationInput, Exercise
from exercises.doses import DOSE_TYPES, Dose, SessionDose

Factory = Callable[..., Exercise]

_FACTORIES: dict[str, Factory] = {}
_PLUGINS = ("exercises.dexterity",)
_plugins_loaded = False


def register(name: str, factory: Factory) -> None:
    """Make `name` available to `make_exercise` (re-registering replaces)."""
    if not name or not name.isidentifier():
        raise ValueError(f"exercise name must be a plain identifier, got {name!r}")
    _FACTORIES[name] = factory


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for module in _PLUGINS:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:  # the plugin exists but is broken: say so
                raise


def make_exercise(name: str, dose: Dose, calibration: CalibrationInput, rng: np.random.Generator, *,
                  session_dose: SessionDose | None = None) -> Exercise:
    """Build the exercise `name` for this dose, calibration and seeded rng.

    Raises:
        ValueError: unknown name, or a dose of another exercise's type.
    """
    _load_plugins()
    factory = _FACTORIES.get(name)
    if factory is None:
        raise ValueError(f"unknown exercise {name!r}; expected one of {', '.join(sorted(_FACTORIES))}")
    expected = DOSE_TYPES.get(name)
    if expected is not None and not isinstance(dose, expected):
        raise ValueError(f"exercise {name!r} needs a {expected.__name__}, got {type(dose).__name__}")
    return factory(dose, calibration, rng, session_dose=session_dose)


class _Names(Sequence[str]):
    """The registered names, read live (plugins load on first look)."""

    def _names(self) -> list[str]:
        _load_plugins()
        return sorted(_FACTORIES)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...

    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        return self._names()[i]

    def __len__(self) -> int:
        return len(self._names())

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __repr__(self) -> str:
        return f"EXERCISES({self._names()!r})"


EXERCISES: Sequence[str] = _Names()


def _reaching(dose: Any, calibration: Any, rng: np.random.Generator, *,
              session_dose: SessionDose | None = None) -> Exercise:
    from exercises.reaching import ReachingExercise

    if getattr(dose, "mode", "plane") == "forward":  # targets in front of the body, with depth
        from exercises.reaching_forward import ForwardReachingExercise

        return ForwardReachingExercise(dose, calibration, rng, session_dose=session_dose)
    return ReachingExercise(dose, calibration, rng, session_dose=session_dose)


register("reaching", _reaching)
