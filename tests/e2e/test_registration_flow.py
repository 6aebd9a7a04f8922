"""End to end: a company registers, Ingram Micro staff approve it, the company sees its pseudonym.

One flow through the real stack (live server, allauth, the TOTP second factor for staff, Celery
e-mail task run eagerly), asserting what the people involved see in their browsers.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from partners.models import Membership, Partner, User
from seasons.models import League, Season

from .helpers import STAFF_EMAIL, STAFF_PASSWORD, current_totp_code, submit_button

pytestmark = pytest.mark.e2e

PARTNER_EMAIL = "anna.admin@contoso-cloud.example"
PARTNER_PASSWORD = "Wolken-Segler-2025!"
COMPANY = "Contoso Cloud GmbH"
CONFIRM_PATH_RE = re.compile(r"/accounts/confirm-email/([^/\s]+)/")


def german(message) -> str:
    """What the (German by default) UI shows for a translatable message."""
    with translation.override("de"):
        return translation.gettext(message) if isinstance(message, str) else str(message)


def pseudonym_re(number: int) -> re.Pattern:
    # "Partner 1" must not match "Partner 12" (no \b before it: text content of adjacent blocks
    # runs together, e.g. "approvedPartner 7").
    return re.compile(rf"Partner {number}(?!\d)")


@pytest.fixture
def open_season(db):
    assert not Season.objects.filter(is_active=True).exists(), "another season is active already"
    today = timezone.localdate()
    season = Season.objects.create(
        slug="e2e-season",
        name="Azure Acceleration League E2E",
        start_date=today,
        end_date=today + timedelta(days=270),
        registration_deadline=today + timedelta(days=30),
        is_active=True,
    )
    leagues = [
        League.objects.create(season=season, name=name, slug=slug, position=position)
        for position, (name, slug) in enumerate(
            [("Cloud Starter", "cloud-starter"), ("Cloud Champions", "cloud-champions")], 1
        )
    ]
    assert Season.objects.current() == season
    return season, leagues


def test_company_registers_and_staff_approve_it(
    live_server, new_context, mailoutbox, celery_eager, e2e_settings, open_season, staff_user
):
    season, leagues = open_season
    league = leagues[1]
    staff, totp_secret, totp = staff_user
    base = live_server.url

    # --- 1. A visitor opens the portal and signs up -------------------------------------------
    partner_ctx = new_context(base_url=base)
    page = partner_ctx.new_page()
    page.goto("/")
    expect(page.locator("body")).to_contain_text(season.name)
    page.locator("a[href$='/accounts/signup/']:visible").first.click()
    page.wait_for_url("**/accounts/signup/")

    page.locator("input[name=email]").fill(PARTNER_EMAIL)
    page.locator("input[name=password1]").fill(PARTNER_PASSWORD)
    page.locator("input[name=password2]").fill(PARTNER_PASSWORD)
    submit_button(page, "form:has(input[name=password2])").click()

    page.wait_for_url("**/accounts/confirm-email/")
    expect(page.locator("h1")).to_contain_text(german("Verify Your Email Address"))
    assert User.objects.filter(email=PARTNER_EMAIL, is_active=True).exists()

    # --- 2. The confirmation e-mail arrives; the link confirms the address and logs in ---------
    confirmations = [m for m in mailoutbox if m.to == [PARTNER_EMAIL]]
    assert len(confirmations) == 1, [(m.to, m.subject) for m in mailoutbox]
    match = CONFIRM_PATH_RE.search(confirmations[0].body)
    assert match, confirmations[0].body
    confirm_path = match.group(0)
    assert f"{base}{confirm_path}" in confirmations[0].body, "the link names the live server"

    page.goto(confirm_path)
    expect(page.locator("h1")).to_contain_text(german("Confirm Email Address"))
    expect(page.locator("body")).to_contain_text(PARTNER_EMAIL)
    # (allauth signs a fresh key for the form's action, so match its prefix only)
    submit_button(page, "form[method=post][action^='/accounts/confirm-email/']").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)  # away from the allauth pages

    from allauth.account.models import EmailAddress

    assert EmailAddress.objects.get(email=PARTNER_EMAIL).verified
    page.goto("/company/")
    assert page.url == f"{base}/company/", "logged in after the confirmation"

    # --- 3. The new user registers the company and sees it pending review ---------------------
    page.goto("/company/register/")
    form = page.locator("form:has(input[name=partner_id])")
    expect(form.locator("input[name=contact_email]")).to_have_value(PARTNER_EMAIL)
    for name, value in {
        "name": COMPANY,
        "customer_number": "20-481516",
        "partner_id": "4711815",
        "street": "Musterstraße 12",
        "postal_code": "80331",
        "city": "München",
        "country": "DE",
        "contact_name": "Anna Admin",
        "contact_phone": "+49 89 1234567",
    }.items():
        form.locator(f"[name={name}]").fill(value)
    for name in ("employer_approval", "terms_accepted", "privacy_accepted"):
        form.locator(f"input[name={name}]").check()
    submit_button(page, "form:has(input[name=partner_id])").click()

    page.wait_for_url(f"{base}/company/")
    body = page.locator("body")
    expect(body).to_contain_text(COMPANY)
    expect(body).to_contain_text(german(Partner.Status.PENDING.label))
    expect(body).to_contain_text(german("Your registration is being reviewed."))
    expect(body).to_contain_text(
        german("Thank you! Your registration is with Ingram Micro for review.")
    )
    page.screenshot(path="/tmp/e2e-step3-pending.png", full_page=True)

    partner = Partner.objects.get()
    assert partner.status == Partner.Status.PENDING
    assert partner.name == COMPANY and partner.season == season and partner.league is None
    assert partner.pseudonym_number is None
    membership = Membership.objects.get(partner=partner)
    assert membership.user.email == PARTNER_EMAIL and membership.is_admin

    # --- 4. Staff log in with password and authenticator code, and approve --------------------
    staff_ctx = new_context(base_url=base)
    staff_page = staff_ctx.new_page()
    staff_page.goto("/accounts/login/")
    staff_page.locator("input[name=login]").fill(STAFF_EMAIL)
    staff_page.locator("input[name=password]").fill(STAFF_PASSWORD)
    submit_button(staff_page, "form:has(input[name=password])").click()

    staff_page.wait_for_url("**/accounts/2fa/authenticate/")
    code_input = staff_page.locator("input[name=code]")
    expect(code_input).to_be_visible()
    code_input.fill(current_totp_code(totp_secret, totp))
    submit_button(staff_page, "form:has(input[name=code])").click()
    staff_page.wait_for_url(lambda url: "/accounts/" not in url)

    staff_page.goto("/staff/registrations/")
    assert staff_page.url == f"{base}/staff/registrations/", "the second factor was accepted"
    detail_link = staff_page.locator(f"a[href='/staff/registrations/{partner.pk}/']").first
    expect(detail_link).to_be_visible()
    detail_link.click()
    staff_page.wait_for_url(f"{base}/staff/registrations/{partner.pk}/")
    expect(staff_page.locator("body")).to_contain_text(COMPANY)

    staff_page.locator("select[name=league]").select_option(label=league.name)
    staff_page.locator(
        "form:has(input[name=action][value=approve]) [type=submit], "
        "button[name=action][value=approve]"
    ).first.click()
    staff_page.wait_for_url(f"{base}/staff/registrations/")

    partner.refresh_from_db()
    assert partner.status == Partner.Status.APPROVED
    assert partner.league == league and partner.reviewed_by == staff
    number = partner.pseudonym_number
    assert number is not None
    expect(staff_page.locator("body")).to_contain_text(
        german("%(company)s is approved as %(pseudonym)s.")
        % {"company": COMPANY, "pseudonym": f"Partner {number}"}
    )

    # --- 5. The partner sees the pseudonym and the league; the approval e-mail arrived --------
    page.goto("/company/")
    body = page.locator("body")
    expect(body).to_contain_text(pseudonym_re(number))
    expect(body).to_contain_text(league.name)
    # The status badge (the page may still say "in review" elsewhere, of claims).
    status_badge = page.locator(".badge-approved, .badge-pending").first
    expect(status_badge).to_have_text(german(Partner.Status.APPROVED.label))
    page.screenshot(path="/tmp/e2e-step5-approved.png", full_page=True)

    to_partner = [m for m in mailoutbox if m.to == [PARTNER_EMAIL]]
    assert len(to_partner) == 2, [(m.to, m.subject) for m in mailoutbox]
    approval = to_partner[-1]
    assert pseudonym_re(number).search(approval.body), approval.body
    assert league.name in approval.body, approval.body
    assert season.name in approval.subject, approval.subject
