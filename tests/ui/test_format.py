"""Numbers as the panels show them."""

from tui.ui.format import countdown, human_bytes, millis


def test_bytes_stay_short():
    assert [human_bytes(n) for n in (0, 1023, 15360, 3 * 1024 * 1024 + 512 * 1024)] == ["0B", "1023B", "15.0k", "3.5M"]


def test_durations_keep_a_decimal_only_where_it_matters():
    assert [millis(s) for s in (None, 0.0004, 0.0123, 0.182)] == ["–", "0.4ms", "12ms", "182ms"]


def test_a_countdown_never_goes_negative():
    assert [countdown(r) for r in (None, 12.34, -0.5)] == ["–", "12.3s", "0.0s"]
