"""Generate the committed sample files under data/sample/ — サンプル（架空）データ.

Everything written here is SYNTHETIC. The per-municipality numbers are invented, but they are
calibrated to the published national figures so the dashboard tells the real story:
on 2023-04-01 all 1,741 municipalities were surveyed, 850 had at most 3 DX staff, 213 at most 1
and 37 none, about 10,203 in total; the four model prefectures (愛媛・広島・熊本・長野) had the
talent pools MIC published. The files imitate real-world formats (title rows, two-row headers,
和暦, CP932, 全角 digits, Excel-mangled codes, ward rows) because the ETL must parse them.

Usage: python data/generate_sample.py [--out DIR]   (deterministic: same bytes every run)
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.writer.excel import ExcelWriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from etl.reference import designated_wards, municipalities, prefectures

SEED = 20230401
FIXED_TIME = dt.datetime(2025, 6, 1)  # xlsx properties and zip entry times, so bytes never change
D = dt.date
YEARS = (2021, 2022, 2023, 2024, 2025)
CALIBRATION = {"n": 1741, "le3": 850, "le1": 213, "zero": 37, "total": 10203}
SHORTAGE_SHARE = {2021: 0.56, 2022: 0.525, 2024: 0.465, 2025: 0.44}  # 2023 is fixed by CALIBRATION
NOT_SURVEYED = {2021: 15, 2022: 12, 2025: 4}
WARD_CITIES = ("札幌市", "横浜市")  # written per ward in the 2025 CSV
END = D(2026, 3, 31)
SURVEY_HEADER = ["団体コード", "都道府県名", "市区町村名", "DX担当職員数", "専任", "兼任", "外部人材",
                 "CIO補佐官等"]
ROSTER_HEADER = ["人材番号", "氏名", "メールアドレス", "電話番号", "役割", "雇用形態", "開始日", "終了日",
                 "アクセラレータ", "支援先市町村"]
STATUS_HEADER = ["都道府県コード", "都道府県名", "マイルストーン", "達成日", "モデル", "備考"]
MILESTONES = ["認識共有・機運醸成", "全体方針の決定", "推進体制の構築", "人材プール機能の確保",
              "市町村への人材派遣開始"]
MILESTONE_NOTES = ["首長会議で共有", "県DX推進計画に位置付け", "市町村DX推進協議会を設置",
                   "人材プール運用開始", "初回派遣"]
MODEL_PREFS = {"38": "協働宣言", "34": "共同採用", "43": "民間人材派遣", "20": "共同調達"}
# Talents active on 2023-04-01 in the model prefectures, as MIC published them (canonical roles).
MODEL_POOLS = {
    "38": {"プロデューサー": 1, "プロジェクトマネージャー": 1, "サービスデザイナー": 5},
    "34": {"プロデューサー": 2, "プロジェクトマネージャー": 2, "サービスデザイナー": 3},
    "43": {"プロジェクトマネージャー": 3, "エンジニア": 4, "サービスデザイナー": 3},
    "20": {"プロデューサー": 2, "プロジェクトマネージャー": 2, "サービスデザイナー": 5},
}
# Staff write roles with synonyms; the ETL maps them back to the MIC スキル標準 roles.
ROLE_SPELLINGS = {
    "プロデューサー": ["プロデューサー"],
    "プロジェクトマネージャー": ["プロジェクトマネージャー", "PM"],
    "サービスデザイナー": ["サービスデザイナー", "SD"],
    "エンジニア": ["エンジニア", "ＩＴエンジニア"],
}
EMPLOYMENT = ["共同採用", "派遣", "業務委託", "兼業・副業", "任期付職員", "その他"]
MODEL_EMPLOYMENT = {"協働宣言": "兼業・副業", "共同採用": "共同採用", "民間人材派遣": "派遣",
                    "共同調達": "業務委託"}
ACCELERATORS = 340  # active on 2026-03-31; the national target of 500 is not reached yet
SURNAMES = ["見本", "試験", "仮名", "架空", "例題", "標本", "模擬", "演習"]
GIVEN = ["花子", "太郎", "次郎", "桜", "翔", "陽菜", "健一", "美咲", "大輔", "優子", "蓮", "結衣"]
ZENKAKU = str.maketrans("0123456789.", "０１２３４５６７８９．")


def half(x):
    """MIC counts shared staff as fractions: round to steps of 0.5."""
    return np.round(np.asarray(x, dtype=float) * 2) / 2


# ---------------------------------------------------------------- staff survey

def staff_2023(munis: pd.DataFrame, ward_counts: pd.Series, rng) -> tuple[np.ndarray, np.ndarray]:
    """2023 values by rank of a size score, so the calibration counts hold exactly."""
    base = munis.kind.map({"政令指定都市": 12.0, "特別区": 9.0, "市": 4.6, "町": 2.6, "村": 1.6}).to_numpy()
    score = base + rng.normal(0, 1.0, len(munis))
    order = np.argsort(score, kind="stable")  # smallest first
    c = CALIBRATION
    v = np.empty(len(munis))
    v[order[: c["zero"]]] = 0.0
    v[order[c["zero"]: c["le1"]]] = np.sort(rng.choice([0.5, 1], c["le1"] - c["zero"], p=[.25, .75]))
    short = rng.choice([1.5, 2, 2.5, 3], c["le3"] - c["le1"], p=[.12, .38, .12, .38])
    v[order[c["le1"]: c["le3"]]] = np.sort(short)
    top = order[c["le3"]:]
    kinds = munis.kind.to_numpy()
    size = score + 0.3 * munis.lg_code.map(ward_counts).fillna(0).to_numpy()  # more wards, bigger city
    for kind, lo, hi in (("政令指定都市", 40, 200), ("特別区", 20, 70)):
        idx = sorted((i for i in top if kinds[i] == kind), key=lambda i: size[i])
        v[idx] = np.round(np.geomspace(lo, hi, len(idx)))
    ordinary = np.array([i for i in top if kinds[i] not in ("政令指定都市", "特別区")])
    shape = (np.exp(6 * np.linspace(0, 1, len(ordinary))) - 1) * rng.lognormal(0, 0.15, len(ordinary))
    others = np.ones(len(v), bool)
    others[ordinary] = False
    rest = c["total"] - v[others].sum()
    scale = (rest - 3.5 * len(ordinary)) / shape.sum()  # solve for the national total
    v[ordinary] = np.maximum(3.5, half(3.5 + scale * shape))
    assert {kinds[i] for i in order[: c["le3"]]} <= {"市", "町", "村"}, "big cities must not be short-staffed"
    return v, score


def evolve(v23: np.ndarray, year: int, surveyed: np.ndarray, rng_state: dict) -> np.ndarray:
    """One year's values, moving smoothly from 2023; the drift is fitted to the year's shortage share."""
    k = year - 2023
    if k == 0:
        return v23.copy()
    latent = v23 + rng_state["jitter"]
    grow = np.where(v23 > 10, rng_state["growth"], 0.0)  # big offices grow in proportion, small ones by steps

    def values(a):
        return np.maximum(0.0, half(latent * np.exp(grow * k) + a * k * rng_state["speed"])) + 0.0  # no -0.0

    target = round(SHORTAGE_SHARE[year] * surveyed.sum())
    lo, hi = -1.0, 4.0
    for _ in range(60):  # shortage count is monotone in the drift a
        mid = (lo + hi) / 2
        short = (values(mid)[surveyed] <= 3).sum()
        lo, hi = (mid, hi) if (short > target) == (k > 0) else (lo, mid)
    return values((lo + hi) / 2)


def build_staff(munis: pd.DataFrame, ward_counts: pd.Series, rng) -> pd.DataFrame:
    """Intended values, one row per municipality and base year (surveyed=False: not surveyed)."""
    n = len(munis)
    v23, score = staff_2023(munis, ward_counts, rng)
    state = {"jitter": rng.uniform(-0.24, 0.24, n), "growth": rng.normal(0.05, 0.02, n),
             "speed": rng.uniform(0.3, 1.0, n)}
    dedicated_share = np.clip(0.1 + 0.12 * np.log1p(v23) + rng.normal(0, 0.08, n), 0, 0.9)
    ext_rate = np.where(rng.random(n) < 0.2, rng.uniform(0.1, 0.5, n) * (1 + np.log1p(v23) / 3), 0.0)
    q = score.argsort().argsort() / n
    cio_from = np.where(rng.random(n) < 0.1 + 0.4 * q, rng.integers(2021, 2026, n), 9999)
    protected = munis.name.isin(WARD_CITIES).to_numpy()
    frames = []
    for year in YEARS:
        surveyed = np.ones(n, bool)
        if year in NOT_SURVEYED:
            surveyed[rng.choice(np.flatnonzero(~protected), NOT_SURVEYED[year], replace=False)] = False
        v = evolve(v23, year, surveyed, state)
        ded = np.minimum(v, half(v * dedicated_share))
        frames.append(pd.DataFrame({
            "lg_code": munis.lg_code, "prefecture_code": munis.prefecture_code, "name": munis.name,
            "year": year, "surveyed": surveyed, "dx_staff": v, "dedicated": ded, "concurrent": v - ded,
            "external": np.floor(ext_rate * (year - 2020)).astype(int),
            "cio": np.where(cio_from <= year, "○", "×"),
        }))
    return pd.concat(frames, ignore_index=True)


def check_calibration(staff: pd.DataFrame) -> None:
    s = staff[(staff.year == 2023) & staff.surveyed].dx_staff
    c = CALIBRATION
    got = {"n": len(s), "le3": (s <= 3).sum(), "le1": (s <= 1).sum(), "zero": (s == 0).sum()}
    assert got == {k: c[k] for k in got}, got
    assert abs(s.sum() - c["total"]) <= 0.05 * c["total"], s.sum()
    assert (staff.dedicated + staff.concurrent == staff.dx_staff).all()
    print(f"2023-04-01: n={got['n']} <=3: {got['le3']} <=1: {got['le1']} ==0: {got['zero']} "
          f"total={s.sum():g}")
    for year, g in staff[staff.surveyed].groupby("year"):
        print(f"  {year}: surveyed={len(g)} shortage(<=3)={(g.dx_staff <= 3).mean():.1%} "
              f"total={g.dx_staff.sum():g}")


def num(x: float):
    return int(x) if float(x).is_integer() else float(x)


def text(x: float) -> str:
    return str(num(x))


# ---------------------------------------------------------------- writers

def save_xlsx(wb: Workbook, path: Path) -> None:
    """openpyxl stamps 'now' into core.xml and zip entries; write both with a fixed time instead."""
    wb.properties.created = wb.properties.modified = FIXED_TIME
    wb.properties.creator = wb.properties.lastModifiedBy = "generate_sample.py"
    buf = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)).save()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            dst.writestr(entry, src.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)


def write_kobetsu(path: Path, rows: pd.DataFrame, year: int) -> None:
    """MIC 個別資料 style: title, 和暦 base date, note, two-row merged header, data from row 6."""
    wb = Workbook()
    ws = wb.active
    ws.title = "個別資料"
    ws["A1"] = "市区町村におけるDX推進体制の状況（個別資料）"
    ws["A2"] = f"令和{year - 2018}年4月1日現在"
    ws["A3"] = "※サンプル（架空）データ"
    ws.append(["団体コード", "都道府県名", "団体名", "DX・情報政策担当職員数", None, None, "外部人材",
               "CIO補佐官等の任用"])
    ws.append([None, None, None, "合計", "専任", "兼任", "人数", "有無"])
    for col in "ABC":  # vertical header cells span both header rows, as in real workbooks
        ws.merge_cells(f"{col}4:{col}5")
    ws.merge_cells("D4:F4")
    for cell in ws[4]:
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for r in rows.itertuples():
        code = int(r.lg_code) if year == 2022 else r.lg_code  # R4 file: Excel dropped the leading zero
        name = r.pref_name + r.name if year == 2021 else r.name
        if r.surveyed:
            values = [num(r.dx_staff), num(r.dedicated), num(r.concurrent), int(r.external), r.cio]
        else:
            values = ["－"] * 4 + [None]
        ws.append([code, r.pref_name, name, *values])
    ws.column_dimensions["C"].width = 18
    save_xlsx(wb, path)


def survey_rows(rows: pd.DataFrame, rng, zenkaku: int = 0, blank_codes: int = 0,
                wards: pd.DataFrame | None = None, unique_names: set[str] = frozenset()) -> list[list[str]]:
    """CSV rows; optional 全角 counts, empty 団体コード, and wards written instead of their city."""
    out = []
    zen = set(rng.choice(np.flatnonzero(rows.surveyed.to_numpy()), zenkaku, replace=False))
    pool = np.flatnonzero(rows.name.isin(unique_names).to_numpy() & ~rows.name.isin(WARD_CITIES).to_numpy())
    blank = set(rng.choice(pool, blank_codes, replace=False)) if blank_codes else set()
    for i, r in enumerate(rows.itertuples()):
        if wards is not None and r.name in WARD_CITIES:
            out += ward_rows(r, wards[wards.city_code == r.lg_code], rng)
            continue
        if not r.surveyed:
            out.append([r.lg_code, r.pref_name, r.name, "調査無し", "", "", "", ""])
            continue
        count = text(r.dx_staff).translate(ZENKAKU) if i in zen else text(r.dx_staff)
        code = "" if i in blank else r.lg_code
        out.append([code, r.pref_name, r.name, count, text(r.dedicated), text(r.concurrent), str(r.external),
                    r.cio])
    return out


def ward_rows(city, wards: pd.DataFrame, rng) -> list[list[str]]:
    """Split the city's value over its wards in half-staff units; the ETL rolls them back up."""
    units = rng.multinomial(int(city.dx_staff * 2), rng.dirichlet(np.full(len(wards), 3.0)))
    ded = rng.multivariate_hypergeometric(units, int(city.dedicated * 2))
    ext = rng.multinomial(int(city.external), np.full(len(wards), 1 / len(wards)))
    return [[w.ward_code, city.pref_name, w.ward_name, text(u / 2), text(d / 2), text((u - d) / 2), str(e),
             city.cio] for w, u, d, e in zip(wards.itertuples(), units, ded, ext, strict=True)]


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([header, *rows])
    path.write_bytes(buf.getvalue().encode(encoding))


# ---------------------------------------------------------------- prefectures: status and rosters

def rand_date(rng, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=int(rng.integers(0, (hi - lo).days + 1)))


def plan_prefectures(prefs: pd.DataFrame, rng) -> dict[str, dict]:
    """Milestone dates and model per prefecture: the four models early, ~7 laggards."""
    plan = {}
    others = rng.permutation([p for p in prefs.prefecture_code if p not in MODEL_PREFS])
    # 7 laggards (milestone 0 or 1), 3 stop at 2, 33 reach 3 of which 26 also reach 4
    reach = dict(zip(others, [0, 0, 1, 1, 1, 1, 1] + [2] * 3 + [3] * 7 + [4] * 26, strict=True))
    for code in prefs.prefecture_code:
        if code in MODEL_PREFS:
            windows = [(D(2022, 4, 1), D(2022, 6, 30)), (D(2022, 7, 1), D(2022, 9, 30)),
                       (D(2022, 10, 1), D(2022, 12, 31)), (D(2023, 1, 10), D(2023, 3, 31)),
                       (D(2023, 5, 1), D(2023, 10, 31))]  # pool by 2023-04-01, dispatch by 2023-10
            dates = [rand_date(rng, lo, hi) for lo, hi in windows]
            plan[code] = {"dates": dates, "model": MODEL_PREFS[code]}
            continue
        top = reach[code]
        if top >= 3:
            m3 = rand_date(rng, D(2024, 5, 1), D(2025, 12, 31))
            dates = [*sorted(rand_date(rng, D(2022, 4, 1), m3) for _ in range(3)), m3]
            if top == 4:
                dates.append(min(m3 + dt.timedelta(days=int(rng.integers(30, 240))), D(2026, 3, 20)))
        else:
            dates = sorted(rand_date(rng, D(2022, 4, 1), D(2026, 2, 28)) for _ in range(top + 1))
        model = rng.choice([*MODEL_PREFS.values(), "その他"], p=[0.2, 0.2, 0.15, 0.15, 0.3])
        plan[code] = {"dates": dates, "model": str(model)}
    return plan


def status_rows(prefs: pd.DataFrame, plan: dict, rng) -> list[list[str]]:
    rows = []
    for code, name in zip(prefs.prefecture_code, prefs.name, strict=True):
        for m, date in enumerate(plan[code]["dates"]):
            label = MILESTONES[m] if rng.random() < 0.15 else f"{m} {MILESTONES[m]}"  # some omit the number
            note = MILESTONE_NOTES[m] if rng.random() < 0.4 else ""
            rows.append([code, name, label, date.isoformat(), plan[code]["model"], note])
    return rows


def late_rows(prefs: pd.DataFrame, plan: dict, rng) -> list[list[str]]:
    """After the FY2025 deadline (2026-03-31) three of the laggards (milestone 0 or 1 by then) build
    their regional set-up (milestones up to 2) and two that stopped at 2 secure their pool (3), in
    April–November 2026, so there is something to report since the deadline. A separate random
    stream: the other files stay as they were."""
    names = dict(zip(prefs.prefecture_code, prefs.name, strict=True))
    reached = {code: len(plan[code]["dates"]) for code in prefs.prefecture_code}
    laggards = [code for code, k in reached.items() if k <= 2]
    stopped = [code for code, k in reached.items() if k == 3]
    goals = {**{code: 3 for code in rng.choice(laggards, size=3, replace=False)},
             **{code: 4 for code in rng.choice(stopped, size=2, replace=False)}}
    rows = []
    for code in sorted(goals):
        todo = range(reached[code], goals[code])
        dates = sorted(rand_date(rng, D(2026, 4, 10), D(2026, 11, 20)) for _ in todo)
        for m, date in zip(todo, dates, strict=True):
            rows.append([code, names[code], f"{m} {MILESTONES[m]}", date.isoformat(), plan[code]["model"],
                         MILESTONE_NOTES[m]])
    return rows


def talent(rng, pref: str, role: str, start: dt.date, end: dt.date | None, employment: str) -> dict:
    return {"pref": pref, "role": role, "spelling": str(rng.choice(ROLE_SPELLINGS[role])), "start": start,
            "end": end, "employment": employment, "accelerator": False, "assigned": []}


def employment(rng, usual: str | None) -> str:
    """Each model has its usual contract form; the rest is a mix."""
    return usual if usual and rng.random() < 0.6 else str(rng.choice(EMPLOYMENT))


def build_talents(prefs: pd.DataFrame, munis: pd.DataFrame, plan: dict, rng) -> list[dict]:
    """Pools: model prefectures from 2022, the others built during FY2024–FY2025."""
    roles = list(ROLE_SPELLINGS)
    n_munis = munis.prefecture_code.value_counts()
    talents = []
    for code in prefs.prefecture_code:
        p = plan[code]
        usual = MODEL_EMPLOYMENT.get(p["model"])
        if code in MODEL_POOLS:
            for role, count in MODEL_POOLS[code].items():
                for _ in range(count):
                    start = rand_date(rng, D(2022, 10, 1), D(2023, 4, 1))
                    end = rand_date(rng, D(2024, 4, 1), D(2026, 2, 28)) if rng.random() < 0.15 else None
                    talents.append(talent(rng, code, role, start, end, employment(rng, usual)))
            if code == "34":  # left before the count date: must not be counted on 2023-04-01
                talents.append(talent(rng, code, "エンジニア", D(2022, 6, 1), D(2022, 12, 31), "共同採用"))
            later, lo = int(rng.integers(4, 11)), D(2024, 4, 2)
        elif len(p["dates"]) >= 4:
            later = int(np.clip(round(6 + n_munis[code] * 0.3 + rng.normal(0, 2)), 3, 25))
            lo = max(D(2024, 4, 1), p["dates"][3] - dt.timedelta(days=30))
        else:
            later, lo = int(rng.integers(1, 3)), D(2026, 1, 5)  # no pool yet: one or two recent hires
        for _ in range(later):
            start = rand_date(rng, lo, D(2026, 3, 31))
            ends = start + dt.timedelta(days=120) < D(2026, 3, 1) and rng.random() < 0.1
            end = rand_date(rng, start + dt.timedelta(days=90), D(2026, 3, 1)) if ends else None
            role = str(rng.choice(roles, p=[.12, .25, .2, .43]))
            talents.append(talent(rng, code, role, start, end, employment(rng, usual)))
    return talents


def active(t: dict, on: dt.date) -> bool:
    return t["start"] <= on and (t["end"] is None or t["end"] >= on)


def assign(talents: list[dict], munis: pd.DataFrame, short: set[str], plan: dict, rng) -> None:
    """Support lists within the prefecture, preferring short-staffed towns; only after dispatch began."""
    accel_pool = [i for i, t in enumerate(talents) if t["start"] >= D(2024, 4, 1) and active(t, END)]
    for i in rng.choice(accel_pool, ACCELERATORS, replace=False):
        talents[i]["accelerator"] = True
    by_pref = {c: g for c, g in munis.groupby("prefecture_code")}
    for t in talents:
        dates = plan[t["pref"]]["dates"]
        if len(dates) < 5 or (t["end"] and t["end"] < dates[4]):
            continue  # milestone 4 (派遣開始) not reached, or left before it: never dispatched
        g = by_pref[t["pref"]]
        w = np.where(g.lg_code.isin(short), 12.0, 1.0)
        k = min(len(g), int(rng.choice([1, 2, 3, 4], p=[.25, .35, .25, .15])))
        t["assigned"] = list(g.lg_code.to_numpy()[rng.choice(len(g), k, replace=False, p=w / w.sum())])


def roster_rows(talents: list[dict], names: dict[str, str], serial: int, rng) -> list[list[str]]:
    rows = []
    for n, t in enumerate(sorted(talents, key=lambda t: t["start"]), start=1):
        s = t["start"]
        start = f"令和{s.year - 2018}年{s.month}月{s.day}日" if rng.random() < 0.2 else s.strftime("%Y/%m/%d")
        cells = [c if rng.random() < 0.1 else names[c] for c in t["assigned"]]  # mostly names, some codes
        rows.append([f"P{t['pref']}-{n:04d}", f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}",
                     f"talent{serial + n:04d}@example.jp", f"090-0000-{serial + n:04d}", t["spelling"],
                     t["employment"], start, t["end"].strftime("%Y/%m/%d") if t["end"] else "",
                     "○" if t["accelerator"] else "", "、".join(cells)])
    return rows


def report_talents(talents: list[dict], short: set[str]) -> None:
    for code, expected in MODEL_POOLS.items():
        got = pd.Series([t["role"] for t in talents if t["pref"] == code and active(t, D(2023, 4, 1))])
        assert got.value_counts().to_dict() == expected, (code, got.value_counts())
    assert all(t["pref"] in MODEL_POOLS for t in talents if active(t, D(2023, 4, 1)))
    live = [t for t in talents if active(t, END)]
    covered = {c for t in live for c in t["assigned"]} & short
    n_acc = sum(t["accelerator"] for t in live)
    assert 300 <= n_acc <= 380
    print(f"talents={len(talents)} active on {END}={len(live)} accelerators={n_acc} coverage of shortage "
          f"municipalities={len(covered)}/{len(short)} ({len(covered) / len(short):.1%})")


# ---------------------------------------------------------------- main

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "sample")
    out = ap.parse_args().out
    (out / "roster").mkdir(parents=True, exist_ok=True)
    (out / ".synthetic").write_bytes(b"")  # the ETL marks everything loaded from this folder as sample data
    rng = np.random.default_rng(SEED)
    # the wards of the 2025 survey; the city sizes below weigh them as calibrated, before 浜松市's 2024 reorganisation
    munis, prefs, wards = municipalities(), prefectures(), designated_wards(on=D(2025, 4, 1))
    pref_name = dict(zip(prefs.prefecture_code, prefs.name, strict=True))

    staff = build_staff(munis, designated_wards(on=D(2023, 4, 1)).city_code.value_counts(), rng)
    staff["pref_name"] = staff.prefecture_code.map(pref_name)
    check_calibration(staff)
    for year, era in ((2021, "R3"), (2022, "R4"), (2023, "R5")):
        write_kobetsu(out / f"mic_kobetsu_{era}.xlsx", staff[staff.year == year], year)
    unique = set(munis.name[~munis.name.duplicated(keep=False)])
    rows24 = survey_rows(staff[staff.year == 2024], rng, zenkaku=5, blank_codes=3, unique_names=unique)
    write_csv(out / "survey_2024-04-01.csv", SURVEY_HEADER, rows24, "utf-8-sig")
    rows25 = survey_rows(staff[staff.year == 2025], rng, wards=wards)
    write_csv(out / "survey_2025-04-01.csv", SURVEY_HEADER, rows25, "cp932")

    # Shortage in 2025 (2024 where 2025 was not surveyed) steers where talents are sent.
    s25, s24 = (staff[staff.year == y].set_index("lg_code") for y in (2025, 2024))
    latest = s25.dx_staff.where(s25.surveyed, s24.dx_staff)
    short = set(latest.index[latest <= 3])
    plan = plan_prefectures(prefs, rng)
    status = status_rows(prefs, plan, rng) + late_rows(prefs, plan, np.random.default_rng(SEED + 1))
    write_csv(out / "status.csv", STATUS_HEADER, sorted(status, key=lambda r: r[0]), "utf-8-sig")  # stable
    talents = build_talents(prefs, munis, plan, rng)
    assign(talents, munis, short, plan, rng)
    report_talents(talents, short)
    names = dict(zip(munis.lg_code, munis.name, strict=True))
    serial = 0
    for code in prefs.prefecture_code:
        mine = [t for t in talents if t["pref"] == code]
        rows = roster_rows(mine, names, serial, rng)
        write_csv(out / "roster" / f"roster_{code}.csv", ROSTER_HEADER, rows, "cp932")
        serial += len(mine)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
