"""Reference dimensions built offline from installed packages.

- prefectures: japancode (codes, names, kana, English) + japanmap (8 regions, outlines)
- municipalities: japancode (1,741 市区町村 + 175 designated-city wards, with lat/lng), and the
  wards reorganised since japancode's list (WARD_REORGANISATIONS)
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from core.policy import PREFECTURES
from etl.codes import normalize_lg_code

if TYPE_CHECKING:
    import pandas as pd

REGIONS: dict[str, list[int]] = {
    "北海道": [1],
    "東北": [2, 3, 4, 5, 6, 7],
    "関東": [8, 9, 10, 11, 12, 13, 14],
    "中部": [15, 16, 17, 18, 19, 20, 21, 22, 23],
    "近畿": [24, 25, 26, 27, 28, 29, 30],
    "中国": [31, 32, 33, 34, 35],
    "四国": [36, 37, 38, 39],
    "九州・沖縄": list(range(40, PREFECTURES + 1)),
}
REGION_ORDER = list(REGIONS)

# Renamed municipalities whose code did not change: old name → (prefecture, lg_code).
FORMER_NAMES: dict[tuple[str, str], str] = {
    ("28", "篠山市"): "282219",  # 丹波篠山市 since 2019-05-01
}

# Codes retired by municipal mergers: code → (old name, merged into, date).
# Sources: 岩舟町 市町村コード 09367-0, 2014-04-05 栃木市へ編入 (ja.wikipedia「岩舟町」);
# 鳩ヶ谷市 11226-7, 2011-10-11 川口市へ編入 (zh.wikipedia「鸠谷市」).
RETIRED_CODES: dict[str, tuple[str, str, str]] = {
    "093670": ("栃木県岩舟町", "栃木市（092037）", "2014-04-05"),
    "112267": ("埼玉県鳩ヶ谷市", "川口市（112038）", "2011-10-11"),
}

# Designated cities whose wards were reorganised after japancode's list (which still holds the old
# ones): city → (the day, the wards abolished that day, the wards created that day as (code, name,
# kana)). 浜松市: seven wards became three on 2024-01-01 (天竜区 kept; 中央区 22138-4, 浜名区 22139-2).
# Sources: 浜松市「行政区再編」(令和6年1月1日施行); 総務省「全国地方公共団体コード」.
WARD_REORGANISATIONS: dict[str, tuple[dt.date, tuple[str, ...], tuple[tuple[str, str, str], ...]]] = {
    "221309": (dt.date(2024, 1, 1), ("221317", "221325", "221333", "221341", "221350", "221368"),
               (("221384", "浜松市中央区", "はままつしちゅうおうく"), ("221392", "浜松市浜名区", "はままつしはまなく"))),
}


def _japancode_json(name: str) -> list[dict]:
    text = resources.files("japancode").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


def _region_of(pref_no: int) -> str:
    return next(r for r, codes in REGIONS.items() if pref_no in codes)


@cache
def _prefecture_outlines() -> list[bytes]:
    """japanmap outlines, made valid and oriented clockwise (plotly fills the inside then)."""
    import japanmap
    import shapely  # here: only the outlines need it, and a build's lookups do not
    from shapely.geometry import Polygon

    points = japanmap.pref_points(japanmap.get_data())
    out = []
    for ring in points:
        geom = shapely.make_valid(Polygon(ring))
        polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]
        multi = shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0]
        multi = shapely.orient_polygons(multi, exterior_cw=True)
        out.append(shapely.to_wkb(multi))
    return out


@cache
def _prefecture_records() -> tuple[dict, ...]:
    """The 47 prefectures from japancode, in code order, without their outlines."""
    rows = []
    for p in _japancode_json("prefectures.json"):
        no = int(p["pid"])
        rows.append({"prefecture_code": f"{no:02d}", "name": p["pref"], "name_kana": p["prefkana"],
                     "name_short": p["prefshort"], "name_en": p["pref_en"], "region": _region_of(no)})
    return tuple(sorted(rows, key=lambda r: r["prefecture_code"]))


def prefecture_rows(outlines: bool = True) -> list[dict]:
    """47 rows: prefecture_code, name, name_kana, name_short, name_en, region, and (outlines) geometry
    (WKB). Without outlines for the lookups (etl.resolve): drawing them takes shapely a while."""
    rows = [dict(r) for r in _prefecture_records()]
    if outlines:
        shapes = _prefecture_outlines()
        for r in rows:
            r["geometry"] = shapes[int(r["prefecture_code"]) - 1]
    return rows


def prefectures(outlines: bool = True) -> pd.DataFrame:
    """prefecture_rows as a DataFrame."""
    import pandas as pd  # here: a build reads the rows, and never imports pandas for surveys and rosters

    return pd.DataFrame(prefecture_rows(outlines))


def _kind(name: str, prefecture_code: str, designated: set[str]) -> str:
    if name in designated:
        return "政令指定都市"
    if prefecture_code == "13" and name.endswith("区"):
        return "特別区"
    return {"市": "市", "町": "町", "村": "村"}[name[-1]]


@cache
def _municipality_records() -> tuple[list[dict], list[dict]]:
    """(1,741 municipalities, 175 designated-city wards) from japancode."""
    raw = _japancode_json("municipalities.json")
    wards = [r for r in raw if " " in r["city"]]
    designated = {r["city"].split(" ")[0] for r in wards}
    munis, ward_rows = [], []
    for r in raw:
        pc = f"{int(r['pid']):02d}"
        code = normalize_lg_code(r["lgcode"].zfill(6))
        if " " in r["city"]:
            ward_rows.append({"ward_code": code, "prefecture_code": pc, "city_name": r["city"].split(" ")[0],
                              "ward_name": r["city"].replace(" ", ""), "ward_kana": r["citykana"].replace(" ", "")})
            continue
        munis.append(
            {
                "lg_code": code,
                "prefecture_code": pc,
                "name": r["city"],
                "name_kana": r["citykana"],
                "kind": _kind(r["city"], pc, designated),
                "lat": float(r["lat"]),
                "lng": float(r["lng"]),
            }
        )
    return munis, ward_rows


def municipality_rows() -> list[dict]:
    """1,741 rows in code order: lg_code, prefecture_code, name, name_kana, kind, lat, lng."""
    munis, _ = _municipality_records()
    return [dict(m) for m in sorted(munis, key=lambda m: m["lg_code"])]


def municipalities() -> pd.DataFrame:
    """municipality_rows as a DataFrame."""
    import pandas as pd

    return pd.DataFrame(municipality_rows())


def designated_ward_rows(on: dt.date | None = None) -> list[dict]:
    """Every designated-city ward listed (177: japancode's 175 and the 2 of WARD_REORGANISATIONS),
    or those in effect on the given day (175 until 2023-12-31, 171 since): ward_code,
    prefecture_code, ward_name, ward_kana, city_code (the city it rolls up to), valid_from and
    valid_until (dates, None where open)."""
    munis, wards = _municipality_records()
    city_code = {(m["prefecture_code"], m["name"]): m["lg_code"] for m in munis}
    rows = [{**{k: v for k, v in w.items() if k != "city_name"}, "city_code": city_code[(w["prefecture_code"], w["city_name"])],
             "valid_from": None, "valid_until": None} for w in wards]
    by_code = {r["ward_code"]: r for r in rows}
    for city, (day, abolished, created) in WARD_REORGANISATIONS.items():
        for code in abolished:
            by_code[code]["valid_until"] = day - dt.timedelta(days=1)
        for code, name, kana in created:
            rows.append({"ward_code": code, "prefecture_code": city[:2], "ward_name": name, "ward_kana": kana,
                         "city_code": city, "valid_from": day, "valid_until": None})
    rows.sort(key=lambda r: r["ward_code"])
    return [r for r in rows if on is None or in_effect(r["valid_from"], r["valid_until"], on)]


def designated_wards(on: dt.date | None = None) -> pd.DataFrame:
    """designated_ward_rows as a DataFrame."""
    import pandas as pd

    return pd.DataFrame(designated_ward_rows(on))


def in_effect(valid_from: dt.date | None, valid_until: dt.date | None, on: dt.date) -> bool:
    """Whether a ward with these first and last days (None: open) existed on the given day."""
    return (valid_from is None or valid_from <= on) and (valid_until is None or on <= valid_until)
