"""Metric definitions (DESIGN §4): one place for keys, Japanese labels and definitions."""

from __future__ import annotations

from dataclasses import dataclass

from core.policy import DEFAULT_N, POOL, PREFECTURES, SYSTEM, deadline_text, milestone_label

NOT_COMPUTED = "未算出"  # a per-capita figure where the population file does not cover the prefecture


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    definition: str
    kind: str  # share | number | change
    needs_population: bool = False
    source: str = "survey"  # survey (職員調査, with the pool for pool_per_shortage) | indicators (デジタル庁, real)
    unit: str = "%"  # the unit users read on colour bars and axes (shares and changes are shown ×100)
    higher_is_worse: bool = True  # maps draw the worse end dark, whichever way that is

    @property
    def choice(self) -> str:
        """The label in the metric selector: independent of the threshold, so the widget stays stable."""
        return CHOICES[self.key]


def _metrics(n: int) -> list[Metric]:
    return [
        Metric("shortage_share", f"不足自治体の割合（{n}人以下）",
               f"DX担当職員が{n}人以下の市区町村数 ÷ その基準日に回答した市区町村数。未回答は分母に含めません。", "share"),
        Metric("severe_share", "深刻（1人以下）の割合",
               "DX担当職員が1人以下の市区町村数 ÷ 回答した市区町村数。", "share"),
        Metric("median_staff", "職員数の中央値", "回答した市区町村のDX担当職員数の中央値（人）。", "number",
               unit="人", higher_is_worse=False),
        Metric("staff_per_10k", "人口1万人あたり職員数",
               "回答した市区町村のDX担当職員数の合計 ÷ その人口 × 10,000。人口を読み込んだときだけ表示します。"
               f"人口ファイルに入っていない市区町村がある都道府県は「{NOT_COMPUTED}」です（一部の市区町村の人口で"
               "都道府県全体の職員数を割らないため）。人口が空欄の市区町村（国勢調査の双葉町など）は分子・分母の両方から除きます。",
               "number", needs_population=True, unit="人/1万人", higher_is_worse=False),
        Metric("pool_per_shortage", "不足自治体1団体あたりプール人材",
               "都道府県の人材プールに在籍する人材数 ÷ 不足自治体数。", "number", unit="人/団体", higher_is_worse=False),
        Metric("shortage_share_change", "不足自治体の割合の変化（前回比）",
               "不足自治体の割合の、前の調査基準日からの差（ポイント）。", "change", unit="ポイント"),
        # The Digital Agency's table (real): the latest indicator base date on or before the view's.
        Metric("ext_talent_share", "外部人材活用の割合",
               "「外部人材活用」を実施と答えた市区町村数 ÷ 実施・未実施と答えた市区町村数（調査無しは分母に含めません）。"
               "デジタル庁の自治体DXダッシュボードの表による。", "share", source="indicators", higher_is_worse=False),
        Metric("cio_aide_share", "CIO補佐官等を任命した割合",
               "「CIO補佐官等の任命」を実施と答えた市区町村数 ÷ 実施・未実施と答えた市区町村数（調査無しは分母に含めません）。"
               "デジタル庁の自治体DXダッシュボードの表による。", "share", source="indicators", higher_is_worse=False),
        Metric("org_wide_share", "全庁的な体制を構築した割合",
               "「全庁的な体制構築」を実施と答えた市区町村数 ÷ 実施・未実施と答えた市区町村数（調査無しは分母に含めません）。"
               "デジタル庁の自治体DXダッシュボードの表による。", "share", source="indicators", higher_is_worse=False),
    ]


CHOICES = {
    "shortage_share": "不足自治体の割合（基準人数以下）",
    "severe_share": "深刻（1人以下）の割合",
    "median_staff": "職員数の中央値",
    "staff_per_10k": "人口1万人あたり職員数",
    "pool_per_shortage": "不足自治体1団体あたりプール人材",
    "shortage_share_change": "不足自治体の割合の変化（前回比）",
    "ext_talent_share": "外部人材活用の割合（デジタル庁）",
    "cio_aide_share": "CIO補佐官等を任命した割合（デジタル庁）",
    "org_wide_share": "全庁的な体制を構築した割合（デジタル庁）",
}
METRIC_KEYS = [m.key for m in _metrics(3)]
DEFAULT_METRIC = "shortage_share"


def metric(key: str, n: int = 3) -> Metric:
    return next(m for m in _metrics(n) if m.key == key)


def metrics(n: int = 3, has_population: bool = True, has_indicators: bool = True) -> list[Metric]:
    return [m for m in _metrics(n) if (has_population or not m.needs_population)
            and (has_indicators or m.source != "indicators")]


INDICATOR_METRICS = [m.key for m in _metrics(3) if m.source == "indicators"]


COVERAGE = "人材が1人以上割り当てられた不足自治体数 ÷ 不足自治体数"
DEFINITIONS = {
    "不足自治体": "DX担当職員数が基準（既定は3人、画面で変更可）以下の市区町村。基準3人は国の方針資料による。",
    "深刻": "DX担当職員数が1人以下。",
    "ゼロ": "DX担当職員数が0人。",
    "不足自治体の割合": "不足自治体数 ÷ その基準日に回答した市区町村数。未回答の市区町村は「未回答」と表示し、0人とはみなさない。",
    "人口1万人あたり職員数": "人口を読み込んだときのみ。職員数の合計 ÷ 人口 × 10,000。人口ファイルが都道府県の一部の"
                    f"市区町村しか含まないときは「{NOT_COMPUTED}」（人口が空欄の市区町村は分子・分母から除く）。",
    "プールのカバー率": f"{COVERAGE}。",
    "進捗": f"マイルストーンに到達した都道府県数（{PREFECTURES}のうち）。期限は{deadline_text()}。",
    "自治体DXの取組の割合": "デジタル庁の自治体DXダッシュボードの表で「実施」の市区町村数 ÷ 実施・未実施と答えた市区町村数。"
                         "調査無しは分母に含めない。職員数の基準日以前で最も新しい表の基準日の値を使い、図に両方の基準日を示す。",
    "最も支援が必要な市区町村": "DX担当職員が基準人数以下、かつ外部人材活用が未実施、かつ全庁的な体制構築が未実施の市区町村。"
                           "職員数が未回答、または指標が調査無しの市区町村は含めない。",
}


def deck_definitions(n: int, shown: Metric | None = None) -> dict[str, str]:
    """The definitions a deck prints on its 出典と定義 slide: the terms its slides use, in the words
    of a printed page (a deck has no screen, so nothing like 「画面で変更可」); shown adds the
    metric of its map and ranking when that is not one of them."""
    out = {
        "不足自治体": f"DX担当職員数が{n}人以下の市区町村（この資料の基準）。国の方針資料は{DEFAULT_N}人以下を基準とする。",
        "深刻": DEFINITIONS["深刻"],
        "ゼロ": DEFINITIONS["ゼロ"],
        "不足自治体の割合": "不足自治体数 ÷ その基準日に回答した市区町村数。未回答の市区町村は0人とみなさず、分母にも含めない。",
        "プールのカバー率": DEFINITIONS["プールのカバー率"],
        "進捗": f"「{milestone_label(SYSTEM)}」「{milestone_label(POOL)}」に到達した都道府県の数（{PREFECTURES}のうち）。"
              f"期限は{deadline_text()}。",
    }
    if shown is not None and shown.key not in ("shortage_share", "severe_share"):
        out[shown.label] = shown.definition.replace("人口を読み込んだときだけ表示します。", "")
    return out


def shortage_rule(n: int) -> str:
    """The threshold of a view in words: 「DX担当職員3人以下」."""
    return f"DX担当職員{n}人以下"


def need_condition(n: int) -> str:
    """The cross view's definition with the view's threshold in it."""
    return DEFINITIONS["最も支援が必要な市区町村"].replace("基準人数", f"{n}人")


# What a chart or table shows and how its figures are defined: the 定義 part of its 出典 note, the
# notes sheet of its download. Templates, filled with note(key, n=…, as_of=…, …).
NOTES = {
    # 全国マップ (and the national deck's KPI slide)
    "national_kpis": "不足＝DX担当職員{n}人以下、割合の分母は回答した市区町村。体制・アクセラレータは {as_of} 時点",
    "need": "DX担当職員{n}人以下、かつ外部人材活用・全庁的な体制構築がともに未実施。未回答・調査無しは含めない",
    "need_map": "朱色＝最も支援が必要な市区町村。灰色は該当しない、または判定できない",
    "government": "都道府県としての回答（市区町村の回答ではありません）。全国＝実施と回答した都道府県÷回答した都道府県。"
                  "数値で答える指標（手続のオンライン化の割合など）は載せていません",
    # 都道府県
    "prefecture_kpis": "不足＝DX担当職員{n}人以下、割合の分母は回答した市区町村。"
                       "カバー率＝人材が割り当てられた不足自治体÷不足自治体（{as_of} 時点）",
    "prefecture_map": "色はDX担当職員数の区分、数字は職員数。0人・1人以下は黒い太枠（点なら黒い縁の大きな点）で示し、"
                      "職員の少ない市区町村は名前を表示。未回答は灰色で、0人とはみなしません",
    "prefecture_table": "支援人材＝{as_of} に割当期間中の人材（役割別、重複なし）。県内順位＝職員数の多い順（回答した市区町村のうち）",
    "staff_history": "{name}の各調査基準日のDX担当職員数。線が切れている基準日は未回答",
    "assignments": "人材名簿の割当。{as_of} に割当期間中なら「割当中」。氏名など個人を特定できる情報は持っていません",
    "shortage_trend": "{n}人以下の市区町村 ÷ その基準日に回答した市区町村（全基準日）",
    "distribution": "回答した市区町村の職員数の分布（各グループ内の割合）。未回答は含めません",
    "peers": "{similarity}。カバー率＝人材が割り当てられた不足自治体÷不足自治体",
    "prefecture_download": "不足自治体の割合＝不足自治体÷回答した市区町村。カバー率＝人材が割り当てられた不足自治体÷不足自治体。"
                           "未回答は0人とみなさない",
    # 人材プール
    "pool_on": "人材は {pool_on} 時点で在籍（開始日以後かつ終了日以前）",
    "talent_kpis": "不足＝DX担当職員{n}人以下。{pool_when}",
    "supply_need": "棒＝在籍人材（役割別、人）、◆＝DX担当職員{n}人以下の市区町村数（団体）。{pool_when}",
    "coverage_map": f"カバー率＝{COVERAGE}（{{n}}人以下）。白（灰色の縁）は不足自治体のない都道府県。{{pool_when}}",
    "uncovered": "DX担当職員{n}人以下で、{pool_on} 時点に支援する人材の割当がない市区町村",
    "mix": "在籍人材の{what}別の構成比。{pool_when}",
    "accelerators": "各四半期末（最後の点は {as_of} 時点）に在任のアクセラレータ数。目標は全国で{target}人",
    "pool_trend": "各四半期末に在籍していた人材数（開始日以後かつ終了日以前）。役割別に積み上げ",
    # 体制構築の進捗
    "progress_kpis": "{as_of} までに到達した都道府県の数（{total}のうち）",
    "burnup": "各日までに「{system}」「{pool}」に到達した都道府県数（{as_of} 時点）。破線は期限の{deadline}",
    "matrix": "各セルは到達した日（{as_of} までのもの）。空欄は未到達",
    "lagging": "期限（{deadline}）を過ぎていれば期限までに、過ぎていなければ今日までに未到達の都道府県。"
               "遅れ（日）＝都道府県ごとに、期限から到達した日まで（未達なら今日まで）の日数（二つの段階の遅いほう）。"
               "不足＝DX担当職員{n}人以下",
    "models": "モデルは体制構築の進捗ファイルの分類。カバー率＝人材が1人以上割り当てられた不足自治体 ÷ "
              "不足自治体（{n}人以下、人材は {as_of} 時点）。点は各都道府県",
    # データ
    "versions": "版＝その取り込みまでに読み込んだ、市区町村ごとの最新の値。変化の「不足」は{n}人以下",
    "sources": "不足自治体＝DX担当職員が基準（既定3人）以下。未回答は0人とみなさない",
}


def note(key: str, **values) -> str:
    """A definition note of the registry, filled in (e.g. note("need", n=3))."""
    return NOTES[key].format(**values)


# The published figures the sample is calibrated to (DESIGN §7), as the banner and the データ page say them.
PUBLISHED_FIGURE = "2023年4月1日時点で1,741団体中850団体が3人以下"
