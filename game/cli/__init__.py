"""The `neuroplay` console script: one click group, one module per command.

Each command module is a thin layer: it parses options, opens the library
object and hands off. Commands are imported lazily so `neuroplay --help`
stays fast and one broken optional dependency cannot take the others down.
Errors are one line naming what is wrong, exit status 2, nothing written.
"""

from __future__ import annotations

import importlib

import click

# command name -> "module:attribute" (a click.Command or click.Group)
COMMANDS: dict[str, str] = {
    "demo": "game.cli.demo:demo",
    "play": "game.cli.play:play",
    "calibrate": "game.cli.calibrate:calibrate",
    "track": "game.cli.track:track",
    "assess": "game.cli.assess:assess",
    "replay": "game.cli.replay:replay",
    "plan": "game.cli.plan:plan",
    "patients": "game.cli.patients:patients",
    "report": "game.cli.report:report",
    "export": "game.cli.export:export",
    "dashboard": "game.cli.dashboard:dashboard",
    "therapist": "game.cli.therapist:therapist",
    "diary": "game.cli.diary:diary",
    "latency-test": "game.cli.latency_test:latency_test",
    "bodymap": "game.cli.bodymaps:bodymap",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self._load(name) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._load(cmd_name)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # command not written yet
                return None
            raise
        return getattr(module, attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="neuroplay")
def cli() -> None:
    """NeuroPlay: camera-based graded exercise games for rehabilitation."""


def main() -> None:
    from game.cli.native_logs import quiet_native_logs

    quiet_native_logs()
    cli()
