from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class SpecialPrize(models.Model):
    """A special prize for an outstanding achievement (terms 2.3), awarded after the season.

    Published under the partner's pseudonym only; the title must not name the company.
    """

    season = models.ForeignKey(
        "seasons.Season", on_delete=models.CASCADE, related_name="special_prizes"
    )
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="special_prizes"
    )
    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    awarded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["season", "position", "pk"]
        verbose_name = _("special prize")
        verbose_name_plural = _("special prizes")
        constraints = [
            # A double click on "award" must not publish the same prize twice.
            models.UniqueConstraint(
                fields=["season", "partner", "title_de"], name="special_prize_once"
            ),
        ]

    def __str__(self):
        return self.title_de

    @property
    def title(self) -> str:
        english = (get_language() or "de").startswith("en")
        return self.title_en if english and self.title_en else self.title_de
