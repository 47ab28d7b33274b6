"""The one atomic file write: build the new file beside its target, then os.replace it over the
target, so a reader sees the whole old file or the whole new one, never half of either."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path


def temp_beside(target: Path) -> Path:
    """A fresh temp path in the target's folder (os.replace needs the same file system):
    .<name>.<random>.tmp, so a stale one is recognisable (etl.warehouse removes those of dead writers)."""
    target = Path(target)
    return target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")


def fsync_dir(path: Path) -> None:
    """Make a rename in this folder durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def replacing(target: Path, *, tmp: Path | None = None, mode: int | None = None,
              durable: bool = True, sync_dir: bool = True) -> Iterator[Path]:
    """Yield a temp path beside target for the caller to write; when the block ends without an
    error, the temp file is fsynced (durable), given mode, and renamed over target (then the folder
    is fsynced, unless sync_dir is False: the caller fsyncs it once after a batch of renames). On an
    error, or a crash before the rename, target is untouched and the temp file is removed. The
    caller creates the temp file, so it chooses how (e.g. O_EXCL with 0600)."""
    target = Path(target)
    tmp = Path(tmp) if tmp is not None else temp_beside(target)
    try:
        yield tmp
        if durable:
            with tmp.open("rb+") as f:
                os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
        if durable and sync_dir:
            fsync_dir(target.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
