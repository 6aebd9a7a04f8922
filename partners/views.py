from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from core.decorators import staff_required
from core.errors import DomainError
from seasons.models import Season

from . import services
from .filters import RegistrationFilter
from .forms import ApproveForm, CompanyDetailsForm, InvitationForm, RegistrationForm, RejectForm
from .models import Invitation, Membership, Partner
from .tables import RegistrationTable
from .tenancy import get_for_partner, membership_for, partner_view

PAGE_SIZE = 50


@login_required
def home(request):
    season = Season.objects.current()
    membership = membership_for(request.user, season)
    if membership is None and request.user.is_staff:
        return redirect("league:staff-home")
    return render(
        request,
        "partners/home.html",
        {
            "season": season,
            "membership": membership,
            "partner": membership.partner if membership else None,
            "registration_open": bool(season and season.registration_open()),
        },
    )


@login_required
def register(request):
    season = Season.objects.current()
    if membership_for(request.user, season) is not None:
        messages.info(request, _("You already belong to a company in this season."))
        return redirect("partners:home")
    if season is None or not season.registration_open():
        return render(request, "partners/register_closed.html", {"season": season}, status=403)
    form = RegistrationForm(request.POST or None, initial={"contact_email": request.user.email})
    if request.method == "POST" and form.is_valid():
        data = services.RegistrationData(
            **{f: form.cleaned_data[f] for f in RegistrationForm.Meta.fields}
        )
        try:
            services.partner_register(
                user=request.user,
                season=season,
                data=data,
                employer_approval=form.cleaned_data["employer_approval"],
                terms_accepted=form.cleaned_data["terms_accepted"],
                privacy_accepted=form.cleaned_data["privacy_accepted"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Thank you! Your registration is with Ingram Micro for review.")
            )
            return redirect("partners:home")
    return render(request, "partners/register_form.html", {"form": form, "season": season})


@partner_view()
def members(request, membership):
    partner = membership.partner
    form = InvitationForm(request.POST or None) if membership.is_admin else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.invitation_create(
                membership=membership,
                email=form.cleaned_data["email"],
                base_url=request.build_absolute_uri("/"),
            )
        except DomainError as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("partners:members")
    return render(
        request,
        "partners/members_list.html",
        {
            "partner": partner,
            "membership": membership,
            "members": partner.memberships.select_related("user"),
            "invitations": [
                i
                for i in partner.invitations.filter(
                    accepted_at__isnull=True, revoked_at__isnull=True
                )
                if i.is_open
            ],
            "form": form,
        },
    )


@partner_view()
def company_details(request, membership):
    """The address and VAT ID the credit notes go to: colleagues read them, the admin edits."""
    partner = membership.partner
    if not membership.is_admin:
        if request.method == "POST":
            raise PermissionDenied
        return render(request, "partners/company_details.html", {"partner": partner})
    return _details_page(request, partner, done="partners:home", staff=False)


def _details_page(request, partner, *, done: str, staff: bool, **done_kwargs):
    form = CompanyDetailsForm(request.POST or None, instance=partner)
    if request.method == "POST" and form.is_valid():
        services.partner_details_update(
            partner=partner, actor=request.user, details=form.cleaned_data
        )
        messages.success(request, _("The company details are saved."))
        return redirect(done, **done_kwargs)
    return render(
        request,
        "partners/company_details.html",
        # The form's instance is changed by validation; the page names the stored company.
        {"partner": Partner.objects.get(pk=partner.pk), "form": form, "staff": staff},
    )


@require_POST
@partner_view(model=Invitation, admin_only=True)
def invitation_revoke(request, membership, pk):
    invitation = get_for_partner(Invitation, membership.partner, pk=pk)
    try:
        services.invitation_revoke(invitation=invitation, actor=membership)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Invitation revoked."))
    return redirect("partners:members")


@require_POST
@partner_view(model=Membership, admin_only=True)
def member_remove(request, membership, pk):
    member = get_for_partner(Membership.objects.select_related("user"), membership.partner, pk=pk)
    try:
        services.membership_remove(membership=member, actor=membership)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(user)s was removed.") % {"user": member.user.email})
    return redirect("partners:members")


@login_required
def invitation_accept(request, token):
    invitation = get_object_or_404(Invitation.objects.select_related("partner"), token=token)
    if request.method == "POST":
        try:
            services.invitation_accept(invitation=invitation, user=request.user)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("Welcome to %(company)s!") % {"company": invitation.partner.name},
            )
            return redirect("partners:home")
    return render(
        request,
        "partners/invitation_accept.html",
        {"invitation": invitation, "email_matches": invitation.email == request.user.email.lower()},
    )


# --- Staff ---------------------------------------------------------------------------------------


@staff_required
def staff_registration_list(request):
    season = Season.objects.current()
    registrations = RegistrationFilter(
        request.GET,
        Partner.objects.filter(season=season)
        .select_related("league", "registered_by")
        .order_by("created_at", "pk"),
    )
    table = RegistrationTable(registrations.qs)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    counts = {
        s: Partner.objects.filter(season=season, status=s).count() for s in Partner.Status.values
    }
    return render(
        request,
        "partners/staff/registration_list.html",
        {
            "season": season,
            "partners": registrations.qs,
            "table": table,
            "status": registrations.status_shown,
            "statuses": [(value, label, counts[value]) for value, label in Partner.Status.choices],
        },
    )


@staff_required
def staff_company_details(request, pk):
    partner = get_object_or_404(Partner, pk=pk)
    return _details_page(
        request, partner, done="partners:staff-registration-detail", staff=True, pk=partner.pk
    )


@staff_required
def staff_registration_detail(request, pk):
    partner = get_object_or_404(
        Partner.objects.select_related("season", "league", "registered_by", "reviewed_by"), pk=pk
    )
    approve_form = ApproveForm(season=partner.season)
    reject_form = RejectForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                approve_form = ApproveForm(request.POST, season=partner.season)
                if approve_form.is_valid():
                    partner = services.partner_approve(
                        partner=partner,
                        reviewer=request.user,
                        league=approve_form.cleaned_data["league"],
                    )
                    messages.success(
                        request,
                        _("%(company)s is approved as %(pseudonym)s.")
                        % {"company": partner.name, "pseudonym": partner.pseudonym},
                    )
                    return redirect("partners:staff-registrations")
            elif action == "reject":
                reject_form = RejectForm(request.POST)
                if reject_form.is_valid():
                    services.partner_reject(
                        partner=partner,
                        reviewer=request.user,
                        reason=reject_form.cleaned_data["reason"],
                    )
                    messages.success(request, _("The registration was rejected."))
                    return redirect("partners:staff-registrations")
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("partners:staff-registration-detail", pk=partner.pk)
    return render(
        request,
        "partners/staff/registration_detail.html",
        {
            "partner": partner,
            "approve_form": approve_form,
            "reject_form": reject_form,
            "members": partner.memberships.select_related("user"),
        },
    )
