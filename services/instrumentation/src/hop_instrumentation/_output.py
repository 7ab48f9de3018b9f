"""The process's one log output: whole lines to stdout, flushed at most every 200 ms.

A ``write`` syscall per access event costs more than the event itself, so lines go to
a buffered binary stream and a daemon thread flushes it; warnings and errors flush at
once, and so does shutdown. Log records and access events share the writer, so their
lines stay in order.
"""

from __future__ import annotations

import logging
import threading
from typing import BinaryIO, Final

_INTERVAL: Final = 0.2


class LineWriter:
    """Append lines to a binary stream; flush in the background."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self._stopped = threading.Event()
        threading.Thread(target=self._flush_forever, name="hop-log-flush", daemon=True).start()

    def write(self, line: bytes) -> None:
        """Append one line (ending in a newline); buffered writers make this thread-safe."""
        self.stream.write(line)

    def flush(self) -> None:
        """Push what is buffered to the stream now."""
        try:
            self.stream.flush()
        except ValueError:  # closed at interpreter exit
            self._stopped.set()

    def close(self) -> None:
        """Flush and stop the background thread."""
        self.flush()
        self._stopped.set()

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
            self.writer.write(self.format(record).encode() + b"\n")
            if record.levelno >= logging.WARNING:
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
