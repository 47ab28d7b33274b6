"""Boundaries from TopoJSON or GeoJSON (GDAL reads both), for municipalities or prefectures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import shapely

from etl.codes import normalize_text
from etl.report import Report
from etl.resolve import ResolveError, Resolver

MUNI_CODE_COLUMNS = ("lg_code", "lgcode", "N03_007", "lg_code_5", "code", "id")
PREF_CODE_COLUMNS = ("prefecture_code", "pref_code", "id", "code")
OUT_COLUMNS = ["level", "code", "geometry"]


def clean_geometry(geom) -> bytes:
    """Valid polygons with clockwise outer rings (plotly fills the wrong side otherwise), as WKB."""
    geom = shapely.make_valid(geom)
    if geom.geom_type == "GeometryCollection":
        geom = shapely.MultiPolygon([g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")
                                     for g in shapely.get_parts(g)])
    return shapely.to_wkb(shapely.orient_polygons(geom, exterior_cw=True))


def validate_boundaries(path: Path, resolver: Resolver) -> Report:
    import geopandas as gpd  # imported here: it is slow to import and only this loader needs it
    from pyogrio.errors import DataSourceError

    report = Report("boundaries", path.name)
    try:
        gdf = gpd.read_file(path)
    except (DataSourceError, ValueError, OSError) as exc:
        report.error(f"境界ファイルを読めません（TopoJSON / GeoJSON ではないか、壊れています: {type(exc).__name__}）")
        return report
    report.rows_read = len(gdf)
    if gdf.empty:
        report.error("境界ファイルに図形がありません")
        return report
    if gdf.crs is not None and not gdf.crs.is_geographic:
        gdf = gdf.to_crs(4326)
    if "is_hoppo_city" in gdf:
        hoppo = gdf["is_hoppo_city"].fillna(False).astype(bool)
        if hoppo.any():
            report.warn(f"北方領土の村（{int(hoppo.sum())}件）は1,741市区町村に含まれないため読み飛ばしました")
        gdf = gdf[~hoppo]

    level, column, codes = _detect(gdf, resolver)
    if level is None:
        report.error("団体コードの属性が見つかりません（lg_code、lg_code_5、N03_007、prefecture_code など）",
                     value="、".join(c for c in gdf.columns if c != "geometry"))
        return report
    rows = []
    for i, code in enumerate(codes):
        if code is None:
            report.error("団体コードが市区町村に当たりません", row=i + 1, column=column,
                         value=normalize_text(gdf[column].iloc[i]))
    if not report.ok:
        return report
    parts: dict[str, list] = {}
    for code, geom in zip(codes, gdf.geometry.values, strict=True):
        if geom is not None and not geom.is_empty:
            parts.setdefault(code, []).append(shapely.make_valid(geom))
    for code, geoms in sorted(parts.items()):
        geom = geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)  # N03 has many parts per code
        rows.append({"level": level, "code": code, "geometry": clean_geometry(geom)})
    universe = resolver.names if level == "municipality" else resolver.pref_names
    missing = set(universe) - {r["code"] for r in rows}
    if missing:
        report.warn(f"境界の無い{'市区町村' if level == 'municipality' else '都道府県'}が {len(missing)} あります")
    report.tables["boundaries"] = pd.DataFrame(rows, columns=OUT_COLUMNS)
    report.detail["単位"] = "市区町村" if level == "municipality" else "都道府県"
    report.detail["図形"] = f"{len(rows)} / {len(universe)}"
    return report


def _detect(gdf, resolver: Resolver):
    """(level, column, codes) for the first code column whose values resolve, else (None, None, [])."""
    for column in MUNI_CODE_COLUMNS:
        if column not in gdf:
            continue
        codes = [_muni(v, resolver) for v in gdf[column]]
        if sum(c is not None for c in codes) >= 0.9 * len(codes) and len(gdf) > 47:
            return "municipality", column, codes
    for column in PREF_CODE_COLUMNS:
        if column not in gdf:
            continue
        codes = []
        for v in gdf[column]:
            try:
                codes.append(resolver.prefecture(v))
            except ResolveError:
                codes.append(None)
        if sum(c is not None for c in codes) >= 0.9 * len(codes):
            return "prefecture", column, codes
    return None, None, []


def _muni(value, resolver: Resolver) -> str | None:
    try:
        code = resolver.code(value)
    except ResolveError:
        return None
    return resolver.ward_city.get(code, code) if code else None
