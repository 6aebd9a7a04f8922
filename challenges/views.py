"""Partner-side views of claims (placeholder: being written; every view answers 404 until then)."""

from django.http import Http404


def customer_list(request, *args, **kwargs):
    raise Http404


def customer_create(request, *args, **kwargs):
    raise Http404


def customer_detail(request, *args, **kwargs):
    raise Http404


def claim_list(request, *args, **kwargs):
    raise Http404


def claim_choose(request, *args, **kwargs):
    raise Http404


def claim_create(request, *args, **kwargs):
    raise Http404


def claim_detail(request, *args, **kwargs):
    raise Http404


def claim_answer(request, *args, **kwargs):
    raise Http404


def claim_withdraw(request, *args, **kwargs):
    raise Http404


def claim_evidence(request, *args, **kwargs):
    raise Http404


def statement(request, *args, **kwargs):
    raise Http404


def academy(request, *args, **kwargs):
    raise Http404


def redemption_list(request, *args, **kwargs):
    raise Http404
