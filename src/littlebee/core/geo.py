"""Geographic helpers. Inside the platform every coordinate is WGS-84."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.templatetags.static import static

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def valid_lat_lng(lat: float, lng: float) -> bool:
    return math.isfinite(lat) and math.isfinite(lng) and -90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0


def bounding_box(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lng, max_lng) of a box that contains the circle."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    dlng = math.degrees(radius_m / (EARTH_RADIUS_M * cos_lat))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


def map_config() -> dict[str, Any]:
    """What the map script needs, given to it as JSON (json_script), never as code. Every map
    (stations, reports, the staff map) draws on the same tiles."""
    return {
        "tileUrl": settings.HIVES_MAP_TILE_URL,
        "attribution": settings.HIVES_MAP_TILE_ATTRIBUTION,
        "subdomains": settings.HIVES_MAP_TILE_SUBDOMAINS,
        "coordinates": settings.HIVES_MAP_COORDINATES,
        "center": list(settings.HIVES_MAP_CENTER),
        # Leaflet's marker images at their served (hashed, in production) names: Leaflet's own
        # guess from leaflet.css fails on hashed names (static/js/map-setup.js).
        "icons": {
            "iconUrl": static("vendor/leaflet/images/marker-icon.png"),
            "iconRetinaUrl": static("vendor/leaflet/images/marker-icon-2x.png"),
            "shadowUrl": static("vendor/leaflet/images/marker-shadow.png"),
        },
    }
