from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from challenges.models import AcademySeat, Challenge
from core.errors import DomainError
from partners.models import EndCustomer, Membership, Partner, User
from seasons.models import League, Season

from . import anonymity, leaderboard
from .models import SpecialPrize


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


def league_criterion_set(*, league: League, criterion: str, actor: User) -> League:
    """Publish how partners are assigned to the league (terms 1: "nach transparenten
    Kriterien"); shown above its table. The public pages learn it through the League signal."""
    criterion = criterion.strip()
    if not criterion:
        raise DomainError(
            _("Please give the criterion: the terms promise transparent criteria for the leagues.")
        )
    with transaction.atomic():
        league = League.objects.select_for_update().get(pk=league.pk)
        if league.criterion != criterion:
            league.criterion = criterion
            league.save(update_fields=["criterion"])
    return league


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


def _known_names(season: Season) -> anonymity.Known:
    """Everything of the season a public text must not name (league.anonymity)."""
    partners = list(
        Partner.objects.filter(season=season).values_list(
            "name", "contact_name", "partner_id", "customer_number"
        )
    )
    customers = list(
        EndCustomer.objects.filter(season=season).values_list("name", "contact_name", "tenant_id")
    )
    members = [
        f"{first} {last}"
        for first, last in Membership.objects.filter(season=season).values_list(
            "user__first_name", "user__last_name"
        )
    ]
    attendees = list(
        AcademySeat.objects.filter(academy__season=season).values_list("name", flat=True)
    )
    return anonymity.Known(
        companies=tuple(name for name, *_rest in partners),
        customers=tuple(name for name, _contact, _tenant in customers),
        persons=tuple(
            name
            for name in (
                *members,
                *(contact for _n, contact, *_rest in partners),
                *(contact for _n, contact, _t in customers),
                *attendees,
            )
            if name.strip()
        ),
        ids=tuple(
            value
            for value in (
                *(pid for _n, _c, pid, _num in partners),
                *(num for _n, _c, _pid, num in partners),
                *(tenant for _n, _c, tenant in customers),
            )
            if value
        ),
    )


# Prizes are published under the pseudonym only: what a title may not contain, and why.
_REVEALING = {
    anonymity.COMPANY: gettext_lazy(
        "The title names the company “%(name)s”. Prizes are published under the "
        "pseudonym only; please describe the achievement without the name."
    ),
    anonymity.CUSTOMER: gettext_lazy(
        "The title names the end customer “%(name)s”. Prizes are published under the "
        "pseudonym only; please describe the achievement without the name."
    ),
    anonymity.PERSON: gettext_lazy(
        "The title names the person “%(name)s”. Prizes are published under the "
        "pseudonym only; please describe the achievement without the name."
    ),
    anonymity.EMAIL: gettext_lazy(
        "The title contains the e-mail address %(name)s. Prizes are published under the "
        "pseudonym only; please leave it out."
    ),
    anonymity.ID: gettext_lazy(
        "The title contains the ID %(name)s. Prizes are published under the pseudonym only; "
        "please leave it out."
    ),
}


def _revealing_message(finding: anonymity.Finding) -> str:
    return str(_REVEALING[finding.kind]) % {"name": finding.name}


def special_prize_award(
    *, season: Season, partner: Partner, title_de: str, title_en: str, actor: User
) -> SpecialPrize:
    """Terms 2.3: a special prize, published with the partner's pseudonym only."""
    title_de, title_en = title_de.strip(), title_en.strip()
    if not title_de:
        raise DomainError(_("Please give the prize's title."))
    if partner.season_id != season.pk or partner.status != Partner.Status.APPROVED:
        raise DomainError(_("Only a partner taking part in this season can win a prize."))
    known = _known_names(season)
    for title in (title_de, title_en):
        finding = anonymity.revealing(title, known)
        if finding is not None:
            raise DomainError(_revealing_message(finding))
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
