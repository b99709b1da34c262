"""The console's terminal driver decides a lone ESC when its wait is over, not at Textual's next
100 ms wake-up (bench/barge_in.py measures the key → silence this gives)."""

from __future__ import annotations

from tui.ui import quick_escape
from tui.ui.quick_escape import ESCAPE_DELAY, IDLE_WAKE, escape_delay, quick_escape_driver, select_timeout

from .consoles import make_app, make_console


def test_the_input_thread_sleeps_only_until_a_pending_escape_is_due():
    assert select_timeout(None, 50.0) == IDLE_WAKE  # nothing pending: Textual's wake-up
    assert abs(select_timeout(50.004, 50.0) - 0.004) < 1e-9  # a lone ESC waits 4 ms more
    assert select_timeout(49.9, 50.0) == 0.0  # overdue: decide now
    assert select_timeout(51.0, 50.0) == IDLE_WAKE  # never longer than before


def test_the_escape_wait_is_ours_unless_the_operator_set_escdelay(monkeypatch):
    assert escape_delay({}) == ESCAPE_DELAY == 0.010
    monkeypatch.setattr(quick_escape.constants, "ESCAPE_DELAY", 0.25)  # Textual read ESCDELAY=250
    assert escape_delay({"ESCDELAY": "250"}) == 0.25


def test_the_console_runs_on_the_quick_driver_unless_textual_driver_is_set(monkeypatch):
    app = make_app(make_console())
    assert app.driver_class.__name__ == "QuickEscapeDriver"
    monkeypatch.setattr(quick_escape.constants, "DRIVER", "textual.drivers.linux_driver:LinuxDriver")
    assert quick_escape_driver() is None
