"""`play --game breathing --mouse` and the title's "Body map" in a real X11 window under
Xvfb, driven by xdotool as a user would (tests/game/test_real_window.py's harness).
Skips without Xvfb or xdotool."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from telemetry.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "game"))
from test_real_window import (
    PLAN,
    REPO,
    WINDOW,
    Player,
    display,  # noqa: F401  (the fixture)
    finish,
    pytestmark,  # noqa: F401  (skips without Xvfb / xdotool)
)


def start(x_display: str, home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DISPLAY": x_display, "SDL_VIDEODRIVER": "x11", "SDL_AUDIODRIVER": "dummy",
           "NEUROPLAY_HOME": str(home), "SDL_VIDEO_WINDOW_POS": "0,0"}
    env.pop("NEUROPLAY_DB", None)
    env.pop("WAYLAND_DISPLAY", None)
    return subprocess.Popen([sys.executable, "-c", "from game.cli import main; main()", "play",
                             "--mouse", "--no-report", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_breathing_session_with_the_mouse_runs_the_pacer_alone(display: str,  # noqa: F811
                                                                  tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Store.open(data_dir=home) as store:
        store.ensure_patient("p-br", affected_side="right")
        store.save_plan("p-br", PLAN.read_text("utf-8") + "\n[breathing]\nminutes = 0.5\n", "test")
    proc = start(display, home, "--patient", "p-br", "--game", "breathing")
    try:
        u = Player(display, proc, None)
        w, h = WINDOW
        u.wait("title")
        u.point(w * 0.8, h * 0.3)
        u.key("Return")
        u.wait("safety")
        u.key("Return")
        u.wait("patient")
        u.key("Return")
        u.wait("checkin_pre")
        for k in ("3", "6", "7", "4"):  # pain, sleep, mood, interference: typed
            u.key(k)
            time.sleep(0.4)
        u.wait("breathing")
        u.point(w * 0.5, h * 0.05)  # the hand rests on no button: 30 s with the guide
        u.wait("checkin_post", timeout=60)
        u.key("2")
        u.wait("bodymap")
        time.sleep(0.3)
        u.key("Return")
        u.wait("summary")
        u.key("Return")
        code, out, err = finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, err
    assert out.startswith("Session ") and "(breathing): Guide: 6 breaths a minute for 0 min 30 s" \
        in out and "Guide only: no camera" in out, out
    with Store.open(data_dir=home) as store:
        [s] = store.history("p-br")
    assert s.exercise == "breathing" and s.completed and s.summary["pacer_only"] is True
    assert s.summary["seconds"] >= 30.0 and s.summary["rate_per_min"] is None


def test_the_title_body_map_button_paints_only_the_map(display: str,  # noqa: F811
                                                       tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Store.open(data_dir=home) as store:
        store.ensure_patient("p-bm", affected_side="right")
    proc = start(display, home, "--patient", "p-bm")
    try:
        u = Player(display, proc, None)
        w, h = WINDOW
        u.wait("title")
        u.point(w * 0.8, h * 0.3)
        u.key("Tab", "Tab", "Return")  # Start -> Diary -> Body map
        u.wait("patient")
        u.key("Return")
        u.wait("bodymap")
        time.sleep(0.3)
        u.key("Return")  # Enter presses Done
        u.wait("bodymap_done")
        u.key("Return")
        code, out, err = finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, err
    assert out.strip() == "Your body map is saved; nothing was played.", out
    assert u.seen == ["title", "patient", "bodymap", "bodymap_done"]
    with Store.open(data_dir=home) as store:
        assert len(store.body_maps("p-bm", layer="patient")) == 1 and store.history("p-bm") == []
