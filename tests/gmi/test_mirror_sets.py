"""GMI stage 3: the plan's [gmi.mirror] sets shape a mirror session, never beyond the day's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from exercises.doses import SessionDose
from exercises.gmi.mirror import mirror_session
from exercises.gmi.rules import Mirror


@settings(max_examples=80, deadline=None)
@given(st.floats(1.0, 30.0), st.integers(1, 6), st.floats(1.0, 40.0), st.floats(30.0, 900.0))
def test_sets_never_exceed_the_days_session(set_min: float, sets: int, day_min: float,
                                            rest_every: float) -> None:
    day = SessionDose(session_minutes=day_min, rest_every_s=rest_every)
    out, why = mirror_session(day, Mirror(set_minutes=set_min, sets=sets))
    assert out.session_minutes == pytest.approx(min(day_min, set_min * sets))
    assert out.session_minutes <= day.session_minutes  # the plan's cap, or today's easier dose
    assert out.rest_every_s <= set_min * 60.0 + 1e-9 and out.rest_every_s <= rest_every
    assert (out.pain_stop_threshold, out.pain_rise_limit, out.rest_s) == \
        (day.pain_stop_threshold, day.pain_rise_limit, day.rest_s)  # safety untouched
    assert f"{sets} set" in why and ("capped" in why) == (day_min < set_min * sets)


def test_demo_mirror_session_plays_the_plans_sets(tmp_path: Path) -> None:
    from game.cli import cli

    r = CliRunner().invoke(cli, ["demo", "--headless", "--json", "--no-report", "--mirror",
                                 "split", "--data-dir", str(tmp_path), "--seconds", "30"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output.strip().splitlines()[-1])
    from telemetry.store import Store

    store = Store.open(Path(out["data"]))
    try:
        s = store.history("demo")[-1]
    finally:
        store.close()
    assert any("mirror therapy (GMI stage 3): 2 sets of 5 min" in d for d in s.decisions)
    assert out["session_minutes"] == pytest.approx(0.5)  # --seconds 30 caps the day's session
