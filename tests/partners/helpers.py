"""Helpers of the partners tests: the registration form as a user fills it, and running
`import_partners` on a file's text."""

from io import StringIO

from django.core.management import call_command

FORM = {
    "name": "Delta IT GmbH",
    "customer_number": "DE55555",
    "partner_id": "6123456",
    "street": "Ludwigstraße 5",
    "postal_code": "80539",
    "city": "München",
    "country": "de",
    "contact_name": "Dora Delta",
    "contact_email": "dora@delta.example",
    "contact_phone": "+49 89 123",
    "employer_approval": "on",
    "terms_accepted": "on",
    "privacy_accepted": "on",
}


def run(tmp_path, text, name="partners.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    out, err = StringIO(), StringIO()
    call_command("import_partners", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()
