"""The README's "For clinics" commands, run as written, in order, leave a working clinic.

The block is run as one bash script (the shell is part of what a reader copies: `$( )`,
`&`), with `neuroplay` from this checkout on PATH, a fresh $NEUROPLAY_HOME, the password
on standard input and a real X server (Xvfb) for `play`. The one change: the dashboard's
port 8765 becomes a free one, so parallel test runs do not collide. The patient the tour
names is created first by the README's own `patients add` line (the therapists' section).
Then, as alice would: log in, see the patient, see the station live with that patient.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.clinic.clinic_env import csrf_of
from tests.clinic.conftest import free_port

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "a-clinic-password"


def readme_block(section: str) -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", body, re.DOTALL)
    assert block, f"no bash block under '## {section}'"
    return [line for line in block.group(1).splitlines() if line.strip()]


@pytest.fixture
def xserver() -> Iterator[str]:
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("Xvfb not found (Debian package xvfb); `play` needs a display")
    for n in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            break
    proc = subprocess.Popen([xvfb, f":{n}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{n}").exists():
        assert proc.poll() is None and time.monotonic() < deadline, "Xvfb did not start"
        time.sleep(0.05)
    yield f":{n}"
    proc.terminate()
    proc.wait(10)


def test_the_readme_clinic_tour_works_as_written(tmp_path: Path, xserver: str) -> None:
    add_patient = [c for c in readme_block("For therapists")
                   if c.startswith("neuroplay patients add p-014")]
    tour = readme_block("For clinics")
    assert add_patient and any("therapist assign p-014" in c for c in tour)
    script = "\n".join(["set -e", add_patient[0], *tour])
    assert script.count("8765") == 2  # the dashboard's address, in the comment and in --clinic
    port = free_port()
    script = script.replace("neuroplay dashboard &", f"neuroplay dashboard --port {port} &")
    script = script.replace("127.0.0.1:8765", f"127.0.0.1:{port}")
    env = {k: v for k, v in os.environ.items()
           if k not in ("NEUROPLAY_DB", "NEUROPLAY_PIN", "NEUROPLAY_STATION_TOKEN",
                        "SDL_VIDEODRIVER", "WAYLAND_DISPLAY")}
    env.update(NEUROPLAY_HOME=str(tmp_path / "home"), DISPLAY=xserver, SDL_AUDIODRIVER="dummy",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    proc = subprocess.Popen(["bash", "-c", script], cwd=tmp_path, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    assert proc.stdin is not None
    proc.stdin.write(PASSWORD + "\n")
    proc.stdin.close()
    base = f"http://127.0.0.1:{port}"
    try:
        c = httpx.Client(base_url=base, timeout=30)
        deadline = time.monotonic() + 90
        while True:  # the script runs until the station's session is over: watch it live
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the tour's dashboard did not come up"
            try:
                token = csrf_of(c.get("/login").text)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        r = c.post("/login", data={"username": "alice", "password": PASSWORD,
                                   "csrf_token": token})
        assert r.status_code == 303, r.text
        assert "p-014" in c.get("/patients").text  # not an empty dashboard
        cookie = c.cookies.get("np_session")
        seen: dict = {}
        with connect(base.replace("http", "ws") + "/ws/live",
                     additional_headers={"Cookie": f"np_session={cookie}"}) as ws:
            while not (seen.get("connected") and seen.get("patient") == "p-014"):
                assert time.monotonic() < deadline, f"bay-3 never came live: {seen}"
                assert proc.poll() is None, proc.communicate()
                try:
                    seen = json.loads(ws.recv(timeout=5))
                except TimeoutError:
                    continue
        assert seen["name"] == "bay-3"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # bash, the dashboard and the station it started
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
