"""Issued credit notes and their lines never change (SPEC 5) whichever way a write comes: bulk
updates and deletes through the ORM, and on PostgreSQL raw SQL too. The legitimate writes stay
possible: the PDF recorded once after rendering, the issuer removed with a deleted user."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.errors import DomainError
from credits.models import CreditNote, CreditNoteLine
from credits.notes.issuing import credit_notes_issue
from credits.notes.rendering import credit_note_pdf_record
from tests.factories import CreditLineFactory, EndCustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only"
)


@pytest.fixture
def note(company_a, season, settings, tmp_path) -> CreditNote:
    settings.MEDIA_ROOT = tmp_path / "media"
    CreditLineFactory(customer=EndCustomerFactory(partner=company_a))
    issuer = UserFactory(is_staff=True)
    (note,) = credit_notes_issue(season=season, issued_by=issuer)  # its render not run yet
    return note


def as_issued(note: CreditNote) -> bool:
    return (
        CreditNote.objects.filter(pk=note.pk, total_eur=Decimal("10.00")).exists()
        and CreditNoteLine.objects.filter(note=note, amount_eur=Decimal("10.00")).count() == 1
    )


def test_bulk_changes_of_notes_and_lines_are_refused(note, company_a):
    with pytest.raises(DomainError, match="cannot be changed; issue a correction"):
        CreditNote.objects.filter(pk=note.pk).update(total_eur=Decimal("1000000.00"))
    with pytest.raises(DomainError, match="cannot be changed"):
        company_a.credit_notes.update(pdf="x.pdf", total_eur=0)  # a PDF field does not open it
    with pytest.raises(DomainError, match="cannot be changed"):
        note.lines.update(amount_eur=Decimal("1000000.00"))
    line = note.lines.get()
    line.amount_eur = Decimal("1000000.00")
    with pytest.raises(DomainError, match="cannot be changed"):
        CreditNoteLine.objects.bulk_update([line], ["amount_eur"])
    note.total_eur = Decimal("1000000.00")
    with pytest.raises(DomainError, match="cannot be changed"):
        CreditNote.objects.bulk_update([note], ["total_eur"])
    with pytest.raises(DomainError, match="cannot be changed"):
        CreditNote.objects.bulk_create(
            [note], update_conflicts=True, unique_fields=["id"], update_fields=["total_eur"]
        )
    assert as_issued(note)


def test_bulk_deletes_of_notes_and_lines_are_refused(note):
    with pytest.raises(DomainError, match="cannot be deleted; issue a correction"):
        CreditNoteLine.objects.filter(note=note).delete()
    with pytest.raises(DomainError, match="cannot be deleted"):
        CreditNote.objects.all().delete()
    assert as_issued(note)


def test_the_rendered_pdf_is_recorded_once(note):
    assert credit_note_pdf_record(note=note, content=b"%PDF-1.7 first") is True
    assert credit_note_pdf_record(note=note, content=b"%PDF-1.7 second") is False
    note.refresh_from_db()
    assert note.pdf.read() == b"%PDF-1.7 first" and note.pdf_rendered_at is not None
    assert as_issued(note)


@postgres_only
def test_the_database_refuses_changes_and_deletes_by_raw_sql(note):
    notes, lines = CreditNote._meta.db_table, CreditNoteLine._meta.db_table
    credit_note_pdf_record(note=note, content=b"%PDF-1.7")
    other = UserFactory(is_staff=True)
    refused = [
        ("changed", f"UPDATE {notes} SET total_eur = 1000000 WHERE id = %s", [note.pk]),
        ("changed", f"UPDATE {notes} SET number = 'GS-0000-00000' WHERE id = %s", [note.pk]),
        # The PDF of a rendered note is part of the document now.
        ("changed", f"UPDATE {notes} SET pdf = 'other.pdf' WHERE id = %s", [note.pk]),
        # Only a deleted user may take the issuer off (SET NULL), nobody may put another one.
        ("changed", f"UPDATE {notes} SET issued_by_id = %s WHERE id = %s", [other.pk, note.pk]),
        ("changed", f"UPDATE {lines} SET amount_eur = 1000000 WHERE note_id = %s", [note.pk]),
        ("deleted", f"DELETE FROM {lines} WHERE note_id = %s", [note.pk]),
        ("deleted", f"DELETE FROM {notes} WHERE id = %s", [note.pk]),
    ]
    with connection.cursor() as cursor:
        for word, sql, params in refused:
            with pytest.raises(IntegrityError, match=f"cannot be {word}"), transaction.atomic():
                cursor.execute(sql, params)
    assert as_issued(note)


@postgres_only
def test_the_database_lets_the_pdf_be_recorded_while_it_is_missing(note):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {CreditNote._meta.db_table} SET pdf = 'a.pdf', pdf_rendered_at = %s "
            "WHERE id = %s",
            [timezone.now(), note.pk],
        )
    note.refresh_from_db()
    assert note.pdf.name == "a.pdf"


def test_deleting_the_issuer_keeps_the_note_without_the_issuer(note):
    note.issued_by.delete()
    note = CreditNote.objects.get(pk=note.pk)
    assert note.issued_by is None and as_issued(note)


def test_what_a_note_was_issued_with_is_refused_change_like_its_amount(note):
    """Issue 11: VAT, gross, the parties, the period and the XML were written in the INSERT and
    are as immutable as the net (the model, its queryset and the trigger)."""
    issued = CreditNote.objects.values("vat_eur", "gross_eur", "buyer", "seller", "xml").get(
        pk=note.pk
    )
    for field, value in (
        ("vat_eur", Decimal("0.00")),
        ("gross_eur", Decimal("10.00")),
        ("vat_rate", Decimal("7")),
        ("buyer", {"name": "Someone else"}),
        ("seller", {}),
        ("xml", ""),
    ):
        with pytest.raises(DomainError, match="cannot be changed"):
            CreditNote.objects.filter(pk=note.pk).update(**{field: value})
        setattr(note, field, value)
        with pytest.raises(DomainError, match="cannot be changed"):
            note.save()
    assert (
        CreditNote.objects.values("vat_eur", "gross_eur", "buyer", "seller", "xml").get(pk=note.pk)
        == issued
    )


@postgres_only
def test_the_database_refuses_changes_to_the_e_invoice_by_raw_sql(note):
    notes = CreditNote._meta.db_table
    xml = CreditNote.objects.values_list("xml", flat=True).get(pk=note.pk)
    statements = [
        f"UPDATE {notes} SET xml = '' WHERE id = %s",
        f"UPDATE {notes} SET vat_eur = 0, gross_eur = total_eur WHERE id = %s",
        f'UPDATE {notes} SET buyer = \'{{"name": "Other GmbH"}}\'::jsonb WHERE id = %s',
        f"UPDATE {notes} SET period_end = period_end + 31 WHERE id = %s",
    ]
    with connection.cursor() as cursor:
        for sql in statements:
            with pytest.raises(IntegrityError, match="cannot be changed"), transaction.atomic():
                cursor.execute(sql, [note.pk])
    assert CreditNote.objects.values_list("xml", flat=True).get(pk=note.pk) == xml
    assert as_issued(note)
