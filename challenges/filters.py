"""The filters of the claim lists (django-filter), read from the query string. The parameter names
are the ones bookmarks and links use (`?status=`, `?challenge=`, `?partner=`, `?league=`,
`?older_than=`, `?order=`); a broken value is ignored, as if it were not there."""

from datetime import timedelta

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import Partner
from seasons.models import League

from .models import Challenge, Claim
from .staff_forms import STATUS_ALL, STATUS_OPEN

ORDER_OLDEST = "oldest"
ORDER_NEWEST = "newest"


class IntegerFilter(django_filters.Filter):
    field_class = forms.IntegerField


class ClaimQueueFilter(django_filters.FilterSet):
    """The staff review queue: open claims (submitted or waiting for the partner) unless another
    status is asked for, oldest first unless `order=newest`."""

    status = django_filters.ChoiceFilter(
        label=_("Status"), empty_label=None, method="filter_status"
    )
    challenge = django_filters.ChoiceFilter(
        label=_("Challenge"), field_name="challenge__code", empty_label=_("all challenges")
    )
    partner = django_filters.ModelChoiceFilter(
        label=_("Partner"), queryset=Partner.objects.none(), empty_label=_("all partners")
    )
    league = django_filters.ModelChoiceFilter(
        label=_("League"),
        field_name="partner__league",
        queryset=League.objects.none(),
        empty_label=_("all leagues"),
    )
    older_than = IntegerFilter(
        label=_("Older than (days)"), min_value=0, max_value=3650, method="filter_older_than"
    )
    order = django_filters.ChoiceFilter(
        label=_("Order"),
        empty_label=None,
        choices=[(ORDER_OLDEST, _("oldest first")), (ORDER_NEWEST, _("newest first"))],
        method="filter_order",
    )

    class Meta:
        model = Claim
        fields = ()

    def __init__(self, data=None, queryset=None, *, season, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["status"].extra["choices"] = [
            (STATUS_OPEN, _("open (submitted or question to the partner)")),
            *Claim.Status.choices,
            (STATUS_ALL, _("all")),
        ]
        self.filters["challenge"].extra["choices"] = [
            (c.code, f"{c.code} – {c.title}") for c in Challenge.objects.filter(season=season)
        ]
        self.filters["partner"].queryset = Partner.objects.filter(season=season).order_by("name")
        self.filters["league"].queryset = League.objects.filter(season=season).order_by("name")

    @property
    def status_shown(self) -> str:
        """The status shown: the one asked for, else `open` (also for a broken value)."""
        self.is_valid()  # fills cleaned_data with the filters that are valid
        return self.form.cleaned_data.get("status") or STATUS_OPEN

    def filter_queryset(self, queryset):
        # The default status applies also when none (or a broken one) is given.
        self.form.cleaned_data["status"] = self.status_shown
        return super().filter_queryset(queryset)

    def filter_status(self, queryset, name, value):
        if value == STATUS_OPEN:
            return queryset.filter(status__in=Claim.OPEN)
        if value == STATUS_ALL:
            return queryset
        return queryset.filter(status=value)

    def filter_older_than(self, queryset, name, value):
        return queryset.filter(submitted_at__lte=timezone.now() - timedelta(days=value))

    def filter_order(self, queryset, name, value):
        if value == ORDER_NEWEST:
            return queryset.order_by("-submitted_at", "-pk")
        return queryset.order_by("submitted_at", "pk")


class ClaimFilter(django_filters.FilterSet):
    """The company's claims by status (the tabs of its claims page); no status shows all."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=Claim.Status.choices)

    class Meta:
        model = Claim
        fields = ()

    @property
    def status_shown(self) -> str:
        self.is_valid()
        return self.form.cleaned_data.get("status") or ""
