"""The filter of the staff's registrations (django-filter): `?status=`, pending unless another
status is asked for (also for a broken value)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Partner


class RegistrationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Partner.Status.choices, empty_label=None
    )

    class Meta:
        model = Partner
        fields = ()

    @property
    def status_shown(self) -> str:
        self.is_valid()  # fills cleaned_data with the filters that are valid
        return self.form.cleaned_data.get("status") or Partner.Status.PENDING

    def filter_queryset(self, queryset):
        self.form.cleaned_data["status"] = self.status_shown
        return super().filter_queryset(queryset)
