"""The service-group mapping page: staff map an unclassified meter category, change or remove a
mapping; credits are recomputed after each change."""

from decimal import Decimal

import pytest
from celery import current_app
from django.urls import reverse
from django.utils import translation

from credits import jobs
from credits.models import ServiceGroup, ServiceGroupMapping
from credits.selectors.billing import unclassified_list
from tests.conftest import client_for
from tests.credits.helpers.billing_files import csv_text, import_bytes, line
from tests.factories import PartnerFactory

URL = reverse("credits:staff-service-groups")


@pytest.fixture(autouse=True)
def _english_and_private_media(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "en"
    translation.activate("en")


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr(
        current_app.tasks[jobs.CREDITS_COMPUTE], "delay", lambda **kw: calls.append(kw)
    )
    return calls


@pytest.fixture
def imported(season, tmp_path, enqueued):
    PartnerFactory(season=season, partner_id="1111111")
    result = import_bytes(
        season,
        tmp_path,
        csv_text(
            [
                line("1111111", category="Azure Monitor", amount="4"),
                line("1111111", category="Azure Monitor", amount="6.125"),
                line("1111111", category="Virtual Machines", amount="100"),
                line("1111111", category="Key Vault", amount="1"),
            ]
        ),
    )
    enqueued.clear()
    return result


@pytest.mark.django_db
def test_the_page_lists_the_seeded_mapping_and_the_unclassified_categories(staff_client, imported):
    staff_client.cookies["django_language"] = "en"
    response = staff_client.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    for category in ("Microsoft Defender for Cloud", "Azure OpenAI", "Redis Cache"):
        assert category in body
    unclassified = response.context["unclassified"]
    assert [(u["category"], u["rows"], u["amount"]) for u in unclassified] == [
        ("Virtual Machines", 1, Decimal("100.00")),
        ("Azure Monitor", 2, Decimal("10.13")),
    ]
    assert unclassified[0]["import"] == imported


@pytest.mark.django_db
def test_staff_map_an_unclassified_category(
    staff_client, imported, django_capture_on_commit_callbacks, enqueued
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            URL, {"meter_category": "azure monitor", "service_group": ServiceGroup.SECURITY}
        )

    assert response.status_code == 302
    mapping = ServiceGroupMapping.objects.get(category_key="azure monitor")
    assert mapping.service_group == ServiceGroup.SECURITY
    assert [u["category"] for u in staff_client.get(URL).context["unclassified"]] == [
        "Virtual Machines"
    ]
    assert enqueued == [{"season_id": imported.season_id}]
    # The import's own report marks it as mapped now.
    page = staff_client.get(reverse("credits:staff-billing-import", kwargs={"pk": imported.pk}))
    assert [u["mapped"] for u in page.context["unclassified"]] == [False, True]


@pytest.mark.django_db
def test_changing_a_mapping_moves_the_category_without_a_duplicate(
    staff_client, season, django_capture_on_commit_callbacks, enqueued
):
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(URL, {"meter_category": "KEY VAULT", "service_group": "databases"})

    mappings = ServiceGroupMapping.objects.filter(category_key="key vault")
    assert mappings.count() == 1
    assert mappings.get().service_group == ServiceGroup.DATABASES
    assert mappings.get().meter_category == "KEY VAULT"
    assert enqueued == [{"season_id": season.pk}]


@pytest.mark.django_db
def test_staff_remove_a_mapping(staff_client, season, django_capture_on_commit_callbacks, enqueued):
    mapping = ServiceGroupMapping.objects.get(category_key="sentinel")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(URL, {"action": "delete", "mapping": mapping.pk})
    assert response.status_code == 302
    assert not ServiceGroupMapping.objects.filter(category_key="sentinel").exists()
    assert enqueued == [{"season_id": season.pk}]


@pytest.mark.django_db
def test_an_invalid_mapping_is_refused(staff_client, season, enqueued):
    count = ServiceGroupMapping.objects.count()
    response = staff_client.post(URL, {"meter_category": "  ", "service_group": "gaming"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"meter_category", "service_group"}
    assert ServiceGroupMapping.objects.count() == count
    assert enqueued == []


@pytest.mark.django_db
def test_the_form_is_prefilled_from_an_import_report(staff_client, season):
    response = staff_client.get(URL, {"category": "Azure Monitor"})
    assert response.context["form"].initial["meter_category"] == "Azure Monitor"


@pytest.mark.django_db
def test_the_newest_import_decides_a_category_s_figures(season, tmp_path, enqueued):
    PartnerFactory(season=season, partner_id="1111111")
    import_bytes(season, tmp_path, csv_text([line("1111111", category="Backup", amount="1")]))
    newer = import_bytes(
        season,
        tmp_path,
        csv_text([line("1111111", category="backup", amount="2", day="2024-11-01")]),
    )
    assert [
        (u["category"], u["amount"], u["import"]) for u in unclassified_list(season=season)
    ] == [("backup", Decimal("2.00"), newer)]


@pytest.mark.django_db
def test_partner_users_get_403(alice, season):
    mapping = ServiceGroupMapping.objects.first()
    assert client_for(alice).get(URL).status_code == 403
    response = client_for(alice).post(URL, {"action": "delete", "mapping": mapping.pk})
    assert response.status_code == 403
    assert ServiceGroupMapping.objects.filter(pk=mapping.pk).exists()
