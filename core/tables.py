"""The portal's tables (django-tables2): the base every list table derives from and the columns
that show figures as people read them.

One template gives every table its look (`templates/tables/table.html`): the `table-wrap` frame,
a `<caption>` (or the table's `aria-label`), `scope="col"` headers, sort links that keep the
filters and go back to the first page (`aria-sort` on the sorted column), an `empty` row, and the
portal's pager below. Numbers go through `core.formatting` in the active language and sit
right-aligned in `num` cells; a cell without a value shows "–".

Views build a table from a selector (and a FilterSet where the page filters) and configure it
with `RequestConfig(request, paginate={"per_page": N})`: `?sort=` orders, `?page=` pages. Only
one table of a page paginates, so `?page=` stays the name bookmarks know."""

import django_tables2 as tables
from django.core.paginator import Paginator
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime

from . import formatting

NUM = {"th": {"class": "num"}, "td": {"class": "num"}}
NOWRAP = {"td": {"class": "nowrap"}}
EMPTY = "–"


class Table(tables.Table):
    """The base of the portal's tables. `caption` is text or safe HTML shown above the rows;
    subclasses whose caption counts rows define it as a property (the count is known after
    pagination: `self.paginator.count`)."""

    caption = None

    class Meta:
        template_name = "tables/table.html"
        default = EMPTY

    def __init__(self, data, *, caption=None, **kwargs):
        super().__init__(data, **kwargs)
        if caption is not None:
            self.caption = caption

    @property
    def total(self) -> int:
        """The number of rows on every page together."""
        paginator = getattr(self, "paginator", None)
        return paginator.count if paginator is not None else len(self.rows)

    def page_records(self) -> list:
        """The records of the page shown. A queryset's page is fetched once: the rendering
        reuses these objects, so what a view attaches to them (conflicts, sentences) is seen."""
        return [row.record for row in self.paginated_rows]


class CountedPaginator(Paginator):
    """A paginator told the number of rows by a query the page runs anyway (the totals, the counts
    of the tabs), so paging adds no COUNT query:
    `RequestConfig(request, paginate={"paginator_class": CountedPaginator, "count": n, ...})`."""

    def __init__(self, *args, count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.count = count  # Paginator.count is a cached property: this is its value


def _with_attrs(kwargs: dict, attrs: dict) -> dict:
    kwargs.setdefault("attrs", attrs)
    return kwargs


class NumberColumn(tables.Column):
    """Points, ranks and counts: `1.270` / `1,270`, right-aligned."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **_with_attrs(kwargs, NUM))

    def render(self, value):
        return formatting.number(value)


class PointsColumn(NumberColumn):
    """Points as the portal highlights them (`<span class="points">`)."""

    def render(self, value):
        return format_html('<span class="points">{}</span>', formatting.number(value))


class EuroColumn(tables.Column):
    """Money: `1.234,56 €` / `€1,234.56`, right-aligned."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **_with_attrs(kwargs, NUM))

    def render(self, value):
        return formatting.money(value)


def short_date(value) -> str:
    """A date, or the day of a moment in the current time zone, as the `date` filter shows it
    with `SHORT_DATE_FORMAT`: `31.05.2025` / `2025-05-31`."""
    return date_format(template_localtime(value), "SHORT_DATE_FORMAT")


def short_datetime(value) -> str:
    return date_format(template_localtime(value), "SHORT_DATETIME_FORMAT")


class DateColumn(tables.Column):
    """A date (or the day of a moment) in the short format of the active language."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **_with_attrs(kwargs, NOWRAP))

    def render(self, value):
        return short_date(value)


class DateTimeColumn(DateColumn):
    def render(self, value):
        return short_datetime(value)


def second_line(first, second, *, mono: bool = False):
    """A cell's value with a muted small line below it (`name<br>detail`), as the pages show a
    company with its pseudonym or a customer with its tenant ID."""
    if second in (None, ""):
        return first
    return format_html(
        '{}<br><span class="muted small{}">{}</span>', first, " mono" if mono else "", second
    )


def _lazy_html(build) -> SafeString:
    # Headers are built when a table class is defined; their words are translated when shown.
    return lazy(build, SafeString)()


def hidden_header(text) -> SafeString:
    """A header only screen readers read (above a column of buttons)."""
    return _lazy_html(lambda: format_html('<span class="visually-hidden">{}</span>', text))


def header_with_note(text, note) -> SafeString:
    """A header with a small second line (`Booking month` / `free months`)."""
    return _lazy_html(lambda: format_html('{}<br><span class="small">{}</span>', text, note))
