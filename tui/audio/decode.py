"""One turn's wire bytes → s16le mono PCM at the format's rate, piece by piece as they arrive.

A `TurnDecoder` lives as long as its turn and is fed that turn's bytes in wire order; whatever
a piece completes comes out at once, so nothing waits for the turn's end.

- PCM (s16le or f32le), mu-law, A-law: sample by sample (tui/protocol/formats.py); a sample frame cut between
  two pieces waits for its other half.
- WAV (Murf's default): the RIFF header at the start of each context is dropped once
  (protocol.formats.SampleFrames, as the session's meter counts it), the rest is PCM.
- Stereo (Murf `channel_type=STEREO`): mixed down to mono, (L + R) / 2, by miniaudio's channel
  converter. The speaker's devices play mono; the services' stereo carries one voice, so the
  mix is that voice, and the turn's time and "heard" accounting do not change.
- MP3 (ElevenLabs' default, a Murf format): decoded frame by frame as frames complete
  (protocol.mp3.Mp3Frames), with miniaudio's MP3 decoder (dr_mp3). That decoder reads from a
  whole buffer or from a callback that must never run dry (it takes an empty read as the end
  of the stream for good), so each batch of new frames is decoded together with the few frames
  before it: enough bytes for the bit reservoir (511) and one frame for the overlap-add and
  filterbank state, which is all the state a layer III decoder carries from frame to frame. The
  new frames' samples come out identical to decoding the turn whole (tests/test_audio_formats.py).
  Every frame gives exactly its 1152 (MPEG-1) or 576 samples, as the session counts them; a
  frame the decoder rejects plays as silence of its length, so the counts never drift.
- Opus: refused (nothing here decodes it; the local server produces it for other clients).
"""

from __future__ import annotations

from collections import deque
from typing import Protocol

from tui.protocol.formats import AudioFormat, SampleFrames, to_pcm16
from tui.protocol.mp3 import MAX_RESERVOIR, Mp3Frames


class TurnDecoder(Protocol):
    def decode(self, data: bytes) -> bytes:
        """s16le mono PCM for what `data` completes (possibly nothing yet)."""
        ...


def turn_decoder(fmt: AudioFormat) -> TurnDecoder:
    """A fresh decoder for one turn in `fmt`; ValueError (one line) for a format nothing plays."""
    if fmt.encoding == "opus":
        raise ValueError(f"cannot play {fmt.name}: Opus is not decoded here (use mp3_44100_128 or pcm_*)")
    if fmt.encoding == "mp3":
        return Mp3Decoder(fmt)
    if fmt.encoding in ("pcm", "f32", "wav", "ulaw", "alaw"):  # f32: Cartesia pcm_f32le
        return SampleDecoder(fmt)
    raise ValueError(f"cannot play {fmt.name} audio (pcm, f32, ulaw, alaw, wav and mp3 play)")


def downmix(pcm: bytes, channels: int, rate: int) -> bytes:
    """Interleaved s16le with `channels` channels → mono."""
    if channels == 1 or not pcm:
        return pcm
    import miniaudio

    fmt = miniaudio.SampleFormat.SIGNED16
    return bytes(miniaudio.convert_frames(fmt, channels, rate, pcm, fmt, 1, rate))


class SampleDecoder:
    """PCM / G.711, and WAV (PCM behind a header), mono or stereo."""

    def __init__(self, fmt: AudioFormat) -> None:
        self._fmt = AudioFormat("pcm", fmt.sample_rate) if fmt.encoding == "wav" else fmt
        self._frames = SampleFrames(fmt)

    def decode(self, data: bytes) -> bytes:
        data = self._frames.push(data)
        if not data:
            return b""
        return downmix(to_pcm16(self._fmt, data), self._frames.channels, self._fmt.sample_rate)


class Mp3Decoder:
    def __init__(self, fmt: AudioFormat) -> None:
        self._rate = fmt.sample_rate
        self._frames = Mp3Frames()
        self._history: deque[bytes] = deque()  # the last frames decoded: the next batch's warm-up

    def decode(self, data: bytes) -> bytes:
        frames = self._frames.push(data)
        if not frames:
            return b""
        samples = sum(header.samples for _, header in frames)
        new = b"".join(frame for frame, _ in frames)
        pcm = self._decode(b"".join((*self._history, new)), samples) if self._history else None
        if pcm is None:  # a stream's first frames, or a warm-up the decoder would not take
            pcm = self._decode(new, samples)
        self._remember([frame for frame, _ in frames])
        if pcm is None:
            return bytes(2 * samples)
        return pcm

    def _decode(self, stream: bytes, samples: int) -> bytes | None:
        """The last `samples` samples `stream` decodes to (front-filled with silence if the
        decoder gave fewer), or None if it refused the stream."""
        import miniaudio

        try:
            out = miniaudio.decode(
                stream, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1, sample_rate=self._rate
            ).samples.tobytes()
        except miniaudio.DecodeError:
            return None
        need = 2 * samples
        return out[-need:] if len(out) >= need else bytes(need - len(out)) + out

    def _remember(self, frames: list[bytes]) -> None:
        """Keep the frames that the next batch needs before it: the last two, decoded right (an
        MPEG-2 frame has one granule, so the filterbank state the next frame starts from spans
        two frames' output), and before them at least MAX_RESERVOIR bytes for their main data."""
        history = self._history
        history.extend(frames)
        # bytes of history[1:-2]: what is left for the reservoir once the oldest frame goes
        middle = (
            sum(map(len, history)) - len(history[0]) - len(history[-1]) - len(history[-2]) if len(history) > 3 else 0
        )
        while len(history) > 3 and middle >= MAX_RESERVOIR:
            history.popleft()
            middle -= len(history[0])
