"""Audio output formats on the wire, and G.711 (mu-law / A-law) codecs.

G.711 lives here, not in `audio/`, because it is a wire encoding: the local server encodes
with it and the speaker decodes with it. Stdlib only, table driven.
"""
from __future__ import annotations

import sys
from array import array
from dataclasses import dataclass

from .frames import DecodeError

PCM_RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)
MURF_RATES = (8000, 16000, 24000, 44100, 48000)


@dataclass(frozen=True)
class AudioFormat:
    encoding: str          # "pcm" (s16le mono), "ulaw", "alaw", "mp3", "opus"
    sample_rate: int
    bitrate: int | None = None

    @property
    def name(self) -> str:
        """ElevenLabs spelling, e.g. `pcm_22050`, `mp3_44100_128`."""
        base = f"{self.encoding}_{self.sample_rate}"
        return f"{base}_{self.bitrate}" if self.bitrate else base

    @property
    def bytes_per_sample(self) -> int:
        return 2 if self.encoding == "pcm" else 1

    @property
    def playable(self) -> bool:
        """Formats the speaker and the local server handle (no compressed codecs)."""
        return self.encoding in ("pcm", "ulaw", "alaw")

    def seconds(self, n_bytes: int) -> float:
        return n_bytes / (self.bytes_per_sample * self.sample_rate) if self.playable else 0.0


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
    """Murf's `format` + `sample_rate` query pair as an AudioFormat."""
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


_ULAW_DECODE = array("h", (_ulaw_to_linear(b) for b in range(256)))
_ALAW_DECODE = array("h", (_alaw_to_linear(b) for b in range(256)))
# Encoding tables indexed by the unsigned 16-bit sample: one lookup per sample.
_ULAW_ENCODE = bytes(_linear_to_ulaw(s - 65536 if s >= 32768 else s) for s in range(65536))
_ALAW_ENCODE = bytes(_linear_to_alaw(s - 65536 if s >= 32768 else s) for s in range(65536))


def _to_pcm(table: array, data: bytes) -> bytes:
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
    return _to_pcm(_ULAW_DECODE, data)


def alaw_decode(data: bytes) -> bytes:
    """A-law bytes → s16le PCM."""
    return _to_pcm(_ALAW_DECODE, data)


def ulaw_encode(pcm: bytes) -> bytes:
    """s16le PCM → mu-law bytes."""
    return _from_pcm(_ULAW_ENCODE, pcm)


def alaw_encode(pcm: bytes) -> bytes:
    """s16le PCM → A-law bytes."""
    return _from_pcm(_ALAW_ENCODE, pcm)


def to_pcm16(fmt: AudioFormat, data: bytes) -> bytes:
    """Wire bytes in a playable format → s16le PCM at `fmt.sample_rate`."""
    if fmt.encoding == "pcm":
        return data[: len(data) // 2 * 2]
    if fmt.encoding == "ulaw":
        return ulaw_decode(data)
    if fmt.encoding == "alaw":
        return alaw_decode(data)
    raise ValueError(f"cannot decode {fmt.name} to PCM")


def from_pcm16(fmt: AudioFormat, pcm: bytes) -> bytes:
    """s16le PCM → wire bytes in `fmt` (pcm, ulaw or alaw)."""
    if fmt.encoding == "pcm":
        return pcm
    if fmt.encoding == "ulaw":
        return ulaw_encode(pcm)
    if fmt.encoding == "alaw":
        return alaw_encode(pcm)
    raise ValueError(f"cannot encode PCM as {fmt.name}")
