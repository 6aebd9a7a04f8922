from partners.tenancy import membership_for
from seasons.models import Season


def portal(request):
    # Computed once per request: a page with a django-tables2 table renders a second context.
    context = getattr(request, "_portal_context", None)
    if context is None:
        season = Season.objects.current()
        membership = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            membership = getattr(request, "membership", None) or membership_for(user, season)
        context = {"current_season": season, "nav_membership": membership}
        request._portal_context = context
    return context
