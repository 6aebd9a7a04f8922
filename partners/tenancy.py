"""The one place that answers "which company's data may this request see".

Every partner-scoped view goes through `partner_view`: it resolves the request's company (its
membership in the current season) and hands it to the view; objects are fetched with
`get_for_partner`, which answers 404 for any object of another company. Views declare the model
their URL's `pk` names (`partner_view(model=Invitation)`), so the tenancy tests can walk every
partner-scoped URL and try it with another company's object.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect

from seasons.models import Season

from .models import Membership, Partner


def membership_for(user, season: Season | None = None) -> Membership | None:
    if not user.is_authenticated:
        return None
    season = season or Season.objects.current()
    if season is None:
        return None
    return (
        Membership.objects.select_related("partner", "partner__league", "partner__season")
        .filter(user=user, season=season)
        .first()
    )


def get_for_partner(queryset: QuerySet | type[Model], partner: Partner, **lookup):
    """The object matching `lookup` if it belongs to `partner`; 404 otherwise."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    return get_object_or_404(queryset, partner=partner, **lookup)


def partner_view(model: type[Model] | None = None, admin_only: bool = False, approved=False):
    """Decorate a view that shows or changes one company's data.

    The view receives `membership` (with `.partner`) after `request`. Anonymous users go to the
    login page; users without a company go to registration. With `model`, the URL's `pk` must name
    an object of the request's company, else 404 — checked before anything else, so a colleague
    and an outsider learn nothing about foreign objects. `admin_only` views answer 403 to
    colleagues; `approved` views need an approved company.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = membership_for(request.user)
            if membership is None:
                return redirect("partners:register")
            if (
                model is not None
                and not model._default_manager.filter(
                    pk=kwargs.get("pk"), partner=membership.partner
                ).exists()
            ):
                # Another company's object (or none at all): the same answer for both.
                raise Http404
            if admin_only and not membership.is_admin:
                raise PermissionDenied
            if approved and membership.partner.status != Partner.Status.APPROVED:
                return redirect("partners:home")
            request.membership = membership
            return view(request, membership, *args, **kwargs)

        wrapped.tenant_model = model
        wrapped.tenant_scoped = True
        return wrapped

    return decorator
