"""benchmarks/depth.py on the real truths in ../shared/data (skips when absent).

The numbers asserted are properties the alignment must have whatever the
depth quality is: one depth axis for all three KERAAL exercises (the camera
did not move), the video's mirroring found decisively where the movement is
asymmetric, a small time lag, and for the stereo pair zero frame offset with
a reprojection error that grows on either side of it.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_depth", REPO / "benchmarks" / "depth.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_depth"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_keraal_alignment_is_consistent_across_exercises(shared_data: Path) -> None:
    folder = shared_data / "skeleton" / "keraal_g3"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    bench = _bench()
    res = {ex: bench.keraal_exercise(folder, ex) for ex in bench.EXERCISES}
    axes = np.array([r["depth_axis"] for r in res.values()])
    for a in axes:  # the same camera: axes agree within ~10 degrees
        assert float(a @ axes[0]) > 0.98
    elk = res["ELK"]
    assert elk["mirrored"] and elk["fit_rms_other_labelling"] > 4 * elk["fit_rms_px_fraction"]
    for r in res.values():
        assert abs(r["lag_s"]) < 0.2
        assert r["fit_rms_px_fraction"] < 0.03
    # trunk rotation swings the wrists ~1.4 m forward and back: depth follows the direction
    assert res["RTK"]["rows"]["Right_wrist"]["r"] > 0.5


def test_stereo_triangulation_finds_the_synchronised_frames(shared_data: Path) -> None:
    hand = shared_data / "videos" / "hand"
    if not (hand / "temugeb_handpose3d_cam1.mp4").is_file():
        pytest.skip(f"stereo pair not found in {hand}")
    s = _bench().stereo(shared_data, max_frames=90)
    errs = s["reprojection_px_by_offset"]
    assert s["frame_offset"] == 0
    assert errs[0] < 6.0 and errs[-2] > errs[0] and errs[2] > errs[0]
    assert 50 < s["wrist_distance_cm_median"] < 120  # a desk camera, not metres away
    assert s["rows"]["fingertips_rel_wrist"]["r"] > 0.3
