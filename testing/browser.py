"""The real app: a Streamlit server on a free loopback port, and Debian's Chromium driven by
Playwright, offline (every request that does not go to the app server is aborted)."""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("DXGAP_CHROMIUM", "/usr/bin/chromium")  # required: `make test` installs it
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(db: Path, extra_env: dict[str, str] | None = None, log: Path | None = None,
                     script: Path | None = None, flags: tuple[str, ...] = (),
                     port: int | None = None) -> Iterator[str]:
    """The real app server on a loopback port (default: a free one); yields its base URL. script:
    another app (run from its own folder, so that folder's .streamlit/config.toml applies) instead
    of app.py; flags: more `streamlit run` options (e.g. "--runner.postScriptGC", "true")."""
    port = port or free_port()
    env = {**os.environ, "DXGAP_DB": str(db), **(extra_env or {})}
    script = script or ROOT / "app.py"
    log_file = open(log or os.devnull, "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", *flags],
        cwd=script.parent, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    # another server may hold the port (one not yet gone, or one that took it): only
                    # ours counts, and ours exits when the port is taken
                    if r.status == 200 and listening(proc.pid, port):
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("streamlit server did not start")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()  # gone, and its port free, before the caller goes on (a next server may take it)
        log_file.close()


def listening(pid: int, port: int) -> bool:
    """Whether process pid holds a TCP socket listening on the port (Linux: /proc)."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:  # the process is gone
        return False
    sockets = set()
    for fd in fds:
        with contextlib.suppress(OSError):  # closed since (the listing's own, for one)
            sockets.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError), open(table) as f:
            for line in itertools.islice(f, 1, None):  # sl local_address rem_address st … inode
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port \
                        and f"socket:[{fields[9]}]" in sockets:  # 0A: LISTEN
                    return True
    return False


# No host resolves except the loopback: offline like an LGWAN terminal. Unlike page.route (which
# Playwright implements by turning the HTTP cache off), the browser cache keeps working.
OFFLINE_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


def launch_chromium(playwright, offline: bool = False):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + (OFFLINE_ARGS if offline else []))


@contextlib.contextmanager
def chromium_browser(offline: bool = False):
    """Debian's Chromium under Playwright, for as long as the block runs (tests share one per run)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p, offline)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def new_page(browser, server: str, viewport: dict | None = None, locale: str | None = "ja-JP"):
    """A page in a fresh browser context (its own cookies, storage and session: a new user), ja-JP
    unless told, downloads accepted, that may only reach server: every other request is aborted and
    listed in page.blocked."""
    context = browser.new_context(viewport=viewport or {"width": 1400, "height": 1000}, accept_downloads=True,
                                  **({"locale": locale} if locale else {}))
    try:
        page = context.new_page()
        page.blocked = block_external(page, server)
        yield page
    finally:
        context.close()


@contextlib.contextmanager
def browser_page(server: str, viewport: dict | None = None):
    """A page of a Chromium of its own (new_page in chromium_browser), for a script without a shared browser."""
    with chromium_browser() as browser, new_page(browser, server, viewport) as page:
        yield page


def block_external(page, base_url: str) -> list[str]:
    """Abort every request that does not go to the app server (no internet); returns the blocked URLs."""
    blocked: list[str] = []

    def handle(route):
        if route.request.url.startswith(base_url) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", handle)
    return blocked


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the script has finished its run."""
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=timeout)


def choose_option(page, box, option: str, attempts: int = 3) -> None:
    """Open the st.selectbox `box` (a locator) and pick `option`. A rerun that lands while the list
    is open redraws the selectbox and closes the list (seen once in CI: the option detached and
    was never found again); the list is then opened again, up to `attempts` times."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(1, attempts + 1):
        box.click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts:
                raise
            page.keyboard.press("Escape")
            wait_idle(page)


def wait_for_shapes(page, key: str, count: int, timeout: float = 30_000) -> None:
    """Wait until the chart with widget key `key` has drawn at least `count` filled shapes.
    A page draws several maps (some in tabs); waiting for any shape can return on another one."""
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length >= n",
        arg=[f".st-key-{key} .choroplethlocation", count], timeout=timeout)


def click_hokkaido_on_the_national_map(page, server: str) -> None:
    """Open the national map (2023-04-01, n=3), click 北海道 (the first shape in JIS order) and
    wait until the 都道府県 page for it has run."""
    page.goto(server + "/?date=2023-04-01&n=3")
    wait_idle(page)
    wait_for_shapes(page, "pref_map", 47)
    box = page.locator(".st-key-pref_map .choroplethlocation").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.45)
    page.wait_for_url(re.compile(r".*/prefecture\?.*pref=01.*"), timeout=30_000)
    wait_idle(page)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
