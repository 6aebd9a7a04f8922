"""The pure rule behind prize titles (league.anonymity): what names a company, an end customer, a
person or an ID, and what does not."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from league.anonymity import (
    COMPANY,
    CUSTOMER,
    EMAIL,
    ID,
    PERSON,
    Finding,
    Known,
    distinctive_words,
    revealing,
)

KNOWN = Known(
    companies=("Rheinwolke Consulting GmbH", "Profi IT GmbH", "fly-tech IT GmbH & Co. KG"),
    customers=("Bäckerei Huber KG", "Stadtwerke Nordhausen AöR"),
    persons=("Erika Mustermann", "Jörg Weiß"),
    ids=("1234567", "DE10001", "0f8fad5b-d9cb-469f-a165-70867728950e"),
)


@pytest.mark.parametrize(
    "title, finding",
    [
        ("Sonderpreis für Rheinwolke Consulting", Finding(COMPANY, "Rheinwolke Consulting GmbH")),
        ("Rheinwolke", Finding(COMPANY, "Rheinwolke Consulting GmbH")),
        ("RHEINWOLKES Migration", Finding(COMPANY, "Rheinwolke Consulting GmbH")),
        ("Das Rheinwolke-Projekt", Finding(COMPANY, "Rheinwolke Consulting GmbH")),
        ("Rheinwolkeprojekt des Jahres", Finding(COMPANY, "Rheinwolke Consulting GmbH")),
        ("Top-Projekt von profi it gmbh", Finding(COMPANY, "Profi IT GmbH")),
        ("Fly-Tech macht's", Finding(COMPANY, "fly-tech IT GmbH & Co. KG")),
        ("Migration bei der Bäckerei Huber", Finding(CUSTOMER, "Bäckerei Huber KG")),
        ("Migration bei Baeckerei Huber", Finding(CUSTOMER, "Bäckerei Huber KG")),
        ("Huber in die Cloud", Finding(CUSTOMER, "Bäckerei Huber KG")),
        ("Nordhausen geht in die Cloud", Finding(CUSTOMER, "Stadtwerke Nordhausen AöR")),
        ("Projekt von Erika Mustermann", Finding(PERSON, "Erika Mustermann")),
        ("Dank an Frau Mustermann", Finding(PERSON, "Erika Mustermann")),
        ("Preis für Jörg Weiss", Finding(PERSON, "Jörg Weiß")),
        ("Kontakt: sieger@rheinwolke.example", Finding(EMAIL, "sieger@rheinwolke.example")),
        ("Partner 1234567", Finding(ID, "1234567")),
        ("Kunde DE10001", Finding(ID, "DE10001")),
        (
            "Tenant 0F8FAD5B-D9CB-469F-A165-70867728950E",
            Finding(ID, "0F8FAD5B-D9CB-469F-A165-70867728950E"),
        ),
        ("MPN 7654321", Finding(ID, "7654321")),  # an unknown partner ID is still an ID
    ],
)
def test_titles_that_name_someone_are_found(title, finding):
    assert revealing(title, KNOWN) == finding


@pytest.mark.parametrize(
    "title",
    [
        "Bestes Migrationsprojekt",
        "Best migration 2025",
        "Sonderpreis Consulting",  # a generic word of a name points at nobody
        "Bestes IT-Projekt in der Cloud",
        "Bestes Projekt einer Bäckerei",  # the trade, not the bakery
        "Erika hat gewonnen",  # a first name alone
        "Weißes Rauschen",  # a last name only as a whole word
        "10.000 € Azure Consumption",
    ],
)
def test_titles_without_names_pass(title):
    assert revealing(title, KNOWN) is None


def test_legal_forms_and_generic_words_are_not_distinctive():
    assert distinctive_words("Rheinwolke Consulting GmbH") == ["rheinwolke"]
    assert distinctive_words("Alpha Systemhaus GmbH & Co. KG") == ["alpha"]
    assert distinctive_words("Müller e.K.") == ["mueller"]
    assert distinctive_words("IT Cloud Services AG") == []


WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüß", min_size=4, max_size=12)


@given(
    name=WORD.filter(lambda w: distinctive_words(w)),
    before=st.lists(WORD, max_size=3),
    after=st.lists(WORD, max_size=3),
    suffix=st.sampled_from(["", "s", "es", "-Projekt", "projekt"]),
    legal=st.sampled_from(["GmbH", "AG", "KG", "UG (haftungsbeschränkt)", "GmbH & Co. KG"]),
)
def test_a_distinctive_word_is_found_anywhere_in_any_case(name, before, after, suffix, legal):
    company = f"{name.capitalize()} Consulting {legal}"
    title = " ".join([*before, name.upper() + suffix, *after])
    assert revealing(title, Known(companies=(company,))) == Finding(COMPANY, company)
