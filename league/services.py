from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from challenges.models import Challenge

from . import leaderboard
from .errors import DomainError
from .models import League, Season


def season_copy(
    *,
    source: Season,
    slug: str,
    name: str,
    start_date: date,
    end_date: date,
    registration_deadline: date,
) -> Season:
    """A new season with the settings, challenge catalogue and leagues of `source`."""
    if end_date <= start_date:
        raise DomainError(_("The season must end after it starts."))
    with transaction.atomic():
        if Season.objects.filter(slug=slug).exists():
            raise DomainError(
                _("A season with the slug “%(slug)s” exists already.") % {"slug": slug}
            )
        season = Season.objects.create(
            slug=slug,
            name=name,
            start_date=start_date,
            end_date=end_date,
            registration_deadline=registration_deadline,
            **{field: getattr(source, field) for field in Season.SETTINGS_FIELDS},
        )
        Challenge.objects.bulk_create(
            Challenge(
                season=season,
                **{
                    f.name: getattr(challenge, f.name)
                    for f in Challenge._meta.concrete_fields
                    if f.name not in ("id", "season")
                },
            )
            for challenge in source.challenges.all()
        )
        League.objects.bulk_create(
            League(
                season=season,
                name=league.name,
                slug=league.slug,
                criterion=league.criterion,
                position=league.position,
            )
            for league in source.leagues.all()
        )
    return season


def season_activate(*, season: Season) -> Season:
    with transaction.atomic():
        Season.objects.filter(is_active=True).exclude(pk=season.pk).update(is_active=False)
        Season.objects.filter(pk=season.pk).update(is_active=True)
        # update() sends no signals: the cached list of seasons must learn the new current one.
        transaction.on_commit(leaderboard.directory_bump)
    season.is_active = True
    return season
