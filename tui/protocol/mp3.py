"""MP3 on the wire: frame headers, and complete frames cut out of a stream that arrives in
arbitrary pieces (a WebSocket frame may end mid-header; LAME's output is not frame-aligned).

Stdlib only: enough of ISO 11172-3 / 13818-3 layer III headers to know each frame's length and
how many samples it decodes to. Both the session (counting the seconds a turn received) and the
speaker (decoding frame by frame as they complete) cut the stream here, so they agree.
"""

from __future__ import annotations

from typing import NamedTuple

# Bitrates (kbps) by index, layer III: MPEG-1, and MPEG-2 / 2.5 (lower sampling frequencies).
_KBPS_V1 = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_KBPS_V2 = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
# Sample rates by version bits (0: MPEG-2.5, 2: MPEG-2, 3: MPEG-1) and index.
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
HEADER_BYTES = 4
# A frame may borrow main data from up to this many bytes before its start (the bit reservoir).
MAX_RESERVOIR = 511


class FrameHeader(NamedTuple):
    size: int  # bytes of the whole frame, header included
    samples: int  # samples per channel it decodes to
    sample_rate: int
    channels: int


def frame_header(data: bytes | bytearray | memoryview, at: int = 0) -> FrameHeader | None:
    """The layer III frame header at `data[at:]`, or None (not a header, or a free-format one)."""
    if len(data) - at < HEADER_BYTES:
        return None
    b0, b1, b2, b3 = data[at], data[at + 1], data[at + 2], data[at + 3]
    if b0 != 0xFF or b1 & 0xE0 != 0xE0:
        return None
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
    bitrate_index, rate_index = b2 >> 4, (b2 >> 2) & 3
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    kbps = (_KBPS_V1 if mpeg1 else _KBPS_V2)[bitrate_index]
    rate = _RATES[version][rate_index]
    size = (144 if mpeg1 else 72) * kbps * 1000 // rate + ((b2 >> 1) & 1)
    return FrameHeader(size, 1152 if mpeg1 else 576, rate, 1 if b3 >> 6 == 3 else 2)


def is_info_frame(frame: bytes) -> bool:
    """A Xing/Info (LAME tag) frame: it carries the stream's length and delays, no audio, and
    decoders that honour it skip it. Only a stream's first frame can be one (Mp3Frames asks no
    other: an audio frame whose first bytes happen to spell the tag would be lost)."""
    head = frame[4 : 4 + 40]
    return b"Xing" in head or b"Info" in head


class Mp3Frames:
    """Cuts complete frames out of pieces of one MP3 stream (a turn's bytes)."""

    def __init__(self) -> None:
        self._pending = bytearray()
        self.skipped = 0  # bytes that were no frame (an ID3 tag, junk)
        self._first = True  # the next frame is the stream's first: the only one that may be a tag

    def push(self, data: bytes) -> list[tuple[bytes, FrameHeader]]:
        """The frames `data` completes, in order, with their headers (Info frames left out)."""
        buf = self._pending
        buf += data
        out: list[tuple[bytes, FrameHeader]] = []
        at = 0
        while len(buf) - at >= HEADER_BYTES:
            header = frame_header(buf, at)
            if header is None:
                if buf[at : at + 3] == b"ID3":
                    if len(buf) - at < 10:
                        break
                    tag = 10 + ((buf[at + 6] << 21) | (buf[at + 7] << 14) | (buf[at + 8] << 7) | buf[at + 9])
                    if len(buf) - at < tag:
                        break
                    at += tag
                    self.skipped += tag
                    continue
                sync = buf.find(b"\xff", at + 1)  # resynchronise on the next header
                sync = len(buf) - HEADER_BYTES + 1 if sync < 0 else sync
                self.skipped += sync - at
                at = sync
                continue
            if len(buf) - at < header.size:
                break
            frame = bytes(buf[at : at + header.size])
            at += header.size
            first, self._first = self._first, False
            if not (first and is_info_frame(frame)):
                out.append((frame, header))
        del buf[:at]
        return out
