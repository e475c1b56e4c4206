"""The playable games, one list: name, whether it needs hand landmarks, its view.

Why one list: the CLI's `--game` choices, which games track hands (and so cannot
be played with the mouse), and which module draws each game were spelled out
in three places. The exercise factories stay in exercises/registry.py (pure
logic, no pygame); tests/game/test_game_views_registry.py checks both agree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GameInfo:
    name: str  # the exercise's registered name (exercises.registry)
    needs_hands: bool  # tracked hand landmarks: no mouse play, hand tracking on
    view: str  # the module that registers its renderer (game.views.register)
    title: str = ""  # what the patient reads on screen (never the internal name)


GAMES: tuple[GameInfo, ...] = (
    GameInfo("reaching", needs_hands=False, view="game.views.reaching", title="Reaching"),
    GameInfo("tapping", needs_hands=True, view="game.views.dexterity", title="Finger tapping"),
    GameInfo("pinch", needs_hands=True, view="game.views.dexterity", title="Pinch and place"),
    GameInfo("openclose", needs_hands=True, view="game.views.dexterity",
             title="Open and close the hand"),
)
GAME_NAMES: tuple[str, ...] = tuple(g.name for g in GAMES)
HAND_GAMES: tuple[str, ...] = tuple(g.name for g in GAMES if g.needs_hands)


def display_title(name: str) -> str:
    """The patient-facing title of a game (an unknown one: its name in words)."""
    for g in GAMES:
        if g.name == name and g.title:
            return g.title
    return name.replace("_", " ").capitalize()

