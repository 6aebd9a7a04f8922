"""Staff-side views of claims (placeholder: being written; every view answers 404 until then)."""

from django.http import Http404


def queue(request, *args, **kwargs):
    raise Http404


def bulk_approve(request, *args, **kwargs):
    raise Http404


def claim_review(request, *args, **kwargs):
    raise Http404


def claim_evidence(request, *args, **kwargs):
    raise Http404


def partner_disqualify(request, *args, **kwargs):
    raise Http404


def exclusions(request, *args, **kwargs):
    raise Http404


def academy(request, *args, **kwargs):
    raise Http404


def redemptions(request, *args, **kwargs):
    raise Http404
