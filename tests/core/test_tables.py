"""core.tables and templates/tables/table.html: the one look of the portal's tables — a caption or
an aria-label, headers with scope="col" whose sort links keep the filters and go back to the first
page, figures right-aligned in the active language, an empty row, the pager."""

import re
from datetime import date
from decimal import Decimal

import django_tables2 as tables
import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_tables2 import RequestConfig

from core.tables import DateColumn, EuroColumn, NumberColumn, Table, hidden_header

# Rendering runs the context processors, which ask for the current season.
pytestmark = pytest.mark.django_db

ROWS = [
    {"name": f"Firma {i:02d}", "points": 1000 + i, "credit": Decimal("1234.5") + i}
    for i in range(30)
]


class Example(Table):
    name = tables.Column(verbose_name=_("Company"))
    points = NumberColumn(verbose_name=_("Points"))
    credit = EuroColumn(verbose_name=_("Credit"))
    action = tables.Column(verbose_name=hidden_header(_("Actions")), empty_values=())

    class Meta(Table.Meta):
        empty_text = _("No claims match these filters.")

    caption = _("Imports")

    def render_action(self, record):
        return "…"


def render(table, url, language):
    request = RequestFactory().get(url)
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    with translation.override(language):
        return Template("{% load django_tables2 %}{% render_table table %}").render(
            Context({"table": table, "request": request})
        )


def cells(html: str, css: str) -> list[str]:
    return re.findall(rf'<td class="{css}">([^<]*)</td>', html)


def test_headers_caption_and_figures_in_german():
    html = render(Example(ROWS), "/list/?status=open", "de")
    assert '<div class="table-wrap">' in html and "<caption>Importe</caption>" in html
    assert html.count('<th scope="col"') == 4
    assert '<span class="visually-hidden">Aktionen</span>' in html
    assert cells(html, "num")[:4] == ["1.000", "1.234,50 €", "1.001", "1.235,50 €"]
    assert len(re.findall(r"<tr[ >]", html)) == 1 + 25  # header, one page


def test_figures_and_headers_follow_the_active_language():
    html = render(Example(ROWS), "/list/", "en")
    assert cells(html, "num")[:2] == ["1,000", "€1,234.50"]
    assert "<caption>Imports</caption>" in html
    assert '<span class="visually-hidden">Actions</span>' in html


def test_a_sort_link_keeps_the_filters_and_returns_to_the_first_page():
    html = render(Example(ROWS), "/list/?status=open&page=2&sort=-points", "en")
    [points] = re.findall(r'<th scope="col" ([^>]*)>\s*<a href="([^"]*)">Points', html)
    attributes, link = points
    assert 'aria-sort="descending"' in attributes and "desc" in attributes
    assert link == "?status=open&amp;sort=points"
    assert cells(html, "num")[0] == "1,004"  # page 2 of the descending order: 1029 … 1005, 1004
    [company] = re.findall(r'<a href="([^"]*)">Company', html)
    assert "page=" not in company and "status=open" in company


def test_the_pager_keeps_the_filters_and_the_order():
    html = render(Example(ROWS), "/list/?status=open&sort=name", "en")
    [next_page] = re.findall(r'href="([^"]*)" rel="next"', html)
    assert next_page == "?status=open&amp;sort=name&amp;page=2"
    assert "Page 1 of 2" in html


def test_an_empty_table_says_so_across_all_columns():
    html = render(Example([]), "/list/", "de")
    assert '<td colspan="4" class="empty">Keine Meldungen entsprechen diesen Filtern.</td>' in html
    assert 'rel="next"' not in html


@pytest.mark.parametrize(("language", "shown"), [("de", "31.05.2025"), ("en", "2025-05-31")])
def test_dates_in_the_short_format_of_the_language(language, shown):
    class Dates(Table):
        day = DateColumn(verbose_name=_("Date"))

        class Meta(Table.Meta):
            pass

    html = render(Dates([{"day": date(2025, 5, 31)}]), "/", language)
    assert f'<td class="nowrap">{shown}</td>' in html
