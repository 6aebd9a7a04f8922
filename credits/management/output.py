"""How the credits' operator commands write their files: to stdout (quietly stopping when the
reader goes away) or to `--output FILE`, written next to the target and renamed, so a reader never
sees half a file."""

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.core.management.base import CommandError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _Stdout:
    """csv.writer's target on the command's stdout, without the line ending Django adds."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")


def write_stdout(stdout, write: Callable) -> None:
    """`write(out)` on the command's stdout."""
    try:
        write(_Stdout(stdout))
        stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as the Python docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)


def write_file(output: Path, write: Callable, *, prefix: str, binary: bool = False):
    """`write(out)` into `output` atomically, as text (UTF-8, newlines as written) or `binary`;
    returns what `write` returned."""
    directory = output.resolve().parent
    if not directory.is_dir():
        raise CommandError(f"cannot write {output}: no directory {directory}")
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{prefix}-")
    except OSError as exc:
        raise CommandError(f"cannot write {output}: {exc.strerror}") from exc
    try:
        if binary:
            out = os.fdopen(handle, "wb")
        else:
            out = os.fdopen(handle, "w", encoding="utf-8", newline="")
        with out:
            result = write(out)
        os.chmod(temporary, 0o666 & ~_umask())  # as a plain open() would have made it
        os.replace(temporary, output)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise CommandError(f"cannot write {output}: {exc.strerror}") from exc
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return result
