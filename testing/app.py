"""The app under Streamlit's AppTest: a page run against a warehouse, and the files its download
buttons hand to Streamlit (deferred ones are built only when a test asks for them)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent


def app_test(db: Path, page: str | None = None, params: dict[str, str] | None = None, timeout: float = 120):
    """app.py (the national page), or one page file such as 'pages/prefecture.py', under AppTest
    against db, with these URL parameters.

    A page file runs on its own, as AppTest reruns a page after st.navigation has chosen it (pages
    draw the shared frame themselves: dashboard.frame.page_setup), so the national page is not drawn
    first for nothing. The query and figure caches are shared across runs, as across sessions on a
    server: they are keyed on the warehouse version (a publish is a new file) and the view.
    A page that raises fails the run visibly (at.exception): app.py shows users a friendly message
    instead, but not under AppTest (dashboard.frame.run_page)."""
    from streamlit.testing.v1 import AppTest

    os.environ["DXGAP_DB"] = str(db)
    direct = page is not None and page != "pages/national.py"
    at = AppTest.from_file(str(ROOT / (page if direct else "app.py")), default_timeout=timeout)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
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
