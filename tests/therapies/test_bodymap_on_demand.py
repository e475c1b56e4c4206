"""The sensory body map on demand: the title's "Body map" runs only the map (no safety
screen, no exercise), stored as the scheduled one is, outside the 7-day turn."""

from __future__ import annotations

import sys
from pathlib import Path

import pygame
import pytest

from exercises.bodymap import bodymap_due
from game.app import App
from game.flow import SessionFlow
from game.input import KeyboardMouseInput
from game.loop import FixedStepLoop, SimClock
from game.players import PointerPlayer
from game.scenes.base import SceneStack
from game.scenes.bodymap import saved_lines
from game.scenes.menus import BODYMAP, TitleScene
from game.services import GameServices
from telemetry.bodymap import BodyMap, SensationLayer, from_compact, region_cells, to_compact
from telemetry.store import Store
from vision.intents import HandIntent, Intents

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "game"))
from game_test_doubles import Services


@pytest.fixture
def store():
    s = Store.memory(flush_interval_s=0.05)
    yield s
    s.close()


def on_demand(store: Store, keys: KeyboardMouseInput | None = None,
              frames: int = 60 * 60) -> tuple[SessionFlow, SceneStack, App]:
    stack = SceneStack()
    flow = SessionFlow(stack, GameServices(store, Services(store)), patient="p1")
    flow.start()
    stack.top.dismiss(BODYMAP)  # type: ignore[union-attr]  # the title's "Body map"
    app = App(pygame.Surface((1280, 720)), stack, driver=PointerPlayer(speed=2.0), keys=keys)
    FixedStepLoop(SimClock()).run(app, max_frames=frames)
    return flow, stack, app


def test_the_title_offers_the_body_map_and_says_so() -> None:
    scene = TitleScene()
    b = next(b for b in scene.buttons if b.label == "Body map")
    for _ in range(3 * 60):  # rest a hand on it for its dwell time
        scene.update(Intents(t=0.0, right=HandIntent(*b.center)), 1 / 60)
    assert scene.dismissed and scene.result == BODYMAP


def test_the_first_map_on_demand_is_painted_and_stored_with_nothing_played(store: Store) -> None:
    flow, stack, _ = on_demand(store)
    assert flow.done and flow.result.ended_at == "bodymap_saved"
    assert stack.entered == ["title", "patient", "bodymap", "bodymap_done"]  # no safety, no set
    maps = store.body_maps("p1", layer="patient")
    assert len(maps) == 1 and maps[0].session_id is None and flow.result.body_map
    body = from_compact(maps[0].data)
    assert body.painted() and store.history("p1") == [] and store.checkins("p1") == []
    # the next scheduled map counts from this one
    assert bodymap_due(maps[0].at, store.now())[0] is False


def test_on_demand_starts_from_the_last_map_even_when_none_is_due(store: Store) -> None:
    store.ensure_patient("p1", affected_side="right")
    cells = region_cells("front.right_forearm")
    old = BodyMap("patient", {"burning": SensationLayer(6, cells)})
    store.save_body_map("p1", to_compact(old))
    assert GameServices(store, Services(store)).bodymap_due("p1") is False  # not its turn
    _, stack, _ = on_demand(store)
    assert stack.entered[-2:] == ["bodymap", "bodymap_done"]
    maps = store.body_maps("p1", layer="patient")
    assert len(maps) == 2  # a new map, the old one kept for comparison
    new = from_compact(maps[-1].data)
    assert new.sensations["burning"].cells == cells  # the copy the patient changes from
    done = dict(stack.history)["bodymap_done"]
    assert done is True
    lines = saved_lines(new)
    assert lines[0].startswith("Burning: ") and lines[0].endswith("% of the body, 6 of 10")


def test_stop_on_the_map_stores_nothing(store: Store) -> None:
    keys = KeyboardMouseInput()
    stack = SceneStack()
    flow = SessionFlow(stack, GameServices(store, Services(store)), patient="p1")
    flow.start()
    stack.top.dismiss(BODYMAP)  # type: ignore[union-attr]
    app = App(pygame.Surface((1280, 720)), stack, driver=PointerPlayer(speed=2.0), keys=keys)
    loop = FixedStepLoop(SimClock())
    while stack.top is not None and stack.top.name != "bodymap":
        loop.tick(app)
        loop.clock.wait_frame(loop.clock.now(), 1 / 60)
    keys.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE))
    FixedStepLoop(SimClock()).run(app, max_frames=60)
    assert flow.result.ended_at == "bodymap" and not flow.result.body_map
    assert store.body_maps("p1") == []


def test_play_bodymap_starts_at_the_patient_and_paints_only_the_map(store: Store) -> None:
    """`play --bodymap` (game.session.SessionRequest.only): the title's choice made on the
    command line; the same steps and the same stored map."""
    stack = SceneStack()
    flow = SessionFlow(stack, GameServices(store, Services(store)), patient="p1", only=BODYMAP)
    flow.start()
    app = App(pygame.Surface((1280, 720)), stack, driver=PointerPlayer(speed=2.0))
    FixedStepLoop(SimClock()).run(app, max_frames=60 * 60)
    assert stack.entered == ["patient", "bodymap", "bodymap_done"]
    assert flow.result.ended_at == "bodymap_saved"
    assert len(store.body_maps("p1", layer="patient")) == 1 and store.history("p1") == []


def test_play_bodymap_with_a_game_is_one_clear_line_and_writes_nothing(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from game.cli import cli

    res = CliRunner().invoke(cli, ["play", "--patient", "p1", "--new", "--bodymap", "--game",
                                   "breathing", "--mouse", "--data-dir", str(tmp_path / "d")])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "--bodymap paints only the body map" in lines[0]
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("size", [(1280, 720), (540, 960), (800, 600), (640, 360)])
def test_the_title_keys_line_never_runs_into_the_bottom_buttons(size: tuple[int, int]) -> None:
    from game.context import DrawContext
    from game.scenes.common import menu_transform

    pygame.font.init()
    scene = TitleScene()
    SceneStack(rail_side="left").push(scene)
    surf = pygame.Surface(size)
    ctx = DrawContext.for_surface(surf, menu_transform(size), t=0.0)
    scene.draw(surf, ctx)
    dim = pygame.Color(*ctx.theme.palette.text_dim)
    px = pygame.surfarray.pixels3d(surf)
    text = (px[..., 0] == dim.r) & (px[..., 1] == dim.g) & (px[..., 2] == dim.b)
    assert text.sum() > 100  # the keys line is drawn
    rects = [b.rect(ctx.transform) for b in scene.buttons]
    for r in rects:
        assert not text[r.left:r.right, r.top:r.bottom].any(), (size, r)
    for i, a in enumerate(rects):  # and the buttons never overlap each other
        assert not any(a.colliderect(b) for b in rects[i + 1:])
