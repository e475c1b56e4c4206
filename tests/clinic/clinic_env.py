"""A ready clinic for the dashboard tests: two clinics, two therapists, patients, sessions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

from telemetry.clinic import ClinicStore
from telemetry.store import Store
from telemetry.synthetic import Course, generate
from vision.bodyframe import BodyFrame

PASSWORD = "correct-horse-42"
PLAN = (Path(__file__).resolve().parents[2] / "assets" / "plans"
        / "neuropathic_upper_limb_seated.toml")


@dataclass
class ClinicEnv:
    store: Store
    clinic: ClinicStore
    north: int
    south: int
    station_token: str
    session_id: str


def build(target: str) -> ClinicEnv:
    store = Store.open(target, flush_interval_s=0.05)
    cs = ClinicStore(store.engine)
    north = cs.add_therapist("ana", "North Clinic", PASSWORD).clinic_id
    south = cs.add_therapist("bob", "South Clinic", PASSWORD).clinic_id
    generate(store, "north-1", Course(days=8, reps=2, flare_days=frozenset({6, 7})))
    generate(store, "south-1", Course(days=3, reps=2))
    store.save_plan("north-1", PLAN.read_text(encoding="utf-8"), "ana")
    cs.add_patient(north, "north-1")
    cs.add_patient(south, "south-1")
    # a short landmark stream for the playback page
    rec = store.start_session("north-1", "reaching", {"reach_fraction": 0.5})
    for i in range(30):
        pose = np.zeros((33, 4), np.float32)
        pose[0] = (0.5, 0.22, 0, 1)  # points left at zero are invisible (visibility 0)
        pose[11] = (0.6, 0.4, 0, 1)
        pose[12] = (0.4, 0.4, 0, 1)
        pose[13] = (0.65, 0.55, 0, 1)
        pose[15] = (0.7, 0.45 - 0.005 * i, 0, 1)
        pose[14] = (0.35, 0.55, 0, 1)
        pose[16] = (0.33, 0.7, 0, 1)
        pose[23] = (0.57, 0.8, 0, 1)
        pose[24] = (0.43, 0.8, 0, 1)
        rec.record_frame(BodyFrame(i, int(i * 1e9 / 15), 640, 480, pose=pose))
    rec.close({"quota_met": True})
    token = cs.new_station_token("room-1", north, "ana")
    return ClinicEnv(store, cs, north, south, token, rec.session_id)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def login(base: str, username: str = "ana", password: str = PASSWORD) -> httpx.Client:
    c = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"username": username, "password": password,
                               "csrf_token": token})
    assert r.status_code == 303, r.text
    return c
