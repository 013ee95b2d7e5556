"""Finding a server's worker processes (tests and benchmarks of ``serve --workers``)."""

from __future__ import annotations

from pathlib import Path


def child_pids(pid: int) -> list[int]:
    """The live child processes of ``pid`` (a gateway's workers), from /proc; zombies (already
    dead, not yet reaped) are left out."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state, parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            except (OSError, ValueError):
                continue
            if int(parent) == pid and state != "Z":
                children.append(int(entry.name))
    return sorted(children)


def child_pids_running(pid: int, marker: bytes) -> list[int]:
    """The live children of ``pid`` whose command line contains ``marker`` (e.g. the local
    model's worker, the guards' scan workers)."""
    found = []
    for child in child_pids(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if marker in command:
            found.append(child)
    return found
