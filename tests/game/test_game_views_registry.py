"""The renderer registry: exercise name -> draw function, with a generic fallback."""

from __future__ import annotations

import pygame
import pytest

from game.theme import Theme
from game.transform import fit_body_box
from game.views import ViewContext, register, registered, renderer_for, renderer_or_generic


class Thing:
    name = "made_up_game"
    prompt = "Squeeze the ball"

    def summary(self) -> dict[str, int]:
        return {"squeezes": 3}


def view(size: tuple[int, int] = (640, 360)) -> ViewContext:
    return ViewContext(transform=fit_body_box(size), theme=Theme(size[1], size[0]))


def test_builtin_renderers_load_on_first_look_up() -> None:
    assert renderer_for("reaching").__name__ == "draw_reaching"
    assert "reaching" in registered()


def test_unknown_exercise_is_named_and_the_generic_renderer_draws_it() -> None:
    with pytest.raises(KeyError, match="made_up_game"):
        renderer_for("made_up_game")
    surf = pygame.Surface((640, 360))
    surf.fill((0, 0, 0))
    renderer_or_generic("made_up_game")(surf, Thing(), view())
    lit = pygame.mask.from_threshold(surf, (255, 255, 255), (1, 1, 1, 255)).count()
    assert lit > 500  # the name, the prompt and the count are written in white


def test_a_registered_renderer_is_found_and_given_body_unit_helpers() -> None:
    seen: list[tuple[int, int]] = []

    @register("test_only_game")
    def draw(surface: pygame.Surface, exercise: object, v: ViewContext) -> None:
        seen.append(v.to_screen(0.0, 0.0))

    v = view((800, 600))
    renderer_for("test_only_game")(pygame.Surface((800, 600)), object(), v)
    assert seen == [v.transform.to_screen_int(0.0, 0.0)]
    assert v.length(1.0) == round(v.transform.scale)


def test_the_games_list_matches_the_exercise_factories_and_the_views() -> None:
    """game/registry.py is the one list of playable games: each has an exercise
    factory (exercises.registry), a renderer, and hands exactly when its exercise
    plays with hand landmarks (the virtual patient's hand goals)."""
    from exercises.registry import EXERCISES
    from game.registry import GAME_NAMES, GAMES, HAND_GAMES

    assert sorted(GAME_NAMES) == list(EXERCISES)
    assert HAND_GAMES == ("tapping", "pinch", "openclose")
    for g in GAMES:
        assert renderer_for(g.name).__module__ == g.view


def test_every_game_has_a_patient_facing_title_not_its_internal_name() -> None:
    from game.registry import GAMES, display_title

    for g in GAMES:
        assert g.title and display_title(g.name) == g.title
    assert display_title("openclose") == "Open and close the hand"
    assert display_title("some_new_game") == "Some new game"
