"""The offices' rate table page renders its rate cells in Python (templatetags/stats.py) and
computes rates only for the rows of the page shown: the same HTML as the template include it
replaces, in both languages, at a fraction of the CPU."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from .. import measures, views
from ..measures import OfficeRow, Rate

# The include the tag replaces (templates/analytics/includes/rate.html, as it was).
INCLUDE = (
    '{% load i18n %}{% if rate.value is None %}<span class="stats-thin" title="{% blocktranslate with '
    'n=rate.whole min=rate.minimum %}仅 {{ n }} 件，少于 {{ min }} 件不计算比率{% endblocktranslate %}">'
    '{% translate "样本不足" %}</span>{% else %}<span data-rate="{{ rate.value }}">{{ rate.percent }}%</span> '
    '<small class="muted">{{ rate.part }}/{{ rate.whole }}</small>{% endif %}'
)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_rate_cell_is_the_html_the_include_rendered(language: str) -> None:
    # given rates with and without the minimum sample, in both languages
    rates = [Rate(3, 4, 5), Rate(0, 0, 5), Rate(7, 9, 5), Rate(1234, 1500, 5), Rate(0, 12, 5), Rate(5, 5, 1)]
    with translation.override(language):
        for rate in rates:
            # when the tag and the include render it
            tag = Template("{% load stats %}{% rate_cell rate %}").render(Context({"rate": rate}))
            include = Template(INCLUDE).render(Context({"rate": rate}))
            # then the same HTML
            assert tag == include, rate
    with translation.override("en"):
        assert "Only 4 cases" in Template("{% load stats %}{% rate_cell rate %}").render(
            Context({"rate": Rate(3, 4, 5)})
        )


def test_only_the_rows_of_the_page_shown_have_their_rates_computed() -> None:
    # given 120 offices sorted by cases received
    rows = [OfficeRow(organisation_id=i, name=f"第{i}办", sums={"received": 200 - i, "due": 9}) for i in range(120)]
    rows = measures.offices_sorted(rows, "received")

    # when the second page is made
    page, ranked = views._ranked(rows, "received", "2")
    assert page.number == 2

    # then its 50 rows are ranked 51-100 with their rates, and no other row's rates were computed
    assert [item["rank"] for item in ranked] == list(range(51, 101))
    assert [item["row"].organisation_id for item in ranked] == list(range(50, 100))
    assert all(item["rates"]["resolved_on_time_rate"].whole == 9 for item in ranked)
    computed = {r.organisation_id for r in rows if "rates" in r.__dict__}
    assert computed == set(range(50, 100))
