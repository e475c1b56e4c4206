"""Owner-only files after a station run; the clinic CLI's options (issue 13)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from click.testing import CliRunner

from clinic.dashboard.app import create_app, server_options
from clinic.station import StationClient
from game.cli import cli
from telemetry import paths
from telemetry.clinic import ClinicStore
from telemetry.store import Store
from tests.clinic.clinic_env import PASSWORD
from tests.clinic.conftest import free_port

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def private_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the usual umask: what is not made private explicitly is 0644
    yield
    os.umask(old)


def test_everything_in_the_data_directory_is_owner_only_after_a_station_run(
        tmp_path: Path, private_umask: None) -> None:
    data = tmp_path / "home"
    # a headless session writes the store and its report into the data directory
    r = subprocess.run([sys.executable, "-c", "from game.cli import main; main()", "demo",
                        "--headless", "--data-dir", str(data)], cwd=REPO, check=False,
                       capture_output=True, text=True,
                       env={**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"})
    assert r.returncode == 0, r.stderr[-500:]
    # the dashboard's store lives elsewhere; the station keeps its outbox where play keeps it
    dash = Store.open(tmp_path / "clinic.db")
    cs = ClinicStore(dash.engine)
    clinic_id = cs.add_therapist("ana", "North", PASSWORD).clinic_id
    token = cs.new_station_token("bay-3", clinic_id, "ana")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    outbox = paths.data_dir(data) / "station-outbox"
    first = StationClient(url, "bay-3", token, outbox_dir=outbox)  # dashboard not up yet
    first.start()
    for i in range(10):
        first.record("hit", {"i": i})
    first.stop(0)
    assert len((outbox / "bay-3.outbox.jsonl").read_text().splitlines()) == 10
    server = uvicorn.Server(uvicorn.Config(create_app(dash, clinic=cs), host="127.0.0.1",
                                           port=port, log_level="warning", **server_options()))
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    second = StationClient(url, "bay-3", token, outbox_dir=outbox).start()
    try:
        second.record("hit", {"i": 10})
        assert second.wait_drained(20)  # delivered, and the journal compacted (temp + rename)
    finally:
        second.stop()
        server.should_exit = True
        th.join(10)
        dash.close()
    assert cs is not None and len(list(outbox.iterdir())) == 1
    seen = {}
    for p in [data, *data.rglob("*")]:
        seen[str(p.relative_to(data))] = stat.S_IMODE(p.lstat().st_mode)
    assert "station-outbox/bay-3.outbox.jsonl" in seen and "neuroplay.db" in seen
    assert any(name.startswith("reports/") for name in seen)
    wrong = {name: oct(mode) for name, mode in seen.items()
             if mode != (0o700 if (data / name).is_dir() else 0o600)}
    assert wrong == {}


def test_an_outbox_left_open_by_an_older_version_is_made_private(
        tmp_path: Path, private_umask: None) -> None:
    box = tmp_path / "station-outbox"
    box.mkdir(mode=0o755)
    journal = box / "bay-3.outbox.jsonl"
    journal.write_text('{"run": "old", "ev": {"seq": 1, "kind": "hit", "t": "1.0", "data": {}}}\n')
    journal.chmod(0o644)
    client = StationClient("http://127.0.0.1:9", "bay-3", "t", outbox_dir=box)
    assert client.pending() == 1  # the old run's event is still waiting
    client.stop(0)
    assert stat.S_IMODE(box.stat().st_mode) == 0o700
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600


# ------------------------------------------------------------------- CLI
def test_station_token_by_clinic_and_new_patient_permission(tmp_path: Path) -> None:
    runner = CliRunner()
    d = str(tmp_path / "data")
    assert runner.invoke(cli, ["therapist", "add", "alice", "--clinic", "north", "--data-dir", d],
                         input="a-long-password\n").exit_code == 0
    assert runner.invoke(cli, ["therapist", "add", "bob", "--clinic", "south", "--data-dir", d],
                         input="a-long-password\n").exit_code == 0
    r = runner.invoke(cli, ["therapist", "station-token", "bay-3", "--clinic", "north",
                            "--data-dir", d])
    assert r.exit_code == 0 and len(r.output.strip()) >= 40
    token = r.output.strip()
    r = runner.invoke(cli, ["therapist", "station-token", "bay-4", "--clinic", "north",
                            "--allow-new-patients", "--data-dir", d])
    assert r.exit_code == 0
    allowing = r.output.strip()
    with Store.open(data_dir=d) as store:
        cs = ClinicStore(store.engine)
        north = cs.clinic_id("north")
        bay3, bay4 = cs.station_for_token("bay-3", token), cs.station_for_token("bay-4", allowing)
    assert bay3 is not None and bay4 is not None
    assert (bay3.clinic_id, bay3.allow_new_patients) == (north, False)
    assert (bay4.clinic_id, bay4.allow_new_patients) == (north, True)
    for args, why in ((["--clinic", "west"], "unknown clinic 'west'"),
                      (["--by", "bob", "--clinic", "north"], "'bob' is not in clinic 'north'"),
                      ([], "--by THERAPIST or --clinic NAME")):
        r = runner.invoke(cli, ["therapist", "station-token", "bay-5", *args, "--data-dir", d])
        assert r.exit_code == 2 and why in r.output and len(r.output.strip().splitlines()) == 1
    with Store.open(data_dir=d) as store:
        assert ClinicStore(store.engine).station_for_token("bay-5", "x") is None  # nothing made


def test_help_names_every_clinic_option() -> None:
    runner = CliRunner()
    dash = runner.invoke(cli, ["dashboard", "--help"]).output
    assert "TCP port to listen on" in dash and "--trusted-proxy ADDR" in dash
    assign = runner.invoke(cli, ["therapist", "assign", "--help"]).output
    assert "The clinic whose therapists will see the patient" in assign
    for command in ("report", "export"):
        assert "--db TEXT" in runner.invoke(cli, [command, "--help"]).output
    r = runner.invoke(cli, ["dashboard", "--trusted-proxy", "proxy.example"])
    assert r.exit_code == 2 and "is not an IP address or network" in r.output


def test_report_and_export_read_a_store_named_with_db(tmp_path: Path, store_url: str) -> None:
    """`--db` with a SQLite file and with a PostgreSQL URL (a clinic's shared store)."""
    from telemetry.synthetic import Course, generate

    db = store_url
    with Store.open(db) as store:
        generate(store, "p-9", Course(days=3, reps=2))
    runner = CliRunner()
    out = tmp_path / "out"
    out.mkdir()
    r = runner.invoke(cli, ["report", "p-9", "--db", db, "--out", str(out / "r.html")])
    assert r.exit_code == 0, r.output
    assert "p-9" in (out / "r.html").read_text(encoding="utf-8")
    r = runner.invoke(cli, ["export", "p-9", "--db", db, "--format", "fhir",
                            "--out", str(out / "p.json")])
    assert r.exit_code == 0 and (out / "p.json").is_file()
    r = runner.invoke(cli, ["report", "p-9", "--db", "postgresql://nobody@127.0.0.1:1/none",
                            "--out", str(out / "x.html")])
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1
    assert not (out / "x.html").exists()
    r = runner.invoke(cli, ["report", "p-9", "--db", db, "--data-dir", str(tmp_path),
                            "--out", str(out / "y.html")])
    assert r.exit_code == 2 and "--db or --data-dir, not both" in r.output
