from django import forms
from django.utils.translation import gettext_lazy as _

from core import formatting


class DisqualifyForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the disqualification"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Recorded with the partner and on every claim it closes."),
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand: all points of this partner are revoked, its open claims are rejected "
            "and it leaves the league table. This cannot be undone."
        ),
        required=True,
    )
    # SPEC 2: reclaiming money already on issued credit notes is a choice of its own, made in the
    # same step; the page states the amount, and the amount it stated comes back with the form.
    reclaim = forms.BooleanField(required=False)
    reclaim_eur = forms.DecimalField(
        required=False, max_digits=14, decimal_places=2, widget=forms.HiddenInput
    )

    def __init__(self, *args, issued=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reclaim"].label = _(
            "Also reclaim the %(amount)s on its issued credit notes: a correction note is issued "
            "at once."
        ) % {"amount": formatting.money(issued or 0)}
        self.fields["reclaim"].help_text = _(
            "Without this choice the money on issued credit notes stays with the partner; it "
            "cannot be reclaimed later."
        )

    def clean(self):
        data = super().clean()
        if data.get("reclaim") and data.get("reclaim_eur") is None:
            raise forms.ValidationError(
                _("The amount to reclaim is missing; please load the page again.")
            )
        return data
