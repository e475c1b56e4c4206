"""Real MediaPipe on real recordings: detection, sides, angles, SAR, handedness.

Kept short (1-2 s of video at <= 640 px, small stills) because the machine
is shared; each test states what it checks in numbers.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from vision.body_model import elbow_flexion_deg, shoulder_abduction_deg
from vision.bodyframe import LEFT_SHOULDER, LEFT_WRIST, RIGHT_SHOULDER, RIGHT_WRIST, BodyFrame
from vision.intents_builder import IntentsBuilder
from vision.pipeline import LockstepPipeline
from vision.sources import VideoSource
from vision.trackers import MediaPipeTracker, TasksPoseTracker, TrackerError, verify_model


def _track(path: Path, seconds: float, *, start_s: float = 0.0, hands: bool = False,
           max_side: int = 640, hand_roi: bool = True) -> list[BodyFrame]:
    src = VideoSource(path, start_s=start_s, max_seconds=seconds, max_side=max_side)
    with LockstepPipeline(src, MediaPipeTracker(hands=hands, hand_roi=hand_roi)) as pipe:
        return list(pipe)


def test_detects_the_person_and_puts_left_on_the_left(test_data: Path) -> None:
    frames = _track(test_data / "mediapipe_docs_pose_segmentation.mp4", 2.0)
    assert len(frames) == 40  # 20 fps container, 2 s: the real rate, not an assumed 30
    assert frames[-1].t_ns == pytest.approx(1.95e9, abs=1e6)  # container timestamps
    detected = [f for f in frames if f.pose is not None]
    assert len(detected) / len(frames) >= 0.95
    # Unmirrored frontal image: the person's LEFT shoulder has the LARGER image x.
    left_is_right_of_image = [f.pose[LEFT_SHOULDER, 0] > f.pose[RIGHT_SHOULDER, 0] for f in detected]
    assert np.mean(left_is_right_of_image) >= 0.95
    assert all(f.pose_world is not None for f in detected)


@pytest.mark.slow
def test_elbow_and_shoulder_angles_on_a_known_pose(shared_data: Path) -> None:
    # Arms abducted about 90 deg at the shoulder while the elbows flex (MANIFEST: shoulder 82-96).
    frames = [f for f in _track(shared_data / "videos/upper_limb/sagor_elbow_flexion.mp4", 1.5)
              if f.pose is not None]
    assert len(frames) >= 35
    for side in ("left", "right"):
        abd = np.median([shoulder_abduction_deg(f.pose, side, f.width, f.height) for f in frames])
        assert 75.0 <= abd <= 105.0, (side, abd)
        elbow = [elbow_flexion_deg(f.pose, side, f.width, f.height) for f in frames]
        assert all(0.0 <= e <= 160.0 for e in elbow), (side, min(elbow), max(elbow))
    # End to end in body units: arms out to the sides put the patient's right hand at +x
    # (screen right in the selfie view) and the left at -x, both about shoulder height.
    builder = IntentsBuilder(None)
    its = [builder.build(f, frames[0].t_ns) for f in frames]
    rx = np.median([i.right.x for i in its if i.right is not None])
    lx = np.median([i.left.x for i in its if i.left is not None])
    assert rx > 0.9 and lx < -0.9
    assert abs(np.median([i.right.y for i in its if i.right is not None])) < 0.6
    assert np.mean([i.cue is None for i in its]) >= 0.9


@pytest.mark.slow
def test_sample_aspect_ratio_is_corrected(shared_data: Path) -> None:
    path = shared_data / "videos/upper_limb/mrm_lateral_raise_anamorphic.mp4"
    src = VideoSource(path)
    assert (src.width, src.height) == (405, 720) and src.raw_size == (1080, 720)  # SAR 3:8 -> portrait
    src.close()
    frames = [f for f in _track(path, 0.5) if f.pose is not None]  # arms resting at the sides
    assert len(frames) >= 10
    rest = np.median([shoulder_abduction_deg(f.pose, s, f.width, f.height)
                      for f in frames for s in ("left", "right")])
    assert rest < 45.0
    # Without the correction the same frames read as a raised arm (why the resize matters).
    tracker = MediaPipeTracker()
    src = VideoSource(path, max_seconds=0.5)
    stretched = []
    while (item := src.read()) is not None:
        f = tracker.process(cv2.resize(item[1], (648, 432)), item[0], len(stretched))
        if f.pose is not None:
            stretched.append(np.median([shoulder_abduction_deg(f.pose, s, f.width, f.height)
                                        for s in ("left", "right")]))
    tracker.close()
    assert np.median(stretched) > 55.0


def test_handedness_is_anatomical_on_real_stills(test_data: Path) -> None:
    paths = sorted((test_data / "gesture_stills").glob("*/*.jpg"))
    assert len(paths) >= 20
    agree = total = 0
    with MediaPipeTracker(hands=True, static_image_mode=True) as tracker:
        for i, p in enumerate(paths):
            img = cv2.imread(str(p))
            s = 320 / max(img.shape[:2])
            img = cv2.resize(img, (round(img.shape[1] * s), round(img.shape[0] * s)))
            f = tracker.process(img, i, i)
            if f.pose is None:
                continue
            for hand in f.hands:
                wrist = hand.landmarks[0, :2]
                d_left = np.linalg.norm(f.pose[LEFT_WRIST, :2] - wrist)
                d_right = np.linalg.norm(f.pose[RIGHT_WRIST, :2] - wrist)
                nearest = "Left" if d_left < d_right else "Right"
                agree += hand.handedness == nearest
                total += 1
    assert total >= 15
    assert agree / total >= 0.9  # the raw MediaPipe (selfie) label is the opposite


def test_tasks_tracker_checks_the_model_hash(tmp_path: Path) -> None:
    fake = tmp_path / "pose.task"
    fake.write_bytes(b"not really a model")
    with pytest.raises(TrackerError, match="no expected sha256"):
        verify_model(fake)
    with pytest.raises(TrackerError, match="sha256 mismatch"):
        verify_model(fake, "0" * 64)
    (tmp_path / "pose.task.sha256").write_text("0" * 64 + "  pose.task\n")
    with pytest.raises(TrackerError, match="sha256 mismatch"):
        TasksPoseTracker(fake)
    with pytest.raises(TrackerError, match="model file not found"):
        verify_model(tmp_path / "missing.task", "0" * 64)
    # The right hash of a file that is not a model: refused with a message, not a traceback.
    import hashlib
    good = hashlib.sha256(fake.read_bytes()).hexdigest()
    assert verify_model(fake, good.upper()) == fake
    with pytest.raises(TrackerError, match="not a usable pose landmarker model"):
        TasksPoseTracker(fake, sha256=good)


@pytest.mark.slow
def test_tasks_tracker_on_a_real_model(test_data: Path) -> None:
    model = os.environ.get("NEUROPLAY_POSE_TASK")
    if not model or not Path(model).is_file():
        pytest.skip("no PoseLandmarker .task model given (set NEUROPLAY_POSE_TASK to a model file "
                    "with a <model>.sha256 sidecar); the machines have no network to fetch one")
    src = VideoSource(test_data / "mediapipe_docs_pose_segmentation.mp4", max_seconds=1.0, max_side=480)
    with LockstepPipeline(src, TasksPoseTracker(model)) as pipe:
        frames = list(pipe)
    assert sum(f.pose is not None for f in frames) / len(frames) >= 0.9


@pytest.mark.slow
def test_hand_crops_from_the_pose_find_both_hands_with_the_right_labels(shared_data: Path) -> None:
    # Both arms out to the sides, hands well apart (sagor_elbow_flexion, MANIFEST: hands 0.93).
    frames = _track(shared_data / "videos/upper_limb/sagor_elbow_flexion.mp4", 1.0, hands=True)
    assert all(f.hands_tracked for f in frames)
    both = [f for f in frames if {h.handedness for h in f.hands} == {"Left", "Right"}]
    assert len(both) / len(frames) >= 0.8
    for f in both:
        for hand in f.hands:
            wrist = hand.landmarks[0, :2]
            d_left = np.linalg.norm(f.pose[LEFT_WRIST, :2] - wrist)
            d_right = np.linalg.norm(f.pose[RIGHT_WRIST, :2] - wrist)
            assert hand.handedness == ("Left" if d_left < d_right else "Right")
            assert min(d_left, d_right) < 0.1  # the hand sits at its own wrist, in full-image coordinates
    # The crop -> image mapping agrees with the full-frame hand model on the same frames.
    full = _track(shared_data / "videos/upper_limb/sagor_elbow_flexion.mp4", 1.0, hands=True, hand_roi=False)
    diffs = []
    for a, b in zip(frames, full):
        for hand in a.hands:
            other = b.hand(hand.handedness)
            if other is not None:
                diffs.append(float(np.abs(hand.landmarks[:, :2] - other.landmarks[:, :2]).max()))
    assert len(diffs) >= 20
    assert np.median(diffs) < 0.01  # of the image size
