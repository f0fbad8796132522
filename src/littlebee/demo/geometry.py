"""Plausible, deterministic region shapes: Voronoi cells of centroids clipped to a parent area.

All the work happens in a flat kilometre frame around the city centre (good enough over a
city), so cells are not stretched east-west; results go back out as WGS-84 GeoJSON.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import MultiPoint, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import voronoi_diagram

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LNG_EQUATOR = 111.320
# Coordinates are stored with six decimals (~0.1 m).
PRECISION_DEG = 1e-6


@dataclass(frozen=True)
class Frame:
    """A local equirectangular projection: (lat, lng) <-> (x km east, y km north)."""

    lat0: float
    lng0: float

    @property
    def _kx(self) -> float:
        return KM_PER_DEG_LNG_EQUATOR * math.cos(math.radians(self.lat0))

    def to_xy(self, lat: float, lng: float) -> tuple[float, float]:
        return (lng - self.lng0) * self._kx, (lat - self.lat0) * KM_PER_DEG_LAT

    def to_lat_lng(self, x: float, y: float) -> tuple[float, float]:
        return self.lat0 + y / KM_PER_DEG_LAT, self.lng0 + x / self._kx

    def to_geojson(self, geometry: BaseGeometry) -> dict[str, Any]:
        """WGS-84 GeoJSON (lng, lat), rounded to six decimals and still valid."""
        kx = self._kx

        def to_lng_lat(coords: Any) -> Any:
            out = coords.copy()
            out[:, 0] = self.lng0 + coords[:, 0] / kx
            out[:, 1] = self.lat0 + coords[:, 1] / KM_PER_DEG_LAT
            return out

        wgs84 = shapely.set_precision(shapely.transform(geometry, to_lng_lat), PRECISION_DEG)
        rounded = _rounded(mapping(wgs84))
        if not shape(rounded).is_valid:  # pragma: no cover - snapping already made it valid
            rounded = _rounded(mapping(shapely.make_valid(shape(rounded))))
        return rounded

    def from_geojson(self, geojson: dict[str, Any]) -> BaseGeometry:
        """The inverse of to_geojson: WGS-84 GeoJSON (lng, lat) into this frame's kilometres."""
        kx = self._kx

        def to_xy(coords: Any) -> Any:
            out = coords.copy()
            out[:, 0] = (coords[:, 0] - self.lng0) * kx
            out[:, 1] = (coords[:, 1] - self.lat0) * KM_PER_DEG_LAT
            return out

        return shapely.transform(shape(geojson), to_xy)


def _rounded(value: Any) -> Any:
    """GeoJSON with lists instead of tuples and floats cut to six decimals."""
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(item) for item in value]
    if isinstance(value, float):
        return round(value, 6)
    return value


def disc(centre: tuple[float, float], radius_km: float) -> Polygon:
    return Point(centre).buffer(radius_km, quad_segs=8)


def voronoi_cells(points: list[tuple[float, float]], clip: BaseGeometry) -> list[BaseGeometry]:
    """The Voronoi cell of each point, in the order given, intersected with `clip`."""
    if len(points) == 1:
        return [clip]
    min_x, min_y, max_x, max_y = clip.bounds
    margin = max(max_x - min_x, max_y - min_y) + 1.0
    envelope = clip.envelope.buffer(margin)
    cells = list(voronoi_diagram(MultiPoint(points), envelope=envelope).geoms)
    result: list[BaseGeometry] = []
    for point in points:
        p = Point(point)
        cell = next(c for c in cells if c.covers(p))
        result.append(cell.intersection(clip))
    return result


def scatter(
    rng: random.Random,
    *,
    area: BaseGeometry,
    centre: tuple[float, float],
    radius_km: float,
    count: int,
    min_gap_km: float,
    fixed: dict[int, tuple[float, float]] | None = None,
) -> list[tuple[float, float]]:
    """`count` points inside `area`, within `radius_km` of `centre`, kept apart from each other.

    Points in `fixed` (index -> xy) are taken as given; the others are drawn around them.
    """
    fixed = fixed or {}
    chosen: dict[int, tuple[float, float]] = dict(fixed)
    inner = area.buffer(-min_gap_km / 4) if area.area > (min_gap_km**2) else area
    if inner.is_empty:
        inner = area
    shapely.prepare(inner)  # many point-in-polygon tests follow
    for index in range(count):
        if index in chosen:
            continue
        gap = min_gap_km
        point: tuple[float, float] | None = None
        min_x, min_y, max_x, max_y = inner.bounds
        for attempt in range(800):
            if attempt and attempt % 200 == 0:
                gap /= 2  # crowded: accept closer neighbours rather than fail
            if attempt < 400:
                angle = rng.uniform(0, 2 * math.pi)
                distance = radius_km * math.sqrt(rng.random())
                candidate = (
                    centre[0] + distance * math.cos(angle),
                    centre[1] + distance * math.sin(angle),
                )
            else:  # the circle hardly overlaps the area: draw from the whole area
                candidate = (rng.uniform(min_x, max_x), rng.uniform(min_y, max_y))
            if not shapely.contains_xy(inner, *candidate):
                continue
            if all(math.dist(candidate, other) >= gap for other in chosen.values()):
                point = candidate
                break
        if point is None:  # pragma: no cover - only with absurd inputs
            rep = inner.representative_point()
            point = (rep.x, rep.y)
        chosen[index] = point
    return [chosen[i] for i in range(count)]
