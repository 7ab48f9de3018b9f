"""The click spool's files: slots and their locks, records, the cursor, the disk's free space.

Blocking file I/O only, no state: `hop_redirect.spool.ClickSpool` holds the state.
"""

from __future__ import annotations

import fcntl
import os
import struct
import zlib
from pathlib import Path
from typing import BinaryIO, Final

HEADER: Final = struct.Struct(">II")
SUFFIX: Final = ".seg"
MAX_SLOTS: Final = 256
_CURSOR: Final = struct.Struct(">QQ")
#: Share of the free space the spool may take: the rest is for the filesystem's own needs.
_FREE_SHARE: Final = 0.95


def take_slot(directory: Path) -> tuple[Path, BinaryIO]:
    """Lock the first free slot of ``directory``; return its path and its held lock file."""
    for slot in range(MAX_SLOTS):
        path = directory / str(slot)
        path.mkdir(parents=True, exist_ok=True)
        lock = try_lock(path)
        if lock is not None:
            return path, lock
    raise OSError(
        f"Every one of the {MAX_SLOTS} click spool slots in {directory} is in use; "
        "give each process group its own HOP_CLICK_SPOOL_DIR."
    )


def orphaned_slots(directory: Path, own: Path) -> list[tuple[Path, BinaryIO]]:
    """Lock every other slot of ``directory`` no process holds that has segment files."""
    slots = sorted(
        (p for p in directory.iterdir() if p.name.isdigit() and p != own),
        key=lambda p: int(p.name),
    )
    found: list[tuple[Path, BinaryIO]] = []
    for path in slots:
        if not any(path.glob(f"*{SUFFIX}")):
            continue
        lock = try_lock(path)
        if lock is not None:
            found.append((path, lock))
    return found


def try_lock(path: Path) -> BinaryIO | None:
    """Return the slot's lock file, held, or None if another process holds it."""
    lock = (path / "lock").open("ab")
    try:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return None
    return lock


def room_on_disk(path: Path, *, share: int) -> int:
    """Return the bytes of ``path``'s filesystem one of ``share`` processes may take."""
    stat = os.statvfs(path)
    return int(stat.f_bavail * stat.f_frsize * _FREE_SHARE) // share


def read_records(segment: Path, start: int, limit: int) -> tuple[list[bytes], int]:
    """Return up to ``limit`` valid records from ``start`` and the offset after them."""
    records: list[bytes] = []
    with segment.open("rb") as file:
        file.seek(start)
        offset = start
        while len(records) < limit:
            header = file.read(HEADER.size)
            if len(header) < HEADER.size:
                break
            length, crc = HEADER.unpack(header)
            payload = file.read(length)
            if len(payload) < length or zlib.crc32(payload) != crc:
                break
            records.append(payload)
            offset += HEADER.size + length
    return records, offset


def load_cursor(slot: Path) -> tuple[int, int]:
    """Return the slot's head (segment, offset); the start if it has none."""
    try:
        data = (slot / "cursor").read_bytes()
    except FileNotFoundError:
        return (0, 0)
    if len(data) != _CURSOR.size:
        return (0, 0)  # never written whole (it is replaced atomically): start over
    sequence, offset = _CURSOR.unpack(data)
    return (sequence, offset)


def save_cursor(slot: Path, head: tuple[int, int]) -> None:
    """Replace the slot's cursor atomically (write, fsync, rename)."""
    temporary = slot / "cursor.tmp"
    with temporary.open("wb") as file:
        file.write(_CURSOR.pack(*head))
        file.flush()
        os.fsync(file.fileno())
    temporary.replace(slot / "cursor")


def fsync_directory(path: Path) -> None:
    """Make the directory's entries (a new segment) durable."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
