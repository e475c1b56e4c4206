"""`neuroplay demo`: a whole session with no camera, written to the store.

The player is, in order of preference: a recording (`--replay` npz or
`--video` file, played frame by frame on the recording's clock through
vision's IntentsBuilder), the virtual patient over the bundled recording
(exercises.virtual_patient, when installed), or a scripted pointer that
reaches for each target the way a mouse user would. Check-ins are answered
by a script through the same dwell buttons a hand uses. Headless runs use a
simulated clock: as fast as the machine allows, the same seed giving the
same session.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from game.cli.lsl_options import lsl_options, make_streamer, with_streamer
from game.cli.options import session_options
from game.cli.params import PATIENT
from game.errors import UserError
from game.gmi_sets import GMI_GAMES  # graded motor imagery: game/cli/gmi.py plays them
from game.registry import GAME_NAMES, HAND_GAMES
from game.session import NOT_STARTED, DemoPlayer, SessionRequest, prepare, run

OWN_RUNNERS = (*GMI_GAMES, "breathing")  # games with their own runner (breathing: game/cli/breathing.py)


@click.command()
@click.option("--headless", is_flag=True, help="Never open a window; simulated clock, as fast as possible.")
@click.option("--seconds", type=click.FloatRange(min=5.0), default=60.0, show_default=True,
              help="Session length cap in game seconds (a recording plays to its end).")
@click.option("--screenshots", type=click.Path(file_okay=False), default=None,
              help="Write a PNG of each scene into this directory.")
@click.option("--every-game", is_flag=True,
              help="With --screenshots: play every movement game in turn (DIR/<game>/ each), "
                   "so every scene of every game is written.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("--replay", type=click.Path(dir_okay=False), default=None, help="Play a landmark replay (.npz).")
@click.option("--video", type=click.Path(dir_okay=False), default=None, help="Track and play a video file.")
@click.option("--patient", type=PATIENT, default="demo", show_default=True, help="Pseudonymous patient id.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same session.")
@session_options(extra_games=OWN_RUNNERS)
@click.option("--rest-pain", type=click.IntRange(0, 10), default=None,
              help="The scripted patient's pain at each rest break (default: as before the session); "
                   "a rise of 2 or more shows the pain pause.")
@click.option("--pre-pain", type=click.IntRange(0, 10), default=None,
              help="The scripted patient's pain before the session (default 3); at the plan's stop "
                   "level (8) only the easier session or a rest day is offered.")
@click.option("--pain-pause", type=click.Choice(["continue", "stop"]), default="continue",
              show_default=True, help="What the scripted patient chooses at a pain pause.")
@click.option("--today", "today_choice", type=click.Choice(["suggested", "planned", "easier", "rest"]),
              default="suggested", show_default=True,
              help="What the scripted patient answers to \"how about today?\" (rest is offered "
                   "only at the plan's stop level; a choice not on screen takes the suggested one).")
@click.option("--answer", type=click.Choice(["keys", "click", "camera"]), default="keys",
              show_default=True, help="--game laterality: how the virtual patient answers.")
@click.option("--latency-ms", type=click.FloatRange(0.0, 2000.0), default=None,
              help="Play as on a machine whose webcam latency self-test measured this "
                   "(time limits widen as `play` does with `neuroplay latency-test`'s result).")
@click.option("--bodymap", is_flag=True,
              help="The virtual patient paints a sensory body map (front/back), stored and "
                   "reported; see docs/therapies.md.")
@lsl_options
def demo(headless: bool, seconds: float, screenshots: str | None, data_dir: str | None, as_json: bool,
         replay: str | None, video: str | None, patient: str, seed: int, game: str,
         mirror: str | None, pace: float, no_report: bool, side: str | None = None,
         easier: bool = False, rest_pain: int | None = None, pre_pain: int | None = None,
         pain_pause: str = "continue", today_choice: str = "suggested",
         answer: str = "keys", lsl: bool = False, lsl_wait: float = 0.0, view: str | None = None,
         stereo: str | None = None, comfort: str | None = None, ipd_mm: float | None = None,
         reach_mode: str | None = None, latency_ms: float | None = None, every_game: bool = False,
         bodymap: bool = False) -> None:
    """Play a whole session with no camera and save it.

    The player is the virtual patient (or a --replay / --video recording); the
    check-ins are answered by a script. Prints the summary and where the data
    and the therapist report are.
    """
    if bodymap:  # a check-in of its own (game/cli/bodymap.py), not a game session
        if replay or video or mirror or lsl or view or stereo or reach_mode or every_game:
            raise UserError("--bodymap is painted by the virtual patient; --replay, --video, "
                            "--mirror, --lsl, the 3-D view options and --every-game are not for it")
        from game.cli.bodymap import run_bodymap_demo

        run_bodymap_demo(data_dir=data_dir, patient=patient, seed=seed, affected=side,
                         screenshots=screenshots, as_json=as_json, no_report=no_report)
        return
    if game == "breathing":
        if replay or video or mirror or lsl or view or stereo or reach_mode or every_game:
            raise UserError("--game breathing is played by the virtual patient; --replay, --video, "
                            "--mirror, --lsl, the 3-D view options and --every-game are not for it")
        from game.cli.breathing import run_breathing_demo

        run_breathing_demo(data_dir=data_dir, patient=patient, seed=seed, seconds=seconds,
                           screenshots=screenshots, as_json=as_json, no_report=no_report,
                           pre_pain=pre_pain)
        return
    if game in GMI_GAMES:
        if view or stereo or comfort or ipd_mm or reach_mode:
            raise UserError(f"--view, --stereo, --comfort, --ipd-mm and --reach-mode are for "
                            f"the reaching game, not --game {game}")
        if lsl:
            raise UserError(f"--lsl streams the movement games' pose and hands, not --game {game}")
        _gmi_demo(game, data_dir=data_dir, patient=patient, seed=seed, side=side,
                  answer=answer, screenshots=screenshots, as_json=as_json,
                  no_report=no_report, pre_pain=pre_pain, recorded=bool(replay or video or mirror))
        return
    if every_game:  # --- issue 15: every scene of every game (one session each, same store)
        if not screenshots:
            raise UserError("--every-game writes screenshots: give --screenshots DIR")
        if replay or video or lsl:
            raise UserError("--every-game plays the virtual patient: no --replay, --video or --lsl")
        for name in GAME_NAMES:
            sub = Path(screenshots) / name
            outcome = run(prepare(SessionRequest(patient=patient, game=name, data_dir=data_dir, side=side,
                                                 mirror=mirror, pace=pace, easier=easier,
                                                 report=not no_report),
                                  DemoPlayer(seconds=seconds, seed=seed, headless=headless, screenshots=sub,
                                             pre_pain=pre_pain, rest_pain=rest_pain, pain_pause=pain_pause,
                                             today=today_choice)))
            if not as_json:
                click.echo(f"{name}: {len(list(sub.glob('*.png')))} screenshots in {sub}")
            else:
                click.echo(json.dumps(outcome.record, default=str))
        return
    shots = Path(screenshots) if screenshots else None
    request = SessionRequest(patient=patient, game=game, data_dir=data_dir, side=side,
                             mirror=mirror, pace=pace, easier=easier, report=not no_report,
                             view=view, stereo=stereo, comfort=comfort, ipd_mm=ipd_mm,
                             reach_mode=reach_mode)
    player = DemoPlayer(seconds=seconds, seed=seed, headless=headless, screenshots=shots,
                        replay=replay, video=video, pre_pain=pre_pain, rest_pain=rest_pain,
                        pain_pause=pain_pause, today=today_choice,
                        latency_s=None if latency_ms is None else latency_ms / 1000.0)
    # --lsl: recordings and the virtual patient have their own clocks (live_clock=False)
    streamer = make_streamer(lsl=lsl, lsl_wait=lsl_wait, hands=game in HAND_GAMES,
                             live_clock=False)
    prepared = prepare(request, player)
    prepared.on_app = with_streamer(prepared.on_app, streamer)
    outcome = run(prepared)
    if outcome.note and not as_json:
        click.echo(outcome.note, err=True)
    if as_json:
        click.echo(json.dumps(outcome.record, default=str))
        return
    _print_summary(outcome.record, shots)


def _gmi_demo(game: str, *, data_dir: str | None, patient: str, seed: int, side: str | None,
              answer: str, screenshots: str | None, as_json: bool, no_report: bool,
              pre_pain: int | None, recorded: bool) -> None:
    """A graded-motor-imagery set with the virtual patient (game/cli/gmi.py): its own runner,
    no check-in flow and no calibration."""
    if recorded:
        raise UserError(f"--game {game} is played by the virtual patient; "
                        f"--replay, --video and --mirror are not for it")
    from game.cli.gmi import run_imagery_demo, run_laterality_demo

    if game == "imagery":  # stage 2
        run_imagery_demo(data_dir=data_dir, patient=patient, seed=seed, affected=side,
                         screenshots=screenshots, as_json=as_json, no_report=no_report,
                         pre_pain=pre_pain)
        return
    run_laterality_demo(data_dir=data_dir, patient=patient, seed=seed, affected=side,
                        answer=answer, screenshots=screenshots, as_json=as_json,
                        no_report=no_report, pre_pain=pre_pain)


def _print_summary(record: dict[str, Any], shots: Path | None) -> None:
    if record.get("rest_day"):
        click.echo(f"Rest day for patient {record['patient']}: nothing played today (pain before "
                   f"{record['pain_pre']}/10); the answers were saved as today's diary entry")
        return
    if not record.get("session_id"):  # stopped before the exercise began
        click.echo(NOT_STARTED)
        return
    mt = record["mean_movement_time_s"]
    click.echo(f"Session {record['session_id']} for patient {record['patient']} ({record['exercise']}, "
               f"{record['end_reason']})")
    click.echo(f"  targets {record['targets']}, hits {record['hits']}, misses {record['misses']}")
    click.echo(f"  mean movement time {'-' if mt is None else f'{mt:.2f} s'}, "
               f"compensations {record['compensations']}")
    click.echo(f"  pain before {record['pain_pre']}, after {record['pain_post']}")
    click.echo(f"  data: {record['data']}")
    if record["demo_recording"]:
        click.echo(f"  a recording, stored as a demo session: left out of {record['patient']}'s "
                   "record, trends and flags (measure it with `neuroplay assess FILE`)")
    if record.get("report"):
        click.echo(f"  report: {record['report']}")
    if record["screenshots"]:
        click.echo(f"  screenshots: {shots}")
