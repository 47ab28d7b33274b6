"""The app side of the write path (etl.intake): an upload's saved copy bound to the browser session
that made it, and intake's lists cached on the warehouse version.

A saved upload is deleted when its session ends (tab closed, signed out of the network: Streamlit
releases the session's resource), even before etl.intake.UPLOAD_TTL.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import db
from dashboard.cache import shared
from dashboard.downloads import csv_bytes
from etl import intake
from etl.report import Report


class _SessionUploads:
    """The folders saved by one browser session (released when the session ends)."""

    def __init__(self) -> None:
        self.folders: set[str] = set()


def _release_session(uploads: _SessionUploads) -> None:
    for folder in list(uploads.folders):
        intake.discard_folder(folder)


@st.cache_resource(scope="session", on_release=_release_session, show_spinner=False)
def _session_uploads() -> _SessionUploads:
    return _SessionUploads()


def keep_for_session(upload: intake.Upload) -> None:
    """Called by the page: the upload's folder goes when this session ends."""
    if upload.folder is not None:
        _session_uploads().folders.add(upload.folder)


def issues_csv(report: Report) -> bytes:
    """The upload's errors and warnings as the page shows them, as CSV (formula-looking cells
    escaped: the values come from the uploaded file and the CSV is opened in Excel)."""
    df = intake.issues_table(report)
    df.insert(0, "ファイル", report.file_name)
    return csv_bytes(df)


@shared(8)
def versions(v: str) -> pd.DataFrame:
    """The kept versions of this warehouse, newest first, listed by intake (which opens every kept
    file) once per warehouse version: a publish or rollback changes v, so the list is read again."""
    return intake.versions(Path(db.path_of(v)))
