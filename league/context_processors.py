from league.models import Season
from partners.tenancy import membership_for


def portal(request):
    season = Season.objects.current()
    membership = None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        membership = getattr(request, "membership", None) or membership_for(user, season)
    return {"current_season": season, "nav_membership": membership}
