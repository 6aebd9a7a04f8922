"""A season as the pure rules take it: its period, its caps and rate, its billed months."""

from datetime import date

from .. import eligibility as rules
from ..models import BilledMonth


def period_of(season) -> rules.Period:
    return rules.Period(start=season.start_date, end=season.end_date)


def rates_of(season) -> rules.Rates:
    return rules.Rates(
        new_customer_cap=season.new_customer_cap_eur,
        new_customer_partner_cap=season.new_customer_partner_cap_eur,
        workload_cap=season.workload_cap_eur,
        workload_partner_cap=season.workload_partner_cap_eur,
        existing_customer_min_usd=season.existing_customer_min_usd,
        usd_per_eur=season.usd_per_eur,
    )


def billed_months(season) -> list[date]:
    return list(BilledMonth.objects.filter(season=season).values_list("month", flat=True))
