"""Evidence files of claims: what may be uploaded, and how a stored file is handed out.

A file is judged by its first bytes, never by its name or the browser's content type: an executable
renamed `.pdf` is refused. The size is checked before anything is read, so a 50 MB upload is refused
without being loaded into memory. Stored files live under MEDIA_ROOT, which is never served
directly; `evidence_response` is the only way out, behind a tenancy or staff check.
"""

from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from core.formatting import file_size

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class EvidenceType:
    content_type: str
    magic: bytes
    extensions: tuple[str, ...]  # the first is used when the name says something else

    @property
    def extension(self) -> str:
        return self.extensions[0]


ALLOWED_TYPES = (
    EvidenceType("application/pdf", b"%PDF-", (".pdf",)),
    EvidenceType("image/png", b"\x89PNG\r\n\x1a\n", (".png",)),
    EvidenceType("image/jpeg", b"\xff\xd8\xff", (".jpg", ".jpeg")),
)
ACCEPT = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"
_HEAD_BYTES = max(len(t.magic) for t in ALLOWED_TYPES)


def sniff(fileobj) -> EvidenceType | None:
    """The allowed type whose signature the file starts with, or None. Reads a few bytes only."""
    position = fileobj.tell() if hasattr(fileobj, "tell") else 0
    fileobj.seek(0)
    head = fileobj.read(_HEAD_BYTES)
    fileobj.seek(position)
    for kind in ALLOWED_TYPES:
        if head.startswith(kind.magic):
            return kind
    return None


def evidence_validate(upload) -> EvidenceType:
    """Check an uploaded file; on success its content type and name follow what it really is."""
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            _("The file is %(size)s; evidence may be at most %(max)s.")
            % {"size": file_size(upload.size), "max": file_size(MAX_EVIDENCE_BYTES)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    kind = sniff(upload)
    if kind is None:
        raise ValidationError(
            _("Only PDF, PNG and JPEG files are accepted; this file is none of them."),
            code="file_type",
        )
    # The service stores the browser's content type and takes the suffix from the name: make both
    # say what the content is, so "invoice.exe" that is really a PDF is kept as a PDF.
    upload.content_type = kind.content_type
    name = PurePath(upload.name or "evidence").name
    stem, suffix = PurePath(name).stem or "evidence", PurePath(name).suffix.lower()
    if suffix not in kind.extensions:
        upload.name = f"{stem}{kind.extension}"
    return kind


def evidence_response(claim) -> FileResponse:
    """Serve a claim's evidence file; callers have checked who may see it."""
    if not claim.evidence:
        raise Http404
    try:
        fileobj = claim.evidence.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    kind = sniff(fileobj)
    filename = claim.evidence_name or PurePath(claim.evidence.name).name
    if kind is None:
        # Not one of ours (e.g. stored before the checks): never let a browser render it.
        response = FileResponse(
            fileobj, as_attachment=True, filename=filename, content_type="application/octet-stream"
        )
    else:
        response = FileResponse(
            fileobj, as_attachment=False, filename=filename, content_type=kind.content_type
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
