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
segment back to its last whole record; where even the cut fails, the next write starts a
fresh segment, so no record is ever appended after a torn one.

Every method does blocking file I/O: call it from a worker thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from hop_redirect._spool_files import (
    HEADER,
    SUFFIX,
    fsync_directory,
    load_cursor,
    orphaned_slots,
    read_records,
    room_on_disk,
    save_cursor,
    take_slot,
)

__all__ = ["ClickSpool", "SpoolOpened", "SpoolState"]

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
            self.path, self._lock_file = take_slot(self._directory)
            self._recover()
            self._fit_budget()
        recovered = len(self)
        adopted, over = 0, 0
        for path, lock in orphaned_slots(self._directory, self.path):
            moved, left = self._adopt(ClickSpool._held(path, lock))
            adopted, over = adopted + moved, over + left
        return SpoolOpened(recovered=recovered, adopted=adopted, over_budget=over)

    def _fit_budget(self) -> None:
        room = self._total_bytes + room_on_disk(self.path, share=self._disk_share)
        if room < self.max_bytes:
            self.max_events = max(1, self.max_events * room // self.max_bytes)
            self.max_bytes = room

    @classmethod
    def _held(cls, slot: Path, lock: BinaryIO) -> ClickSpool:
        """Return the spool of a slot whose lock is held, recovered, without a budget."""
        spool = cls(slot, max_events=2**62, max_bytes=2**62, segment_bytes=2**62)
        spool.path, spool._lock_file = slot, lock
        spool._recover()
        return spool

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
                save_cursor(self.path, self._head)
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
                size = HEADER.size + len(payload)
                if kept >= room_events or size > room_bytes:
                    break
                chunks.append(HEADER.pack(len(payload), zlib.crc32(payload)) + payload)
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
                    out.extend(read_records(self._segment(current), start, limit - len(out))[0])
                except OSError:
                    break  # unreadable (gone, I/O error): the caller sees fewer than counted
                if len(out) >= limit:
                    break
            return out

    def release(self, records: list[bytes]) -> None:
        """Forget ``records``, the oldest events as `read` returned them, and persist the head."""
        sizes = [HEADER.size + len(record) for record in records]
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
                save_cursor(self.path, self._head)

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
        fsync_directory(self.path)
        self._segments.append(sequence)
        self._events[sequence] = 0
        self._bytes[sequence] = 0
        return sequence

    def _drop_segment(self, sequence: int) -> None:
        self._segments.remove(sequence)
        del self._events[sequence], self._bytes[sequence]
        self._segment(sequence).unlink(missing_ok=True)

    def _segment(self, sequence: int) -> Path:
        return self.path / f"{sequence:020d}{SUFFIX}"

    def _recover(self) -> None:
        found = sorted(int(p.stem) for p in self.path.glob(f"*{SUFFIX}") if p.stem.isdigit())
        head = load_cursor(self.path)
        for sequence in found:
            if sequence < head[0]:
                self._segment(sequence).unlink(missing_ok=True)
                continue
            start = min(head[1], self._size(sequence)) if sequence == head[0] else 0
            head = (head[0], start) if sequence == head[0] else head
            records, end = read_records(self._segment(sequence), start, 2**62)
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
