"""The credit computation (SPEC section 5): set-based aggregates → pure rules → credit lines.

`credits_compute(season=...)` is the one service that writes credit lines. It

1. locks the season row (`SELECT ... FOR NO KEY UPDATE`), so two runs for the same season — a
   Celery retry, a second worker, the CLI next to the task — never interleave: the second waits,
   then finds the lines the first wrote and changes nothing. (`NO KEY`: rows that reference the
   season — billing imports, billed months, credit notes — can still be inserted meanwhile.)
2. reads everything in a fixed number of queries, none per partner or per customer: the approved
   credit claims, the staff exclusions, the billed months, ONE aggregate statement over the usage
   rows (`selectors.usage.usage_facts`) and the existing lines;
3. applies the pure rules (`credits.eligibility`, `credits.caps`);
4. writes only what changed, in bulk: one upsert (`INSERT ... ON CONFLICT DO UPDATE`) for new and
   changed lines, one delete for lines that are no longer eligible.

Issued money never changes by itself (SPEC 2). A line on issued credit notes keeps the amount
they cover — through approvals, revocations, exclusions and cap room freed or taken elsewhere —
until its own consumption changes (a corrected or newly billed month: the pure rules serve it
again, and the difference becomes a correction note). A line on a note that is no longer eligible
(its customer excluded, its claim revoked, its partner disqualified) is kept at that amount with the
reason in its explanation, never set lower; only an explicit reclaim at a disqualification
(`credits.disqualification`) lowers it. A withdrawn partner's lines stay as they were at the
withdrawal: settled ones are still issued, provisional ones (not yet on a note) are removed, and no
new ones come.

Running it twice gives the same lines and the second run writes nothing (`computed_at` moves only
when a line changes).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, F, OuterRef, Subquery, Sum
from django.utils import timezone

from partners.identity import Exclusions
from partners.models import Partner
from seasons.models import Season

from . import eligibility as rules
from .caps import CENT, ZERO, round_cents
from .models import CreditLine, CreditNoteLine
from .selectors.claims import credit_claims, rule_claims
from .selectors.season import billed_months, period_of, rates_of
from .selectors.usage import usage_facts

SETTLED = (CreditLine.Status.FINAL, CreditLine.Status.CAPPED)
MONEY = DecimalField(max_digits=14, decimal_places=2)

UPDATE_FIELDS = [
    "customer",
    "claim",
    "booking_month",
    "first_usage_date",
    "free_months",
    "consumption_eur",
    "credit_eur",
    "status",
    "explanation",
    "computed_at",
]
COMPARED = [f for f in UPDATE_FIELDS if f not in ("customer", "claim", "computed_at")] + [
    "customer_id",
    "claim_id",
]


@dataclass
class ComputeSummary:
    season: str
    lines: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    kept: int = 0  # lines on a note, no longer eligible, set back to their noted amount
    by_status: dict = field(default_factory=dict)
    new_customer_eur: Decimal = ZERO
    workload_eur: Decimal = ZERO

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted or self.kept)

    def __str__(self) -> str:
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(self.by_status.items())) or "none"
        return (
            f"Season {self.season}: {self.lines} credit lines ({statuses}); "
            f"new customers {self.new_customer_eur} EUR, workloads {self.workload_eur} EUR; "
            f"{self.created} created, {self.updated} updated, {self.kept} kept at their noted "
            "amount, "
            f"{self.deleted} deleted, {self.unchanged} unchanged."
        )


def _explanation(line: rules.Line) -> dict:
    """What the line's page shows: JSON-safe, deterministic (compared on the next run)."""
    explanation = {
        "rule": line.kind,
        "booking_month": rules.month_label(line.booking_month),
        "first_usage": line.first_usage.isoformat(),
        "free_months": [
            {
                "month": rules.month_label(month),
                "eur": str(round_cents(amount)),
                "billed": month not in line.unbilled_months,
            }
            for month, amount in line.month_amounts
        ],
        "consumption": str(line.consumption),
        "refund": line.consumption < 0,
        "line_cap": str(line.line_cap),
        "line_capped": line.line_capped,
        "partner_cap": str(line.partner_cap),
        "partner_capped": line.partner_capped,
        "partner_cap_left": str(line.partner_cap_left_before),
        "claim": line.claim_id,
    }
    if line.existing is not None:
        explanation["existing"] = line.existing
    return explanation


def kept_explanation(explanation: dict, *, code: str, details: dict, noted) -> dict:
    """The explanation of a line on a note that is no longer eligible: the facts it was issued on,
    why it no longer earns, and that it keeps the amount its notes cover."""
    facts = {k: v for k, v in (explanation or {}).items() if k != "kept"}
    return {**facts, "kept": {"code": code, "details": details, "noted": str(noted)}}


def noted_lines(lines) -> list[CreditLine]:
    """The credit lines with what their notes cover (`noted`, None when on no note) and the
    consumption the last note was based on (`noted_consumption`), in cents."""
    # order_by(): the models' default orderings would join notes and seasons into every subquery.
    on_notes = CreditNoteLine.objects.filter(credit_line=OuterRef("pk")).order_by()
    result = list(
        lines.order_by().annotate(
            noted=Subquery(
                on_notes.values("credit_line").annotate(total=Sum("amount_eur")).values("total"),
                output_field=MONEY,
            ),
            noted_consumption=Subquery(
                on_notes.order_by("-pk").values("consumption_eur")[:1], output_field=MONEY
            ),
        )
    )
    for line in result:  # SQLite hands sums back as whole numbers or floats
        if line.noted is not None:
            line.noted = Decimal(line.noted).quantize(CENT)
            line.noted_consumption = Decimal(line.noted_consumption).quantize(CENT)
    return result


def partner_status_code(status: str) -> str:
    """The reason code of a line that no longer earns because its partner left."""
    return f"partner_{status}"


def _money(line: CreditLine) -> tuple:
    return (line.credit_eur, line.consumption_eur, line.status)


def _values(line: CreditLine) -> tuple:
    return tuple(getattr(line, name) for name in COMPARED)


def credits_compute(*, season: Season) -> ComputeSummary:
    """Recompute every credit line of `season`; idempotent, serialised per season."""
    with transaction.atomic():
        season = Season.objects.select_for_update(no_key=True).get(pk=season.pk)
        claims = credit_claims(season)
        exclusions = Exclusions.of_season(season.pk)
        billed = billed_months(season)
        facts = usage_facts(season_id=season.pk)
        new_customer_claims, workload_claims = rule_claims(claims, exclusions)
        existing = {
            (line.partner_id, line.customer_tenant_id, line.kind, line.service_group): line
            for line in noted_lines(
                CreditLine.objects.filter(season=season).annotate(
                    partner_status=F("partner__status")
                )
            )
        }
        result = rules.credits_for(
            period=period_of(season),
            rates=rates_of(season),
            facts=facts,
            billed_months=billed,
            new_customer_claims=new_customer_claims,
            workload_claims=workload_claims,
            pins={
                key: rules.Pin(credit=line.noted, consumption=line.noted_consumption)
                for key, line in existing.items()
                if line.noted is not None
            },
        )
        customer_of_claim = {c.claim_id: c.customer_id for c in claims}
        verdict_of = {
            (v.partner_id, v.tenant_id, v.kind, v.service_group): v for v in result.verdicts
        }

        now = timezone.now()
        summary = ComputeSummary(season=season.slug)
        upserts: list[CreditLine] = []
        for line in result.lines:
            wanted = CreditLine(
                season=season,
                partner_id=line.partner_id,
                customer_tenant_id=line.tenant_id,
                customer_id=customer_of_claim.get(line.claim_id),
                claim_id=line.claim_id,
                kind=line.kind,
                service_group=line.service_group,
                booking_month=line.booking_month,
                first_usage_date=line.first_usage,
                free_months=[rules.month_label(m) for m in line.free_months],
                consumption_eur=line.consumption,
                credit_eur=line.credit,
                status=line.status,
                explanation=_explanation(line),
                computed_at=now,
            )
            old = existing.pop(line.key, None)
            if (
                line.pinned
                and old is not None
                and _money(old) == _money(wanted)
                and "kept" not in old.explanation
            ):
                # Kept at its noted amount and still as issued: its explanation stays the one it
                # was issued with (the cap it met then), so a recompute writes nothing.
                wanted.explanation = old.explanation
            if old is None:
                summary.created += 1
                upserts.append(wanted)
            elif _values(old) != _values(wanted):
                summary.updated += 1
                upserts.append(wanted)
            else:
                summary.unchanged += 1
            summary.by_status[line.status] = summary.by_status.get(line.status, 0) + 1
            if line.kind == rules.NEW_CUSTOMER:
                summary.new_customer_eur += line.credit
            else:
                summary.workload_eur += line.credit

        to_delete = []
        for key, old in existing.items():
            if old.partner_status == Partner.Status.WITHDRAWN and (
                old.noted is not None or old.status in SETTLED
            ):
                # As it was at the withdrawal: settled lines are still issued (SPEC 2).
                summary.unchanged += 1
                summary.by_status[old.status] = summary.by_status.get(old.status, 0) + 1
                continue
            if old.noted is None:
                to_delete.append(old.pk)
                continue
            # On an issued note: kept at what the notes cover (never a debit by itself).
            if old.partner_status != Partner.Status.APPROVED:
                code, details = partner_status_code(old.partner_status), {}
            else:
                verdict = verdict_of.get(key)
                code = verdict.code if verdict else rules.NO_CLAIM
                details = verdict.details if verdict else {}
            kept = CreditLine(
                season=season,
                partner_id=old.partner_id,
                customer_tenant_id=old.customer_tenant_id,
                customer_id=old.customer_id,
                claim_id=old.claim_id,
                kind=old.kind,
                service_group=old.service_group,
                booking_month=old.booking_month,
                first_usage_date=old.first_usage_date,
                free_months=old.free_months,
                consumption_eur=old.noted_consumption,
                credit_eur=old.noted,
                status=old.status if old.status in SETTLED else CreditLine.Status.FINAL,
                explanation=kept_explanation(
                    old.explanation, code=code, details=details, noted=old.noted
                ),
                computed_at=now,
            )
            if _values(old) == _values(kept):
                summary.unchanged += 1
            else:
                summary.kept += 1
                upserts.append(kept)
            summary.by_status[kept.status] = summary.by_status.get(kept.status, 0) + 1

        if upserts:
            CreditLine.objects.bulk_create(
                upserts,
                update_conflicts=True,
                unique_fields=["season", "partner", "customer_tenant_id", "kind", "service_group"],
                update_fields=UPDATE_FIELDS,
            )
        if to_delete:
            # Checked inside the same locked transaction; a note issued meanwhile makes the
            # PROTECT foreign key refuse the delete instead of losing the line.
            CreditLine.objects.filter(pk__in=to_delete, note_lines__isnull=True).delete()
            summary.deleted = len(to_delete)
        summary.lines = len(result.lines) + len(existing) - len(to_delete)
    return summary
