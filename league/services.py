from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from challenges.models import Challenge
from partners.models import Partner, User

from . import leaderboard
from .errors import DomainError
from .models import League, Season, SpecialPrize


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


# --- The public table: freeze and special prizes -------------------------------------------------


def table_freeze(*, season: Season, moment: datetime, actor: User) -> Season:
    """From `moment` on, the public table shows the ledger as of `moment` (league.leaderboard).

    The moment may lie in the future (the table then freezes by itself when it comes, e.g. at the
    season's end) but not before the season's start. Freezing again moves the moment.
    """
    start = timezone.make_aware(datetime.combine(season.start_date, time.min))
    if moment < start:
        raise DomainError(
            _("The table can only be frozen at a moment after the season's start (%(start)s).")
            % {"start": f"{season.start_date:%d.%m.%Y}"}
        )
    with transaction.atomic():
        season = Season.objects.select_for_update().get(pk=season.pk)
        season.table_frozen_at, season.table_frozen_by = moment, actor
        season.save(update_fields=["table_frozen_at", "table_frozen_by"])
    return season


def table_release(*, season: Season, actor: User) -> Season:
    """The public table shows the live standing again."""
    with transaction.atomic():
        season = Season.objects.select_for_update().get(pk=season.pk)
        if season.table_frozen_at is None:
            raise DomainError(_("The table is not frozen."))
        season.table_frozen_at, season.table_frozen_by = None, actor
        season.save(update_fields=["table_frozen_at", "table_frozen_by"])
    return season


def _names_in(text: str, season: Season) -> list[str]:
    folded = text.casefold()
    return [
        name
        for name in Partner.objects.filter(season=season).values_list("name", flat=True)
        if len(name) >= 3 and name.casefold() in folded
    ]


def special_prize_award(
    *, season: Season, partner: Partner, title_de: str, title_en: str, actor: User
) -> SpecialPrize:
    """Terms 2.3: a special prize, published with the partner's pseudonym only."""
    title_de, title_en = title_de.strip(), title_en.strip()
    if not title_de:
        raise DomainError(_("Please give the prize's title."))
    if partner.season_id != season.pk or partner.status != Partner.Status.APPROVED:
        raise DomainError(_("Only a partner taking part in this season can win a prize."))
    named = _names_in(f"{title_de} {title_en}", season)
    if named:
        raise DomainError(
            _(
                "The title names the company “%(name)s”. Prizes are published under the "
                "pseudonym only; please describe the achievement without the name."
            )
            % {"name": named[0]}
        )
    try:
        with transaction.atomic():
            return SpecialPrize.objects.create(
                season=season,
                partner=partner,
                title_de=title_de,
                title_en=title_en,
                position=SpecialPrize.objects.filter(season=season).count(),
                awarded_by=actor,
            )
    except IntegrityError as exc:
        raise DomainError(_("This partner has this prize already.")) from exc


def special_prize_remove(*, prize: SpecialPrize, actor: User) -> None:
    prize.delete()
