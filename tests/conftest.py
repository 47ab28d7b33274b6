"""Fixtures shared by every test file. Helpers (files, warehouses, the app, the browser) live in the
testing/ package at the repository root, which the benchmarks use too: `import testing`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # `import etl`, `import testing` however pytest is started
    sys.path.insert(0, str(REPO))

import testing  # noqa: E402
from dashboard.cache import AUDIT_ENV  # noqa: E402
from dashboard.warm import ENV as WARM_ENV  # noqa: E402

# Every shared query result is checked on each use, in this process and in the servers the tests
# start: a page that changes a value other sessions share fails its test (dashboard/cache.py).
os.environ[AUDIT_ENV] = "1"
# The servers tests start do not warm each version in the background (4 s of a core per version,
# on the 2 cores the browsers share); tests of the watcher, capacity and replicas switch it on.
os.environ[WARM_ENV] = "0"
# The builds tests run validate in one process: two test workers already share the 2 cores, and a
# build's own workers would only contend with them. tests/test_build_workers.py asks for workers.
os.environ["DXGAP_BUILD_WORKERS"] = "1"


def find_shared_reference() -> Path | None:
    """The real reference files: $DXGAP_SHARED_REFERENCE, else <repo>/../shared/reference."""
    env = os.environ.get("DXGAP_SHARED_REFERENCE")
    path = Path(env) if env else REPO.parent / "shared" / "reference"
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """Folder with da_*_area.topojson and census2020_population_prelim.csv; skips when absent. Only
    the tests that read these files ask for it (CI always has them)."""
    path = find_shared_reference()
    if path is None:
        tried = os.environ.get("DXGAP_SHARED_REFERENCE") or REPO.parent / "shared" / "reference"
        pytest.skip(f"../shared/reference not found (looked in {tried}): set DXGAP_SHARED_REFERENCE to the "
                    "folder holding da_municipality_area.topojson, da_prefecture_area.topojson and "
                    "census2020_population_prelim.csv")
    return path


@pytest.fixture(scope="session")
def sample_warehouse() -> Path:
    """The sample warehouse, built once per test process by the real CLI (testing.sample_db). Treat it
    as read-only: copy it (testing.copy_db) before loading anything into it."""
    return testing.sample_db()


@pytest.fixture()
def nothing_kept():
    """cache.keep_frozen (a settle of the heap) keeps what every store of the process holds, other
    tests' warehouses included, which nothing would drop: undone after the test (cache.forget_kept)."""
    yield
    from dashboard import cache

    cache.forget_kept()


@pytest.fixture()
def warming(monkeypatch):
    """Servers started in this test warm each published version, as a deployed server does."""
    monkeypatch.setenv(WARM_ENV, "1")


@pytest.fixture(scope="session")
def server():
    """The app on the sample warehouse: one real server for every test that only reads it."""
    with testing.streamlit_server(testing.sample_db()) as url:
        yield url


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium under Playwright, one for the whole run (each test opens its own context)."""
    with testing.chromium_browser() as browser:
        yield browser


@pytest.fixture()
def page(server, chromium):
    """A fresh offline page for one test: a new browser context (a new user) on the shared server."""
    with testing.new_page(chromium, server) as pg:
        yield pg


def pytest_collection_modifyitems(items):
    """A test on a real server is a `server` test, one in Chromium a `browser` test (see pyproject.toml:
    `make check` leaves both out)."""
    for item in items:
        if "server" in item.fixturenames:
            item.add_marker(pytest.mark.server)
        if "chromium" in item.fixturenames:
            item.add_marker(pytest.mark.browser)
