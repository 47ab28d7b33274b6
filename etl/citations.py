"""Where the figures come from: the one home of citations, credit lines and licences (the shipped
public files' own are in data/public/manifest.json, which this module reads).

A load's citation: publisher, title, update date, the survey behind it, credit.

Every load gets a citation, stored on its load_log row (source_publisher, source_title,
source_updated, source_note, source_credit, source_licence), so the dashboard names real
sources rather than file names. The citation is, in order of precedence:
1. what the user gave (`python -m etl load … --publisher … --source …`);
2. the entry of a recognised public file (data/public/manifest.json, matched by content);
3. the synthetic sample's citation, for files from a folder marked as sample;
4. the default of the kind (e.g. the survey kind is the MIC 行政情報化推進状況調査).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, fields, replace
from functools import cache
from pathlib import Path

from core.store import PUBLIC_DIR, SAMPLE_NOTICE

MANIFEST = "manifest.json"
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")


@dataclass(frozen=True)
class Citation:
    publisher: str | None = None  # デジタル庁
    title: str | None = None  # 自治体DXの取組に関するダッシュボード
    updated: dt.date | None = None  # the publisher's update (公表・更新) date
    note: str | None = None  # the survey behind it, processing done, …
    credit: str | None = None  # the credit line the licence asks for
    licence: str | None = None

    def text(self, base_date: dt.date | None = None) -> str:
        """「デジタル庁『…』（2024-07-12更新、総務省 令和5年度調査、基準日 2023-04-01）」"""
        if self.publisher and self.title:
            head = f"{self.publisher}『{self.title}』"
        else:
            head = self.title or self.publisher or "出典の登録なし"
        extra = [f"{self.updated.isoformat()}更新" if self.updated else None, self.note,
                 f"基準日 {base_date.isoformat()}" if base_date else None]
        extra = [e for e in extra if e]
        return head + (f"（{'、'.join(extra)}）" if extra else "")

    def columns(self) -> dict[str, object]:
        """As load_log columns."""
        return {f"source_{f.name}": getattr(self, f.name) for f in fields(self)}

    def merged(self, **given: object) -> Citation:
        """This citation with the fields a user gave (None = keep)."""
        return replace(self, **{k: v for k, v in given.items() if v not in (None, "")})


@dataclass(frozen=True)
class Licence:
    name: str  # SPDX id where there is one
    title: str
    path: str = ""


@dataclass(frozen=True)
class Credit:
    """A credit line and the licences it is under (the sources of the open-data package)."""

    title: str
    licences: tuple[Licence, ...] = ()


GOV_TERMS = Licence("政府標準利用規約（第2.0版）", "政府標準利用規約（第2.0版、CC BY 4.0 互換）",
                    "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0")
CC_BY = Licence("CC-BY-4.0", "Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/")
MIT = Licence("MIT", "japancode: MIT License", "https://github.com/ozekik/japancode")
APACHE = Licence("Apache-2.0", "japanmap: Apache License 2.0", "https://github.com/SaitoTsutomu/japanmap")
MANIFEST_LICENCES = {"CC BY 4.0": CC_BY, "政府標準利用規約（CC BY 4.0 互換）": GOV_TERMS}  # as the manifest writes them

# The installed packages the reference tables come from: what each gives, the package, its licence.
REFERENCE_PACKAGES = (("団体コード・名称・役場の位置", "japancode", MIT),
                      ("都道府県の輪郭（境界を読み込むまでの既定）", "japanmap", APACHE))
REFERENCE_CREDIT = Credit("、".join(f"{what}: {package}" for what, package, _ in REFERENCE_PACKAGES),
                          tuple(licence for _, _, licence in REFERENCE_PACKAGES))

# Synthetic files: the citation says so, and where they come from.
SAMPLE_CITATION = Citation(title=SAMPLE_NOTICE, note="data/generate_sample.py で生成")

SAMPLE_CREDIT = Credit(f"{SAMPLE_NOTICE}: data/sample の決定的な生成スクリプトによる合成データ。実在の数値ではありません")
# The credit line of a kind no shipped public file covers (the others' are in the manifest).
KIND_CREDITS = {
    "survey": Credit("総務省「地方公共団体における行政情報化の推進状況調査」個別資料（DX・情報政策担当職員数）", (GOV_TERMS,)),
    "roster": Credit("各都道府県の人材プール名簿（氏名・連絡先は取り込み時に破棄、仮名IDのみ）"),
    "status": Credit("各都道府県の地域DX推進体制の構築状況"),
}
# Whose the real figures of a kind are, in a word (the banner: 「人口（国勢調査）」).
ORIGINS = {"indicators": "デジタル庁", "indicators_prefecture": "デジタル庁", "population": "国勢調査",
           "boundaries": "国土数値情報", "prefecture_boundaries": "国土数値情報"}

KIND_DEFAULTS = {  # a user's file with no --publisher/--source: what the kind is defined as
    "survey": Citation("総務省", "地方公共団体における行政情報化の推進状況調査（個別資料）"),
    "roster": Citation("都道府県", "人材プールの名簿"),
    "status": Citation("都道府県", "地域DX推進体制の構築状況"),
    "indicators": Citation("デジタル庁", "自治体DXの取組に関するダッシュボード"),
    "population": Citation("総務省統計局", "国勢調査"),
    "boundaries": Citation("国土交通省", "国土数値情報（行政区域データ）"),
}


@dataclass(frozen=True)
class PublicFile:
    """One entry of data/public/manifest.json."""

    file: str
    kind: str
    sha256: str
    text_sha256: str | None
    citation: Citation
    base_date: dt.date | None = None
    original: str | None = None
    url: str | None = None


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def read_manifest(folder: Path = PUBLIC_DIR) -> list[PublicFile]:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return []
    out = []
    for e in json.loads(path.read_text(encoding="utf-8"))["files"]:
        c = e["citation"]
        out.append(PublicFile(
            file=e["file"], kind=e["kind"], sha256=e["sha256"], text_sha256=e.get("text_sha256"),
            citation=Citation(c.get("publisher"), c.get("title"), _date(c.get("updated")), c.get("note"),
                              c.get("credit"), c.get("licence")),
            base_date=_date(e.get("base_date")), original=e.get("original"), url=e.get("url")))
    return out


@cache
def _known() -> tuple[dict[str, PublicFile], dict[str, PublicFile]]:
    files = read_manifest()
    return {f.sha256: f for f in files}, {f.text_sha256: f for f in files if f.text_sha256}


def text_sha256(data: bytes) -> str | None:
    """The hash of a CSV's text whatever its encoding and line ends (a CP932 or CRLF copy of a
    public file is still that file); None when the bytes are not text we read."""
    from etl.readers import decode_text  # here: readers is heavy and only CSVs need it
    from etl.report import FileRejected

    try:
        text, _ = decode_text(data)
    except (FileRejected, UnicodeDecodeError):
        return None
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def recognise(path: Path, kind: str, sha256: str | None = None) -> PublicFile | None:
    """The manifest entry of a shipped public file of this kind with the same content, or None."""
    by_sha, by_text = _known()
    path = Path(path)
    if sha256 is None:
        sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    found = by_sha.get(sha256)
    # the text's hash only when a public file of this kind has one (it decodes the whole file)
    if found is None and path.suffix.lower() in TEXT_SUFFIXES and any(f.kind == kind for f in by_text.values()):
        found = by_text.get(text_sha256(path.read_bytes()) or "")
    return found if found is not None and found.kind == kind else None


def citation_for(kind: str, path: Path, *, sha256: str | None = None, is_sample: bool = False,
                 given: dict[str, object] | None = None) -> Citation:
    """The citation of one load (see the module docstring for the precedence)."""
    given = {k: v for k, v in (given or {}).items() if v not in (None, "")}
    public = recognise(path, kind, sha256)
    if public is not None:
        base = public.citation
    elif is_sample:
        base = SAMPLE_CITATION
    elif given:  # the user's own source: never mixed with the kind's default publisher or title
        base = Citation()
    else:
        base = KIND_DEFAULTS.get(kind, Citation())
    return base.merged(**given)


def reference_credit_text() -> str:
    """The reference packages' credit as the データ page says it."""
    return "".join(f"{what}：{package} パッケージ（{licence.name} ライセンス）。"
                   for what, package, licence in REFERENCE_PACKAGES)


def kind_credit(kind: str) -> Credit:
    """The credit line and licences of a kind of figure: the shipped public files' of that kind
    (data/public/manifest.json), else the kind's own (KIND_CREDITS)."""
    public = [f.citation for f in read_manifest() if f.kind == kind and f.citation.credit]
    if public:
        licences = [MANIFEST_LICENCES[c.licence] for c in public if c.licence in MANIFEST_LICENCES]
        return Credit("、".join(dict.fromkeys(c.credit for c in public)), tuple(dict.fromkeys(licences)))
    return KIND_CREDITS.get(kind, Credit(kind))
