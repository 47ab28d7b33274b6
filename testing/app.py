"""The app under Streamlit's AppTest: a page run against a warehouse, and the files its download
buttons hand to Streamlit (deferred ones are built only when a test asks for them)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent


def app_test(db: Path, page: str | None = None, params: dict[str, str] | None = None, timeout: float = 120):
    """Run app.py in AppTest against db (optionally on a page file such as 'pages/prefecture.py').

    A page that raises fails the run visibly: app.py shows users a friendly message, but under
    AppTest the exception reaches at.exception (dashboard.frame.run_page)."""
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
