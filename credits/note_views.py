"""Credit notes (placeholder: being written; every view answers 404 until then)."""

from django.http import Http404


def partner_note_pdf(request, *args, **kwargs):
    raise Http404


def staff_notes(request, *args, **kwargs):
    raise Http404


def staff_notes_csv(request, *args, **kwargs):
    raise Http404


def staff_note_pdf(request, *args, **kwargs):
    raise Http404
