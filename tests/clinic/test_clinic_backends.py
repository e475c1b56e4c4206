"""The clinic on each backend (SQLite file and a throwaway PostgreSQL): CLI with --db /
$NEUROPLAY_DB, dashboard pages, and idempotent station events."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from clinic.dashboard.app import create_app
from clinic.station import StationClient
from game.cli import cli
from tests.clinic.clinic_env import build, login
from tests.clinic.conftest import PgServer, serve, stop
from tests.clinic.test_clinic_live import wait_for


def test_dashboard_and_stations_on_each_backend(store_url: str) -> None:
    e = build(store_url)
    served = serve(create_app(e.store, clinic=e.clinic))
    try:
        c = login(served.url)
        assert "north-1" in c.get("/patients").text
        page = c.get("/patients/north-1")
        assert page.status_code == 200 and "reach raised" in page.text
        assert c.get("/patients/north-1/figures/0.png").content[:4] == b"\x89PNG"
        st = StationClient(served.url, "room-1", e.station_token, patient="north-1").start()
        try:
            wait_for(st.connected.is_set)
            for i in range(40):
                st.record("hit", {"i": i})
                if i == 20:
                    st.drop_connection()
            assert st.wait_drained(15)
        finally:
            st.stop()
        seqs = [x["seq"] for x in e.clinic.station_events("room-1", st.run_id)]
        assert seqs == list(range(1, 41))
    finally:
        stop(served)
        e.store.close()


@pytest.mark.postgres
def test_cli_uses_db_url_and_env(pg_server: PgServer, monkeypatch: pytest.MonkeyPatch) -> None:
    url = pg_server.create_database()
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    runner = CliRunner()
    r = runner.invoke(cli, ["therapist", "add", "eve", "--clinic", "West", "--db", plain],
                      input="long-enough-pw\n")
    assert r.exit_code == 0, r.output
    monkeypatch.setenv("NEUROPLAY_DB", plain)
    r = runner.invoke(cli, ["therapist", "station-token", "w-1", "--by", "eve"])
    assert r.exit_code == 0 and len(r.output.strip()) >= 40
    from telemetry.clinic import ClinicStore
    from telemetry.store import Store

    with Store.open(url) as store:
        cs = ClinicStore(store.engine)
        assert cs.station_for_token("w-1", r.output.strip()) is not None
        assert cs.therapist("eve").clinic == "West"


@pytest.mark.postgres
def test_every_command_follows_neuroplay_db(pg_server: PgServer, tmp_path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from telemetry.store import Store, database_url

    assert database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"
    url = pg_server.create_database()
    monkeypatch.setenv("NEUROPLAY_DB", url.replace("postgresql+psycopg://", "postgresql://"))
    with Store.open() as store:
        assert store.engine.dialect.name == "postgresql"
        store.ensure_patient("shared-1")
    r = CliRunner().invoke(cli, ["therapist", "assign", "shared-1", "--clinic", "none"])
    assert r.exit_code == 2 and "unknown clinic 'none'" in r.output  # found the patient there
    # an explicit data directory is a home install: its SQLite file, not the clinic's server
    with Store.open(data_dir=tmp_path / "home") as home:
        assert home.engine.dialect.name == "sqlite" and home.patients() == []
