from datetime import date
from decimal import Decimal

import pytest

from challenges.models import Challenge
from seasons.models import League, Season
from tests.factories import LeagueFactory, SeasonFactory


@pytest.mark.django_db
def test_fresh_database_holds_season_2024_25_with_catalogue_and_settings():
    season = Season.objects.get(slug="2024-25")
    assert (season.start_date, season.end_date, season.registration_deadline) == (
        date(2024, 9, 1),
        date(2025, 5, 31),
        date(2024, 8, 31),
    )
    assert season.new_customer_cap_eur == Decimal("10000")
    assert season.new_customer_partner_cap_eur == Decimal("30000")
    assert season.workload_cap_eur == Decimal("20000")
    assert season.workload_partner_cap_eur == Decimal("60000")
    assert season.points_cap_eur == Decimal("10000")
    assert season.eur_per_point == Decimal("1")
    assert season.existing_customer_min_usd == Decimal("100")
    assert (season.academy_seats, season.academy_seat_eur) == (3, Decimal("249"))
    assert season.vat_rate == Decimal("19")  # SPEC 5
    points = dict(season.challenges.values_list("code", "points"))
    assert points == {
        "academy": 30,
        "first_customer_bonus": 200,
        "sql_lead": 20,
        "sales_meeting": 50,
        "presales_sizing": 100,
        "new_customer": 200,
        "svc_security": 200,
        "svc_analytics_ai": 200,
        "svc_databases": 200,
        "svc_avd": 200,
    }
    assert Season.objects.current() == season  # the only season, so the latest


@pytest.mark.django_db
def test_current_season_is_the_active_one_else_the_latest():
    later = SeasonFactory(is_active=False, start_date=date(2030, 9, 1), end_date=date(2031, 5, 31))
    assert Season.objects.current() == later
    marked = SeasonFactory(is_active=True)
    assert Season.objects.current() == marked


@pytest.mark.django_db
def test_staff_copies_a_season_with_settings_catalogue_and_leagues(staff_client):
    source = Season.objects.get(slug="2024-25")
    source.workload_cap_eur = Decimal("25000")
    source.vat_rate = Decimal("7")
    source.save()
    LeagueFactory(season=source, name="Profi-Liga", criterion="Ab 50.000 € Umsatz.")
    Challenge.objects.filter(season=source, code="sql_lead").update(points=25)
    form = staff_client.get(f"/staff/seasons/{source.pk}/copy/")
    assert form.status_code == 200
    assert form.context["form"].initial["slug"] == "2025-26"
    response = staff_client.post(
        f"/staff/seasons/{source.pk}/copy/",
        {
            "name": "2025/26",
            "slug": "2025-26",
            "start_date": "2025-09-01",
            "end_date": "2026-05-31",
            "registration_deadline": "2025-08-31",
        },
    )
    assert response.status_code == 302
    copy = Season.objects.get(slug="2025-26")
    assert copy.workload_cap_eur == Decimal("25000")
    assert copy.vat_rate == Decimal("7")
    assert copy.challenges.get(code="sql_lead").points == 25
    assert copy.challenges.count() == source.challenges.count()
    assert League.objects.get(season=copy, name="Profi-Liga").criterion == "Ab 50.000 € Umsatz."
    # The source season is untouched.
    assert source.challenges.count() == 10 and source.leagues.count() == 1


@pytest.mark.django_db
def test_season_copy_refuses_bad_dates_and_duplicate_slugs(staff_client):
    source = Season.objects.get(slug="2024-25")
    url = f"/staff/seasons/{source.pk}/copy/"
    before = Season.objects.count()
    bad_dates = staff_client.post(
        url,
        {
            "name": "x",
            "slug": "x",
            "start_date": "2025-09-01",
            "end_date": "2025-08-01",
            "registration_deadline": "2025-08-31",
        },
    )
    assert "end_date" in bad_dates.context["form"].errors
    dup = staff_client.post(
        url,
        {
            "name": "x",
            "slug": "2024-25",
            "start_date": "2025-09-01",
            "end_date": "2026-05-31",
            "registration_deadline": "2025-08-31",
        },
    )
    assert "slug" in dup.context["form"].errors
    assert Season.objects.count() == before


@pytest.mark.django_db
def test_staff_marks_a_season_current(staff_client, season):
    old = Season.objects.get(slug="2024-25")
    staff_client.post(f"/staff/seasons/{old.pk}/activate/")
    assert Season.objects.current() == old
    assert Season.objects.filter(is_active=True).count() == 1
