"""core.formatting: the one path for numbers people read (issue 9, section 5). Pure functions
first (no database), then the template filters in the active language."""

import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core import formatting

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("amount", "de", "en"),
    [
        ("920", "920,00 €", "€920.00"),
        ("1234.56", "1.234,56 €", "€1,234.56"),
        ("1234.565", "1.234,57 €", "€1,234.57"),  # half-up, once
        ("0.005", "0,01 €", "€0.01"),
        ("-1234.5", "-1.234,50 €", "-€1,234.50"),
        ("1234567.8", "1.234.567,80 €", "€1,234,567.80"),
        (0, "0,00 €", "€0.00"),
    ],
)
def test_money(amount, de, en):
    assert formatting.money(Decimal(amount), "de") == de
    assert formatting.money(Decimal(amount), "en") == en


def test_whole_euros_for_caps():
    assert formatting.whole_eur(Decimal("30000"), "de") == "30.000 €"
    assert formatting.whole_eur(Decimal("30000"), "en") == "€30,000"
    assert formatting.money(Decimal("249.50"), "de", 0) == "250 €"


@pytest.mark.parametrize(
    ("value", "de", "en"),
    [(0, "0", "0"), (999, "999", "999"), (1270, "1.270", "1,270"), (-15000, "-15.000", "-15,000")],
)
def test_points_and_counts_have_thousands_separators(value, de, en):
    assert formatting.number(value, "de") == de
    assert formatting.number(value, "en") == en


def test_signed_points_as_on_the_statement():
    assert formatting.number(1270, "de", signed=True) == "+1.270"
    assert formatting.number(-200, "de", signed=True) == "-200"
    assert formatting.number(0, "de", signed=True) == "0"


def test_usd_and_percent():
    assert formatting.usd(Decimal("1234.5"), "de") == "1.234,50 USD"
    assert formatting.usd(Decimal("1234.5"), "en") == "1,234.50 USD"
    assert formatting.percent(19, "de") == "19 %"
    assert formatting.percent(19, "en") == "19%"
    assert formatting.percent(Decimal("7.5"), "de", 1) == "7,5 %"


@pytest.mark.parametrize(
    ("size", "de", "en"),
    [
        (0, "0 Bytes", "0 bytes"),
        (1, "1 Byte", "1 byte"),
        (1023, "1.023 Bytes", "1,023 bytes"),
        (1536, "1,5 KB", "1.5 KB"),
        (10 * MB, "10 MB", "10 MB"),
        (int(10.5 * MB), "10,5 MB", "10.5 MB"),
        # Just above the evidence limit: rounded up, never "10 MB; at most 10 MB".
        (10 * MB + 1, "10,1 MB", "10.1 MB"),
        # Just below a unit: not "1.024 KB".
        (MB - 1, "1 MB", "1 MB"),
        (4 * 1024 * MB, "4 GB", "4 GB"),
    ],
)
def test_file_sizes(size, de, en):
    assert formatting.file_size(size, "de") == de
    assert formatting.file_size(size, "en") == en


def test_the_active_language_decides_when_none_is_given():
    with translation.override("de"):
        assert formatting.money(Decimal("1234.56")) == "1.234,56 €"
        assert formatting.number(1270) == "1.270"
    with translation.override("en"):
        assert formatting.money(Decimal("1234.56")) == "€1,234.56"
        assert formatting.file_size(int(10.5 * MB)) == "10.5 MB"
    with translation.override(None):
        assert formatting.number(1270) == "1.270"  # German outside any language


amounts = st.decimals(
    min_value=Decimal("-99999999"), max_value=Decimal("99999999"), places=3, allow_nan=False
)


@given(amounts)
def test_german_money_reads_back_as_the_rounded_amount(amount):
    text = formatting.money(amount, "de")
    assert re.fullmatch(r"-?\d{1,3}(\.\d{3})*,\d\d €", text), text
    back = Decimal(text.removesuffix(" €").replace(".", "").replace(",", "."))
    assert back == amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@given(amounts)
def test_english_money_reads_back_as_the_rounded_amount(amount):
    text = formatting.money(amount, "en")
    assert re.fullmatch(r"-?€\d{1,3}(,\d{3})*\.\d\d", text), text
    back = Decimal(text.replace("€", "").replace(",", ""))
    assert back == amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_german_numbers_group_by_three(value):
    text = formatting.number(value, "de")
    assert re.fullmatch(r"-?\d{1,3}(\.\d{3})*", text), text
    assert int(text.replace(".", "")) == value


def render(source: str, language: str, **context) -> str:
    with translation.override(language):
        return Template("{% load portal %}" + source).render(Context(context))


def test_the_template_filters_follow_the_active_language():
    source = (
        "{{ amount|eur }} | {{ cap|eur0 }} | {{ points|num }} | {{ entry|signed }} | "
        "{{ size|filesize }} | {{ usd|usd }} | {{ vat|percent }}"
    )
    values = {
        "amount": Decimal("1234.56"),
        "cap": Decimal("30000"),
        "points": 1270,
        "entry": 1270,
        "size": int(10.5 * MB),
        "usd": Decimal("100"),
        "vat": 19,
    }
    assert render(source, "de", **values) == (
        "1.234,56 € | 30.000 € | 1.270 | +1.270 | 10,5 MB | 100,00 USD | 19 %"
    )
    assert render(source, "en", **values) == (
        "€1,234.56 | €30,000 | 1,270 | +1,270 | 10.5 MB | 100.00 USD | 19%"
    )


def test_the_filters_show_nothing_for_a_missing_value():
    assert render(
        "[{{ none|eur }}{{ none|num }}{{ blank|filesize }}]", "de", none=None, blank=""
    ) == ("[]")


def test_a_plural_keeps_its_form_and_shows_the_grouped_number():
    source = (
        "{% load i18n %}{% blocktranslate count n=value with points=value|num %}"
        "{{ points }} point{% plural %}{{ points }} points{% endblocktranslate %}"
    )
    assert render(source, "en", value=1270) == "1,270 points"
    assert render(source, "en", value=1) == "1 point"
    # The msgid is the one the catalogue has: German finds it and groups the German way.
    assert render(source, "de", value=1270) == "1.270 Punkte"
    assert render(source, "de", value=1) == "1 Punkt"
