"""Issuing credit notes: which lines, which numbers, corrections, immutability, the staff page."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import ProtectedError, Sum

from core.errors import DomainError
from credits.models import CreditLine, CreditNote, CreditNoteLine
from credits.notes.issuing import credit_notes_issue
from credits.notes.selectors import open_lines
from tests.conftest import client_for
from tests.credits.helpers.notes import NOTES, change_credit, credit_line
from tests.factories import LeagueFactory, PartnerFactory, SeasonFactory
from tests.helpers.concurrency import at_once


def prefix(season) -> str:
    return f"GS-{season.end_date.year}-"


@pytest.fixture
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- Numbers -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_numbers_are_gap_free_and_start_at_one_in_each_season(season, staff_user):
    first = [PartnerFactory(season=season, name=f"Partner {c} GmbH") for c in "ABC"]
    for partner in first:
        credit_line(partner, "10.00")
    other = SeasonFactory(
        is_active=False,
        start_date=date(2030, 7, 1),
        end_date=date(2031, 6, 30),
        registration_deadline=date(2030, 9, 30),
    )
    other_partners = [
        PartnerFactory(season=other, league=LeagueFactory(season=other), name=f"Other {c}")
        for c in "XY"
    ]
    for partner in other_partners:
        credit_line(partner, "20.00")

    issued = credit_notes_issue(season=season, issued_by=staff_user)
    issued_other = credit_notes_issue(season=other, issued_by=staff_user)
    credit_line(first[1], "5.00")
    later = credit_notes_issue(season=season, issued_by=staff_user)

    p = prefix(season)
    assert [n.number for n in issued] == [f"{p}00001", f"{p}00002", f"{p}00003"]
    # In the order of the partners' names.
    assert [n.partner for n in issued] == first
    assert [n.number for n in issued_other] == ["GS-2031-00001", "GS-2031-00002"]
    assert [n.number for n in later] == [f"{p}00004"]
    assert list(CreditNote.objects.filter(season=season).values_list("sequence", flat=True)) == [
        1,
        2,
        3,
        4,
    ]


@pytest.mark.django_db
def test_a_second_run_issues_nothing(company_a, company_c, staff_user, season):
    credit_line(company_a, "120.00")
    credit_line(company_c, "80.00")
    assert len(credit_notes_issue(season=season, issued_by=staff_user)) == 2

    assert credit_notes_issue(season=season, issued_by=staff_user) == []
    assert CreditNote.objects.count() == 2
    assert CreditNoteLine.objects.count() == 2
    assert open_lines(season=season) == []


@pytest.mark.django_db
def test_one_note_per_partner_with_one_position_per_line(company_a, staff_user, season):
    lines = [
        credit_line(company_a, "1000.00", tenant_id="a" * 36),
        credit_line(company_a, "234.56", kind="workload", group="security", tenant_id="b" * 36),
    ]
    (note,) = credit_notes_issue(season=season, issued_by=staff_user)

    assert note.partner == company_a and note.issued_by == staff_user and note.corrects is None
    assert note.total_eur == Decimal("1234.56")
    assert [(nl.credit_line, nl.amount_eur) for nl in note.lines.all()] == [
        (lines[0], Decimal("1000.00")),
        (lines[1], Decimal("234.56")),
    ]
    assert note.lines.all()[1].description.startswith(
        "Neuer Workload Security bei Bestandskunde Endkunde GmbH"
    )


@pytest.mark.django_db
def test_provisional_lines_are_not_issued_capped_lines_are(company_a, staff_user, season):
    final = credit_line(company_a, "100.00")
    capped = credit_line(company_a, "40.00", status=CreditLine.Status.CAPPED, consumption="90")
    provisional = credit_line(company_a, "55.00", status=CreditLine.Status.PROVISIONAL)
    zero = credit_line(company_a, "0.00", status=CreditLine.Status.CAPPED, consumption="12")

    (note,) = credit_notes_issue(season=season, issued_by=staff_user)

    assert {nl.credit_line for nl in note.lines.all()} == {final, capped}
    assert note.total_eur == Decimal("140.00")
    assert "Partner-Deckel 30.000 € angewendet" in note.lines.get(credit_line=capped).description
    assert not provisional.note_lines.exists() and not zero.note_lines.exists()

    # Once its last free month is billed, the provisional line is issued on its own note.
    change_credit(provisional, "57.10", status=CreditLine.Status.FINAL)
    (later,) = credit_notes_issue(season=season, issued_by=staff_user)
    assert later.corrects is None
    assert [(nl.credit_line_id, nl.amount_eur) for nl in later.lines.all()] == [
        (provisional.pk, Decimal("57.10"))
    ]


@pytest.mark.django_db
def test_a_changed_final_line_gets_a_correction_note_for_the_difference(
    company_a, staff_user, season
):
    down = credit_line(company_a, "100.00", tenant_id="a" * 36)
    up = credit_line(company_a, "50.00", tenant_id="b" * 36)
    same = credit_line(company_a, "30.00", tenant_id="c" * 36)
    (original,) = credit_notes_issue(season=season, issued_by=staff_user)
    snapshot = list(original.lines.values_list("credit_line", "amount_eur", "description"))

    change_credit(down, "79.99")
    change_credit(up, "70.00")
    new = credit_line(company_a, "15.00")
    regular, correction = credit_notes_issue(season=season, issued_by=staff_user)

    # New lines and corrections are separate documents; the correction names what it corrects.
    assert regular.corrects is None
    assert [(nl.credit_line, nl.amount_eur) for nl in regular.lines.all()] == [
        (new, Decimal("15.00"))
    ]
    assert correction.corrects == original
    assert correction.number > regular.number
    assert [(nl.credit_line, nl.amount_eur) for nl in correction.lines.all()] == [
        (down, Decimal("-20.01")),
        (up, Decimal("20.00")),
    ]
    assert correction.total_eur == Decimal("-0.01")
    assert correction.lines.get(credit_line=down).description.startswith(
        "Neuer Endkunde Endkunde GmbH · Korrektur: bisher 100,00 €, jetzt 79,99 €"
    )
    assert not same.note_lines.exclude(note=original).exists()

    # The original is untouched.
    original.refresh_from_db()
    assert original.total_eur == Decimal("180.00")
    assert list(original.lines.values_list("credit_line", "amount_eur", "description")) == snapshot

    # A second change (here a reclaim) corrects the last note that covered the line; the sum
    # follows the line.
    change_credit(down, "0.00", explanation={"reclaimed": {"reason": "Erfundene Endkunden"}})
    (again,) = credit_notes_issue(season=season, issued_by=staff_user)
    assert again.corrects == correction
    assert again.total_eur == Decimal("-79.99")
    assert again.lines.get().description.endswith(
        "nachträglich aberkannt und zurückgefordert (Disqualifikation): Erfundene Endkunden"
    )
    assert down.note_lines.aggregate(s=Sum("amount_eur"))["s"] == Decimal("0.00")
    assert credit_notes_issue(season=season, issued_by=staff_user) == []


@pytest.mark.django_db
def test_issuing_for_one_partner_leaves_the_others_open(company_a, company_c, staff_user, season):
    credit_line(company_a, "10.00")
    other = credit_line(company_c, "20.00")

    (note,) = credit_notes_issue(season=season, issued_by=staff_user, partner=company_a)

    assert note.partner == company_a
    assert [item.line for item in open_lines(season=season)] == [other]


@pytest.mark.django_db
def test_a_partner_of_another_season_is_refused(company_a, staff_user):
    other = SeasonFactory(is_active=False)
    with pytest.raises(DomainError):
        credit_notes_issue(season=other, issued_by=staff_user, partner=company_a)


@pytest.mark.django_db
def test_an_issued_note_cannot_be_changed_or_deleted(company_a, staff_user, season):
    line = credit_line(company_a, "10.00")
    (note,) = credit_notes_issue(season=season, issued_by=staff_user)

    note.total_eur = Decimal("1000000.00")
    with pytest.raises(DomainError):
        note.save()
    note_line = note.lines.get()
    note_line.amount_eur = Decimal("1000000.00")
    with pytest.raises(DomainError):
        note_line.save()
    # (Each in a savepoint: a refused delete breaks the transaction it runs in.)
    with pytest.raises(DomainError), transaction.atomic():
        note_line.delete()
    with pytest.raises((DomainError, ProtectedError)), transaction.atomic():
        note.delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        line.delete()
    assert CreditNote.objects.get().total_eur == Decimal("10.00")


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuing_creates_no_duplicate_and_no_gap(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks and serialises writers with 'database is locked'")
    settings.MEDIA_ROOT = tmp_path / "media"
    season = SeasonFactory()
    league = LeagueFactory(season=season)
    partners = [PartnerFactory(season=season, league=league) for _ in range(6)]
    for partner in partners:
        credit_line(partner, "10.00")
        credit_line(partner, "0.50")
    runners = 4
    results = at_once(*[lambda: credit_notes_issue(season=season, issued_by=None)] * runners)

    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert sorted(len(r) for r in results) == [0] * (runners - 1) + [len(partners)]
    sequences = list(CreditNote.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, len(partners) + 1))
    assert CreditNoteLine.objects.count() == 2 * len(partners)
    assert CreditNote.objects.aggregate(s=Sum("total_eur"))["s"] == Decimal("63.00")
    # The PDFs were enqueued after commit and rendered by the (eager) task.
    assert CreditNote.objects.filter(pdf_rendered_at__isnull=True).count() == 0


# --- Staff page ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_page_lists_open_lines_per_partner_and_issues_them(
    staff_client, company_a, company_c, season
):
    staff_client.cookies["django_language"] = "en"  # texts below are asserted in English
    credit_line(company_a, "1000.00")
    credit_line(company_a, "234.56")
    credit_line(company_c, "99.00", status=CreditLine.Status.PROVISIONAL)

    page = staff_client.get(NOTES).content.decode()
    assert company_a.name in page and "€1,234.56" in page
    assert company_c.name not in page  # only provisional lines
    assert "1 provisional line waits" in page

    response = staff_client.post(NOTES, {"action": "issue"}, follow=True)
    note = CreditNote.objects.get()
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == NOTES
    assert f"Credit note {note.number} issued" in page
    assert "Nothing to issue" in page  # the ready list is empty now
    assert note.number in page and "being generated" in page

    # A double click finds nothing left to issue.
    again = staff_client.post(NOTES, {"action": "issue"}, follow=True).content.decode()
    assert "Nothing to issue: every final credit line is on a note." in again
    assert CreditNote.objects.count() == 1


@pytest.mark.django_db
def test_staff_page_issues_for_one_partner(staff_client, company_a, company_c, season):
    credit_line(company_a, "10.00")
    credit_line(company_c, "20.00")
    staff_client.post(NOTES, {"action": "issue", "partner": company_c.pk})
    assert list(CreditNote.objects.values_list("partner", flat=True)) == [company_c.pk]


@pytest.mark.django_db
def test_staff_page_shows_corrections(staff_client, company_a, season, staff_user):
    staff_client.cookies["django_language"] = "en"  # texts below are asserted in English
    line = credit_line(company_a, "10.00")
    (original,) = credit_notes_issue(season=season, issued_by=staff_user)
    change_credit(line, "12.50")
    page = staff_client.get(NOTES).content.decode()
    assert "€2.50" in page  # the correction waiting to be issued
    staff_client.post(NOTES, {"action": "issue"})
    page = staff_client.get(NOTES).content.decode()
    assert "correction" in page and original.number in page


@pytest.mark.django_db
def test_partners_cannot_open_the_staff_pages(alice):
    client = client_for(alice)
    assert client.get(NOTES).status_code == 403
    assert client.post(NOTES, {"action": "issue"}).status_code == 403
    assert client.get(NOTES + "export.csv").status_code == 403
