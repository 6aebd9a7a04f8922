"""The challenge catalogue is the one description of the challenges and the service groups; what
the claim form, the claim services, the import, the bulk approval and the credits use derives
from it."""

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from challenges import catalogue, staff_selectors
from challenges.catalogue import CATALOGUE, SERVICE_GROUPS
from challenges.models import Challenge, Claim
from challenges.selectors import partner_points
from challenges.services.claims import ClaimData, claim_bulk_approve, claim_submit
from core.errors import DomainError
from credits import eligibility
from credits.models import ServiceGroup
from credits.notes import descriptions
from credits.selectors import claims as credit_claims
from tests.conftest import client_for
from tests.factories import EndCustomerFactory
from tests.helpers.pages import english


def test_codes_and_groups_are_described_once():
    codes = [spec.code for spec in CATALOGUE]
    assert len(codes) == len(set(codes))
    groups = [group.code for group in SERVICE_GROUPS]
    assert groups == ["security", "databases", "analytics_ai", "avd"]


def test_every_services_challenge_names_its_group_and_no_other_challenge_has_one():
    named = {spec.code: spec.service_group for spec in CATALOGUE if spec.service_group}
    assert named == {
        "svc_security": "security",
        "svc_analytics_ai": "analytics_ai",
        "svc_databases": "databases",
        "svc_avd": "avd",
    }
    assert all(spec.kind == "service" for spec in CATALOGUE if spec.service_group)
    assert all(catalogue.service_group(group) is not None for group in named.values())


def test_the_terms_requirements_are_in_the_entries():
    spec = catalogue.spec_of
    assert catalogue.claimable_codes() == (
        "sql_lead",
        "sales_meeting",
        "presales_sizing",
        "new_customer",
        "svc_security",
        "svc_analytics_ai",
        "svc_databases",
        "svc_avd",
    )
    assert not spec("academy").claimable and not spec("first_customer_bonus").claimable
    assert [s.code for s in CATALOGUE if s.needs_bant] == ["sql_lead"]
    assert [s.code for s in CATALOGUE if s.needs_meeting] == ["sales_meeting", "presales_sizing"]
    assert spec("new_customer").subscription == catalogue.REQUIRED
    assert spec("svc_avd").subscription == catalogue.OPTIONAL
    assert spec("sql_lead").subscription == ""
    assert catalogue.bulk_approval_codes() == ("sql_lead", "sales_meeting", "presales_sizing")
    assert spec("no_such_challenge") is None


def test_credits_take_their_groups_from_the_catalogue():
    # SPEC 5: security, databases and analytics_ai earn credits; avd earns points only.
    assert eligibility.CREDIT_GROUPS == ("security", "databases", "analytics_ai")
    assert credit_claims.WORKLOAD_CODES == {
        "svc_security": "security",
        "svc_analytics_ai": "analytics_ai",
        "svc_databases": "databases",
    }
    assert descriptions.GROUP_NAMES["analytics_ai"] == "Analytics & AI"
    assert ServiceGroup.SECURITY == "security" and ServiceGroup.AVD == "avd"
    for language in ("de", "en"):
        with translation.override(language):
            assert [(value, str(label)) for value, label in ServiceGroup.choices] == [
                ("security", "Security"),
                ("databases", "Databases"),
                ("analytics_ai", "Analytics & AI"),
                ("avd", "Azure Virtual Desktop"),
            ]


def test_a_group_speaks_the_language_asked():
    group = catalogue.ServiceGroupSpec("backup", "Datensicherung", "Backup", earns_credit=False)
    assert (group.label("de"), group.label("en-gb"), group.label(None)) == (
        "Datensicherung",
        "Backup",
        "Datensicherung",
    )


@pytest.mark.django_db
def test_the_fresh_databases_season_stores_each_entry_as_the_catalogue_says():
    rows = {c.code: c for c in Challenge.objects.filter(season__slug="2024-25")}
    assert list(rows) == [spec.code for spec in CATALOGUE]
    for spec in CATALOGUE:
        row = rows[spec.code]
        assert {name: getattr(row, name) for name in catalogue.CHALLENGE_COLUMNS} == (
            spec.challenge_fields()
        )


# --- Adding a challenge is one edit --------------------------------------------------------------

# Two challenges the terms do not have, described only here: nothing else in the code names them.
WEBINAR = catalogue.ChallengeSpec(
    "joint_webinar",
    "Gemeinsames Webinar mit Ingram Micro",
    "Joint webinar with Ingram Micro",
    40,
    "recurring",
    "per_customer",
    "Ein Webinar pro Endkunde.",
    "One webinar per end customer.",
    needs_meeting=True,
    bulk_approval=True,
)
MIGRATION = catalogue.ChallengeSpec(
    "migration_lead",
    "Qualifizierte Migration",
    "Qualified migration",
    60,
    "recurring",
    "per_customer",
    "Eine Migration pro Endkunde.",
    "One migration per end customer.",
    needs_bant=True,
    subscription=catalogue.REQUIRED,
    evidence=False,
)
SUB = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"


@pytest.fixture
def extended(monkeypatch, season):
    """The catalogue with the two made-up entries, and the season's rows seeded from them."""
    monkeypatch.setattr(catalogue, "CATALOGUE", (*CATALOGUE, WEBINAR, MIGRATION))
    for position, spec in enumerate((WEBINAR, MIGRATION), start=len(CATALOGUE)):
        Challenge.objects.create(season=season, position=position, **spec.challenge_fields())
    return season


@pytest.fixture
def customer(company_a):
    return EndCustomerFactory(partner=company_a, name="Neu GmbH")


def _data(season, **overrides):
    return ClaimData(**{"activity_date": season.start_date + timedelta(days=1), **overrides})


def _yesterday() -> str:
    return (timezone.localdate() - timedelta(days=1)).isoformat()


@pytest.mark.django_db
def test_the_form_asks_what_the_entry_says(extended, alice, customer):
    client = english(client_for(alice))
    choose = client.get(f"/company/claims/new/?customer={customer.pk}")
    codes = [challenge.code for challenge, _spec in choose.context["challenges"]]
    assert codes[-2:] == ["joint_webinar", "migration_lead"]
    page = choose.content.decode()
    assert "Joint webinar with Ingram Micro" in page and "your contact at Ingram Micro" in page

    webinar = client.get(f"/company/claims/new/joint_webinar/?customer={customer.pk}")
    assert set(webinar.context["form"].fields) == {
        "customer",
        "meeting_date",
        "distributor_contact",
        "note",
        "evidence",
    }
    migration = client.get(f"/company/claims/new/migration_lead/?customer={customer.pk}")
    fields = migration.context["form"].fields
    assert set(fields) == {
        "customer",
        "activity_date",
        "bant_budget",
        "bant_authority",
        "bant_need",
        "bant_time",
        "subscription_id",
        "note",
    }
    assert fields["subscription_id"].required

    response = client.post(
        "/company/claims/new/joint_webinar/",
        {"customer": customer.pk, "meeting_date": _yesterday()},
    )
    assert list(response.context["form"].errors) == ["distributor_contact"]
    response = client.post(
        "/company/claims/new/joint_webinar/",
        {"customer": customer.pk, "meeting_date": _yesterday(), "distributor_contact": "Ingrid"},
    )
    claim = Claim.objects.get()
    assert response["Location"] == f"/company/claims/{claim.pk}/"
    assert (claim.challenge.code, claim.meeting_date, claim.distributor_contact) == (
        "joint_webinar",
        timezone.localdate() - timedelta(days=1),
        "Ingrid",
    )


@pytest.mark.django_db
def test_the_service_checks_what_the_entry_says(extended, alice, customer):
    membership = alice.memberships.select_related("partner__season", "user").get()

    def submit(code, **data):
        return claim_submit(
            membership=membership,
            challenge_code=code,
            customer=customer,
            data=_data(extended, **data),
        )

    with translation.override("en"):
        with pytest.raises(DomainError, match="meeting date and your contact"):
            submit("joint_webinar", meeting_date=extended.start_date, distributor_contact=" ")
        bant = {"bant_budget": True, "bant_authority": True, "bant_need": True}
        with pytest.raises(DomainError, match="BANT"):
            submit("migration_lead", subscription_id=SUB, **bant)
        with pytest.raises(DomainError, match="subscription ID"):
            submit("migration_lead", bant_time=True, **bant)
        assert not Claim.objects.exists()
        claim = submit("migration_lead", subscription_id=SUB, bant_time=True, **bant)
    assert (claim.challenge.code, claim.subscription_id) == ("migration_lead", SUB)


@pytest.mark.django_db
def test_the_import_and_the_bulk_approval_follow_the_entry(
    extended, tmp_path, company_a, staff_user
):
    day = extended.start_date + timedelta(days=5)
    tenants = [str(uuid.uuid4()) for _ in range(3)]
    path = tmp_path / "claims.csv"
    path.write_text(
        "partner_id,challenge,customer_tenant_id,customer_name,subscription_id,activity_date,"
        "status\n"
        f"{company_a.partner_id},joint_webinar,{tenants[0]},Eins GmbH,,{day:%Y-%m-%d},submitted\n"
        f"{company_a.partner_id},migration_lead,{tenants[1]},Zwei AG,{SUB},{day:%Y-%m-%d},"
        "submitted\n"
        f"{company_a.partner_id},migration_lead,{tenants[2]},Drei KG,,{day:%Y-%m-%d},submitted\n"
    )
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("import_claims", str(path), stdout=out, stderr=err)
    assert out.getvalue().splitlines() == [
        "rows: 3, imported: 2, skipped: 1",
        "end customers created: 2",
    ]
    assert "line 4" in err.getvalue() and "subscription ID" in err.getvalue()
    webinar = Claim.objects.get(challenge__code="joint_webinar")
    assert (webinar.meeting_date, webinar.distributor_contact) == (day, "CSV import")
    migration = Claim.objects.get(challenge__code="migration_lead")
    assert (migration.bant_budget, migration.bant_time, migration.subscription_id) == (
        True,
        True,
        SUB,
    )

    rows = {
        row.claim.pk: row.simple
        for row in staff_selectors.claims_for_bulk(ids=[webinar.pk, migration.pk])
    }
    assert rows == {webinar.pk: True, migration.pk: False}
    with translation.override("en"):
        result = claim_bulk_approve(claim_ids=[webinar.pk, migration.pk], reviewer=staff_user)
    assert result.approved == [webinar]
    assert [(c.pk, reason[:18]) for c, reason in result.refused] == [
        (migration.pk, "not a simple claim")
    ]
    assert partner_points(company_a) == 40


@pytest.mark.django_db
def test_a_code_the_catalogue_does_not_describe_cannot_be_claimed(season, alice, customer):
    Challenge.objects.create(season=season, position=99, **WEBINAR.challenge_fields())
    client = english(client_for(alice))
    response = client.get(f"/company/claims/new/joint_webinar/?customer={customer.pk}")
    assert response.status_code == 404
    membership = alice.memberships.select_related("partner__season", "user").get()
    with translation.override("en"), pytest.raises(DomainError, match="no challenge"):
        claim_submit(
            membership=membership,
            challenge_code="joint_webinar",
            customer=customer,
            data=_data(season, meeting_date=season.start_date, distributor_contact="Ingrid"),
        )
    assert not Claim.objects.exists()
