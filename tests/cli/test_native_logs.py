"""The command line keeps MediaPipe's native INFO/WARNING lines off stderr, never our errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from game.cli.native_logs import is_noise

CLIP = Path(__file__).parents[1] / "data" / "mediapipe_docs_pose_segmentation.mp4"
NEUROPLAY = [sys.executable, "-c", "from game.cli import main; main()"]


def test_native_info_and_warning_lines_are_noise_errors_are_not() -> None:
    assert is_noise(b"W0000 00:00:1796042018.805141    9312 inference_feedback_manager.cc:114] "
                    b"Feedback manager requires a model with a single signature inference.")
    assert is_noise(b"I0000 00:00:1700000000.000001  123 gl_context.cc:357] GL version: 3.2")
    assert is_noise(b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.")
    assert is_noise(b"[ WARN:0@2.134] global cap_v4l.cpp:913 open VIDEOIO(V4L2:/dev/video7): can't open camera")
    assert is_noise(b"[ERROR:0@2.134] global obsensor_uvc_stream_channel.cpp:158 getStreamChannelGroup")
    assert not is_noise(b"E0000 00:00:1796042018.805141    9312 calculator_graph.cc:887] failed")
    assert not is_noise(b"F0000 00:00:1796042018.805141    9312 check failed")
    assert not is_noise(b"Error: /nope.mp4: video file not found")


def test_tracking_run_prints_only_our_lines(tmp_path: Path) -> None:
    out = tmp_path / "clip.npz"
    run = subprocess.run([*NEUROPLAY, "track", str(CLIP), "--out", str(out), "--json"],
                         check=False, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["detected_frames"] > 0
    assert "inference_feedback_manager" not in run.stderr and "W0000" not in run.stderr
    bad = subprocess.run([*NEUROPLAY, "track", str(tmp_path / "missing.mp4"), "--out", str(out)],
                         check=False, capture_output=True, text=True, timeout=600)
    assert bad.returncode == 2
    assert bad.stderr.strip() == f"Error: {tmp_path / 'missing.mp4'}: video file not found"
