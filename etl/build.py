"""Build a whole warehouse from folders of inputs: by default the real public files (data/public)
and the synthetic sample (data/sample), through the same validation and load code as the CLI."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Sequence
from pathlib import Path

from core.store import PUBLIC_DIR, SAMPLE_DIR, SAMPLE_MARKER
from etl import memo
from etl.citations import MANIFEST, read_manifest
from etl.report import FileRejected, Report
from etl.validate import validate
from etl.warehouse import Load, apply_reports, person_salt, publish, raw_dir

DEFAULT_INPUTS = (PUBLIC_DIR, SAMPLE_DIR)  # real first; only staff counts, rosters and progress are synthetic

# Which files of an inputs folder are which kind, loaded in this order (a folder with a
# manifest.json, such as data/public, lists its files and kinds there instead).
LAYOUT = (
    ("survey", ("mic_kobetsu_*.xlsx", "survey_*.xlsx", "survey_*.csv")),
    ("roster", ("roster/*.csv", "roster/*.xlsx", "roster_*.csv")),
    ("status", ("status*.csv", "status*.xlsx")),
    ("population", ("population*.csv",)),
    ("boundaries", ("boundaries*.topojson", "boundaries*.geojson")),
    ("indicators", ("indicators*.csv",)),
)


def input_files(inputs: Path) -> list[tuple[str, Path]]:
    if (inputs / MANIFEST).is_file():
        return [(f.kind, inputs / f.file) for f in read_manifest(inputs)]
    out = []
    for kind, patterns in LAYOUT:
        files = sorted({p for pat in patterns for p in inputs.glob(pat)})
        out += [(kind, p) for p in files]
    return out


def _validate(kind: str, path: Path, salt: str, manifest_sha: str | None) -> Report:
    if not path.is_file():
        return Report(kind, path.name, issues=[FileRejected(f"{MANIFEST} にあるファイル「{path.name}」がありません").issue])
    report = validate(kind, path, salt=salt)
    if manifest_sha and report.sha256 != manifest_sha:  # its citation would no longer be true
        report.error(f"ファイルの中身が {MANIFEST} の sha256 と違います。公開ファイルを差し替えたなら、"
                     f"{MANIFEST} の sha256 と出典を更新してください")
    return report


def build(db_path: Path, inputs: Path | Sequence[Path] = DEFAULT_INPUTS) -> tuple[bool, list[Report]]:
    """Validate every input first; publish a new warehouse only if all of them pass.
    A folder holding the SAMPLE_MARKER file is synthetic: its loads are flagged is_sample."""
    folders = [Path(inputs)] if isinstance(inputs, str | Path) else [Path(p) for p in inputs]
    salt = person_salt(db_path)
    files = []  # (kind, path, is_sample)
    shas: dict[Path, str] = {}
    for folder in folders:
        is_sample = (folder / SAMPLE_MARKER).exists()
        files += [(kind, path, is_sample) for kind, path in input_files(folder)]
        shas.update({folder / f.file: f.sha256 for f in read_manifest(folder)})
    with _collector_paused():
        with memo.run():  # what one file computed serves the next (the same codes and names each base date)
            reports = [_validate(kind, path, salt, shas.get(path)) for kind, path, _ in files]
        if not all(r.ok for r in reports):
            return False, reports

        def change(con):
            loads = [Load(report, path, is_sample) for (_, path, is_sample), report in zip(files, reports, strict=True)]
            apply_reports(con, loads, loaded_by="build", archive_to=raw_dir(db_path))

        publish(db_path, change, fresh=True)
    return True, reports


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection during a build. Its cells (millions of strings in row lists) live
    until the publish, and every few hundred new lists the collector would walk all of them again:
    a fifth of the build's time. A build makes almost no reference cycles; they go when it ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
