"""The challenge catalogue is the one description of the challenges and the service groups; what
the claim form, the claim services, the import, the bulk approval and the credits use derives
from it."""

import pytest
from django.utils import translation

from challenges import catalogue
from challenges.catalogue import CATALOGUE, SERVICE_GROUPS
from challenges.models import Challenge
from credits import eligibility, notes
from credits import selectors as credit_selectors
from credits.models import ServiceGroup


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
    assert credit_selectors.WORKLOAD_CODES == {
        "svc_security": "security",
        "svc_analytics_ai": "analytics_ai",
        "svc_databases": "databases",
    }
    assert notes.GROUP_NAMES["analytics_ai"] == "Analytics & AI"
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
