"""Damaged and hand-made replays: one line naming what is wrong, exit status 2, nothing changed.

Issue 13: bytes XOR-ed mid-file raised `zlib.error`, time running backwards
gave `duration_s: -1.0` (and a `ValueError` in `demo --replay`), NaN/inf
landmarks were accepted. Hypothesis damages a real replay file at random
(flipped bytes, truncation, edited arrays and metadata); every outcome must
be either the original data, read back exactly, or a `ReplayError` of one
line naming the file, and the file is never written to.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.cli import cli
from vision.bodyframe import BodyFrame, Hand
from vision.replay import ReplayError, frames_to_arrays, load_replay, write_replay

N = 40


def frames(n: int = N) -> list[BodyFrame]:
    rng = np.random.default_rng(3)
    out = []
    for i in range(n):
        pose = rng.random((33, 4)).astype(np.float32)
        world = rng.normal(scale=0.3, size=(33, 3)).astype(np.float32)
        hands = (Hand(rng.random((21, 3)).astype(np.float32), "Right", 0.9,
                      rng.normal(scale=0.05, size=(21, 3)).astype(np.float32)),)
        out.append(BodyFrame(index=i, t_ns=10**9 + i * 33_333_333, width=640, height=480,
                             pose=pose, pose_world=world, hands=hands if i % 3 else (),
                             hands_tracked=True, t_inferred_ns=i))
    return out


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_replay(tmp_path_factory.mktemp("replay") / "good.npz", frames(), fps=30.0,
                        source="test")


def same_as_written(path: Path) -> bool:
    a, b = frames_to_arrays(frames()), frames_to_arrays(load_replay(path).frames)
    return all(np.array_equal(a[k], b[k]) for k in a)


def one_line(exc: BaseException, name: str) -> None:
    text = str(exc)
    assert "\n" not in text and name in text, text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flips=st.lists(st.tuples(st.floats(0.0, 1.0, exclude_max=True), st.integers(1, 255)),
                      min_size=1, max_size=4))
def test_flipped_bytes_are_caught_or_harmless(good: Path, tmp_path: Path,
                                              flips: list[tuple[float, int]]) -> None:
    data = bytearray(good.read_bytes())
    for where, mask in flips:
        data[int(where * len(data))] ^= mask
    bad = tmp_path / "flipped.npz"
    bad.write_bytes(bytes(data))
    before = hashlib.sha256(bytes(data)).hexdigest()
    try:
        ok = same_as_written(bad)
    except ReplayError as exc:
        one_line(exc, "flipped.npz")
    else:
        # Only bytes no reader looks at (a zip header's timestamp, say) can change silently.
        assert ok
    assert hashlib.sha256(bad.read_bytes()).hexdigest() == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keep=st.floats(0.0, 1.0, exclude_max=True))
def test_truncated_files_are_one_line(good: Path, tmp_path: Path, keep: float) -> None:
    data = good.read_bytes()
    bad = tmp_path / "cut.npz"
    bad.write_bytes(data[: int(keep * len(data))])
    with pytest.raises(ReplayError) as err:
        load_replay(bad)
    one_line(err.value, "cut.npz")


def rewrite(path: Path, out: Path, *, arrays: dict[str, np.ndarray] | None = None,
            meta: object = None) -> Path:
    """The replay with some members replaced (written as any other program could)."""
    with np.load(path) as z:
        members = {k: z[k] for k in z.files}
    members.update(arrays or {})
    if meta is not None:
        members["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez_compressed(out, **members)
    return out


def arrays_of(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as z:
        return {k: z[k].copy() for k in z.files}


def meta_of(path: Path) -> dict[str, object]:
    return json.loads(bytes(arrays_of(path)["meta"]).decode())


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["pose", "pose_world", "hands", "hands_world", "hand_score", "t_ns",
                            "flags", "hand_present", "hand_label", "index", "t_inferred_ns"]),
       at=st.floats(0.0, 1.0, exclude_max=True),
       value=st.one_of(st.sampled_from([np.nan, np.inf, -np.inf, 1e30, -1.0, 255.0, 7.0]),
                       st.floats(allow_nan=True, allow_infinity=True, width=32)),
       with_checksum=st.booleans())
def test_edited_arrays_are_refused_or_read_exactly(good: Path, tmp_path: Path, key: str, at: float,
                                                   value: float, with_checksum: bool) -> None:
    a = arrays_of(good)
    flat = a[key].reshape(-1).copy()
    i = int(at * flat.size)
    with np.errstate(invalid="ignore", over="ignore"):
        flat[i] = np.array(value).astype(flat.dtype) if np.isfinite(value) or \
            flat.dtype.kind == "f" else 0
    meta = meta_of(good)
    if not with_checksum:
        meta.pop("sha256")  # as a file from before checksums were written
    bad = rewrite(good, tmp_path / "edited.npz", arrays={key: flat.reshape(a[key].shape)}, meta=meta)
    changed = not np.array_equal(flat.reshape(a[key].shape), a[key], equal_nan=True)
    try:
        rep = load_replay(bad)
    except ReplayError as exc:
        one_line(exc, "edited.npz")
        return
    # Accepted: only an edit the checksum does not cover and that is a plausible value.
    assert not with_checksum or not changed
    got = frames_to_arrays(rep.frames)
    assert all(np.isfinite(got[k]).all() for k in ("pose", "pose_world", "hands", "hands_world"))
    assert np.all(np.diff(got["t_ns"]) > 0)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(meta=st.one_of(
    st.dictionaries(st.sampled_from(["format", "version", "frames", "fps", "width", "height",
                                     "hands", "source"]),
                    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                              st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5),
                              st.just("neuroplay-replay"), st.lists(st.integers(), max_size=2)))
    .map(lambda d: {"format": "neuroplay-replay", **d}),
    st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=3))))
def test_any_metadata_is_refused_or_sane(good: Path, tmp_path: Path, meta: object) -> None:
    bad = tmp_path / "meta.npz"
    bad.write_bytes(b"")
    try:
        rewrite(good, bad, meta=meta)
    except ValueError:  # JSON cannot hold it (NaN is written as NaN: still tried below)
        return
    try:
        rep = load_replay(bad)
    except ReplayError as exc:
        one_line(exc, "meta.npz")
        return
    info = rep.info()
    assert info.frames == N and info.duration_s > 0 and info.width > 0 and info.height > 0


def test_a_foreign_npz_and_a_zip_of_other_things_are_named(tmp_path: Path) -> None:
    other = tmp_path / "weights.npz"
    np.savez(other, w=np.zeros((3, 3)))
    with pytest.raises(ReplayError, match="weights.npz: not a NeuroPlay replay"):
        load_replay(other)
    z = tmp_path / "archive.npz"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("meta.npy", b"hello")
    with pytest.raises(ReplayError, match="archive.npz"):
        load_replay(z)


def test_a_file_that_would_unpack_huge_is_refused_before_unpacking(
        good: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vision import replay

    monkeypatch.setattr(replay, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(ReplayError, match="good.npz: not a NeuroPlay replay .it would unpack to"):
        load_replay(good)


# ------------------------------------------------------------------ the commands
@pytest.fixture(scope="module")
def broken(good: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("broken")
    data = bytearray(good.read_bytes())
    mid = len(data) // 2
    for i in range(mid, mid + 16):
        data[i] ^= 0x5A
    (d / "xored.npz").write_bytes(bytes(data))
    a = arrays_of(good)
    t = a["t_ns"].copy()
    t[N // 2:] -= 2 * 10**9  # the clock jumps back two seconds half-way
    meta = meta_of(good)
    meta.pop("sha256")  # a file that is consistent, only wrong
    rewrite(good, d / "backwards.npz", arrays={"t_ns": t}, meta=meta)
    pose = a["pose"].copy()
    pose[5:9, 11:17, :2] = np.nan
    pose[20, 15, 0] = np.inf
    rewrite(good, d / "nan.npz", arrays={"pose": pose}, meta=meta)
    return {"xored": d / "xored.npz", "backwards": d / "backwards.npz", "nan": d / "nan.npz"}


@pytest.mark.parametrize("kind, says", [("xored", "corrupt or truncated replay"),
                                        ("backwards", "time does not move forward at frame 20"),
                                        ("nan", "pose of frame 5 is not finite")])
def test_replay_info_says_what_is_wrong(broken: dict[str, Path], kind: str, says: str) -> None:
    path = broken[kind]
    before = path.read_bytes()
    res = CliRunner().invoke(cli, ["replay", "info", str(path), "--json"])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {path}: ") and says in lines[0], res.output
    assert path.read_bytes() == before


@pytest.mark.parametrize("kind", ["xored", "backwards", "nan"])
def test_demo_replay_refuses_a_bad_replay_writing_nothing(broken: dict[str, Path], kind: str,
                                                          tmp_path: Path) -> None:
    home = tmp_path / "home"
    res = CliRunner().invoke(cli, ["demo", "--headless", "--replay", str(broken[kind])],
                             env={"NEUROPLAY_HOME": str(home), "NEUROPLAY_DB": None})
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and str(broken[kind]) in lines[0], res.output
    assert not (home / "neuroplay.db").exists() or _no_sessions(home / "neuroplay.db")


def _no_sessions(db: Path) -> bool:
    import sqlite3

    with sqlite3.connect(db) as con:
        return con.execute("select count(*) from sessions").fetchone()[0] == 0
