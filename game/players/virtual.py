"""The virtual patient as the demo's player: exercises.virtual_patient over the bundled
recording, its frames through IntentsBuilder exactly like a camera's, its check-ins
answered by `ScriptedMenus`; mirror therapy makes it move the unaffected hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from game.players.frames import FramesDriver
from game.players.script import ScriptedMenus
from vision.bodyframe import BodyFrame
from vision.calibration import Calibration, Side

if TYPE_CHECKING:
    from exercises.virtual_patient import Goal
    from game.app import App
    from game.flow import SessionFlow
    from vision.calibration import CalibrationProcedure


@dataclass
class MirroredGoal:
    """What a mirror-therapy patient does: move the UNAFFECTED hand to the mirror image
    of the goal (the mirrored landmarks then carry it to the affected side)."""

    scene: object

    def player_goal(self) -> Goal:
        from dataclasses import replace as dc_replace

        from exercises.virtual_patient import HandGoal, ReachGoal, goal_for

        goal = goal_for(self.scene)
        other: dict[str, Side] = {"left": "right", "right": "left"}
        if isinstance(goal, ReachGoal):
            return ReachGoal(other[goal.side], -goal.x, goal.y)
        if isinstance(goal, HandGoal):
            return dc_replace(goal, side=other[goal.side], x=None if goal.x is None else -goal.x)
        return goal


@dataclass
class VirtualPatientDriver:
    driver: FramesDriver
    source: str
    procedure_factory: Callable[[], CalibrationProcedure]
    on_app: Callable[[App, SessionFlow], None]


def virtual_patient_driver(seed: int, affected: str = "right", *, hands: bool = False) -> VirtualPatientDriver:
    """The demo's player: exercises.virtual_patient over the bundled recording.

    Its frames go through IntentsBuilder exactly like a camera's; it is
    calibrated by vision's CalibrationProcedure like a patient, and from then
    on the builder and the screen transform use that calibration.
    """
    from exercises.virtual_patient import VirtualPatient
    from vision.calibration import CalibrationProcedure
    from vision.intents_builder import IntentsBuilder

    hand_model = None
    if hands:  # the dexterity games need hand landmarks: the dexterity engineer's hand model
        from exercises.virtual_hands import VirtualHands

        hand_model = VirtualHands(seed)
    vp = VirtualPatient.for_demo(seed, hand_model=hand_model)
    builder = IntentsBuilder(hands=hands)

    def next_frame(t: float, scene: object) -> BodyFrame | None:
        mt = getattr(driver.frame_filter, "__self__", None)  # the session's MirrorTransform
        mirrored = mt is not None and getattr(mt, "enabled", False)
        return vp.poll_frame(t, watching=MirroredGoal(scene) if mirrored else scene)

    # "both": the menus' hand is the right one; calibration measures both arms.
    driver = FramesDriver(next_frame=next_frame, build=builder.build,
                          menus=ScriptedMenus(side="left" if affected == "left" else "right"))
    arms = ("left", "right") if affected == "both" else (affected,)

    def on_app(app: App, flow: SessionFlow) -> None:
        def calibrated(cal: Calibration) -> None:
            builder.calibration = cal
            builder.reset()
            ref = getattr(cal, "reference", None)
            if ref is not None:
                app.reference = lambda: ref

        flow.on_calibrated.append(calibrated)

    return VirtualPatientDriver(
        driver=driver, source="virtual_patient",
        procedure_factory=lambda: CalibrationProcedure(sides=arms),  # type: ignore[arg-type]
        on_app=on_app)
