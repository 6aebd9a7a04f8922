"""Forms of the partner pages. They validate and normalise; the rules live in services/rules."""

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.formatting import file_size
from partners import identity
from partners.models import EndCustomer, Partner
from partners.services import CustomerData

from . import catalogue
from .evidence import ACCEPT, MAX_EVIDENCE_BYTES, evidence_validate
from .models import AcademyDate, Challenge
from .rules import NEW_CUSTOMER_CODE
from .services.claims import ClaimData

DOMAIN_RE = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


def date_input(**attrs) -> forms.DateInput:
    # ISO value so that <input type="date"> shows it in every language.
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


def guid_clean(value: str, message) -> str:
    value = value.strip().strip("{}")
    try:
        return str(uuid.UUID(value))
    except ValueError as exc:
        raise forms.ValidationError(message, code="guid") from exc


NO_AUTOFILL = {"class": "mono", "autocomplete": "off", "spellcheck": "false"}


# --- End customers -------------------------------------------------------------------------------


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Name of the end customer"), max_length=200)
    tenant_id = forms.CharField(
        label=_("Azure tenant ID"),
        max_length=60,
        help_text=_(
            "The Microsoft Entra tenant ID of the end customer (Partner Center → Customers), "
            "a GUID such as 0f8fad5b-d9cb-469f-a165-70867728950e."
        ),
        widget=forms.TextInput(attrs=NO_AUTOFILL),
    )
    domain = forms.CharField(
        label=_("Domain"),
        max_length=253,
        help_text=_("The customer's primary domain, e.g. example.de."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)

    def clean_tenant_id(self):
        return guid_clean(
            self.cleaned_data["tenant_id"],
            _("An Azure tenant ID is a GUID such as 0f8fad5b-d9cb-469f-a165-70867728950e."),
        )

    def clean_domain(self):
        value = identity.normalise_domain(self.cleaned_data["domain"])
        try:
            ascii_value = value.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_value = ""
        if not DOMAIN_RE.match(ascii_value):
            raise forms.ValidationError(_("Please give a domain such as example.de."))
        return value

    def customer_data(self) -> CustomerData:
        return CustomerData(**self.cleaned_data)


# --- Claims --------------------------------------------------------------------------------------

BANT_FIELDS = (
    ("bant_budget", _("Budget"), _("The customer has a budget for Azure.")),
    ("bant_authority", _("Authority"), _("Your contact at the customer can decide.")),
    ("bant_need", _("Need"), _("There is a concrete need for Azure.")),
    ("bant_time", _("Time"), _("There is a time frame for the decision.")),
)


@dataclass(frozen=True)
class ClaimSpec:
    """What the claim form of a challenge asks for (`claim_spec`)."""

    date_label: str
    needs: tuple[str, ...]
    evidence_help: str = ""  # empty: no upload on this form
    bant: bool = False
    meeting: bool = False
    subscription: str = ""  # "required", "optional" or ""


@dataclass(frozen=True)
class _Wording:
    """How the form speaks of the dated event a claim proves."""

    date_label: str
    date_need: str  # "" where another need names the date
    evidence_help: str
    evidence_need: str


_MEETING = _Wording(
    _("Meeting date"),
    _("the date of the meeting"),
    _("For example the meeting invitation or the minutes."),
    _("optional: the invitation or minutes as evidence"),
)
_ACTIVITY = _Wording(
    _("Date of the activity"),
    _("the date of the activity"),
    _("A document or screenshot that shows the activity."),
    _("optional: evidence"),
)
_LEAD = _Wording(
    _("Date of the qualification"), "", _ACTIVITY.evidence_help, _ACTIVITY.evidence_need
)
_SUBSCRIPTION = _Wording(
    _("Date the subscription was booked"),
    "",
    _("For example a screenshot of the subscription in the Azure portal."),
    _("optional: a screenshot of the subscription in the Azure portal"),
)
_SERVICE = _Wording(
    _("Date the service was booked"),
    _("the date of the booking"),
    _("For example a screenshot of the booked service in the Azure portal."),
    _("optional: the Azure subscription ID and a screenshot of the booked service"),
)


def _wording(spec: catalogue.ChallengeSpec) -> _Wording:
    if spec.needs_meeting:
        return _MEETING
    if spec.needs_bant:
        return _LEAD
    if spec.subscription == catalogue.REQUIRED:
        return _SUBSCRIPTION
    if spec.service_group:
        return _SERVICE
    return _ACTIVITY


def claim_spec(challenge: Challenge) -> ClaimSpec:
    """The form of a claimable challenge, from what its catalogue entry says a claim needs."""
    spec = challenge.spec
    wording = _wording(spec)
    needs = [wording.date_need] if wording.date_need else []
    if spec.needs_meeting:
        needs.append(_("your contact at Ingram Micro"))
    if spec.needs_bant:
        needs.append(_("all four BANT criteria confirmed: Budget, Authority, Need, Time"))
    if spec.subscription == catalogue.REQUIRED:
        needs.append(_("the Azure subscription ID"))
    if spec.code == NEW_CUSTOMER_CODE:
        needs.append(_("the customer must be new to Azure"))
    if spec.evidence:
        needs.append(wording.evidence_need)
    return ClaimSpec(
        date_label=wording.date_label,
        needs=tuple(needs),
        evidence_help=wording.evidence_help if spec.evidence else "",
        bant=spec.needs_bant,
        meeting=spec.needs_meeting,
        subscription=spec.subscription,
    )


class OwnCustomerField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.domain})" if obj.domain else obj.name


class ClaimForm(forms.Form):
    """A claim of one challenge: the fields follow `claim_spec(challenge)`."""

    customer = OwnCustomerField(
        queryset=EndCustomer.objects.none(),
        label=_("End customer"),
        empty_label=_("– choose –"),
        error_messages={
            "invalid_choice": _("Please choose one of your own end customers."),
            "required": _("Please choose the end customer."),
        },
    )
    activity_date = forms.DateField(widget=date_input())

    def __init__(self, *args, partner: Partner, challenge: Challenge, **kwargs):
        super().__init__(*args, **kwargs)
        self.challenge = challenge
        self.spec = spec = claim_spec(challenge)
        season = partner.season
        # Only the company's own customers: another company's id is "not a valid choice".
        self.fields["customer"].queryset = EndCustomer.objects.filter(partner=partner).order_by(
            "name", "pk"
        )
        date_attrs = {"min": season.start_date.isoformat(), "max": timezone.localdate().isoformat()}
        if spec.meeting:
            # The meeting is the activity: one date, stored as both.
            del self.fields["activity_date"]
            self.fields["meeting_date"] = forms.DateField(
                label=spec.date_label, widget=date_input(**date_attrs)
            )
            self.fields["distributor_contact"] = forms.CharField(
                label=_("Your contact at Ingram Micro"),
                max_length=200,
                help_text=_("The person of the Ingram Micro team who took part in the meeting."),
            )
        else:
            self.fields["activity_date"].label = spec.date_label
            self.fields["activity_date"].widget = date_input(**date_attrs)
        if spec.bant:
            for name, label, explanation in BANT_FIELDS:
                self.fields[name] = forms.BooleanField(
                    label=label,
                    help_text=explanation,
                    required=True,
                    error_messages={
                        "required": _(
                            "Please confirm this criterion: a lead counts only when "
                            "all four are met."
                        )
                    },
                )
        if spec.subscription:
            self.fields["subscription_id"] = forms.CharField(
                label=_("Azure subscription ID"),
                max_length=60,
                required=spec.subscription == "required",
                help_text=_(
                    "The subscription ID as shown in the Azure portal (Subscriptions), a GUID."
                ),
                widget=forms.TextInput(attrs=NO_AUTOFILL),
            )
        self.fields["note"] = forms.CharField(
            label=_("Note"),
            required=False,
            max_length=4000,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("Anything that helps Ingram Micro to check the claim."),
        )
        if spec.evidence_help:
            self.fields["evidence"] = forms.FileField(
                label=_("Evidence"),
                required=False,
                widget=forms.FileInput(attrs={"accept": ACCEPT}),
                help_text=_("%(hint)s PDF, PNG or JPEG, at most %(max)s.")
                % {"hint": spec.evidence_help, "max": file_size(MAX_EVIDENCE_BYTES)},
            )

    @property
    def bant_fields(self):
        return [self[name] for name, _label, _help in BANT_FIELDS if name in self.fields]

    def clean_subscription_id(self):
        value = self.cleaned_data["subscription_id"]
        if not value.strip():
            return ""
        return guid_clean(
            value,
            _("An Azure subscription ID is a GUID such as 0f8fad5b-d9cb-469f-a165-70867728950e."),
        )

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload:
            evidence_validate(upload)
        return upload

    def claim_data(self) -> ClaimData:
        data = self.cleaned_data
        meeting_date = data.get("meeting_date")
        return ClaimData(
            activity_date=data.get("activity_date") or meeting_date,
            meeting_date=meeting_date,
            distributor_contact=data.get("distributor_contact", "").strip(),
            subscription_id=data.get("subscription_id", ""),
            bant_budget=data.get("bant_budget", False),
            bant_authority=data.get("bant_authority", False),
            bant_need=data.get("bant_need", False),
            bant_time=data.get("bant_time", False),
            note=data.get("note", "").strip(),
        )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Please write your answer.")},
    )


# --- Academy and trainings -----------------------------------------------------------------------


class AcademyDateField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.date:%d.%m.%Y} – {obj.location}"


class AcademySeatForm(forms.Form):
    academy = AcademyDateField(
        queryset=AcademyDate.objects.none(),
        label=_("Academy date"),
        empty_label=_("– choose –"),
        error_messages={"invalid_choice": _("Please choose one of the academy dates shown.")},
    )
    name = forms.CharField(label=_("Attendee's name"), max_length=200)
    email = forms.EmailField(label=_("Attendee's e-mail address"))

    def __init__(self, *args, partner: Partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["academy"].queryset = AcademyDate.objects.filter(
            season_id=partner.season_id, date__gte=timezone.localdate()
        ).order_by("date", "pk")


class RedemptionForm(forms.Form):
    training = forms.CharField(
        label=_("Training"),
        max_length=200,
        help_text=_("The Microsoft training you book in the Ingram Micro training portal."),
    )
    provider = forms.CharField(label=_("Provider"), max_length=200)
    amount_eur = forms.DecimalField(
        label=_("Amount (EUR)"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        # Django's own message would show the limit as "0.01" in German too.
        error_messages={"min_value": _("The amount must be at least one cent.")},
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
    )
