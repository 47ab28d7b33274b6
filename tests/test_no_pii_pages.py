"""No personal data anywhere: a roster full of names, e-mail addresses and phone numbers is loaded
through the real CLI, every page is rendered, every download is captured, and none of those
strings may appear in the warehouse, in any page element or in any downloaded file."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
from google.protobuf.json_format import MessageToDict

import testing

pytestmark = pytest.mark.slow  # AppTest pages, CLI runs or fault injection: left out of `make check`

PREF = "13"
# Distinctive values: a hit can only come from this fixture.
PEOPLE = [
    # 人材番号, 氏名, メール, 電話, 役割, 雇用形態, アクセラレータ
    ("PIIC-0001", "秘密 太郎", "pii-canary-1@example.org", "090-9999-0001", "PM", "共同採用", "○"),
    ("PIIC-0002", "極秘 花子", "pii-canary-2@example.org", "090-9999-0002", "サービスデザイナー", "派遣", ""),
    ("PIIC-0003", "内緒 次郎", "pii-canary-3@example.org", "090-9999-0003", "エンジニア", "業務委託", "○"),
    ("PIIC-0004", "匿名希望 三郎", "pii-canary-4@example.org", "090-9999-0004", "プロデューサー", "兼業・副業", ""),
    ("PIIC-0005", "個人情報 四郎", "pii-canary-5@example.org", "090-9999-0005", "SD", "任期付職員", ""),
    ("PIIC-0006", "漏洩禁止 五子", "pii-canary-6@example.org", "090-9999-0006", "PM", "その他", "○"),
    ("PIIC-0007", "機密 六郎", "pii-canary-7@example.org", "090-9999-0007", "エンジニア", "共同採用", ""),
]
CANARIES = [s for p in PEOPLE for s in p[:4]] + ["pii-canary", "090-9999-", "PIIC-"]
ERROR_TEXT = "この画面の表示中に問題が起きました"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """A copy of the sample with 東京都's roster replaced by the fixture (loaded by the real CLI)."""
    tmp = tmp_path_factory.mktemp("pii")
    db = testing.copy_db(testing.sample_db(), tmp / "wh")
    with duckdb.connect(str(db), read_only=True) as con:
        wards = [r[0] for r in con.execute("SELECT lg_code FROM municipalities WHERE prefecture_code = ? "
                                           "ORDER BY lg_code LIMIT 3", [PREF]).fetchall()]
    # Four people support the first ward (a cell of 4), two the second and one the third (small cells).
    targets = {0: wards[0], 1: wards[0], 2: wards[0], 3: wards[0], 4: wards[1], 5: wards[1], 6: wards[2]}
    path = tmp / "roster_fixture.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["人材番号", "氏名", "メールアドレス", "電話番号", "役割", "雇用形態", "開始日", "終了日",
                    "アクセラレータ", "支援先市町村"])
        for i, (ref, name, mail, phone, role, form, acc) in enumerate(PEOPLE):
            w.writerow([ref, name, mail, phone, role, form, "2024/04/01", "", acc, targets[i]])
    testing.run_etl("load", "roster", path, "--db", db, "--prefecture", PREF, check=True)
    return db


def test_the_fixture_was_loaded_and_the_warehouse_holds_no_personal_data(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        n = con.execute("SELECT count(*) FROM talent_roster WHERE prefecture_code = ?", [PREF]).fetchall()[0][0]
        assert n == len(PEOPLE)
        cells = con.execute("SELECT count(*) FROM talent_assignment a JOIN talent_roster r USING (person_id) "
                            "WHERE r.prefecture_code = ?", [PREF]).fetchall()[0][0]
        assert cells == len(PEOPLE)
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_type = 'BASE TABLE'").fetchall()]
        assert "raw_talent_roster" in tables and "reject_log" in tables and "load_log" in tables
        for table in tables:
            frame = con.table(table).df()
            text = frame.select_dtypes(exclude=["number", "bool"]).astype(str).to_csv(index=False)
            leaks = [c for c in CANARIES if c in text]
            assert not leaks, (table, leaks)


@pytest.fixture
def media(monkeypatch) -> dict:
    """Every file handed to Streamlit's media store during the test, by file id (testing.record_media)."""
    return testing.record_media(monkeypatch)


def button_files(at, media: dict) -> list[tuple[str, bytes | str, str | None, str | None]]:
    """Each download button on the page with the file it serves (built now if it is deferred)."""
    out = []
    for button in at.download_button:
        proto = button.proto
        file_id = proto.deferred_file_id or proto.url.rsplit("/", 1)[-1].split(".", 1)[0]
        assert file_id in media, f"the file behind 「{button.label}」 was not captured"
        file = media[file_id]
        out.append((button.label, file.make(), file.mimetype, file.name))
    return out


def element_texts(at) -> list[str]:
    """Everything a page sends to the browser, as text: each element's proto (widgets, markdown,
    metrics, captions), each table's values and each plotly figure's JSON."""
    out = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        out.append(json.dumps(MessageToDict(proto), ensure_ascii=False))
        if node.type == "dataframe":
            out.append(node.value.to_csv(index=False))
            out.append(" ".join(map(str, node.value.columns)))
        if node.type == "plotly_chart":
            out.append(json.dumps(json.loads(proto.spec), ensure_ascii=False))
    return out


def file_texts(data: bytes | str, mimetype: str | None, name: str | None) -> list[str]:
    """A downloaded file as text: CSV decoded, XLSX cell by cell, PowerPoint slide XML, PDF text
    (pdftotext), and the raw bytes of anything else (a PNG's text chunks)."""
    data = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    out = [data.decode("utf-8", errors="replace")]
    kind = f"{mimetype} {name}"
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            out += [z.read(n).decode("utf-8", errors="replace") for n in z.namelist() if n.endswith(".xml")]
        if "sheet" in kind or "xlsx" in kind:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
            for ws in wb.worksheets:
                out += [" ".join("" if v is None else str(v) for v in row) for row in ws.iter_rows(values_only=True)]
    if data.startswith(b"%PDF"):
        assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed to read the PDF download"
        text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout
        out.append(text.decode("utf-8", errors="replace"))
    return out


# (page, query parameters, widget changes that reveal more of it)
VIEWS = [
    ("pages/national.py", {"date": "2025-04-01", "n": "3"}, []),
    ("pages/prefecture.py", {"date": "2025-04-01", "n": "3", "pref": PREF}, []),
    ("pages/talent.py", {"date": "2025-04-01", "n": "3"}, [("multiselect", "talent_prefs_all", [PREF])]),
    ("pages/talent.py", {"date": "2025-04-01", "n": "3", "pref": PREF}, []),
    ("pages/progress.py", {"date": "2025-04-01", "n": "3", "region": "関東"}, []),
    ("pages/data.py", {}, []),
]


@pytest.mark.parametrize("page,params,changes", VIEWS, ids=[f"{v[0]}-{i}" for i, v in enumerate(VIEWS)])
def test_no_personal_data_on_any_page_or_download(warehouse, media, page, params, changes):
    at = testing.app_test(warehouse, page=page, params=params)
    for kind, key, value in changes:
        getattr(at, kind)(key=key).set_value(value)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if ERROR_TEXT in e.value]
    texts = element_texts(at)
    assert len(texts) > 10, "the page rendered next to nothing"
    for label, data, mimetype, name in button_files(at, media):
        texts += [f"[{label} {name}] " + t for t in file_texts(data, mimetype, name)]
    blob = "\n".join(texts)
    leaks = [c for c in CANARIES if c in blob]
    assert not leaks, f"personal data on {page}: {leaks}"


def test_the_talent_page_shows_the_fixture_as_role_and_anonymous_id_only(warehouse):
    """The fixture people are on the page (so the check above is not vacuous), as id and role only."""
    at = testing.app_test(warehouse, page="pages/talent.py", params={"date": "2025-04-01", "n": "3", "pref": PREF})
    people = next(d.value for d in at.dataframe if "匿名ID" in d.value.columns)
    assert list(people.columns) == ["匿名ID", "役割"]
    assert len(people) == len(PEOPLE)
    assert people["役割"].value_counts().to_dict() == {"プロジェクトマネージャー": 2, "サービスデザイナー": 2,
                                                      "エンジニア": 2, "プロデューサー": 1}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ids = {r[0] for r in con.execute("SELECT person_id FROM talent_roster WHERE prefecture_code = ?",
                                         [PREF]).fetchall()}
    assert set(people["匿名ID"]) == ids
    # The fixture's first ward has 4 people and is shown; the others have 1 and 2 and are not.
    shown = next(d.value for d in at.dataframe if "支援する人材" in d.value.columns)
    tokyo = shown[shown["都道府県"] == "東京都"].sort_values("団体コード")
    assert list(tokyo["支援する人材"]) == ["4", "3人未満", "3人未満"]
