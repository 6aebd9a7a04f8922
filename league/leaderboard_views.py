"""The public league table (SPEC section 4): the page per league, `/leaderboard.json` and a CSV.

Only pseudonyms, points and numbers of new end customers leave these views; no company, person,
end customer or ID. A visitor's page is rendered once per table version and language and then
served from the cache, the same bytes for every visitor (it has no CSRF token: a visitor's
language switch needs none, see league.views.set_language). Logged-in users get the page rendered
for them (a partner sees its own row highlighted).
"""

import json

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.csvfiles import excel_writer
from partners.models import Membership, Partner

from . import leaderboard
from .models import SpecialPrize
from .tables import PublicTable

PAGE_SIZE = 50


def _page_number(value: str | None) -> int:
    if value and value.isdigit() and len(value) < 7:
        return max(int(value), 1)
    return 1


def _own_partner(request, season: leaderboard.SeasonInfo) -> Partner | None:
    """The request's approved company in `season`, if any (for the highlighted row)."""
    if not request.user.is_authenticated:
        return None
    membership = (
        Membership.objects.select_related("partner", "partner__league", "partner__season")
        .filter(user=request.user, season_id=season.id)
        .first()
    )
    if membership is None:
        return None
    request.membership = membership  # the navigation reuses it
    partner = membership.partner
    return partner if partner.status == Partner.Status.APPROVED else None


def _url(season, league, page=1, board=None) -> str:
    params = {}
    if board is not None and season.slug != board.current:
        params["season"] = season.slug
    params["league"] = league.slug
    if page > 1:
        params["page"] = page
    return reverse("league:leaderboard") + "?" + urlencode(params)


def _prizes(season) -> list[dict]:
    prizes = SpecialPrize.objects.filter(
        season_id=season.id, partner__status=Partner.Status.APPROVED
    ).select_related("partner")
    return [{"title": prize.title, "pseudonym": prize.partner.pseudonym} for prize in prizes]


def _render(request, board, season, versions, league, page_number, own):
    """The page as a string, or a redirect when the page number is past the end."""
    table = leaderboard.league_table(season, league, public=True, version=versions[league.id])
    own_standing = own_live = None
    if own is not None and own.league_id == league.id:
        own_standing = own_live = table.standing_of(own.pk)
        if season.frozen_at is not None:
            live = leaderboard.league_table(
                season, league, public=False, version=versions[league.id]
            )
            own_live = live.standing_of(own.pk)
    if page_number is None:  # a partner lands on the page with its own row
        page_number = (own_standing.rank - 1) // PAGE_SIZE + 1 if own_standing else 1
    paginator = Paginator(table, PAGE_SIZE)
    if page_number > paginator.num_pages:
        return HttpResponseRedirect(_url(season, league, paginator.num_pages, board))
    page = paginator.page(page_number)
    ended = season.has_ended()
    winners = []
    if ended:
        for other in season.leagues:
            other_table = (
                table
                if other.id == league.id
                else leaderboard.league_table(
                    season, other, public=True, version=versions[other.id]
                )
            )
            if len(other_table):
                winners.append({"league": other, "standing": other_table[0]})
    context = {
        "board": board,
        "seasons": [s for s in board.seasons.values() if s.leagues],
        "season": season,
        "league": league,
        "table": PublicTable(page.object_list, own_partner_id=own.pk if own else None),
        "page": page,
        "page_urls": {
            "previous": _url(season, league, page.number - 1, board)
            if page.has_previous()
            else None,
            "next": _url(season, league, page.number + 1, board) if page.has_next() else None,
        },
        "league_urls": [(lg, _url(season, lg, 1, board)) for lg in season.leagues],
        "computed_at": table.computed_at,
        "frozen_now": season.frozen_now(),
        "ended": ended,
        "winners": winners,
        "prizes": _prizes(season) if ended else [],
        "own_standing": own_standing,
        "own_live": own_live,
        "own_page_url": _url(season, league, (own_standing.rank - 1) // PAGE_SIZE + 1, board)
        if own_standing and not (page.start_index() <= own_standing.rank <= page.end_index())
        else None,
        "language_next": _url(season, league, page.number, board),
    }
    return render_to_string("league/leaderboard.html", context, request=request)


@require_GET
def leaderboard_page(request):
    board, season, versions = leaderboard.season_state(request.GET.get("season"))
    if season is None:
        raise Http404(_("There is no such season."))
    own = _own_partner(request, season)
    league_slug = request.GET.get("league")
    if not league_slug and own is not None and own.league_id:
        league = next((lg for lg in season.leagues if lg.id == own.league_id), None)
    else:
        league = season.league(league_slug)
    if league is None:
        if league_slug:
            raise Http404(_("There is no such league."))
        html = render_to_string(
            "league/leaderboard.html", {"season": season, "board": board}, request=request
        )
        return HttpResponse(html)
    page_param = request.GET.get("page")
    page_number = _page_number(page_param) if page_param else None
    if request.user.is_authenticated or "messages" in request.COOKIES:
        result = _render(request, board, season, versions, league, page_number, own)
        return result if isinstance(result, HttpResponse) else HttpResponse(result)

    key = ":".join(
        (
            f"lb:page:{season.id}:{league.id}:{board.version}",
            ".".join(str(versions[lg.id]) for lg in season.leagues),
            f"{int(season.frozen_now())}{int(season.has_ended())}",
            request.LANGUAGE_CODE,
            str(page_number or 1),
        )
    )
    html = leaderboard.rendered.get(key) or cache.get(key)
    if html is None:
        result = _render(request, board, season, versions, league, page_number or 1, None)
        if isinstance(result, HttpResponse):
            return result
        html = result.encode()
        cache.set(key, html, leaderboard.DATA_TTL)
    leaderboard.rendered.put(key, html)
    return HttpResponse(html)


@require_GET
def leaderboard_json(request):
    """`{"season": slug, "leagues": [{"name", "rows": [{"rank", "partner", "points",
    "new_customers"}]}]}` — SPEC section 4; `?season=<slug>` for another season."""
    board, season, versions = leaderboard.season_state(request.GET.get("season"))
    if season is None:
        return JsonResponse({"error": _("There is no such season.")}, status=404)
    key = ":".join(
        (
            f"lb:json:{season.id}:{board.version}",
            ".".join(str(versions[lg.id]) for lg in season.leagues),
        )
    )

    def build() -> bytes:
        leagues = []
        for league in season.leagues:
            table = leaderboard.league_table(
                season, league, public=True, version=versions[league.id]
            )
            leagues.append(
                {
                    "name": league.name,
                    "rows": [
                        {
                            "rank": i,
                            "partner": f"Partner {row[1]}",
                            "points": row[2],
                            "new_customers": row[3],
                        }
                        for i, row in enumerate(table.rows, start=1)
                    ],
                }
            )
        return json.dumps(
            {"season": season.slug, "leagues": leagues}, ensure_ascii=False, separators=(",", ":")
        ).encode()

    body = leaderboard.rendered.get(key) or leaderboard.cached(key, build)
    leaderboard.rendered.put(key, body)
    return HttpResponse(body, content_type="application/json")


@require_GET
def leaderboard_csv(request):
    """The public table of one league as a CSV for Excel (pseudonyms only)."""
    board, season, versions = leaderboard.season_state(request.GET.get("season"))
    if season is None:
        raise Http404(_("There is no such season."))
    league = season.league(request.GET.get("league"))
    if league is None:
        raise Http404(_("There is no such league."))
    table = leaderboard.league_table(season, league, public=True, version=versions[league.id])
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="tabelle-{season.slug}-{league.slug}.csv"'
    )
    writer = excel_writer(response)
    writer.writerow((_("Rank"), _("Partner"), _("Points"), _("New end customers")))
    for rank, row in enumerate(table.rows, start=1):
        writer.writerow((rank, f"Partner {row[1]}", row[2], row[3]))
    return response
