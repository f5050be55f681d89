"""District boundaries from the city's shipped GeoJSON, ready to draw without any tile server.

The map is drawn as plain filled shapes on hidden axes (an equirectangular projection scaled by the
cosine of the city's latitude, which is true to shape at city scale). No web map, no tiles, no
topojson: nothing is fetched from anywhere, which many city networks (and this machine) require.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from portal.city import DATA, CityProfile

SIMPLIFY_DEGREES = 0.00015  # about 10-15 m: invisible at city scale, a tenth of the points


@dataclass(frozen=True)
class District:
    code: str
    name: str
    rings: tuple[tuple[tuple[float, ...], tuple[float, ...]], ...]  # projected (x, y) of each outer ring
    centre: tuple[float, float]  # projected label point
    lonlat_centre: tuple[float, float]


@dataclass(frozen=True)
class Boundaries:
    districts: tuple[District, ...]
    scale: float  # cos(latitude): x = lon * scale, y = lat

    def project(self, lon, lat):
        return np.asarray(lon, dtype=float) * self.scale, np.asarray(lat, dtype=float)


def boundaries(city: CityProfile) -> Boundaries:
    spec = city.boundaries
    return _load(str(DATA / spec["file"]), spec.get("code_property", "code"), spec.get("name_property", "name"),
                 tuple(sorted(city.districts.items())))


@lru_cache(maxsize=8)
def _load(path: str, code_property: str, name_property: str, names: tuple) -> Boundaries:
    with open(path, encoding="utf-8") as fh:
        collection = json.load(fh)
    known = dict(names)
    lats = []
    features = []
    for feature in collection.get("features", []):
        props = feature.get("properties") or {}
        code = str(props.get(code_property, "")).strip()
        geometry = feature.get("geometry") or {}
        polygons = geometry.get("coordinates", [])
        if geometry.get("type") == "Polygon":
            polygons = [polygons]
        elif geometry.get("type") != "MultiPolygon":
            continue
        outer = [np.asarray(poly[0], dtype=float) for poly in polygons if poly]
        features.append((code, known.get(code) or str(props.get(name_property, code)), outer))
        lats.extend(ring[:, 1].mean() for ring in outer)
    scale = math.cos(math.radians(float(np.mean(lats)))) if lats else 1.0
    districts = []
    for code, name, outer in features:
        rings = []
        for ring in outer:
            simple = _simplify(ring, SIMPLIFY_DEGREES)
            rings.append((tuple(np.round(simple[:, 0] * scale, 6)), tuple(np.round(simple[:, 1], 6))))
        largest = max(outer, key=_area)
        lon, lat = _label_point(largest)
        districts.append(District(code=code, name=name, rings=tuple(rings), centre=(lon * scale, lat),
                                  lonlat_centre=(lon, lat)))
    districts.sort(key=lambda d: (len(d.code), d.code))
    return Boundaries(districts=tuple(districts), scale=scale)


def _area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))) / 2


def _label_point(ring: np.ndarray) -> tuple[float, float]:
    """The area centroid of a ring (inside for the compact shapes of districts)."""
    x, y = ring[:, 0], ring[:, 1]
    cross = x * np.roll(y, -1) - np.roll(x, -1) * y
    area = cross.sum() / 2
    if abs(area) < 1e-12:
        return float(x.mean()), float(y.mean())
    cx = ((x + np.roll(x, -1)) * cross).sum() / (6 * area)
    cy = ((y + np.roll(y, -1)) * cross).sum() / (6 * area)
    return float(cx), float(cy)


def _simplify(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker simplification of one ring (keeps first and last point)."""
    if len(points) < 5:
        return points
    keep = np.zeros(len(points), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        start, end = stack.pop()
        if end <= start + 1:
            continue
        a, b = points[start], points[end]
        seg = points[start + 1:end]
        d = b - a
        norm = math.hypot(*d)
        if norm == 0:
            dist = np.hypot(*(seg - a).T)
        else:
            dist = np.abs(d[0] * (seg[:, 1] - a[1]) - d[1] * (seg[:, 0] - a[0])) / norm
        i = int(np.argmax(dist))
        if dist[i] > tolerance:
            mid = start + 1 + i
            keep[mid] = True
            stack.append((start, mid))
            stack.append((mid, end))
    simple = points[keep]
    return simple if len(simple) >= 4 else points


def district_of_points(city: CityProfile, lon, lat) -> np.ndarray:
    """The district code of each point (empty string outside every district): point in polygon."""
    bounds = boundaries(city)
    x, y = bounds.project(lon, lat)
    out = np.full(len(x), "", dtype=object)
    for district in bounds.districts:
        for rx, ry in district.rings:
            inside = _inside(x, y, np.asarray(rx), np.asarray(ry))
            out[inside & (out == "")] = district.code
    return out


def _inside(x, y, rx, ry) -> np.ndarray:
    inside = np.zeros(len(x), dtype=bool)
    j = len(rx) - 1
    for i in range(len(rx)):
        crosses = ((ry[i] > y) != (ry[j] > y)) & (x < (rx[j] - rx[i]) * (y - ry[i]) / (ry[j] - ry[i] + 1e-300) + rx[i])
        inside ^= crosses
        j = i
    return inside
