"""Staff pages of the league table: every league live with the companies behind the pseudonyms,
the freeze of the public table, special prizes, and the table as CSV/XLSX."""

import io
from datetime import datetime, time

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.decorators import staff_required
from core.errors import DomainError
from partners.models import Partner
from seasons.models import League, Season

from . import exports, leaderboard, services
from .forms import FreezeForm, LeagueCriterionForm, PrizeForm
from .models import SpecialPrize
from .tables import StaffRow, StaffTable

PAGE_SIZE = 100


def _season(request) -> tuple[leaderboard.SeasonInfo, Season]:
    info = leaderboard.directory().season(request.GET.get("season"))
    if info is None:
        raise Http404(_("There is no such season."))
    return info, get_object_or_404(Season, pk=info.id)


def _back(season: Season, league_slug: str = "") -> str:
    params = {"season": season.slug}
    if league_slug:
        params["league"] = league_slug
    return reverse("league:staff-leaderboard") + "?" + urlencode(params)


def _default_freeze_moment(season: Season) -> datetime:
    return timezone.make_aware(datetime.combine(season.end_date, time(23, 59)))


@staff_required
def league_list(request):
    """The leagues of a season with their partners and published criteria, each editable."""
    _info, season = _season(request)
    bound = None
    if request.method == "POST":
        pk = request.POST.get("league", "")
        if not pk.isdigit():
            raise Http404
        league = get_object_or_404(League, pk=int(pk), season=season)
        bound = (league.pk, LeagueCriterionForm(request.POST, auto_id=f"l{league.pk}_%s"))
        if bound[1].is_valid():
            try:
                services.league_criterion_set(
                    league=league,
                    criterion=bound[1].cleaned_data["criterion"],
                    actor=request.user,
                )
            except DomainError as exc:
                bound[1].add_error("criterion", str(exc))
            else:
                messages.success(
                    request,
                    _("The criterion of %(league)s is published.") % {"league": league.name},
                )
                return redirect(reverse("league:staff-leagues") + f"?season={season.slug}")
    leagues = list(season.leagues.with_partner_count())
    missing = {league.pk for league in season.leagues.missing_criterion()}
    for league in leagues:
        league.missing_criterion = league.pk in missing
        league.form = (
            bound[1]
            if bound and bound[0] == league.pk
            else LeagueCriterionForm(
                initial={"criterion": league.criterion}, auto_id=f"l{league.pk}_%s"
            )
        )
    return render(
        request,
        "league/staff/league_list.html",
        {
            "season": season,
            "leagues": leagues,
            "missing_criterion": [lg for lg in leagues if lg.missing_criterion],
        },
        status=400 if bound else 200,
    )


def _page(request, info, season, freeze_form=None, prize_form=None, status=200):
    league = info.league(request.GET.get("league") or request.POST.get("league"))
    if request.GET.get("league") and league is None:
        raise Http404(_("There is no such league."))
    context = {
        "season": season,
        "info": info,
        "league": league,
        "league_urls": [(lg, _back(season, lg.slug)) for lg in info.leagues],
        "freeze_form": freeze_form
        or FreezeForm(initial={"moment": season.table_frozen_at or _default_freeze_moment(season)}),
        "prize_form": prize_form or PrizeForm(season=season),
        "prizes": SpecialPrize.objects.filter(season=season).select_related("partner"),
        "missing_criterion": list(season.leagues.missing_criterion()),
    }
    if league is not None:
        table = leaderboard.league_table(info, league, public=False)
        page = Paginator(table, PAGE_SIZE).get_page(request.GET.get("page"))
        companies = Partner.objects.in_bulk([standing.partner_id for standing in page])
        context |= {
            "table": StaffTable([StaffRow(s, companies[s.partner_id]) for s in page]),
            "page": page,
            "computed_at": table.computed_at,
        }
    return render(request, "league/staff/leaderboard.html", context, status=status)


@staff_required
def leaderboard_page(request):
    info, season = _season(request)
    return _page(request, info, season)


@require_POST
@staff_required
def freeze(request):
    info, season = _season(request)
    if request.POST.get("release"):
        try:
            services.table_release(season=season, actor=request.user)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The public table shows the live standing again."))
        return redirect(_back(season, request.POST.get("league", "")))
    form = FreezeForm(request.POST)
    if form.is_valid():
        try:
            season = services.table_freeze(
                season=season, moment=form.cleaned_data["moment"], actor=request.user
            )
        except DomainError as exc:
            form.add_error("moment", str(exc))
        else:
            messages.success(
                request,
                _("The public table is frozen at %(moment)s.")
                % {
                    "moment": date_format(
                        timezone.localtime(season.table_frozen_at), "SHORT_DATETIME_FORMAT"
                    )
                },
            )
            return redirect(_back(season, request.POST.get("league", "")))
    return _page(request, info, season, freeze_form=form, status=400)


@require_POST
@staff_required
def prize_award(request):
    info, season = _season(request)
    form = PrizeForm(request.POST, season=season)
    if form.is_valid():
        try:
            services.special_prize_award(season=season, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The special prize is awarded."))
            return redirect(_back(season, request.POST.get("league", "")))
    return _page(request, info, season, prize_form=form, status=400)


@require_POST
@staff_required
def prize_remove(request, pk):
    prize = get_object_or_404(SpecialPrize, pk=pk)
    services.special_prize_remove(prize=prize, actor=request.user)
    messages.success(request, _("The special prize is removed."))
    return redirect(_back(prize.season, request.POST.get("league", "")))


def _export_tables(request):
    info, season = _season(request)
    slug = request.GET.get("league")
    leagues = [info.league(slug)] if slug else list(info.leagues)
    if None in leagues:
        raise Http404(_("There is no such league."))
    tables = [leaderboard.league_table(info, league, public=False) for league in leagues]
    return season, f"tabelle-{season.slug}" + (f"-{slug}" if slug else ""), tables


@staff_required
def export_csv(request):
    season, name, tables = _export_tables(request)
    out = io.StringIO()
    exports.table_csv_write(tables, out)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@staff_required
def export_xlsx(request):
    season, name, tables = _export_tables(request)
    response = HttpResponse(
        exports.table_xlsx(tables),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
