"""The points ledger is append-only (SPEC 3) whichever way a write comes: an entry's save() and
delete(), bulk updates and deletes through the ORM, and on PostgreSQL raw SQL too. Deleting a user
who booked entries keeps them, without the actor."""

import pytest
from django.db import IntegrityError, connection, transaction

from challenges.models import LedgerEntry
from challenges.services.claims import claim_approve
from tests.factories import ClaimFactory, EndCustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)


@pytest.fixture
def entry(company_a, staff_user) -> LedgerEntry:
    claim = ClaimFactory(customer=EndCustomerFactory(partner=company_a))
    claim_approve(claim=claim, reviewer=staff_user)
    return LedgerEntry.objects.get(claim=claim)


def unchanged(entry: LedgerEntry) -> bool:
    return LedgerEntry.objects.filter(pk=entry.pk, points=50, kind="grant").exists()


def test_bulk_updates_are_refused(entry, company_a):
    with pytest.raises(ValueError, match="never changed; add a counter-entry"):
        LedgerEntry.objects.filter(pk=entry.pk).update(points=5000)
    with pytest.raises(ValueError, match="never changed"):
        company_a.ledger.update(points=5000)  # through a relation
    entry.points = 5000
    with pytest.raises(ValueError, match="never changed"):
        LedgerEntry.objects.bulk_update([entry], ["points"])
    with pytest.raises(ValueError, match="never changed"):
        LedgerEntry.objects.bulk_create(
            [entry], update_conflicts=True, unique_fields=["id"], update_fields=["points"]
        )
    assert unchanged(entry)


def test_bulk_deletes_are_refused(entry, company_a):
    with pytest.raises(ValueError, match="never deleted; add a counter-entry"):
        LedgerEntry.objects.all().delete()
    with pytest.raises(ValueError, match="never deleted"):
        entry.claim.ledger_entries.all().delete()
    assert unchanged(entry)


@postgres_only
def test_the_database_refuses_a_change_or_delete_by_raw_sql(entry):
    table = LedgerEntry._meta.db_table
    with connection.cursor() as cursor:
        with pytest.raises(IntegrityError, match="never changed"), transaction.atomic():
            cursor.execute(f"UPDATE {table} SET points = 5000 WHERE id = %s", [entry.pk])
        with pytest.raises(IntegrityError, match="never changed"), transaction.atomic():
            other = UserFactory()
            cursor.execute(f"UPDATE {table} SET actor_id = %s WHERE id = %s", [other.pk, entry.pk])
        with pytest.raises(IntegrityError, match="never deleted"), transaction.atomic():
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [entry.pk])
    assert unchanged(entry)


def test_deleting_the_reviewer_keeps_the_entries_without_the_actor(entry, staff_user):
    staff_user.delete()
    entry = LedgerEntry.objects.get(pk=entry.pk)
    assert entry.actor is None and entry.points == 50
