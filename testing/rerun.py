"""Server-side rerun time on a real Streamlit server, as the browser triggers it.

A websocket client sends the same BackMsg a browser sends on a rerun (rerun_script with the
page and its query string) and times it until the server's script_finished message. That is
everything the server does for a rerun: the runtime's own per-run work, the script, and
serialising and sending every element. No browser is involved, so nothing is drawn.

Like the browser, the client keeps Streamlit's message cache: it reports the hashes of the large
messages it received in the last runs, and the server then sends a reference to an unchanged
element instead of the element (global.maxCachedMessageAge, default 2 runs).
"""

from __future__ import annotations

import time
import urllib.request
from urllib.parse import urlparse

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect


class RerunError(RuntimeError):
    pass


MAX_CACHED_MESSAGE_AGE = 2  # runs, as the browser (Streamlit's global.maxCachedMessageAge)


def page_cookie(url: str, timeout: float = 30) -> str | None:
    """Open the app's page as a browser does first and return the cookies it is given as a
    Cookie header (behind nginx: the replica this browser sticks to), or None."""
    with urllib.request.urlopen(url + "/", timeout=timeout) as r:  # noqa: S310 (http to our own server)
        pairs = [c.split(";", 1)[0].strip() for c in r.headers.get_all("Set-Cookie") or []]
    return "; ".join(pairs) or None


class Session:
    """A websocket session on the server at url (http://host:port). With cache (the default) it
    keeps the browser's message cache; without, every rerun receives every element in full.
    cookie: the Cookie header a browser would send (e.g. from page_cookie, behind a proxy)."""

    def __init__(self, url: str, cache: bool = True, cookie: str | None = None, open_timeout: float = 30):
        host = urlparse(url).netloc
        self.ws = connect(f"ws://{host}/_stcore/stream", subprotocols=["streamlit"], max_size=None,
                          open_timeout=open_timeout, additional_headers={"Cookie": cookie} if cookie else None)
        self.cache = cache
        self.cached: dict[str, int] = {}  # message hash -> runs since it was last received or referenced

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.ws.close()

    def seen(self, fwd: ForwardMsg) -> None:
        if not self.cache:
            return
        if fwd.WhichOneof("type") == "ref_hash":
            self.cached[fwd.ref_hash] = 0
        elif fwd.metadata.cacheable and fwd.hash:
            self.cached[fwd.hash] = 0

    def run_finished(self) -> None:
        self.cached = {h: age + 1 for h, age in self.cached.items() if age + 1 <= MAX_CACHED_MESSAGE_AGE}


def rerun(ws: Session, query: str = "", page: str = "", timeout: float = 120) -> tuple[float, int]:
    """One rerun of page (its url path, "" for the default) with query; (seconds, bytes received)."""
    elapsed, received, _ = rerun_messages(ws, query, page, timeout)
    return elapsed, received


def rerun_messages(ws: Session, query: str = "", page: str = "",
                   timeout: float = 120) -> tuple[float, int, list[ForwardMsg]]:
    """One rerun: (seconds until script_finished, bytes received, every message received)."""
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_name = page
    msg.rerun_script.cached_message_hashes.extend(sorted(ws.cached))
    start = time.perf_counter()
    ws.ws.send(msg.SerializeToString())
    received, messages = 0, []
    while True:
        raw = ws.ws.recv(timeout=timeout)
        received += len(raw)
        fwd = ForwardMsg()
        fwd.ParseFromString(raw)
        messages.append(fwd)
        ws.seen(fwd)
        kind = fwd.WhichOneof("type")
        if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element" \
                and fwd.delta.new_element.WhichOneof("type") == "exception":
            raise RerunError(fwd.delta.new_element.exception.message)
        if kind == "script_finished":
            if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                continue  # the script called st.rerun(): the page is done when the next run finishes
            elapsed = time.perf_counter() - start
            ws.run_finished()
            if fwd.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                raise RerunError("compile error")
            return elapsed, received, messages
