"""Rows written once (the points ledger, issued credit notes): their querysets refuse bulk
changes and deletes as their `save()` and `delete()` do, so `QuerySet.update()`, `bulk_update()`,
`delete()` and an upsert cannot go around the guard. On PostgreSQL, triggers created by the apps'
migrations refuse the same from any client."""

from django.db import models


class ImmutableQuerySet(models.QuerySet):
    """Subclasses name the exception, the two messages and the fields that may still be updated
    (e.g. a credit note's PDF, recorded once it is rendered)."""

    error: type[Exception] = ValueError
    changed_message = "These rows are never changed."
    deleted_message = "These rows are never deleted."
    mutable_fields: frozenset[str] = frozenset()

    def _refuse_change(self, fields) -> None:
        if not set(fields) <= self.mutable_fields:
            raise self.error(self.changed_message)

    def update(self, **kwargs):
        self._refuse_change(kwargs)
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        self._refuse_change(fields)  # before its transaction begins, which it would break
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def delete(self):
        raise self.error(self.deleted_message)

    def bulk_create(self, objs, *args, update_conflicts=False, **kwargs):
        if update_conflicts:  # ON CONFLICT DO UPDATE changes existing rows
            raise self.error(self.changed_message)
        return super().bulk_create(objs, *args, **kwargs)
