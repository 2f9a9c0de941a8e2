"""A progress bar for long CLI runs, on stderr, silent when stderr is not a terminal.

    with Progress("audit", total=6) as bar:
        bar.step("reading claims")
        ...

draws, rewriting one line::

    telekit audit [########............]  2/6 reading encounters  0:03

The clock is redrawn every second while a stage runs (``step(label, tick=False)`` draws once,
for a stage that shows its own progress). Labels are stage names chosen by the caller
(``reading claims``, ``auditing``, ``writing report``) and never data values; each ``step`` is
also logged (``telekit._core._log``) with the seconds the previous stage took.

``StatusLine`` is the bounded-memory audit's simpler display: one ``\\r``-rewritten line
``telekit audit: {text} · m:ss`` given each text as it changes (``status_callback`` turns the
``progress=`` argument, True/False or a callable, into one).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import IO, TextIO

from telekit._core import _log

_WIDTH = 20
_active: list[Progress] = []  # the bar being drawn, so an error can clear its line first


def close_active() -> None:
    """Close the bar being drawn, if any (before an error message is printed)."""
    while _active:
        _active.pop().close()


class Progress:
    """``total`` stages; ``step(label)`` starts the next one. ``stream`` defaults to stderr and
    is only drawn on when it is a terminal (``enabled`` overrides that, for tests)."""

    def __init__(
        self,
        command: str,
        total: int,
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
    ) -> None:
        self.command = command
        self.total = max(total, 1)
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream) if enabled is None else enabled
        self.done = 0
        self.label = ""
        self.start = time.monotonic()
        self._stage_start = self.start
        self._drawn = False
        self._lock = threading.Lock()
        self._ticking = threading.Event()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        _active.append(self)

    def step(self, label: str, *, tick: bool = True) -> None:
        """Start the next stage, called ``label``; its clock ticks unless ``tick`` is False."""
        self._log_stage()
        with self._lock:
            if self.label:
                self.done = min(self.done + 1, self.total)
            self.label = label
            self._stage_start = time.monotonic()
            self._draw()
        if tick:
            self._ticking.set()
            if self.enabled and self._ticker is None:
                self._ticker = threading.Thread(target=self._tick, daemon=True)
                self._ticker.start()
        else:
            self._ticking.clear()

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            if self._ticking.is_set():
                with self._lock:
                    self._draw()

    def _log_stage(self) -> None:
        if self.label:
            _log.stage(self.command, self.label, seconds=time.monotonic() - self._stage_start)

    def line(self) -> str:
        """The bar as text (without the carriage return)."""
        filled = round(_WIDTH * self.done / self.total)
        elapsed = int(time.monotonic() - self.start)
        return (
            f"telekit {self.command} [{'#' * filled}{'.' * (_WIDTH - filled)}] "
            f"{self.done + (1 if self.label else 0):>2}/{self.total} {self.label}  "
            f"{elapsed // 60}:{elapsed % 60:02d}"
        )

    def _draw(self) -> None:
        if not self.enabled:
            return
        self.stream.write("\r\x1b[2K" + self.line())
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Log the last stage and leave the terminal line (nothing when not drawn)."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        self._log_stage()
        self.label = ""
        if self in _active:
            _active.remove(self)
        with self._lock:
            if self.enabled and self._drawn:
                self.stream.write("\r\x1b[2K")
                self.stream.flush()
                self._drawn = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


class StatusLine:
    """A one-line status display on a terminal (``\\r``-rewritten), or nothing: the bounded-memory
    audit's progress (``telekit audit: {text} · m:ss``), given each text as it changes."""

    def __init__(self, stream: IO[str] | None) -> None:
        self.stream = stream
        self.start = time.monotonic()
        self.shown = False

    def __call__(self, text: str) -> None:
        if self.stream is None:
            return
        elapsed = int(time.monotonic() - self.start)
        self.stream.write(f"\r\x1b[2Ktelekit audit: {text} · {elapsed // 60}:{elapsed % 60:02d}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.stream is not None and self.shown:
            self.stream.write("\n")
            self.stream.flush()


def status_callback(progress: bool | Callable[[str], None]) -> Callable[[str], None]:
    """``progress`` itself when callable, else a ``StatusLine`` on stderr (True) or silent."""
    if callable(progress):
        return progress
    return StatusLine(sys.stderr if progress else None)
