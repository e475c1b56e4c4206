"""game/players/live.py `live_input` (what `neuroplay play` uses) on a real clip standing in for a camera:
a hand game tracks and judges only the affected arm's hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from game.cli.errors import UserError
from game.players import live_input


@pytest.mark.slow
def test_live_input_for_a_hand_game_watches_only_the_affected_hand(shared_data: Path) -> None:
    clip = shared_data / "videos/hand/raiyan_finger_tapping_test4.mov"  # right hand beside the face
    live = live_input(None, str(clip), hands=True, arms=("right",))
    frames = []
    try:
        while len(frames) < 40 and (f := live.pipe.take(timeout=2.0)) is not None:
            frames.append(f)
    finally:
        live.stop()
    assert len(frames) >= 20  # paced at the clip's 30 fps; the newest frame wins, some may drop
    assert live.builder.arms == ("right",) and live.builder.hands
    assert all(h.handedness == "Right" for f in frames for h in f.hands)
    its = [live.builder.build(f, frames[0].t_ns) for f in frames]
    assert np.mean([i.cue is None for i in its]) >= 0.9  # close framing is fine for a hand game
    assert np.mean([i.right is not None and i.right.pinch is not None for i in its]) >= 0.9


def test_live_input_names_a_missing_video(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="missing.mp4"):
        live_input(None, str(tmp_path / "missing.mp4"), hands=True, arms=("left",))
