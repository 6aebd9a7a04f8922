"""Writes of the service-group mapping (staff, SPEC section 6): which meter category counts for
which service group. Credits depend on it, so every change recomputes the current season after
commit."""

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from seasons.models import Season

from . import jobs
from .models import ServiceGroupMapping


def service_group_set(
    *, meter_category: str, service_group: str
) -> tuple[ServiceGroupMapping, bool]:
    """Map a meter category (any case) to a group; an existing mapping of it is changed. Credits
    depend on it, so the current season is recomputed after commit."""
    category = meter_category.strip()
    if not category:
        raise DomainError(_("The meter category is empty."))
    with transaction.atomic():
        mapping, created = ServiceGroupMapping.objects.update_or_create(
            category_key=category.casefold(),
            defaults={"meter_category": category, "service_group": service_group},
        )
        _recompute_current_season()
    return mapping, created


def service_group_delete(*, mapping: ServiceGroupMapping) -> None:
    with transaction.atomic():
        mapping.delete()
        _recompute_current_season()


def _recompute_current_season() -> None:
    season = Season.objects.current()
    if season is not None:
        jobs.credits_compute_on_commit(season_id=season.pk)
