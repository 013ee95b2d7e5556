"""Owner-only files in the data dir (keys, key lists): written atomically, created once."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by the owner only, atomically."""
    temporary = path.with_suffix(path.suffix + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    os.replace(temporary, path)


def create_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (owner-only, synced) unless it exists: two processes starting
    on a new data dir at once end up using the same file, never a partly written one."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    try:
        os.link(temporary, path)  # fails if ``path`` exists, unlike a rename
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
