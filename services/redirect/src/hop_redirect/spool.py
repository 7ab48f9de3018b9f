"""The click spool: a bounded, durable, append-only queue of encoded events on local disk.

Layout: a spool directory holds numbered *slots* (``0/``, ``1/``...); a process takes
the first slot whose ``lock`` it can hold (``flock``), so gunicorn workers and
processes sharing a directory each get their own files, and a restarted process takes
its slot back and drains what it left. A slot holds segment files
``<sequence>.seg`` and a ``cursor`` naming the first undelivered record.

A record is ``length (4 bytes, big endian) | crc32 (4 bytes) | payload``. Appends are
written and fsynced in batches (one fsync per `ClickSpool.append` call); on open, the
last segment is scanned and cut at the first torn or corrupt record, so a crash loses
at most the batch being written. The cursor moves only after a batch was delivered
(written to a temporary file, fsynced and renamed), so a crash redelivers at most one
batch, which receivers drop by event id.

The budget is the truth: `open` reads the free space of the directory's filesystem and
lowers ``max_events``/``max_bytes`` to what this process' share of it (plus what the slot
holds already) can really take. It also adopts sibling slots nobody holds that still hold
events (a process of a previous run with more workers), so no slot is left unread.

A write that fails (disk full, read-only, I/O error) raises `OSError` after cutting the
segment back to its last whole record; the next write starts a fresh segment.

Every method does blocking file I/O: call it from a worker thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import struct
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

__all__ = ["ClickSpool", "SpoolOpened", "SpoolState"]

_HEADER: Final = struct.Struct(">II")
_CURSOR: Final = struct.Struct(">QQ")
_SUFFIX: Final = ".seg"
_MAX_SLOTS: Final = 256
#: Share of the free space the spool may take: the rest is for the filesystem's own needs.
_FREE_SHARE: Final = 0.95
_ADOPT_BATCH: Final = 1000


@dataclass(slots=True, frozen=True)
class SpoolState:
    """How much the spool holds."""

    events: int
    bytes: int


@dataclass(slots=True, frozen=True)
class SpoolOpened:
    """What `ClickSpool.open` found: its slot's events, and those adopted or left over."""

    recovered: int
    adopted: int
    #: Events of adopted slots over this spool's budget, dropped.
    over_budget: int


class ClickSpool:
    """Append encoded events at the tail, read and release them at the head (oldest first)."""

    def __init__(
        self,
        directory: Path,
        *,
        max_events: int,
        max_bytes: int,
        segment_bytes: int,
        disk_share: int = 1,
    ) -> None:
        #: The configured budget until `open` lowers it to the space the filesystem has.
        self.max_events = max_events
        self.max_bytes = max_bytes
        self._disk_share = disk_share
        self._segment_bytes = segment_bytes
        self._lock = threading.Lock()
        self._directory = directory
        #: The slot this process holds, once `open` took it.
        self.path = directory
        self._lock_file: BinaryIO | None = None
        self._segments: list[int] = []
        #: Events and bytes (headers included) of each segment from the head's position on.
        self._events: dict[int, int] = {}
        self._bytes: dict[int, int] = {}
        #: Totals of the two maps, plain ints the event loop may read while a thread writes.
        self._total_events = 0
        self._total_bytes = 0
        self._head = (0, 0)
        self._writer: BinaryIO | None = None
        self._torn = False

    def open(self) -> SpoolOpened:
        """Take a free slot, recover it, fit the budget to the disk and adopt orphaned slots."""
        with self._lock:
            self.path, self._lock_file = _take_slot(self._directory)
            self._recover()
            self._fit_budget()
        recovered = len(self)
        adopted, over = 0, 0
        for orphan in _orphaned_slots(self._directory, self.path):
            moved, left = self._adopt(orphan)
            adopted, over = adopted + moved, over + left
        return SpoolOpened(recovered=recovered, adopted=adopted, over_budget=over)

    def _fit_budget(self) -> None:
        stat = os.statvfs(self.path)
        free = int(stat.f_bavail * stat.f_frsize * _FREE_SHARE) // self._disk_share
        room = self._total_bytes + free
        if room < self.max_bytes:
            self.max_events = max(1, self.max_events * room // self.max_bytes)
            self.max_bytes = room

    def _adopt(self, orphan: ClickSpool) -> tuple[int, int]:
        """Move ``orphan``'s events into this spool; return how many moved and did not fit."""
        moved = left = 0
        try:
            while records := orphan.read(_ADOPT_BATCH):
                rest = self.append(records)
                moved, left = moved + len(records) - len(rest), left + len(rest)
                orphan.release(records)
            left += len(orphan)  # counted, but unreadable
            orphan.discard()
        finally:
            orphan.close()
        return moved, left

    def discard(self) -> int:
        """Forget every event (unreadable ones included); return how many there were."""
        with self._lock:
            count = self._total_events
            last = self._segments[-1]
            for sequence in list(self._segments):
                self._drop_segment(sequence)
            if self._writer is not None:
                self._writer.close()
                self._writer = None
            self._total_events = self._total_bytes = 0
            self._head = (last + 1, 0)
            with contextlib.suppress(OSError):  # a directory gone too: later writes fail, counted
                self._open_segment(last + 1)
                self._save_cursor()
            return count

    @property
    def state(self) -> SpoolState:
        """Return what the spool holds now."""
        return SpoolState(self._total_events, self._total_bytes)

    def __len__(self) -> int:
        return self._total_events

    def append(self, payloads: list[bytes]) -> list[bytes]:
        """Write ``payloads`` durably (one fsync); return those that did not fit the budget."""
        with self._lock:
            if not self._segments:
                raise OSError(errno.EBADF, f"The click spool in {self._directory} is not open.")
            state = self.state
            room_events = self.max_events - state.events
            room_bytes = self.max_bytes - state.bytes
            kept = 0
            chunks: list[bytes] = []
            for payload in payloads:
                size = _HEADER.size + len(payload)
                if kept >= room_events or size > room_bytes:
                    break
                chunks.append(_HEADER.pack(len(payload), zlib.crc32(payload)) + payload)
                room_bytes -= size
                kept += 1
            if chunks:
                self._write(chunks)
            return payloads[kept:]

    def read(self, limit: int) -> list[bytes]:
        """Return up to ``limit`` of the oldest events, without releasing them."""
        with self._lock:
            out: list[bytes] = []
            sequence, offset = self._head
            for current in self._segments:
                start = offset if current == sequence else 0
                try:
                    out.extend(self._read_segment(current, start, limit - len(out))[0])
                except OSError:
                    break  # unreadable (gone, I/O error): the caller sees fewer than counted
                if len(out) >= limit:
                    break
            return out

    def release(self, records: list[bytes]) -> None:
        """Forget ``records``, the oldest events as `read` returned them, and persist the head."""
        sizes = [_HEADER.size + len(record) for record in records]
        with self._lock:
            done = 0
            while done < len(sizes) or self._is_head_spent():
                sequence, offset = self._head
                count = min(len(sizes) - done, self._events[sequence])
                used = sum(sizes[done : done + count])
                done += count
                self._count(sequence, -count, -used)
                if self._is_head_spent():
                    self._drop_segment(sequence)
                    self._head = (self._segments[0], 0)
                elif count == 0:
                    break
                else:
                    self._head = (sequence, offset + used)
            with contextlib.suppress(OSError):  # a stale cursor only redelivers: receivers dedupe
                self._save_cursor()

    def _is_head_spent(self) -> bool:
        sequence = self._head[0]
        return self._events[sequence] == 0 and sequence != self._segments[-1]

    def close(self) -> None:
        """Close the files and give the slot up."""
        with self._lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
            if self._lock_file is not None:
                self._lock_file.close()
                self._lock_file = None

    def _write(self, chunks: list[bytes]) -> None:
        sequence = self._segments[-1]
        if self._torn or self._size(sequence) >= self._segment_bytes:
            sequence = self._open_segment(sequence + 1)
            self._torn = False
        writer = self._writer
        if writer is None:
            writer = self._writer = self._segment(sequence).open("ab", buffering=0)
        start = writer.tell()
        data = memoryview(b"".join(chunks))
        try:
            written = 0
            while written < len(data):
                written += writer.write(data[written:]) or 0
            os.fsync(writer.fileno())
        except OSError:
            self._cut_failed_write(writer, start)
            raise
        self._count(sequence, len(chunks), len(data))

    def _cut_failed_write(self, writer: BinaryIO, start: int) -> None:
        """Cut a failed write off the segment; where that fails too, never append after it."""
        self._writer = None
        try:
            os.ftruncate(writer.fileno(), start)
        except OSError:
            self._torn = True  # reads and recovery stop before the torn record: append elsewhere
        with contextlib.suppress(OSError):
            writer.close()

    def _count(self, sequence: int, events: int, size: int) -> None:
        self._events[sequence] += events
        self._bytes[sequence] += size
        self._total_events += events
        self._total_bytes += size

    def _size(self, sequence: int) -> int:
        return self._segment(sequence).stat().st_size

    def _open_segment(self, sequence: int) -> int:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._segment(sequence).touch()
        _fsync_directory(self.path)
        self._segments.append(sequence)
        self._events[sequence] = 0
        self._bytes[sequence] = 0
        return sequence

    def _drop_segment(self, sequence: int) -> None:
        self._segments.remove(sequence)
        del self._events[sequence], self._bytes[sequence]
        self._segment(sequence).unlink(missing_ok=True)

    def _segment(self, sequence: int) -> Path:
        return self.path / f"{sequence:020d}{_SUFFIX}"

    def _read_segment(self, sequence: int, start: int, limit: int) -> tuple[list[bytes], int]:
        """Return up to ``limit`` valid records from ``start`` and the offset after them."""
        records: list[bytes] = []
        with self._segment(sequence).open("rb") as file:
            file.seek(start)
            offset = start
            while len(records) < limit:
                header = file.read(_HEADER.size)
                if len(header) < _HEADER.size:
                    break
                length, crc = _HEADER.unpack(header)
                payload = file.read(length)
                if len(payload) < length or zlib.crc32(payload) != crc:
                    break
                records.append(payload)
                offset += _HEADER.size + length
        return records, offset

    def _recover(self) -> None:
        found = sorted(int(p.stem) for p in self.path.glob(f"*{_SUFFIX}") if p.stem.isdigit())
        head = self._load_cursor()
        for sequence in found:
            if sequence < head[0]:
                self._segment(sequence).unlink(missing_ok=True)
                continue
            start = min(head[1], self._size(sequence)) if sequence == head[0] else 0
            head = (head[0], start) if sequence == head[0] else head
            records, end = self._read_segment(sequence, start, 2**62)
            if end < self._size(sequence):
                with self._segment(sequence).open("r+b") as torn:
                    torn.truncate(end)  # a torn or corrupt tail: the write that never finished
                    os.fsync(torn.fileno())
            self._segments.append(sequence)
            self._events[sequence] = self._bytes[sequence] = 0
            self._count(sequence, len(records), end - start)
        if not self._segments:
            self._open_segment(head[0])
            head = (head[0], 0)
        elif head[0] < self._segments[0]:
            head = (self._segments[0], 0)
        self._head = head

    def _load_cursor(self) -> tuple[int, int]:
        try:
            data = (self.path / "cursor").read_bytes()
        except FileNotFoundError:
            return (0, 0)
        if len(data) != _CURSOR.size:
            return (0, 0)  # never written whole (it is replaced atomically): start over
        sequence, offset = _CURSOR.unpack(data)
        return (sequence, offset)

    def _save_cursor(self) -> None:
        temporary = self.path / "cursor.tmp"
        with temporary.open("wb") as file:
            file.write(_CURSOR.pack(*self._head))
            file.flush()
            os.fsync(file.fileno())
        temporary.replace(self.path / "cursor")


def _take_slot(directory: Path) -> tuple[Path, BinaryIO]:
    for slot in range(_MAX_SLOTS):
        path = directory / str(slot)
        path.mkdir(parents=True, exist_ok=True)
        lock = _try_lock(path)
        if lock is not None:
            return path, lock
    raise OSError(f"Every one of the {_MAX_SLOTS} click spool slots in {directory} is in use.")


def _orphaned_slots(directory: Path, own: Path) -> list[ClickSpool]:
    """Open every other slot of ``directory`` that no process holds and that holds events."""
    orphans: list[ClickSpool] = []
    for path in sorted(p for p in directory.iterdir() if p.name.isdigit() and p != own):
        if not any(path.glob(f"*{_SUFFIX}")):
            continue
        lock = _try_lock(path)
        if lock is None:
            continue
        orphan = ClickSpool(path, max_events=2**62, max_bytes=2**62, segment_bytes=2**62)
        orphan.path, orphan._lock_file = path, lock
        orphan._recover()
        if len(orphan):
            orphans.append(orphan)
        else:
            orphan.close()
    return orphans


def _try_lock(path: Path) -> BinaryIO | None:
    lock = (path / "lock").open("ab")
    try:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return None
    return lock


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
