"""Reads for the staff pages. Each selector runs a fixed number of queries, however many rows."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath

from django.db.models import Count, Prefetch, Q, QuerySet

from partners.identity import Exclusions
from partners.models import CustomerExclusion, EndCustomer, Partner
from seasons.models import Season

from . import billing, catalogue, rules, selectors
from .models import AcademyDate, AcademySeat, Claim, ClaimTransition, LedgerEntry, Redemption
from .staff_forms import STATUS_OPEN

IMAGE_SUFFIXES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
EVIDENCE_TYPES = {".pdf": "application/pdf", **IMAGE_SUFFIXES}


# --- Review queue --------------------------------------------------------------------------------


def claim_queue_list(*, season: Season) -> QuerySet[Claim]:
    """The season's claims for the review queue, oldest first (challenges.filters narrows them)."""
    return (
        Claim.objects.filter(season=season)
        .select_related("partner__league", "challenge", "customer")
        .order_by("submitted_at", "pk")
    )


def claim_status_counts(*, season: Season) -> dict[str, int]:
    """Claims per status in the season, plus `open` and `all`, in one query."""
    counts = Claim.objects.filter(season=season).aggregate(
        **{value: Count("pk", filter=Q(status=value)) for value in Claim.Status.values},
        all=Count("pk"),
    )
    counts[STATUS_OPEN] = sum(counts[s] for s in Claim.OPEN)
    return counts


def customer_conflicts(customer: EndCustomer) -> QuerySet[EndCustomer]:
    """Other partners' end customers with the same tenant ID or the same domain."""
    same = Q(tenant_id=customer.tenant_id)
    if customer.domain:
        same |= Q(domain=customer.domain)
    return (
        EndCustomer.objects.filter(same, season_id=customer.season_id)
        .exclude(partner_id=customer.partner_id)
        .select_related("partner")
    )


def customer_conflicts_map(customers: Iterable[EndCustomer]) -> dict[int, list[EndCustomer]]:
    """`customer_conflicts` for many end customers at once, in one query: for each
    customer, the other partners' end customers with the same tenant ID or domain."""
    customers = [c for c in customers if c is not None]
    if not customers:
        return {}
    tenants = {c.tenant_id for c in customers}
    domains = {c.domain for c in customers if c.domain}
    seasons = {c.season_id for c in customers}
    same = Q(tenant_id__in=tenants)
    if domains:
        same |= Q(domain__in=domains)
    candidates = list(
        EndCustomer.objects.filter(same, season_id__in=seasons)
        .select_related("partner")
        .order_by("partner__name", "name")
    )
    by_tenant, by_domain = defaultdict(list), defaultdict(list)
    for other in candidates:
        by_tenant[(other.season_id, other.tenant_id)].append(other)
        if other.domain:
            by_domain[(other.season_id, other.domain)].append(other)
    result = {}
    for customer in customers:
        matches = by_tenant[(customer.season_id, customer.tenant_id)]
        if customer.domain:
            matches = matches + by_domain[(customer.season_id, customer.domain)]
        seen, others = set(), []
        for other in matches:
            if other.partner_id != customer.partner_id and other.pk not in seen:
                seen.add(other.pk)
                others.append(other)
        result[customer.pk] = others
    return result


def is_simple(claim: Claim, conflicts: list | None = None) -> bool:
    """A claim staff may approve in bulk from the queue: of a challenge the catalogue allows bulk
    approval for, without evidence or a conflict to read. Everything else is read one by one."""
    return (
        claim.status == Claim.Status.SUBMITTED
        and claim.challenge.code in catalogue.bulk_approval_codes()
        and not claim.evidence
        and not conflicts
    )


def azure_use_before_season(claims: Iterable[Claim]) -> dict[int, date]:
    """For `new_customer` claims whose tenant has consumption before the season in any imported
    billing (SPEC section 3: the end customer must be new to Azure): claim id → the first month
    with consumption. Two queries for any number of claims."""
    claims = [c for c in claims if c.challenge.code == rules.NEW_CUSTOMER_CODE and c.customer_id]
    if not claims:
        return {}
    seasons = Season.objects.in_bulk({c.season_id for c in claims})
    # Against the latest start, then per claim against its own season's start.
    first_use = billing.azure_first_usage(
        tenant_ids={c.customer.tenant_id for c in claims},
        season=max(seasons.values(), key=lambda s: s.start_date),
    )
    return {
        c.pk: first_use[c.customer.tenant_id].replace(day=1)
        for c in claims
        if c.customer.tenant_id in first_use
        and first_use[c.customer.tenant_id] < seasons[c.season_id].start_date
    }


@dataclass
class ContradictedRow:
    claim: Claim
    first_month: date
    reason: str


def claim_contradicted_list(*, season: Season) -> list[ContradictedRow]:
    """Approved `new_customer` claims that the billing imported since contradicts (SPEC 3): the
    tenant has consumption before the season. A query over the current state, not a flag the
    import sets, so an approval and an import that meet end right in either order. Nothing changes
    by itself; staff revoke from the list with the reason filled in."""
    claims = list(
        Claim.objects.filter(
            season=season,
            status=Claim.Status.APPROVED,
            challenge__code=rules.NEW_CUSTOMER_CODE,
            customer__isnull=False,
        )
        .select_related("partner__league", "challenge", "customer", "decided_by")
        .order_by("decided_at", "pk")
    )
    first_use = billing.azure_first_usage(
        tenant_ids={c.customer.tenant_id for c in claims}, season=season
    )
    return [
        ContradictedRow(
            claim=c,
            first_month=first_use[c.customer.tenant_id].replace(day=1),
            reason=billing.not_new_reason(first_use[c.customer.tenant_id]),
        )
        for c in claims
        if c.customer.tenant_id in first_use
    ]


@dataclass
class QueueRow:
    claim: Claim
    conflicts: list[EndCustomer]
    simple: bool
    used_before: date | None = None


def queue_rows(claims: Iterable[Claim]) -> list[QueueRow]:
    claims = list(claims)
    conflicts = customer_conflicts_map(c.customer for c in claims)
    used_before = azure_use_before_season(claims)
    rows = []
    for claim in claims:
        found = conflicts.get(claim.customer_id, []) if claim.customer_id else []
        rows.append(
            QueueRow(
                claim=claim,
                conflicts=found,
                simple=is_simple(claim, found),
                used_before=used_before.get(claim.pk),
            )
        )
    return rows


def claims_for_bulk(*, ids: Iterable[int]) -> list[QueueRow]:
    claims = (
        Claim.objects.filter(pk__in=set(ids))
        .select_related("partner", "challenge", "customer")
        .order_by("submitted_at", "pk")
    )
    return queue_rows(claims)


# --- One claim -----------------------------------------------------------------------------------


def claim_get(*, pk: int) -> Claim:
    return Claim.objects.select_related(
        "partner__league",
        "partner__season",
        "challenge",
        "customer",
        "submitted_by",
        "decided_by",
    ).get(pk=pk)


def evidence_content_type(claim: Claim) -> str:
    """Only the formats the upload accepts are served as themselves; anything else downloads."""
    return EVIDENCE_TYPES.get(PurePath(claim.evidence.name).suffix.lower(), "")


def evidence_is_image(claim: Claim) -> bool:
    return bool(claim.evidence) and evidence_content_type(claim).startswith("image/")


def claim_transitions(claim: Claim) -> list[ClaimTransition]:
    labels = dict(Claim.Status.choices)
    transitions = list(claim.transitions.select_related("actor"))
    for transition in transitions:
        transition.from_label = labels.get(transition.from_status, "")
        transition.to_label = labels.get(transition.to_status, transition.to_status)
    return transitions


def claim_ledger(claim: Claim) -> QuerySet[LedgerEntry]:
    return claim.ledger_entries.select_related("challenge", "actor")


def partner_customer_history(claim: Claim) -> QuerySet[Claim]:
    """All claims of the claim's partner for the same end customer (the claim itself included)."""
    if claim.customer_id is None:
        return (
            Claim.objects.filter(partner_id=claim.partner_id, customer__isnull=True)
            .filter(challenge=claim.challenge)
            .select_related("challenge")
        )
    return (
        Claim.objects.filter(partner_id=claim.partner_id, customer_id=claim.customer_id)
        .select_related("challenge")
        .order_by("submitted_at", "pk")
    )


@dataclass
class Conflict:
    customer: EndCustomer
    claims: list[Claim]


def claim_conflicts(claim: Claim) -> list[Conflict]:
    """Other partners' end customers with the same tenant ID or domain, with their claims."""
    if claim.customer is None:
        return []
    others = list(customer_conflicts(claim.customer).order_by("partner__name", "name"))
    claims = defaultdict(list)
    for other in Claim.objects.filter(customer__in=others).select_related("challenge"):
        claims[other.customer_id].append(other)
    return [Conflict(customer=o, claims=claims[o.pk]) for o in others]


def partner_summary(partner: Partner) -> dict:
    counts = Claim.objects.filter(partner=partner).aggregate(
        approved=Count("pk", filter=Q(status=Claim.Status.APPROVED)),
        open=Count("pk", filter=Q(status__in=Claim.OPEN)),
    )
    return {**counts, "points": selectors.partner_points(partner)}


# --- Exclusions ----------------------------------------------------------------------------------


@dataclass
class ExclusionRow:
    exclusion: CustomerExclusion
    customers: list[EndCustomer]


def exclusion_list(*, season: Season) -> list[ExclusionRow]:
    """The season's exclusions, each with the reported end customers it hits (and their claims)."""
    exclusions = list(CustomerExclusion.objects.filter(season=season).select_related("created_by"))
    if not exclusions:
        return []
    hit = Q(pk__in=[])
    for exclusion in exclusions:
        if exclusion.kind == CustomerExclusion.Kind.TENANT:
            hit |= Q(tenant_id=exclusion.value)
        else:
            hit |= Q(domain=exclusion.value) | Q(domain__endswith="." + exclusion.value)
    customers = list(
        EndCustomer.objects.filter(hit, season=season)
        .select_related("partner")
        .annotate(
            open_claims=Count("claims", filter=Q(claims__status__in=Claim.OPEN)),
            approved_claims=Count("claims", filter=Q(claims__status=Claim.Status.APPROVED)),
        )
        .order_by("partner__name", "name")
    )
    return [
        ExclusionRow(
            exclusion=e,
            customers=[c for c in customers if Exclusions([e]).covering(c.tenant_id, c.domain)],
        )
        for e in exclusions
    ]


# --- Academy -------------------------------------------------------------------------------------


def academy_list(*, season: Season) -> list[AcademyDate]:
    seats = AcademySeat.objects.select_related("partner", "recorded_by").order_by(
        "partner__name", "name"
    )
    return list(
        AcademyDate.objects.filter(season=season).prefetch_related(Prefetch("seats", seats))
    )


def academy_granted_partner_ids(*, season: Season) -> set[int]:
    return set(
        Claim.objects.filter(
            season=season, challenge__code="academy", status=Claim.Status.APPROVED
        ).values_list("partner_id", flat=True)
    )


# --- Redemptions ---------------------------------------------------------------------------------


@dataclass
class RedemptionRow:
    redemption: Redemption
    balance: dict
    fits: bool


def redemption_open_list(*, season: Season) -> list[RedemptionRow]:
    """Open requests, oldest first, each with its partner's balance (one balance per partner)."""
    redemptions = list(
        Redemption.objects.filter(season=season, status=Redemption.Status.REQUESTED)
        .select_related("partner__season", "requested_by")
        .order_by("requested_at", "pk")
    )
    balances = {}
    for redemption in redemptions:
        if redemption.partner_id not in balances:
            balances[redemption.partner_id] = selectors.redemption_balance(redemption.partner)
    return [
        RedemptionRow(
            redemption=r,
            balance=balances[r.partner_id],
            fits=r.amount_eur <= balances[r.partner_id]["available"],
        )
        for r in redemptions
    ]


def redemption_decided_list(*, season: Season, limit: int = 20) -> QuerySet[Redemption]:
    return (
        Redemption.objects.filter(season=season)
        .exclude(status=Redemption.Status.REQUESTED)
        .select_related("partner", "decided_by")
        .order_by("-decided_at", "-pk")[:limit]
    )
