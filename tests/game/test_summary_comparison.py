"""The summary compares today with the patient's stored sessions (real SQLite store)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_game_in_session_pain import PRE_PAIN, plain_services, play

import game.flow
from game.scenes.summary import SummaryScene
from telemetry.store import Store


def test_the_second_session_is_compared_with_the_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[SummaryScene] = []

    class Recorded(SummaryScene):
        def __init__(self, *a, **k) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*a, **k)
            shown.append(self)

    monkeypatch.setattr(game.flow, "SummaryScene", Recorded)
    store = Store.open(tmp_path / "neuroplay.db", flush_interval_s=0.05)
    try:
        first = play(plain_services(store), in_session=PRE_PAIN)
        second = play(plain_services(store), in_session=PRE_PAIN)
        hits = [f.result.outcome.summary["hits"] for f in (first, second)]
        assert len(store.history("p1")) == 2
    finally:
        store.close()
    assert shown[0].comparison[0] == "Your first time with this game: well done."
    delta = hits[1] - hits[0]
    want = (f"{delta} more than last time!" if delta > 0 else f"As many as last time ({hits[0]})."
            if delta == 0 else f"Last time: {hits[0]}. Every session counts.")
    assert shown[1].comparison[0] == want
    assert shown[1].comparison[1:] == ["This week: 1 day of exercise"]  # both today: one day
