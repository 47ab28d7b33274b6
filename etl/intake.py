"""The write side of the データ page: an upload is checked, saved, validated (a dry run), previewed,
published or thrown away, and the warehouse rolled back to a kept version. No Streamlit here: the
page binds an upload to its browser session (dashboard.uploads) and calls these functions.

The bytes are checked (size, extension, content) and saved under their original file name in a
private temporary folder, validated by the same etl.validate.validate as the CLI, and published by
etl.warehouse.load_file, the same atomic swap as the CLI. A saved upload that is not published (a
roster holds names, e-mails and phones) is deleted when its session ends (the page's binding calls
discard_folder) or UPLOAD_TTL after it was saved, whichever comes first: a reaper thread runs while
any upload is waiting.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import re
import shutil
import tempfile
import threading
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl.citations import Citation, citation_for
from etl.frame import as_pandas
from etl.readers import UTF16_REASON, looks_utf16
from etl.report import ERROR, ISSUE_LABELS, KIND_LABELS, Issue, Report
from etl.resolve import resolver
from etl.validate import EXTENSIONS, KINDS, MAX_FILE_BYTES, validate
from etl.versions import RollbackResult, list_versions, rollback
from etl.versions import VersionError as VersionError  # a rollback that cannot be done (Japanese message)
from etl.warehouse import LoadResult, load_file, person_salt, same_file_loaded, sha256_file
from etl.warehouse import PublishError as PublishError  # a publish that failed, nothing changed (Japanese)
from etl.xlsx import ENCRYPTED_REASON, is_encrypted_office

DEFAULT_LABEL = "管理者"


# -- labels -------------------------------------------------------------------------

def clean_label(text: str | None) -> str:
    """The admin label kept in load_log: one line, no control characters, at most 40 characters."""
    return clean_text(text, 40) or DEFAULT_LABEL


def clean_text(text: str | None, limit: int = 120) -> str:
    """User text kept in load_log: one line, no control characters, at most `limit` characters."""
    text = "".join(ch for ch in unicodedata.normalize("NFKC", text or "") if unicodedata.category(ch)[0] != "C")
    return text.strip()[:limit]


# -- upload ---------------------------------------------------------------------------

# Leading bytes of formats people upload by mistake. The weak ones (2 bytes) only count
# together with NUL bytes, since a text file may start with those letters.
_MAGIC = (
    (b"%PDF-", "PDF ファイル", True),
    (b"\x89PNG\r\n\x1a\n", "PNG 画像", True),
    (b"\xff\xd8\xff", "JPEG 画像", True),
    (b"GIF87a", "GIF 画像", True),
    (b"GIF89a", "GIF 画像", True),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "古い Office 形式（.xls / .doc など）", True),
    (b"PK\x03\x04", "ZIP 形式（Excel の .xlsx、Word の .docx、圧縮フォルダなど）", True),
    (b"\x1f\x8b", "gzip 圧縮ファイル", False),
    (b"Rar!\x1a\x07", "RAR 圧縮ファイル", True),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip 圧縮ファイル", True),
    (b"\x7fELF", "実行ファイル", True),
    (b"MZ", "Windows の実行ファイル", False),
)
_TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
_JSON_SUFFIXES = (".json", ".geojson", ".topojson")
_EXCEL_SUFFIXES = (".xlsx", ".xlsm")


def _binary_kind(head: bytes) -> str | None:
    has_nul = b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff"))
    for magic, what, strong in _MAGIC:
        if head.startswith(magic) and (strong or has_nul):
            return what
    return "テキストではないファイル" if has_nul else None


def content_problem(file_name: str, data: bytes) -> str | None:
    """A Japanese reason when the bytes do not match the extension (e.g. a renamed binary)."""
    suffix = Path(file_name).suffix.lower()
    if is_encrypted_office(data):  # the ETL's own reasons, so the page and the CLI say the same
        return ENCRYPTED_REASON
    if suffix in _TEXT_SUFFIXES and b"\x00" in data[:4096] and looks_utf16(data):
        return UTF16_REASON
    head = data[:8192]
    mismatch = "拡張子は「{suffix}」ですが、中身は{what}です。元の形式のまま、正しい拡張子で保存してからアップロードしてください"
    if suffix in _EXCEL_SUFFIXES:
        if not head.startswith(b"PK\x03\x04"):
            what = _binary_kind(head) or "テキスト（CSV など）"
            return mismatch.format(suffix=suffix, what=what)
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return f"拡張子は「{suffix}」ですが、Excel ファイルとして開けません（壊れているか、途中で切れています）"
        if "xl/workbook.xml" not in names:
            return mismatch.format(suffix=suffix, what="Excel ブックではない ZIP 形式（Word の .docx など）")
        return None
    if suffix in _TEXT_SUFFIXES or suffix in _JSON_SUFFIXES:
        what = _binary_kind(head)
        if what:
            return mismatch.format(suffix=suffix, what=what)
        if suffix in _JSON_SUFFIXES:
            text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
            if not text.startswith((b"{", b"[")):
                return mismatch.format(suffix=suffix, what="JSON（TopoJSON / GeoJSON）ではないテキスト")
    return None


def safe_file_name(name: str) -> str:
    """The original file name without any folder part or control characters (kept in history)."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    stem, suffix = os.path.splitext(base)
    while len(stem.encode("utf-8")) > 180:  # file systems allow 255 bytes
        stem = stem[:-1]
    base = stem + suffix[:16]
    return base if stem else "upload" + suffix[:16]


UPLOAD_PREFIX = "dxgap-upload-"
UPLOAD_TTL = 15 * 60  # seconds a validated, unpublished upload is kept at most
REAP_EVERY = 30.0  # seconds between the reaper's rounds
_pending: dict[str, tuple[float, tempfile.TemporaryDirectory]] = {}  # folder → (saved at, monotonic; folder)
_pending_lock = threading.Lock()
_reaper: threading.Thread | None = None


def _track(tmp: tempfile.TemporaryDirectory) -> None:
    global _reaper
    with _pending_lock:
        _pending[tmp.name] = (time.monotonic(), tmp)
        if _reaper is None or not _reaper.is_alive():
            _reaper = threading.Thread(target=_reap_while_pending, name="dxgap-upload-reaper", daemon=True)
            _reaper.start()


def discard_folder(folder: str) -> None:
    """Delete one saved upload (any session's, from any thread); a folder already gone is fine."""
    with _pending_lock:
        entry = _pending.pop(folder, None)
    if entry is not None:
        entry[1].cleanup()


def expire_uploads(now: float | None = None) -> int:
    """Delete the saved uploads older than UPLOAD_TTL (and, by their age on disk, those left behind
    by a server that was killed); returns how many of this process's were deleted."""
    now = time.monotonic() if now is None else now
    with _pending_lock:
        old = [folder for folder, (saved, _) in _pending.items() if now - saved >= UPLOAD_TTL]
    for folder in old:
        discard_folder(folder)
    wall = time.time() + (now - time.monotonic())
    for leftover in Path(tempfile.gettempdir()).glob(UPLOAD_PREFIX + "*"):
        with contextlib.suppress(OSError):
            st_ = leftover.lstat()
            if str(leftover) not in _pending and st_.st_uid == os.getuid() and wall - st_.st_mtime >= UPLOAD_TTL:
                shutil.rmtree(leftover)
    return len(old)


def _reap_while_pending() -> None:
    """Every REAP_EVERY seconds (checked each second, so a changed setting applies at once), until
    no upload is waiting."""
    global _reaper
    last = time.monotonic()
    while True:
        time.sleep(min(1.0, REAP_EVERY))
        if time.monotonic() - last < REAP_EVERY:
            continue
        last = time.monotonic()
        expire_uploads()
        with _pending_lock:
            if not _pending:
                _reaper = None
                return


@dataclass
class Upload:
    """One uploaded file: what the dry run found, and the saved copy to publish."""

    kind: str
    file_name: str
    size: int
    report: Report
    path: Path | None = None  # None when the file was refused before it was saved
    options: dict = field(default_factory=dict)
    _tmp: tempfile.TemporaryDirectory | None = field(default=None, repr=False)

    @property
    def folder(self) -> str | None:
        return self._tmp.name if self._tmp is not None else None

    @property
    def saved(self) -> bool:
        """The saved copy is still there (not discarded, not expired, session not ended)."""
        return self.path is not None and self.path.is_file()

    @property
    def publishable(self) -> bool:
        return self.saved and self.report.ok

    def discard(self) -> None:
        if self._tmp is not None:
            discard_folder(self._tmp.name)
            self._tmp.cleanup()
            self._tmp, self.path = None, None


def _refused(kind: str, file_name: str, data: bytes, reason: str) -> Upload:
    report = Report(kind, file_name, sha256=hashlib.sha256(data).hexdigest(), issues=[Issue(ERROR, reason)])
    return Upload(kind, file_name, len(data), report)  # nothing saved: it can never be published


def prepare_upload(kind: str, file_name: str, data: bytes, *, db_path: Path, base_date: dt.date | None = None,
                   prefecture: str | None = None, today: dt.date | None = None) -> Upload:
    """Check, save and validate an upload (a dry run: the warehouse is not touched)."""
    if kind not in KINDS:
        raise ValueError(kind)
    name = safe_file_name(file_name)
    options = {"base_date": base_date, "prefecture": prefecture}
    size = len(data)
    if size > MAX_FILE_BYTES:
        return _refused(kind, name, data, f"ファイルが大きすぎます（{size / 1e6:.0f} MB、上限 "
                                          f"{MAX_FILE_BYTES // 1024 // 1024} MB）")
    if size == 0:
        return _refused(kind, name, data, "ファイルが空です")
    suffix = Path(name).suffix.lower()
    if suffix not in EXTENSIONS[kind]:
        allowed = "、".join(EXTENSIONS[kind])
        return _refused(kind, name, data, f"拡張子「{suffix or 'なし'}」は{KIND_LABELS[kind]}のファイルに使えません"
                                          f"（使える拡張子: {allowed}）")
    problem = content_problem(name, data)
    if problem:
        return _refused(kind, name, data, problem)
    tmp = tempfile.TemporaryDirectory(prefix=UPLOAD_PREFIX)  # 0700: this user only
    _track(tmp)
    try:
        path = Path(tmp.name) / name  # the original name: the survey reads its base date from it
        path.write_bytes(data)
        report = validate(kind, path, salt=person_salt(db_path), base_date=base_date, prefecture=prefecture,
                          today=today)
        # Known before the publish button: the same file already loaded with another scope (the
        # publish checks again, under the writer lock).
        earlier = same_file_loaded(db_path, report) if report.ok else None
        if earlier is not None and earlier.reason:
            report.error(earlier.reason)
    except BaseException:
        discard_folder(tmp.name)
        raise
    return Upload(kind, name, size, report, path, options, tmp)


def upload_citation(upload: Upload, given: dict[str, object] | None = None) -> Citation | None:
    """The source an upload will be cited by: what the admin typed (cleaned to one line), else a
    recognised public file's, else the default of its kind (the CLI's --publisher/--source rule)."""
    if upload.path is None:
        return None
    given = {k: clean_text(v) if isinstance(v, str) else v for k, v in (given or {}).items()}
    return citation_for(upload.kind, upload.path, sha256=upload.report.sha256, given=given)


def publish_upload(db_path: Path, upload: Upload, loaded_by: str = DEFAULT_LABEL,
                   citation: Citation | None = None) -> LoadResult:
    """Publish a validated upload with the CLI's atomic swap; a file with errors loads nothing.
    citation: its source (default: upload_citation without typed fields)."""
    if upload.path is not None and upload.report.ok and not upload.saved:
        return LoadResult("rejected", upload.report, reason="アップロードしたファイルは、公開されないまま時間が経ったか"
                          "画面を閉じたため削除しました。もう一度アップロードしてください")
    if not upload.publishable:
        return LoadResult("rejected", upload.report)
    if sha256_file(upload.path) != upload.report.sha256:  # the saved copy must be what was checked
        upload.report.error("検証の後でファイルが変わりました。もう一度アップロードしてください")
        return LoadResult("rejected", upload.report)
    return load_file(db_path, upload.report, upload.path, loaded_by=clean_label(loaded_by),
                     citation=citation or upload_citation(upload))


def rollback_to(db_path: Path, version_id: str, loaded_by: str = DEFAULT_LABEL) -> RollbackResult:
    return rollback(db_path, version_id, loaded_by=clean_label(loaded_by))


# -- preview ----------------------------------------------------------------------------

TABLE_LABELS = {
    "dx_indicators": "自治体DXの取組（市区町村）",
    "dx_indicators_prefecture": "自治体DXの取組（都道府県）",
    "staff_survey": "職員調査",
    "talent_roster": "人材名簿",
    "talent_assignment": "支援先の割り当て",
    "dx_system_status": "体制構築の進捗",
    "population": "人口",
    "boundaries": "境界",
}
PREVIEW_ROWS = 5000
COLUMN_LABELS = {
    "base_date": "調査基準日", "lg_code": "団体コード", "dx_staff": "DX担当職員数", "dedicated": "専任",
    "concurrent": "兼任", "external_talent": "外部人材", "has_cio_aide": "CIO補佐官等",
    "person_id": "人材ID（仮名）", "prefecture_code": "都道府県コード", "role": "役割", "employment_form": "雇用形態",
    "start_date": "開始日", "end_date": "終了日", "is_accelerator": "アクセラレータ", "milestone": "マイルストーン",
    "milestone_name": "マイルストーン名", "achieved_on": "達成日", "model": "モデル", "note": "備考",
    "population": "人口", "level": "単位", "code": "コード", "geometry": "図形",
    "category": "分類", "indicator": "指標", "done": "実施（空欄＝調査無し）", "value": "値（割合は%・数）",
}


def preview_tables(report: Report) -> dict[str, pd.DataFrame]:
    """The rows that will load, with municipality names added and geometry shown as its size."""
    res = resolver()
    out = {}
    for name, frame in report.tables.items():
        df = as_pandas(frame).copy()
        df.attrs = {}  # the reader's notes (e.g. the base date) are not for display
        if "lg_code" in df:
            df.insert(df.columns.get_loc("lg_code") + 1, "団体名", df.lg_code.map(res.names))
        if "geometry" in df:
            df["geometry"] = df.geometry.map(lambda g: f"{len(g):,} バイト" if g is not None else "")
        out[TABLE_LABELS.get(name, name)] = df.rename(columns=COLUMN_LABELS)
    return out


def issues_table(report: Report) -> pd.DataFrame:
    df = report.issues_frame().drop(columns="file_name")
    df["severity"] = df.severity.map({ERROR: "エラー", "warning": "警告"})
    df["row"] = df.row.astype("Int64")
    for col in ("sheet", "column", "value"):
        df[col] = df[col].fillna("")
    return df.rename(columns=ISSUE_LABELS)


def detail_table(upload: Upload) -> pd.DataFrame:
    r = upload.report
    rows = [("ファイル", r.file_name), ("種類", KIND_LABELS[r.kind]), ("大きさ", f"{upload.size:,} バイト"),
            ("sha256", r.sha256), *r.detail.items()]
    return pd.DataFrame(rows, columns=["項目", "内容"])


# -- kept versions --------------------------------------------------------------------------

def versions(db_path: Path) -> pd.DataFrame:
    """The kept versions of the warehouse at db_path, newest first (each kept file is opened to
    describe it: callers cache the list per warehouse version, see dashboard.uploads.versions)."""
    return list_versions(db_path).iloc[::-1].reset_index(drop=True)
