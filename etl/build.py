"""Build a whole warehouse from folders of inputs: by default the real public files (data/public)
and the synthetic sample (data/sample), through the same validation and load code as the CLI."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from core.store import PUBLIC_DIR, SAMPLE_DIR, SAMPLE_MARKER
from etl import parallel
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


def build(db_path: Path, inputs: Path | Sequence[Path] = DEFAULT_INPUTS, *,
          workers: int = 1) -> tuple[bool, list[Report]]:
    """Validate every input; publish a new warehouse only if all of them pass (each file's rows go
    into the new file while later files are validated; a rejection drops that file unpublished).
    A folder holding the SAMPLE_MARKER file is synthetic: its loads are flagged is_sample.
    workers: processes that validate files side by side (see validated)."""
    folders = [Path(inputs)] if isinstance(inputs, str | Path) else [Path(p) for p in inputs]
    salt = person_salt(db_path)
    files = []  # (kind, path, is_sample)
    shas: dict[Path, str] = {}
    for folder in folders:
        is_sample = (folder / SAMPLE_MARKER).exists()
        files += [(kind, path, is_sample) for kind, path in input_files(folder)]
        shas.update({folder / f.file: f.sha256 for f in read_manifest(folder)})
    if not files:  # publishing nothing would replace the served warehouse with an empty one
        raise NoInputFiles("入力フォルダに取り込めるファイルがありません: " + "、".join(map(str, folders))
                           + "（ファイル名の決まり: " + "、".join(p for _, pats in LAYOUT for p in pats) + "）")
    jobs = [(kind, path, salt, shas.get(path)) for kind, path, _ in files]
    reports: list[Report] = []

    def accepted(results: Iterator[Report]) -> Iterator[Load]:
        """Each file's load while every report so far passed; after a failure the rest are only read,
        and the end raises _Rejected: apply_reports stops there, before it archives a file (a roster's
        copy holds its names and e-mails) for a build that publishes nothing."""
        failed = False
        for (_, path, is_sample), report in zip(files, results, strict=True):
            reports.append(report)
            failed = failed or not report.ok
            if not failed:
                yield Load(report, path, is_sample)
        if failed:
            raise _Rejected  # publish drops the new file: nothing is published

    made: list[Path] = []  # archive copies, removed if the publish fails

    def change(con) -> None:
        apply_reports(con, accepted(results), loaded_by="build", archive_to=raw_dir(db_path), made=made)

    with _collector_paused():
        # the workers are forked here, before publish opens DuckDB; publish appends each file's rows
        # while the later ones are still being validated
        with contextlib.closing(validated(jobs, workers)) as results:
            try:
                publish(db_path, change, fresh=True, made=made)
            except _Rejected:
                return False, reports
    return True, reports


class NoInputFiles(ValueError):
    """No folder of a build holds a file it reads (its message is the user's, in Japanese)."""


class _Rejected(Exception):
    """A file of the build was rejected: its reports say why."""


Job = tuple[str, Path, str, str | None]  # (kind, path, salt, the manifest's sha256)


def cli_workers() -> int:
    """Processes for a CLI build: DXGAP_BUILD_WORKERS, else one per CPU this process may use (one
    where the OS cannot say: not Linux, where the workers are not forked anyway)."""
    given = os.environ.get("DXGAP_BUILD_WORKERS", "")
    if given.isdigit() and int(given) > 0:
        return int(given)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def validate_all(jobs: list[Job], workers: int = 1) -> list[Report]:
    """The reports of every file, in order (see validated)."""
    with contextlib.closing(validated(jobs, workers)) as reports:
        return list(reports)


def validated(jobs: list[Job], workers: int = 1) -> Iterable[Report]:
    """The reports of every file, in order, each as soon as it and those before it are done: with
    workers > 1 this process validates from the front and workers - 1 forked processes from the back
    (etl.parallel). The same reports as one process gives."""
    return parallel.in_order(jobs, _validate_job, workers)


def _validate_job(job: Job) -> Report:
    kind, path, salt, manifest_sha = job
    return _validate(kind, path, salt, manifest_sha)


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
