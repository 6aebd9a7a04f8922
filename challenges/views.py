"""Partner-side pages of the league: the company's end customers, claims, points statement,
academy seats and training redemptions. Every view is tenant-scoped through `partner_view`;
writes go through `challenges.services`, whose `DomainError` is shown as a form error."""

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from core.errors import DomainError
from core.tables import CountedPaginator
from partners import services as partner_services
from partners.models import EndCustomer
from partners.tenancy import get_for_partner, partner_view

from . import selectors
from .evidence import evidence_response
from .filters import ClaimFilter
from .forms import (
    AcademySeatForm,
    AnswerForm,
    ClaimForm,
    CustomerForm,
    RedemptionForm,
    claim_spec,
)
from .models import Claim
from .services import academy as academy_services
from .services import claims as claim_services
from .services import redemptions as redemption_services
from .tables import ClaimTable, CustomerClaimTable, CustomerTable, RedemptionTable, StatementTable

PAGE_SIZE = 50

# --- End customers -------------------------------------------------------------------------------


@partner_view()
def customer_list(request, membership):
    partner = membership.partner
    customers = selectors.customer_list(partner)
    table = CustomerTable(customers, can_report=partner.status == partner.Status.APPROVED)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    return render(
        request,
        "challenges/customer_list.html",
        {"partner": partner, "customers": customers, "table": table},
    )


@partner_view(approved=True)
def customer_create(request, membership):
    form = CustomerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = partner_services.customer_create(
                partner=membership.partner, data=form.customer_data(), actor=request.user
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("%(name)s was added to your end customers.") % {"name": customer.name}
            )
            return redirect("challenges:customer-detail", pk=customer.pk)
    return render(
        request, "challenges/customer_form.html", {"partner": membership.partner, "form": form}
    )


@partner_view(model=EndCustomer)
def customer_detail(request, membership, pk):
    customer = get_for_partner(EndCustomer, membership.partner, pk=pk)
    claims = list(selectors.customer_claims(customer))
    table = CustomerClaimTable(claims)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    return render(
        request,
        "challenges/customer_detail.html",
        {
            "partner": membership.partner,
            "customer": customer,
            "claims": claims,
            "table": table,
            "points": sum(c.points_booked + c.bonus_booked for c in claims),
            "challenges": selectors.customer_challenges(customer, claims),
        },
    )


# --- Claims --------------------------------------------------------------------------------------


@partner_view()
def claim_list(request, membership):
    partner = membership.partner
    claims = ClaimFilter(request.GET, selectors.claim_list(partner))
    table = ClaimTable(claims.qs)
    status = claims.status_shown
    if status:
        table.empty_text = _("No claims with this status.")
    counts = selectors.claim_status_counts(partner)
    shown = counts[status] if status else sum(counts.values())
    RequestConfig(
        request,
        paginate={"paginator_class": CountedPaginator, "count": shown, "per_page": PAGE_SIZE},
    ).configure(table)
    return render(
        request,
        "challenges/claim_list.html",
        {
            "partner": partner,
            "claims": claims.qs,
            "table": table,
            "status": status,
            "total": sum(counts.values()),
            "statuses": [(value, label, counts[value]) for value, label in Claim.Status.choices],
        },
    )


def _choose_context(partner, customer_pk: str | None):
    customer = None
    if customer_pk and customer_pk.isdigit():
        customer = EndCustomer.objects.filter(partner=partner, pk=customer_pk).first()
    return {
        "partner": partner,
        "customer": customer,
        "challenges": [
            (challenge, claim_spec(challenge))
            for challenge in selectors.challenge_claimable_list(partner.season_id)
        ],
        "has_customers": EndCustomer.objects.filter(partner=partner).exists(),
    }


@partner_view(approved=True)
def claim_choose(request, membership):
    return render(
        request,
        "challenges/claim_choose.html",
        _choose_context(membership.partner, request.GET.get("customer")),
    )


@partner_view(approved=True)
def claim_create(request, membership, code):
    partner = membership.partner
    challenge = selectors.challenge_claimable_get(partner.season_id, code)
    if challenge is None:
        # A code from an old link or a forged URL: say so, and offer the real challenges.
        context = _choose_context(partner, request.GET.get("customer"))
        context["unknown_code"] = code
        return render(request, "challenges/claim_choose.html", context, status=404)
    initial = {}
    customer_pk = request.GET.get("customer", "")
    if customer_pk.isdigit():
        initial["customer"] = (
            EndCustomer.objects.filter(partner=partner, pk=customer_pk).values_list("pk", flat=True)
        ).first()
    form = ClaimForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        partner=partner,
        challenge=challenge,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            claim = claim_services.claim_submit(
                membership=membership,
                challenge_code=challenge.code,
                customer=form.cleaned_data["customer"],
                data=form.claim_data(),
                evidence=form.cleaned_data.get("evidence") or None,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Your claim “%(title)s” was submitted. Ingram Micro will review it.")
                % {"title": challenge.title},
            )
            return redirect("challenges:claim-detail", pk=claim.pk)
    return render(
        request,
        "challenges/claim_form.html",
        {
            "partner": partner,
            "challenge": challenge,
            "spec": form.spec,
            "form": form,
            "has_customers": form.fields["customer"].queryset.exists(),
        },
    )


@partner_view(model=Claim)
def claim_detail(request, membership, pk):
    claim = selectors.claim_get(membership.partner, pk)
    return render(
        request,
        "challenges/claim_detail.html",
        {
            "partner": membership.partner,
            "claim": claim,
            "transitions": selectors.claim_transitions(claim),
            "answer_form": AnswerForm() if claim.status == Claim.Status.NEEDS_INFO else None,
        },
    )


@require_POST
@partner_view(model=Claim)
def claim_answer(request, membership, pk):
    claim = get_for_partner(Claim, membership.partner, pk=pk)
    form = AnswerForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(" ".join(form.errors["answer"]))
        claim_services.claim_answer(
            claim=claim, membership=membership, answer=form.cleaned_data["answer"]
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Thank you. Your answer was sent; the claim is back in review.")
        )
    return redirect("challenges:claim-detail", pk=claim.pk)


@require_POST
@partner_view(model=Claim)
def claim_withdraw(request, membership, pk):
    claim = get_for_partner(Claim, membership.partner, pk=pk)
    try:
        claim_services.claim_withdraw(claim=claim, membership=membership)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The claim was withdrawn."))
    return redirect("challenges:claim-detail", pk=claim.pk)


@partner_view(model=Claim)
def claim_evidence(request, membership, pk):
    return evidence_response(get_for_partner(Claim, membership.partner, pk=pk))


# --- Points, academy, trainings ------------------------------------------------------------------


@partner_view()
def statement(request, membership):
    lines, total = selectors.statement(membership.partner)
    table = StatementTable(lines)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    return render(
        request,
        "challenges/statement.html",
        {"partner": membership.partner, "lines": lines, "total": total, "table": table},
    )


@partner_view()
def academy(request, membership):
    partner = membership.partner
    can_book = partner.status == partner.Status.APPROVED
    posted = request.method == "POST" and can_book
    form = AcademySeatForm(request.POST if posted else None, partner=partner)
    if posted and form.is_valid():
        try:
            academy_services.academy_seat_book(
                membership=membership,
                academy=form.cleaned_data["academy"],
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(name)s is registered for the academy on %(date)s.")
                % {
                    "name": form.cleaned_data["name"],
                    "date": date_format(form.cleaned_data["academy"].date, "SHORT_DATE_FORMAT"),
                },
            )
            return redirect("challenges:academy")
    dates = selectors.academy_dates(partner)
    booked = sum(len(d.own_seats) for d in dates)
    seats = partner.season.academy_seats
    return render(
        request,
        "challenges/academy.html",
        {
            "partner": partner,
            "season": partner.season,
            "dates": dates,
            "booked": booked,
            "seats_left": max(0, seats - booked),
            "granted": selectors.academy_granted(partner),
            "form": form if can_book else None,
        },
    )


@partner_view()
def redemption_list(request, membership):
    partner = membership.partner
    can_request = partner.status == partner.Status.APPROVED
    posted = request.method == "POST" and can_request
    form = RedemptionForm(request.POST if posted else None)
    if posted and form.is_valid():
        try:
            redemption_services.redemption_request(
                membership=membership,
                training=form.cleaned_data["training"],
                provider=form.cleaned_data["provider"],
                amount_eur=form.cleaned_data["amount_eur"],
            )
        except DomainError as exc:
            form.add_error("amount_eur", str(exc))
        else:
            messages.success(request, _("Your request was sent to Ingram Micro."))
            return redirect("challenges:redemption-list")
    redemptions = list(selectors.redemption_list(partner))
    table = RedemptionTable(redemptions)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    return render(
        request,
        "challenges/redemption_list.html",
        {
            "partner": partner,
            "season": partner.season,
            "balance": selectors.redemption_balance(partner),
            "points": selectors.partner_points(partner),
            "redemptions": redemptions,
            "table": table,
            "requested": sum(
                (r.amount_eur for r in redemptions if r.status == r.Status.REQUESTED), Decimal(0)
            ),
            "form": form if can_request else None,
        },
    )
