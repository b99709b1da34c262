"""Escape, the barge-in key, reaches the console in ~10 ms instead of ~100 ms.

Most terminals send the Escape key as a lone ESC byte, which is also how every escape sequence
(arrows, F-keys, Alt+letter, mouse reports) begins. Textual tells them apart by waiting
`ESCDELAY` (100 ms by default) for a next byte, and its Linux input thread looks at that timer
only when its `select` returns, which it does every 100 ms when no input comes: a lone Escape
was dispatched 100 ms late (bench/barge_in.py measured 99 ms key → silence, all of it here).

`QuickEscapeDriver` is Textual's Linux driver with one change: its input thread sleeps only
until the parser's pending timeout, not a fixed 100 ms. And unless the operator set ESCDELAY,
the wait for a next byte is 10 ms (tmux's default `escape-time`): a terminal writes a whole
sequence at once, so its bytes arrive together. Over a link that splits sequences, set
ESCDELAY=100 (milliseconds) to get Textual's wait back. Terminals speaking the kitty keyboard
protocol (Textual asks for it) send Escape as CSI 27 u, which needs no wait at all.

The input loop below mirrors textual 8.2.8's `LinuxDriver.run_input_thread` (textual is pinned
exactly in pyproject.toml); only the select timeout differs.
"""

from __future__ import annotations

import os
import selectors
import sys
from codecs import getincrementaldecoder

from textual import constants
from textual._loop import loop_last
from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.driver import Driver

ESCAPE_DELAY = 0.010  # seconds a lone ESC waits for a next byte, unless ESCDELAY says otherwise
IDLE_WAKE = 0.1  # Textual's own select timeout when nothing is pending


def escape_delay(environ: dict[str, str] | os._Environ = os.environ) -> float:
    """The wait that applies: the operator's ESCDELAY (Textual has read it) or ours."""
    return constants.ESCAPE_DELAY if "ESCDELAY" in environ else ESCAPE_DELAY


def select_timeout(pending_until: float | None, now: float) -> float:
    """How long the input thread may sleep: until a pending ESC must be decided, at most
    IDLE_WAKE."""
    if pending_until is None:
        return IDLE_WAKE
    return min(IDLE_WAKE, max(0.0, pending_until - now))


def quick_escape_driver() -> type[Driver] | None:
    """The driver class for the console's App, or None to let Textual choose (Windows, or a
    TEXTUAL_DRIVER the operator asked for)."""
    if sys.platform == "win32" or constants.DRIVER is not None:
        return None
    from textual.drivers.linux_driver import LinuxDriver

    class QuickEscapeDriver(LinuxDriver):
        def run_input_thread(self) -> None:
            constants.ESCAPE_DELAY = escape_delay()  # type: ignore[misc]  # the parser reads it for each lone ESC
            selector = selectors.SelectSelector()
            selector.register(self.fileno, selectors.EVENT_READ)
            parser = XTermParser(self._debug)
            decode = getincrementaldecoder("utf-8")().decode

            def process(selector_events, final: bool = False) -> None:
                for last, (_key, mask) in loop_last(selector_events):
                    if mask & selectors.EVENT_READ:
                        data = decode(os.read(self.fileno, 1024 * 4), final=final and last)
                        if not data:
                            break
                        for event in parser.feed(data):
                            self.process_message(event)
                for event in parser.tick():
                    self.process_message(event)

            def timeout() -> float:
                return select_timeout(getattr(parser, "_timeout_time", None), get_time())

            try:
                while not self.exit_event.is_set():
                    process(selector.select(timeout()))
                selector.unregister(self.fileno)
                process(selector.select(IDLE_WAKE), final=True)
            finally:
                selector.close()
                try:
                    for _event in parser.feed(""):
                        pass
                except (EOFError, ParseError):
                    pass

    return QuickEscapeDriver
