"""The status strip: what we are connected to and how fast it answers, in two lines.

It paints the session's `StatusStrip` (tui.session.status):
line 1: provider, dialect, connection state (with the reconnect countdown while backing off),
the audio backend or, when the speaker fell back to none, a visible SILENT mark with the reason,
pacing rate, queued turns, URL (already redacted by the model);
line 2: last TTFA, the last barge-in's key → silent / → close sent / → final, the sixth-context
guard, model and output format.
"""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...session.status import ConnectionState, StatusStrip
from ..format import countdown, millis
from .styles import component_style


def status_key(s: StatusStrip, now: float, replay: str | None) -> tuple:
    """Everything the strip shows, so it repaints only when something visible changed."""
    barge = s.last_barge_in
    wait = countdown(s.reconnect_at - now) if s.reconnect_at is not None else None
    return (s.provider, s.dialect, s.url, s.connection, wait, s.attempt, s.rate, s.queued_turns,
            s.model, s.voice, s.output_format, s.last_ttfa, s.guard, s.audio_backend, s.silent_reason,
            s.close_code, s.close_reason, replay,
            None if barge is None else (barge.silenced_after, barge.close_sent_after, barge.final_after))


class StatusView(Static):
    COMPONENT_CLASSES = {"status--label", "status--up", "status--down", "status--silent"}
    DEFAULT_CSS = """
    StatusView { height: 2; background: $panel; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    StatusView > .status--label { color: $text-muted; }
    StatusView > .status--up { color: $text-success; text-style: bold; }
    StatusView > .status--down { color: $text-error; text-style: bold; }
    StatusView > .status--silent { color: $text-warning; text-style: bold reverse; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self._key: tuple | None = None

    def show(self, status: StatusStrip, now: float, replay: str | None = None) -> None:
        """Repaint if anything shown changed; `replay` describes replay position/speed if replaying."""
        key = status_key(status, now, replay)
        if key != self._key:
            self._key = key
            self.update(self._render_status(status, now, replay), layout=False)

    def _style(self, name: str):
        return component_style(self, name)

    def _render_status(self, s: StatusStrip, now: float, replay: str | None) -> Text:
        label = self._style("status--label")
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append(f"{s.provider}/{s.dialect}", "bold")
        up = s.connection is ConnectionState.CONNECTED
        out.append(f" ● {self._connection_text(s, now)}", self._style("status--up" if up else "status--down"))
        if replay:
            out.append(f"  {replay}", "bold")
        # The speaker's state comes before the URL: a silent console must never go unnoticed.
        if s.silent_reason:
            out.append(f"  SILENT: {s.silent_reason}", self._style("status--silent"))
        else:
            out.append("  audio ", label)
            out.append(s.audio_backend or "–")
        out.append(f"  {s.rate:g} w/s", label)
        if s.queued_turns:
            out.append(f"  {s.queued_turns} queued", "bold")
        out.append("  ")
        out.append(s.url, label)
        out.append("\n")
        barge = s.last_barge_in
        pairs = [("ttfa", millis(s.last_ttfa))]
        if barge is not None:
            pairs.append(("barge→silent", millis(barge.silenced_after)))
            pairs.append(("→close", millis(barge.close_sent_after)))
            pairs.append(("→final", millis(barge.final_after)))
        pairs += [("guard", "on" if s.guard else "OFF"), ("model", s.model or "–"),
                  ("fmt", s.output_format or "–")]
        for name, value in pairs:
            out.append(f"{name} ", label)
            out.append(f"{value}  ")
        return out

    @staticmethod
    def _connection_text(s: StatusStrip, now: float) -> str:
        text = s.connection.value
        if s.connection is ConnectionState.WAITING and s.reconnect_at is not None:
            text += f" in {countdown(s.reconnect_at - now)} (attempt {s.attempt})"
        elif s.connection is ConnectionState.DISCONNECTED and s.close_code is not None:
            text += f" ({s.close_code}{' ' + s.close_reason if s.close_reason else ''})"
        return text
