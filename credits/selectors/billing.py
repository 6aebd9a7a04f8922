"""What the staff billing pages read: the imports of a season, its billed months, the meter
categories of recent imports that no service group names."""

from decimal import Decimal

from seasons.models import Season

from ..models import BilledMonth, BillingImport, ServiceGroupMapping


def billing_import_list(*, season: Season | None):
    return BillingImport.objects.filter(season=season).select_related("uploaded_by")


def billed_month_list(*, season: Season | None):
    """The season's billed months in calendar order (the page lists them as a calendar reads,
    "Billed so far: 2024-10, 2024-11"), each with the import that last billed it."""
    return (
        BilledMonth.objects.filter(season=season).select_related("billing_import").order_by("month")
    )


def unclassified_list(*, season: Season | None, imports: int = 5) -> list[dict]:
    """Meter categories without a service group in the latest successful imports, by the newest
    import that had them (summing over imports would count a re-imported month twice)."""
    mapped = set(ServiceGroupMapping.objects.values_list("category_key", flat=True))
    latest = BillingImport.objects.filter(
        season=season, status=BillingImport.Status.SUCCEEDED
    ).order_by("-finished_at", "-pk")[:imports]
    seen: dict[str, dict] = {}
    for billing_import in latest:
        for entry in billing_import.unclassified:
            key = entry["category"].casefold()
            if key in mapped or key in seen:
                continue
            seen[key] = {**entry, "amount": Decimal(entry["amount"]), "import": billing_import}
    return sorted(seen.values(), key=lambda e: (-e["amount"], e["category"]))
