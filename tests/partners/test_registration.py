from datetime import timedelta

import pytest
from django.utils import timezone, translation

from core.errors import DomainError
from partners.models import Membership, Partner
from partners.services import RegistrationData, partner_register
from tests.conftest import client_for
from tests.factories import PartnerFactory, SeasonFactory, UserFactory, past_season
from tests.partners.helpers import FORM


@pytest.mark.django_db
def test_user_registers_company_before_deadline_and_becomes_its_admin():
    season = SeasonFactory()
    user = UserFactory()
    response = client_for(user).post("/company/register/", FORM)
    assert response.status_code == 302 and response["Location"] == "/company/"
    partner = Partner.objects.get(season=season)
    assert partner.status == Partner.Status.PENDING
    assert partner.pseudonym_number is None
    assert partner.country == "DE"
    assert (
        partner.employer_approval_at and partner.terms_accepted_at and partner.privacy_accepted_at
    )
    membership = Membership.objects.get(user=user)
    assert membership.partner == partner and membership.is_admin
    page = client_for(user).get("/company/").content.decode()
    assert "Delta IT GmbH" in page


@pytest.mark.django_db
def test_registration_on_the_deadline_day_is_still_open():
    season = SeasonFactory(registration_deadline=timezone.localdate())
    response = client_for(UserFactory()).post("/company/register/", FORM)
    assert response.status_code == 302
    assert Partner.objects.filter(season=season).count() == 1


@pytest.mark.django_db
def test_registration_after_deadline_is_closed_with_a_clear_message():
    season = past_season()
    client = client_for(UserFactory())
    response = client.get("/company/register/")
    assert response.status_code == 403
    page = response.content.decode()
    assert season.registration_deadline.strftime("%d.%m.%Y") in page
    response = client.post("/company/register/", FORM)
    assert response.status_code == 403
    assert not Partner.objects.exists()


@pytest.mark.django_db
def test_service_refuses_registration_after_deadline():
    season = SeasonFactory(registration_deadline=timezone.localdate() - timedelta(days=1))
    with translation.override("en"), pytest.raises(DomainError, match="closed"):
        partner_register(
            user=UserFactory(),
            season=season,
            data=RegistrationData(**_data()),
            employer_approval=True,
            terms_accepted=True,
            privacy_accepted=True,
        )
    assert not Partner.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["employer_approval", "terms_accepted", "privacy_accepted"])
def test_registration_needs_every_confirmation(missing):
    SeasonFactory()
    data = {k: v for k, v in FORM.items() if k != missing}
    response = client_for(UserFactory()).post("/company/register/", data)
    assert response.status_code == 200
    assert missing in response.context["form"].errors
    assert not Partner.objects.exists()


@pytest.mark.django_db
def test_registration_refuses_a_bad_partner_id():
    SeasonFactory()
    response = client_for(UserFactory()).post("/company/register/", {**FORM, "partner_id": "12ab"})
    assert "partner_id" in response.context["form"].errors
    assert not Partner.objects.exists()


@pytest.mark.django_db
def test_a_company_cannot_be_registered_twice_in_a_season():
    season = SeasonFactory()
    PartnerFactory(season=season, partner_id=FORM["partner_id"])
    response = client_for(UserFactory()).post("/company/register/", FORM)
    assert response.status_code == 200
    assert "6123456" in str(response.context["form"].non_field_errors())
    assert Partner.objects.filter(season=season).count() == 1


@pytest.mark.django_db
def test_a_member_cannot_register_a_second_company(alice):
    response = client_for(alice).post("/company/register/", {**FORM, "partner_id": "7777777"})
    assert response.status_code == 302
    assert not Partner.objects.filter(partner_id="7777777").exists()


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_login():
    SeasonFactory()
    response = client_for_anonymous().get("/company/register/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def client_for_anonymous():
    from django.test import Client

    return Client()


def _data():
    return {
        k: FORM[k]
        for k in (
            "name",
            "customer_number",
            "partner_id",
            "street",
            "postal_code",
            "city",
            "contact_name",
            "contact_email",
            "contact_phone",
        )
    } | {"country": "DE"}
