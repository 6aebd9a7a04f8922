"""End to end: a partner claims a sales meeting, staff approve it, the partner's statement shows
+50 and the decision e-mail is in the outbox (issue 3)."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import expect

from challenges.models import Claim, LedgerEntry
from partners.models import EndCustomer, Membership, Partner, User
from seasons.models import League

from .helpers import STAFF_EMAIL, STAFF_PASSWORD, current_totp_code, running_season, submit_button

pytestmark = pytest.mark.e2e

PARTNER_EMAIL = "paula@fabrikam-it.example"
PARTNER_PASSWORD = "Meldung-Abgabe-2025!"


@pytest.fixture
def partner_with_customer(db):
    season = running_season("e2e-claims", "E2E Saison")
    league = League.objects.create(season=season, name="Cloud Starter", slug="cloud-starter")
    partner = Partner.objects.create(
        season=season,
        league=league,
        status=Partner.Status.APPROVED,
        name="Fabrikam IT GmbH",
        customer_number="DE40404",
        partner_id="4040404",
        pseudonym_number=17,
        contact_email=PARTNER_EMAIL,
    )
    user = User.objects.create_user(email=PARTNER_EMAIL, password=PARTNER_PASSWORD)
    EmailAddress.objects.create(user=user, email=PARTNER_EMAIL, verified=True, primary=True)
    Membership.objects.create(user=user, partner=partner, season=season, role="admin")
    customer = EndCustomer.objects.create(
        partner=partner,
        season=season,
        name="Bäckerei Huber KG",
        tenant_id="3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        domain="baeckerei-huber.example",
    )
    return partner, customer


def log_in(page, email, password):
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    submit_button(page, "form:has(input[name=login])").click()


def test_partner_claims_a_sales_meeting_and_sees_the_points_after_approval(
    live_server,
    new_context,
    mailoutbox,
    celery_eager,
    e2e_settings,
    partner_with_customer,
    staff_user,
):
    partner, customer = partner_with_customer
    staff, totp_secret, totp = staff_user
    meeting = timezone.localdate() - timedelta(days=3)

    # --- The partner submits the claim --------------------------------------------------------
    page = new_context(base_url=live_server.url).new_page()
    log_in(page, PARTNER_EMAIL, PARTNER_PASSWORD)
    expect(page).to_have_url(re.compile(r"/company/$"))
    page.goto(f"/company/claims/new/sales_meeting/?customer={customer.pk}")
    page.locator("select[name=customer]").select_option(str(customer.pk))
    page.locator("input[name=meeting_date]").fill(meeting.isoformat())
    page.locator("input[name=distributor_contact]").fill("Ingrid Vertrieb")
    submit_button(page, "form:has(input[name=distributor_contact])").click()
    expect(page).to_have_url(re.compile(r"/company/claims/\d+/$"))
    claim = Claim.objects.get(partner=partner)
    assert claim.status == Claim.Status.SUBMITTED
    assert (claim.meeting_date, claim.distributor_contact) == (meeting, "Ingrid Vertrieb")
    expect(page.locator("body")).to_contain_text("Bäckerei Huber KG")

    # --- Staff approve it from the review queue -----------------------------------------------
    staff_page = new_context(base_url=live_server.url).new_page()
    log_in(staff_page, STAFF_EMAIL, STAFF_PASSWORD)
    staff_page.locator("input[name=code]").fill(current_totp_code(totp_secret, totp))
    submit_button(staff_page, "form:has(input[name=code])").click()
    staff_page.goto("/staff/claims/")
    expect(staff_page.locator("body")).to_contain_text("Fabrikam IT GmbH")
    staff_page.locator(f"a[href='/staff/claims/{claim.pk}/']").first.click()
    submit_button(staff_page, "form:has(input[name=action][value=approve])").click()
    expect(staff_page.locator("body")).to_contain_text("Fabrikam IT GmbH")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
    assert list(LedgerEntry.objects.filter(partner=partner).values_list("points", flat=True)) == [
        50
    ]

    # --- The partner's statement shows +50; the e-mail is in the outbox ------------------------
    page.goto("/company/statement/")
    expect(page.locator("[data-total]")).to_have_text("50")
    expect(page.locator("tbody")).to_contain_text("+50")
    decision_mails = [m for m in mailoutbox if m.to == [PARTNER_EMAIL]]
    assert len(decision_mails) == 1
    assert f"/company/claims/{claim.pk}/" in decision_mails[0].body
    assert "50" in decision_mails[0].body
