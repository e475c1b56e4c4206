"""Players: every source of a session's input, behind one protocol (`Player.poll`).

| player | module | used by |
|---|---|---|
| keyboard and mouse only (`NoPlayer`) | base.py | `play --mouse` |
| a camera, or a video standing in for one (`live_input`) | live.py | `play`, `calibrate` |
| a landmark replay or a video tracked frame by frame (`recording_driver`) | recording.py | `demo --replay/--video` |
| the virtual patient (`virtual_patient_driver`) | virtual.py | `demo` |
| a scripted pointer with no frames (`PointerPlayer`) | pointer.py | tests, benchmarks |
| scripted answers to the menus and check-ins (`ScriptedMenus`) | script.py | every scripted player |

Frames become Intents the same way for all of them (`FramesDriver`, frames.py,
through vision's IntentsBuilder); recordings play on their own clock
(`ClockedFrames`). Where frames themselves come from (camera, video file,
arrays) is vision/sources.py's job: this package turns them into a player.
"""

from __future__ import annotations

from game.players.base import NoPlayer, Player
from game.players.frames import ClockedFrames, FramesDriver
from game.players.live import Live, live_input
from game.players.pointer import PointerPlayer
from game.players.recording import RecordingDriver, calibration_for, recording_driver
from game.players.script import DEMO_PRE, ScriptedMenus
from game.players.virtual import VirtualPatientDriver, virtual_patient_driver

__all__ = [
    "DEMO_PRE",
    "ClockedFrames",
    "FramesDriver",
    "Live",
    "NoPlayer",
    "Player",
    "PointerPlayer",
    "RecordingDriver",
    "ScriptedMenus",
    "VirtualPatientDriver",
    "calibration_for",
    "live_input",
    "recording_driver",
    "virtual_patient_driver",
]
