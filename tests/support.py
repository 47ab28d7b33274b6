"""Helpers shared by the app tests: a sample warehouse built once, AppTest runs, a real server
and Debian's Chromium. Plain functions (not fixtures) so any test module can use them."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("DXGAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
_SAMPLE_DB: Path | None = None
_SAMPLE_ONLY_DB: Path | None = None


def run_etl(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"etl {args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def sample_db() -> Path:
    """The default warehouse (data/public real files + data/sample synthetic ones), built once per
    test session through the real CLI. Treat as read-only."""
    global _SAMPLE_DB
    if _SAMPLE_DB is None:
        target = Path(tempfile.mkdtemp(prefix="dxgap-sample-")) / "warehouse.duckdb"
        run_etl("build", "--db", str(target))
        _SAMPLE_DB = target
    return _SAMPLE_DB


def sample_only_db() -> Path:
    """A warehouse of data/sample alone (no public data: no boundaries, population or indicators),
    built once per test session through the real CLI. Treat as read-only."""
    global _SAMPLE_ONLY_DB
    if _SAMPLE_ONLY_DB is None:
        target = Path(tempfile.mkdtemp(prefix="dxgap-sample-only-")) / "warehouse.duckdb"
        run_etl("build", "--db", str(target), "--inputs", str(ROOT / "data" / "sample"))
        _SAMPLE_ONLY_DB = target
    return _SAMPLE_ONLY_DB


def copy_db(src: Path, dest_dir: Path) -> Path:
    """A private copy of a warehouse for tests that publish into it."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / "warehouse.duckdb"
    dest.write_bytes(Path(src).read_bytes())
    salt = Path(src).parent / ".salt"
    if salt.exists():
        (dest_dir / ".salt").write_bytes(salt.read_bytes())
    return dest


def app_test(db: Path, page: str | None = None, params: dict[str, str] | None = None, timeout: float = 120):
    """Run app.py in AppTest against db (optionally on a page file such as 'pages/prefecture.py')."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["DXGAP_DB"] = str(db)
    st.cache_data.clear()  # caches are shared across AppTests in one process
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    if page and page != "pages/national.py":
        # Registered pages are known after the first run. Note: AppTest then reruns the page
        # file alone (not app.py); pages draw the shared frame themselves (frame.page_setup).
        at.switch_page(page).run()
    return at


class MediaFile(NamedTuple):
    make: Callable[[], bytes | str]  # the file's contents (built now if it is deferred)
    mimetype: str
    name: str | None
    deferred: bool  # built on click (PNG, PowerPoint, CSV/XLSX), not handed over as bytes


def record_media(mp) -> dict[str, MediaFile]:
    """Every file handed to Streamlit's media store from now on (mp: a pytest MonkeyPatch; the
    store's own methods still run), by file id: data given as bytes or a path, and the callables
    of files built on click."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    files: dict[str, MediaFile] = {}
    static = MemoryMediaFileStorage.load_and_get_id
    deferred = MediaFileManager.add_deferred

    def record_static(self, path_or_data, mimetype, kind, filename=None):
        file_id = static(self, path_or_data, mimetype, kind, filename)
        data = path_or_data if isinstance(path_or_data, bytes) else Path(path_or_data).read_bytes()
        files[file_id] = MediaFile(lambda: data, mimetype, filename, False)
        return file_id

    def record_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        file_id = deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)
        files[file_id] = MediaFile(data_callable, mimetype, file_name, True)
        return file_id

    mp.setattr(MemoryMediaFileStorage, "load_and_get_id", record_static)
    mp.setattr(MediaFileManager, "add_deferred", record_deferred)
    return files


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(db: Path, extra_env: dict[str, str] | None = None, log: Path | None = None,
                     script: Path | None = None, flags: tuple[str, ...] = ()) -> Iterator[str]:
    """The real app server on a free loopback port; yields its base URL. script: another app
    (run from its own folder, so that folder's .streamlit/config.toml applies) instead of app.py;
    flags: more `streamlit run` options (e.g. "--runner.postScriptGC", "true")."""
    port = free_port()
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
                    if r.status == 200:
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
        log_file.close()


# No host resolves except the loopback: offline like an LGWAN terminal. Unlike page.route (which
# Playwright implements by turning the HTTP cache off), the browser cache keeps working.
OFFLINE_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


def launch_chromium(playwright, offline: bool = False):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + (OFFLINE_ARGS if offline else []))


@contextlib.contextmanager
def browser_page(server: str, viewport: dict | None = None):
    """A Chromium page (ja-JP, downloads accepted) that may only reach server: every other request
    is aborted and listed in page.blocked."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport=viewport or {"width": 1400, "height": 1000}, locale="ja-JP",
                                    accept_downloads=True)
            page.blocked = block_external(page, server)
            yield page
        finally:
            browser.close()


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


def click_hokkaido_on_the_national_map(page, server: str) -> None:
    """Open the national map (2023-04-01, n=3), click 北海道 (the first shape in JIS order) and
    wait until the 都道府県 page for it has run."""
    page.goto(server + "/?date=2023-04-01&n=3")
    wait_idle(page)
    page.wait_for_selector(".choroplethlocation", timeout=30_000)
    box = page.locator(".choroplethlocation").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.45)
    page.wait_for_url(re.compile(r".*/prefecture\?.*pref=01.*"), timeout=30_000)
    wait_idle(page)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()
