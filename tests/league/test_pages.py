import re

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from partners.models import User
from tests.conftest import client_for
from tests.factories import PartnerFactory


@pytest.mark.django_db
def test_start_page_explains_the_league_in_german_by_default(season):
    response = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/")
    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    page = response.content.decode()
    assert '<html lang="de"' in page
    assert "Partner 9" in page  # the pseudonym rule of terms 3.1 is explained
    assert "10.000 €" in page  # caps in German format


@pytest.mark.django_db
def test_english_is_one_click_away_and_remembered_for_the_user(alice):
    client = client_for(alice)
    response = client.post("/language/", {"language": "en", "next": "/rules/"})
    assert response.status_code == 302 and response["Location"] == "/rules/"
    page = client.get("/rules/")
    assert page["Content-Language"] == "en"
    alice.refresh_from_db()
    assert alice.language == "en"


@pytest.mark.django_db
def test_language_switch_refuses_foreign_redirects(season):
    response = Client().post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_rules_page_lists_the_whole_catalogue_with_points(season):
    page = Client().get("/rules/").content.decode()
    for challenge in season.challenges.all():
        assert escape(challenge.title_de) in page
    assert "Sales Qualified Lead" in page
    english = Client()
    english.cookies["django_language"] = "en"
    page_en = english.get("/rules/").content.decode()
    assert "Virtual meeting with the Ingram Micro sales team" in page_en


@pytest.mark.django_db
def test_public_pages_show_no_company_names(season, company_a, company_c):
    for url in ("/", "/rules/", "/accounts/login/", "/accounts/signup/"):
        page = Client().get(url).content.decode()
        for partner in (company_a, company_c):
            assert partner.name not in page
            assert partner.partner_id not in page


@pytest.mark.django_db
def test_partner_home_shows_company_pseudonym_and_league(alice, company_a):
    page = client_for(alice).get("/company/").content.decode()
    assert company_a.name in page
    assert company_a.pseudonym in page
    assert company_a.league.name in page


@pytest.mark.django_db
def test_pending_partner_sees_the_pending_state(season):
    from tests.factories import MembershipFactory

    member = MembershipFactory(
        partner=PartnerFactory(season=season, status="pending", pseudonym_number=None, league=None)
    )
    response = client_for(member.user).get("/company/")
    assert response.context["partner"].status == "pending"
    page = response.content.decode()
    assert member.partner.name in page
    with translation.override("de"):
        assert str(member.partner.get_status_display()) in page


@pytest.mark.django_db
def test_signup_creates_user_and_sends_verification_mail(season, settings, mailoutbox):
    settings.ACCOUNT_RATE_LIMITS = False
    response = Client().post(
        "/accounts/signup/",
        {
            "email": "new@reseller.example",
            "password1": "Sehr-geheim-2025",
            "password2": "Sehr-geheim-2025",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@reseller.example")
    assert user.language == "de"
    assert len(mailoutbox) == 1 and "/accounts/confirm-email/" in mailoutbox[0].body
    # Unverified users cannot log in.
    login = Client().post("/accounts/login/", {"login": user.email, "password": "Sehr-geheim-2025"})
    assert login["Location"] == "/accounts/confirm-email/"


@pytest.mark.django_db
def test_password_reset_mail_is_sent(alice, settings, mailoutbox):
    settings.ACCOUNT_RATE_LIMITS = False
    response = Client().post("/accounts/password/reset/", {"email": alice.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and "/accounts/password/reset/key/" in mailoutbox[0].body


@pytest.mark.django_db
def test_allauth_pages_address_users_formally_in_german(season):
    import re

    for url in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        page = Client().get(url).content.decode()
        assert '<html lang="de"' in page
        assert not re.search(r"\b(du|Du|dein|Dein|deine|dir|Dir)\b", page), url
    assert "Sie haben noch kein Konto?" in Client().get("/accounts/login/").content.decode()


@pytest.mark.django_db
def test_a_visitor_switches_language_without_a_token_a_user_needs_one(alice):
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.post("/language/", {"language": "en", "next": "/leaderboard/"})
    assert response.status_code == 302 and response.cookies["django_language"].value == "en"
    assert "csrfmiddlewaretoken" not in Client().get("/leaderboard/").content.decode()

    user = Client(enforce_csrf_checks=True)
    user.force_login(alice)
    forged = user.post("/language/", {"language": "en", "next": "/"})
    assert forged.status_code == 403
    alice.refresh_from_db()
    assert alice.language == "de"
    page = user.get("/rules/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = user.post("/language/", {"language": "en", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.language == "en"
