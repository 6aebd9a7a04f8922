"""The staff's registrations as a django-tables2 table (core.tables). Columns, their order and their
German and English headers are those of the page before."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.tables import NOWRAP, Table, hidden_header, second_line, short_datetime


class RegistrationTable(Table):
    """Registered companies of one status (`filters.RegistrationFilter`), oldest first."""

    name = tables.Column(verbose_name=_("Company"), order_by=("name", "pk"))
    partner_id = tables.Column(
        verbose_name=_("Partner ID"), order_by=("partner_id", "pk"), attrs={"td": {"class": "mono"}}
    )
    customer_number = tables.Column(
        verbose_name=_("Customer number"),
        order_by=("customer_number", "pk"),
        attrs={"td": {"class": "mono"}},
    )
    created_at = tables.Column(
        verbose_name=_("Registered at"), order_by=("created_at", "pk"), attrs=NOWRAP
    )
    league = tables.Column(verbose_name=_("League"), order_by=("league__name", "pk"))
    pseudonym = tables.Column(
        verbose_name=_("Pseudonym"), order_by=("pseudonym_number", "pk"), attrs=NOWRAP
    )
    review = tables.Column(
        verbose_name=hidden_header(_("Actions")), empty_values=(), orderable=False, attrs=NOWRAP
    )

    class Meta(Table.Meta):
        attrs = {"aria-label": _("Registrations")}
        empty_text = _("No registrations with this status.")

    def _url(self, record) -> str:
        return reverse("partners:staff-registration-detail", kwargs={"pk": record.pk})

    def render_name(self, record, value):
        return second_line(
            format_html('<a href="{}"><strong>{}</strong></a>', self._url(record), value),
            record.city,
        )

    def render_created_at(self, value):
        return short_datetime(value)

    def render_league(self, value):
        return value.name

    def render_review(self, record):
        pending = record.status == record.Status.PENDING
        return format_html(
            '<a class="button button-small{}" href="{}">{}</a>',
            "" if pending else " button-secondary",
            self._url(record),
            _("Review") if pending else _("Details"),
        )
