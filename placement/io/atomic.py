"""Write files so that nothing is ever half-written or silently overwritten.

Output goes to a temporary file in the target's folder and is renamed into
place only when complete: a crash or Ctrl-C leaves the old file or the new
one, never part of one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


class OutputExistsError(FileExistsError):
    """The output file exists and overwriting was not asked for."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} already exists; use --force to overwrite it")
        self.path = path


def check_writable(path: Path, *, force: bool) -> None:
    """Raise OutputExistsError unless `path` is free or `force` is given."""
    if path.exists() and not force:
        raise OutputExistsError(path)


@contextlib.contextmanager
def atomic_path(path: str | Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path` in one step."""
    target = Path(path)
    check_writable(target, force=force)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent
    )
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)  # mkstemp makes it private; give it normal permissions
        tmp.replace(target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
