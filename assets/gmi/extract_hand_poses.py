"""Build assets/gmi/hand_poses.json: real 21-landmark 3D hand poses for the laterality pictures.

Why: the laterality task needs hand pictures in many rotations and both views, and
no third-party image may ship. We keep only the geometry MediaPipe Hands measures
on real photos (world landmarks, metres, hand-centred) and draw the silhouettes
in code (exercises/gmi/hand_model.py). Run once, from the worktree:

    python assets/gmi/extract_hand_poses.py ../shared/data/stills/mediapipe_gesture_testdata

Source photos: mediapipe gesture test data (Apache-2.0 repository; the photos
appear to be HaGRID samples, CC BY-SA 4.0): see NOTICE.md beside this file.
Every pose is converted to a RIGHT hand (a left hand is mirrored in x), so the
renderer makes the left hand by mirroring, exactly like the task's pictures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import mediapipe as mp
import numpy as np

POSTURES = ("four", "call", "rock")  # open palm, thumb+little finger, index+little finger


def main(root: str) -> None:
    out: list[dict[str, object]] = []
    with mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=1,
                                  model_complexity=1, min_detection_confidence=0.5) as hands:
        for posture in POSTURES:
            for path in sorted(Path(root, posture).glob("*.jpg")):
                img = cv2.imread(str(path))
                if img is None:
                    continue
                res = hands.process(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
                if not res.multi_hand_world_landmarks:
                    continue
                world = np.array([[p.x, p.y, p.z] for p in
                                  res.multi_hand_world_landmarks[0].landmark])
                # MediaPipe labels assume a mirrored selfie: "Left" is the anatomical right.
                label = res.multi_handedness[0].classification[0].label
                if label == "Right":  # anatomical left: mirror to a right hand
                    world[:, 0] *= -1.0
                out.append({"posture": posture, "source": f"{posture}/{path.name}",
                            "landmarks": np.round(world, 5).tolist()})
    Path(__file__).with_name("hand_poses.json").write_text(json.dumps(
        {"units": "metres, MediaPipe Hands world landmarks, right hand", "poses": out}, indent=0))
    print(f"{len(out)} poses")


if __name__ == "__main__":
    main(sys.argv[1])
