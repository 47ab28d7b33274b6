"""PNG export of any chart with kaleido and the system Chromium, fully offline.

One kaleido browser is started lazily, once per process, and reused by every export (the first
export pays 1.5–5 s to start it, later ones ~0.1–0.3 s); it is stopped at exit. The PNG carries a
footer with 出典, 基準日 and, for sample data, 「サンプル（架空）データ」 (dashboard.notes.footer_text).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import re
import signal
import threading
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

from dashboard import geo
from dashboard.capabilities import chromium_path, png_available
from dashboard.charts.style import FONT, PICTURE_HEIGHT, PICTURE_SCALE, PICTURE_WIDTH, set_offline_topojson

ROOT = Path(__file__).resolve().parent.parent
# The folder holding the stub world_110m.json: plotly's geo traces fetch it even with the
# basemap hidden, and offline a CDN fetch would leave the map blank.
TOPOJSON_DIR = ROOT / "static"
DEFAULT_WIDTH, DEFAULT_HEIGHT, DEFAULT_SCALE = PICTURE_WIDTH, PICTURE_HEIGHT, PICTURE_SCALE
FOOTER_FONT_PX = 12
FOOTER_LINE_PX = 17
_CARTESIAN = {"bar", "scatter", "histogram", "box", "heatmap"}

log = logging.getLogger("dashboard")
_lock = threading.Lock()  # guards starting and stopping the shared browser
_browser = None  # the _Browser of this process, started by the first export


class PngUnavailable(RuntimeError):
    """No browser to draw with; the message is Japanese and user-facing."""


RELOAD_EVERY = 25  # renders per tab between page reloads


def _kaleido_class():
    import kaleido

    class SteadyKaleido(kaleido.Kaleido):
        """kaleido reloads the tab's page after every picture, and only then returns it (~0.2–0.3 s
        of CPU each time). A fresh page every RELOAD_EVERY pictures keeps the hygiene (no state
        piling up over the 47 decks' ~200 pictures) without paying for it on every export; that
        reload runs in the background, while the other tab takes the next picture."""

        async def _return_kaleido_tab(self, tab):
            tab.dxgap_renders = getattr(tab, "dxgap_renders", 0) + 1
            if tab.dxgap_renders % RELOAD_EVERY:
                await self.tabs_ready.put(tab)
                return
            task = asyncio.create_task(super()._return_kaleido_tab(tab))
            self.dxgap_reloads = getattr(self, "dxgap_reloads", set())
            self.dxgap_reloads.add(task)  # keep a reference until it is done
            task.add_done_callback(self.dxgap_reloads.discard)

    return SteadyKaleido


# A kaleido Chromium opens in 1.5–5 s, under a loaded test suite in seconds more; one that has
# not opened in START_SECONDS has hung (the likely cause of a CI run whose first PNG waited the
# whole 120 s). It is killed and started again, START_TRIES times in all.
START_SECONDS = 45.0
START_TRIES = 2


class _Browser:
    """One kaleido (Chromium, two tabs) on its own event-loop thread, shared by every export of
    the process: Streamlit sessions (each download runs on its own thread), the CLI, the bench."""

    def __init__(self, start_seconds: float) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="dxgap-kaleido", daemon=True)
        self.thread.start()
        cls = _kaleido_class()
        opening, gave_up = [], threading.Event()  # the kaleido being opened, to kill if it hangs

        async def start():
            # mathjax=False: its default is a CDN script, which offline only costs a failed fetch.
            k = cls(n=2, path=str(chromium_path()), mathjax=False, timeout=90)
            opening.append(k)
            try:
                await k.open()
            except BaseException:
                if gave_up.is_set():  # killed below: its failure has been reported already
                    return None
                raise
            return k

        started = asyncio.run_coroutine_threadsafe(start(), self.loop)
        try:
            self.kaleido = started.result(start_seconds)
        except BaseException:
            gave_up.set()
            for k in opening:
                _kill(k)
            started.cancel()
            self.loop.call_soon_threadsafe(self.loop.stop)
            raise

    def _call(self, coro, timeout: float):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def render(self, spec: dict, opts: dict, topojson: str | None) -> bytes:
        return self._call(self.kaleido.calc_fig(spec, opts=opts, topojson=topojson), timeout=120)

    def healthy(self) -> bool:
        return self.thread.is_alive() and self.kaleido.subprocess.poll() is None

    def close(self) -> None:
        try:
            self._call(self.kaleido.close(), timeout=30)
        except Exception:  # noqa: S110 (closing anyway: nothing more to do)
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def _kill(k) -> None:
    """Kill the browser of a kaleido that did not open. choreographer's .subprocess is a wrapper that
    runs the browser as its child: the child goes first (killing the wrapper alone orphans it, and
    the wrapper's own SIGTERM handling takes 5 s)."""
    proc = getattr(k, "subprocess", None)
    if proc is None or proc.poll() is not None:
        return
    for child in _children(proc.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
    proc.kill()
    proc.wait(10)


def _children(pid: int) -> list[int]:
    """The processes whose parent is pid (from /proc; none where there is no /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _shared_browser() -> _Browser:
    global _browser
    with _lock:
        if _browser is None:
            ok, reason = png_available()
            if not ok:
                raise PngUnavailable(reason)
            set_offline_topojson(TOPOJSON_DIR.as_uri() + "/")
            _browser = _started()
            atexit.register(stop)
        return _browser


def _started() -> _Browser:
    """A new _Browser; one that hangs while opening is killed and started again (START_TRIES)."""
    for attempt in range(1, START_TRIES + 1):
        try:
            return _Browser(START_SECONDS)
        except TimeoutError:
            log.warning("kaleido's Chromium did not open in %.0f s (attempt %d of %d)", START_SECONDS, attempt,
                        START_TRIES)
    raise PngUnavailable(f"PNG を作れません：画像を描くブラウザ（{chromium_path()}）が {START_SECONDS:.0f} 秒待っても"
                         f"起動しませんでした（{START_TRIES} 回）。しばらくしてからもう一度お試しください。"
                         "続く場合はサーバーの管理者に連絡してください。")


def stop() -> None:
    """Close the shared browser (registered at exit; safe to call twice)."""
    global _browser
    with _lock:
        browser, _browser = _browser, None
    if browser is not None:
        browser.close()


def plotly_text(text: str) -> str:
    """Plain text for a plotly label: plotly reads a few HTML tags, so file names are escaped."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def wrap(text: str, width_chars: int) -> list[str]:
    """Break a footer at its ／ separators, then hard-wrap anything still too long."""
    lines: list[str] = []
    current = ""
    for part in re.split(r"(?<=／)", text):
        if current and len(current) + len(part) > width_chars:
            lines.append(current)
            current = ""
        current += part
        while len(current) > width_chars:
            lines.append(current[:width_chars])
            current = current[width_chars:]
    if current:
        lines.append(current)
    return lines


def export_figure(fig: go.Figure, *, footer: str | None = None, title: str | None = None,
                  width: int = DEFAULT_WIDTH, height: int | None = None) -> go.Figure:
    """A copy of fig laid out for a picture: white background, optional title, footer lines. Served
    map shapes stay references here: render puts them into the picture's dict (geo.inline_spec)."""
    out = go.Figure(fig)
    height = int(height or out.layout.height or DEFAULT_HEIGHT)
    margin = out.layout.margin
    top = 64 if title else (margin.t if margin.t is not None else 20)
    bottom = margin.b if margin.b is not None else 20
    left = None
    if any(t.type in _CARTESIAN for t in out.data):
        # The footer is placed relative to the plot area, so the margins are fixed here rather
        # than grown by the axes at draw time: wide enough for the longest category label.
        out.update_xaxes(automargin=False)
        out.update_yaxes(automargin=False)
        left = _left_margin(out)
        bottom = max(bottom, 70)
    bottom += _space_below(out, width)  # a colour bar or legend under the plot: the footer goes under it
    legend = out.layout.legend
    if title and legend.orientation == "h" and (legend.y or 0) >= 1:
        top += 36  # a legend above the plot goes under the title, not over it
    if title and out.layout.xaxis.side == "top":
        top += 28  # so do tick labels above the plot (the progress matrix's milestone names)
    lines = wrap(footer, max(40, int((width - 40) / (FOOTER_FONT_PX + 0.5)))) if footer else []
    footer_px = len(lines) * FOOTER_LINE_PX
    out.update_layout(
        width=width, height=height, paper_bgcolor="white",
        font={"family": FONT}, margin={"t": top, "b": bottom + footer_px + (12 if lines else 0)},
    )
    if left is not None:
        out.update_layout(margin={"l": left})
    left = out.layout.margin.l if out.layout.margin.l is not None else 10
    if title:
        out.update_layout(title={"text": plotly_text(title), "x": 0.01, "xanchor": "left", "y": 0.98,
                                 "yanchor": "top", "yref": "container", "font": {"size": 22, "family": FONT}})
    if lines:
        out.add_annotation(
            text="<br>".join(plotly_text(line) for line in lines), showarrow=False, align="left",
            xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top",
            xshift=-(left - 16), yshift=-(bottom + 6), font={"size": FOOTER_FONT_PX, "color": "#333", "family": FONT},
        )
    return out


def _space_below(fig: go.Figure, width: int) -> int:
    """Pixels a horizontal colour bar or legend under the plot takes (charts.style.colorbar_below,
    LEGEND_BELOW): plotly grows the bottom margin for it when drawing, so the footer, placed from the
    margin set here, must leave that room or it is written over the bar."""
    size = fig.layout.font.size or 13
    need = 0
    for t in fig.data:
        bar = getattr(t, "colorbar", None)
        if bar is None or getattr(t, "showscale", None) is False or bar.orientation != "h" or (bar.y or 0) > 0:
            continue
        title = 1.6 * size if bar.title.text else 0
        need = max(need, int((bar.thickness or 30) + title + 1.8 * size + 8))
    legend = fig.layout.legend
    if legend.orientation == "h" and legend.y is not None and legend.y <= 0 and fig.layout.showlegend is not False:
        names = [t.name for t in fig.data if t.name and t.showlegend is not False]
        if names:
            line = max(1, width - 60)
            rows = -(-int(sum(_text_px(n, size) + 50 for n in names)) // line)
            need = max(need, int(rows * 1.9 * size + (1.8 * size if legend.title.text else 0) + 8))
    return need


def _text_px(text, size: float) -> float:
    """Rough width of a label: full-width (CJK) characters ≈ 1 em, others ≈ 0.6 em."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in str(text))


def _left_margin(fig: go.Figure) -> int:
    size = fig.layout.font.size or 13
    tick = fig.layout.yaxis.tickfont.size or size
    labels = [y for t in fig.data if t.type in _CARTESIAN and getattr(t, "y", None) is not None
              for y in t.y if isinstance(y, str)]
    widest = max((_text_px(x, tick) for x in labels), default=_text_px("100%", tick))
    title = size * 1.9 if fig.layout.yaxis.title.text else 0
    return int(widest + title + 24)


def render(fig: go.Figure, *, footer: str | None = None, title: str | None = None, width: int = DEFAULT_WIDTH,
           height: int | None = None, scale: float = DEFAULT_SCALE) -> bytes:
    """PNG bytes of fig (width×scale by height×scale pixels), through the shared browser."""
    spec = export_figure(fig, footer=footer, title=title, width=width, height=height)
    opts = {"format": "png", "width": spec.layout.width, "height": spec.layout.height, "scale": scale}
    data = geo.inline_spec(spec.to_dict())  # the shapes go into the picture itself, after the copy
    browser = _shared_browser()
    try:
        return browser.render(data, opts, pio.defaults.topojson)
    except Exception:
        if _is_healthy(browser):
            raise  # the figure was at fault, not the browser
        stop()  # the browser died (crashed or killed): start a fresh one, once
        return _shared_browser().render(data, opts, pio.defaults.topojson)


def _is_healthy(browser: _Browser) -> bool:
    try:
        return browser.healthy()
    except AttributeError:  # a kaleido/choreographer without these internals: assume alive
        return browser.thread.is_alive()
