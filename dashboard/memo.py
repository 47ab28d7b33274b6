"""Figures built once per distinct inputs and shared by every rerun and session.

Building a plotly figure validates every property (tens of milliseconds); a warm rerun should
only send it. Arguments that Python can hash (versions, views, dates) are the key as they are;
DataFrames are hashed by content (Streamlit's cache), or a caller names a key that determines
them (see built). Cached values are shared and never changed:
st.plotly_chart serialises a copy, and the PNG export works on its own copy
(exports.png.export_figure); pages treat cached tables as read-only.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import TypeVar

import pandas as pd
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


# Parts of a view (a chart, a table) keyed by the content of what they are drawn from, not by the
# warehouse version: a publish makes every view's key new, yet most of what a view draws reads
# rows the publish did not touch (a prefecture's survey reloaded leaves the other 46 prefectures'
# maps, tables and peers as they were). After each publish every session's next view was cold
# and was built again in full, bunched in the seconds after it (issue 16 §2: the limit on
# sessions per server). With its parts here, such a view only reads its rows again.
BY_CONTENT_PER_VIEW = 12  # parts of a prefecture page (the largest view): map, tables, charts, KPIs
_by_content = cache.store("dashboard.memo.by_content", MAX_KEYED * BY_CONTENT_PER_VIEW, audit=False)
# Views share parts (a prefecture's trend is one part for all its base dates): the sample's 241
# views built ahead hold 2,373 parts, not 12 each. Measured after each idle pass (measure_parts);
# room sized at 12 a view stayed free after the pass and filled with the parts of sessions' random
# views through a 30-minute soak.
_parts_per_view = float(BY_CONTENT_PER_VIEW)


def size_for(prebuilt: int) -> None:
    """Hold the figures a server builds ahead (prebuilt) and SESSION_VIEWS more, least recently
    used dropped first: a warm server's figures then take about all the memory they ever will.
    The parts of the same views (by_content) are held the same way."""
    _keyed.resize(prebuilt + SESSION_VIEWS, room=SESSION_VIEWS)
    _by_content.resize(math.ceil(prebuilt * _parts_per_view) + SESSION_VIEWS * BY_CONTENT_PER_VIEW,
                       room=SESSION_VIEWS * BY_CONTENT_PER_VIEW)


def measure_parts(prebuilt: int) -> None:
    """Once the prebuilt views are all built and the parts only earlier versions drew are dropped:
    size the parts store for the parts those views hold, and SESSION_VIEWS views more."""
    global _parts_per_view
    if prebuilt:
        _parts_per_view = min(float(BY_CONTENT_PER_VIEW), len(_by_content.values) / prebuilt)
    size_for(prebuilt)


def content_digest(value: object) -> bytes:
    """A digest of value's content (dashboard.cache.canonical: each frame's columns, dtypes, index,
    values and attrs, not the frame's own pickle, which changes when pandas consolidates its blocks;
    dates, dataclasses and the rest as themselves). Equal digests, equal content; equal content laid
    out differently may digest differently, which costs a rebuild, never a wrong reuse."""
    return cache.digest(cache.canonical(value, _remembered))


# A frame's digest, remembered while the frame lives: the parts of one view read the same frames
# (a prefecture's rows go into its map, tables and KPIs; the nation's into every prefecture's
# chart), and a frame of every municipality takes ~1 ms to digest. Frames given to by_content are
# never changed afterwards (shared query results, or frames derived for one call); under
# DXGAP_CACHE_AUDIT=1 (the tests) each remembered digest is checked against the frame again.
_frame_digests = cache.PerObject()


def _remembered(frame: pd.DataFrame | pd.Series) -> tuple[str, bytes]:
    return ("digest", _frame_digest(frame))


def _frame_digest(frame: pd.DataFrame | pd.Series) -> bytes:
    found = _frame_digests.get(frame)
    if found is None:
        return _frame_digests.put(frame, cache.digest(cache.frame_content(frame)))
    if os.environ.get(cache.AUDIT_ENV) == "1" and cache.digest(cache.frame_content(frame)) != found:
        raise cache.SharedValueChanged("a frame given to by_content was changed afterwards")
    return found


def by_content(build: Callable[..., T], *args, **kwargs) -> T:
    """build(*args, **kwargs), computed once for each distinct content of the arguments, whichever
    warehouse version they were read from. build must be a pure function of its arguments (a chart
    or table builder: no query, no clock), and its result is shared: never change it."""
    name = f"{build.__module__}.{build.__qualname__}"
    key = (name, content_digest((args, sorted(kwargs.items()))))
    _used[key] = _epoch
    if len(_used) > 2 * _by_content.max_entries:  # no watcher drops parts here (tests, exports): forget the evicted
        for k in [k for k in list(_used) if k not in _by_content.values]:
            _used.pop(k, None)
    return _by_content.get_or_compute(key, lambda: build(*args, **kwargs))


# When each part was last asked for, in epochs (a server's watcher starts one per version it serves).
_epoch = 0
_used: dict[tuple, int] = {}


def new_epoch() -> int:
    """Start counting what is asked for from now on (a new version is served); returns the epoch."""
    global _epoch
    _epoch += 1
    return _epoch


def drop_parts_unused_since(epoch: int) -> int:
    """Forget the parts nothing has asked for since epoch began: once a new version's views are
    built ahead, the parts only the earlier versions drew would otherwise stay until pushed out,
    on top of the new ones (the memory a publish used to free at once). Returns how many."""
    dropped = _by_content.drop(lambda key: _used.get(key, -1) < epoch)
    for key in [k for k, e in list(_used.items()) if e < epoch]:
        _used.pop(key, None)
    return dropped


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
    the arguments are query results for them). The arguments are then not hashed on a rerun,
    which for DataFrames costs more than building a small figure; a key that misses an input
    gives a stale figure, so pass the whole view rather than picking fields. The first time a key
    is asked (e.g. after a publish) the value is looked up by the arguments' content (by_content),
    so an unchanged figure or table is not built again.
    """
    name = f"{build.__module__}.{build.__qualname__}"
    if key is None:  # the arguments are the key (frames among them: hashed by content)
        return _built_for(name, (args, tuple(sorted(kwargs.items()))), args, kwargs, build)
    return _built_for(name, key, (build, *args), kwargs, by_content)
