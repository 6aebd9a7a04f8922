"""Staff pages of issue 3: the review queue and a claim's review, disqualification, exclusions,
academy attendance and training redemptions. Every write goes through challenges.services; a
DomainError becomes an error message and changes nothing."""

from pathlib import PurePath

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from core.decorators import staff_required
from core.errors import DomainError
from core.formatting import number
from partners.identity import Exclusions
from partners.models import Partner
from seasons.models import Season

from . import billing, staff_selectors
from .filters import ClaimQueueFilter
from .models import AcademyDate, AcademySeat, Claim, Redemption
from .services.academy import academy_attendance_record, academy_date_create
from .services.claims import (
    claim_approve,
    claim_ask,
    claim_bulk_approve,
    claim_reject,
    claim_revoke,
)
from .services.exclusions import exclusion_create
from .services.redemptions import redemption_decide
from .staff_forms import (
    STATUS_ALL,
    STATUS_OPEN,
    AcademyDateForm,
    AskForm,
    BulkApproveForm,
    ExclusionForm,
    RedemptionRejectForm,
    RejectForm,
    RevokeForm,
)
from .tables import (
    ClaimQueueTable,
    ContradictedTable,
    RedemptionDecidedTable,
    RedemptionOpenTable,
)

PAGE_SIZE = 50


def _back(request, default: str):
    """Redirect to the page the form came from (a local URL only), else to `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def _posted_pk(request, name: str) -> int:
    value = request.POST.get(name, "")
    if not value.isdigit():
        raise Http404
    return int(value)


def _claim_label(claim: Claim) -> str:
    return f"#{claim.pk} {claim.partner.name} – {claim.challenge.code}"


# --- Review queue --------------------------------------------------------------------------------


@staff_required
def queue(request):
    season = Season.objects.current()
    claims = ClaimQueueFilter(
        request.GET, staff_selectors.claim_queue_list(season=season), season=season
    )
    table = ClaimQueueTable(claims.qs)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    rows = staff_selectors.queue_rows(table.page_records())
    table.attach(rows)
    counts = staff_selectors.claim_status_counts(season=season)
    statuses = [
        (STATUS_OPEN, _("open"), counts[STATUS_OPEN]),
        *((value, label, counts[value]) for value, label in Claim.Status.choices),
        (STATUS_ALL, _("all"), counts[STATUS_ALL]),
    ]
    return render(
        request,
        "challenges/staff/claim_queue.html",
        {
            "season": season,
            "filter": claims,
            "status": claims.status_shown,
            "table": table,
            "page": table.page,
            "rows": rows,
            "statuses": statuses,
            "contradicted": len(staff_selectors.claim_contradicted_list(season=season))
            if season
            else 0,
        },
    )


@staff_required
@require_POST
def bulk_approve(request):
    back = _back(request, reverse("challenges:staff-queue"))
    form = BulkApproveForm(request.POST)
    if not form.is_valid():
        messages.warning(request, form.errors["claims"][0])
        return back
    try:
        result = claim_bulk_approve(claim_ids=form.cleaned_data["claims"], reviewer=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return back
    for claim, reason in result.refused:
        messages.error(request, f"{_claim_label(claim)}: {reason}")
    if result.approved:
        messages.success(
            request,
            ngettext(
                "Approved %(n)s claim: %(claims)s",
                "Approved %(n)s claims: %(claims)s",
                len(result.approved),
            )
            % {
                "n": len(result.approved),
                "claims": "; ".join(_claim_label(claim) for claim in result.approved),
            },
        )
    return back


# --- One claim -----------------------------------------------------------------------------------

REVIEW_FORMS = {"reject": RejectForm, "ask": AskForm, "revoke": RevokeForm}


def _get_claim(pk: int) -> Claim:
    try:
        return staff_selectors.claim_get(pk=pk)
    except Claim.DoesNotExist:
        raise Http404 from None


def _review(request, claim: Claim, action: str, form) -> str:
    """Run one review action through its service; the message to show on success."""
    if action == "approve":
        claim_approve(claim=claim, reviewer=request.user)
        return _("The claim is approved: %(points)s points booked.") % {
            "points": number(claim.challenge.points)
        }
    if action == "reject":
        claim_reject(claim=claim, reviewer=request.user, reason=form.cleaned_data["reason"])
        return _("The claim is rejected; the partner is told the reason.")
    if action == "ask":
        claim_ask(claim=claim, reviewer=request.user, question=form.cleaned_data["question"])
        return _("Your question is sent to the partner.")
    claim_revoke(claim=claim, reviewer=request.user, reason=form.cleaned_data["reason"])
    return _("The claim is revoked; its points are taken back.")


@staff_required
def claim_review(request, pk):
    claim = _get_claim(pk)
    used_before = staff_selectors.azure_use_before_season([claim]).get(claim.pk)
    forms = {name: form_class() for name, form_class in REVIEW_FORMS.items()}
    if used_before is not None:
        # Not new to Azure: the decision staff will take (reject, or revoke an approved claim)
        # comes with its reason filled in.
        reason = billing.not_new_reason(used_before)
        forms["reject"] = RejectForm(initial={"reason": reason})
        forms["revoke"] = RevokeForm(initial={"reason": reason})
    if request.method == "POST":
        action = request.POST.get("action", "")
        form = None
        if action in REVIEW_FORMS:
            form = forms[action] = REVIEW_FORMS[action](request.POST)
        if action == "approve" or (form is not None and form.is_valid()):
            try:
                messages.success(request, _review(request, claim, action, form))
            except DomainError as exc:
                messages.error(request, str(exc))
            return redirect("challenges:staff-claim", pk=claim.pk)
        if form is None:
            messages.error(request, _("Unknown action."))
            return redirect("challenges:staff-claim", pk=claim.pk)
    customer = claim.customer
    return render(
        request,
        "challenges/staff/claim_review.html",
        {
            "claim": claim,
            "partner": claim.partner,
            "customer": customer,
            "forms": forms,
            "transitions": staff_selectors.claim_transitions(claim),
            "ledger": staff_selectors.claim_ledger(claim),
            "history": staff_selectors.partner_customer_history(claim),
            "conflicts": staff_selectors.claim_conflicts(claim),
            "used_before": used_before,
            "exclusion": Exclusions.of_season(claim.season_id).covering(
                customer.tenant_id, customer.domain
            )
            if customer
            else None,
            "evidence_is_image": staff_selectors.evidence_is_image(claim),
            "summary": staff_selectors.partner_summary(claim.partner),
            "bant": [
                (_("Budget"), claim.bant_budget),
                (_("Authority"), claim.bant_authority),
                (_("Need"), claim.bant_need),
                (_("Time"), claim.bant_time),
            ],
        },
    )


@staff_required
def claim_evidence(request, pk):
    claim = get_object_or_404(Claim, pk=pk)
    if not claim.evidence:
        raise Http404
    content_type = staff_selectors.evidence_content_type(claim)
    try:
        handle = claim.evidence.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        # Anything but the accepted formats is offered as a download, never rendered.
        content_type=content_type or "application/octet-stream",
        as_attachment=not content_type,
        filename=claim.evidence_name or PurePath(claim.evidence.name).name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
def contradicted(request):
    """Approved `new_customer` claims that billing imported later contradicts (SPEC 3): nothing
    changes by itself; staff revoke each in one step, the reason filled in."""
    season = Season.objects.current()
    if request.method == "POST":
        claim = _get_claim(_posted_pk(request, "claim"))
        form = RevokeForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Please give a reason for the revocation."))
        else:
            try:
                claim_revoke(claim=claim, reviewer=request.user, reason=form.cleaned_data["reason"])
            except DomainError as exc:
                messages.error(request, f"{_claim_label(claim)}: {exc}")
            else:
                messages.success(
                    request,
                    _("%(claim)s is revoked; its points are taken back.")
                    % {"claim": _claim_label(claim)},
                )
        return redirect("challenges:staff-contradicted")
    rows = staff_selectors.claim_contradicted_list(season=season) if season else []
    for row in rows:
        row.form = RevokeForm(initial={"reason": row.reason}, auto_id=f"c{row.claim.pk}_%s")
    table = ContradictedTable(rows)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    return render(
        request,
        "challenges/staff/claim_contradicted.html",
        {"season": season, "rows": rows, "table": table},
    )


# --- Partner -------------------------------------------------------------------------------------


# --- Exclusions ----------------------------------------------------------------------------------


@staff_required
def exclusions(request):
    season = Season.objects.current()
    form = ExclusionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if season is None:
            raise Http404
        try:
            exclusion = exclusion_create(
                season=season,
                kind=form.cleaned_data["kind"],
                value=form.cleaned_data["value"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("%(value)s is excluded from the league.") % {"value": exclusion.value}
            )
            return redirect("challenges:staff-exclusions")
    return render(
        request,
        "challenges/staff/exclusion_list.html",
        {
            "season": season,
            "form": form,
            "rows": staff_selectors.exclusion_list(season=season) if season else [],
        },
    )


# --- Academy -------------------------------------------------------------------------------------

ATTENDANCE_VALUES = {"yes": True, "no": False}


def _record_attendance(request, season) -> AcademyDate:
    academy = get_object_or_404(AcademyDate, pk=_posted_pk(request, "academy"), season=season)
    granted_before = staff_selectors.academy_granted_partner_ids(season=season)
    recorded = 0
    for seat in AcademySeat.objects.filter(academy=academy).select_related("partner"):
        value = ATTENDANCE_VALUES.get(request.POST.get(f"seat-{seat.pk}", ""))
        if value is None or value == seat.attended:
            continue
        try:
            academy_attendance_record(seat=seat, attended=value, reviewer=request.user)
        except DomainError as exc:
            messages.error(request, f"{seat.name} ({seat.partner.name}): {exc}")
        else:
            recorded += 1
    granted = staff_selectors.academy_granted_partner_ids(season=season) - granted_before
    if recorded:
        messages.success(
            request,
            ngettext(
                "Attendance recorded for %(n)s attendee.",
                "Attendance recorded for %(n)s attendees.",
                recorded,
            )
            % {"n": recorded},
        )
    else:
        messages.info(request, _("Nothing changed."))
    for partner in Partner.objects.filter(pk__in=granted).order_by("name"):
        messages.success(
            request,
            _("%(company)s receives the academy points.") % {"company": partner.name},
        )
    return academy


@staff_required
def academy(request):
    season = Season.objects.current()
    form = AcademyDateForm()
    if request.method == "POST" and season is not None:
        if request.POST.get("action") == "attendance":
            academy = _record_attendance(request, season)
            return redirect(reverse("challenges:staff-academy") + f"#academy-{academy.pk}")
        form = AcademyDateForm(request.POST)
        if form.is_valid():
            try:
                academy_date_create(
                    season=season,
                    day=form.cleaned_data["date"],
                    location=form.cleaned_data["location"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The academy date is added."))
                return redirect("challenges:staff-academy")
    return render(
        request,
        "challenges/staff/academy_list.html",
        {
            "season": season,
            "form": form,
            "academies": staff_selectors.academy_list(season=season) if season else [],
            "granted": staff_selectors.academy_granted_partner_ids(season=season)
            if season
            else set(),
        },
    )


# --- Training redemptions ------------------------------------------------------------------------


@staff_required
def redemptions(request):
    season = Season.objects.current()
    if request.method == "POST":
        redemption = get_object_or_404(
            Redemption.objects.select_related("partner"), pk=_posted_pk(request, "redemption")
        )
        approve = request.POST.get("action") == "approve"
        try:
            redemption_decide(
                redemption=redemption,
                reviewer=request.user,
                approve=approve,
                reason=request.POST.get("reason", ""),
            )
        except DomainError as exc:
            messages.error(request, f"{redemption.partner.name}: {exc}")
        else:
            messages.success(
                request,
                (
                    _("The training redemption of %(company)s is approved.")
                    if approve
                    else _("The training redemption of %(company)s is rejected.")
                )
                % {"company": redemption.partner.name},
            )
        return redirect("challenges:staff-redemptions")
    rows = staff_selectors.redemption_open_list(season=season) if season else []
    for row in rows:
        row.reject_form = RedemptionRejectForm(auto_id=f"r{row.redemption.pk}_%s")
    table = RedemptionOpenTable(rows)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    decided = staff_selectors.redemption_decided_list(season=season) if season else []
    return render(
        request,
        "challenges/staff/redemption_list.html",
        {
            "season": season,
            "rows": rows,
            "table": table,
            "decided": decided,
            "decided_table": RedemptionDecidedTable(decided),
        },
    )
