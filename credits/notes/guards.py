"""Issued credit notes and their positions never change (SPEC 5).

There is no update path for notes: everything a note is issued with (amounts, VAT, the parties,
the XML) is written in the INSERT that issues it. These `pre_save`/`pre_delete` receivers refuse
changes to an issued note or its lines one object at a time, except recording the rendered PDF;
bulk changes are refused by the models' querysets, and on PostgreSQL by triggers (migration
0007, which compare the whole row, so columns added later are covered too). `CreditsConfig.ready`
imports this module, so the receivers are connected in every process.
"""

from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver

from core.errors import DomainError

from ..models import NOTE_CHANGED, NOTE_DELETED, NOTE_PDF_FIELDS, CreditNote, CreditNoteLine


@receiver(pre_save, sender=CreditNote, dispatch_uid="credit_note_immutable")
def _refuse_note_change(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance._state.adding:
        return
    if update_fields is not None and set(update_fields) <= NOTE_PDF_FIELDS:
        return
    raise DomainError(NOTE_CHANGED)


@receiver(pre_save, sender=CreditNoteLine, dispatch_uid="credit_note_line_immutable")
def _refuse_note_line_change(sender, instance, raw=False, **kwargs):
    if not raw and not instance._state.adding:
        raise DomainError(NOTE_CHANGED)


@receiver(pre_delete, sender=CreditNote, dispatch_uid="credit_note_undeletable")
@receiver(pre_delete, sender=CreditNoteLine, dispatch_uid="credit_note_line_undeletable")
def _refuse_note_delete(sender, instance, **kwargs):
    raise DomainError(NOTE_DELETED)
