"""Billing upload, import report and service groups (placeholder: being written; every view answers 404 until then)."""

from django.http import Http404


def billing(request, *args, **kwargs):
    raise Http404


def billing_import(request, *args, **kwargs):
    raise Http404


def billing_progress(request, *args, **kwargs):
    raise Http404


def service_groups(request, *args, **kwargs):
    raise Http404
