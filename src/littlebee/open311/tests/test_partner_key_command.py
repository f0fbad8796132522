"""`littlebee partner_key "<partner name>"` prints a key that works once, stored only hashed."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from littlebee.cases.tests.factories import World
from littlebee.open311.models import ApiKey

from .conftest import Keyed, post_request

pytestmark = pytest.mark.django_db


def test_the_command_prints_a_key_that_posts(w: World, web: Client, keyed: Keyed) -> None:
    # given
    out, err = StringIO(), StringIO()

    # when
    call_command("partner_key", "顺丰速运", "--quota", "5", stdout=out, stderr=err)
    raw = out.getvalue().strip()

    # then
    key = ApiKey.objects.get(key_hash=hashlib.sha256(raw.encode()).hexdigest())
    assert key.partner == keyed.partner
    assert key.daily_quota == 5
    assert raw not in {k.key_hash for k in ApiKey.objects.all()}
    assert key.prefix in err.getvalue()
    response = post_request(web, {"service_code": "garbage", "lat": "30.55", "long": "114.30"}, key=raw)
    assert response.status_code == 201, response.content


def test_an_unknown_partner_is_refused_with_the_known_ones(w: World, keyed: Keyed) -> None:
    # when
    with pytest.raises(CommandError) as refused:
        call_command("partner_key", "美团", stdout=StringIO())

    # then
    assert "顺丰速运" in str(refused.value)
    assert ApiKey.objects.count() == 1


def test_a_quota_out_of_range_is_refused(w: World, keyed: Keyed) -> None:
    # when / then
    with pytest.raises(CommandError):
        call_command("partner_key", "顺丰速运", "--quota", "0", stdout=StringIO())
    assert ApiKey.objects.count() == 1
