"""Depth benchmark: how well ONE camera's depth follows the true forward/backward motion.

Usage:
    python benchmarks/depth.py [--data ../shared/data] [--part keraal|stereo|both] [--json]

Two truths, both from ../shared/data (never copied into the repo):

keraal: KERAAL group 3 (three exercises, one healthy person) seen at once by
    BlazePose (MediaPipe's pose model: normalised image x, y and relative depth
    z, per video frame) and by Vicon motion capture (17 rigid targets, mm).
    Alignment uses ONLY the image plane: an affine camera is fitted from the
    Vicon targets to BlazePose's x, y (shoulders, elbows, wrists, hips, nose),
    searching the time lag that minimises its residual; the camera's depth axis
    is the cross product of the fitted image axes, and BlazePose z is converted
    to mm with the fitted x scale (MediaPipe: z has "roughly the same scale as
    x"). So nothing in the alignment looks at the depth being judged. Wrist =
    Vicon hand target; elbow = midpoint of the upper-arm and forearm targets
    (the targets sit mid-segment, their midpoint lies near the elbow). Depth is
    hip-relative (BlazePose z is relative to the hip midpoint; Vicon minus the
    hips target), as a displacement about its median, in cm. Arm length =
    95th percentile of the Vicon shoulder-to-hand distance (the arm straight).
    The KERAAL videos turn out mirrored: with BlazePose's Left/Right labels
    exchanged the image-plane fit is better in all three exercises (7x better in
    ELK), so the labels are exchanged when that fits better (printed).
    Rates: BlazePose 30 Hz (the video), Vicon twice that (every file has
    2.0x as many rows over the same movement); the lag search refines it.

stereo: TemugeB's synchronised, calibrated camera pair (a hand over a desk).
    Real MediaPipe Hands (vision.trackers.MediaPipeTracker, full-frame model,
    one hand) on both views; landmarks undistorted with each camera's
    intrinsics and triangulated (DLT) into the calibration's world, then put
    into camera 0's frame: the reference 3-D hand. The frame offset between
    the views is checked by the reprojection error. Single-camera estimates
    from camera 0 alone: (a) the within-hand depth of each fingertip relative to
    the wrist from MediaPipe's metric world landmarks, against the triangulated
    one; (b) the wrist's forward displacement from the apparent hand size
    (pinhole: Z = f * metric length / pixel length, metric from the world
    landmarks). Calibration units are converted to cm by the hand itself: the
    triangulated wrist-to-middle-knuckle length is set to MediaPipe's metric
    one (the median over frames), and the factor is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

os.environ.setdefault("GLOG_minloglevel", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import itertools

import numpy as np

from vision.depth import (
    DepthError,
    best_lag,
    depth_axis,
    depth_error,
    displacement,
    fit_affine_camera,
    projection_matrix,
    reproject,
    resample,
    triangulate,
    units_per_image_width,
)

REPO = Path(__file__).resolve().parents[1]
BP_RATE = 30.0
EXERCISES = ("CTK", "ELK", "RTK")

# Vicon target ids (readme_files_format.txt 1.1)
V_R_FOREARM, V_L_FOREARM, V_R_ARM, V_L_ARM = 0, 1, 2, 3
V_R_SHOULDER, V_L_SHOULDER, V_R_HAND, V_L_HAND, V_HIPS, V_HEAD = 7, 8, 9, 10, 13, 14


def load_keraal(folder: Path, ex: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(vicon (T, 17, 3) mm, blazepose {joint: (F, 3)}) for one exercise."""
    v = np.loadtxt(folder / f"G3-Vicon-{ex}-P1T1-Unknown-C-0.txt", ndmin=2)
    vicon = v.reshape(len(v), 17, 7)[:, :, :3].copy()
    vicon[np.all(vicon == 0, axis=2)] = np.nan  # lost target
    bp_raw = json.loads((folder / f"G3-BP-{ex}-P1T1-Unknown-C-0.json").read_text())["positions"]
    frames = sorted(bp_raw, key=float)
    names = list(bp_raw[frames[0]])
    bp = {n: np.array([bp_raw[f].get(n, [np.nan] * 3) for f in frames], float) for n in names}
    bp["_frame"] = np.array([float(f) for f in frames])
    return vicon, bp


def _vicon_points(vicon: np.ndarray) -> dict[str, np.ndarray]:
    """Named Vicon points (T, 3), the same names as the BlazePose joints they stand for."""
    return {
        "Right_shoulder": vicon[:, V_R_SHOULDER], "Left_shoulder": vicon[:, V_L_SHOULDER],
        "Right_wrist": vicon[:, V_R_HAND], "Left_wrist": vicon[:, V_L_HAND],
        "Right_elbow": 0.5 * (vicon[:, V_R_ARM] + vicon[:, V_R_FOREARM]),
        "Left_elbow": 0.5 * (vicon[:, V_L_ARM] + vicon[:, V_L_FOREARM]),
        "hips": vicon[:, V_HIPS], "Nose": vicon[:, V_HEAD],
    }


def _swap_sides(bp: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The same BlazePose recording with Left_/Right_ labels exchanged."""
    out = {}
    for n, v in bp.items():
        m = n.replace("Left_", "\0").replace("Right_", "Left_").replace("\0", "Right_")
        out[m] = v
    return out


def keraal_exercise(folder: Path, ex: str) -> dict[str, Any]:
    vicon, bp0 = load_keraal(folder, ex)
    vp = _vicon_points(vicon)
    t_bp = (bp0["_frame"] - bp0["_frame"][0]) / BP_RATE
    duration = t_bp[-1]
    t_v = np.linspace(0.0, duration, len(vicon))  # same span, ~2x rate
    fit_names = ["Right_shoulder", "Left_shoulder", "Right_wrist", "Left_wrist",
                 "Right_elbow", "Left_elbow", "hips", "Nose"]

    def fit(bp: dict[str, np.ndarray]) -> tuple[float, Any]:
        bpj = dict(bp)
        bpj["hips"] = 0.5 * (bp["Left_hip"] + bp["Right_hip"])

        def pairs(lag: float) -> tuple[np.ndarray, np.ndarray]:
            X = np.concatenate([resample(t_v + lag, vp[n], t_bp) for n in fit_names])
            uv = np.concatenate([bpj[n][:, :2] for n in fit_names])
            return X, uv

        lag = best_lag(lambda g: fit_affine_camera(*pairs(g)).rms, max_lag=1.0,
                       step=1.0 / (2 * BP_RATE))
        return lag, (bpj, fit_affine_camera(*pairs(lag)))

    # A mirrored (selfie) video swaps MediaPipe's Left/Right labels against the
    # person's anatomy; an affine camera can absorb the reflection, so the image
    # plane alone says which labelling fits: keep the one with the smaller residual.
    fits = {False: fit(bp0), True: fit(_swap_sides(bp0))}
    mirrored = fits[True][1][1].rms < fits[False][1][1].rms
    lag, (bpj, cam) = fits[mirrored]
    d = depth_axis(cam) * (-1.0 if mirrored else 1.0)  # image x runs the other way
    mm_per_x = units_per_image_width(cam)
    hips_v = resample(t_v + lag, vp["hips"], t_bp)
    # arm length: the shoulder-to-hand distance with the arm straight (its 95th
    # percentile over the recording; the median would shrink with elbow flexion)
    arm = float(np.nanpercentile(np.linalg.norm(vicon[:, V_R_HAND] - vicon[:, V_R_SHOULDER],
                                                axis=1), 95))
    rows: dict[str, Any] = {}
    for joint in ("Right_wrist", "Left_wrist", "Right_elbow", "Left_elbow"):
        truth = displacement((resample(t_v + lag, vp[joint], t_bp) - hips_v) @ d) / 10.0
        est = displacement(bpj[joint][:, 2] - bpj["hips"][:, 2]) * mm_per_x / 10.0
        rows[joint] = asdict(depth_error(est, truth, arm / 10.0))
    return {"lag_s": lag, "fit_rms_px_fraction": cam.rms, "depth_axis": d.round(3).tolist(),
            "mirrored": bool(mirrored), "fit_rms_other_labelling": fits[not mirrored][1][1].rms,
            "cm_per_image_width": mm_per_x / 10.0, "arm_cm": arm / 10.0, "frames": len(t_bp),
            "rows": rows}


# --------------------------------------------------------------------- stereo

def _read_matrix_file(path: Path) -> dict[str, np.ndarray]:
    """TemugeB's camera files: 'name:' lines followed by rows of numbers."""
    out: dict[str, list[list[float]]] = {}
    key = None
    for line in path.read_text().splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            if s.startswith("#"):
                key = None  # the block after a comment (cam0 -> cam1) is not used
            continue
        if s.endswith(":"):
            key = s[:-1]
            if key in out:  # a second R:/T: block: ignore
                key = None
            else:
                out[key] = []
            continue
        if key is not None:
            out[key].append([float(x) for x in s.split()])
    return {k: np.array(v) for k, v in out.items()}


def load_stereo_calibration(folder: Path) -> list[dict[str, np.ndarray]]:
    cams = []
    for i in (0, 1):
        intr = _read_matrix_file(folder / f"c{i}.dat")
        rt = _read_matrix_file(folder / f"rot_trans_c{i}.dat")
        cams.append({"K": intr["intrinsic"], "dist": intr["distortion"].ravel(),
                     "R": rt["R"], "T": rt["T"].ravel()})
    return cams


def track_hands(video: Path, max_frames: int | None = None
                ) -> tuple[list[np.ndarray | None], list[np.ndarray | None], tuple[int, int]]:
    """Per frame: (21, 2) pixel landmarks and (21, 3) world landmarks of one hand, or None."""
    import cv2

    from vision.trackers import MediaPipeTracker

    cap = cv2.VideoCapture(str(video))
    px: list[np.ndarray | None] = []
    world: list[np.ndarray | None] = []
    size = (0, 0)
    tracker = MediaPipeTracker(hands=True, hand_roi=False, max_hands=1)
    try:
        i = 0
        while True:
            ok, img = cap.read()
            if not ok or (max_frames is not None and i >= max_frames):
                break
            h, w = img.shape[:2]
            size = (w, h)
            f = tracker.process(img, int(i * 1e9 / 30), i)
            if f.hands and f.hands[0].world is not None:
                lm = f.hands[0].landmarks
                px.append(np.stack([lm[:, 0] * w, lm[:, 1] * h], axis=1).astype(float))
                world.append(f.hands[0].world.astype(float))
            else:
                px.append(None)
                world.append(None)
            i += 1
    finally:
        tracker.close()
        cap.release()
    return px, world, size


def _undistort(uv: np.ndarray, K: np.ndarray, dist: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.undistortPoints(uv.reshape(-1, 1, 2), K, dist, P=K).reshape(-1, 2)


WRIST, MIDDLE_MCP, TIPS = 0, 9, (4, 8, 12, 16, 20)
PALM_SEGMENTS = ((0, 5), (0, 9), (0, 13), (0, 17), (5, 17))


def stereo(data: Path, max_frames: int | None = None) -> dict[str, Any]:
    hand = data / "videos" / "hand"
    cams = load_stereo_calibration(hand / "temugeb_handpose3d_camera_parameters")
    px0, w0, _ = track_hands(hand / "temugeb_handpose3d_cam0.mp4", max_frames)
    px1, _, _ = track_hands(hand / "temugeb_handpose3d_cam1.mp4", max_frames)
    P = [projection_matrix(c["K"], c["R"], c["T"]) for c in cams]
    und0 = [None if p is None else _undistort(p, cams[0]["K"], cams[0]["dist"]) for p in px0]
    und1 = [None if p is None else _undistort(p, cams[1]["K"], cams[1]["dist"]) for p in px1]

    def reproj_error(offset: int) -> float:
        errs = []
        for i in range(len(und0)):
            j = i + offset
            if not (0 <= j < len(und1)) or und0[i] is None or und1[j] is None:
                continue
            X = triangulate(P[0], P[1], und0[i], und1[j])
            errs.append(np.mean(np.linalg.norm(reproject(P[0], X) - und0[i], axis=1))
                        + np.mean(np.linalg.norm(reproject(P[1], X) - und1[j], axis=1)))
        return float(np.median(errs)) if errs else float("inf")

    offsets = {k: reproj_error(k) for k in range(-3, 4)}
    offset = min(offsets, key=offsets.get)  # type: ignore[arg-type]
    n = len(und0)
    Xc = np.full((n, 21, 3), np.nan)  # camera-0 frame, calibration units
    W = np.full((n, 21, 3), np.nan)  # MediaPipe world, metres
    size_px = np.full(n, np.nan)
    size_m = np.full(n, np.nan)
    for i in range(n):
        j = i + offset
        if und0[i] is None or not (0 <= j < len(und1)) or und1[j] is None:
            continue
        X = triangulate(P[0], P[1], und0[i], und1[j])
        Xc[i] = X @ cams[0]["R"].T + cams[0]["T"]
        W[i] = w0[i]
        size_px[i] = sum(np.linalg.norm(und0[i][a] - und0[i][b]) for a, b in PALM_SEGMENTS)
        size_m[i] = sum(np.linalg.norm(w0[i][a] - w0[i][b]) for a, b in PALM_SEGMENTS)
    palm_tri = np.linalg.norm(Xc[:, MIDDLE_MCP] - Xc[:, WRIST], axis=1)
    palm_mp = np.linalg.norm(W[:, MIDDLE_MCP] - W[:, WRIST], axis=1)
    cm_per_unit = float(np.nanmedian(palm_mp) * 100 / np.nanmedian(palm_tri))
    # hand length along the middle finger's bones (wrist-knuckle-...-tip): the same
    # whether the hand is open or a fist
    chain = (0, 9, 10, 11, 12)
    hand_len = float(np.nanmedian(sum(np.linalg.norm(W[:, b] - W[:, a], axis=1)
                                      for a, b in itertools.pairwise(chain))) * 100)
    rows: dict[str, Any] = {}
    # (a) within-hand depth of the fingertips relative to the wrist, camera 0's z
    # (MediaPipe's world z also grows away from the camera)
    tip_true = (Xc[:, TIPS, 2] - Xc[:, [WRIST], 2]) * cm_per_unit
    tip_est = (W[:, TIPS, 2] - W[:, [WRIST], 2]) * 100
    rows["fingertips_rel_wrist"] = asdict(depth_error(tip_est - np.nanmedian(tip_est, axis=0),
                                                      tip_true - np.nanmedian(tip_true, axis=0),
                                                      hand_len))
    # (b) wrist forward displacement from apparent size, pinhole with camera 0's focal length
    f0 = float(cams[0]["K"][0, 0])
    z_est = f0 * size_m / size_px * 100  # cm
    z_true = Xc[:, WRIST, 2] * cm_per_unit
    rows["wrist_from_hand_size"] = asdict(depth_error(displacement(z_est), displacement(z_true),
                                                      hand_len))
    both = int(np.isfinite(Xc[:, WRIST, 2]).sum())
    return {"frames": n, "frames_both_views": both, "frame_offset": offset,
            "reprojection_px_by_offset": {k: round(v, 2) for k, v in offsets.items()},
            "cm_per_calibration_unit": cm_per_unit, "hand_length_cm": hand_len,
            "wrist_distance_cm_median": float(np.nanmedian(z_true)), "rows": rows}


def _fmt(name: str, e: dict[str, Any]) -> str:
    de = DepthError(**e)
    return (f"  {name:22s} n {de.n:4d} | true range {de.true_range:5.1f} cm | bias {de.bias:+5.1f} "
            f"| MAE {de.mae:5.1f} cm ({100 * de.mae_fraction:4.1f} % of {de.reference_length:.0f} cm)"
            f" | RMSE {de.rmse:5.1f} | p95 {de.p95:5.1f} | r {de.r:+.2f} | gain {de.gain:+.2f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--part", choices=("keraal", "stereo", "both"), default="both")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    if not a.data.is_dir():
        print(f"error: data folder not found: {a.data}", file=sys.stderr)
        return 2
    load0 = os.getloadavg()[0]
    out: dict[str, Any] = {}
    if a.part in ("keraal", "both"):
        folder = a.data / "skeleton" / "keraal_g3"
        out["keraal"] = {ex: keraal_exercise(folder, ex) for ex in EXERCISES}
    if a.part in ("stereo", "both"):
        out["stereo"] = stereo(a.data)
    out["load"] = [round(load0, 2), round(os.getloadavg()[0], 2)]
    if a.json:
        print(json.dumps(out, indent=1))
        return 0
    print(f"load {out['load'][0]} -> {out['load'][1]} (1-min, 2 CPUs)")
    for ex, r in out.get("keraal", {}).items():
        print(f"keraal {ex}: {r['frames']} frames, lag {r['lag_s']:+.3f} s, image fit rms "
              f"{r['fit_rms_px_fraction']:.4f} (image widths; other L/R labelling "
              f"{r['fit_rms_other_labelling']:.4f}, mirrored {r['mirrored']}), depth axis {r['depth_axis']}, "
              f"{r['cm_per_image_width']:.0f} cm per image width, arm {r['arm_cm']:.0f} cm")
        for name, e in r["rows"].items():
            print(_fmt(name, e))
    if "stereo" in out:
        s = out["stereo"]
        print(f"stereo: {s['frames']} frames, hand in both views {s['frames_both_views']}, "
              f"view offset {s['frame_offset']} (reprojection px by offset "
              f"{s['reprojection_px_by_offset']}), {s['cm_per_calibration_unit']:.2f} cm per "
              f"calibration unit, hand {s['hand_length_cm']:.1f} cm, wrist at "
              f"{s['wrist_distance_cm_median']:.0f} cm")
        for name, e in s["rows"].items():
            print(_fmt(name, e))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
