"""partners.identity: one normalisation of tenants and domains, one exclusion test (issue 10: the
copies in challenges and credits disagreed on lower case)."""

from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from partners.identity import Exclusions, domain_covers, normalise_domain, normalise_tenant

TENANT = "AB12CD34-0000-4000-8000-00000000ABCD"


def exclusion(kind, value, reason="Konzernkunde"):
    return SimpleNamespace(kind=kind, value=value, reason=reason)


def test_a_tenant_from_the_portal_and_from_a_billing_file_is_the_same():
    assert normalise_tenant(" {" + TENANT + "} ") == normalise_tenant(TENANT.lower())
    assert normalise_tenant(TENANT) == TENANT.lower()


@given(st.uuids())
def test_normalising_a_tenant_twice_changes_nothing(uuid):
    once = normalise_tenant("{" + str(uuid).upper() + "}")
    assert once == str(uuid) == normalise_tenant(once)


def test_domains_lose_scheme_path_www_and_case():
    assert normalise_domain(" HTTPS://www.Baeckerei-Huber.de/impressum ") == "baeckerei-huber.de"
    assert normalise_domain("baeckerei-huber.de.") == "baeckerei-huber.de"


def test_a_domain_covers_its_subdomains_only():
    assert domain_covers("example.com", "shop.example.com")
    assert domain_covers("example.com", "example.com")
    assert not domain_covers("example.com", "myexample.com")
    assert not domain_covers("example.com", "")


def test_exclusions_match_whatever_the_case_and_say_why():
    exclusions = Exclusions(
        [exclusion("tenant", TENANT), exclusion("domain", "Konzern.example", reason="")]
    )
    assert exclusions.covering(TENANT.lower()).reason == "Konzernkunde"
    assert exclusions.reason("{" + TENANT + "}") == "Konzernkunde"
    assert exclusions.reason("other", "IT.Konzern.example") == "excluded"
    assert exclusions.covering("other", "konzern.example.net") is None
    assert exclusions.reason("other") == ""
