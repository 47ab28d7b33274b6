"""The frame app.py runs every page in (dashboard.frame.run_page): users get a friendly message for a
page bug, never a traceback; tests get the exception, so a crashing page fails its test."""

from __future__ import annotations

import pytest

import testing
from dashboard.frame import PAGE_ERROR
from testing import rerun as server_rerun

RAISING_APP = '''
import streamlit as st

from dashboard.frame import run_page


def broken():
    st.title("この画面は壊れています")
    raise RuntimeError("a deliberate page bug")


run_page(st.navigation([st.Page(broken, title="壊れた画面", default=True)]))
'''


@pytest.fixture()
def raising_app(tmp_path):
    script = tmp_path / "raising_app.py"
    script.write_text(RAISING_APP, encoding="utf-8")
    return script


def test_a_raising_default_page_fails_under_apptest(raising_app, monkeypatch, caplog):
    from streamlit.testing.v1 import AppTest

    monkeypatch.syspath_prepend(str(testing.ROOT))
    at = AppTest.from_file(str(raising_app), default_timeout=60).run()
    assert len(at.exception) == 1  # Streamlit redacts the message on screen; the log has the exception
    assert "RuntimeError: a deliberate page bug" in caplog.text
    assert not [e for e in at.error if PAGE_ERROR in e.value], "the friendly message would hide the bug"
    with pytest.raises(AssertionError):  # what every page test asserts first
        assert not at.exception, [e.value for e in at.exception]


@pytest.mark.server
def test_a_raising_page_shows_users_the_friendly_message_and_no_traceback(raising_app, sample_warehouse):
    with testing.streamlit_server(sample_warehouse, script=raising_app,
                                  extra_env={"PYTHONPATH": str(testing.ROOT)}) as url, \
            server_rerun.Session(url, cache=False) as ws:
        msgs = server_rerun.rerun_messages(ws, "", "")[2]
    elements = [m.delta.new_element for m in msgs
                if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "new_element"]
    kinds = [e.WhichOneof("type") for e in elements]
    assert "exception" not in kinds
    alerts = [e.alert.body for e in elements if e.WhichOneof("type") == "alert"]
    assert PAGE_ERROR in alerts
    assert not [m for m in msgs if b"deliberate page bug" in m.SerializeToString()], "no trace of it on screen"
