"""Credit lines as the computation stores them, and notes issued from them."""

import uuid
from decimal import Decimal

from credits.models import CreditLine, CreditNote
from credits.notes.issuing import credit_notes_issue
from partners.models import EndCustomer
from tests.factories import EndCustomerFactory

NOTES = "/staff/credit-notes/"


def credit_line(
    partner,
    credit="100.00",
    *,
    status=CreditLine.Status.FINAL,
    kind=CreditLine.Kind.NEW_CUSTOMER,
    group="",
    month=None,
    consumption=None,
    customer_name="Endkunde GmbH",
    tenant_id=None,
    explanation=None,
) -> CreditLine:
    """A credit line as the computation would store it (built directly: that is another
    module's job)."""
    season = partner.season
    month = month or season.start_date.replace(day=1)
    tenant_id = tenant_id or str(uuid.uuid4())
    customer = EndCustomer.objects.filter(partner=partner, tenant_id=tenant_id).first()
    customer = customer or EndCustomerFactory(
        partner=partner, tenant_id=tenant_id, name=customer_name
    )
    free = 1 if kind == CreditLine.Kind.NEW_CUSTOMER else 2
    free_months = [
        f"{month.year + (month.month + i - 1) // 12}-{(month.month + i - 1) % 12 + 1:02d}"
        for i in range(1, free + 1)
    ]
    return CreditLine.objects.create(
        season=season,
        partner=partner,
        customer_tenant_id=tenant_id,
        customer=customer,
        kind=kind,
        service_group=group,
        booking_month=month,
        first_usage_date=month.replace(day=10),
        free_months=free_months,
        consumption_eur=Decimal(consumption if consumption is not None else credit),
        credit_eur=Decimal(credit),
        status=status,
        explanation=explanation or {"booking_month": f"{month:%Y-%m}"},
    )


def make_credit_note(partner) -> CreditNote:
    """An issued note of `partner`, with one line of 10 €."""
    credit_line(partner, "10.00")
    (note,) = credit_notes_issue(season=partner.season, issued_by=None, partner=partner)
    return note


def change_credit(line: CreditLine, credit: str, **fields) -> None:
    """What a later import and computation do to a line."""
    CreditLine.objects.filter(pk=line.pk).update(
        credit_eur=Decimal(credit), consumption_eur=Decimal(credit), **fields
    )


def legacy_note(partner, amount="10.00") -> CreditNote:
    """A note as issue 10 issued it: net only, no parties, no XML."""
    line = credit_line(partner, amount)
    sequence = CreditNote.objects.filter(season=partner.season).count() + 1
    note = CreditNote.objects.create(
        season=partner.season,
        partner=partner,
        sequence=sequence,
        number=f"GS-{partner.season.end_date.year}-{sequence:05d}",
        total_eur=Decimal(amount),
    )
    note.lines.create(
        credit_line=line,
        amount_eur=Decimal(amount),
        consumption_eur=Decimal(amount),
        description="Alt",
    )
    return note
