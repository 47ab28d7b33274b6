"""R Streamlit replicas of the dashboard on one warehouse, behind nginx (Debian's package).

    .venv/bin/python -m deploy.replicas --replicas 2 [--port 8501] [--address 0.0.0.0] [--db PATH]
    make serve-replicas R=2 [PORT=8501]

Each replica is `streamlit run app.py` on a loopback port of its own; nginx (config from
deploy/nginx.conf.template, written to a run folder with its own pid, logs and temp paths, run as
the current user in the foreground) listens on --port and keeps each browser on one replica by a
cookie. Replicas share one cookie secret, so a browser that fails over keeps a valid XSRF cookie.
Every replica must answer /_stcore/health before nginx starts, and nginx's own route to it is
checked too. Ctrl-C (or SIGTERM) stops nginx, then the replicas.

A publish (`python -m etl load …`, or an upload on the データ page) swaps the warehouse file; each
replica sees the new file at its sessions' next interaction (dashboard/db.py keys on the inode).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
COOKIE = "dxgap_replica"
START_TIMEOUT = 60.0
# glibc gives each thread that allocates under contention an arena of its own (up to 8 per core);
# Streamlit runs every session's script in a thread, and freed memory stayed spread over the arenas
# (issue 16 §2: +20% RSS over 30 minutes with the Python heap nearly flat). An operator's own
# setting wins.
SERVED_ENV = {"MALLOC_ARENA_MAX": "2"}


def nginx_binary() -> str | None:
    return os.environ.get("DXGAP_NGINX") or shutil.which("nginx") or \
        next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def replica_name(i: int) -> str:
    return f"r{i + 1}"


def render(listen: str, ports: list[int], run_dir: Path, access_log: str = "off",
           fail_timeout: int = 5) -> str:
    """nginx.conf for replicas on 127.0.0.1:<ports>, listening on listen ('127.0.0.1:8080' or '8080')."""
    names = [replica_name(i) for i in range(len(ports))]
    share = 100 / len(names)
    split = [f"        {share:.2f}% {n};" for n in names[:-1]] + [f"        * {names[-1]};"]
    upstreams = []
    for i, (name, port) in enumerate(zip(names, ports, strict=True)):
        lines = [f"    upstream {name} {{",
                 f"        server 127.0.0.1:{port} max_fails=1 fail_timeout={fail_timeout}s;"]
        lines += [f"        server 127.0.0.1:{p} backup;" for j, p in enumerate(ports) if j != i]
        upstreams.append("\n".join([*lines, "    }"]))
    values = {
        "RUN_DIR": str(run_dir),
        "ACCESS_LOG": access_log,
        "LISTEN": listen,
        "SPLIT": "\n".join(split),
        "KNOWN": "\n".join(f"        {n} {n};" for n in names),
        "KNOWN_EMPTY": "\n".join(f'        {n} "";' for n in names),
        "UPSTREAMS": "\n".join(upstreams),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    leftover = re.findall(r"@[A-Z_]+@", text)
    if leftover:
        raise ValueError(f"unfilled placeholders in {TEMPLATE}: {leftover}")
    if os.geteuid() == 0:  # a root master would run its workers as nobody, who cannot use run_dir
        text = text.replace("daemon off;", "daemon off;\nuser root;", 1)
    return text


@dataclass
class Replica:
    name: str
    port: int
    proc: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    url: str  # nginx
    replicas: list[Replica]
    nginx: subprocess.Popen
    run_dir: Path

    def kill(self, name: str) -> None:
        """SIGKILL one replica (a crash): its sessions are lost, the others keep theirs."""
        replica = next(r for r in self.replicas if r.name == name)
        replica.proc.kill()
        replica.proc.wait(10)


def healthy(url: str, timeout: float = 2.0, cookie: str | None = None) -> bool:
    req = urllib.request.Request(url + "/_stcore/health", headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 (http to our own servers)
            return r.status == 200
    except OSError:
        return False


def wait_healthy(url: str, proc: subprocess.Popen, what: str, timeout: float = START_TIMEOUT,
                 cookie: str | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not healthy(url, cookie=cookie):
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode} before it was healthy")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} was not healthy within {timeout:.0f} s ({url}/_stcore/health)")
        time.sleep(0.2)


def start_replica(name: str, db: Path, port: int, log: Path, env: dict[str, str],
                  flags: tuple[str, ...] = (), launcher: tuple[str, ...] = ("-m", "streamlit")) -> Replica:
    """launcher: what runs `streamlit` (bench/memprobe.py wraps it to look inside the server)."""
    out = open(log, "w")  # noqa: SIM115 (the child keeps it; closed when we return)
    try:
        proc = subprocess.Popen(
            [sys.executable, *launcher, "run", str(ROOT / "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", *flags],
            cwd=ROOT, env={**SERVED_ENV, **env, "DXGAP_DB": str(db)}, stdout=out, stderr=subprocess.STDOUT)
    finally:
        out.close()
    return Replica(name, port, proc, log)


def stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)


@contextlib.contextmanager
def serve(db: Path, replicas: int = 2, port: int | None = None, address: str = "127.0.0.1",
          run_dir: Path | None = None, flags: tuple[str, ...] = (), access_log: bool = False,
          fail_timeout: int = 5) -> Iterator[Cluster]:
    """Start the replicas and nginx, wait until all are healthy, yield the cluster, stop it all."""
    if replicas < 1:
        raise ValueError("replicas must be at least 1")
    nginx = nginx_binary()
    if nginx is None:
        raise RuntimeError("nginx not found: install the Debian package (make system-deps)")
    db = Path(db).resolve()
    if not db.exists():
        raise RuntimeError(f"warehouse not found: {db} (make warehouse)")
    own_dir = run_dir is None
    run_dir = Path(tempfile.mkdtemp(prefix="dxgap-replicas-")) if own_dir else Path(run_dir)
    (run_dir / "tmp").mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET")
           or secrets.token_hex(32)}
    started: list[Replica] = []
    proxy: subprocess.Popen | None = None
    try:
        for i in range(replicas):
            name = replica_name(i)
            started.append(start_replica(name, db, free_port(), run_dir / f"{name}.log", env, flags))
        for r in started:
            wait_healthy(r.url, r.proc, f"replica {r.name} (log: {r.log})")
        port = port or free_port(address if address not in ("0.0.0.0", "") else "127.0.0.1")
        conf = run_dir / "nginx.conf"
        conf.write_text(render(f"{address}:{port}", [r.port for r in started], run_dir,
                               f"{run_dir / 'access.log'} replicas" if access_log else "off", fail_timeout),
                        encoding="utf-8")
        test = subprocess.run([nginx, "-t", "-q", "-p", str(run_dir), "-c", str(conf), "-e", str(run_dir / "error.log")],
                              capture_output=True, text=True, check=False)
        if test.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{test.stderr}")
        proxy = subprocess.Popen([nginx, "-p", str(run_dir), "-c", str(conf), "-e", str(run_dir / "error.log")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        host = "127.0.0.1" if address in ("0.0.0.0", "") else address
        url = f"http://{host}:{port}"
        for r in started:  # nginx's route to every replica, by its cookie
            wait_healthy(url, proxy, f"nginx → {r.name}", cookie=f"{COOKIE}={r.name}")
        yield Cluster(url, started, proxy, run_dir)
    finally:
        if proxy is not None:
            stop(proxy)
        for r in started:
            stop(r.proc)
        if own_dir:
            shutil.rmtree(run_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    from core.store import DB_ENV, DEFAULT_DB

    ap = argparse.ArgumentParser(prog="python -m deploy.replicas", description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", "-R", type=int, default=2)
    ap.add_argument("--port", type=int, default=8501, help="nginx's port (default 8501)")
    ap.add_argument("--address", default="0.0.0.0", help="nginx's listen address (default all interfaces)")
    ap.add_argument("--db", type=Path, default=Path(os.environ.get(DB_ENV, DEFAULT_DB)))
    ap.add_argument("--run-dir", type=Path, help="nginx config, pid, logs and replica logs (default: a temp folder)")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # clean stop through the finally blocks
    try:
        with serve(args.db, args.replicas, args.port, args.address, args.run_dir, access_log=True) as cluster:
            print(f"{len(cluster.replicas)} replicas behind nginx: {cluster.url} (run folder {cluster.run_dir})")
            for r in cluster.replicas:
                print(f"  {r.name}: {r.url}  log {r.log}")
            print("Ctrl-C to stop.", flush=True)
            down: set[str] = set()
            while cluster.nginx.poll() is None:
                for r in cluster.replicas:
                    if r.proc.poll() is not None and r.name not in down:
                        down.add(r.name)  # nginx sends its browsers to the others
                        print(f"replica {r.name} exited ({r.proc.returncode}); see {r.log}", file=sys.stderr)
                time.sleep(1)
            print("nginx exited; stopping", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        return 0
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
