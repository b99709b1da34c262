"""What a recording says was generated per context, and what the listener actually heard.

A context here is one use of a context id: an id reused after its final is a new context, as
the server counts it. Contexts are ordered by when their turn was opened (the first text frame
sent for them), which is the order the speaker plays them in: one after another, each chunk
starting when the previous one ends or when it arrives, whichever is later.

A barge-in cuts the context it names (or, unnamed, whichever is playing) at that instant: the
rest of its audio, buffered or still to arrive, is never heard. Murf's `clear` does the same,
since the client drops a cleared context's audio by id. A plain ElevenLabs `close_context` is
the normal end of a turn and cuts nothing: what was flushed before it still plays.

Each context's bytes are decoded to mono s16le PCM by a decoder of its own, fed in wire order
(`DecoderFactory`): MP3, WAV and stereo need the speaker's (tui.audio.decode.turn_decoder,
which this layer may not import; tui.core.export passes it in). Without one, PCM and G.711
mono are decoded here with tui.protocol.formats.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from tui.protocol import elevenlabs, murf
from tui.protocol.dialect import Dialect
from tui.protocol.formats import AudioFormat, parse_format_spelling, to_pcm16
from tui.protocol.frames import Audio, DecodeError, Final

from .entries import BARGE_IN, RECEIVED, SENT, ActionEntry, FrameEntry
from .reader import Recording

_OPENS = (elevenlabs.SendText, murf.SendText)


class Decoder(Protocol):
    def decode(self, data: bytes) -> bytes:
        """Mono s16le PCM at the format's rate for what `data` completes (maybe nothing yet)."""
        ...


# One fresh decoder per context (a turn's stream); ValueError for a format it cannot decode.
DecoderFactory = Callable[[AudioFormat], Decoder]


class SampleDecoder:
    """PCM and G.711, mono: sample by sample, a byte left over waits for the next piece."""

    def __init__(self, fmt: AudioFormat) -> None:
        if not fmt.playable or fmt.channels != 1:
            raise ValueError(f"{fmt.name} audio needs the speaker's decoder (switchboard export has it)")
        self._fmt = fmt
        self._odd = b""

    def decode(self, data: bytes) -> bytes:
        data = self._odd + data
        cut = len(data) - len(data) % self._fmt.bytes_per_sample
        data, self._odd = data[:cut], data[cut:]
        return to_pcm16(self._fmt, data) if data else b""


@dataclass
class ContextAudio:
    """One context's audio as received, decoded to s16le PCM at the recording's rate."""

    context_id: str | None
    generation: int  # 1 for the first use of this id, 2 after a reuse, ...
    opened_ms: float
    chunks: list[tuple[float, bytes]] = field(default_factory=list)  # (arrival ms, PCM)
    final_ms: float | None = None
    cut_ms: float | None = None  # a barge-in or clear aimed at this context
    decoder: Decoder | None = field(default=None, repr=False, compare=False)

    @property
    def pcm(self) -> bytes:
        return b"".join(pcm for _, pcm in self.chunks)


@dataclass
class Timeline:
    audio_format: AudioFormat
    contexts: list[ContextAudio]  # in the order their turns were opened
    unnamed_cuts: list[float]  # barge-ins that did not name a context
    skipped_frames: int = 0  # received frames that did not decode

    @property
    def rate(self) -> int:
        return self.audio_format.sample_rate


class TimelineError(ValueError):
    """The recording cannot be turned into audio (unknown dialect, a format nothing decodes)."""


def _audio_format(recording: Recording, decoder: DecoderFactory) -> tuple[Dialect, AudioFormat]:
    header = recording.header
    if header is None:
        raise TimelineError(recording.problem or "the recording has no header")
    try:
        dialect = Dialect(header.dialect)
    except ValueError:
        raise TimelineError(f"unknown dialect {header.dialect!r} in the header") from None
    fmt = parse_format_spelling(header.output_format)
    if isinstance(fmt, DecodeError):
        raise TimelineError(f"the header's output format: {fmt.reason}")
    try:
        decoder(fmt)
    except ValueError as exc:
        raise TimelineError(str(exc)) from None
    return dialect, fmt


def build_timeline(recording: Recording, decoder: DecoderFactory = SampleDecoder) -> Timeline:
    """Fold the recording's frames into per-context audio, each context decoded by its own
    `decoder(format)`; raises TimelineError if impossible."""
    dialect, fmt = _audio_format(recording, decoder)
    contexts: list[ContextAudio] = []
    live: dict[str | None, ContextAudio] = {}  # the current use of each id
    uses: dict[str | None, int] = {}
    timeline = Timeline(fmt, contexts, [])

    def context(cid: str | None, t: float) -> ContextAudio:
        current = live.get(cid)
        if current is None or current.final_ms is not None:
            uses[cid] = uses.get(cid, 0) + 1
            current = live[cid] = ContextAudio(cid, uses[cid], t, decoder=decoder(fmt))
            contexts.append(current)
        return current

    def cut(cid: str | None, t: float) -> None:
        # The console names the default context "(default)"; its frames carry no id at all.
        target = live.get(cid) if cid in live else live.get(None)
        if target is not None and target.cut_ms is None:
            target.cut_ms = t

    for entry in recording.entries:
        t = entry.offset_ms
        if isinstance(entry, ActionEntry):
            if entry.kind == BARGE_IN:
                named = entry.fields.get("context_id")
                if isinstance(named, str):
                    cut(named, t)
                else:
                    timeline.unnamed_cuts.append(t)
            continue
        assert isinstance(entry, FrameEntry)
        if entry.direction == SENT:
            frame = dialect.decode_client(entry.data)
            if isinstance(frame, _OPENS) and frame.text:
                context(frame.context_id, t)
            elif isinstance(frame, murf.Clear):
                cut(frame.context_id, t)
        elif entry.direction == RECEIVED:
            event = dialect.decode_server(entry.data)
            if isinstance(event, Audio):
                target = context(event.context_id, t)
                pcm = target.decoder.decode(event.audio) if event.audio and target.decoder else b""
                if pcm:
                    target.chunks.append((t, pcm))
                if event.is_final:
                    target.final_ms = t
            elif isinstance(event, Final):
                context(event.context_id, t).final_ms = t
            elif isinstance(event, DecodeError):
                timeline.skipped_frames += 1
    return timeline


@dataclass(frozen=True)
class HeardSpan:
    """A stretch of one context's PCM that reached the listener, and when it played."""

    context: ContextAudio
    start_ms: float
    pcm: bytes


def as_heard(timeline: Timeline) -> list[HeardSpan]:
    """Play the timeline through a one-stream speaker that barge-ins stop, and keep what played."""
    ms_per_byte = 1000.0 / (2 * timeline.rate)
    unnamed = sorted(timeline.unnamed_cuts)
    playhead = 0.0
    spans: list[HeardSpan] = []
    for ctx in timeline.contexts:
        started: float | None = None
        stop = -math.inf
        for arrival, pcm in ctx.chunks:
            start = max(playhead, arrival)
            started = start if started is None else started
            stop = min(
                ctx.cut_ms if ctx.cut_ms is not None else math.inf,
                next((u for u in unnamed if u >= started), math.inf),
            )
            if stop <= start:
                break
            played = pcm
            if stop < start + len(pcm) * ms_per_byte:
                played = pcm[: int((stop - start) / ms_per_byte) // 2 * 2]
            if played:
                spans.append(HeardSpan(ctx, start, played))
            playhead = start + len(played) * ms_per_byte
            if len(played) < len(pcm):
                break
        # An unnamed barge-in up to here has done its work (or found nothing playing).
        done = playhead if stop == math.inf else max(playhead, stop)
        unnamed = [u for u in unnamed if u > done]
    return spans
