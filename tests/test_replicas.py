"""Two replicas of the app behind real nginx (deploy/replicas.py, Debian's nginx run as the current
user with a config in tmp_path), driven by headless websocket clients as browsers drive them:
sessions stick to their replica by cookie, a publish through the CLI is seen on every replica at
its sessions' next interaction, and killing one replica loses only its own sessions, which
reconnect to the other."""

from __future__ import annotations

import time
import urllib.request

import pytest
from websockets.exceptions import ConnectionClosed

import testing
from deploy import replicas
from testing import rerun as server_rerun

# nginx is required as Chromium is: `make test` installs the Debian package (make system-deps).
pytestmark = pytest.mark.server
DATA_PAGE = "data"  # its load history names every loaded file


def cookie(name: str) -> str:
    return f"{replicas.COOKIE}={name}"


def page_text(ws: server_rerun.Session, page: str = DATA_PAGE, query: str = "") -> bytes:
    """Every message of one rerun (a RerunError if the page shows an exception)."""
    _, _, msgs = server_rerun.rerun_messages(ws, query, page, timeout=60)
    return b"".join(m.SerializeToString() for m in msgs)


def stream_lines(access_log) -> list[str]:
    return [line for line in access_log.read_text().splitlines() if "/_stcore/stream" in line]


def test_a_new_browser_is_given_a_replica_and_keeps_it(tmp_path):
    db = testing.copy_db(testing.sample_db(), tmp_path / "wh")
    with replicas.serve(db, replicas=2, run_dir=tmp_path / "run", access_log=True) as cluster:
        given = {server_rerun.page_cookie(cluster.url) for _ in range(40)}
        assert given == {cookie("r1"), cookie("r2")}  # random, both used
        req = urllib.request.Request(cluster.url + "/", headers={"Cookie": cookie("r2")})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 200 and r.headers.get("Set-Cookie") is None  # a known replica is kept
        for name in ("r1", "r2") * 3:
            with server_rerun.Session(cluster.url, cookie=cookie(name)) as ws:
                server_rerun.rerun(ws, "", "progress", timeout=60)
        ports = {r.name: r.port for r in cluster.replicas}
        conf = (tmp_path / "run" / "nginx.conf").read_text()
        deadline = time.monotonic() + 10
        while len(streams := stream_lines(tmp_path / "run" / "access.log")) < 6 and time.monotonic() < deadline:
            time.sleep(0.1)  # nginx logs a websocket when it closes
    assert "/_stcore/stream" in conf and "Upgrade $http_upgrade" in conf and " backup;" in conf
    assert len(streams) == 6
    for line in streams:  # every websocket reached the replica its cookie names
        name = line.split("cookie=")[1].split()[0]
        assert line.endswith(f"upstream=127.0.0.1:{ports[name]}"), line


def test_a_publish_is_seen_by_sessions_on_every_replica(tmp_path, warming):
    db = testing.copy_db(testing.sample_db(), tmp_path / "wh")
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    new_file = testing.prefecture_survey(inputs, "survey_0_001.csv", 0, 1)
    with replicas.serve(db, replicas=2, run_dir=tmp_path / "run") as cluster:
        sessions = {name: server_rerun.Session(cluster.url, cookie=cookie(name)) for name in ("r1", "r2")}
        try:
            for ws in sessions.values():
                before = page_text(ws)
                assert b"mic_kobetsu_R5.xlsx" in before and new_file.name.encode() not in before
            proc = testing.run_etl("load", "survey", new_file, "--db", db, "--base-date", "2024-10-01")
            assert proc.code == 0, proc.text
            for name, ws in sessions.items():  # the next interaction of the same, still open session
                assert new_file.name.encode() in page_text(ws), f"replica {name} still shows the old warehouse"
        finally:
            for ws in sessions.values():
                ws.ws.close()
        logs = [r.log.read_text(errors="replace") for r in cluster.replicas]
    assert not [line for log in logs for line in log.splitlines() if "Traceback" in line]


def test_killing_one_replica_loses_only_its_sessions_which_reconnect_to_the_other(tmp_path):
    db = testing.copy_db(testing.sample_db(), tmp_path / "wh")
    with replicas.serve(db, replicas=2, run_dir=tmp_path / "run", fail_timeout=30) as cluster:
        sessions = [(name, server_rerun.Session(cluster.url, cookie=cookie(name))) for name in ("r1", "r2") * 3]
        try:
            for _, ws in sessions:
                server_rerun.rerun(ws, "pref=13&date=2023-04-01&n=3", "prefecture", timeout=60)
            cluster.kill("r1")
            for name, ws in sessions:
                if name == "r2":  # untouched: the same websocket keeps working
                    server_rerun.rerun(ws, "pref=27&date=2023-04-01&n=3", "prefecture", timeout=60)
                else:
                    with pytest.raises((ConnectionClosed, OSError)):
                        server_rerun.rerun(ws, "pref=27&date=2023-04-01&n=3", "prefecture", timeout=60)
            # As the browser does: reconnect (same cookie) and rerun; nginx sends it to r2.
            for name, _ in sessions:
                with server_rerun.Session(cluster.url, cookie=cookie(name)) as again:
                    text = page_text(again, "prefecture", "pref=27&date=2023-04-01&n=3")
                    assert "大阪府".encode() in text and "サンプル（架空）データ".encode() in text
        finally:
            for _, ws in sessions:
                ws.ws.close()
        assert cluster.replicas[1].proc.poll() is None  # r2 still serving
        req = urllib.request.Request(cluster.url + "/", headers={"Cookie": cookie("r1")})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 200  # the page itself, for a browser of r1 that reloads
