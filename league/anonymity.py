"""Whether a text that visitors will read names someone (SPEC 2: public pages never show a company
name, a person, an end customer or an ID). Pure rules, no Django: `league.services` gathers the
season's names and calls `revealing`; tests/league/test_anonymity_rules.py hammers it.

How names are compared: both sides are folded (Unicode NFKC, case-folded, ä/ö/ü as ae/oe/ue, ß as
ss) and split into words at everything that is not a letter or a digit.

- A company (a partner or an end customer) is named when the title contains its name without the
  legal form as a phrase ("Rheinwolke Consulting" for "Rheinwolke Consulting GmbH"), or any of its
  distinctive words: a word of at least three characters that is neither a legal form nor a
  generic trade word ("Consulting", "Cloud", "IT", …). A distinctive word of four or more
  characters also matches as the start of a word, which catches German endings and compounds
  ("Rheinwolkes", "Rheinwolke-Projekt", "Rheinwolkeprojekt").
- A person is named by the full name, or by the last name as a whole word (first names alone are
  too common to tell anyone apart).
- An e-mail address, a GUID (tenant and subscription IDs), a number of six or more digits, and any
  known ID (Microsoft partner IDs, customer numbers) as a whole word are IDs.

A false alarm costs staff a rewording; a miss publishes who won. The rules lean to the alarm.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

COMPANY = "company"
CUSTOMER = "customer"
PERSON = "person"
EMAIL = "email"
ID = "id"

# Legal forms (and their joining words) never identify a company.
LEGAL_FORMS = frozenset(
    """
    gmbh mbh ag kg kgaa ohg gbr ug ek ev eg se co und and haftungsbeschraenkt partg partgmbb
    ltd limited inc llc llp plc corp corporation bv nv sa sas sarl srl spa ab as oy aps kft
    sro spzoo holding
    """.split()
)
# Words many firms of the trade carry in their names: on their own they point at nobody.
GENERIC_WORDS = frozenset(
    """
    it edv ikt cloud clouds consulting consultants consult beratung berater service services
    solution solutions software systems system systemhaus systemhaeuser technik technologies
    technology tech digital digitale network networks netzwerk netzwerke data daten computer
    computers informatik informationstechnik media medien managed business group gruppe
    international deutschland germany europe europa partner partners azure microsoft office
    online web internet security sicherheit support dienstleistungen management projekt projekte
    team der die das den dem des fuer for von the of im in am an und
    hotel praxis kanzlei apotheke autohaus baeckerei stadtwerke klinik klinikum verlag bau
    handel logistik immobilien versicherung bank sparkasse schule gemeinde stadt
    """.split()
)
MIN_WORD = 3  # shorter words are never distinctive
MIN_PREFIX = 4  # distinctive words this long also match as the start of a title word
EMAIL_RE = re.compile(r"[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+")
GUID_RE = re.compile(r"\{?[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\}?")
LONG_NUMBER_RE = re.compile(r"\d{6,}")
WORD_RE = re.compile(r"[^\W_]+")
UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


@dataclass(frozen=True)
class Known:
    """The names and IDs of a season that must not appear in public text."""

    companies: tuple[str, ...] = ()  # partner company names
    customers: tuple[str, ...] = ()  # end customer names
    persons: tuple[str, ...] = ()  # members, contacts, academy attendees
    ids: tuple[str, ...] = ()  # partner IDs, customer numbers, tenant IDs


@dataclass(frozen=True)
class Finding:
    kind: str  # COMPANY | CUSTOMER | PERSON | EMAIL | ID
    name: str  # the name or ID as known (or as found, for e-mail addresses and IDs)


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().translate(UMLAUTS)


def words(text: str) -> list[str]:
    return WORD_RE.findall(fold(text))


def core_words(name: str) -> list[str]:
    """The name without its legal form (and without one-letter words such as the e of e.K.)."""
    return [w for w in words(name) if w not in LEGAL_FORMS and len(w) > 1]


def distinctive_words(name: str) -> list[str]:
    return [
        w
        for w in core_words(name)
        if len(w) >= MIN_WORD and w not in GENERIC_WORDS and not w.isdigit()
    ]


def _has_phrase(title: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return n > 0 and any(title[i : i + n] == phrase for i in range(len(title) - n + 1))


def _has_word(title: list[str], word: str) -> bool:
    if len(word) >= MIN_PREFIX:
        return any(t.startswith(word) for t in title)
    return word in title


def names_company(title: list[str], name: str) -> bool:
    if _has_phrase(title, core_words(name)):
        return True
    return any(_has_word(title, w) for w in distinctive_words(name))


def names_person(title: list[str], name: str) -> bool:
    parts = [w for w in words(name) if len(w) > 1]
    if not parts:
        return False
    if len(parts) > 1 and _has_phrase(title, parts):
        return True
    last = parts[-1]
    return len(last) >= MIN_WORD and last in title


def revealing(text: str, known: Known) -> Finding | None:
    """The first name or ID `text` would publish, or None."""
    if match := EMAIL_RE.search(text):
        return Finding(EMAIL, match.group(0))
    if match := GUID_RE.search(text):
        return Finding(ID, match.group(0))
    if match := LONG_NUMBER_RE.search(text):
        return Finding(ID, match.group(0))
    title = words(text)
    for value in known.ids:
        if _has_phrase(title, words(value)):
            return Finding(ID, value)
    checks: Iterable[tuple[str, tuple[str, ...]]] = (
        (COMPANY, known.companies),
        (CUSTOMER, known.customers),
    )
    for kind, names in checks:
        for name in names:
            if names_company(title, name):
                return Finding(kind, name)
    for name in known.persons:
        if names_person(title, name):
            return Finding(PERSON, name)
    return None
