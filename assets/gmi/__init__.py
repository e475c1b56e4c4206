"""Hand poses for the laterality pictures (see extract_hand_poses.py and NOTICE.md)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np


@lru_cache(maxsize=1)
def named_hand_poses() -> tuple[tuple[str, np.ndarray], ...]:
    """(posture, pose) for every stored right-hand pose, in the canonical hand frame
    (exercises.gmi.hand_model); posture is "four" (open hand, thumb in), "call" (thumb
    and little finger out) or "rock" (index and little finger out)."""
    from exercises.gmi.hand_model import PoseError, canonical

    doc = json.loads(resources.files(__package__).joinpath("hand_poses.json").read_text())
    out = []
    for pose in doc["poses"]:
        try:
            out.append((str(pose["posture"]),
                        canonical(np.asarray(pose["landmarks"], dtype=float))))
        except PoseError:
            continue  # a mislabelled photo: left out, never drawn as the wrong hand
    return tuple(out)


def hand_poses() -> tuple[np.ndarray, ...]:
    """The stored right-hand poses in the canonical hand frame."""
    return tuple(p for _, p in named_hand_poses())
