"""Fixtures shared by every test file. Keep this small: file builders live in tests/helpers.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
for p in (str(REPO), str(TESTS)):  # `import etl` and `import helpers` however pytest is started
    if p not in sys.path:
        sys.path.insert(0, p)

from helpers import run_etl  # noqa: E402


def find_shared_reference() -> Path | None:
    """The real reference files: $DXGAP_SHARED_REFERENCE, else <repo>/../shared/reference."""
    env = os.environ.get("DXGAP_SHARED_REFERENCE")
    path = Path(env) if env else REPO.parent / "shared" / "reference"
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """Folder with da_*_area.topojson and census2020_population_prelim.csv; skips when absent."""
    path = find_shared_reference()
    if path is None:
        tried = os.environ.get("DXGAP_SHARED_REFERENCE") or REPO.parent / "shared" / "reference"
        pytest.skip(f"../shared/reference not found (looked in {tried}): set DXGAP_SHARED_REFERENCE to the "
                    "folder holding da_municipality_area.topojson, da_prefecture_area.topojson and "
                    "census2020_population_prelim.csv")
    return path


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Path:
    """The sample warehouse, built ONCE per session by the real CLI. Treat it as read-only:
    copy it (helpers.copy_warehouse) before loading anything into it."""
    db = tmp_path_factory.mktemp("sample_warehouse") / "warehouse.duckdb"
    run = run_etl("build", "--db", db)
    assert run.code == 0, run.text[-3000:]
    return db


@pytest.fixture(scope="module")
def server():
    """The app on the sample warehouse: one real server per test module (browser tests)."""
    from tests import support  # the same module object as the tests' own import

    with support.streamlit_server(support.sample_db()) as url:
        yield url


@pytest.fixture()
def page(server):
    """A fresh offline Chromium page for one test (see support.browser_page)."""
    from tests import support

    with support.browser_page(server) as pg:
        yield pg
