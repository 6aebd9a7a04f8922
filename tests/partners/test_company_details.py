"""The address and VAT ID a partner's credit notes go to (issue 11, SPEC 5): checked, asked at
registration, edited by the company admin and by staff, and set by `import_partners`."""

import re

import pytest
from django.test import Client
from django.utils import translation

from partners.models import Partner
from partners.vat import VatIdError, vat_id_clean
from tests.conftest import client_for
from tests.factories import SeasonFactory, UserFactory
from tests.partners.helpers import FORM, run

VALID_DE = "DE136695976"  # a real check digit (ISO 7064 MOD 11,10)
DETAILS = {
    "street": "Hafenstraße 1",
    "postal_code": "20457",
    "city": "Hamburg",
    "country": "DE",
    "vat_id": "de 136 695 976",
    "contact_name": "Alice Alpha",
    "contact_email": "alice@alpha.example",
    "contact_phone": "",
}


# --- The check ------------------------------------------------------------------------------------


def test_a_vat_id_is_stored_compact_and_upper_case():
    assert vat_id_clean(" de 136.695-976 ", "DE") == VALID_DE
    assert vat_id_clean("ATU13585627", "AT") == "ATU13585627"
    assert vat_id_clean("EL094259216", "GR") == "EL094259216"
    assert vat_id_clean("  ", "DE") == ""


@pytest.mark.parametrize(
    ("value", "country", "message"),
    [
        ("DE136695977", "DE", "The check digit of DE136695977 is wrong"),
        ("DE13669597", "DE", "A German VAT ID is DE followed by nine digits"),
        ("136695976", "DE", "A VAT ID starts with its country code"),
        (VALID_DE, "AT", "does not belong to the country of the address (AT)"),
        ("ATU1358562", "AT", "ATU1358562 is not a valid VAT ID"),
    ],
)
def test_a_wrong_vat_id_is_refused_with_what_is_wrong(value, country, message):
    with translation.override("en"), pytest.raises(VatIdError, match=re.escape(message)):
        vat_id_clean(value, country)


def test_the_german_message_is_german():
    with translation.override("de"), pytest.raises(VatIdError, match="Prüfziffer"):
        vat_id_clean("DE136695977", "DE")


# --- Registration ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_registration_stores_the_vat_id():
    season = SeasonFactory()
    response = client_for(UserFactory()).post(
        "/company/register/", {**FORM, "vat_id": "de136695976"}
    )
    assert response.status_code == 302
    assert Partner.objects.get(season=season).vat_id == VALID_DE


@pytest.mark.django_db
def test_registration_with_a_wrong_vat_id_registers_nothing():
    SeasonFactory()
    client = client_for(UserFactory())
    client.cookies["django_language"] = "en"
    response = client.post("/company/register/", {**FORM, "vat_id": "DE136695977"})
    assert response.status_code == 200
    assert "The check digit of DE136695977 is wrong" in response.content.decode()
    assert not Partner.objects.exists()


# --- Editing --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_company_admin_edits_address_and_vat_id(alice, company_a):
    client = client_for(alice)
    assert 'name="vat_id"' in client.get("/company/details/").content.decode()
    response = client.post("/company/details/", DETAILS)
    assert response.status_code == 302
    company_a.refresh_from_db()
    assert (company_a.street, company_a.postal_code, company_a.city) == (
        "Hafenstraße 1",
        "20457",
        "Hamburg",
    )
    assert company_a.vat_id == VALID_DE
    assert VALID_DE in client.get("/company/details/").content.decode()


@pytest.mark.django_db
def test_a_wrong_vat_id_changes_nothing(alice, company_a):
    before = Partner.objects.filter(pk=company_a.pk).values().get()
    response = client_for(alice).post("/company/details/", {**DETAILS, "vat_id": "DE123"})
    assert response.status_code == 200
    assert "DE123" in response.content.decode()  # the form keeps what was typed
    assert Partner.objects.filter(pk=company_a.pk).values().get() == before


@pytest.mark.django_db
def test_a_colleague_reads_the_details_but_cannot_change_them(bob, company_a):
    client = client_for(bob)
    page = client.get("/company/details/").content.decode()
    assert company_a.street in page and "<form" not in page.split("<main", 1)[-1]
    assert client.post("/company/details/", DETAILS).status_code == 403
    company_a.refresh_from_db()
    assert company_a.vat_id == ""


@pytest.mark.django_db
def test_each_company_edits_only_its_own_details(alice, charlie, company_a, company_c):
    client_for(charlie).post("/company/details/", DETAILS)
    company_a.refresh_from_db()
    company_c.refresh_from_db()
    assert company_a.vat_id == "" and company_c.vat_id == VALID_DE


@pytest.mark.django_db
def test_a_visitor_is_sent_to_the_login(season):
    response = Client().get("/company/details/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_staff_edit_a_partners_details(staff_client, company_a, alice):
    url = f"/staff/registrations/{company_a.pk}/details/"
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, {**DETAILS, "vat_id": ""})
    assert response.status_code == 302
    assert response["Location"] == f"/staff/registrations/{company_a.pk}/"
    company_a.refresh_from_db()
    assert company_a.city == "Hamburg" and company_a.vat_id == ""
    assert client_for(alice).post(url, DETAILS).status_code == 403


# --- import_partners ------------------------------------------------------------------------------

HEADER = (
    "partner_id,name,customer_number,league,contact_email,street,postcode,city,country,vat_id\n"
)


@pytest.mark.django_db
def test_import_sets_address_and_vat_id(tmp_path, season):
    run(
        tmp_path,
        HEADER + "1234567,Alpha GmbH,DE1,Liga,a@alpha.example,Hafenstraße 1,20457,Hamburg,de,"
        "DE 136 695 976\n",
    )
    partner = Partner.objects.get(partner_id="1234567")
    assert (partner.street, partner.postal_code, partner.city, partner.country) == (
        "Hafenstraße 1",
        "20457",
        "Hamburg",
        "DE",
    )
    assert partner.vat_id == VALID_DE


@pytest.mark.django_db
def test_import_keeps_what_an_empty_cell_does_not_give(tmp_path, season):
    run(
        tmp_path,
        HEADER + "1234567,Alpha GmbH,DE1,Liga,a@alpha.example,Hafenstraße 1,20457,Hamburg,DE,"
        "DE136695976\n",
    )
    run(tmp_path, HEADER + "1234567,Alpha GmbH,DE1,Liga,a@alpha.example,,,Bremen,,\n")
    partner = Partner.objects.get(partner_id="1234567")
    assert (partner.street, partner.city, partner.vat_id) == ("Hafenstraße 1", "Bremen", VALID_DE)


@pytest.mark.django_db
def test_import_refuses_a_file_with_a_wrong_vat_id_whole(tmp_path, season):
    from django.core.management import CommandError

    text = (
        HEADER
        + "1234567,Alpha GmbH,DE1,Liga,a@alpha.example,Weg 1,20457,Hamburg,DE,DE136695976\n"
        + "2345678,Beta AG,DE2,Liga,b@beta.example,Weg 2,20457,Hamburg,DE,DE136695977\n"
        + "3456789,Gamma KG,DE3,Liga,c@gamma.example,Weg 3,1010,Wien,Österreich,\n"
    )
    with pytest.raises(CommandError) as refused:
        run(tmp_path, text)
    message = str(refused.value)
    assert "line 3: column vat_id: The check digit of DE136695977 is wrong" in message
    assert "line 4: column country: 'Österreich' is not a two-letter country code" in message
    assert not Partner.objects.exists()
