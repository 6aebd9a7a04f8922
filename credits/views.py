"""Credit lines for partners and staff (placeholder: being written; every view answers 404 until then)."""

from django.http import Http404


def partner_credits(request, *args, **kwargs):
    raise Http404


def staff_credits(request, *args, **kwargs):
    raise Http404


def staff_customer_history(request, *args, **kwargs):
    raise Http404
