"""Submitting claims from the browser: one form per challenge, and every kind of bad input is
refused with a clear message while nothing is stored (no claim, no file)."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from challenges.evidence import MAX_EVIDENCE_BYTES, evidence_validate
from challenges.models import Claim, ClaimTransition
from tests.challenges.helpers import stored_files
from tests.factories import ClaimFactory
from tests.helpers.files import ELF, EXE, JPEG, PDF, PNG

pytestmark = pytest.mark.django_db

SUBSCRIPTION = "6b1a8e0c-3c5e-4a0e-9a65-2f1c8d1e7b42"


def yesterday() -> str:
    return (timezone.localdate() - timedelta(days=1)).isoformat()


def meeting_post(customer, **extra):
    return {
        "customer": customer.pk,
        "meeting_date": yesterday(),
        "distributor_contact": "Ingrid Sales",
        "note": "Kick-off with the CFO",
        **extra,
    }


def lead_post(customer, **boxes):
    data = {"customer": customer.pk, "activity_date": yesterday()}
    for name in ("bant_budget", "bant_authority", "bant_need", "bant_time"):
        if boxes.get(name, True):
            data[name] = "on"
    return data


# --- Choosing ------------------------------------------------------------------------------------


def test_choose_lists_the_claimable_challenges_with_points_and_needs(alice_client, customer_a):
    response = alice_client.get(f"/company/claims/new/?customer={customer_a.pk}")
    page = response.content.decode()
    codes = [challenge.code for challenge, _spec in response.context["challenges"]]
    assert codes == [
        "sql_lead",
        "sales_meeting",
        "presales_sizing",
        "new_customer",
        "svc_security",
        "svc_analytics_ai",
        "svc_databases",
        "svc_avd",
    ]
    assert f"/company/claims/new/sql_lead/?customer={customer_a.pk}" in page
    assert "all four BANT criteria confirmed" in page
    assert "the Azure subscription ID" in page
    assert '<span class="points">200</span>' in page and '<span class="points">20</span>' in page


# --- Happy paths ---------------------------------------------------------------------------------


def test_sales_meeting_claim_with_evidence(alice_client, alice, company_a, customer_a, media):
    form = alice_client.get(f"/company/claims/new/sales_meeting/?customer={customer_a.pk}")
    assert form.context["form"]["customer"].value() == customer_a.pk
    assert 'enctype="multipart/form-data"' in form.content.decode()
    response = alice_client.post(
        "/company/claims/new/sales_meeting/",
        meeting_post(customer_a, evidence=SimpleUploadedFile("Einladung.PDF", PDF)),
        follow=True,
    )
    claim = Claim.objects.get()
    assert response.redirect_chain[-1][0] == f"/company/claims/{claim.pk}/"
    assert "was submitted" in response.content.decode()
    assert (claim.partner, claim.customer, claim.challenge.code, claim.status) == (
        company_a,
        customer_a,
        "sales_meeting",
        Claim.Status.SUBMITTED,
    )
    assert claim.meeting_date == claim.activity_date == timezone.localdate() - timedelta(days=1)
    assert claim.distributor_contact == "Ingrid Sales"
    assert claim.submitted_by == alice
    assert (claim.evidence_name, claim.evidence_type) == ("Einladung.PDF", "application/pdf")
    [stored] = stored_files(media)
    assert stored.read_bytes() == PDF
    assert media in stored.parents
    assert ClaimTransition.objects.get(claim=claim).to_status == Claim.Status.SUBMITTED


def test_sql_lead_with_all_four_bant_boxes(alice_client, customer_a):
    page = alice_client.get("/company/claims/new/sql_lead/").content.decode()
    for explanation in (
        "The customer has a budget for Azure.",
        "Your contact at the customer can decide.",
        "There is a concrete need for Azure.",
        "There is a time frame for the decision.",
    ):
        assert explanation in page
    assert 'type="file"' not in page  # nothing to upload for a lead
    response = alice_client.post("/company/claims/new/sql_lead/", lead_post(customer_a))
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.challenge.code == "sql_lead"
    assert claim.bant_budget and claim.bant_authority and claim.bant_need and claim.bant_time


def test_new_customer_needs_the_subscription_id(alice_client, customer_a):
    data = {"customer": customer_a.pk, "activity_date": yesterday()}
    response = alice_client.post("/company/claims/new/new_customer/", data)
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    response = alice_client.post(
        "/company/claims/new/new_customer/", {**data, "subscription_id": "no-guid"}
    )
    assert "An Azure subscription ID is a GUID" in response.content.decode()
    assert not Claim.objects.exists()
    response = alice_client.post(
        "/company/claims/new/new_customer/",
        {
            **data,
            "subscription_id": SUBSCRIPTION.upper(),
            "evidence": SimpleUploadedFile("p.png", PNG),
        },
    )
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.subscription_id == SUBSCRIPTION
    assert claim.evidence_type == "image/png"


def test_service_claim_with_jpeg_evidence_named_wrongly(alice_client, customer_a):
    response = alice_client.post(
        "/company/claims/new/svc_security/",
        {
            "customer": customer_a.pk,
            "activity_date": yesterday(),
            "evidence": SimpleUploadedFile("screenshot.exe", JPEG),
        },
    )
    assert response.status_code == 302
    claim = Claim.objects.get()
    # The content decides: kept as a JPEG with a matching name.
    assert claim.evidence_type == "image/jpeg"
    assert claim.evidence_name == "screenshot.jpg"
    assert claim.evidence.name.endswith(".jpg")


def test_colleague_can_claim_too(bob_client, bob, customer_a):
    assert (
        bob_client.post("/company/claims/new/sales_meeting/", meeting_post(customer_a)).status_code
        == 302
    )
    assert Claim.objects.get().submitted_by == bob


# --- Bad input: refused with a message, nothing stored ------------------------------------------


def test_another_companys_customer_is_refused(alice_client, customer_a, customer_c, media):
    response = alice_client.post(
        "/company/claims/new/sales_meeting/",
        meeting_post(customer_c, evidence=SimpleUploadedFile("e.pdf", PDF)),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["customer"] == [
        "Please choose one of your own end customers."
    ]
    page = response.content.decode()
    assert "Please choose one of your own end customers." in page
    assert customer_c.name not in page
    assert Claim.objects.count() == 0
    assert stored_files(media) == []


def test_another_companys_customer_is_not_preselected(alice_client, customer_a, customer_c):
    response = alice_client.get(f"/company/claims/new/sales_meeting/?customer={customer_c.pk}")
    assert response.status_code == 200
    assert response.context["form"]["customer"].value() is None
    assert customer_c.name not in response.content.decode()


@pytest.mark.parametrize("code", ["first_customer_bonus", "academy", "no_such_challenge"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_forged_challenge_code_is_refused(alice_client, customer_a, media, code, method):
    data = {**meeting_post(customer_a), "evidence": SimpleUploadedFile("e.pdf", PDF)}
    response = getattr(alice_client, method)(
        f"/company/claims/new/{code}/", data if method == "post" else None
    )
    assert response.status_code == 404
    assert f"There is no challenge “{code}” that can be claimed in this season." in (
        response.content.decode()
    )
    assert Claim.objects.count() == 0
    assert stored_files(media) == []


def test_a_challenge_of_another_season_is_refused(alice_client, customer_a):
    from challenges.models import Challenge

    Challenge.objects.filter(season=customer_a.season, code="svc_avd").update(code="svc_avd_old")
    response = alice_client.post(
        "/company/claims/new/svc_avd/", {"customer": customer_a.pk, "activity_date": yesterday()}
    )
    assert response.status_code == 404
    assert Claim.objects.count() == 0


@pytest.mark.parametrize("missing", ["bant_budget", "bant_authority", "bant_need", "bant_time"])
def test_bant_form_with_one_box_unchecked_is_refused(alice_client, customer_a, missing):
    response = alice_client.post(
        "/company/claims/new/sql_lead/", lead_post(customer_a, **{missing: False})
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [missing]
    message = "Please confirm this criterion: a lead counts only when all four are met."
    assert form.errors[missing] == [message]
    assert message in response.content.decode()
    assert Claim.objects.count() == 0


@pytest.mark.parametrize("content", [EXE, ELF], ids=["windows-exe", "linux-elf"])
def test_executable_renamed_pdf_is_refused(alice_client, customer_a, media, content):
    response = alice_client.post(
        "/company/claims/new/sales_meeting/",
        meeting_post(
            customer_a,
            evidence=SimpleUploadedFile("protokoll.pdf", content, content_type="application/pdf"),
        ),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["evidence"] == [
        "Only PDF, PNG and JPEG files are accepted; this file is none of them."
    ]
    assert "Only PDF, PNG and JPEG files are accepted" in response.content.decode()
    assert Claim.objects.count() == 0
    assert stored_files(media) == []


def test_50_mb_upload_is_refused(alice_client, customer_a, media):
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"\0" * (50 * 1024 * 1024))
    response = alice_client.post(
        "/company/claims/new/sales_meeting/", meeting_post(customer_a, evidence=big)
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["evidence"]
    # 50 MB and the 9 bytes of the PDF header: rounded up, so it never reads as a round limit.
    assert error == "The file is 50.1 MB; evidence may be at most 10 MB."
    assert Claim.objects.count() == 0
    assert stored_files(media) == []


def test_size_is_checked_before_anything_is_read():
    class Huge(io.BytesIO):
        name, size = "huge.pdf", 50 * 1024 * 1024

        def read(self, *args):
            raise AssertionError("the content of a too large file must not be read")

    with pytest.raises(ValidationError) as caught:
        evidence_validate(Huge())
    assert caught.value.code == "too_large"


def test_limit_is_inclusive():
    at_limit = SimpleUploadedFile("ok.pdf", b"%PDF-" + b"\0" * (MAX_EVIDENCE_BYTES - 5))
    assert evidence_validate(at_limit).content_type == "application/pdf"
    over = SimpleUploadedFile("no.pdf", b"%PDF-" + b"\0" * (MAX_EVIDENCE_BYTES - 4))
    with pytest.raises(ValidationError):
        evidence_validate(over)


def test_duplicate_claim_of_a_once_per_customer_challenge_is_refused(
    alice_client, customer_a, media
):
    ClaimFactory(customer=customer_a, code="sales_meeting")
    response = alice_client.post(
        "/company/claims/new/sales_meeting/",
        meeting_post(customer_a, evidence=SimpleUploadedFile("e.pdf", PDF)),
    )
    assert response.status_code == 200
    message = (
        "“Virtual meeting with the Ingram Micro sales team” counts once per end customer and is "
        "already claimed for Anton Bau GmbH."
    )
    assert response.context["form"].non_field_errors() == [message]
    assert message in response.content.decode()
    assert Claim.objects.count() == 1
    assert stored_files(media) == []


def test_a_withdrawn_claim_can_be_claimed_again(alice_client, customer_a):
    ClaimFactory(customer=customer_a, code="sales_meeting", status=Claim.Status.WITHDRAWN)
    response = alice_client.post("/company/claims/new/sales_meeting/", meeting_post(customer_a))
    assert response.status_code == 302
    assert Claim.objects.count() == 2


def test_activity_outside_the_season_or_in_the_future_is_refused(alice_client, customer_a):
    season = customer_a.season
    for day, message in (
        (season.start_date - timedelta(days=1), "The activity must lie within the season"),
        (timezone.localdate() + timedelta(days=1), "The date of the activity lies in the future."),
    ):
        response = alice_client.post(
            "/company/claims/new/sales_meeting/",
            meeting_post(customer_a, meeting_date=day.isoformat()),
        )
        assert message in response.content.decode()
    assert Claim.objects.count() == 0


def test_a_pending_company_cannot_claim(alice_client, company_a, customer_a):
    company_a.status = company_a.Status.PENDING
    company_a.save()
    response = alice_client.post("/company/claims/new/sales_meeting/", meeting_post(customer_a))
    assert response.status_code == 302 and response["Location"] == "/company/"
    assert Claim.objects.count() == 0
