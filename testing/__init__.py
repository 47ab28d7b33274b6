"""Helpers shared by the tests and the benchmarks, in one place and imported one way: `import
testing` (or `from testing import …`). Neither tests/ nor bench/ import each other.

- testing.warehouse: the ETL CLI run as a user runs it, the sample warehouse built once per process,
  private copies, and reading a warehouse file;
- testing.inputs: tiny CSV and xlsx input files written by the tests that read them;
- testing.app: the app under AppTest, and the files its download buttons hand over;
- testing.browser: a real server on a free port, and Debian's Chromium through Playwright, offline;
- testing.rerun: a websocket client that drives reruns as a browser does (imported as a submodule);
- testing.capacity: the capacity benchmark's sessions and steps (imported as a submodule).
"""

from testing.app import MediaFile, app_test, record_media
from testing.browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    block_external,
    browser_page,
    choose_option,
    chromium_browser,
    click_hokkaido_on_the_national_map,
    free_port,
    launch_chromium,
    new_page,
    screenshot,
    streamlit_server,
    wait_for_shapes,
    wait_idle,
)
from testing.inputs import (
    ROSTER_HEADER,
    STATUS_HEADER,
    SURVEY_HEADER,
    SheetSpec,
    patch_xlsx,
    prefecture_survey,
    roster_csv,
    status_csv,
    survey_csv,
    write_book,
    write_csv,
    write_xlsx,
)
from testing.warehouse import (
    ROOT,
    SAMPLE_DIR,
    TEST_SALT,
    Run,
    copy_db,
    etl_env,
    etl_main,
    query,
    run_etl,
    sample_db,
    sample_only_db,
    scratch_dir,
    sha256,
)

__all__ = [
    "ARTIFACTS", "CHROMIUM", "CHROMIUM_ARGS", "ROOT", "ROSTER_HEADER", "SAMPLE_DIR", "STATUS_HEADER", "SURVEY_HEADER",
    "TEST_SALT", "MediaFile", "Run", "SheetSpec", "app_test", "block_external", "browser_page", "choose_option", "chromium_browser",
    "click_hokkaido_on_the_national_map", "copy_db", "etl_env", "etl_main", "free_port", "launch_chromium",
    "new_page", "patch_xlsx", "prefecture_survey", "query", "record_media", "roster_csv", "run_etl", "sample_db", "sample_only_db", "scratch_dir", "screenshot",
    "sha256", "status_csv", "streamlit_server", "survey_csv", "wait_for_shapes", "wait_idle", "write_book", "write_csv", "write_xlsx",
]
