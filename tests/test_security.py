"""Security checks: no roster PII anywhere it could leak, user text never rendered as HTML or
Markdown, no SQL in pages (string-built SQL is ruff's S608), and uploads refused without an admin secret."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from google.protobuf import text_format

import testing
from dashboard.downloads import XLSX_MIME
from testing import roster_csv, run_etl

pytestmark = pytest.mark.slow  # AppTest pages, CLI runs or fault injection: left out of `make check`

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["pages/national.py", "pages/prefecture.py", "pages/talent.py", "pages/progress.py", "pages/data.py"]
PREF = "31"
DATE = dt.date(2024, 10, 1)

# -- canary personal data ------------------------------------------------------------------------

CANARY_NAMES = ["卯月 カナリア", "ZZCANARY Personname", "金成 利亜子"]
CANARY_EMAILS = ["zz.canary.7781@pii-canary.example", "kanaria.riako@pii-canary.example", "zzc3@pii-canary.example"]
CANARY_PHONES = ["099-7781-7781", "099-7781-7782", "099-7781-7783"]


def canaries() -> list[str]:
    out = []
    for name in CANARY_NAMES:
        out += [name, name.replace(" ", "")]
    for phone in CANARY_PHONES:
        out += [phone, phone.replace("-", "")]
    return out + CANARY_EMAILS + ["pii-canary"]


def leaks(text: str) -> list[str]:
    return [c for c in canaries() if c in text]


@pytest.fixture(scope="module")
def pii_db(tmp_path_factory) -> Path:
    """The sample warehouse with 鳥取県's roster replaced by one full of canary PII."""
    d = tmp_path_factory.mktemp("pii")
    db = testing.copy_db(testing.sample_db(), d / "wh")
    rows = [[f"P31-{i:04d}", name, email, phone, role, "派遣", "2024/04/01", "", "○" if i == 1 else "", muni]
            for i, (name, email, phone, role, muni) in enumerate(zip(
                CANARY_NAMES, CANARY_EMAILS, CANARY_PHONES, ["PM", "SD", "エンジニア"], ["鳥取市", "米子市、倉吉市", "312011"],
                strict=True), start=1)]
    src = roster_csv(d / "roster_31.csv", rows)
    run = run_etl("load", "roster", src, "--db", db, "--prefecture", PREF)
    assert run.code == 0, run.text
    assert not leaks(run.text), "the CLI output itself"
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM talent_roster WHERE prefecture_code = ?", [PREF]).fetchall() == [(3,)]
    return db


def _all_tables(db: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(db), read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                           "WHERE table_catalog = current_database() ORDER BY 1").fetchall()]
        return {n: con.table(n).df() for n in names}  # identifiers via the relational API, no SQL text


def test_no_pii_in_any_table_or_view(pii_db):
    tables = _all_tables(pii_db)
    assert {"talent_roster", "talent_assignment", "raw_talent_roster", "reject_log", "load_log"} <= set(tables)
    for name, df in tables.items():
        text = df.astype(str).to_csv(index=False) + " ".join(map(str, df.columns))
        assert not leaks(text), f"table {name}"


def test_no_pii_in_the_warehouse_file_bytes_or_its_kept_versions(pii_db):
    files = [pii_db, *sorted((pii_db.parent / "versions").rglob("*.duckdb"))]
    assert len(files) >= 2
    for path in files:
        data = path.read_bytes()
        found = [c for c in canaries() if c.encode("utf-8") in data]
        assert not found, f"{path.name}: {found}"


def _walk(node):
    yield node
    for child in (getattr(node, "children", None) or {}).values():
        yield from _walk(child)


def _elements(at):
    for root in (at.main, at.sidebar):
        yield from _walk(root)


def _frames(at) -> list[pd.DataFrame]:
    return [el.value for el in _elements(at) if getattr(el, "type", None) in ("dataframe", "table")
            and isinstance(el.value, pd.DataFrame)]


def page_text(at) -> str:
    """Everything a page shows: element protos (labels, bodies, options), tables and chart specs."""
    parts = []
    for el in _elements(at):
        proto = getattr(el, "proto", None)
        kind = getattr(el, "type", None)
        if kind == "plotly_chart":
            parts.append(json.dumps(json.loads(proto.spec), ensure_ascii=False))
        elif kind in ("dataframe", "table"):
            parts.append(el.value.astype(str).to_csv() if isinstance(el.value, pd.DataFrame) else "")
        elif proto is not None:
            parts.append(text_format.MessageToString(proto, as_utf8=True))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def downloads(monkeypatch_module) -> dict:
    """The files the download buttons hand to Streamlit's media store (testing.record_media)."""
    return testing.record_media(monkeypatch_module)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture(scope="module")
def pii_pages(pii_db, downloads) -> dict[str, object]:
    params = {"pref": PREF}
    return {page: testing.app_test(pii_db, page=page, params=params) for page in PAGES}


def _xlsx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))


@pytest.mark.parametrize("page", PAGES)
def test_no_pii_on_any_page(page, pii_pages):
    at = pii_pages[page]
    assert not at.exception, at.exception
    text = page_text(at)
    assert len(text) > 500, "the page rendered"
    assert not leaks(text), page


def test_the_talent_page_does_show_the_canary_prefectures_people_anonymously(pii_pages):
    """Control: the page under test lists the 3 loaded people, by pseudonymous id only."""
    frames = [f for f in _frames(pii_pages["pages/talent.py"]) if len(f) == 3]
    assert frames, "the 3 people of the canary roster are listed"
    assert any(f.astype(str).apply(lambda c: c.str.match(r"^T[0-9a-f]{16}$")).any().any() for f in frames)


def test_no_pii_in_exports_of_the_page_tables(pii_pages, downloads):
    from dashboard.downloads import csv_bytes, xlsx_bytes

    frames = [f for at in pii_pages.values() for f in _frames(at)]
    assert len(frames) >= 5
    for df in frames:
        assert not leaks(csv_bytes(df, {"出典": "test"}).decode("utf-8-sig"))
        assert not leaks(_xlsx_text(xlsx_bytes({"表": df}, {"出典": "test"}, True)))
    # and the files the pages' own download buttons serve
    # (PNG and PowerPoint, built on click, are read by test_no_pii_pages.)
    served = [(f.name or f.mimetype, f.make()) for f in downloads.values()
              if not f.deferred or f.mimetype in ("text/csv", XLSX_MIME)]
    assert served, "the pages offered downloads"
    for name, data in served:
        text = _xlsx_text(data) if data[:4] == b"PK\x03\x04" else data.decode("utf-8", "replace")
        assert not leaks(text), name


# -- user text is never HTML or Markdown -----------------------------------------------------------

HOSTILE = "<img src=x onerror=alert(1)>_[link](javascript:alert(1))"
RAW = ("<img src=x onerror=alert(1)>", "[link](javascript:alert(1))")


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> tuple[Path, str]:
    """The sample warehouse plus a valid survey whose FILE NAME and SOURCE (--publisher, --source: user text
    that the 出典 notes show) are HTML and a Markdown link."""
    from etl import reference

    d = tmp_path_factory.mktemp("hostile")
    db = testing.copy_db(testing.sample_db(), d / "wh")
    munis = reference.municipalities()
    munis = munis[munis.prefecture_code == PREF]
    body = "団体コード,都道府県名,団体名,DX担当職員数\r\n" + "".join(
        f"{c},鳥取県,{n},{i % 5}\r\n" for i, (c, n) in enumerate(zip(munis.lg_code, munis.name, strict=True)))
    name = f"survey_{DATE}_{HOSTILE}.csv"
    src = d / name
    src.write_bytes(body.encode("utf-8"))
    run = run_etl("load", "survey", src, "--db", db, "--publisher", HOSTILE, "--source", HOSTILE)
    assert run.code == 0, run.text
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM load_log WHERE file_name = ? AND source_title = ?",
                           [name, HOSTILE]).fetchall() == [(1,)]
    return db, name


MARKDOWN_KINDS = {"markdown", "caption", "title", "header", "subheader", "info", "warning", "error", "success",
                  "exception", "toast", "latex", "metric", "expander", "tab"}


def _markdown_texts(at) -> list[tuple[str, str, bool]]:
    """(kind, text, allows_html) of everything rendered as Markdown: bodies and every label."""
    out = []
    for el in _elements(at):
        kind = getattr(el, "type", None)
        proto = getattr(el, "proto", None)
        if proto is None:
            continue
        allow_html = bool(getattr(proto, "allow_html", False))
        texts = []
        if kind in MARKDOWN_KINDS:
            texts += [getattr(proto, f, "") for f in ("body", "label", "body_markdown") if hasattr(proto, f)]
        elif hasattr(proto, "label"):  # widget labels are Markdown too; options are plain text
            texts.append(proto.label)
        out += [(kind, t, allow_html) for t in texts if t]
    return out


@pytest.fixture(scope="module")
def hostile_pages(hostile_db):
    db, _ = hostile_db
    params = {"date": DATE.isoformat(), "pref": PREF}
    return {page: testing.app_test(db, page=page, params=params) for page in PAGES}


@pytest.mark.parametrize("page", PAGES)
def test_a_hostile_file_name_is_never_rendered_as_html_or_markdown(page, hostile_pages):
    at = hostile_pages[page]
    assert not at.exception
    for kind, text, allow_html in _markdown_texts(at):
        for raw in RAW:
            assert raw not in text, f"{kind} renders the file name unescaped: {text[:200]}"
        if allow_html:
            assert "onerror" not in text and "javascript:" not in text, f"{kind} with unsafe_allow_html: {text[:200]}"


def test_the_hostile_file_name_does_reach_a_page_escaped(hostile_pages, hostile_db):
    """Control for the test above: the user's text is shown (in a 出典 caption), Markdown-escaped."""
    from dashboard.notes import escape_md

    _, name = hostile_db
    shown = [t for at in hostile_pages.values() for _, t, _ in _markdown_texts(at)]
    assert any(escape_md(name) in t or escape_md("<img src=x onerror=alert(1)>") in t for t in shown)


def test_hostile_file_name_in_a_real_browser(hostile_db, tmp_path, chromium):
    db, _ = hostile_db
    dialogs: list[str] = []
    with testing.streamlit_server(db, log=tmp_path / "server.log") as url, testing.new_page(chromium, url) as page:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        shown = 0
        for path in (f"/?date={DATE}", f"/prefecture?pref={PREF}&date={DATE}", "/data"):
            page.goto(url + path)
            testing.wait_idle(page)
            page.wait_for_timeout(500)  # let any injected handler fire
            assert page.locator("img[src='x']").count() == 0, path
            assert page.locator("a[href^='javascript']").count() == 0, path
            shown += page.get_by_text("onerror=alert(1)").count()
        testing.screenshot(page, "security_hostile_file_name")
    assert not dialogs, dialogs
    assert shown, "the file name is on the pages, as text"


# -- pages hold no SQL ------------------------------------------------------------------------------
# String-built SQL anywhere is ruff's S608 (pyproject.toml), run by `make test` and `make check`.

PAGE_FORBIDDEN = [
    re.compile(r"\bimport duckdb\b|\bduckdb\."),
    re.compile(r"\bread_(?:csv|excel|parquet|json)\b|\bopen\("),
    re.compile(r"\b(?:SELECT|INSERT INTO|DELETE FROM|CREATE TABLE)\b|\.execute\(|\bdb\.query\(|\bdb\.connection\("),
]


def test_pages_hold_no_sql_and_read_no_files():
    pages = sorted((ROOT / "pages").glob("*.py"))
    assert len(pages) >= 5
    for path in pages:
        text = path.read_text(encoding="utf-8")
        hits = [m.group(0) for pat in PAGE_FORBIDDEN for m in pat.finditer(text)]
        assert not hits, f"{path.name}: {hits}"


# -- uploads need the admin secret -----------------------------------------------------------------

def test_uploads_are_refused_without_a_secret(monkeypatch):
    from dashboard import auth

    monkeypatch.delenv(auth.SECRET_ENV, raising=False)
    at = testing.app_test(testing.sample_db(), page="pages/data.py")
    assert not at.exception
    assert auth.configured_secret() is None
    assert len(at.file_uploader) == 0, "no upload widget at all"
    assert not [t for t in at.text_input if t.label == "管理者パスワード"], "and no password form"
    assert any("アップロードは無効です" in i.value for i in at.info)


def test_uploads_need_the_right_secret_even_when_one_is_configured(monkeypatch):
    """Control: with a secret configured, the widget appears only after logging in with it."""
    from dashboard import auth

    secret = "correct-horse-battery-staple"
    monkeypatch.setenv(auth.SECRET_ENV, secret)
    at = testing.app_test(testing.sample_db(), page="pages/data.py")
    assert len(at.file_uploader) == 0
    at.text_input(key="admin_secret_input").input(secret)
    at.button(key="admin_login_submit").click().run()
    assert not at.exception
    assert len(at.file_uploader) == 1
