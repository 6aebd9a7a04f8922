"""Forms of the staff pages: they validate and normalise; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from partners import identity
from partners.models import CustomerExclusion

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

STATUS_OPEN = "open"
STATUS_ALL = "all"


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to the partner."),
    )


class AskForm(forms.Form):
    question = forms.CharField(
        label=_("Question to the partner"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The partner answers and submits the claim again."),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the revocation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The points are taken back with a counter-entry; the partner is told."),
    )


class ExclusionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Exclude by"),
        choices=CustomerExclusion.Kind.choices,
        widget=forms.RadioSelect,
        initial=CustomerExclusion.Kind.TENANT,
    )
    value = forms.CharField(
        label=_("Tenant ID or domain"),
        max_length=253,
        help_text=_(
            "A domain excludes its subdomains too; it is stored without protocol and “www.”."
        ),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        kind, value = data.get("kind"), data.get("value")
        if not kind or not value:
            return data
        if kind == CustomerExclusion.Kind.TENANT:
            value = identity.normalise_tenant(value)
            if not value or len(value) > 36 or any(ch.isspace() for ch in value):
                self.add_error("value", _("A tenant ID is a GUID of at most 36 characters."))
        else:
            value = identity.normalise_domain(value)
            if "." not in value or any(ch.isspace() for ch in value):
                self.add_error("value", _("Please give a domain such as contoso.com."))
        data["value"] = value
        return data


class AcademyDateForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    location = forms.CharField(label=_("Location"), max_length=200)


class RedemptionRejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ClaimIdsField(forms.Field):
    """The ids of the claims ticked in a list; anything but a number is ignored."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        return sorted({int(v) for v in value or () if str(v).isdigit()})


class BulkApproveForm(forms.Form):
    claims = ClaimIdsField(error_messages={"required": _("Please select the claims to approve.")})
