"""Shared test helpers: run the ETL CLI, write tiny input files, read a warehouse.

Fixture files are written with the standard csv module and openpyxl into a test's tmp_path,
so every test states its input in full next to the rows it expects.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests import support

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "data" / "sample"
TEST_SALT = "test-salt-do-not-use-in-production"

SURVEY_HEADER = ["団体コード", "都道府県名", "団体名", "DX担当職員数", "専任", "兼任", "外部人材", "CIO補佐官等"]
ROSTER_HEADER = ["人材番号", "氏名", "メールアドレス", "電話番号", "役割", "雇用形態", "開始日", "終了日",
                 "アクセラレータ", "支援先市町村"]
STATUS_HEADER = ["都道府県コード", "都道府県名", "マイルストーン", "達成日", "モデル", "備考"]


# -- running the CLI ------------------------------------------------------------------------

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
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def run_etl(*args: object, salt: str | None = None, timeout: float = 120) -> Run:
    """`python -m etl ARGS` in a child process, exactly as a user runs it."""
    env = etl_env(**({"DXGAP_PERSON_SALT": salt} if salt else {}))
    proc = subprocess.run([sys.executable, "-m", "etl", *map(str, args)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    return Run(proc.returncode, proc.stdout, proc.stderr)


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


# -- writing fixture files ------------------------------------------------------------------

def write_csv(path: Path, header: Sequence[object] | None, rows: Iterable[Sequence[object]],
              encoding: str = "utf-8") -> Path:
    """A CSV as Excel writes it (CRLF); encoding 'utf-8-sig' adds the BOM, 'cp932' is Shift_JIS."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(["" if c is None else c for c in row] for row in rows)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, grid: Sequence[Sequence[object]], sheet: str = "Sheet1",
               merges: Sequence[str] = ()) -> Path:
    """One sheet: grid rows from A1 down (None = empty cell), then merged ranges like 'D4:F4'."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in grid:
        ws.append(list(row))
    for rng in merges:
        ws.merge_cells(rng)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def survey_csv(path: Path, rows: Iterable[Sequence[object]], encoding: str = "utf-8",
               header: Sequence[object] = SURVEY_HEADER) -> Path:
    return write_csv(path, header, rows, encoding)


def roster_csv(path: Path, rows: Iterable[Sequence[object]], encoding: str = "cp932",
               header: Sequence[object] = ROSTER_HEADER) -> Path:
    return write_csv(path, header, rows, encoding)


def status_csv(path: Path, rows: Iterable[Sequence[object]], encoding: str = "utf-8-sig",
               header: Sequence[object] = STATUS_HEADER) -> Path:
    return write_csv(path, header, rows, encoding)


# -- reading a warehouse --------------------------------------------------------------------

def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def copy_warehouse(src: Path, dest_dir: Path) -> Path:
    """A private copy of a warehouse file (the .salt beside it too), safe to load into."""
    return support.copy_db(src, dest_dir)


# -- workbooks laid out like the MIC 個別資料 (issue 12, issue 13) ----------------------------

@dataclass
class SheetSpec:
    """One sheet of a test workbook: rows from A1 down, merged ranges, and its visibility."""

    title: str
    grid: Sequence[Sequence[object]]
    merges: Sequence[str] = ()
    state: str = "visible"  # visible | hidden | veryHidden


def write_book(path: Path, sheets: Sequence[SheetSpec]) -> Path:
    """A workbook of several sheets, written by openpyxl as a real file."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        ws = wb.create_sheet(spec.title)
        for row in spec.grid:
            ws.append(list(row))
        for rng in spec.merges:
            ws.merge_cells(rng)
        ws.sheet_state = spec.state
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def patch_xlsx(path: Path, edits: dict[str, Callable[[bytes], bytes]]) -> Path:
    """Rewrite members of an xlsx in place, e.g. to give formulas the results Excel would save."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(Path(path).read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename in edits:
                data = edits[info.filename](data)
            dst.writestr(info, data, zipfile.ZIP_DEFLATED)
    Path(path).write_bytes(out.getvalue())
    return Path(path)


def as_excel_saved(results: dict[str, str], recalc: bool = False) -> dict[str, Callable[[bytes], bytes]]:
    """Edits (for patch_xlsx) that make an openpyxl file look saved by Excel: each formula cell of
    the first sheet gets its result (cell → text), and unless recalc the workbook no longer asks
    to recalculate on open. The corpus builds its files with the same function."""
    from corpus.make_corpus import saved_results

    return saved_results(results, recalc=recalc)
