"""Boundaries from TopoJSON or GeoJSON (GDAL reads both), for municipalities or prefectures.

Everything is checked before anything is published, each problem with a Japanese reason:
- the geometry of every feature is read from GDAL's WKB by this module before GEOS sees it, so
  a point or line, NaN coordinates, a ring of fewer than 4 points or an unclosed ring is an
  error naming the feature, never a GEOS traceback;
- coordinates must lie in Japan's bounding box (longitude 122–154, latitude 20–46), which tells
  swapped latitude/longitude and projected metres apart from real shapes;
- each shape must lie where its code says: its centroid inside its prefecture's region (the
  coarse japanmap outline joined with the town halls of the prefecture's municipalities, so
  that far islands count, widened by REGION_TOLERANCE) or near its own town hall;
- a prefecture-level file needs all 47 prefectures, and a file with no shape is rejected.
"""

from __future__ import annotations

import json
import struct
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from core.policy import PREFECTURES
from etl.codes import normalize_text
from etl.report import Report
from etl.resolve import ResolveError, Resolver
from etl.values import cell_text

MUNI_CODE_COLUMNS = ("lg_code", "lgcode", "N03_007", "lg_code_5", "code", "id")
PREF_CODE_COLUMNS = ("prefecture_code", "pref_code", "id", "code")
OUT_COLUMNS = ["level", "code", "geometry"]

# Japan, with all its islands: 与那国島 122.9°E, 南鳥島 154.0°E, 沖ノ鳥島 20.4°N, 択捉島 45.6°N.
LNG_RANGE, LAT_RANGE = (122.0, 154.0), (20.0, 46.0)
# Degrees (0.1° is about 10 km). The japanmap outlines are coarse: the real Digital Agency files
# (1,741 municipalities, 47 prefectures) all pass with these, while a shape moved by 1° or
# carrying another prefecture's code almost never does (tests/test_etl_rejects.py).
REGION_TOLERANCE = 0.1
HALL_DISTANCE = 0.5  # centroid to the municipality's own town hall (large towns, far-off offices)
HALL_IN_SHAPE = 0.1  # the town hall within this distance of the shape (islands spread far apart)
_TYPE_NAMES = {1: "点（Point）", 2: "線（LineString）", 3: "Polygon", 4: "点の集まり（MultiPoint）",
               5: "線の集まり（MultiLineString）", 6: "MultiPolygon", 7: "図形の集まり（GeometryCollection）"}


class ShapeProblem(ValueError):
    """A feature's geometry cannot be used; the message is Japanese."""


def clean_geometry(geom) -> bytes:
    """Valid polygons with clockwise outer rings (plotly fills the wrong side otherwise), as WKB."""
    geom = shapely.make_valid(geom)
    if geom.geom_type == "GeometryCollection":
        geom = shapely.MultiPolygon([g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")
                                     for g in shapely.get_parts(g)])
    return shapely.to_wkb(shapely.orient_polygons(geom, exterior_cw=True))


def polygon_rings(wkb: bytes | None) -> list[np.ndarray]:
    """The rings of a 2-D Polygon or MultiPolygon WKB as (n, 2) arrays, checked: at least 4
    points, finite numbers, first point = last point. Raises ShapeProblem otherwise."""
    if wkb is None or len(wkb) < 9:
        raise ShapeProblem("図形がありません（geometry が空です）")
    rings: list[np.ndarray] = []

    def read(offset: int, allowed: tuple[int, ...]) -> int:
        order = "<" if wkb[offset] == 1 else ">"
        (gtype,) = struct.unpack_from(order + "I", wkb, offset + 1)
        gtype = (gtype & 0xFFFF) % 1000  # ISO (1003) and EWKB flags: 2-D anyway (read with force_2d)
        if gtype not in allowed:
            raise ShapeProblem(f"図形の種類が{_TYPE_NAMES.get(gtype, str(gtype))}です。境界には面"
                               "（Polygon / MultiPolygon）だけを使えます")
        (count,) = struct.unpack_from(order + "I", wkb, offset + 5)
        offset += 9
        if gtype == 6:
            for _ in range(count):
                offset = read(offset, (3,))
            return offset
        for _ in range(count):
            (points,) = struct.unpack_from(order + "I", wkb, offset)
            if offset + 4 + 16 * points > len(wkb):
                raise ShapeProblem("図形のデータが途中で切れています")
            rings.append(np.frombuffer(wkb, dtype=order + "f8", count=2 * points, offset=offset + 4).reshape(-1, 2))
            offset += 4 + 16 * points
        return offset

    try:
        read(0, (3, 6))
    except struct.error:
        raise ShapeProblem("図形のデータが途中で切れています") from None
    if not rings:
        raise ShapeProblem("図形がありません（座標のない面です）")
    for i, ring in enumerate(rings, start=1):
        check_ring(ring, f"{i}番目の輪（リング）" if len(rings) > 1 else "輪（リング）")
    return rings


def check_ring(ring: np.ndarray, which: str, shown: np.ndarray | None = None) -> None:
    """A ring has finite numbers, at least 4 points and ends where it starts; shown: the same
    points as the user wrote them, for the message (a TopoJSON arc may be quantized)."""
    shown = ring if shown is None else shown
    if not np.isfinite(ring).all():
        raise ShapeProblem(f"{which}の座標に数値でない値（NaN または無限大）があります")
    if len(ring) < 4:
        raise ShapeProblem(f"{which}の点が{len(ring)}点しかありません（閉じた輪には最初の点に戻る点を含めて4点以上が必要です）")
    if not (ring[0] == ring[-1]).all():
        raise ShapeProblem(f"{which}が閉じていません（最初の点 {_xy(shown[0])} と最後の点 {_xy(shown[-1])} が違います）")


def _xy(p) -> str:
    return f"({p[0]:.6g}, {p[1]:.6g})"


def bbox_problem(bounds: tuple[float, float, float, float]) -> str | None:
    """Why a shape with these bounds (min lng, min lat, max lng, max lat) is not in Japan, or None."""
    x0, y0, x1, y1 = bounds

    def inside(a0, a1, rng):
        return rng[0] <= a0 and a1 <= rng[1]

    if inside(x0, x1, LNG_RANGE) and inside(y0, y1, LAT_RANGE):
        return None
    where = f"経度 {x0:.6g}〜{x1:.6g}、緯度 {y0:.6g}〜{y1:.6g}"
    japan = f"日本の範囲（経度{LNG_RANGE[0]:g}〜{LNG_RANGE[1]:g}度、緯度{LAT_RANGE[0]:g}〜{LAT_RANGE[1]:g}度）"
    if inside(x0, x1, LAT_RANGE) and inside(y0, y1, LNG_RANGE):
        return f"座標が{japan}の外です（{where}）。緯度と経度が入れ替わっています。経度, 緯度の順で保存してください"
    if max(abs(x0), abs(x1), abs(y0), abs(y1)) > 360:
        return (f"座標が{japan}の外です（{where}）。メートル単位の投影座標（平面直角座標系・UTM など）のようです。"
                "経度・緯度（WGS84 / JGD2011、EPSG:4326）で保存してください")
    return f"座標が{japan}の外です（{where}）"


@cache
def _regions() -> dict[str, object]:
    """Per prefecture: the japanmap outline joined with the hull of its municipalities' town halls
    (far islands: 小笠原村, 奄美, 先島), widened by REGION_TOLERANCE; prepared for containment."""
    from etl import reference

    prefs = reference.prefectures()
    munis = reference.municipalities()
    out = {}
    for code, wkb in zip(prefs.prefecture_code, prefs.geometry, strict=True):
        m = munis[munis.prefecture_code == code]
        halls = shapely.convex_hull(shapely.multipoints(np.c_[m.lng.to_numpy(), m.lat.to_numpy()]))
        region = shapely.union(shapely.from_wkb(wkb), halls).buffer(REGION_TOLERANCE)
        shapely.prepare(region)
        out[code] = region
    return out


@cache
def _halls() -> dict[str, object]:
    from etl import reference

    munis = reference.municipalities()
    return dict(zip(munis.lg_code, shapely.points(np.c_[munis.lng.to_numpy(), munis.lat.to_numpy()]), strict=True))


def placement_problem(level: str, code: str, geom, resolver: Resolver) -> str | None:
    """Why a shape does not lie where its code says, or None."""
    pref = code if level == "prefecture" else resolver.pref_of[code]
    centroid = shapely.centroid(geom)
    if _regions()[pref].contains(centroid):
        return None
    if level == "municipality":
        hall = _halls()[code]
        if shapely.distance(centroid, hall) <= HALL_DISTANCE or shapely.distance(geom, hall) <= HALL_IN_SHAPE:
            return None
    name = resolver.pref_names[pref] if level == "prefecture" else resolver.pref_names[pref] + resolver.names[code]
    near = "" if level == "prefecture" else (
        f"、役場の位置 {_xy(shapely.get_coordinates(_halls()[code])[0])} からも約 "
        f"{shapely.distance(centroid, _halls()[code]) * 100:.0f} km 離れています")
    return (f"{name}（{code}）の図形の中心 {_xy(shapely.get_coordinates(centroid)[0])} が"
            f"{resolver.pref_names[pref]}の範囲の外です{near}。団体コードか座標が違っていないか確かめてください")


def _read(path: Path):
    """(crs, WKB list, field frame) over every layer (a TopoJSON object is a layer, and GDAL would
    read only the first), or a Japanese reason why GDAL cannot read the file."""
    import pyogrio
    from pyogrio import raw
    from pyogrio.errors import DataLayerError, DataSourceError

    crs, geoms, frames = None, [], []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL's own notes (e.g. "Non closed ring detected"): checked below
            for layer in pyogrio.list_layers(path)[:, 0]:
                meta, _, layer_geoms, fields = raw.read(path, layer=layer, force_2d=True)
                crs = crs or meta["crs"]
                geoms += list(layer_geoms)
                frames.append(pd.DataFrame({name: values for name, values in zip(meta["fields"], fields, strict=True)},
                                           index=range(len(layer_geoms))))
    except (DataSourceError, DataLayerError, ValueError, OSError) as exc:
        detail = normalize_text(str(exc))[:100]
        return f"境界ファイルを読めません（TopoJSON / GeoJSON ではないか、壊れています。GDAL: {detail}）"
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return crs, geoms, frame


def topojson_problems(path: Path) -> list[tuple[int, str, str]]:
    """Rings of a TopoJSON file as the file writes them, before GDAL (which closes open rings
    and drops geometries it cannot build): (geometry number, its code property, reason)."""
    try:
        topo = json.loads(Path(path).read_bytes())
    except (ValueError, OSError):
        return []  # not JSON at all: GDAL's reader explains
    if not isinstance(topo, dict) or topo.get("type") != "Topology" or not isinstance(topo.get("arcs"), list):
        return []
    arcs = topo["arcs"]
    transform = topo.get("transform")
    decoded: dict[int, np.ndarray] = {}

    def arc(i: int) -> np.ndarray:
        j = ~i if i < 0 else i
        if not 0 <= j < len(arcs):
            raise ShapeProblem(f"存在しない arc（{j}番。arcs は {len(arcs)} 本）を参照しています")
        if j not in decoded:
            try:
                points = np.asarray(arcs[j], dtype=float).reshape(-1, 2)
            except (TypeError, ValueError):
                raise ShapeProblem(f"arc {j}番の座標が数の組ではありません") from None
            decoded[j] = np.cumsum(points, axis=0) if transform else points  # quantized: deltas, compared as such
        return decoded[j][::-1] if i < 0 else decoded[j]

    def rings(geometry: dict) -> list[np.ndarray]:
        polys = geometry.get("arcs") or []
        polys = [polys] if geometry.get("type") == "Polygon" else polys
        out = []
        for poly in polys:
            for ring_arcs in poly:
                parts = [arc(int(i)) for i in ring_arcs]
                for a, b in zip(parts, parts[1:], strict=False):
                    if len(a) and len(b) and not (a[-1] == b[0]).all():
                        raise ShapeProblem("輪（リング）をつくる arc どうしがつながっていません")
                out.append(np.concatenate([parts[0], *[q[1:] for q in parts[1:]]]) if parts else np.empty((0, 2)))
        return out

    def _untransformed(ring: np.ndarray) -> np.ndarray:
        """Longitude/latitude of a quantized ring, for messages."""
        if not transform:
            return ring
        return ring * np.asarray(transform.get("scale", [1, 1]), dtype=float) + np.asarray(
            transform.get("translate", [0, 0]), dtype=float)

    problems: list[tuple[int, str, str]] = []
    number = 0

    def walk(geometry) -> None:
        nonlocal number
        if not isinstance(geometry, dict):
            return
        if geometry.get("type") == "GeometryCollection" and "geometries" in geometry:
            for g in geometry["geometries"]:
                walk(g)
            return
        number += 1
        props = geometry.get("properties") if isinstance(geometry.get("properties"), dict) else {}
        code = next((cell_text(props[c]) for c in (*MUNI_CODE_COLUMNS, *PREF_CODE_COLUMNS) if c in props),
                    cell_text(geometry.get("id")))
        try:
            if geometry.get("type") is None:
                raise ShapeProblem("図形がありません（type が null）")
            if geometry.get("type") in ("Polygon", "MultiPolygon"):
                for k, ring in enumerate(rings(geometry), start=1):
                    check_ring(ring, f"{k}番目の輪（リング）", _untransformed(ring))
        except ShapeProblem as exc:
            problems.append((number, code, str(exc)))

    for obj in (topo.get("objects") or {}).values():
        walk(obj)
    if number == 0:
        problems.append((0, "", "境界ファイルに図形がありません（図形が0件です）"))
    return problems


def validate_boundaries(path: Path, resolver: Resolver) -> Report:
    report = Report("boundaries", path.name)
    broken = topojson_problems(path)
    for number, code, reason in broken:
        report.error(f"{number}番目の図形: {reason}" if number else reason, row=number or None, value=code or None)
    if broken:
        return report
    read = _read(path)
    if isinstance(read, str):
        report.error(read)
        return report
    crs, geoms, gdf = read
    report.rows_read = len(geoms)
    numbers = np.arange(1, len(geoms) + 1)  # 1-based feature numbers, reported as rows
    if "is_hoppo_city" in gdf:
        hoppo = gdf["is_hoppo_city"].fillna(False).astype(bool).to_numpy()
        if hoppo.any():
            report.warn(f"北方領土の村（{int(hoppo.sum())}件）は1,741市区町村に含まれないため読み飛ばしました")
        gdf = gdf[~hoppo].reset_index(drop=True)
        geoms = [g for g, h in zip(geoms, hoppo, strict=True) if not h]
        numbers = numbers[~hoppo]
    if not geoms:
        report.error("境界ファイルに図形がありません（図形が0件です）")
        return report

    level, column, codes = _detect(gdf, resolver)
    if level is None:
        report.error("団体コードの属性が見つかりません（lg_code、lg_code_5、N03_007、prefecture_code など）",
                     value="、".join(gdf.columns))
        return report
    for number, code, raw_code in zip(numbers, codes, gdf[column], strict=True):
        if code is None:
            report.error("団体コードが市区町村に当たりません", row=int(number), column=column, value=cell_text(raw_code))

    shapes = _shapes(geoms, numbers, codes, column, gdf, crs, report)
    if not report.ok:
        return report
    if not shapes:
        report.error("境界ファイルに使える図形がありません（図形が0件です）")
        return report

    parts: dict[str, list] = {}
    for code, geom in shapes:
        parts.setdefault(code, []).append(shapely.make_valid(geom))
    rows = []
    for code, geoms_of_code in sorted(parts.items()):
        try:
            geom = geoms_of_code[0] if len(geoms_of_code) == 1 else shapely.union_all(geoms_of_code)  # N03: many parts
            wkb = clean_geometry(geom)
        except shapely.errors.GEOSException as exc:  # rings are checked above; this is the last guard
            report.error(f"{_label(level, code, resolver)}の図形を処理できません（{normalize_text(str(exc))[:100]}）",
                         column=column, value=code)
            continue
        cleaned = shapely.from_wkb(wkb)
        if cleaned.is_empty or cleaned.area == 0:
            report.error(f"{_label(level, code, resolver)}の図形に面積がありません（点が一直線に並んでいるなど）",
                         column=column, value=code)
            continue
        problem = placement_problem(level, code, cleaned, resolver)
        if problem:
            report.error(problem, column=column, value=code)
            continue
        rows.append({"level": level, "code": code, "geometry": wkb})
    universe = resolver.names if level == "municipality" else resolver.pref_names
    missing = sorted(set(universe) - {r["code"] for r in rows})
    if missing and level == "prefecture" and report.ok:
        report.error(f"都道府県の境界は{PREFECTURES}都道府県すべてが必要です。{len(missing)} 都道府県がありません"
                     f"（{'、'.join(resolver.pref_names[c] for c in missing)}）")
    elif missing and report.ok:
        report.warn(f"境界の無い市区町村が {len(missing)} あります（例: {'、'.join(resolver.names[c] for c in missing[:5])}）")
    report.tables["boundaries"] = pd.DataFrame(rows, columns=OUT_COLUMNS)
    report.detail["単位"] = "市区町村" if level == "municipality" else "都道府県"
    report.detail["図形"] = f"{len(rows)} / {len(universe)}"
    return report


def _label(level: str, code: str, resolver: Resolver) -> str:
    if level == "prefecture":
        return f"{resolver.pref_names.get(code, code)}（{code}）"
    return f"{resolver.pref_names[resolver.pref_of[code]]}{resolver.names[code]}（{code}）"


def _shapes(geoms, numbers, codes, column, gdf, crs, report: Report) -> list[tuple[str, object]]:
    """Each feature's geometry checked (type, rings, Japan's box), as (code, shapely geometry)."""
    transformer = None
    if crs:
        from pyproj import CRS, Transformer

        source = CRS.from_user_input(crs)
        if not source.is_geographic:
            transformer = Transformer.from_crs(source, 4326, always_xy=True)
    out = []
    for number, code, raw_code, wkb in zip(numbers, codes, gdf[column], geoms, strict=True):
        where = {"row": int(number), "column": column, "value": cell_text(raw_code)}
        try:
            polygon_rings(wkb)
        except ShapeProblem as exc:
            report.error(f"{number}番目の図形: {exc}", **where)
            continue
        geom = shapely.from_wkb(wkb)
        if transformer is not None:
            geom = shapely.transform(geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
        problem = bbox_problem(tuple(shapely.bounds(geom)))
        if problem:
            report.error(f"{number}番目の図形: {problem}", **where)
            continue
        if code is not None:
            out.append((code, geom))
    return out


def _detect(gdf, resolver: Resolver):
    """(level, column, codes) for the first code column whose values resolve, else (None, None, [])."""
    for column in MUNI_CODE_COLUMNS:
        if column not in gdf:
            continue
        codes = [_muni(v, resolver) for v in gdf[column]]
        # "code" and "id" may hold prefecture codes too: those need more shapes than prefectures
        if sum(c is not None for c in codes) >= 0.9 * len(codes) and (len(gdf) > PREFECTURES or column not in ("code", "id")):
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
