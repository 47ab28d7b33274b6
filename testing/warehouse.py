"""Warehouses for tests and benchmarks: the ETL CLI run as a user runs it, the sample warehouse
built once per process, private copies to load into, and reading a warehouse file."""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
TEST_SALT = "test-salt-do-not-use-in-production"
_built: dict[str, Path] = {}


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def etl_env(**extra: str) -> dict[str, str]:
    """The environment for a CLI child: this repo importable, no salt unless asked for."""
    env = {k: v for k, v in os.environ.items() if k != "DXGAP_PERSON_SALT"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def run_etl(*args: object, salt: str | None = None, timeout: float = 300, check: bool = False,
            env: dict[str, str] | None = None) -> Run:
    """`python -m etl ARGS` in a child process, exactly as a user runs it; check: fail unless exit 0.
    env: variables to set for the child besides the usual ones."""
    env = etl_env(**({"DXGAP_PERSON_SALT": salt} if salt else {}), **(env or {}))
    proc = subprocess.run([sys.executable, "-m", "etl", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    run = Run(proc.returncode, proc.stdout, proc.stderr)
    if check and run.code != 0:
        raise AssertionError(f"python -m etl {' '.join(map(str, args))} failed ({run.code}):\n{run.text[-3000:]}")
    return run


def etl_main(*args: object) -> Run:
    """etl.cli.main in this process (what `python -m etl` calls): same exit codes, ~10× faster."""
    from etl.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    return Run(code, out.getvalue(), err.getvalue())


def scratch_dir(prefix: str) -> Path:
    """A new folder under the system's temp directory, removed when this process exits (a warehouse
    with its versions and raw archive is 12–30 MB; /tmp once held 4.9 GB of them)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _build_once(name: str, *inputs: Path) -> Path:
    if name not in _built:
        target = scratch_dir(f"dxgap-{name}-") / "warehouse.duckdb"
        run_etl("build", "--db", target, *(a for d in inputs for a in ("--inputs", d)), check=True)
        _built[name] = target
    return _built[name]


def sample_db() -> Path:
    """The default warehouse (data/public real files + data/sample synthetic ones), built once per
    process through the real CLI. Treat as read-only: copy_db before loading into it."""
    return _build_once("sample")


def sample_only_db() -> Path:
    """A warehouse of data/sample alone (no public data: no boundaries, population or indicators),
    built once per process through the real CLI. Treat as read-only."""
    return _build_once("sample-only", SAMPLE_DIR)


def copy_db(src: Path, dest_dir: Path) -> Path:
    """A private copy of a warehouse file (and the .salt beside it), safe to load into."""
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / "warehouse.duckdb"
    dest.write_bytes(Path(src).read_bytes())
    salt = Path(src).parent / ".salt"
    if salt.exists():
        (dest_dir / ".salt").write_bytes(salt.read_bytes())
    return dest


def query(db: Path, sql: str, params: list | tuple | None = None) -> list[tuple]:
    """Rows of a parameterised query on a warehouse file, opened read-only."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params) if params is not None else None).fetchall()


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
