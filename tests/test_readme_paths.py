"""README examples work on a plain clone and write nothing into it (issue 13).

Every repository path the README names exists (links, images, files in its
commands, plan templates by name); nothing points outside the clone
(`../shared` is not in a user's clone); every output an example writes
(`--out`, `--plot`, `--screenshots`) goes to a directory outside the
working tree.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text("utf-8")
TOP = ("assets", "docs", "tests", "core", "game", "telemetry", "exercises", "vision", "benchmarks", ".ci")


def code_lines() -> list[str]:
    blocks = re.findall(r"```[a-z]*\n(.*?)```", README, flags=re.DOTALL)
    return [line.split("  #")[0].strip() for b in blocks for line in b.splitlines() if line.strip()]


def named_paths() -> set[str]:
    found = set(re.findall(r"\]\(([^)#\s]+)\)", README))  # links and images
    found = {p for p in found if "://" not in p}
    for token in re.findall(r"[\w./-]+", README):
        if token.split("/", 1)[0] in TOP and "/" in token:
            found.add(token.rstrip(".,;:"))
    for line in code_lines():
        for arg in shlex.split(line.replace(";", " ")):
            if arg.split("/", 1)[0] in TOP and "/" in arg:
                found.add(arg)
    return found


def test_the_readme_names_paths_at_all() -> None:
    paths = named_paths()
    assert {"docs/plans.md", "assets/plans/neuropathic_upper_limb_seated.toml",
            "tests/data/mediapipe_docs_pose_segmentation.mp4"} <= paths


def test_every_path_the_readme_names_is_in_the_repository() -> None:
    missing = sorted(p for p in named_paths() if not (REPO / p).exists())
    assert missing == []


def test_plan_templates_named_in_commands_are_bundled() -> None:
    names = set(re.findall(r"--template (\w+)", README)) - {"NAME"}
    assert names
    assert sorted(n for n in names if not (REPO / "assets" / "plans" / f"{n}.toml").is_file()) == []


def test_nothing_points_outside_the_clone() -> None:
    assert "../" not in README


def test_examples_write_their_outputs_outside_the_working_tree() -> None:
    outputs = []
    for line in code_lines():
        args = shlex.split(line.replace(";", " "))
        outputs += [args[i + 1] for i, a in enumerate(args[:-1])
                    if a in ("--out", "--plot", "--screenshots")]
    assert len(outputs) >= 4
    inside = [o for o in outputs if not (o.startswith(("~/", "/", "$")) or o.isupper())]
    assert inside == []  # DIR, FILE: placeholders the reader fills in
