import re

from django import forms
from django.utils.translation import gettext_lazy as _

from seasons.models import League

from .models import Partner
from .vat import VatIdError, vat_id_clean

PARTNER_ID_RE = re.compile(r"^\d{4,12}$")
REQUIRED_DETAILS = ("street", "postal_code", "city", "contact_name", "contact_email")


class CompanyDetailsMixin:
    """Address, VAT ID and contact: required fields, the country code, the VAT ID against it."""

    def _require_details(self):
        for name in REQUIRED_DETAILS:
            self.fields[name].required = True
        self.fields["vat_id"].help_text = _(
            "Printed on your credit notes as the recipient's VAT ID, for example DE136695976."
        )

    def clean_country(self):
        value = self.cleaned_data["country"].strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", value):
            raise forms.ValidationError(_("Please give the two-letter country code, e.g. DE."))
        return value

    def clean(self):
        data = super().clean()
        if "vat_id" in data:
            try:
                data["vat_id"] = vat_id_clean(data["vat_id"], data.get("country", ""))
            except VatIdError as exc:
                self.add_error("vat_id", str(exc))
        return data


class CompanyDetailsForm(CompanyDetailsMixin, forms.ModelForm):
    class Meta:
        model = Partner
        fields = Partner.DETAIL_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._require_details()


class RegistrationForm(CompanyDetailsMixin, forms.ModelForm):
    employer_approval = forms.BooleanField(
        label=_("I confirm that my employer has approved this registration (terms 1)."),
        required=True,
    )
    terms_accepted = forms.BooleanField(
        label=_("I accept the terms of participation of the Azure Acceleration League."),
        required=True,
    )
    privacy_accepted = forms.BooleanField(
        label=_(
            "I agree that our data is stored and processed to run the league, and that the "
            "number of new end customers and the points are published under a pseudonym "
            "(terms 3.1 and 3.2)."
        ),
        required=True,
    )

    class Meta:
        model = Partner
        fields = ["name", "customer_number", "partner_id", *Partner.DETAIL_FIELDS]
        help_texts = {
            "partner_id": _("The MPN ID of your company in Partner Center (digits only)."),
            "customer_number": _("Your customer number at Ingram Micro (Xvantage)."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._require_details()

    def clean_partner_id(self):
        value = self.cleaned_data["partner_id"].strip()
        if not PARTNER_ID_RE.match(value):
            raise forms.ValidationError(_("A Microsoft partner ID has 4 to 12 digits."))
        return value


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's e-mail address"))


class ApproveForm(forms.Form):
    league = forms.ModelChoiceField(queryset=League.objects.none(), label=_("League"))

    def __init__(self, *args, season, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["league"].queryset = season.leagues.all()


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
