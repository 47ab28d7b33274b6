"""Geometry for maps: WKB from the warehouse → simplified GeoJSON small enough to send."""

from __future__ import annotations

import json

import shapely
import streamlit as st

from dashboard.db import query

# Tolerances in degrees (~1 km at 0.01). Prefecture maps stay under 300 KB, municipality maps under 2 MB.
PREFECTURE_TOLERANCE = 0.01
MUNICIPALITY_TOLERANCE = 0.004
COORD_DIGITS = 3


def _feature_collection(codes, blobs, tolerance: float) -> dict:
    features = []
    for code, blob in zip(codes, blobs, strict=True):
        if blob is None:
            continue
        geom = shapely.from_wkb(bytes(blob))
        geom = shapely.simplify(geom, tolerance, preserve_topology=True)
        geom = shapely.set_precision(geom, 10**-COORD_DIGITS)
        if geom.is_empty:
            continue
        # simplify/set_precision keep orientation poorly; plotly needs clockwise outer rings.
        geom = shapely.orient_polygons(geom, exterior_cw=True)
        features.append({"type": "Feature", "id": code, "properties": {}, "geometry": shapely.geometry.mapping(geom)})
    return {"type": "FeatureCollection", "features": features}


@st.cache_data(show_spinner=False, max_entries=8)
def prefecture_geojson(v: str) -> dict:
    df = query(v, "SELECT prefecture_code, geometry FROM prefectures ORDER BY prefecture_code")
    return _feature_collection(df.prefecture_code, df.geometry, PREFECTURE_TOLERANCE)


@st.cache_data(show_spinner=False, max_entries=64)
def municipality_geojson(v: str, prefecture_code: str | None = None) -> dict:
    """Municipality polygons (all, or one prefecture's); empty when boundaries are not loaded."""
    df = query(v, """SELECT lg_code, geometry FROM municipalities
                     WHERE geometry IS NOT NULL AND ($pref IS NULL OR prefecture_code = $pref)
                     ORDER BY lg_code""", {"pref": prefecture_code})
    tolerance = MUNICIPALITY_TOLERANCE if prefecture_code is None else MUNICIPALITY_TOLERANCE / 4
    return _feature_collection(df.lg_code, df.geometry, tolerance)


def payload_bytes(obj) -> int:
    """Size of a figure or GeoJSON as JSON, for the payload budgets."""
    if hasattr(obj, "to_json"):
        return len(obj.to_json().encode("utf-8"))
    return len(json.dumps(obj, ensure_ascii=False).encode("utf-8"))
