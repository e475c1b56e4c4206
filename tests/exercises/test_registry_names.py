"""The exercise registry: names, factories, lazy dexterity plugins."""

from __future__ import annotations

import numpy as np
import pytest

from exercises import registry
from exercises.base import Exercise
from exercises.doses import ReachingDose, SessionDose, TappingDose
from exercises.events import TARGET_SHOWN
from exercises.reaching import ReachingExercise
from vision.intents import Intents


def test_reaching_is_registered_and_built_from_its_dose():
    assert "reaching" in registry.EXERCISES
    assert list(registry.EXERCISES) == sorted(registry.EXERCISES)
    ex = registry.make_exercise("reaching", ReachingDose(inter_target_s=0.1, side="left"), None,
                                np.random.default_rng(0), session_dose=SessionDose(pace=0.5))
    assert isinstance(ex, ReachingExercise) and isinstance(ex, Exercise)
    assert ex.inter_target_s == pytest.approx(0.2) and ex.sides == ("left",)
    events = []
    for k in range(1, 20):
        events += ex.step(Intents(t=k / 60), 1 / 60)
    assert [e.kind for e in events] == [TARGET_SHOWN]
    assert events[0].data["side"] == "left"


def test_unknown_name_and_wrong_dose_are_named():
    with pytest.raises(ValueError, match="unknown exercise 'juggling'.*reaching"):
        registry.make_exercise("juggling", ReachingDose(), None, np.random.default_rng(0))
    with pytest.raises(ValueError, match="ReachingDose, got TappingDose"):
        registry.make_exercise("reaching", TappingDose(), None, np.random.default_rng(0))


def test_register_adds_a_factory_that_receives_every_argument(monkeypatch):
    monkeypatch.setattr(registry, "_FACTORIES", dict(registry._FACTORIES))
    seen = {}

    def factory(dose, calibration, rng, *, session_dose=None):
        seen.update(dose=dose, calibration=calibration, rng=rng, session_dose=session_dose)
        return ReachingExercise(ReachingDose(), None, rng)

    registry.register("sweep", factory)
    assert "sweep" in registry.EXERCISES
    rng = np.random.default_rng(5)
    registry.make_exercise("sweep", {"any": 1}, {"right": {}}, rng, session_dose=SessionDose())
    assert seen == {"dose": {"any": 1}, "calibration": {"right": {}}, "rng": rng, "session_dose": SessionDose()}
    with pytest.raises(ValueError, match="identifier"):
        registry.register("two words", factory)


def test_a_broken_plugin_is_reported_but_a_missing_one_is_tolerated(monkeypatch, tmp_path):
    monkeypatch.setattr(registry, "_plugins_loaded", False)
    monkeypatch.setattr(registry, "_PLUGINS", ("neuroplay_no_such_plugin",))
    assert "reaching" in registry.EXERCISES  # missing plugin: fine
    (tmp_path / "neuroplay_broken_plugin.py").write_text("import neuroplay_missing_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_plugins_loaded", False)
    monkeypatch.setattr(registry, "_PLUGINS", ("neuroplay_broken_plugin",))
    with pytest.raises(ModuleNotFoundError, match="neuroplay_missing_dependency"):
        list(registry.EXERCISES)  # a plugin that exists but cannot import: loud
