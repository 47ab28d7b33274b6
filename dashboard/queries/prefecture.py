"""Prefecture page: one prefecture's municipalities, their history, assignments and peers.

Shortage, pool and coverage figures come from summary.by_prefecture / summary.national, so
the prefecture page and the national page always quote the same numbers.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata

import numpy as np
import pandas as pd

from core.policy import (
    PREFECTURES,
    ROLES,  # the MIC スキル標準 roles, in their usual order; other role words follow them
)
from dashboard.cache import shared
from dashboard.db import query
from dashboard.queries import common, summary
from dashboard.tiers import tiers

# What "similar" means, in the words the page shows (similarity_words) and exactly what peers() does.
SIMILAR_BY = {"population": "人口規模", "municipalities": "市町村数", "shortage_share": "不足割合"}


def similar_title(has_population: bool) -> str:
    """「人口規模・市町村数・不足割合が近い県」 (without population when it is not loaded)."""
    return "・".join(w for k, w in SIMILAR_BY.items() if has_population or k != "population") + "が近い県"


def similarity_words(has_population: bool) -> str:
    """The similar-prefecture rule in plain Japanese (what similar_prefectures computes)."""
    count = len(SIMILAR_BY) - (0 if has_population else 1)
    sized = "人口と市町村数" if has_population else "市町村数"
    return (f"似た都道府県＝{similar_title(has_population)}。{count}つの値の差を、それぞれ{PREFECTURES}都道府県の間の違いの"
            f"大きさ（標準偏差）を1として測り、合わせた差が小さい順に3県（{sized}は何倍かで比べます）")


@shared(128)
def municipalities(v: str, pref: str, date: dt.date, prev: dt.date | None, n: int, as_of: dt.date) -> pd.DataFrame:
    """One row per municipality of pref: staff on date and prev, tier, rank, talent by role.

    Columns: lg_code, prefecture_code, name, name_kana, kind, lat, lng, population, dx_staff,
    prev_staff, change, tier, rank (within the prefecture), shortage, talent, <one column per
    role>, uncovered. Cut from the whole country's rows, so switching prefecture runs no query.
    """
    df = _all_municipalities(v, date, prev, n, as_of)
    df = df[df.prefecture_code == pref].reset_index(drop=True)
    # Roles beyond the standard four only where this prefecture has such talent.
    roles = list(ROLES) + [r for r in df.attrs["roles"] if r not in ROLES and df[r].sum() > 0]
    df = df.drop(columns=[r for r in df.attrs["roles"] if r not in roles])
    df.attrs["roles"] = roles
    return df


@shared(64)
def _all_municipalities(v: str, date: dt.date, prev: dt.date | None, n: int, as_of: dt.date) -> pd.DataFrame:
    df = query(v, """
        SELECT m.lg_code, m.prefecture_code, m.name, m.name_kana, m.kind, m.lat, m.lng, m.population,
               s.dx_staff, p.dx_staff AS prev_staff
        FROM municipalities m
        LEFT JOIN staff_survey s ON s.lg_code = m.lg_code AND s.base_date = $date
        LEFT JOIN staff_survey p ON p.lg_code = m.lg_code AND p.base_date = $prev
        ORDER BY m.lg_code""", {"date": date, "prev": prev})
    return _derive(df, _talent_by_municipality(v, as_of), n)


@shared(16)
def _talent_by_municipality(v: str, as_of: dt.date) -> pd.DataFrame:
    """lg_code (index) → talent (distinct people) and one column per role, for assignments that run
    on as_of (the rule summary uses for pool coverage); attrs["roles"]: the role columns in order.
    The same for every base date and threshold, so computed once per day."""
    talent = query(v, """
        SELECT a.lg_code, r.role, count(DISTINCT a.person_id) AS talent
        FROM talent_assignment a JOIN talent_roster r USING (person_id)
        WHERE active_on(a.start_date, a.end_date, $as_of)
        GROUP BY ALL""", {"as_of": as_of})
    totals = query(v, """
        SELECT a.lg_code, count(DISTINCT a.person_id) AS talent
        FROM talent_assignment a
        WHERE active_on(a.start_date, a.end_date, $as_of)
        GROUP BY ALL""", {"as_of": as_of})
    roles = list(ROLES) + sorted(set(talent.role) - set(ROLES))
    wide = talent.pivot_table(index="lg_code", columns="role", values="talent", aggfunc="sum")
    out = totals.set_index("lg_code")[["talent"]]
    for role in roles:
        out[role] = wide[role] if role in wide.columns else pd.Series(dtype=float)
    out.attrs["roles"] = roles
    return out


def _derive(df: pd.DataFrame, talent: pd.DataFrame, n: int) -> pd.DataFrame:
    df = df.copy()
    df["change"] = df.dx_staff - df.prev_staff
    df["tier"] = tiers(df.dx_staff, n)
    # 1 = most staff within the prefecture; 未回答 has no rank.
    df["rank"] = df.groupby("prefecture_code").dx_staff.rank(ascending=False, method="min").astype("Int64")
    df["shortage"] = df.dx_staff.le(n)
    roles = talent.attrs["roles"]
    for col in ("talent", *roles):
        df[col] = df.lg_code.map(talent[col]).fillna(0).astype(int)
    df["uncovered"] = df.shortage & df.talent.eq(0)
    df.attrs["roles"] = list(roles)
    return df


def roles_of(df: pd.DataFrame) -> list[str]:
    """The role columns of a municipalities() frame, in display order."""
    return [c for c in df.attrs.get("roles", ROLES) if c in df.columns]


@shared(64)
def staff_history(v: str, pref: str) -> pd.DataFrame:
    """lg_code × each base date of a survey of the prefecture → dx_staff (NaN = 未回答)."""
    df = _all_staff_history(v)
    return df[df.prefecture_code == pref].drop(columns="prefecture_code").reset_index(drop=True)


@shared(8)
def _all_staff_history(v: str) -> pd.DataFrame:
    """Each municipality on the base dates its prefecture was surveyed: a survey of other
    prefectures alone is not the municipality's 未回答, and a publish of one prefecture's survey
    then leaves the other prefectures' histories (and the maps drawn from them) as they were."""
    return query(v, """
        SELECT m.lg_code, m.prefecture_code, d.base_date, s.dx_staff
        FROM municipalities m
        JOIN (SELECT DISTINCT s.base_date, sm.prefecture_code
              FROM staff_survey s JOIN municipalities sm USING (lg_code)) d USING (prefecture_code)
        LEFT JOIN staff_survey s ON s.lg_code = m.lg_code AND s.base_date = d.base_date
        ORDER BY m.lg_code, d.base_date""")


@shared(256)
def assignments(v: str, lg_code: str, as_of: dt.date) -> pd.DataFrame:
    """The talent assigned to one municipality, past and present, as role + pseudonymous id only
    (the privacy rule of the talent page: no other attribute of a person is shown per municipality)."""
    return query(v, """
        SELECT r.role, a.person_id,
               bool_or(active_on(a.start_date, a.end_date, $as_of)) AS active
        FROM talent_assignment a JOIN talent_roster r USING (person_id)
        WHERE a.lg_code = $lg
        GROUP BY ALL ORDER BY active DESC, r.role, a.person_id""", {"lg": lg_code, "as_of": as_of})


@shared(64)
def system_status(v: str, pref: str) -> pd.DataFrame:
    """The prefecture's milestones: milestone, milestone_name, achieved_on, model, note."""
    return query(v, """
        SELECT milestone, milestone_name, achieved_on, model, note
        FROM dx_system_status WHERE prefecture_code = $pref ORDER BY milestone""", {"pref": pref})


def reached_milestone(status: pd.DataFrame, as_of: dt.date) -> dict | None:
    """The highest milestone reached by as_of (the rule summary uses), with its name and date."""
    done = status[status.achieved_on.notna() & (pd.to_datetime(status.achieved_on) <= pd.Timestamp(as_of))]
    if done.empty:
        return None
    row = done.sort_values("milestone").iloc[-1]
    return {"milestone": int(row.milestone), "name": row.milestone_name,
            "achieved_on": pd.Timestamp(row.achieved_on).date(), "model": None if pd.isna(row.model) else row.model}


@shared(128)
def shortage_trend(v: str, pref: str, dates: list[dt.date], n: int, as_of: dt.date) -> pd.DataFrame:
    """The prefecture's and the nation's shortage share on every base date (from summary):
    base_date, pref_share, national_share."""
    wide = _all_shortage_trends(v, tuple(dates), n, as_of)
    pref_share = wide[pref] if pref in wide.columns else pd.Series(float("nan"), index=wide.index)
    return pd.DataFrame({"base_date": list(dates), "pref_share": pref_share.to_numpy(),
                         "national_share": wide["national"].to_numpy()})


@shared(16)
def _all_shortage_trends(v: str, dates: tuple[dt.date, ...], n: int, as_of: dt.date) -> pd.DataFrame:
    """base date × (each prefecture code, "national") → shortage share; the nation's only on the
    dates every prefecture answered (common.nationwide_dates), else NaN. From one run of the marts
    for every date (summary.every_date_areas): a prefecture page at a threshold no one had asked
    for since a publish ran the marts once per base date for it, a seventh of a busy server's
    samples in the seconds after a publish (issue 16 §2)."""
    rows = summary.every_date_areas(v, n, as_of)
    wide = rows.pivot(index="base_date", columns="prefecture_code", values="shortage_share").astype(float)
    wide.index = wide.index.date
    nationwide = common.nationwide_dates(v)
    nation = wide.pop(summary.NATION)
    wide["national"] = [share if d in nationwide else float("nan") for d, share in nation.items()]
    return wide.reindex(list(dates))


def similar_prefectures(rows: pd.DataFrame, pref: str, k: int = 3) -> pd.DataFrame:
    """The k prefectures most like pref in population, number of municipalities and shortage share
    (rows: _peer_rows), nearest first. Each value is put on one scale (population and municipality
    counts as logarithms, so twice as many counts the same anywhere), divided by its standard
    deviation over the prefectures, and the differences are combined as the square root of the sum
    of their squares. Population is left out when it is not loaded; a value unknown for either side
    counts as no difference."""
    return _nearest(*_scaled(rows), pref, k)


def _scaled(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the prefectures' rows, their features on one scale): the same for every prefecture."""
    x = rows.drop(index="")
    cols = [c for c in SIMILAR_BY if c in x.columns and x[c].notna().any()]
    features = x[cols].astype(float)
    for c in ("population", "municipalities"):
        if c in features:
            features[c] = features[c].where(features[c] > 0).map(math.log)
    return x, (features - features.mean()) / features.std(ddof=0).replace(0, 1)


def _nearest(x: pd.DataFrame, scaled: pd.DataFrame, pref: str, k: int) -> pd.DataFrame:
    """x's k rows nearest pref (gap, then fewer municipalities first; ties in x's order), with their
    gap. In numpy: the same steps in pandas took 7 ms of each prefecture page's 50 ms build."""
    if pref not in scaled.index:
        return x.iloc[0:0]
    values = scaled.to_numpy(dtype=float)
    me = scaled.index.get_loc(pref)
    gap = np.sqrt(np.nansum((values - values[me]) ** 2, axis=1))  # an unknown value: no difference
    order = np.lexsort((x.municipalities.to_numpy(dtype=float, na_value=np.nan), gap))  # stable: ties keep x's order
    near = order[order != me][:k]
    return x.iloc[near].assign(gap=gap[near]).reset_index()


@shared(128)
def peers(v: str, pref: str, date: dt.date, n: int, as_of: dt.date, k: int = 3) -> pd.DataFrame:
    """The prefecture, its k most similar prefectures (similar_prefectures) and the nation: name,
    population, municipalities, shortage share and coverage, in that order.

    Shares and coverage come from summary, so they equal the national page's figures.
    """
    rows = _peer_rows(v, date, n, as_of)
    near = _nearest(*_peer_scale(v, date, n, as_of), pref, k)
    out = rows.loc[[pref, *near.prefecture_code, ""]].reset_index()
    return out


@shared(64)
def _peer_scale(v: str, date: dt.date, n: int, as_of: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """_scaled of the view's _peer_rows, once for its 47 prefectures."""
    return _scaled(_peer_rows(v, date, n, as_of))


@shared(64)
def _peer_rows(v: str, date: dt.date, n: int, as_of: dt.date) -> pd.DataFrame:
    """Every prefecture and the nation (code ""): name, population (NULL unless every municipality's
    is loaded), municipalities, shortage share and coverage."""
    pop = query(v, """SELECT prefecture_code, sum(population) AS population,
                             count(*) FILTER (WHERE population IS NULL) AS unknown
                      FROM municipalities GROUP BY ALL""").set_index("prefecture_code")
    by_pref = summary.by_prefecture(v, date, n, as_of).set_index("prefecture_code")
    rows = pd.DataFrame({"name": by_pref.name, "population": pop.population.where(pop.unknown == 0).reindex(by_pref.index),
                         "municipalities": by_pref.municipalities, "shortage_share": by_pref.shortage_share,
                         "coverage": by_pref.coverage})
    nat = summary.national(v, date, n, as_of)
    known = pop.unknown.sum() == 0
    rows.loc[""] = {"name": "全国", "population": pop.population.sum() if known else None,
                    "municipalities": nat["municipalities"], "shortage_share": nat["shortage_share"],
                    "coverage": nat["coverage"]}
    rows.index.name = "prefecture_code"
    return rows


def search(df: pd.DataFrame, text: str, uncovered_only: bool = False) -> pd.DataFrame:
    """Rows whose name or kana contains text (全角/半角 and カタカナ/ひらがな are treated alike);
    uncovered_only: only the 要対応 ones (short of staff, no talent assigned)."""
    if uncovered_only:
        df = df[df.uncovered]
    needle = _fold(text)
    if not needle:
        return df
    hit = df.name.map(_fold).str.contains(needle, regex=False) | \
        df.name_kana.fillna("").map(_fold).str.contains(needle, regex=False)
    return df[hit]


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    # カタカナ → ひらがな (U+30A1..U+30F6 → U+3041..U+3096), since the warehouse keeps kana in hiragana.
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)
