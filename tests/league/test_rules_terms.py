"""The rules page says what the German terms say (issue 9, section 6): taxes (terms 3.3), the
consent and where to revoke it (3.1), the deletion of data (3.1, 3.2), prizes (4) — in German in
the terms' own words, in English as a faithful translation."""

import html
import re

import pytest
from django.conf import settings
from django.test import Client

# Sentences of the German terms (seeds/000_a503f92afbd4a37a.txt) the German page repeats verbatim.
TERMS_VERBATIM = [
    # 3.3: the benefits *are* income, not "may be".
    "als (Betriebs-)Einnahme bzw. als Lohnzahlung durch Dritte zu qualifizieren",
    "Eine Versteuerung dieser Leistungen wird von Ingram Micro nicht durchgeführt.",
    # 3.3: the duty to tell the employer, and the employer's duty (§ 38 EStG).
    "ihrem Arbeitgeber für jeden Lohnzahlungszeitraum schriftlich mitzuteilen",
    "Der Arbeitgeber des Teilnehmers hat die darauf entfallende Lohnsteuer einzubehalten und an "
    "das Finanzamt abzuführen (§ 38 Abs. 1 Satz 2 EStG).",
    "Die Ingram Micro Voucher werden nicht versteuert.",
    # 2.3 and 3.1: the consent, what it covers, where to revoke it.
    "für den Zweck der Durchführung der Azure Acceleration League gespeichert und verarbeitet",
    "Stamm- und Transaktionsdaten sowie eventuell erhobene freiwillige Angaben von Ingram Micro zu "
    "Zwecken der Marktforschung sowie zur individuellen Erstellung und Versendung ausgewählter "
    "Informationen per Post oder E-Mail genutzt werden",
    "beauftragte Dienstleistungsunternehmen (Auftragsdatenverarbeiter)",
    "jederzeit schriftlich gegenüber Ingram Micro, Heisenbergbogen 3, 85609 Dornach widerrufen",
    # 3.1 and 3.2: deletion.
    "Unmittelbar nach Durchführung der Aktion werden die Daten dort wieder gelöscht.",
    "gelöscht, sobald sie dafür nicht mehr benötigt werden",
    # 3.2: the supervisory authority.
    "Bayerisches Landesamt für Datenschutzaufsicht, Promenade 18, 91522 Ansbach",
    # 4: prizes.
    "Eine Barauszahlung der Gewinne ist nicht möglich.",
    "an die angegebene Adresse zugesandt",
]

ENGLISH = [
    "are (business) income or wages paid by a third party",
    "Ingram Micro does not withhold or pay tax on these benefits.",
    "inform their employer in writing of the benefits received, for every payroll period",
    "The participant's employer must withhold the wage tax due on them and pay it to the tax "
    "office (§ 38 (1) sentence 2 of the German Income Tax Act, EStG).",
    "The Ingram Micro vouchers are not taxed.",
    "stored and processed for the purpose of running the Azure Acceleration League",
    "used by Ingram Micro for market research and for preparing and sending selected information "
    "tailored to you by post or e-mail",
    "service providers it has commissioned (data processors)",
    "revoke this consent at any time in writing to Ingram Micro, Heisenbergbogen 3, 85609 Dornach",
    "The data are deleted there immediately after the campaign has been carried out.",
    "deleted once they are no longer needed for it",
    "Bayerisches Landesamt für Datenschutzaufsicht, Promenade 18, 91522 Ansbach",
    "Prizes cannot be paid out in cash.",
    "They are sent to the winners at the address given.",
]


def page_text(client: Client) -> str:
    response = client.get("/rules/")
    assert response.status_code == 200
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    text = html.unescape(text).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def german(season):
    return page_text(Client())


@pytest.fixture
def english(season):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return page_text(client)


@pytest.mark.parametrize("sentence", TERMS_VERBATIM)
def test_the_german_rules_repeat_the_terms(german, sentence):
    assert sentence in german


@pytest.mark.parametrize("sentence", ENGLISH)
def test_the_english_rules_translate_the_terms(english, sentence):
    assert sentence in english


def test_the_tax_note_is_not_softened_or_mistranslated(german, english):
    # The terms say the benefits *are* income, and that Ingram Micro does not do the taxation —
    # not that "Ingram Micro does not tax them".
    assert "zu versteuern sein" not in german and "können als" not in german
    assert "may be taxable" not in english
    assert "does not tax them" not in english


def test_the_table_of_contents_links_the_tax_section(german, english):
    assert "Versteuerung und Gewinne" in german
    assert "Taxes and prizes" in english
