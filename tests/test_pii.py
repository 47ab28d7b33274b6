"""Personal data (氏名, メール, 電話) in rosters never reaches the warehouse or a reject message.

The raw archive (<db dir>/raw/) keeps the user's own files as they were, so it does contain them:
these tests are about the warehouse file and what the ETL prints and reports.
"""

from __future__ import annotations

import csv
import io

import pytest

from testing import ROSTER_HEADER, SAMPLE_DIR, TEST_SALT, copy_db, query, roster_csv, run_etl

PII_COLUMNS = ("氏名", "メールアドレス", "電話番号")

# Distinctive values that cannot occur in a warehouse by chance. The last column is not a known
# roster column (住所), so it is dropped as an unknown column: its values must not leak either.
FIXTURE_HEADER = [*ROSTER_HEADER, "住所"]
FIXTURE_ROWS = [
    ["F-1", "漏洩 検出太郎", "leak.detector.one@pii-canary.invalid", "03-9876-5432", "PM", "派遣",
     "2024-04-01", "", "○", "福岡市、北九州市", "福岡県架空郡漏洩町1-2-3"],
    ["F-2", "Zyxwvut Qponmlkji", "zyxwvut.qponmlkji@pii-canary.invalid", "+81-90-1357-2468", "SD",
     "業務委託", "令和6年5月1日", "2025/03/31", "", "401005", "Canary Street 42"],
    ["F-3", "ﾄｸﾒｲ ﾊﾝｶｸ", "HANKAKU.KANA@PII-CANARY.INVALID", "０９０－２４６８－１３５７", "エンジニア",
     "兼業・副業", "2024/10/01", "", "", "", "秘密の住所 ９丁目"],
]
# Same people, every row broken in a different way: the messages must still not name anyone.
BAD_ROWS = [
    ["B-1", "誤記 役割子", "role.error@pii-canary.invalid", "080-1111-2222", "魔法使い", "派遣", "2024-04-01", "",
     "", "福岡市", ""],
    ["B-2", "誤記 雇用子", "form.error@pii-canary.invalid", "080-3333-4444", "PM", "アルバイト", "2024-04-01", "",
     "", "福岡市", ""],
    ["B-3", "誤記 日付子", "date.error@pii-canary.invalid", "080-5555-6666", "PM", "派遣", "いつか", "", "", "",
     ""],
    ["B-4", "誤記 支援子", "assign.error@pii-canary.invalid", "080-7777-8888", "PM", "派遣", "2024-04-01", "", "",
     "札幌市", ""],
    ["B-5", "誤記 重複子", "dup.error@pii-canary.invalid", "080-9999-0000", "PM", "派遣", "2024-04-01", "", "",
     "", ""],
    ["B-5", "誤記 重複子", "dup.error@pii-canary.invalid", "080-9999-0000", "SD", "派遣", "2024-04-01", "", "",
     "", ""],
    ["B-6", "誤記 終了子", "end.error@pii-canary.invalid", "080-1212-3434", "PM", "派遣", "2024-04-01",
     "2023-04-01", "", "", ""],
]


def sample_pii() -> set[str]:
    """Every name, e-mail and phone number in the committed sample rosters (CP932 CSV)."""
    values = set()
    files = sorted((SAMPLE_DIR / "roster").glob("*.csv"))
    assert len(files) == 47
    for path in files:
        reader = csv.DictReader(io.StringIO(path.read_bytes().decode("cp932")))
        assert set(PII_COLUMNS) <= set(reader.fieldnames or [])
        for row in reader:
            values |= {row[c] for c in PII_COLUMNS if row[c]}
    return values


def fixture_pii(rows) -> set[str]:
    columns = [FIXTURE_HEADER.index(c) for c in (*PII_COLUMNS, "住所")]
    return {row[j] for row in rows for j in columns if row[j]}


def variants(value: str) -> set[str]:
    """The value as written, without its spaces, and in lower case."""
    return {value, value.replace(" ", "").replace("\u3000", ""), value.lower()}


def find_leaks(text: str, secrets: set[str]) -> list[str]:
    return sorted(s for s in secrets if occurrences(text, variants(s)))


def occurrences(haystack, needles):
    """The needles found in haystack (str or bytes), in one pass per short key, not one per needle.

    Needles are grouped by their first few characters; the haystack is searched for each key, and
    only where a key occurs are the needles that start with it compared. Exact, and fast enough
    to look for thousands of values in a whole warehouse file.
    """
    import re

    groups: dict = {}
    for n in needles:
        if n:
            groups.setdefault(n[:6], set()).add(n)
    found = set()
    for key, group in groups.items():
        lengths = {len(n) for n in group}
        for m in re.finditer(re.escape(key), haystack):
            found |= {haystack[m.start():m.start() + k] for k in lengths} & group
    return found


@pytest.fixture(scope="module")
def pii_warehouse(sample_warehouse, tmp_path_factory):
    d = tmp_path_factory.mktemp("pii")
    db = copy_db(sample_warehouse, d / "db")
    src = roster_csv(d / "roster_40.csv", FIXTURE_ROWS, header=FIXTURE_HEADER)
    run = run_etl("load", "roster", src, "--db", db, salt=TEST_SALT)
    assert run.code == 0, run.text
    assert not find_leaks(run.text, fixture_pii(FIXTURE_ROWS))
    return db


def test_sample_and_fixture_rosters_were_loaded(pii_warehouse):
    assert query(pii_warehouse, "SELECT count(*) FROM talent_roster WHERE prefecture_code = '40'") == [(3,)]
    assert query(pii_warehouse, "SELECT count(DISTINCT prefecture_code), count(*) > 400 FROM talent_roster") == [
        (47, True)]


def test_no_text_or_blob_column_of_any_table_holds_personal_data(pii_warehouse):
    secrets = sample_pii() | fixture_pii(FIXTURE_ROWS)
    assert len(secrets) > 1000
    columns = query(pii_warehouse, """
        SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE data_type IN ('VARCHAR', 'BLOB') ORDER BY 1, 2""")
    tables = {t for t, _, _ in columns}
    assert {"talent_roster", "talent_assignment", "raw_talent_roster", "reject_log", "load_log", "meta"} <= tables
    needles_text = {v for s in secrets for v in variants(s)}
    needles_bytes = {v.encode(enc) for v in needles_text for enc in ("utf-8", "cp932") if _encodable(v, enc)}
    leaks = []
    for table, column, data_type in columns:
        values = [v for (v,) in query(pii_warehouse, f'SELECT DISTINCT "{column}" FROM "{table}" '
                                                      f'WHERE "{column}" IS NOT NULL')]
        if data_type == "BLOB":
            found = occurrences(b"\x00".join(values), needles_bytes)
        else:
            found = occurrences("\x00".join(values), needles_text)
        leaks += [(table, column, n) for n in found]
    assert leaks == []


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def test_the_warehouse_file_bytes_hold_no_personal_data(pii_warehouse):
    data = pii_warehouse.read_bytes()
    assert len(data) > 100_000
    secrets = sample_pii() | fixture_pii(FIXTURE_ROWS)
    needles = {v.encode(enc) for s in secrets for v in variants(s) for enc in ("utf-8", "cp932", "utf-16-le")
               if _encodable(v, enc)}
    assert occurrences(data, needles) == set()
    # Positive control: the same search finds the people in the archived input, which is the
    # user's own file and is kept as it was.
    [archived] = [p for p in (pii_warehouse.parent / "raw").glob("*.csv")]
    found = occurrences(archived.read_bytes(), needles)
    assert {"漏洩 検出太郎".encode("cp932"), b"leak.detector.one@pii-canary.invalid"} <= found
    assert not list(pii_warehouse.parent.glob("*.wal"))


def test_reject_messages_and_report_csv_never_name_a_person(pii_warehouse, tmp_path):
    src = roster_csv(tmp_path / "roster_40.csv", BAD_ROWS, header=FIXTURE_HEADER)
    report = tmp_path / "report.csv"
    before = pii_warehouse.read_bytes()
    run = run_etl("load", "roster", src, "--db", pii_warehouse, "--report-csv", report, salt=TEST_SALT)
    assert run.code == 1
    assert pii_warehouse.read_bytes() == before
    text = run.text + report.read_bytes().decode("utf-8-sig")
    for expected in ("役割「魔法使い」", "雇用形態「アルバイト」", "「いつか」は日付として読めません",
                     "支援先「札幌市」", "同じ人材・同じ開始日の行が重複しています", "（個人情報のため表示しません）",
                     "終了日 2023-04-01 が開始日 2024-04-01 より前です"):
        assert expected in text, f"{expected!r} missing from:\n{text}"
    assert find_leaks(text, fixture_pii(BAD_ROWS)) == []


def test_validate_output_never_names_a_person(tmp_path):
    src = roster_csv(tmp_path / "roster_40.csv", BAD_ROWS + FIXTURE_ROWS, header=FIXTURE_HEADER)
    run = run_etl("validate", "roster", src, "--db", tmp_path / "w.duckdb", salt=TEST_SALT)
    assert run.code == 1
    assert find_leaks(run.text, fixture_pii(BAD_ROWS + FIXTURE_ROWS)) == []
    assert not (tmp_path / "w.duckdb").exists()


def test_a_rejected_build_keeps_no_copy_of_a_roster(tmp_path):
    """A build whose later file is rejected publishes nothing, so it must not leave the raw archive's
    copy of an earlier, valid roster (the user's file with its names, e-mails and phones) behind."""
    inputs = tmp_path / "in"
    roster_csv(inputs / "roster" / "roster_40.csv", FIXTURE_ROWS, header=FIXTURE_HEADER)
    (inputs / "status.csv").write_text("x,y\n1,2\n", encoding="utf-8")  # no header: rejected
    db = tmp_path / "db" / "w.duckdb"
    run = run_etl("build", "--inputs", inputs, "--db", db, salt=TEST_SALT)
    assert run.code == 1 and "status.csv" in run.err
    assert not db.exists()
    assert sorted(p.name for p in db.parent.rglob("*") if p.is_file()) == ["w.duckdb.lock"]
    # the same roster alone builds, and then its copy is archived
    (inputs / "status.csv").unlink()
    assert run_etl("build", "--inputs", inputs, "--db", db, salt=TEST_SALT).code == 0
    assert len(list((db.parent / "raw").glob("*.csv"))) == 1


@pytest.mark.parametrize("fails_in", ["keep", "stamp"])
def test_a_load_whose_publish_fails_keeps_no_copy_of_its_roster(tmp_path, monkeypatch, fails_in):
    """The roster is archived while its rows go in; when the publish fails after that (a full disk
    at the checkpoint or while the version is kept), its copy goes with the new file. A copy that an
    earlier, published load made stays."""
    import errno

    from etl import versions
    from etl.validate import validate
    from etl.warehouse import PublishError, load_file, raw_dir

    monkeypatch.setenv("DXGAP_PERSON_SALT", TEST_SALT)
    db = tmp_path / "w.duckdb"
    first = roster_csv(tmp_path / "roster_40.csv", FIXTURE_ROWS, header=FIXTURE_HEADER)
    assert load_file(db, validate("roster", first, salt=TEST_SALT), first).status == "loaded"
    kept = sorted(raw_dir(db).iterdir())
    assert len(kept) == 1
    second = roster_csv(tmp_path / "later" / "roster_40.csv", FIXTURE_ROWS[:1], header=FIXTURE_HEADER)
    report = validate("roster", second, salt=TEST_SALT)
    assert report.ok

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(versions, fails_in, full_disk)
    with pytest.raises(PublishError, match="ディスクの空き容量"):
        load_file(db, report, second)
    assert sorted(raw_dir(db).iterdir()) == kept  # the first roster's copy stays, the second's is gone
    monkeypatch.undo()
    monkeypatch.setenv("DXGAP_PERSON_SALT", TEST_SALT)
    assert load_file(db, report, second).status == "loaded"
    assert len(list(raw_dir(db).iterdir())) == 2
