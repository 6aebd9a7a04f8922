"""Bad input before anything is numbered (issue 11): a partner whose details an e-invoice cannot be
made from is named with exactly what is missing, with a link to fix it, and gets no note and no
number while the others are issued; a seller not configured stops the whole run."""

from decimal import Decimal

import pytest
from django.utils import translation

from core.errors import DomainError
from credits.disqualification import partner_disqualify
from credits.models import CreditLine, CreditNote
from credits.notes.issuing import credit_notes_issue
from credits.notes.parties import buyer_problems, seller_problems
from credits.notes.selectors import open_lines
from partners.models import OutboxEmail
from tests.credits.helpers.notes import NOTES, credit_line
from tests.factories import MembershipFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

BAD_CHECK_DIGIT = "DE136695975"


@pytest.fixture(autouse=True)
def _english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):  # the services' messages are asserted in English
        yield


@pytest.fixture
def english_staff(staff_client):
    staff_client.cookies["django_language"] = "en"  # texts below are asserted in English
    return staff_client


def test_each_missing_detail_is_named(season):
    partner = PartnerFactory.build(
        season=season, league=None, street="", postal_code=" ", city="", country=""
    )
    assert buyer_problems(partner) == ["no street", "no postal code", "no city", "no country"]
    assert buyer_problems(PartnerFactory.build(season=season, league=None, country="XX")) == [
        "the country code XX is not an ISO country code"
    ]
    assert buyer_problems(
        PartnerFactory.build(season=season, league=None, vat_id=BAD_CHECK_DIGIT)
    ) == [
        f"the VAT ID {BAD_CHECK_DIGIT} is not valid: The check digit of {BAD_CHECK_DIGIT} is "
        "wrong; please compare it with your documents"
    ]
    assert buyer_problems(
        PartnerFactory.build(season=season, league=None, vat_id="ATU13585627")
    ) == [
        "the VAT ID ATU13585627 is not valid: The VAT ID ATU13585627 does not belong to the "
        "country of the address (DE)"
    ]
    # A partner without a VAT ID is fine (SPEC 5: "where given"), as is a valid one.
    assert buyer_problems(PartnerFactory.build(season=season, league=None, vat_id="")) == []
    assert (
        buyer_problems(PartnerFactory.build(season=season, league=None, vat_id="de 136 695 976"))
        == []
    )


def test_a_blocked_partner_takes_no_number_and_the_others_are_issued(season, staff_user):
    # "Aaa" comes first in the issuing order: it would have taken number 1.
    blocked = PartnerFactory(season=season, name="Aaa Ohne Adresse GmbH", street="", city="")
    others = [PartnerFactory(season=season, name=f"{c} GmbH") for c in "BC"]
    MembershipFactory(partner=blocked, user=UserFactory(email="ina@aaa.example"))
    waiting = credit_line(blocked, "10.00")
    for partner in others:
        credit_line(partner, "20.00")

    notes = credit_notes_issue(season=season, issued_by=staff_user)

    prefix = f"GS-{season.end_date.year}-"
    assert [(n.partner, n.number) for n in notes] == [
        (others[0], f"{prefix}00001"),
        (others[1], f"{prefix}00002"),
    ]
    assert [item.line for item in open_lines(season=season)] == [waiting]
    assert not OutboxEmail.objects.filter(to="ina@aaa.example").exists()

    # Fixed, the next run issues it with the next number: no gap, no number skipped.
    blocked.street, blocked.city = "Am Markt 2", "Kiel"
    blocked.save()
    (late,) = credit_notes_issue(season=season, issued_by=staff_user)
    assert (late.partner, late.number) == (blocked, f"{prefix}00003")
    assert late.buyer["street"] == "Am Markt 2"
    assert OutboxEmail.objects.filter(to="ina@aaa.example", subject__contains=late.number).exists()


def test_issuing_for_one_blocked_partner_says_why_and_numbers_nothing(season, staff_user):
    partner = PartnerFactory(season=season, name="Beta GmbH", vat_id=BAD_CHECK_DIGIT)
    credit_line(partner, "10.00")
    with pytest.raises(DomainError) as error:
        credit_notes_issue(season=season, issued_by=staff_user, partner=partner)
    assert str(error.value).startswith(
        f"No credit note for Beta GmbH yet: the VAT ID {BAD_CHECK_DIGIT} is not valid: The check "
        "digit"
    )
    assert CreditNote.objects.count() == 0


def test_the_staff_page_names_what_is_missing_and_links_to_the_details(
    english_staff, season, company_a, company_c
):
    company_c.street, company_c.vat_id = "", BAD_CHECK_DIGIT
    company_c.save()
    credit_line(company_a, "10.00")
    credit_line(company_c, "99.00")

    page = english_staff.get(NOTES).content.decode()

    assert "1 partner cannot get its credit note yet" in page
    assert "Not issued until fixed:" in page
    assert "<li>no street</li>" in page
    assert f"the VAT ID {BAD_CHECK_DIGIT} is not valid" in page
    assert f'href="/staff/registrations/{company_c.pk}/details/"' in page
    # "Issue all" counts and sums only what can be issued.
    assert "Issue credit notes for 1 partner (€10.00)" in page

    response = english_staff.post(NOTES, {"action": "issue"}, follow=True)
    page = response.content.decode()
    (note,) = CreditNote.objects.all()
    assert note.partner == company_a
    assert f"Credit note {note.number} issued" in page
    assert f"No credit note for {company_c.name} yet: no street; the VAT ID" in page

    # Staff fix the details on the linked page; the partner is then issued like the others.
    details = english_staff.get(f"/staff/registrations/{company_c.pk}/details/")
    assert details.status_code == 200
    form = {name: getattr(company_c, name) for name in ("postal_code", "city", "country")}
    form.update(street="Hafenstraße 9", vat_id="DE136695976", contact_phone="")
    form.update(contact_name="Carla Cloud", contact_email="carla@charlie.example")
    english_staff.post(f"/staff/registrations/{company_c.pk}/details/", form)
    company_c.refresh_from_db()
    assert company_c.street == "Hafenstraße 9"
    english_staff.post(NOTES, {"action": "issue", "partner": company_c.pk})
    assert CreditNote.objects.get(partner=company_c).sequence == 2


def test_the_one_partner_button_of_a_blocked_partner_is_refused(english_staff, season, company_a):
    company_a.postal_code = ""
    company_a.save()
    credit_line(company_a, "10.00")
    page = english_staff.post(
        NOTES, {"action": "issue", "partner": company_a.pk}, follow=True
    ).content.decode()
    assert f"No credit note for {company_a.name} yet: no postal code." in page
    assert CreditNote.objects.count() == 0


@pytest.fixture
def no_seller(settings):
    settings.CREDIT_NOTE_SELLER = {**settings.CREDIT_NOTE_SELLER, "vat_id": "", "register": " "}


def test_a_seller_not_configured_stops_the_whole_run(no_seller, season, company_a, staff_user):
    credit_line(company_a, "10.00")
    assert seller_problems() == [
        "The seller of the credit notes is not configured: SELLER_VAT_ID, SELLER_REGISTER not set."
    ]
    with pytest.raises(DomainError, match="SELLER_VAT_ID, SELLER_REGISTER not set"):
        credit_notes_issue(season=season, issued_by=staff_user)
    assert CreditNote.objects.count() == 0


def test_an_invalid_seller_vat_id_or_country_stops_the_run(settings):
    settings.CREDIT_NOTE_SELLER = {
        **settings.CREDIT_NOTE_SELLER,
        "vat_id": BAD_CHECK_DIGIT,
        "country": "XX",
    }
    problems = seller_problems()
    assert problems[0] == (
        "The seller's country code XX (SELLER_COUNTRY) is not an ISO country code."
    )
    assert problems[1].startswith("The seller's VAT ID (SELLER_VAT_ID) is not valid:")


def test_the_staff_page_without_a_seller_shows_why_and_offers_no_button(
    no_seller, english_staff, season, company_a
):
    credit_line(company_a, "10.00")
    page = english_staff.get(NOTES).content.decode()
    assert "No credit note can be issued: every note is an e-invoice" in page
    assert "SELLER_VAT_ID, SELLER_REGISTER not set" in page
    assert 'value="issue"' not in page

    page = english_staff.post(NOTES, {"action": "issue"}, follow=True).content.decode()
    assert "No credit note was issued." in page
    assert CreditNote.objects.count() == 0


def test_a_reclaim_for_a_partner_without_address_changes_nothing(company_a, season, staff_user):
    line = credit_line(company_a, "100.00")
    credit_notes_issue(season=season, issued_by=staff_user)
    company_a.city = ""
    company_a.save()

    with pytest.raises(DomainError, match="no city"):
        partner_disqualify(
            partner=company_a, reviewer=staff_user, reason="Betrug", reclaim_eur=Decimal("100.00")
        )

    company_a.refresh_from_db()
    line.refresh_from_db()
    assert company_a.status == company_a.Status.APPROVED
    assert line.credit_eur == Decimal("100.00") and line.status == CreditLine.Status.FINAL
    assert CreditNote.objects.count() == 1
