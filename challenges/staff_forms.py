"""Forms of the staff pages: they validate and normalise; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from partners import identity
from partners.models import CustomerExclusion, Partner
from seasons.models import League

from .models import Challenge, Claim

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

STATUS_OPEN = "open"
STATUS_ALL = "all"
ORDER_OLDEST = "oldest"
ORDER_NEWEST = "newest"


class QueueFilterForm(forms.Form):
    """The review queue's filters, read from the query string; bad values fall back to defaults."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    challenge = forms.ChoiceField(label=_("Challenge"), required=False)
    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=Partner.objects.none(), required=False
    )
    league = forms.ModelChoiceField(
        label=_("League"), queryset=League.objects.none(), required=False
    )
    older_than = forms.IntegerField(
        label=_("Older than (days)"), min_value=0, max_value=3650, required=False
    )
    order = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[(ORDER_OLDEST, _("oldest first")), (ORDER_NEWEST, _("newest first"))],
    )

    def __init__(self, data=None, *, season, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["status"].choices = [
            (STATUS_OPEN, _("open (submitted or question to the partner)")),
            *Claim.Status.choices,
            (STATUS_ALL, _("all")),
        ]
        self.fields["challenge"].choices = [("", _("all challenges"))] + [
            (code, f"{code} – {title}")
            for code, title in ((c.code, c.title) for c in Challenge.objects.filter(season=season))
        ]
        self.fields["partner"].queryset = Partner.objects.filter(season=season).order_by("name")
        self.fields["partner"].empty_label = _("all partners")
        self.fields["league"].queryset = League.objects.filter(season=season).order_by("name")
        self.fields["league"].empty_label = _("all leagues")

    def filters(self) -> dict:
        """The valid filters, with defaults for the missing or broken ones."""
        self.is_valid()  # fills cleaned_data with the fields that are valid
        data = self.cleaned_data
        return {
            "status": data.get("status") or STATUS_OPEN,
            "challenge": data.get("challenge") or "",
            "partner": data.get("partner"),
            "league": data.get("league"),
            "older_than": data.get("older_than"),
            "order": data.get("order") or ORDER_OLDEST,
        }


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
