"""The status strip: what we are connected to and how fast it answers, in two lines.

It paints the session's `StatusStrip` (tui.session.status):
line 1: provider, dialect, connection state (with the reconnect countdown while backing off, or
the probe interval while a loopback server is not listening), the embedded server's trouble,
the audio backend or, when the speaker fell back to none, a visible SILENT mark with the reason,
pacing rate, the end-of-turn pattern and the live settings when not default, queued turns, URL
(already redacted by the model);
line 2: last TTFA, the last barge-in's key → the speaker's stop call plus the output latency its
backend reports (or "nothing was playing")
/ → close sent / → final, the context-limit guard, model and output format.

Fields are joined by a visible separator, never by bare spaces: spaces inside a styled run vanish
in some SVG renderers of the screenshot (`miniaudio12 w/s`), a glyph does not.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...protocol.dialect import Dialect
from ...session.status import ConnectionState, StatusStrip
from ...session.transcript import DEFAULT_TURN_END
from ..format import countdown, millis
from .styles import component_style

SEPARATOR = " · "

# A field is its parts: (text, component class or a Rich style name, or "" for plain).
Field = list[tuple[str, str]]


class StatusView(Static):
    COMPONENT_CLASSES = {"status--label", "status--up", "status--down", "status--silent", "status--sep"}
    DEFAULT_CSS = """
    StatusView { height: 2; background: $panel; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    StatusView > .status--label { color: $text-muted; }
    StatusView > .status--sep { color: $text-muted; }
    StatusView > .status--up { color: $text-success; text-style: bold; }
    StatusView > .status--down { color: $text-error; text-style: bold; }
    StatusView > .status--silent { color: $text-warning; text-style: bold reverse; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self._key: tuple[list[Field], list[Field]] | None = None

    def show(self, status: StatusStrip, now: float, replay: str | None = None) -> None:
        """Repaint if anything shown changed; `replay` describes replay position/speed if replaying."""
        # The fields are the key: what is shown is what is compared, so no field can be left out.
        key = (connection_fields(status, now, replay), timing_fields(status))
        if key != self._key:
            self._key = key
            self.update(self._render_lines(key), layout=False)

    def _style(self, name: str):
        return component_style(self, name) if name.startswith("status--") else name

    def _render_status(self, s: StatusStrip, now: float, replay: str | None) -> Text:
        return self._render_lines((connection_fields(s, now, replay), timing_fields(s)))

    def _render_lines(self, lines: tuple[list[Field], list[Field]]) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        for n, line in enumerate(lines):
            if n:
                out.append("\n")
            for i, field_ in enumerate(line):
                if i:
                    out.append(SEPARATOR, self._style("status--sep"))
                for text, style in field_:
                    out.append(text, self._style(style))
        return out


def connection_fields(s: StatusStrip, now: float, replay: str | None) -> list[Field]:
    up = s.connection is ConnectionState.CONNECTED
    fields: list[Field] = [
        [(f"{s.provider}/{s.dialect}", "bold")],
        [(f"● {connection_text(s, now)}", "status--up" if up else "status--down")],
    ]
    if s.server_state:
        fields.append([(s.server_state, "status--down")])
    if replay:
        fields.append([(replay, "bold")])
    # The speaker's state comes before the URL: a silent console must never go unnoticed.
    if s.silent_reason:
        fields.append([(f"SILENT: {s.silent_reason}", "status--silent")])
    else:
        fields.append([("audio ", "status--label"), (s.audio_backend or "–", "")])
    fields.append([(f"{s.rate:g} w/s", "status--label")])
    if s.turn_end != DEFAULT_TURN_END:  # how turns end, when not flush then close at once
        fields.append([("end ", "status--label"), (s.turn_end, "bold")])
    fields += [[(part, "bold")] for part in s.settings]  # live settings not at their default
    if s.queued_turns:
        fields.append([(f"{s.queued_turns} queued", "bold")])
    fields.append([(s.url, "status--label")])
    return fields


def timing_fields(s: StatusStrip) -> list[Field]:
    def pair(name: str, value: str) -> Field:
        return [(f"{name} ", "status--label"), (value, "")]

    fields = [pair("text→audio", millis(s.last_ttfa_text)), pair("flush→audio", millis(s.last_ttfa))]
    barge = s.last_barge_in
    if barge is not None:
        # What the console can time is its own stop call; what the output still held is the
        # backend's own figure, an upper bound. Whether the room went quiet is measured from
        # outside (bench/barge_in.py), so the label never says "silent in".
        stopped = f"stop call {millis(barge.silenced_after)}"
        if s.output_latency is not None:
            stopped += f" + output ≤ {millis(s.output_latency)}"
        fields.append(
            pair("barge-in:", stopped)
            if barge.was_playing
            else [("barge-in: ", "status--label"), ("nothing was playing", "")]
        )
        fields.append(pair("→close", millis(barge.close_sent_after)))
        fields.append(pair("→final", millis(barge.final_after)))
    fields += [
        pair("guard", guard_text(s)),
        pair("model", s.model or "–"),
        pair("fmt", s.output_format or "–"),
    ]
    if s.recording:  # where this session is being written (./recordings, or the user data dir)
        fields.append(pair("rec", s.recording))
    return fields


def guard_text(s: StatusStrip) -> str:
    """The context-limit guard; with no per-socket cap (Cartesia) there is nothing for it to count."""
    try:
        capped = Dialect(s.dialect).max_contexts is not None
    except ValueError:  # a recording's dialect this version does not know: as before
        capped = True
    return ("on" if s.guard else "OFF") if capped else "– (no cap)"


def connection_text(s: StatusStrip, now: float) -> str:
    text = s.connection.value
    if s.connection is ConnectionState.WAITING and s.reconnect_every is not None:
        text += f" every {s.reconnect_every:g} s (local, attempt {s.attempt})"
    elif s.connection is ConnectionState.WAITING and s.reconnect_at is not None:
        text += f" in {countdown(s.reconnect_at - now)} (attempt {s.attempt})"
    elif s.connection is ConnectionState.DISCONNECTED and s.close_code is not None:
        text += f" ({s.close_code}{' ' + s.close_reason if s.close_reason else ''})"
    return text
