"""The view state shared by every page, kept in the URL (a public contract, see README).

Parameters: date=YYYY-MM-DD, n=3, region=<地方>, metric=<key>, pref=01, present=1, slide=2
(the slide shown in presentation mode, 1-based; only written while presenting).
A bad parameter falls back to its default with a notice; reloading or sharing the URL
reproduces the view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace

from core.policy import DEFAULT_N, PREFECTURES
from dashboard.metrics import DEFAULT_METRIC, METRIC_KEYS

MAX_N = 10
PARAMS = ("date", "n", "region", "metric", "pref", "present", "slide")


@dataclass(frozen=True)
class ViewState:
    date: dt.date
    n: int = DEFAULT_N
    region: str | None = None  # None = 全国
    metric: str = DEFAULT_METRIC
    pref: str | None = None
    present: bool = False
    slide: int = 1  # presentation mode: 1-based slide number (clamped to the deck by the presenter)

    def params(self) -> dict[str, str]:
        """Query parameters, omitting defaults so URLs stay short."""
        out = {"date": self.date.isoformat(), "n": str(self.n)}
        if self.region:
            out["region"] = self.region
        if self.metric != DEFAULT_METRIC:
            out["metric"] = self.metric
        if self.pref:
            out["pref"] = self.pref
        if self.present:
            out["present"] = "1"
            if self.slide != 1:
                out["slide"] = str(self.slide)
        return out

    def with_(self, **changes) -> ViewState:
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return asdict(self)


def parse_params(params: Mapping[str, str], dates: list[dt.date], regions: list[str],
                 prefectures: set[str], metric_keys: list[str] | None = None) -> tuple[ViewState, list[str]]:
    """URL parameters → a valid ViewState and Japanese notices for every value that fell back."""
    notices: list[str] = []
    metric_keys = metric_keys or METRIC_KEYS
    latest = dates[-1] if dates else dt.date.today()

    date = latest
    raw = params.get("date")
    if raw:
        try:
            wanted = dt.date.fromisoformat(raw)
        except ValueError:
            notices.append(f"URL の date={raw} は日付（YYYY-MM-DD）ではないため、最新の基準日 {latest} を表示しています")
        else:
            if wanted in dates:
                date = wanted
            else:
                notices.append(f"URL の date={raw} は調査基準日にないため、最新の基準日 {latest} を表示しています")

    n = DEFAULT_N
    raw = params.get("n")
    if raw:
        if raw.isdigit() and 0 <= int(raw) <= MAX_N:
            n = int(raw)
        else:
            notices.append(f"URL の n={raw} は 0〜{MAX_N} の整数ではないため、既定の {DEFAULT_N} 人を使っています")

    region = params.get("region") or None
    if region and region not in regions:
        notices.append(f"URL の region={region} は地方区分にないため、全国を表示しています")
        region = None

    metric = params.get("metric") or DEFAULT_METRIC
    if metric not in metric_keys:
        notices.append(f"URL の metric={metric} は指標にないため、既定の指標を表示しています")
        metric = DEFAULT_METRIC

    pref = params.get("pref") or None
    if pref:
        code = pref.zfill(2) if pref.isdigit() else pref
        if code in prefectures:
            pref = code
        else:
            notices.append(f"URL の pref={pref} は都道府県コード（01〜{PREFECTURES}）ではないため、無視しました")
            pref = None

    present = params.get("present") in ("1", "true", "on")

    slide = 1
    raw = params.get("slide")
    if raw and present:
        if raw.isdigit() and int(raw) >= 1:
            slide = int(raw)
        else:
            notices.append(f"URL の slide={raw} は 1 以上の整数ではないため、最初のスライドを表示しています")
    return ViewState(date=date, n=n, region=region, metric=metric, pref=pref, present=present,
                     slide=slide), notices
