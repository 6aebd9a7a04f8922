import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from tests.conftest import PASSWORD, client_for, totp_code
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = False


@pytest.mark.django_db
def test_staff_login_asks_for_the_second_factor(staff_user, season):
    client = Client()
    response = client.post("/accounts/login/", {"login": staff_user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    # Not logged in yet: the staff area still sends to the login.
    assert client.get("/staff/")["Location"].startswith("/accounts/login/")
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert client.get("/staff/").status_code == 302
    ok = client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert ok.status_code == 302
    assert client.get("/staff/").status_code == 200


@pytest.mark.django_db
def test_staff_without_authenticator_must_set_one_up(season):
    staff = UserFactory(is_staff=True)
    client = Client()
    client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/"
    assert client.get("/staff/registrations/")["Location"] == "/accounts/2fa/totp/activate/"
    assert not Authenticator.objects.filter(user=staff).exists()


@pytest.mark.django_db
def test_staff_session_without_second_factor_is_asked_for_it(staff_user, season):
    # A session opened without the second factor (e.g. before it was set up) cannot enter.
    response = client_for(staff_user).get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith(
        "/accounts/2fa/reauthenticate/"
    )


@pytest.mark.django_db
def test_django_admin_also_needs_the_second_factor(staff_user, staff_client, season):
    assert client_for(staff_user).get("/admin/").status_code == 302
    assert Client().get("/admin/login/")["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_partner_users_are_refused_from_the_staff_area(alice):
    assert client_for(alice).get("/staff/").status_code == 403
    assert client_for(alice).get("/staff/registrations/").status_code == 403


@pytest.mark.django_db
def test_visitors_are_sent_to_login(season):
    response = Client().get("/staff/registrations/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_partner_login_needs_no_second_factor(alice):
    client = Client()
    response = client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/company/"
