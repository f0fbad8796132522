"""selectors.community_covering, asked by every report submission (issue 13): compiled once per
process, each boundary's shape built once per boundary text, the community loaded as the ORM's
.only() read loaded it."""

from __future__ import annotations

from typing import Any

import pytest
import shapely.geometry

from littlebee.conftest import orm_compiles_watched
from littlebee.orgs import selectors
from littlebee.orgs.models import Region
from littlebee.orgs.services import region_set_boundary

from .factories import CityFactory, CommunityFactory, DistrictFactory, StreetFactory
from .test_locate import square

pytestmark = pytest.mark.django_db

FIELDS = ("id", "code", "name", "level", "parent_id", "lat", "lng", "boundary", "path")


def loaded(region: Region) -> dict[str, Any]:
    return {
        name: region.__dict__.get(name, "<deferred>")
        for name in ("id", *[f.attname for f in Region._meta.concrete_fields])
    }


def test_the_covering_community_is_loaded_as_the_orm_loaded_it_and_compiled_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given two neighbouring communities with boundaries, and overlapping boxes
    street = StreetFactory(parent=DistrictFactory(parent=CityFactory()))
    west: Any = CommunityFactory(parent=street, lat=30.55, lng=114.28)
    region_set_boundary(region=west, boundary=square(30.55, 114.28, half=0.012))
    east: Any = CommunityFactory(parent=street, lat=30.55, lng=114.30)
    region_set_boundary(region=east, boundary=square(30.55, 114.30))
    selectors.community_covering(30.552, 114.303)  # whatever is made once per process is made
    compiles = orm_compiles_watched(monkeypatch)
    shapes: list[Any] = []
    make_shape = selectors.shape

    def counted_shape(geojson: Any) -> Any:
        shapes.append(geojson)
        return make_shape(geojson)

    monkeypatch.setattr(selectors, "shape", counted_shape)

    # when points in each are located
    in_east = selectors.community_covering(30.552, 114.303)
    in_west = selectors.community_covering(30.552, 114.275)
    nowhere = selectors.community_covering(30.70, 114.50)
    compiled, shaped = list(compiles), list(shapes)

    # then each community is the one the ORM's read found, with the same fields loaded
    assert in_east is not None and in_west is not None and nowhere is None
    for match, region in ((in_east, east), (in_west, west)):
        orm = Region.objects.only(*FIELDS).get(pk=region.pk)
        assert loaded(match.community) == loaded(orm)
        assert (match.approximate, match.distance_m) == (False, 0.0)
    # and nothing was compiled again, and only the boundary not seen before was made a shape
    assert compiled == []
    assert len(shaped) <= 1
    assert isinstance(make_shape(west.boundary), shapely.geometry.Polygon)


def test_a_changed_boundary_is_a_new_shape() -> None:
    # given a community located once
    street = StreetFactory(parent=DistrictFactory(parent=CityFactory()))
    community: Any = CommunityFactory(parent=street, lat=30.55, lng=114.30)
    region_set_boundary(region=community, boundary=square(30.55, 114.30))
    assert selectors.community_covering(30.555, 114.305) is not None

    # when its boundary shrinks away from the point
    region_set_boundary(region=community, boundary=square(30.55, 114.30, half=0.002))

    # then the point is no longer in it
    assert selectors.community_covering(30.555, 114.305) is None
