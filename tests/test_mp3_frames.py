"""Cutting MP3 frames out of a turn's bytes (tui.protocol.mp3.Mp3Frames)."""

from __future__ import annotations

import lameenc

from tui.protocol.mp3 import Mp3Frames, frame_header


def encoded(seconds: float = 0.5, rate: int = 22050) -> bytes:
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(32)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(7)
    pcm = bytes(int(seconds * rate) * 2)
    return bytes(encoder.encode(pcm) + encoder.flush())


def with_tag_text(frame: bytes, text: bytes) -> bytes:
    """The frame with `text` written where a Xing/Info tag would sit (just after its side info)."""
    return frame[:8] + text + frame[8 + len(text) :]


def test_only_the_first_frame_may_be_the_tag_frame():
    data = encoded()
    cut = Mp3Frames().push(data)
    frames = [frame for frame, _ in cut]
    assert len(frames) >= 3
    # A later audio frame whose bytes happen to spell "Info" where a tag would sit is audio.
    stream = Mp3Frames()
    first, second, *rest = frames
    tagged_first = with_tag_text(first, b"Info")
    lookalike = with_tag_text(second, b"Info")
    out = [frame for frame, _ in stream.push(tagged_first + lookalike + b"".join(rest))]
    assert out[0] == lookalike, "the stream's first frame, tagged, is skipped; the look-alike after it is kept"
    assert len(out) == len(frames) - 1, (len(out), len(frames))
    assert frame_header(lookalike, 0) is not None
