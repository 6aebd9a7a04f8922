"""The staff billing pages: upload in the browser, live progress, the import's report."""

import re
from datetime import timedelta

import pytest
from celery import current_app
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from credits import jobs
from credits.billing_import.lease import billing_import_claim
from credits.billing_import.run import billing_import_run
from credits.billing_import.upload import billing_import_create
from credits.models import BillingImport, UsageRow
from tests.credits.helpers.billing_files import CUSTOMER_B, csv_text, import_bytes, line
from tests.factories import PartnerFactory


@pytest.fixture(autouse=True)
def _english_and_private_media(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "en"
    translation.activate("en")
    # The credit computation is another module's concern; here it is only enqueued.
    monkeypatch.setattr(current_app.tasks[jobs.CREDITS_COMPUTE], "delay", lambda **kw: None)


@pytest.fixture
def alpha(season):
    return PartnerFactory(season=season, partner_id="1111111", name="Alpha GmbH")


def upload(client, content: bytes, name="Oktober.csv"):
    return client.post(
        reverse("credits:staff-billing"),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
        HTTP_ACCEPT_LANGUAGE="en",
    )


@pytest.mark.django_db
def test_staff_upload_a_file_and_see_the_report(
    staff_client, season, alpha, django_capture_on_commit_callbacks
):
    staff_client.cookies["django_language"] = "en"
    content = csv_text(
        [
            line("1111111"),
            line("1111111", category="Virtual Machines", amount="12.5"),
            line("9999999", customer=CUSTOMER_B),
        ]
    ).encode()

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client, content)

    billing_import = BillingImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "credits:staff-billing-import", kwargs={"pk": billing_import.pk}
    )
    assert billing_import.status == BillingImport.Status.SUCCEEDED
    assert UsageRow.objects.filter(partner=alpha).count() == 2

    page = staff_client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert "Oktober.csv" in body
    assert 'id="import-progress"' not in body  # done: no progress bar, the report
    assert "rows stored" in body
    assert "Virtual Machines" in body and "12.50" in body
    assert reverse("credits:staff-service-groups") in body

    listing = staff_client.get(reverse("credits:staff-billing")).content.decode()
    assert "Oktober.csv" in listing
    assert "October 2024" in listing  # the months billed so far


@pytest.mark.django_db
def test_a_refused_upload_shows_the_errors_with_line_numbers(
    staff_client, season, alpha, django_capture_on_commit_callbacks
):
    staff_client.cookies["django_language"] = "en"
    content = csv_text([line("1111111"), line("1111111", currency="USD")]).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client, content)

    body = staff_client.get(response["Location"]).content.decode()
    assert "The file was refused; nothing was stored." in body
    assert "BillingCurrency" in body and "USD" in body and "The currency must be EUR." in body
    assert ">3<" in body  # the line number
    assert not UsageRow.objects.exists()


@pytest.mark.django_db
def test_a_pending_import_shows_a_live_progress_bar(staff_client, season, alpha, tmp_path):
    staff_client.cookies["django_language"] = "en"
    path = tmp_path / "usage.csv"
    path.write_text(csv_text([line("1111111")]))
    billing_import = billing_import_create(season=season, path=path, enqueue=False)
    BillingImport.objects.filter(pk=billing_import.pk).update(
        status=BillingImport.Status.RUNNING, progress_bytes=billing_import.size_bytes // 2
    )

    body = staff_client.get(
        reverse("credits:staff-billing-import", kwargs={"pk": billing_import.pk})
    ).content.decode()
    assert 'id="import-progress"' in body
    assert "<progress" in body
    assert reverse("credits:staff-billing-progress", kwargs={"pk": billing_import.pk}) in body

    progress = staff_client.get(
        reverse("credits:staff-billing-progress", kwargs={"pk": billing_import.pk})
    )
    assert progress["Cache-Control"].startswith("max-age=0")
    data = progress.json()
    assert data["status"] == "running" and data["done"] is False
    assert data["percent"] == 49 or data["percent"] == 50
    assert data["percent_text"] == f"{data['percent']}%"  # the page shows it as it comes
    assert f'data-role="percent">{data["percent"]}%</span>' in body
    assert data["size_bytes"] == billing_import.size_bytes

    billing_import_run(import_id=billing_import.pk)  # running: not claimed, untouched
    BillingImport.objects.filter(pk=billing_import.pk).update(status="pending")
    billing_import_run(import_id=billing_import.pk, compute=False)
    data = staff_client.get(
        reverse("credits:staff-billing-progress", kwargs={"pk": billing_import.pk})
    ).json()
    assert data == {**data, "status": "succeeded", "done": True, "percent": 100}


@pytest.mark.django_db
def test_the_same_file_twice_links_to_the_first_import(staff_client, season, alpha, tmp_path):
    staff_client.cookies["django_language"] = "en"
    content = csv_text([line("1111111")])
    first = import_bytes(season, tmp_path, content)
    second = import_bytes(season, tmp_path, content)
    body = staff_client.get(
        reverse("credits:staff-billing-import", kwargs={"pk": second.pk})
    ).content.decode()
    assert "Already imported" in body
    assert reverse("credits:staff-billing-import", kwargs={"pk": first.pk}) in body


@pytest.mark.django_db
def test_an_upload_without_a_file_is_refused(staff_client, season):
    response = staff_client.post(reverse("credits:staff-billing"), {})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not BillingImport.objects.exists()


@pytest.mark.django_db
def test_a_file_over_the_limit_is_refused(staff_client, season, monkeypatch):
    monkeypatch.setattr("credits.import_forms.MAX_UPLOAD_BYTES", 10)
    response = upload(staff_client, b"x" * 11)
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not BillingImport.objects.exists()


@pytest.mark.django_db
def test_visitors_are_sent_to_the_login(client, season):
    response = client.get(reverse("credits:staff-billing"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_an_unknown_import_is_404(staff_client, season):
    assert (
        staff_client.get(reverse("credits:staff-billing-import", kwargs={"pk": 999})).status_code
        == 404
    )


def _worker_died(season, tmp_path, name="usage.csv") -> BillingImport:
    """An import a worker claimed and then died with: its lease has run out."""
    path = tmp_path / name
    path.write_text(csv_text([line("1111111"), line("1111111", day="2024-10-16")]))
    billing_import = billing_import_create(season=season, path=path, enqueue=False)
    billing_import_claim(import_id=billing_import.pk)
    BillingImport.objects.filter(pk=billing_import.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    return billing_import


@pytest.mark.django_db
def test_the_progress_bar_stops_when_the_worker_has_died(staff_client, season, alpha, tmp_path):
    staff_client.cookies["django_language"] = "en"
    billing_import = _worker_died(season, tmp_path)
    url = reverse("credits:staff-billing-progress", kwargs={"pk": billing_import.pk})

    data = staff_client.get(url).json()

    assert data == {**data, "status": "failed", "done": True, "percent": 100}
    assert data["status_label"] == data["stage"] == "interrupted"


@pytest.mark.django_db
def test_staff_see_an_interrupted_import_and_start_it_again(
    staff_client, season, alpha, tmp_path, django_capture_on_commit_callbacks
):
    staff_client.cookies["django_language"] = "en"
    billing_import = _worker_died(season, tmp_path)
    detail = reverse("credits:staff-billing-import", kwargs={"pk": billing_import.pk})
    restart = reverse("credits:staff-billing-restart", kwargs={"pk": billing_import.pk})

    listing = staff_client.get(reverse("credits:staff-billing")).content.decode()
    assert 'data-status="failed">Interrupted<' in listing  # the list page found it dead
    body = staff_client.get(detail).content.decode()
    assert "The import was interrupted; nothing was stored." in body
    assert "The worker stopped during the import" in body
    assert restart in body and 'id="import-progress"' not in body
    assert staff_client.get(restart).status_code == 405

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(restart, follow=True)

    assert response.redirect_chain == [(detail, 302)]
    assert "The import was started again with the stored file." in response.content.decode()
    billing_import.refresh_from_db()
    assert (billing_import.status, billing_import.attempt) == ("succeeded", 2)
    assert UsageRow.objects.filter(partner=alpha).count() == 2

    # A second click (a stale page) changes nothing and says why.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = staff_client.post(restart, follow=True)
    assert "Only an import whose worker stopped can be started again" in again.content.decode()
    assert callbacks == []
    assert UsageRow.objects.filter(partner=alpha).count() == 2


@pytest.mark.django_db
def test_a_refused_file_offers_no_start_again(staff_client, season, alpha, tmp_path):
    staff_client.cookies["django_language"] = "en"
    refused = import_bytes(season, tmp_path, csv_text([line("1111111", currency="USD")]))
    body = staff_client.get(
        reverse("credits:staff-billing-import", kwargs={"pk": refused.pk})
    ).content.decode()
    assert "The file was refused; nothing was stored." in body
    assert reverse("credits:staff-billing-restart", kwargs={"pk": refused.pk}) not in body


def test_the_imports_are_paged_by_25_and_the_pages_keep_the_season(staff_client, season):
    now = timezone.now()
    BillingImport.objects.bulk_create(
        BillingImport(
            season=season,
            file_name=f"Monat-{i:02d}.csv",
            sha256=f"{i:064d}",
            status=BillingImport.Status.SUCCEEDED,
            created_at=now - timedelta(hours=i),
        )
        for i in range(30)
    )
    url = reverse("credits:staff-billing") + f"?season={season.slug}"
    body = staff_client.get(url).content.decode()
    shown = re.findall(r"<strong>(Monat-\d\d\.csv)</strong>", body)
    assert shown == [f"Monat-{i:02d}.csv" for i in range(25)]  # newest first
    [next_page] = re.findall(r'href="(\?[^"]*)" rel="next"', body)
    assert f"season={season.slug}" in next_page and "page=2" in next_page
    second = staff_client.get(reverse("credits:staff-billing") + next_page.replace("&amp;", "&"))
    assert re.findall(r"<strong>(Monat-\d\d\.csv)</strong>", second.content.decode()) == [
        f"Monat-{i:02d}.csv" for i in range(25, 30)
    ]
    # By file name, the other way round.
    by_name = staff_client.get(url + "&sort=-file_name").content.decode()
    assert re.findall(r"<strong>(Monat-\d\d\.csv)</strong>", by_name)[:2] == [
        "Monat-29.csv",
        "Monat-28.csv",
    ]
