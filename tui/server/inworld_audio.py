"""Inworld audio on the wire: each context's own format, RIFF headers, and word timestamps.

Inworld sets the audio format per context (`create.audioConfig`), so each context gets its own
`InworldAudioEncoder` (the runtime takes a turn's `encoder` over the connection's). What it
produces, per PROTOCOL-DIALECTS.md §1.3:

- `PCM`: raw s16le. `LINEAR16`: the same, every chunk behind a 44-byte RIFF/WAVE header with that
  chunk's sizes. The reference's example and Inworld's guides show a header per chunk; pipecat
  strips any chunk that starts with `RIFF`, and LiveKit 1.8.9's WAV decoder restarts at each
  new RIFF header, so both play it. `WAV`: one header (sizes unknown, 0xFFFFFFFF) at the start of
  each synthesis (§1.3: "header on the first chunk of each flush"). `MULAW`, `ALAW`: G.711.
  `MP3`: LAME, one stream per synthesis (its tail goes out before `flushCompleted`).
  `OGG_OPUS` and `FLAC` (libsndfile, encoding.py): likewise one Ogg Opus / FLAC stream per
  synthesis, ended (Opus' last page, FLAC's last frame) before `flushCompleted`. Unverified
  whether the service starts a new stream per synthesis or runs one per context; chosen per
  synthesis as for WAV's header and MP3, so each flush's audio decodes on its own (a client that
  decodes per synthesis needs nothing more; a client that concatenates a context gets chained Ogg
  streams, which Ogg allows, or FLAC streams back to back: ffmpeg/PyAV, LiveKit's decoder, read
  both whole, libsndfile only the first; encoding.py says why a stream cannot continue past a
  flush). Opus takes 8000, 16000, 24000 or 48000 Hz here (libopus has no 22050/32000/44100 Hz);
  other rates are refused with that list, not resampled. Bitrate: `bitRate` in bits/s (default
  64 kbps, unverified), 6 to 256 kbps.
- Timestamps (`timestampType` WORD or CHARACTER) count from 0 at the start of each synthesis, as
  the service's do. With `SYNC` they ride in the audio chunk they describe; with `ASYNC` (both
  clients' default) they follow it in a timestamps-only `audioChunk`, always before that
  synthesis's `flushCompleted`. A word is sent once it is complete: one cut by a frame boundary
  waits for the next frame (or the synthesis' end).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from tui.protocol import inworld as iw
from tui.protocol.formats import AudioFormat
from tui.protocol.frames import ErrorFrame, WordTimestamps
from tui.protocol.inworld_results import encode_audio_chunk

from .encoding import MURF_MP3_KBPS, OPUS_DEFAULT_KBPS, OPUS_RATES, TurnAudio, wav_header
from .synth import SUPPORTED_SAMPLE_RATES, SynthChunk
from .synthesis import AudioEncoder, Batch

# What the local server produces: every encoding Inworld lists (PROTOCOL-DIALECTS.md §1.2).
PRODUCED = ("PCM", "LINEAR16", "WAV", "MP3", "MULAW", "ALAW", "OGG_OPUS", "FLAC")
# Unspecified in `create`: the service's HTTP default (MP3 at 48 kHz, IW-FMT); unverified for the
# WebSocket, where both real clients always say what they want.
DEFAULT_ENCODING = "MP3"
DEFAULT_SAMPLE_RATE = 48000
_WIRE = {
    "PCM": "pcm",
    "LINEAR16": "pcm",
    "WAV": "pcm",
    "MULAW": "ulaw",
    "ALAW": "alaw",
    "MP3": "mp3",
    "OGG_OPUS": "opus",
    "FLAC": "flac",
}


def linear16_header(sample_rate: int, n_bytes: int) -> bytes:
    """A canonical 44-byte RIFF/WAVE header for `n_bytes` of mono s16le."""
    return (
        b"RIFF"
        + struct.pack("<I", 36 + n_bytes)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, sample_rate, sample_rate * 2, 2, 16)
        + b"data"
        + struct.pack("<I", n_bytes)
    )


class SynthesisAudio(TurnAudio):
    """A context's encoder state, plus where its current synthesis is and its unfinished word."""

    def __init__(self, encoder: AudioEncoder) -> None:
        super().__init__(encoder.stream().encoder)
        self.offset_ms = 0.0  # audio of the current synthesis already described
        self.word: tuple[str, float, float] | None = None  # a word whose end has not come yet
        self.fresh = True  # the next bytes start a synthesis (WAV's header goes there)


@dataclass(frozen=True)
class InworldAudioEncoder(AudioEncoder):
    """One context's audio: its format (`encoding` as Inworld names it) and its timestamps."""

    encoding: str = "PCM"
    timestamps: str | None = None  # WORD, CHARACTER, or None
    sync: bool = False  # timestampTransportStrategy SYNC

    def stream(self) -> TurnAudio:
        return SynthesisAudio(AudioEncoder(self.output, self.encode, channels=self.channels))

    def frames(self, chunk: SynthChunk, context_id: str | None, audio: TurnAudio | None = None) -> Batch:
        state = audio if isinstance(audio, SynthesisAudio) else SynthesisAudio(self)
        out: list[str] = []
        pieces = chunk.split(self.max_frame_ms)
        for n, piece in enumerate(pieces, 1):
            # A voice chunk ends on a word boundary: its last word need not wait for the next one.
            out += self._chunk(*state.take(piece), context_id, state, last=n == len(pieces))
        return Batch(out, chunk.duration_ms / 1000.0)

    def tail(self, audio: TurnAudio, context_id: str | None) -> list[str]:
        """The synthesis' end: the encoder's tail and the words still held; the next starts at 0."""
        if not isinstance(audio, SynthesisAudio):
            return super().tail(audio, context_id)
        out = self._chunk(*audio.finish(), context_id, audio, last=True, end=True)
        audio.offset_ms, audio.word, audio.fresh = 0.0, None, True
        return out

    def _chunk(
        self,
        data: bytes,
        covered: SynthChunk | None,
        context_id: str | None,
        state: SynthesisAudio,
        *,
        last: bool,
        end: bool = False,
    ) -> list[str]:
        """`last`: the end of a voice chunk (a word boundary); `end`: the synthesis' end."""
        words = self._words(covered, state, last and (covered is not None or end)) if self.timestamps else None
        if data and self.encoding == "LINEAR16":
            data = linear16_header(self.output.sample_rate, len(data)) + data
        elif data and self.encoding == "WAV" and state.fresh:
            data = wav_header(self.output.sample_rate, 1) + data
        if data:
            state.fresh = False
        if covered is not None:
            state.offset_ms += covered.duration_ms
        frames: list[str] = []
        characters = self.timestamps == "CHARACTER"
        if data:
            frames.append(encode_audio_chunk(data, context_id, words if self.sync else None, characters=characters))
        if words is not None and (not data or not self.sync):
            frames.append(encode_audio_chunk(b"", context_id, words, characters=characters))
        return frames

    def _words(self, covered: SynthChunk | None, state: SynthesisAudio, last: bool) -> WordTimestamps | None:
        """The timings completed by this piece, in seconds from the synthesis' start."""
        found: list[tuple[str, float, float]] = []
        if covered is not None:
            base = state.offset_ms
            for char, start, length in zip(covered.text, covered.char_start_ms, covered.char_durations_ms):
                begin, end = base + start, base + start + length
                if self.timestamps == "CHARACTER":
                    found.append((char, begin, end))
                elif char.isspace():
                    if state.word is not None:
                        found.append(state.word)
                        state.word = None
                elif state.word is None:
                    state.word = (char, begin, end)
                else:
                    state.word = (state.word[0] + char, state.word[1], end)
        if last and state.word is not None:
            found.append(state.word)
            state.word = None
        if not found:
            return None
        return WordTimestamps(
            tuple(w for w, _, _ in found),
            tuple(round(s / 1000, 3) for _, s, _ in found),
            tuple(round(e / 1000, 3) for _, _, e in found),
            relative_to="synthesis",
        )


def unsupported(message: str, context_id: str | None) -> ErrorFrame:
    return ErrorFrame(message, code=iw.INVALID_ARGUMENT, context_id=context_id)


def context_encoder(
    config: iw.ContextConfig, context_id: str | None, max_frame_ms: int
) -> InworldAudioEncoder | ErrorFrame:
    """The encoder a `create` asks for, or the error that refuses it (the context is not made)."""
    audio = config.audio or iw.AudioConfig(DEFAULT_ENCODING)
    encoding = DEFAULT_ENCODING if audio.encoding == "AUDIO_ENCODING_UNSPECIFIED" else audio.encoding
    if encoding not in PRODUCED:
        return unsupported(
            f"audioEncoding {encoding} is not produced by the local server; use one of {', '.join(PRODUCED)}",
            context_id,
        )
    rate = audio.sample_rate or DEFAULT_SAMPLE_RATE
    if rate not in SUPPORTED_SAMPLE_RATES:
        rates = ", ".join(map(str, SUPPORTED_SAMPLE_RATES))
        return unsupported(
            f"sampleRateHertz {rate} is not produced by the local server; use one of {rates}", context_id
        )
    if encoding == "OGG_OPUS" and rate not in OPUS_RATES:
        rates = ", ".join(str(r) for r in OPUS_RATES if r in SUPPORTED_SAMPLE_RATES)
        return unsupported(
            f"sampleRateHertz {rate} is not produced for OGG_OPUS by the local server (Opus has no such rate); "
            f"use one of {rates}",
            context_id,
        )
    bitrate = None
    if encoding == "OGG_OPUS":
        bitrate = max(6, min(256, (audio.bitrate or OPUS_DEFAULT_KBPS * 1000) // 1000))
    if encoding == "MP3":  # bits/s on the wire; LAME takes kbps, within what the MPEG version allows
        most = MURF_MP3_KBPS.get(rate, 128)
        bitrate = max(8, min(most, (audio.bitrate or 128_000) // 1000))
    stamps = config.timestamp_type if config.timestamp_type in ("WORD", "CHARACTER") else None
    return InworldAudioEncoder(
        AudioFormat(_WIRE[encoding], rate, bitrate),
        iw.encode_server,
        max_frame_ms=max_frame_ms,
        encoding=encoding,
        timestamps=stamps,
        sync=config.timestamp_transport == "SYNC",
    )
