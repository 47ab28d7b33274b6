"""Server-side rerun time on a real Streamlit server, as the browser triggers it.

A websocket client sends the same BackMsg a browser sends on a rerun (rerun_script with the
page and its query string) and times it until the server's script_finished message. That is
everything the server does for a rerun: the runtime's own per-run work, the script, and
serialising and sending every element. No browser is involved, so nothing is drawn.
"""

from __future__ import annotations

import statistics
import time
from urllib.parse import urlparse

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect


class RerunError(RuntimeError):
    pass


def connect_to(url: str):
    """A websocket session on the server at url (http://host:port)."""
    host = urlparse(url).netloc
    return connect(f"ws://{host}/_stcore/stream", subprotocols=["streamlit"], max_size=None, open_timeout=30)


def rerun(ws, query: str = "", page: str = "", timeout: float = 120) -> tuple[float, int]:
    """One rerun of page (its url path, "" for the default) with query; (seconds, bytes received)."""
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_name = page
    start = time.perf_counter()
    ws.send(msg.SerializeToString())
    received = 0
    while True:
        raw = ws.recv(timeout=timeout)
        received += len(raw)
        fwd = ForwardMsg()
        fwd.ParseFromString(raw)
        kind = fwd.WhichOneof("type")
        if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element" \
                and fwd.delta.new_element.WhichOneof("type") == "exception":
            raise RerunError(fwd.delta.new_element.exception.message)
        if kind == "script_finished":
            if fwd.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                raise RerunError("compile error")
            return time.perf_counter() - start, received


def warm_reruns(url: str, query: str = "", page: str = "", runs: int = 9, warmup: int = 2) -> tuple[list[float], int]:
    """Seconds of runs reruns of one page in one session, after warmup reruns; and the bytes one
    rerun sends."""
    with connect_to(url) as ws:
        for _ in range(warmup):
            rerun(ws, query, page)
        times, size = [], 0
        for _ in range(runs):
            secs, size = rerun(ws, query, page)
            times.append(secs)
    return times, size


def switch_reruns(url: str, queries: list[str], page: str = "", warmup_query: str = "") -> float:
    """Median seconds of reruns that each change the query (e.g. a new pref=), in one session."""
    with connect_to(url) as ws:
        for _ in range(2):
            rerun(ws, warmup_query, page)
        times = [rerun(ws, q, page)[0] for q in queries]
    return statistics.median(times)
