"""Audio output formats on the wire, and G.711 (mu-law / A-law) codecs.

G.711 lives here, not in `audio/`, because it is a wire encoding: the local server encodes
with it and the speaker decodes with it. Stdlib only, table driven.

`AudioMeter` counts the samples a turn's bytes decode to, per context, as they arrive: bytes
divided by the rate is right for PCM and G.711 only (MP3 is counted by its frames, a WAV
stream's header is no audio, stereo has two samples per instant).
"""

from __future__ import annotations

import sys
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache

from .frames import DecodeError
from .mp3 import Mp3Frames

PCM_RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)
MURF_RATES = (8000, 16000, 24000, 44100, 48000)


@dataclass(frozen=True)
class AudioFormat:
    # "pcm" (s16le), "f32" (f32le, Cartesia pcm_f32le), "ulaw", "alaw", "wav" (s16le behind a RIFF
    # header), "mp3", "opus" (Ogg Opus), "flac" (Murf FLAC, Inworld FLAC: produced by the local
    # server, played by nothing here)
    encoding: str
    sample_rate: int
    bitrate: int | None = None
    channels: int = 1  # Murf channel_type STEREO: 2, interleaved

    @property
    def name(self) -> str:
        """ElevenLabs spelling, e.g. `pcm_22050`, `mp3_44100_128`; Murf's own formats the same way
        (`wav_24000`, `mp3_24000`), `_stereo` appended for two channels (`parse_format_spelling`)."""
        base = f"{self.encoding}_{self.sample_rate}"
        base = f"{base}_{self.bitrate}" if self.bitrate else base
        return f"{base}_stereo" if self.channels == 2 else base

    @property
    def bytes_per_sample(self) -> int:
        """Bytes of one channel's sample (PCM-like encodings)."""
        return 2 if self.encoding in ("pcm", "wav") else 4 if self.encoding == "f32" else 1

    @property
    def playable(self) -> bool:
        """Decoded sample by sample here (`to_pcm16`): PCM, f32 and G.711. WAV and MP3 need a
        stream decoder (the speaker's), Opus is played by nothing here."""
        return self.encoding in ("pcm", "f32", "ulaw", "alaw")

    def seconds(self, n_bytes: int) -> float:
        """Seconds in `n_bytes` of a stateless mono byte format; 0.0 otherwise (see AudioMeter)."""
        return n_bytes / (self.bytes_per_sample * self.sample_rate) if self.playable else 0.0


def parse_format_spelling(name: str) -> AudioFormat | DecodeError:
    """The console's spelling of a format: an ElevenLabs `output_format`, or a Murf format as
    `wav_24000` / `mp3_24000` / `pcm_24000`, any of them with `_stereo` (Murf STEREO)."""
    if not isinstance(name, str):
        return DecodeError(f"unknown output_format {name!r}")
    base, stereo = (name[: -len("_stereo")], True) if name.endswith("_stereo") else (name, False)
    parts = base.split("_")
    fmt = parse_output_format(base)
    if (
        isinstance(fmt, DecodeError)
        and len(parts) == 2
        and parts[0] in ("wav", "mp3")
        and parts[1].isdigit()
        and int(parts[1]) in MURF_RATES
    ):
        fmt = AudioFormat(parts[0], int(parts[1]))
    if isinstance(fmt, DecodeError) and len(parts) == 2 and parts[0] == "f32" and parts[1].isdigit():
        fmt = AudioFormat("f32", int(parts[1]))  # Cartesia pcm_f32le: its rates are checked by the caller
    if isinstance(fmt, DecodeError):
        return DecodeError(f"unknown output_format {name!r}")
    return AudioFormat(fmt.encoding, fmt.sample_rate, fmt.bitrate, 2) if stereo else fmt


def parse_output_format(name: str) -> AudioFormat | DecodeError:
    """Parse an ElevenLabs `output_format` value."""
    parts = name.split("_") if isinstance(name, str) else []
    try:
        if len(parts) == 2 and parts[0] == "pcm" and int(parts[1]) in PCM_RATES:
            return AudioFormat("pcm", int(parts[1]))
        if len(parts) == 2 and parts[0] in ("ulaw", "alaw") and parts[1] == "8000":
            return AudioFormat(parts[0], 8000)
        if len(parts) == 3 and parts[0] == "mp3" and parts[1] in ("22050", "44100"):
            return AudioFormat("mp3", int(parts[1]), int(parts[2]))
        if len(parts) == 3 and parts[0] == "opus" and parts[1] == "48000":
            return AudioFormat("opus", 48000, int(parts[2]))
    except ValueError:
        pass
    return DecodeError(f"unknown output_format {name!r}")


def murf_format(fmt: str, sample_rate: int) -> AudioFormat | DecodeError:
    """Murf's `format` + `sample_rate` query pair as an AudioFormat (mono; WAV, MP3, FLAC and OGG
    with their rates unchecked: callers check them against MURF_RATES)."""
    enc = {"PCM": "pcm", "ULAW": "ulaw", "ALAW": "alaw"}.get(str(fmt).upper())
    if enc is None:
        if str(fmt).upper() in ("WAV", "MP3", "FLAC", "OGG"):
            return AudioFormat(str(fmt).lower(), sample_rate)
        return DecodeError(f"unknown format {fmt!r}")
    if sample_rate not in MURF_RATES:
        return DecodeError(f"sample_rate must be one of {', '.join(map(str, MURF_RATES))}")
    if enc != "pcm" and sample_rate != 8000:
        return DecodeError(f"{fmt} is 8000 Hz only")
    return AudioFormat(enc, sample_rate)


# ---- G.711 -------------------------------------------------------------------------------


def _ulaw_to_linear(byte: int) -> int:
    byte = ~byte & 0xFF
    sign, exponent, mantissa = byte & 0x80, (byte >> 4) & 0x07, byte & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return -magnitude if sign else magnitude


def _alaw_to_linear(byte: int) -> int:
    byte ^= 0x55
    sign, exponent, mantissa = byte & 0x80, (byte >> 4) & 0x07, byte & 0x0F
    magnitude = (mantissa << 4) + 8 if exponent == 0 else ((mantissa << 4) + 0x108) << (exponent - 1)
    return magnitude if sign else -magnitude


def _segment(value: int, ends: tuple[int, ...]) -> int:
    for seg, end in enumerate(ends):
        if value <= end:
            return seg
    return len(ends)


_ULAW_SEG_END = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)
_ALAW_SEG_END = (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)


def _linear_to_ulaw(sample: int) -> int:
    # The reference (Sun g711.c, as in CPython's audioop) on the 14-bit sample.
    pcm = sample >> 2
    mask = 0xFF
    if pcm < 0:
        pcm, mask = -pcm, 0x7F
    pcm = min(pcm, 8159) + 0x21
    seg = _segment(pcm, _ULAW_SEG_END)
    if seg >= 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((pcm >> (seg + 1)) & 0x0F)) ^ mask


def _linear_to_alaw(sample: int) -> int:
    pcm = sample >> 3
    mask = 0xD5
    if pcm < 0:
        pcm, mask = -pcm - 1, 0x55
    seg = _segment(pcm, _ALAW_SEG_END)
    if seg >= 8:
        return 0x7F ^ mask
    shift = 1 if seg < 2 else seg
    return ((seg << 4) | ((pcm >> shift) & 0x0F)) ^ mask


# The tables are built on first use, not at import: the two 64 KiB encode tables alone cost ~70 ms,
# and every `switchboard` start (even --help) imports this module through the server and config.
# functools.cache makes each a once-only build; the build is pure, so a race between two threads
# at most builds one twice, with equal results.


@cache
def _ulaw_decode_table() -> array[int]:
    return array("h", (_ulaw_to_linear(b) for b in range(256)))


@cache
def _alaw_decode_table() -> array[int]:
    return array("h", (_alaw_to_linear(b) for b in range(256)))


# Encoding tables indexed by the unsigned 16-bit sample: one lookup per sample.
@cache
def _ulaw_encode_table() -> bytes:
    return bytes(_linear_to_ulaw(s - 65536 if s >= 32768 else s) for s in range(65536))


@cache
def _alaw_encode_table() -> bytes:
    return bytes(_linear_to_alaw(s - 65536 if s >= 32768 else s) for s in range(65536))


def build_g711_tables() -> None:
    """Build all four tables now. For a server about to serve: its first mu-law or A-law turn
    should not pay the ~70 ms build in its time to first audio."""
    for table in (_ulaw_decode_table, _alaw_decode_table, _ulaw_encode_table, _alaw_encode_table):
        table()


def _to_pcm(table: array[int], data: bytes) -> bytes:
    out = array("h", (table[b] for b in data))
    if sys.byteorder == "big":
        out.byteswap()
    return out.tobytes()


def _from_pcm(table: bytes, pcm: bytes) -> bytes:
    samples = array("H")
    samples.frombytes(pcm[: len(pcm) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return bytes(table[s] for s in samples)


def ulaw_decode(data: bytes) -> bytes:
    """mu-law bytes → s16le PCM."""
    return _to_pcm(_ulaw_decode_table(), data)


def alaw_decode(data: bytes) -> bytes:
    """A-law bytes → s16le PCM."""
    return _to_pcm(_alaw_decode_table(), data)


def ulaw_encode(pcm: bytes) -> bytes:
    """s16le PCM → mu-law bytes."""
    return _from_pcm(_ulaw_encode_table(), pcm)


def alaw_encode(pcm: bytes) -> bytes:
    """s16le PCM → A-law bytes."""
    return _from_pcm(_alaw_encode_table(), pcm)


def to_pcm16(fmt: AudioFormat, data: bytes) -> bytes:
    """Wire bytes in a playable format → s16le PCM at `fmt.sample_rate`."""
    if fmt.encoding == "pcm":
        return data[: len(data) // 2 * 2]
    if fmt.encoding == "ulaw":
        return ulaw_decode(data)
    if fmt.encoding == "alaw":
        return alaw_decode(data)
    if fmt.encoding == "f32":
        return f32_to_pcm16(data)
    raise ValueError(f"cannot decode {fmt.name} to PCM")


def from_pcm16(fmt: AudioFormat, pcm: bytes) -> bytes:
    """s16le PCM → wire bytes in `fmt` (pcm, ulaw or alaw)."""
    if fmt.encoding == "pcm":
        return pcm
    if fmt.encoding == "ulaw":
        return ulaw_encode(pcm)
    if fmt.encoding == "alaw":
        return alaw_encode(pcm)
    if fmt.encoding == "f32":
        return pcm16_to_f32(pcm)
    raise ValueError(f"cannot encode PCM as {fmt.name}")


def pcm16_to_f32(pcm: bytes) -> bytes:
    """s16le PCM → f32le samples in -1.0..1.0 (x / 32768, so every s16 value maps back exactly)."""
    samples = array("h")
    samples.frombytes(pcm[: len(pcm) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    out = array("f", (s / 32768.0 for s in samples))
    if sys.byteorder == "big":
        out.byteswap()
    return out.tobytes()


def f32_to_pcm16(data: bytes) -> bytes:
    """f32le samples → s16le PCM, clipped to -1.0..1.0 first (a float stream may overshoot);
    NaN becomes silence."""
    floats = array("f")
    floats.frombytes(data[: len(data) // 4 * 4])
    if sys.byteorder == "big":
        floats.byteswap()
    out = array("h", (0 if f != f else max(-32768, min(32767, round(f * 32768.0))) for f in floats))
    if sys.byteorder == "big":
        out.byteswap()
    return out.tobytes()


# ---- counting what a turn received -------------------------------------------------------

RIFF_MAX_HEADER = 4096  # past this without a `data` chunk, the bytes are taken as raw PCM


class RiffHeader:
    """Strips the RIFF/WAVE header at the start of one stream (Murf WAV: one per context, its
    sizes 0xFFFFFFFF since the length is unknown while streaming). Reads the `fmt ` chunk's
    channel count; bytes that do not start with `RIFF` pass through as raw PCM."""

    def __init__(self, channels: int = 1) -> None:
        self.channels = channels
        self._head: bytearray | None = bytearray()  # None once the header is behind us

    def push(self, data: bytes) -> bytes:
        """The audio bytes in `data` (none until the header is complete)."""
        if self._head is None:
            return data
        head = self._head
        head += data
        if len(head) < 12 and b"RIFF".startswith(bytes(head[:4])):
            return b""
        if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            self._head = None
            return bytes(head)
        at = 12
        while len(head) - at >= 8:
            chunk, size = bytes(head[at : at + 4]), int.from_bytes(head[at + 4 : at + 8], "little")
            if chunk == b"data":
                self._head = None
                return bytes(head[at + 8 :])
            if chunk == b"fmt " and len(head) - at >= 8 + 4:
                self.channels = int.from_bytes(head[at + 10 : at + 12], "little") or self.channels
            if len(head) - at < 8 + size:
                break
            at += 8 + size + (size & 1)
        if len(head) > RIFF_MAX_HEADER:
            self._head = None
            return bytes(head[at:])
        return b""


class SampleFrames:
    """Whole sample frames (every channel's sample of an instant) out of the pieces of one
    PCM-like stream (PCM, G.711, WAV): a WAV stream's header is dropped once, and a frame cut
    between two pieces waits for its other half. Both the meter and the speaker cut here."""

    __slots__ = ("channels", "_width", "_riff", "_odd")

    def __init__(self, fmt: AudioFormat) -> None:
        self.channels = fmt.channels
        self._width = fmt.bytes_per_sample
        self._riff = RiffHeader(fmt.channels) if fmt.encoding == "wav" else None
        self._odd = b""

    @property
    def frame_bytes(self) -> int:
        return self._width * self.channels

    def push(self, data: bytes) -> bytes:
        """The whole frames `data` completes (header bytes left out)."""
        if self._riff is not None:
            data = self._riff.push(data)
            self.channels = self._riff.channels
        if self._odd:
            data = self._odd + data
        cut = len(data) - len(data) % self.frame_bytes
        data, self._odd = (data, b"") if cut == len(data) else (data[:cut], data[cut:])
        return data


class _Count:
    """One context's counting state."""

    __slots__ = ("frames", "mp3")

    def __init__(self, fmt: AudioFormat) -> None:
        pcm_like = fmt.encoding in ("pcm", "f32", "wav", "ulaw", "alaw")
        self.frames = SampleFrames(fmt) if pcm_like else None
        self.mp3 = Mp3Frames() if fmt.encoding == "mp3" else None


class AudioMeter:
    """Samples (per channel) that each context's bytes decode to, counted as they arrive.

    MP3 counts whole frames as they complete (1152 or 576 samples each, what a decoder gives for
    them); WAV drops each context's header once; stereo counts an instant once. Opus counts as
    nothing (nothing here plays it). Contexts are remembered up to `contexts`, oldest forgotten.
    """

    def __init__(self, fmt: AudioFormat, contexts: int = 64) -> None:
        self.format = fmt
        self._contexts: OrderedDict[str, _Count] = OrderedDict()
        self._limit = contexts

    def samples(self, context_id: str, data: bytes) -> int:
        fmt = self.format
        state = self._contexts.get(context_id)
        if state is None:
            state = self._contexts[context_id] = _Count(fmt)
            while len(self._contexts) > self._limit:
                self._contexts.popitem(last=False)
        if state.mp3 is not None:
            return sum(header.samples for _, header in state.mp3.push(data))
        if state.frames is None:
            return 0
        return len(state.frames.push(data)) // state.frames.frame_bytes

    def seconds(self, context_id: str, data: bytes) -> float:
        return self.seconds_of(self.samples(context_id, data))

    def seconds_of(self, samples: int) -> float:
        return samples / self.format.sample_rate

    def forget(self, context_id: str) -> None:
        self._contexts.pop(context_id, None)
