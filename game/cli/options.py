"""Click options that more than one command takes, declared once.

`demo` and `play` share who/what/how a session is played (`session_options`);
the data directory's option is the same for every command that opens the store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from game.registry import GAME_NAMES
from game.session import SIDES

F = TypeVar("F", bound=Callable[..., object])

SIDE_HELP = ("The affected arm: left, right, or both (the session alternates arms); "
             "default: the patient record's, else right.")
DATA_DIR_HELP = "Where the data lives (default: $NEUROPLAY_HOME or the user data directory)."


def data_dir_option(f: F) -> F:
    return click.option("--data-dir", type=click.Path(file_okay=False), default=None,
                        help=DATA_DIR_HELP)(f)


def session_options(*, side_help: str = SIDE_HELP,
                    extra_games: tuple[str, ...] = ()) -> Callable[[F], F]:
    """--game, --mirror, --pace, --side, --easier, --no-report, --data-dir and the view
    (`view_options`): what `demo` and `play` both ask of a session (game.session.SessionRequest).
    `extra_games`: games a command plays outside the session flow (demo's GMI sets)."""
    def decorate(f: F) -> F:
        for option in reversed((
            click.option("--game", type=click.Choice((*GAME_NAMES, *extra_games)),
                         default="reaching",
                         show_default=True, help="Which mini-game to play."),
            click.option("--mirror", type=click.Choice(["split", "swap"]), default=None,
                         help="Mirror-therapy view."),
            click.option("--pace", type=click.FloatRange(0.5, 1.0), default=1.0, show_default=True,
                         help="1 = normal; 0.5 = twice as much time for everything."),
            click.option("--side", type=click.Choice(SIDES), default=None, help=side_help),
            click.option("--easier", is_flag=True,
                         help="Make today easier (shorter and slower; never harder than the plan) "
                              "without asking."),
            click.option("--no-report", is_flag=True,
                         help="Do not write the therapist report after the session."),
            data_dir_option,
            view_options,
        )):
            f = option(f)
        return f
    return decorate


VIEW_HELP = ("2d (default) or 3d: the reaching game in depth, seen from where your head is "
             "(head-tracked parallax on an ordinary screen). V goes back to 2-D at any time.")


def view_options(f: F) -> F:
    """--view, --stereo, --comfort, --ipd-mm and --reach-mode (game.session.SessionRequest's
    view fields; checked by game.session.check_view before anything is opened)."""
    for option in reversed((
        click.option("--view", type=click.Choice(["2d", "3d"]), default=None, help=VIEW_HELP),
        click.option("--stereo", type=click.Choice(["sbs"]), default=None,
                     help="Side-by-side stereo (left eye left) for phone VR viewers and 3-D "
                          "displays; implies --view 3d."),
        click.option("--comfort", type=click.Choice(["low", "normal"]), default=None,
                     help="3-D comfort: low = half the head parallax and a fixed viewing "
                          "distance; normal (default) = true parallax."),
        click.option("--ipd-mm", type=click.FloatRange(50.0, 80.0), default=None,
                     help="Interpupillary distance for --stereo (default: the plan's ipd_mm, else 63 mm)."),
        click.option("--reach-mode", type=click.Choice(["plane", "forward"]), default=None,
                     help="Reaching: plane (targets around you, default) or forward (targets "
                          "in front of you, hit by position and depth); default: the plan's."),
    )):
        f = option(f)
    return f
