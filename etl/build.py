"""Build a whole warehouse from a folder of inputs (by default the committed sample)."""

from __future__ import annotations

from pathlib import Path

from etl.report import Report
from etl.validate import validate
from etl.warehouse import SAMPLE_MARKER, apply_report, person_salt, publish, raw_dir

# Which files of an inputs folder are which kind, loaded in this order.
LAYOUT = (
    ("survey", ("mic_kobetsu_*.xlsx", "survey_*.xlsx", "survey_*.csv")),
    ("roster", ("roster/*.csv", "roster/*.xlsx", "roster_*.csv")),
    ("status", ("status*.csv", "status*.xlsx")),
    ("population", ("population*.csv",)),
    ("boundaries", ("boundaries*.topojson", "boundaries*.geojson")),
)


def input_files(inputs: Path) -> list[tuple[str, Path]]:
    out = []
    for kind, patterns in LAYOUT:
        files = sorted({p for pat in patterns for p in inputs.glob(pat)})
        out += [(kind, p) for p in files]
    return out


def build(db_path: Path, inputs: Path) -> tuple[bool, list[Report]]:
    """Validate every input first; publish a new warehouse only if all of them pass."""
    salt = person_salt(db_path)
    files = input_files(inputs)
    reports = [validate(kind, path, salt=salt) for kind, path in files]
    if not all(r.ok for r in reports):
        return False, reports
    is_sample = (inputs / SAMPLE_MARKER).exists()

    def change(con):
        for (_, path), report in zip(files, reports, strict=True):
            apply_report(con, report, path, loaded_by="build", is_sample=is_sample, archive_to=raw_dir(db_path))

    publish(db_path, change, fresh=True)
    return True, reports
