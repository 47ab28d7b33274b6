"""The deck's trend chart (dashboard.charts.slides.trend): each value label on the side of its point
away from the other line, so that two close lines keep readable labels on every base date."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.charts import slides as charts

DATES = [dt.date(y, 4, 1) for y in (2021, 2022, 2023, 2024, 2025)]


def _frame(series: dict[str, list[float | None]]) -> pd.DataFrame:
    return pd.DataFrame([{"base_date": d, "series": name, "value": v, "count": 1, "surveyed": 2}
                         for name, values in series.items() for d, v in zip(DATES, values, strict=True)])


def test_the_higher_line_is_labelled_above_and_the_lower_below_even_where_they_cross():
    fig = charts.trend(_frame({"石川県": [0.368, 0.368, 0.50, 0.368, 0.368],
                               "全国": [0.561, 0.525, 0.488, 0.465, 0.440]}))
    ishikawa, nation = fig.data
    assert list(ishikawa.textposition) == ["bottom center", "bottom center", "top center", "bottom center",
                                           "bottom center"]
    assert list(nation.textposition) == ["top center", "top center", "bottom center", "top center", "top center"]
    assert list(nation.text) == ["56.1%", "52.5%", "48.8%", "46.5%", "44.0%"]


def test_a_date_without_a_value_or_another_line_keeps_its_label_above():
    fig = charts.trend(_frame({"石川県": [0.2, None, 0.2, 0.2, 0.2], "全国": [0.1, 0.3, None, 0.1, 0.1]}))
    ishikawa, nation = fig.data
    assert list(ishikawa.textposition) == ["top center", "top center", "top center", "top center", "top center"]
    assert list(nation.textposition) == ["bottom center", "top center", "top center", "bottom center",
                                         "bottom center"]
    alone = charts.trend(_frame({"全国": [0.5, 0.4, 0.3, 0.2, 0.1]}))
    assert set(alone.data[0].textposition) == {"top center"}
