"""The filters of the staff credit lines (django-filter), read from the query string: `?partner=`
(id), `?kind=`, `?status=`, `?booking_month=YYYY-MM`. A broken value is ignored, as if it were
not there."""

from datetime import date

import django_filters
from django.utils.translation import gettext_lazy as _

from partners.models import Partner

from .models import CreditLine


class CreditLineFilter(django_filters.FilterSet):
    partner = django_filters.ModelChoiceFilter(
        label=_("Partner"), queryset=Partner.objects.none(), empty_label=_("all partners")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=CreditLine.Kind.choices, empty_label=_("all kinds")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=CreditLine.Status.choices, empty_label=_("all statuses")
    )
    booking_month = django_filters.ChoiceFilter(
        label=_("Booking month"), empty_label=_("all months"), method="filter_booking_month"
    )

    class Meta:
        model = CreditLine
        fields = ()

    def __init__(self, data=None, queryset=None, *, season, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["partner"].queryset = Partner.objects.filter(season=season).order_by("name")
        months = (
            CreditLine.objects.filter(season=season)
            .order_by("booking_month")
            .values_list("booking_month", flat=True)
            .distinct()
        )
        self.filters["booking_month"].extra["choices"] = [
            (f"{m:%Y-%m}", f"{m:%Y-%m}") for m in months
        ]

    def filter_booking_month(self, queryset, name, value):
        return queryset.filter(booking_month=date(int(value[:4]), int(value[5:7]), 1))
