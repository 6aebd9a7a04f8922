from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import Partner
from seasons.models import Season


class SeasonCopyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    slug = forms.SlugField(label=_("Slug"), max_length=20, help_text=_("e.g. 2025-26"))
    start_date = forms.DateField(
        label=_("Start"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end_date = forms.DateField(
        label=_("End"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    registration_deadline = forms.DateField(
        label=_("Registration deadline"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if Season.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("A season with this slug exists already."))
        return slug

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end <= start:
            self.add_error("end_date", _("The season must end after it starts."))
        return data


class FreezeForm(forms.Form):
    moment = forms.DateTimeField(
        label=_("Freeze the public table at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_(
            "The public table shows the standing of this moment (e.g. the season's end) until you "
            "release it; a moment in the future freezes it when it comes."
        ),
    )


class PrizeForm(forms.Form):
    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Partner.objects.none())
    title_de = forms.CharField(label=_("Title (German)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)

    def __init__(self, *args, season, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["partner"]
        field.queryset = Partner.objects.approved().filter(season=season).order_by("name")
        field.label_from_instance = lambda partner: f"{partner.name} ({partner.pseudonym})"


class LeagueCriterionForm(forms.Form):
    criterion = forms.CharField(
        label=_("Published criterion"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "How partners are assigned to this league; shown to everybody above its table."
        ),
    )
