"""A browser that comes back to a server which no longer has its session (the session expired
after server.disconnectedSessionTTL, or the server was restarted) keeps its view: the page stays on
screen, its next interaction runs in a new session on the view the URL holds, and the user carries
on from there. That is what lets the served config keep disconnected sessions for 30 s only
(.streamlit/config.toml; issue 16 §2 soak). The controls seeded from the URL (the sidebar's filters,
the 都道府県 selector) take that first interaction too: on a session's first run the URL's view is
their default, and the browser's values win over it."""

import contextlib
import re

import pytest
from playwright.sync_api import expect

import testing

pytestmark = [pytest.mark.browser]
NARA = "/prefecture?pref=29&date=2023-04-01&n=2"
STEP_UP = "[data-testid=stSidebar] button[data-testid=stNumberInputStepUp]"  # the threshold's +


def drawn(page) -> None:
    """Wait until the page's widgets are drawn. Streamlit's frontend fetches each kind of element's
    code when it first draws one; a server that goes before then leaves the browser with the failed
    import cached, and those widgets show a TypeError until the page is reloaded (under the parallel
    suite the test stopped the first server that early: the sidebar never came back)."""
    for element in ("stNumberInput", "stSelectbox", "stCheckbox", "stDataFrame", "stPlotlyChart"):
        expect(page.locator(f"[data-testid={element}]").first).to_be_visible(timeout=60_000)
    expect(page.locator(STEP_UP)).to_be_visible()


@contextlib.contextmanager
def restarted(chromium, tmp_path, path: str):
    """A page showing path, whose server was then stopped (with every session it held) and started
    again on the same port; yields the page and the new server's log."""
    db, port = testing.sample_db(), testing.free_port()
    with testing.new_page(chromium, f"http://127.0.0.1:{port}") as page:
        with testing.streamlit_server(db, log=tmp_path / "first.log", port=port) as url:
            page.goto(url + path)
            testing.wait_idle(page)
            page.get_by_role("heading", name="奈良県の市区町村").wait_for(timeout=30_000)
            drawn(page)
        log = tmp_path / "second.log"
        with testing.streamlit_server(db, log=log, port=port):
            # Widgets are disabled until the page has reconnected.
            expect(page.locator(STEP_UP)).to_be_enabled(timeout=120_000)
            yield page, log
            # Only a run of the app writes the URL, and the first server is gone: the new one ran it.
            assert "Traceback" not in log.read_text()


def test_a_browser_whose_session_is_gone_keeps_its_view_and_its_next_click(chromium, tmp_path):
    with restarted(chromium, tmp_path, NARA) as (page, _):
        # One click, as a user makes it: the new session's first run takes it.
        page.locator(STEP_UP).click()
        page.wait_for_url(re.compile(r".*[?&]n=3(&|$).*"), timeout=60_000)
        testing.wait_idle(page)
        expect(page.locator("[data-testid=stSidebar] input[type=number]")).to_have_value("3")  # not snapped back
        # the same prefecture and base date, at the new threshold
        assert re.search(r"[?&]pref=29(&|$)", page.url) and "date=2023-04-01" in page.url, page.url
        page.get_by_role("heading", name="奈良県の市区町村").wait_for(timeout=30_000)
        kpi = page.locator("[data-testid=stMetricLabel]").filter(has_text="3人以下の市区町村")
        expect(kpi.first).to_be_visible(timeout=30_000)
        testing.screenshot(page, "reconnect_same_view")


def test_a_prefecture_picked_as_the_first_interaction_after_a_lost_session_is_shown(chromium, tmp_path):
    with restarted(chromium, tmp_path, NARA) as (page, _):
        page.get_by_label("都道府県", exact=True).click()
        page.keyboard.type("和歌山")  # the list of 47 is virtual: only its first rows are drawn
        page.get_by_role("option", name="和歌山県", exact=True).click(timeout=30_000)
        page.wait_for_url(re.compile(r".*[?&]pref=30(&|$).*"), timeout=60_000)
        testing.wait_idle(page)
        page.get_by_role("heading", name="和歌山県の市区町村").wait_for(timeout=30_000)
        assert "date=2023-04-01" in page.url and re.search(r"[?&]n=2(&|$)", page.url), page.url
