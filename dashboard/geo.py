"""Geometry for maps: WKB from the warehouse → simplified GeoJSON small enough to send.

Pages hand plotly a URL instead of the GeoJSON itself: the shapes are written once per content
(named by hash) under static/geo/, which Streamlit serves, so the browser fetches and caches them
and no rerun serialises or sends them again. Pictures (PNG, PowerPoint) get the GeoJSON inlined.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import shapely
import shapely.ops

from core import atomic
from dashboard import cache
from dashboard.cache import shared
from dashboard.db import query

log = logging.getLogger("dashboard")
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"  # served at app/static/ (config.toml)
GEO_DIR = STATIC_DIR / "geo"
# Relative, so it resolves under any server.baseUrlPath; every page path is one level deep.
GEO_URL = "app/static/geo/"

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


@shared(8)
def prefecture_geojson(v: str) -> dict:
    df = query(v, "SELECT prefecture_code, geometry FROM prefectures ORDER BY prefecture_code")
    return _feature_collection(df.prefecture_code, df.geometry, PREFECTURE_TOLERANCE)


@shared(64)
def municipality_geojson(v: str, prefecture_code: str | None = None) -> dict:
    """Municipality polygons (all, or one prefecture's); empty when boundaries are not loaded."""
    df = query(v, """SELECT lg_code, geometry FROM municipalities
                     WHERE geometry IS NOT NULL AND ($pref IS NULL OR prefecture_code = $pref)
                     ORDER BY lg_code""", {"pref": prefecture_code})
    tolerance = MUNICIPALITY_TOLERANCE if prefecture_code is None else MUNICIPALITY_TOLERANCE / 4
    return _feature_collection(df.lg_code, df.geometry, tolerance)


def prefecture_label_points(v: str) -> pd.DataFrame:
    """Where a prefecture's name goes on a map, and the frames of its parts: prefecture_code,
    name_short, lon, lat (a point well inside its largest part, away from the coast), west, south,
    east, north (that part's bounds) and isles_west … isles_north (the bounds of every part of at
    least 5% of its area: 沖縄本島 with 宮古・八重山, without the small 大東 islands). A map frames
    the main parts, so 東京都's 南鳥島 and 沖縄県's 先島 do not shrink Japan to a corner. Kept while
    the prefectures' names and polygons are unchanged (boundary_fingerprints)."""
    return _LABEL_POINTS.get_or_compute(boundary_fingerprints(v)[PREFECTURES], lambda: _label_points(v))


def _label_points(v: str) -> pd.DataFrame:
    df = query(v, "SELECT prefecture_code, name_short, geometry FROM prefectures ORDER BY prefecture_code")
    rows = []
    for blob in df.geometry:
        geom = shapely.from_wkb(bytes(blob)) if blob is not None else None
        if geom is None or geom.is_empty:
            rows.append((None,) * 10)
            continue
        parts = list(getattr(geom, "geoms", [geom]))
        main = max(parts, key=lambda g: g.area)
        point = shapely.ops.polylabel(main, tolerance=0.02)
        isles = shapely.MultiPolygon([g for g in parts if g.area >= 0.05 * main.area])
        rows.append((round(point.x, 3), round(point.y, 3), *(round(b, 3) for b in main.bounds),
                     *(round(b, 3) for b in isles.bounds)))
    out = pd.DataFrame(rows, columns=["lon", "lat", "west", "south", "east", "north",
                                      "isles_west", "isles_south", "isles_east", "isles_north"])
    return pd.concat([df[["prefecture_code", "name_short"]], out], axis=1)


def payload_bytes(obj) -> int:
    """Size of a figure or GeoJSON as JSON, for the payload budgets."""
    if hasattr(obj, "to_json"):
        return len(obj.to_json().encode("utf-8"))
    return len(json.dumps(obj, ensure_ascii=False).encode("utf-8"))


@dataclass(frozen=True)
class Shapes:
    """A map trace's geometry: `ref` is the URL of a served GeoJSON file or, when static/geo/
    cannot be written, the FeatureCollection itself; `ids` are its feature ids."""

    ref: str | dict
    ids: frozenset[str]

    def subset(self, codes) -> str | dict:
        """The geometry for a trace drawing only codes (an inline collection is cut down to them)."""
        if isinstance(self.ref, str):
            return self.ref  # plotly draws the features named by the trace's locations
        keep = set(codes)
        return {**self.ref, "features": [f for f in self.ref["features"] if f["id"] in keep]}


def publish(gj: dict, static_dir: Path = GEO_DIR) -> str | dict:
    """Write gj under static_dir once, named by its content hash; returns its URL (or gj itself
    when the folder cannot be written, so maps still draw, only with larger reruns)."""
    data = json.dumps(gj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    name = hashlib.sha256(data).hexdigest()[:20] + ".json"
    path = static_dir / name
    try:
        if not path.exists():
            static_dir.mkdir(parents=True, exist_ok=True)
            # readers see the whole file or none; a cache, rebuilt from the warehouse if lost (no fsync)
            with atomic.replacing(path, mode=0o644, durable=False) as tmp:
                tmp.write_bytes(data)
    except OSError as exc:
        log.warning("static/geo is not writable (%s): map shapes are sent inline", exc)
        return gj
    return GEO_URL + name


def local_file(ref: str) -> Path | None:
    """The file behind a GEO_URL reference (None for anything else)."""
    if not ref.startswith(GEO_URL):
        return None
    name = ref[len(GEO_URL):]
    return GEO_DIR / name if "/" not in name and name.endswith(".json") else None


def inline_spec(spec: dict) -> dict:
    """A figure's dict (go.Figure.to_dict(), changed in place) with every served GeoJSON reference
    replaced by the GeoJSON. The shapes go in after plotly copies the figure, so that the copy does
    not walk their tens of thousands of coordinate lists."""
    for trace in spec.get("data", []):
        ref = trace.get("geojson")
        path = local_file(ref) if isinstance(ref, str) else None
        if path is not None:
            trace["geojson"] = json.loads(path.read_text(encoding="utf-8"))
    return spec


def _shapes(gj: dict) -> Shapes:
    return Shapes(publish(gj), frozenset(f["id"] for f in gj["features"]))


def _still_served(shapes: Shapes | None, geojson) -> Shapes | None:
    """Writes the file again if someone cleared static/geo/ while the server ran (same name)."""
    path = local_file(shapes.ref) if shapes is not None and isinstance(shapes.ref, str) else None
    if path is not None and not path.exists():
        publish(geojson())
    return shapes


# Keyed by the boundaries' content (boundary_fingerprints), not by the warehouse version: a
# publish of survey or roster rows leaves the polygons alone, and simplifying them again was about
# a fifth of each prefecture page the watcher rebuilt after every publish (issue 16 §2 profile).
# Bounded by entries (47 prefectures, Japan and the prefecture outlines fit).
_PREFECTURE_SHAPES = cache.store("dashboard.geo.prefecture_shapes", 8, audit=False)
_MUNICIPALITY_SHAPES = cache.store("dashboard.geo.municipality_shapes", 64, audit=False)
_LABEL_POINTS = cache.store("dashboard.geo.prefecture_label_points", 8)
PREFECTURES = "prefectures"  # boundary_fingerprints' key for the prefecture polygons
ALL = "all"  # … and for every municipality's


@shared(8)
def boundary_fingerprints(v: str) -> dict[str, str]:
    """md5 of the polygons a map draws (codes and WKB, in code order): per prefecture_code for its
    municipalities, ALL for every municipality, PREFECTURES for the prefectures (with their short
    names, which the label points carry). Equal fingerprints, equal shapes, whichever version they
    were read from."""
    munis = query(v, """SELECT prefecture_code, md5(string_agg(lg_code || ':' || md5(geometry), ',' ORDER BY lg_code)) AS fp
                        FROM municipalities WHERE geometry IS NOT NULL GROUP BY prefecture_code ORDER BY 1""")
    prefs = query(v, """SELECT md5(coalesce(string_agg(prefecture_code || ':' || coalesce(name_short, '') || ':'
                                                       || coalesce(md5(geometry), '-'), ',' ORDER BY prefecture_code), ''))
                        AS fp FROM prefectures""")
    out = dict(zip(munis.prefecture_code, munis.fp, strict=True))
    whole = hashlib.md5(",".join(f"{k}:{fp}" for k, fp in out.items()).encode(), usedforsecurity=False).hexdigest()
    return {**out, ALL: whole, PREFECTURES: prefs.fp.iloc[0]}


def prefecture_shapes(v: str) -> Shapes:
    key = (PREFECTURES, boundary_fingerprints(v)[PREFECTURES])
    shapes = _PREFECTURE_SHAPES.get_or_compute(key, lambda: _shapes(prefecture_geojson(v)))
    return _still_served(shapes, lambda: prefecture_geojson(v))


def _municipality_shapes(v: str, prefecture_code: str | None) -> Shapes | None:
    gj = municipality_geojson(v, prefecture_code)
    return _shapes(gj) if gj["features"] else None


def municipality_shapes(v: str, prefecture_code: str | None = None) -> Shapes | None:
    """Municipality polygons (all, or one prefecture's); None when boundaries are not loaded."""
    scope = ALL if prefecture_code is None else prefecture_code
    key = (scope, boundary_fingerprints(v).get(scope))  # None: no polygons there (shapes None)
    shapes = _MUNICIPALITY_SHAPES.get_or_compute(key, lambda: _municipality_shapes(v, prefecture_code))
    return _still_served(shapes, lambda: municipality_geojson(v, prefecture_code))
