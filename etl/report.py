"""Validation findings: every rejected cell or row, in Japanese, with where it was."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from etl.frame import Frame

ERROR = "error"  # blocks the whole file
WARNING = "warning"  # loads, but is recorded

KIND_LABELS = {
    "survey": "職員調査",
    "roster": "人材名簿",
    "status": "体制構築の進捗",
    "population": "人口",
    "boundaries": "境界",
    "indicators": "自治体DXの取組状況",
}


def _cell(value):
    """Values come from the input file and the CSV is opened in Excel: a leading apostrophe keeps
    =HYPERLINK(...) and the like from running (as dashboard.downloads does)."""
    return "'" + value if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")) else value


# The columns of a report's issues, as the upload preview and the load history show them.
ISSUE_LABELS = {"severity": "区分", "sheet": "シート", "row": "行", "column": "列", "value": "値", "reason": "理由"}

MAX_QUOTE = 100  # characters of a value quoted in a message
MAX_REASON = 1_000
_LONG_QUOTE = re.compile(f"「([^「」]{{{MAX_QUOTE + 1},}})」")


def _clip(text: str, limit: int = MAX_QUOTE) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass(frozen=True)
class Issue:
    severity: str
    reason: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def __post_init__(self):
        # Whatever a loader quotes, a message never carries more than 100 characters of a value:
        # a 30,000-character cell must not become a 30,000-character report line.
        reason = _LONG_QUOTE.sub(lambda m: f"「{_clip(m[1])}」", self.reason)
        object.__setattr__(self, "reason", _clip(reason, MAX_REASON))
        for name in ("sheet", "column", "value"):
            value = getattr(self, name)
            if isinstance(value, str):  # plain text (a header label may be a str subclass)
                object.__setattr__(self, name, _clip(str(value)))

    def location(self, file_name: str) -> str:
        parts = [file_name]
        if self.sheet:
            parts.append(f"シート「{self.sheet}」")
        if self.row is not None:
            parts.append(f"{self.row}行目")
        if self.column:
            parts.append(f"列「{self.column}」")
        if self.value is not None:
            parts.append(f"値「{self.value}」")
        return " ".join(parts)


class FileRejected(Exception):
    """Raised when a file cannot be read at all; carries one Issue."""

    def __init__(self, reason: str, **where):
        super().__init__(reason)
        self.issue = Issue(ERROR, reason, **where)


@dataclass
class Report:
    """What a validation found, and the rows that would load."""

    kind: str
    file_name: str
    sha256: str = ""
    rows_read: int = 0
    issues: list[Issue] = field(default_factory=list)
    tables: dict[str, Frame | pd.DataFrame] = field(default_factory=dict)  # survey and roster: Frame (etl.frame)
    detail: dict[str, str] = field(default_factory=dict)

    def error(self, reason: str, **where) -> None:
        self.issues.append(Issue(ERROR, reason, **where))

    def warn(self, reason: str, **where) -> None:
        self.issues.append(Issue(WARNING, reason, **where))

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows_loaded(self) -> int:
        main = next(iter(self.tables.values()), None)
        return 0 if main is None or not self.ok else len(main)

    @property
    def rows_rejected(self) -> int:
        return len({i.row for i in self.errors if i.row is not None}) or len(self.errors)

    def issues_frame(self) -> pd.DataFrame:
        import pandas as pd  # here: a build never asks, and never imports pandas for surveys and rosters

        cols = ["severity", "sheet", "row", "column", "value", "reason"]
        df = pd.DataFrame([asdict(i) for i in self.issues], columns=cols)
        df.insert(0, "file_name", self.file_name)
        return df

    def issues_csv(self) -> bytes:
        """Rejects as CSV with a UTF-8 BOM, so Excel in Japan opens it."""
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["ファイル", "区分", "シート", "行", "列", "値", "理由"])
        for i in self.issues:
            sev = "エラー" if i.severity == ERROR else "警告"
            w.writerow([_cell(c) for c in (self.file_name, sev, i.sheet or "", i.row or "", i.column or "",
                                           i.value or "", i.reason)])
        return ("\ufeff" + buf.getvalue()).encode("utf-8")

    def summary_lines(self, limit: int = 50) -> list[str]:
        label = KIND_LABELS.get(self.kind, self.kind)
        lines = [
            f"ファイル: {self.file_name}（種類: {label}）",
            f"読み込んだ行: {self.rows_read} / 取り込める行: {self.rows_loaded} / "
            f"エラー: {len(self.errors)} / 警告: {len(self.warnings)}",
        ]
        lines += [f"  {k}: {v}" for k, v in self.detail.items()]
        for title, group in (("エラー", self.errors), ("警告", self.warnings)):
            if group:
                lines.append(f"{title}:")
                lines += [f"  {i.location(self.file_name)}: {i.reason}" for i in group[:limit]]
                if len(group) > limit:
                    lines.append(f"  …ほか {len(group) - limit} 件")
        return lines
