"""Recording a file to import (SPEC section 6): an upload is stored privately under
MEDIA_ROOT/billing/ (never served), its SHA-256 computed while streaming; a path (the CLI) is read
where it lies. The import itself runs later (`run.billing_import_run`)."""

import hashlib
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.move import file_move_safe
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from seasons.models import Season

from .. import jobs
from ..models import BillingImport

MAX_UPLOAD_BYTES = 4 * 1024**3
CHUNK = 1 << 20


def _billing_dir() -> Path:
    target = Path(settings.MEDIA_ROOT) / "billing"
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    return target


def sha256_of(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _store_upload(uploaded_file) -> tuple[Path, str, int]:
    """Stream the upload into MEDIA_ROOT/billing/ (never served) and hash it on the way."""
    target = _billing_dir() / f"{timezone.now():%Y%m%d}-{uuid.uuid4().hex}.csv"
    temporary = getattr(uploaded_file, "temporary_file_path", None)
    if temporary is not None:
        # Django's TemporaryFileUploadHandler already streamed it to disk: hash it, then move
        # it (a rename on the same file system) instead of writing it a second time.
        sha256, size = sha256_of(Path(temporary()))
        file_move_safe(temporary(), str(target))
    else:
        digest, size = hashlib.sha256(), 0
        with open(target, "wb") as out:
            for chunk in uploaded_file.chunks(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        sha256 = digest.hexdigest()
    os.chmod(target, 0o600)
    return target, sha256, size


def billing_import_create(
    *,
    season: Season,
    uploaded_file=None,
    path: Path | str | None = None,
    user=None,
    enqueue: bool = True,
) -> BillingImport:
    """Record a file to import. An upload is stored privately; a path (the CLI) is read where it
    lies. The import task is enqueued after commit unless `enqueue` is False."""
    if (uploaded_file is None) == (path is None):
        raise ValueError("pass either uploaded_file or path")
    if uploaded_file is not None:
        if uploaded_file.size is not None and uploaded_file.size > MAX_UPLOAD_BYTES:
            raise DomainError(_("The file is larger than 4 GB."))
        stored, sha256, size = _store_upload(uploaded_file)
        file_name = Path(uploaded_file.name or "upload.csv").name
    else:
        stored = Path(path).resolve()
        try:
            sha256, size = sha256_of(stored)
        except OSError as exc:
            raise DomainError(
                _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}
            ) from exc
        file_name = stored.name
    billing_import = BillingImport.objects.create(
        season=season,
        file_name=file_name[:255],
        stored_path=str(stored),
        sha256=sha256,
        size_bytes=size,
        uploaded_by=user if user is not None and user.is_authenticated else None,
    )
    if enqueue:
        jobs.billing_import_run_on_commit(import_id=billing_import.pk)
    return billing_import
