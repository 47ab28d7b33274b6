"""Slide decks: what presentation mode shows and what the PowerPoint export writes.

A Slide is the question it answers (its title), what answers it (a figure builder, KPIs, a
table page or text lines), the base date, the 出典 text and the figure's definition (both in its
speaker notes). Two decks: the nation and one prefecture. The figure functions here are also what
the pages and the CLI draw, so a chart on screen, in a PNG and on a slide is the same chart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from core.policy import DEADLINE, DEADLINE_LABEL, MILESTONES, deadline_text
from core.store import SAMPLE_NOTICE
from dashboard import geo, goal, kpis, prefecture_figures, scope, tables
from dashboard.charts import national as national_charts
from dashboard.charts import slides as charts
from dashboard.formats import date_label
from dashboard.kpis import Kpi
from dashboard.memo import by_content
from dashboard.metrics import DEFINITIONS, NOT_COMPUTED, Metric, deck_definitions, metric, note
from dashboard.notes import SourceText, dated_source_text, source_text
from dashboard.queries import common, summary
from dashboard.queries import indicators as qi
from dashboard.queries import national as national_q
from dashboard.queries import slides as q
from dashboard.state import ViewState

ROWS_PER_PAGE = 15  # municipality table rows per slide: fits 16:9 at 14 pt (and on screen at 1280×720), no row cut off


@dataclass(frozen=True)
class Slide:
    key: str
    title: str  # the question the slide answers
    kind: str  # title | kpis | chart | table | sources
    date: dt.date
    source: SourceText  # 出典・基準日 (and the sample notice when this slide's figures are synthetic): the footer
    figure: Callable[[], go.Figure] | None = None
    kpis: tuple[Kpi, ...] = ()
    table: pd.DataFrame | None = None
    lines: tuple[str, ...] = ()
    subtitle: str = ""
    definition: str = ""  # what the figure shows and how it is counted (speaker notes, a PNG's footer)
    lead: tuple[str, ...] = ()  # the answer in words, shown above the figure (e.g. the FY2025 result)
    question: str = ""  # for the speaker notes when the title is not the question (the title slide)
    details: tuple[str, ...] = ()  # more of the answer, for the speaker notes only (e.g. who, and when)

    @property
    def caption(self) -> SourceText:
        """出典 with the definition, as a chart's PNG footer has it."""
        if not self.definition:
            return self.source
        notice = f"／{SAMPLE_NOTICE}"  # source_text ends with it; the definition goes before it, as there
        base = self.source.removesuffix(notice)
        text = f"{base}／定義：{self.definition}" + (notice if base != self.source else "")
        return SourceText(text, self.source.is_sample)

    @property
    def notes(self) -> str:
        """The speaker notes: the question, the answer in words, the figure's definition, the source."""
        lines = [f"問い：{self.question or self.title}", *self.lead, *self.details]
        if self.definition:
            lines.append(f"定義：{self.definition}")
        lines.append(self.source)
        return "\n".join(lines)


@dataclass(frozen=True)
class Deck:
    title: str
    subtitle: str
    file_stem: str
    is_sample: bool
    slides: list[Slide] = field(default_factory=list)

    @property
    def titles(self) -> list[str]:
        return [s.title for s in self.slides]


def slide_is_sample(slide: Slide, deck_is_sample: bool) -> bool:
    """Whether a slide carries the sample notice: a chart, KPI or table slide when its own
    figures are synthetic; the title and sources slides when any figure of the deck is."""
    if slide.kind in ("title", "sources"):
        return deck_is_sample
    return getattr(slide.source, "is_sample", deck_is_sample)


# Per metric: the question the map answers, and the ranking's question and direction (True = high first).
MAP_QUESTIONS = {
    "shortage_share": "DX担当職員{n}人以下の自治体はどこに多いか",
    "severe_share": "DX担当職員1人以下の自治体はどこに多いか",
    "median_staff": "DX担当職員数（中央値）が少ないのはどこか",
    "staff_per_10k": "人口あたりのDX担当職員が少ないのはどこか",
    "pool_per_shortage": "不足自治体に対して人材プールが厚いのはどこか",
    "shortage_share_change": "不足自治体の割合はどこで増えたか（前回比）",
    "ext_talent_share": "外部人材を活用している市区町村はどこに多いか",
    "cio_aide_share": "CIO補佐官等を任命した市区町村はどこに多いか",
    "org_wide_share": "全庁的なDX推進体制を構築した市区町村はどこに多いか",
}
RANK_QUESTIONS = {
    "shortage_share": ("不足自治体（{n}人以下）の割合が高い都道府県はどこか", True),
    "severe_share": ("1人以下の自治体の割合が高い都道府県はどこか", True),
    "median_staff": ("DX担当職員数の中央値が低い都道府県はどこか", False),
    "staff_per_10k": ("人口1万人あたりの職員数が少ない都道府県はどこか", False),
    "pool_per_shortage": ("不足自治体1団体あたりの人材プールが薄い都道府県はどこか", False),
    "shortage_share_change": ("不足自治体の割合が前回より増えた都道府県はどこか", True),
    "ext_talent_share": ("外部人材を活用している市区町村の割合が低い都道府県はどこか", False),
    "cio_aide_share": ("CIO補佐官等を任命した市区町村の割合が低い都道府県はどこか", False),
    "org_wide_share": ("全庁的な体制を構築した市区町村の割合が低い都道府県はどこか", False),
}


def metric_kinds(m: Metric) -> tuple[str, ...]:
    """The sources a metric's figures come from (what its 出典 cites)."""
    if m.source == "indicators":
        return ("indicators",)
    if m.key == "pool_per_shortage":
        return ("survey", "roster")
    if m.needs_population:
        return ("survey", "population")
    return ("survey",)


def metric_source(v: str, m: Metric, date: dt.date, *, on_map: bool = False, defined: bool = True) -> SourceText:
    """The 出典 of a prefecture map (on_map: with its outlines) or ranking of metric m, with the
    metric's definition unless defined=False (a slide keeps it in its notes)."""
    kinds = metric_kinds(m) + (("prefecture_boundaries",) if on_map else ())
    return source_text(v, kinds, date, m.definition if defined else None)


# -- Figures shared by the pages, the CLI, presentation mode and the deck -----------------

def _shown(v: str, view: ViewState, as_of: dt.date) -> pd.DataFrame:
    return scope.in_region(summary.by_prefecture(v, view.date, view.n, as_of), view.region)


def national_map(v: str, view: ViewState, as_of: dt.date, ranking: bool = False) -> go.Figure:
    """The prefecture choropleth of the chosen metric (the national page's main map): prefecture
    names on it, one colour scale for the metric over every base date; ranking (slides): the
    highest and lowest prefectures named with their values."""
    m = metric(view.metric, view.n)
    return by_content(
        national_charts.prefecture_choropleth, _shown(v, view, as_of), geo.prefecture_shapes(v).ref, m, view.n,
        bounds=summary.metric_bounds(v, m.key, view.n, as_of), labels=geo.prefecture_label_points(v),
        nation=summary.national(v, view.date, view.n, as_of)[m.key], ranking=ranking)


def national_ranked(v: str, view: ViewState, as_of: dt.date, order: str = "value") -> go.Figure:
    m = metric(view.metric, view.n)
    return by_content(national_charts.ranked_bars, _shown(v, view, as_of), m, order,
                      nation=summary.national(v, view.date, view.n, as_of)[m.key])


def municipality_map(v: str, view: ViewState, pref: str | None = None) -> tuple[go.Figure, bool]:
    """Municipalities coloured by staff tier: polygons when boundaries are loaded, else points.
    Returns (figure, drawn_as_points)."""
    munis = national_q.municipalities_at(v, view.date, view.n)
    if pref:
        munis = munis[munis.prefecture_code == pref]
    else:
        munis = scope.in_region(munis, view.region)
    shapes = geo.municipality_shapes(v, pref) if common.has_municipal_boundaries(v) and not munis.empty else None
    if shapes:
        return by_content(national_charts.municipality_choropleth, munis, shapes.subset(munis.lg_code), view.n), False
    fig = national_charts.municipality_points(munis, view.n)
    if pref:  # one prefecture: its outline under the points, zoomed to it, markers large enough to see
        fig.update_traces(marker={"size": 11})
        outline = geo.prefecture_shapes(v).subset([pref])
        fig.add_trace(go.Choropleth(geojson=outline, locations=[pref], z=[0], featureidkey="id", showscale=False,
                                    colorscale=[[0, "#EEEEEE"], [1, "#EEEEEE"]], hoverinfo="skip", showlegend=False,
                                    marker={"line": {"color": "#888888", "width": 1}}))
        fig.data = (fig.data[-1], *fig.data[:-1])  # drawn first, under the points
        fig.layout.geo.lataxis.range = None
        fig.layout.geo.lonaxis.range = None
        fig.update_geos(fitbounds="locations")
    return fig, True


def prefecture_map(v: str, view: ViewState, pref: str, as_of: dt.date) -> go.Figure:
    """The prefecture page's map (charts.prefecture.municipality_map) as that page draws it: the
    outline under the municipalities, 0 and ≤1 staff outlined, the fewest-staff ones named, far
    islands in an inset, so the slide and its PNG show every municipality."""
    from dashboard.charts import prefecture as prefecture_charts
    from dashboard.queries import prefecture as prefecture_q

    munis = prefecture_q.municipalities(v, pref, view.date, common.previous_date(v, view.date, (pref,)), view.n,
                                          as_of)
    shapes = geo.municipality_shapes(v, pref)
    return prefecture_charts.municipality_map(munis, prefecture_q.staff_history(v, pref), view.n, shapes,
                                              (geo.prefecture_shapes(v).subset([pref]), pref))


def national_ranked_columns(v: str, view: ViewState, as_of: dt.date) -> go.Figure:
    m = metric(view.metric, view.n)
    _, descending = RANK_QUESTIONS[m.key]
    return charts.ranked_columns(_shown(v, view, as_of), m.key, f"{m.label}（{m.unit}）", m.kind, descending=descending,
                                 missing=NOT_COMPUTED if m.needs_population else None,
                                 average=summary.national(v, view.date, view.n, as_of)[m.key])


def national_trend(v: str, view: ViewState, as_of: dt.date) -> go.Figure:
    return charts.trend(_trend_rows(v, view.n, as_of, None), f"不足自治体の割合（{view.n}人以下）")


def coverage_by_prefecture(v: str, view: ViewState, as_of: dt.date) -> go.Figure:
    return charts.ranked_columns(_shown(v, view, as_of), "coverage", "プールのカバー率（人材が支援する不足自治体の割合）",
                                 "share", descending=True, color=charts.GREEN)


def progress_burnup(v: str, view: ViewState, as_of: dt.date) -> go.Figure:
    return charts.burnup(summary.by_prefecture(v, view.date, view.n, as_of), as_of)


def prefecture_trend(v: str, view: ViewState, pref: str, as_of: dt.date) -> go.Figure:
    return charts.trend(_trend_rows(v, view.n, as_of, pref), f"不足自治体の割合（{view.n}人以下）")


def prefecture_coverage(v: str, view: ViewState, pref: str, as_of: dt.date) -> go.Figure:
    row = _pref_row(v, view, pref, as_of)
    nat = summary.national(v, view.date, view.n, as_of)
    df = pd.DataFrame({"label": [row["name"], "全国"], "covered": [row["shortage_covered"], nat["shortage_covered"]],
                       "shortage": [row["shortage"], nat["shortage"]]})
    return charts.coverage_bars(df)


def prefecture_progress(v: str, pref: str, as_of: dt.date) -> go.Figure:
    return charts.milestone_timeline(q.milestones(v, pref), MILESTONES, as_of)


def _trend_rows(v: str, n: int, as_of: dt.date, pref: str | None) -> pd.DataFrame:
    rows = []
    names = common.prefectures(v).set_index("prefecture_code").name
    nationwide = common.nationwide_dates(v)
    for d in common.base_dates(v):
        if pref:
            r = summary.by_prefecture(v, d, n, as_of).set_index("prefecture_code").loc[pref]
            if r.surveyed:  # not on another prefecture's survey date: the line joins its own surveys
                rows.append((pd.Timestamp(d), names[pref], r.shortage_share, r.shortage, r.surveyed))
        if d in nationwide:  # a survey of a few prefectures is not a point of the nation's line
            nat = summary.national(v, d, n, as_of)
            rows.append((pd.Timestamp(d), "全国", nat["shortage_share"], nat["shortage"], nat["surveyed"]))
    return pd.DataFrame(rows, columns=["base_date", "series", "value", "count", "surveyed"])


def _pref_row(v: str, view: ViewState, pref: str, as_of: dt.date) -> dict:
    df = summary.by_prefecture(v, view.date, view.n, as_of)
    return df.set_index("prefecture_code").loc[pref].to_dict() | {"prefecture_code": pref}


# -- Decks ---------------------------------------------------------------------------------

def _sources_slide(v: str, view: ViewState, as_of: dt.date, is_sample: bool, where: str) -> Slide:
    kinds = ["survey", "roster", "status", "indicators"]
    if common.has_municipal_boundaries(v):
        kinds.append("boundaries")
    if common.has_population(v):
        kinds.append("population")
    m = metric(view.metric, view.n)
    lines = [
        source_text(v, tuple(kinds), view.date, None),
        f"対象：{where}。不足の基準：DX担当職員{view.n}人以下。人材プール・アクセラレータ・体制構築の進捗は {as_of} 時点。",
        *(f"{k}：{text}" for k, text in deck_definitions(view.n, m).items()),
    ]
    if is_sample:
        lines.insert(0, f"{SAMPLE_NOTICE}：この資料の数値は公表値に合わせて作った架空のデータで、実在の自治体の状況ではありません。")
    return Slide("sources", "出典と定義", "sources", view.date, source_text(v, ("survey",), view.date),
                 lines=tuple(lines), question="この資料の数値はどこから来て、どう数えたか")


def national_stem(view: ViewState) -> str:
    """The deck's file name without extension (also what the download buttons offer)."""
    return f"DX人材ギャップ_{scope.label(view.region)}_{view.date.isoformat()}_{view.n}人以下"


def prefecture_stem(name: str, view: ViewState) -> str:
    return f"DX人材ギャップ_{name}_{view.date.isoformat()}_{view.n}人以下"


def _deck_question(passed: bool, where: str) -> str:
    goal_question = f"{DEADLINE_LABEL}の目標は達成されたか" if passed else f"{DEADLINE_LABEL}の目標に間に合うか"
    return f"{where}の市区町村でDX担当職員はどこで足りないか、人材プールはどこまで支えているか、{goal_question}"


def national_deck(v: str, view: ViewState, as_of: dt.date, is_sample: bool) -> Deck:
    n, date = view.n, view.date
    m = metric(view.metric, n)
    where = scope.label(view.region)
    nat = summary.national(v, date, n, as_of)
    g = nat["goal"]

    def src(kinds):
        return source_text(v, kinds, date)

    rank_q, _ = RANK_QUESTIONS[m.key]
    shortage = metric("shortage_share", n).definition
    slides = [
        Slide("title", f"市区町村のDX人材ギャップ（{where}）", "title", date, src(("survey", "status", "roster")),
              subtitle=f"調査基準日 {date_label(date)}／不足の基準：DX担当職員{n}人以下",
              kpis=kpis.headline(nat, n), question=_deck_question(g.passed, where),
              definition=f"{shortage}人材プール・体制構築は {as_of} 時点"),
        Slide("kpis", f"DX担当職員が{n}人以下の市区町村はいくつあるか", "kpis", date,
              src(("survey", "status", "roster")), kpis=kpis.national(nat, n),
              definition=note("national_kpis", n=n, as_of=as_of)),
        Slide("map", MAP_QUESTIONS[m.key].format(n=n) + ("" if where == "全国" else f"（{where}）"), "chart", date,
              metric_source(v, m, date, on_map=True, defined=False),
              figure=lambda: national_map(v, view, as_of, ranking=True), definition=m.definition),
        Slide("ranked", rank_q.format(n=n), "chart", date, metric_source(v, m, date, defined=False),
              figure=lambda: national_ranked_columns(v, view, as_of), definition=m.definition),
        Slide("trend", f"不足自治体（{n}人以下）の割合は調査のたびにどう変わったか", "chart", date,
              dated_source_text(v, "survey", common.base_dates(v)), figure=lambda: national_trend(v, view, as_of),
              definition=f"{shortage}各調査基準日の値"),
        Slide("coverage", "人材プールは不足自治体をどこまでカバーしているか", "chart", date,
              src(("survey", "roster")), figure=lambda: coverage_by_prefecture(v, view, as_of),
              definition=f"{DEFINITIONS['プールのカバー率']}人材は {as_of} 時点"),
        Slide("progress", goal.question(g), "chart", date, src(("status",)),
              figure=lambda: progress_burnup(v, view, as_of), lead=goal.lines(g), details=goal.since_details(g),
              definition=f"{DEFINITIONS['進捗']}{as_of} 時点"),
        _sources_slide(v, view, as_of, is_sample, where),
    ]
    return Deck(f"市区町村のDX人材ギャップ（{where}）", f"調査基準日 {date_label(date)}", national_stem(view),
                is_sample, slides)


def table_pages(rows: pd.DataFrame, date: dt.date, prev: dt.date | None) -> list[pd.DataFrame]:
    """The municipality table as users read it, most severe first (fewest DX staff; 未回答 last),
    split into pages of ROWS_PER_PAGE rows."""
    def staff(x):
        return "未回答" if pd.isna(x) else f"{x:g}"

    rows = rows.sort_values(["dx_staff", "lg_code"], na_position="last", kind="stable")
    table = pd.DataFrame({
        "団体コード": rows.lg_code,
        "市区町村": rows.name,
        "種別": rows.kind,
        f"DX担当職員 {date}": [staff(x) for x in rows.dx_staff],
        f"前回 {prev}" if prev else "前回": [staff(x) for x in rows.prev_staff] if prev else ["—"] * len(rows),
        "区分": rows.tier,
        # The talent page's rule: 1 or 2 people per municipality show as 「3人未満」.
        "支援中の人材": [tables.people_text(x) if x else "—" for x in rows.talent],
    }).reset_index(drop=True)
    return [table.iloc[i:i + ROWS_PER_PAGE].reset_index(drop=True) for i in range(0, len(table), ROWS_PER_PAGE)] \
        or [table]


# The table slides' numeric columns (right-aligned on screen and in PowerPoint).
NUMERIC_COLUMNS = ("DX担当職員", "前回", "支援中の人材")


def prefecture_deck(v: str, view: ViewState, pref: str, as_of: dt.date, is_sample: bool) -> Deck:
    n, date = view.n, view.date
    name = common.prefectures(v).set_index("prefecture_code").name[pref]
    prev = common.previous_date(v, date, (pref,))  # the prefecture's own last survey
    row = _pref_row(v, view, pref, as_of)
    nat = summary.national(v, date, n, as_of)
    ms = q.milestones(v, pref)
    rows = q.municipality_rows(v, pref, date, prev, n, as_of)
    pages = table_pages(rows, date, prev)
    view = view.with_(pref=pref)

    def src(kinds):
        return source_text(v, kinds, date)

    short_def = metric("shortage_share", n).definition
    map_fig_points = not common.has_municipal_boundaries(v)
    table_def = (f"DX担当職員の少ない順（未回答は最後）。区分はDX担当職員数の区分（不足＝{n}人以下）。"
                 f"支援中の人材は {as_of} 時点の割り当て（1〜2人は「3人未満」）")
    slides = [
        Slide("title", f"{name}のDX人材ギャップ", "title", date, src(("survey", "status", "roster")),
              subtitle=f"調査基準日 {date_label(date)}／不足の基準：DX担当職員{n}人以下",
              kpis=kpis.prefecture_headline(row, nat, n, as_of), question=_deck_question(as_of > DEADLINE, name),
              definition=f"{short_def}人材プール・体制構築は {as_of} 時点"),
        Slide("kpis", f"{name}の不足は全国と比べてどうか", "kpis", date, src(("survey", "roster", "status")),
              kpis=kpis.prefecture_slide(row, nat, n, ms, as_of),
              definition=f"不足＝DX担当職員{n}人以下。人材・体制は {as_of} 時点"),
        Slide("map", f"{name}でDX担当職員{n}人以下の市区町村はどこか", "chart", date, src(("survey", "boundaries")),
              figure=lambda: prefecture_map(v, view, pref, as_of),
              definition="色はDX担当職員数の区分。未回答は灰色" + ("。境界が未読み込みのため役場の位置を点で表示" if map_fig_points else "")),
    ]
    for i, page in enumerate(pages, start=1):
        slides.append(Slide(f"table-{i}", f"{name}の市区町村別 DX担当職員数（{i}/{len(pages)}）", "table", date,
                            src(("survey", "roster")), table=page, definition=table_def))
    own = prefecture_figures.government(v, pref, name, qi.indicator_date_for(v, date))
    if own is not None:  # real data, on the Digital Agency table's own base date
        slides.append(Slide("government", f"{name}自身は自治体DXの取組をどこまで実施しているか", "table",
                            own.indicator_date, source_text(v, ("indicators_prefecture",), date), table=own.table,
                            definition=note("government")))
    slides += [
        Slide("trend", f"{name}の不足自治体の割合は全国と比べてどう変わったか", "chart", date,
              dated_source_text(v, "survey", common.base_dates(v)),
              figure=lambda: prefecture_trend(v, view, pref, as_of), definition=f"{short_def}各調査基準日の値"),
        Slide("coverage", f"{name}の人材プールは不足自治体をどこまで支えているか", "chart", date,
              src(("survey", "roster")), figure=lambda: prefecture_coverage(v, view, pref, as_of),
              definition=f"{DEFINITIONS['プールのカバー率']}人材は {as_of} 時点"),
        Slide("progress", f"{name}の地域DX推進体制はどこまで進んだか", "chart", date, src(("status",)),
              figure=lambda: prefecture_progress(v, pref, as_of), lead=goal.prefecture_lines(row, as_of),
              definition=f"マイルストーン0〜4の到達日。期限は{deadline_text()}。{as_of} 時点"),
        _sources_slide(v, view, as_of, is_sample, name),
    ]
    return Deck(f"{name}のDX人材ギャップ", f"調査基準日 {date_label(date)}", prefecture_stem(name, view),
                is_sample, slides)


def deck_for(v: str, view: ViewState, as_of: dt.date, is_sample: bool) -> Deck:
    """The deck presentation mode shows: the prefecture's when one is chosen, else the nation's."""
    if view.pref:
        return prefecture_deck(v, view, view.pref, as_of, is_sample)
    return national_deck(v, view, as_of, is_sample)


# -- One chart of a page, as the page and the CLI (python -m exports png) both draw it --------

@dataclass(frozen=True)
class PageChart:
    figure: go.Figure
    title: str  # printed on the PNG
    caption: SourceText  # 出典・基準日・定義 (+ sample notice): the caption on the page, the PNG footer
    png_name: str


PAGE_CHARTS = {
    "national": ("map", "municipalities", "ranked", "trend", "coverage", "progress"),
    "prefecture": ("map", "trend", "coverage", "progress"),
}


def page_chart(page: str, which: str, v: str, view: ViewState, as_of: dt.date, is_sample: bool,
               pref: str | None = None, order: str = "value") -> PageChart:
    """The national page's map, municipality map and ranking exactly as that page draws them;
    the trend, coverage and progress charts (and every prefecture chart) as their slides."""
    m = metric(view.metric, view.n)
    if page == "national" and which == "map":
        return PageChart(national_map(v, view, as_of), f"{m.label}（都道府県別）",
                         metric_source(v, m, view.date, on_map=True),
                         f"national_map_{view.metric}_{view.date}.png")
    if page == "national" and which == "municipalities":
        fig, _ = municipality_map(v, view)
        return PageChart(fig, f"市区町村別のDX担当職員数（{scope.label(view.region)}）",
                         source_text(v, ("survey", "boundaries"), view.date,
                                     "色はDX担当職員数の区分。未回答は灰色で、0人とはみなしません"),
                         f"national_municipalities_{view.date}.png")
    if page == "national" and which == "ranked":
        return PageChart(national_ranked(v, view, as_of, order), f"都道府県の順位：{m.label}",
                         metric_source(v, m, view.date),
                         f"national_ranking_{view.metric}_{view.date}.png")
    if page not in PAGE_CHARTS or which not in PAGE_CHARTS[page]:
        raise KeyError(f"{page}/{which}")
    if page == "prefecture":
        if not pref:
            raise ValueError("pref is required for the prefecture page")
        deck = prefecture_deck(v, view, pref, as_of, is_sample)
    else:
        deck = national_deck(v, view, as_of, is_sample)
    slide = next(s for s in deck.slides if s.key == which)
    return PageChart(slide.figure(), slide.title, slide.caption, f"{page}_{pref + '_' if pref else ''}{which}_{view.date}.png")
