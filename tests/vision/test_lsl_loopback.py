"""LSL round trip: `neuroplay demo --lsl` streams; inlets on loopback receive.

The demo runs in a subprocess (its outlets wait for our inlets with
--lsl-wait); LSL is configured to discover on 127.0.0.1 only, in a session id
of its own, so other programs' streams on this machine are never seen. The
received streams are checked against the session's own telemetry (the SQLite
store the demo wrote): every stored landmark frame is in the pose stream with
the same values and the same spacing in time, the markers are the stored
events in the same order with the same session times, the rate is the
frames' real one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest

pylsl = pytest.importorskip("pylsl", reason="pylsl (Lab Streaming Layer) is not installed")

from telemetry.store import Store
from vision.lsl import MARKER_STREAM, POSE_STREAM, pose_channels

REPO = Path(__file__).resolve().parents[2]


def _loopback_config(tmp: Path) -> Path:
    cfg = tmp / "lsl_api.cfg"
    cfg.write_text("[ports]\nIPv6 = disable\n[multicast]\nResolveScope = machine\n"
                   "MachineAddresses = {127.0.0.1}\n[lab]\nKnownPeers = {127.0.0.1}\n"
                   f"SessionID = neuroplay-test-{uuid.uuid4().hex}\n")
    return cfg


def test_demo_streams_pose_and_markers_matching_its_telemetry(tmp_path: Path) -> None:
    cfg = _loopback_config(tmp_path)
    os.environ["LSLAPICFG"] = str(cfg)  # liblsl reads it on first use in this process
    env = {**os.environ, "LSLAPICFG": str(cfg), "SDL_VIDEODRIVER": "dummy",
           "SDL_AUDIODRIVER": "dummy"}
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-c", "from game.cli import main; main()", "demo", "--headless",
         "--seconds", "20", "--data-dir", str(data), "--json", "--no-report", "--lsl",
         "--lsl-wait", "60"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        found = {}
        for name in (POSE_STREAM, MARKER_STREAM):
            streams = pylsl.resolve_byprop("name", name, 1, 60.0)
            assert streams, f"{name} not found on loopback"
            found[name] = streams[0]
        inlets = {n: pylsl.StreamInlet(s) for n, s in found.items()}
        for inlet in inlets.values():
            inlet.open_stream(30.0)
        got: dict[str, tuple[list, list]] = {n: ([], []) for n in inlets}
        while True:
            done = proc.poll() is not None
            for n, inlet in inlets.items():
                x, ts = inlet.pull_chunk(timeout=0.2)
                got[n][0].extend(x)
                got[n][1].extend(ts)
            if done:
                break
        for n, inlet in inlets.items():  # whatever is still in flight
            x, ts = inlet.pull_chunk(timeout=1.0)
            got[n][0].extend(x)
            got[n][1].extend(ts)
        out = proc.stdout.read() if proc.stdout else ""
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.returncode == 0
    summary = json.loads(out)

    # metadata: XDF-ready channel descriptions
    info = inlets[POSE_STREAM].info(5.0)
    assert (info.type(), info.channel_count(), info.channel_format()) == ("MoCap", 132, pylsl.cf_float32)
    ch = info.desc().child("channels").child("channel")
    labels = []
    while not ch.empty():
        labels.append(ch.child_value("label"))
        ch = ch.next_sibling()
    assert labels == [c[0] for c in pose_channels()]
    minfo = inlets[MARKER_STREAM].info(5.0)
    assert minfo.type() == "Markers" and minfo.nominal_srate() == pylsl.IRREGULAR_RATE

    pose = np.asarray(got[POSE_STREAM][0], np.float32)
    pose_ts = np.asarray(got[POSE_STREAM][1])
    store = Store.open(data_dir=str(data))
    try:
        frames = store.landmark_frames(summary["session_id"])
        events = store.events(summary["session_id"])
    finally:
        store.close()

    # rate: the stamps' spacing is the frames' own, and the nominal rate says so
    dt = np.diff(pose_ts)
    assert np.all(dt > 0)
    assert info.nominal_srate() == pytest.approx(1.0 / np.median(dt), rel=0.01)

    # every stored frame is in the stream, same values, same spacing in time
    assert len(frames) > 100 and len(pose) >= len(frames)
    # (the store quantizes landmarks: compare image x, y within 1e-3 of a frame)
    xy = pose.reshape(len(pose), 33, 4)[:, :, :2]
    where = []
    for f in frames:
        assert f.pose is not None
        err = np.nanmax(np.abs(xy - f.pose[None, :, :2]), axis=(1, 2))
        assert float(err.min()) < 1e-3
        where.append(int(np.argmin(err)))
    assert where == sorted(where)
    lsl_t = pose_ts[where]
    cap_t = np.array([f.t_ns for f in frames]) / 1e9
    np.testing.assert_allclose(lsl_t - lsl_t[0], cap_t - cap_t[0], atol=1e-4)

    # markers: the stored events, same order, same session times, on the frames' clock
    markers = [json.loads(m[0]) for m in got[MARKER_STREAM][0]]
    m_ts = np.asarray(got[MARKER_STREAM][1])
    assert [m["kind"] for m in markers] == [e.kind for e in events]
    assert [m["t"] for m in markers] == pytest.approx([e.t for e in events])
    assert summary["hits"] == sum(m["kind"] == "hold_complete" for m in markers)
    # session time 0 = the first frame streamed
    np.testing.assert_allclose(m_ts - pose_ts[0], [m["t"] for m in markers], atol=1e-4)
