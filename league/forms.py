from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Season


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
