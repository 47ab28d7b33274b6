"""Every page on a real server, driven over the websocket as a browser drives it (the client the
rerun benchmark uses), and the map shapes the pages reference, fetched from that server."""

from __future__ import annotations

import json
import urllib.request

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from testing import rerun as server_rerun

PAGES = [("", "date=2023-04-01&n=3"), ("prefecture", "pref=01&date=2023-04-01&n=3"), ("talent", ""),
         ("progress", ""), ("data", "")]


def elements(msgs: list[ForwardMsg]) -> list:
    return [m.delta.new_element for m in msgs
            if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "new_element"]


@pytest.mark.parametrize(("page", "query"), PAGES)
def test_every_page_reruns_on_the_real_server_without_an_exception(server, page, query):
    with server_rerun.Session(server, cache=False) as ws:  # every element in full, each run
        first = elements(server_rerun.rerun_messages(ws, query, page)[2])
        again = elements(server_rerun.rerun_messages(ws, query, page)[2])
    assert not [e for e in first + again if e.WhichOneof("type") == "exception"]
    kinds = [e.WhichOneof("type") for e in again]
    assert kinds == [e.WhichOneof("type") for e in first], "a warm rerun draws the same page"
    assert "alert" in kinds  # the sample banner
    assert len(kinds) > 20
    # The timing helper bench/app_bench.py uses runs on the same protocol.
    with server_rerun.Session(server) as ws:
        seconds, size = server_rerun.rerun(ws, query, page)
    assert seconds > 0 and size > 1000


def test_map_shapes_are_served_by_the_app_and_not_resent_on_a_rerun(server):
    with server_rerun.Session(server, cache=False) as ws:
        msgs = server_rerun.rerun_messages(ws, "date=2023-04-01&n=3", "")[2]
    maps = [json.loads(e.plotly_chart.spec) for e in elements(msgs) if e.WhichOneof("type") == "plotly_chart"]
    refs = {t["geojson"] for spec in maps for t in spec["data"] if t.get("type") == "choropleth"}
    assert len(refs) == 1 and next(iter(refs)).startswith("app/static/geo/"), refs
    # No rerun message carries the shapes themselves: they travel once, by URL.
    assert not [m for m in msgs if b"FeatureCollection" in m.SerializeToString()]
    with urllib.request.urlopen(f"{server}/{next(iter(refs))}", timeout=30) as r:
        shapes = json.loads(r.read())
    assert len(shapes["features"]) == 47
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in shapes["features"])
