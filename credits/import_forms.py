"""Forms of the staff billing pages: they validate and normalise, the importer does the rest."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.formatting import file_size

from .billing_import.upload import MAX_UPLOAD_BYTES
from .models import ServiceGroup


class BillingUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Billing file (CSV)"),
        help_text=_(
            "The daily rated usage reconciliation file from Partner Center, as exported: UTF-8, "
            "comma or semicolon separated, up to 4 GB. The import runs in the background."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file has %(size)s; at most %(limit)s can be uploaded.")
                % {"size": file_size(upload.size), "limit": file_size(MAX_UPLOAD_BYTES)}
            )
        return upload


class ServiceGroupMappingForm(forms.Form):
    meter_category = forms.CharField(
        label=_("Meter category"),
        max_length=200,
        help_text=_("As in the file's MeterCategory column; upper and lower case do not matter."),
    )
    service_group = forms.ChoiceField(label=_("Service group"), choices=ServiceGroup.choices)
