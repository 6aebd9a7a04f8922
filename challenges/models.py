from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Challenge(models.Model):
    class Kind(models.TextChoices):
        ONE_TIME = "one_time", _("one-time")
        AUTOMATIC = "automatic", _("one-time, automatic")
        RECURRING = "recurring", _("recurring")
        SERVICE = "service", _("Azure services")

    class CountedAtMost(models.TextChoices):
        PER_PARTNER = "per_partner", _("once per partner and season")
        PER_CUSTOMER = "per_customer", _("once per end customer")

    season = models.ForeignKey("league.Season", on_delete=models.CASCADE, related_name="challenges")
    code = models.SlugField(_("code"), max_length=40)
    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    points = models.PositiveIntegerField(_("points"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    counted_at_most = models.CharField(
        _("counted at most"), max_length=20, choices=CountedAtMost.choices
    )
    service_group = models.CharField(_("service group"), max_length=30, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["season", "position"]
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        constraints = [
            models.UniqueConstraint(fields=["season", "code"], name="challenge_code_per_season"),
        ]

    def __str__(self):
        return f"{self.code} ({self.points})"

    @property
    def title(self) -> str:
        return self.title_en if (get_language() or "de").startswith("en") else self.title_de

    @property
    def description(self) -> str:
        return (
            self.description_en
            if (get_language() or "de").startswith("en")
            else self.description_de
        )
