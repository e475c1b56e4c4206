"""The daily activity each game trains, and the patient's own goal it links to.

The scene names it ("This trains: reaching a cup on a shelf") and, when the patient has
PSFS activities (their own goals, in their words), names the one it serves, so the game
is visibly about their life, not about a circle on a screen. Matching is by plain words
(a goal that mentions a cup, a shelf or reaching goes with the reaching game); no goal
matched means no link, never a made-up one.
"""

from __future__ import annotations

from collections.abc import Sequence

TRAINS: dict[str, str] = {
    "reaching": "reaching a cup on a shelf",
    "tapping": "quick, steady finger movements",
    "pinch": "picking up small things",
    "openclose": "opening and closing the hand to grip",
}

# Words in a goal that tie it to a game (lower case, matched as word starts).
GOAL_WORDS: dict[str, tuple[str, ...]] = {
    "reaching": ("reach", "cup", "shelf", "cupboard", "hair", "lift", "wash", "dress", "arm", "plate", "kitchen"),
    "tapping": ("type", "typing", "phone", "keyboard", "piano", "button", "text", "tap"),
    "pinch": ("pick", "button", "write", "pen", "coin", "key", "pinch", "sew", "thread", "zip"),
    "openclose": ("grip", "open", "jar", "hold", "carry", "squeeze", "bottle", "bag", "hand"),
}


def trains(game: str) -> str | None:
    """The activity `game` trains, in the patient's words (None: not a movement game)."""
    return TRAINS.get(game)


def linked_goal(game: str, goals: Sequence[str]) -> str | None:
    """The first of the patient's goals that this game serves, or None."""
    words = GOAL_WORDS.get(game, ())
    for goal in goals:
        tokens = [t.strip(".,;:!?()'\"").lower() for t in goal.split()]
        if any(tok.startswith(w) for tok in tokens for w in words):
            return goal
    return None


def trains_line(game: str, goals: Sequence[str] = ()) -> str | None:
    """The scene's line: what it trains and, when one matches, the patient's goal."""
    what = trains(game)
    if what is None:
        return None
    goal = linked_goal(game, goals)
    return f"This trains: {what}" + (f" - for your goal \"{goal}\"" if goal else "")
