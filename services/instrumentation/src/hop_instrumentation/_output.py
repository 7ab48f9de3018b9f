"""The process's one log output: whole lines to stdout, flushed at most every 200 ms.

A ``write`` syscall per access event costs more than the event itself, so lines go to
a buffered binary stream and a daemon thread flushes it; warnings and errors flush at
once, and so does shutdown. Log records and access events share the writer, so their
lines stay in order.
"""

from __future__ import annotations

import io
import logging
import os
import threading
from collections.abc import Callable
from typing import BinaryIO, Final

_INTERVAL: Final = 0.2
_BUFFER: Final = 64 * 1024


class LineWriter:
    """Append lines to a binary stream; flush in the background."""

    def __init__(self, stream: BinaryIO) -> None:
        # Under PYTHONUNBUFFERED (set in most container images) sys.stdout.buffer is the
        # raw file: without a buffer of our own every line would be a write syscall.
        # The buffer gets its own duplicate of the descriptor: closing or collecting it
        # must never close the process's stdout.
        self._owned = isinstance(stream, io.RawIOBase)
        if self._owned:
            raw = io.FileIO(os.dup(stream.fileno()), "wb")
            stream = io.BufferedWriter(raw, buffer_size=_BUFFER)
        self.stream = stream
        #: Called before each flush: lets queued events (the access log) render first.
        self.before_flush: Callable[[], None] | None = None
        self._stopped = threading.Event()
        threading.Thread(target=self._flush_forever, name="hop-log-flush", daemon=True).start()

    def write(self, line: bytes) -> None:
        """Append one line (ending in a newline); buffered writers make this thread-safe."""
        self.stream.write(line)

    def flush(self) -> None:
        """Render anything queued, then push what is buffered to the stream now."""
        if self.before_flush is not None:
            self.before_flush()
        try:
            self.stream.flush()
        except ValueError:  # closed at interpreter exit
            self._stopped.set()

    def close(self) -> None:
        """Flush, stop the background thread, and close the buffer if it is ours."""
        self.flush()
        self._stopped.set()
        if self._owned:
            self.stream.close()

    def _flush_forever(self) -> None:
        while not self._stopped.wait(_INTERVAL):
            self.flush()


class LineHandler(logging.Handler):
    """A logging handler that writes formatted records through a `LineWriter`."""

    def __init__(self, writer: LineWriter) -> None:
        super().__init__()
        self.writer = writer

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record; flush at once when it is a warning or worse."""
        try:
            urgent = record.levelno >= logging.WARNING
            if urgent and self.writer.before_flush is not None:
                self.writer.before_flush()  # queued access events go first: keep the order
            self.writer.write(self.format(record).encode() + b"\n")
            if urgent:
                self.writer.flush()
        except Exception:
            self.handleError(record)

    def flush(self) -> None:
        """Flush the writer."""
        self.writer.flush()

    def close(self) -> None:
        """Flush what is left, then close."""
        self.writer.close()
        super().close()
