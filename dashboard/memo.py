"""Figures built once per distinct inputs and shared by every rerun and session.

Building a plotly figure validates every property (tens of milliseconds); a warm rerun should
only send it. Arguments that Python can hash (versions, views, dates) are the key as they are;
DataFrames are hashed by content (Streamlit's cache), or a caller names a key that determines
them (see built). Cached values are shared and never changed:
st.plotly_chart serialises a copy, and the PNG export works on its own copy
(exports.png.export_figure); pages treat cached tables as read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from dashboard import cache

T = TypeVar("T")


# Values built for a key: (function name, key) -> value, the least recently used dropped beyond
# MAX_KEYED. Not st.cache_resource: Streamlit hashes a cached function's arguments with its own
# hasher on every call, and for these keys (the whole view) that was ~2 ms a call, most of what a
# warm rerun of the talent page spent outside Streamlit (issue 16 §1 profile). Keys are tuples of
# scalars and frozen dataclasses, so Python's hash is enough. A figure is built once however many
# sessions ask for it at the same moment (after a publish, every session's view is new).
MAX_KEYED = 512  # until a server's watcher sizes the store for its warehouse (size_for)
_keyed = cache.store("dashboard.memo.built", MAX_KEYED, audit=False)
# Figures of the views sessions open beyond those the watcher builds ahead. A prefecture page's
# bundle is ~350 KiB; with 512 places for everything, the store filled with random views for most
# of a 30-minute soak and the server's RSS grew with it (issue 16 §2). Views outside the prebuilt
# ones are spread thin (47 prefectures × base dates × 7 thresholds, regions, metrics), so a
# larger store buys few hits: 600 random views after the idle pass grew a server by 42 MiB with
# 96 places and by 23 MiB with 32 (an in-process simulation on the sample, one version).
SESSION_VIEWS = 32


def size_for(prebuilt: int) -> None:
    """Hold the figures a server builds ahead (prebuilt) and SESSION_VIEWS more, least recently
    used dropped first: a warm server's figures then take about all the memory they ever will."""
    _keyed.resize(prebuilt + SESSION_VIEWS)


@st.cache_resource(show_spinner=False, max_entries=512)
def _built_for_unhashable(name: str, key: tuple, _args: tuple, _kwargs: dict, _build: Callable[..., T]) -> T:
    return _build(*_args, **_kwargs)


def _built_for(name: str, key: tuple, args: tuple, kwargs: dict, build: Callable[..., T]) -> T:
    k = (name, key)
    try:
        hash(k)
    except TypeError:  # a key holding a list or a frame: Streamlit's hasher, by content
        return _built_for_unhashable(name, key, args, kwargs, build)
    return _keyed.get_or_compute(k, lambda: build(*args, **kwargs))


def built(build: Callable[..., T], *args, key: tuple | None = None, **kwargs) -> T:
    """build(*args, **kwargs), computed once for each distinct set of arguments.

    key: scalars that determine every argument (e.g. the warehouse version and the view, when
    the arguments are query results for them). The arguments are then not hashed, which for
    DataFrames costs more than building a small figure; a key that misses an input gives a stale
    figure, so pass the whole view rather than picking fields.
    """
    name = f"{build.__module__}.{build.__qualname__}"
    if key is None:  # the arguments are the key (frames among them: hashed by content)
        key = (args, tuple(sorted(kwargs.items())))
    return _built_for(name, key, args, kwargs, build)
