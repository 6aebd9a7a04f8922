"""A fresh database holds season 2024/25 with the catalogue and settings of the terms."""

from datetime import date
from decimal import Decimal

from django.db import migrations

from challenges.catalogue import CATALOGUE


def create_season(apps, schema_editor):
    Season = apps.get_model("league", "Season")
    Challenge = apps.get_model("challenges", "Challenge")
    season, created = Season.objects.get_or_create(
        slug="2024-25",
        defaults={
            "name": "Azure Acceleration League 2024/25",
            "start_date": date(2024, 9, 1),
            "end_date": date(2025, 5, 31),
            "registration_deadline": date(2024, 8, 31),
            "new_customer_cap_eur": Decimal("10000"),
            "new_customer_partner_cap_eur": Decimal("30000"),
            "workload_cap_eur": Decimal("20000"),
            "workload_partner_cap_eur": Decimal("60000"),
            "points_cap_eur": Decimal("10000"),
            "eur_per_point": Decimal("1.00"),
            "existing_customer_min_usd": Decimal("100"),
            "academy_seats": 3,
            "academy_seat_eur": Decimal("249"),
        },
    )
    if not created:
        return
    for position, spec in enumerate(CATALOGUE):
        Challenge.objects.create(
            season=season,
            code=spec.code,
            title_de=spec.title_de,
            title_en=spec.title_en,
            description_de=spec.description_de,
            description_en=spec.description_en,
            points=spec.points,
            kind=spec.kind,
            counted_at_most=spec.counted_at_most,
            service_group=spec.service_group,
            position=position,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("challenges", "0001_initial"),
        ("league", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_season, migrations.RunPython.noop)]
