from datetime import date

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from challenges.models import Challenge
from challenges.staff_selectors import claim_contradicted_list
from core.decorators import staff_required
from core.errors import DomainError
from seasons.models import Season

from . import services, staff_dashboard
from .forms import SeasonCopyForm


def home(request):
    season = Season.objects.current()
    return render(
        request,
        "league/home.html",
        {
            "season": season,
            "leagues": season.leagues.all() if season else [],
            "challenges": season.challenges.all() if season else [],
        },
    )


def rules(request):
    season = Season.objects.current()
    challenges = list(season.challenges.all()) if season else []
    groups = [
        (kind_label, [c for c in challenges if c.kind in kinds])
        for kind_label, kinds in (
            (_("One-time challenges"), {Challenge.Kind.ONE_TIME, Challenge.Kind.AUTOMATIC}),
            (_("Recurring challenges"), {Challenge.Kind.RECURRING}),
            (_("Azure services challenges"), {Challenge.Kind.SERVICE}),
        )
    ]
    return render(
        request,
        "league/rules.html",
        {"season": season, "groups": groups, "leagues": season.leagues.all() if season else []},
    )


def _set_language(request):
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
        )
        if request.user.is_authenticated and request.user.language != language:
            request.user.language = language
            request.user.save(update_fields=["language"])
    return response


_set_language_protected = csrf_protect(_set_language)


@csrf_exempt
@require_POST
def set_language(request):
    """Switch the language (cookie) and remember it on the user for e-mails.

    A visitor's switch only sets a cookie in the visitor's own browser, so it needs no CSRF token
    and the public pages carry none: the same bytes for every visitor, cacheable whole. A
    logged-in user's switch also changes the saved profile, so it is checked as usual.
    """
    if request.user.is_authenticated:
        return _set_language_protected(request)
    return _set_language(request)


@staff_required
def staff_home(request):
    season = Season.objects.current()
    dashboard = staff_dashboard.dashboard_get(season) if season else None
    return render(
        request,
        "league/staff/home.html",
        {
            "season": season,
            "dashboard": dashboard,
            "missing_criterion": list(season.leagues.missing_criterion()) if season else [],
            "contradicted": len(claim_contradicted_list(season=season)) if season else 0,
        },
    )


@staff_required
def staff_season_list(request):
    return render(
        request,
        "league/staff/season_list.html",
        {
            "seasons": Season.objects.annotate(
                league_count=Count("leagues", distinct=True),
                partner_count=Count("partners", distinct=True),
            ),
            "current": Season.objects.current(),
        },
    )


@staff_required
def staff_season_copy(request, pk):
    source = get_object_or_404(Season, pk=pk)
    initial = {}
    if request.method != "POST":
        initial = _next_season_defaults(source)
    form = SeasonCopyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            season = services.season_copy(source=source, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Season %(name)s was created from %(source)s.")
                % {"name": season.name, "source": source.name},
            )
            return redirect("league:staff-seasons")
    return render(request, "league/staff/season_copy.html", {"form": form, "source": source})


@require_POST
@staff_required
def staff_season_activate(request, pk):
    season = get_object_or_404(Season, pk=pk)
    services.season_activate(season=season)
    messages.success(request, _("%(name)s is now the current season.") % {"name": season.name})
    return redirect("league:staff-seasons")


def _next_season_defaults(source: Season) -> dict:
    def shift(d: date) -> date:
        try:
            return d.replace(year=d.year + 1)
        except ValueError:  # 29 February
            return d.replace(year=d.year + 1, day=28)

    start = shift(source.start_date)
    return {
        "name": f"{start.year}/{str(start.year + 1)[-2:]}",
        "slug": f"{start.year}-{str(start.year + 1)[-2:]}",
        "start_date": start,
        "end_date": shift(source.end_date),
        "registration_deadline": shift(source.registration_deadline),
    }
